//! The plonky2 verifier in R1CS, for proofs under
//! [`super::config::PoseidonBn254GoldilocksConfig`].
//!
//! * [`bits`]: canonical Goldilocks decompositions.
//! * [`challenger`]: the Fiat-Shamir transcript replayed.
//! * [`merkle`]: Poseidon-BN254 Merkle leaves and paths.
//! * [`proof`]: a shrink proof allocated as witnesses.
//! * [`transcript`]: every Fiat-Shamir challenge of a proof.

pub mod bits;
pub mod challenger;
pub mod merkle;
pub mod proof;
pub mod transcript;
