//! The plonky2 verifier in R1CS, for proofs under
//! [`super::config::PoseidonBn254GoldilocksConfig`].
//!
//! * [`challenger`]: the Fiat-Shamir transcript replayed.
//! * [`fri`]: FRI's proof-of-work, query rounds, folding and final polynomial.
//! * [`merkle`]: Poseidon-BN254 Merkle leaves and paths.
//! * [`proof`]: a shrink proof allocated as witnesses.
//! * [`transcript`]: every Fiat-Shamir challenge of a proof.

pub mod challenger;
pub mod fri;
pub mod merkle;
pub mod proof;
pub mod transcript;
