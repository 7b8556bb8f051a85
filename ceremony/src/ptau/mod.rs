//! Phase 1 of the Groth16 setup: a powers-of-tau accumulator over BN254 in
//! snarkjs's `.ptau` format, one file per step, and its preparation for
//! phase 2 (the Lagrange basis).

pub mod challenge;
pub mod contribute;
pub mod encoding;
pub mod format;
pub mod lagrange;
pub mod new;
pub mod prepare;
pub mod verify;

/// Points processed per step of the streaming passes (bounded memory at any power).
pub const CHUNK: u64 = 1 << 16;
