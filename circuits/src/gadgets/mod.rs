//! plonky2 gadgets, each beside the native function it constrains.

pub(crate) mod algebraic;
pub mod ecgfp5;
pub mod float;
pub mod merkle;
pub mod nonzero;
pub mod sha256;
pub mod uint128;
