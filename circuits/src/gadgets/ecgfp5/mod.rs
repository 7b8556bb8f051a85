//! EcGFp5 in plonky2, beside its native twin [`crate::ecgfp5`].
//!
//! * [`field`]: [`Gfp5Target`], GF(p^5) elements as five Goldilocks targets, and
//!   [`CircuitBuilderGfp5`], their arithmetic; products go through [`gates::Gfp5MulGate`]
//!   (five to a row with the standard recursion config).
//! * [`curve`]: [`PointTarget`], group elements in the native fractional `(x, u)` coordinates,
//!   and [`CircuitBuilderEcGFp5`], the complete addition and doubling formulas.
//! * [`schnorr`]: [`CircuitBuilderSchnorr::verify_schnorr`], signature verification.
//! * [`gates`]: the custom gates.
//!
//! Everything here assumes the circuit field is Goldilocks (GF(p^5) is built on it); the
//! witness helpers refuse any other field.

pub mod curve;
pub mod field;
pub mod gates;
pub mod schnorr;

pub use curve::{CircuitBuilderEcGFp5, PointTarget, WitnessWritePoint};
pub use field::{CircuitBuilderGfp5, Gfp5Target, WitnessGfp5, WitnessWriteGfp5};
pub use gates::Gfp5MulGate;
pub use schnorr::{CircuitBuilderSchnorr, SignatureTarget, WitnessWriteSignature};
