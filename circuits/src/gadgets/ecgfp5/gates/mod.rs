//! Custom plonky2 gates for EcGFp5 arithmetic.
//!
//! * [`gfp5_mul`]: GF(p^5) products, five to a row.
//! * [`point_add`]: one point addition per row.
//! * [`point_double`]: several chained point doublings per row.
//!
//! The point gates share their formulas ([`formulas`]) between constraints and witness
//! generation.

pub(crate) mod formulas;
pub mod gfp5_mul;
pub mod point_add;
pub mod point_double;

pub use gfp5_mul::{Gfp5MulGate, Gfp5MulGenerator};
pub use point_add::{PointAddGate, PointAddGenerator};
pub use point_double::{PointDoubleGate, PointDoubleGenerator};
