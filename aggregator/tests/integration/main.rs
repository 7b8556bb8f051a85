//! The aggregator's integration tests, one binary (the shared helpers and the
//! generic code they reach compiled and linked once). `wrap` and `aggregation`
//! stay binaries of their own: their tests share one costly proof per process.

#[path = "../common/mod.rs"]
mod common;

mod groth16;
mod groth16_prover;
mod leaf_step;
mod plonk_vanishing;
mod poseidon_bn254;
mod public_input;
mod wrap_transcript;
