//! The Groth16 wrap over BN254: the R1CS side of the pipeline.
//!
//! * [`poseidon`]: Poseidon over the BN254 scalar field, native and as an R1CS gadget.

pub mod poseidon;
