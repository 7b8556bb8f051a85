//! Custom plonky2 gates for EcGFp5 arithmetic.
//!
//! * [`gfp5_mul`]: GF(p^5) products, five to a row.
//! * [`point_add`]: one point addition per row.
//! * [`fixed_base_add`]: one addition of `d G`, `d` a 4-bit digit, per row.
//! * [`point_double`]: several chained point doublings per row.
//!
//! The point gates share their formulas ([`formulas`]) between constraints and witness
//! generation.

pub mod fixed_base_add;
pub(crate) mod formulas;
pub mod gfp5_mul;
pub mod point_add;
pub mod point_double;

pub use fixed_base_add::{FixedBaseAddGate, FixedBaseAddGenerator};
pub use gfp5_mul::{Gfp5MulGate, Gfp5MulGenerator};
pub use point_add::{PointAddGate, PointAddGenerator};
pub use point_double::{PointDoubleGate, PointDoubleGenerator};
