//! The Groth16 wrap over BN254: the final plonky2 proof re-proven under a
//! BN254-friendly hasher (shrink), then verified in R1CS and proven with Groth16.
//!
//! * [`poseidon`]: Poseidon over the BN254 scalar field, native and as an R1CS gadget.
//! * [`algebra`]: `GF(p^2)` arithmetic behind one trait, native or in R1CS.
//! * [`config`]: the plonky2 config hashing with Poseidon-BN254.
//! * [`goldilocks`]: Goldilocks and its quadratic extension emulated in R1CS.
//! * [`gates`]: plonky2's gate constraints and vanishing polynomial over [`algebra`].
//! * [`public_input`]: the wrap's one public input, `SHA-256(old_root || new_root || commitment)` in `Fr`.
//! * [`shrink`]: the range proof re-proven under [`config`].
//! * [`verifier`]: the plonky2 verifier of shrink proofs, in R1CS.
//! * [`circuit`]: the wrap circuit, a shrink proof's verification as one R1CS.
//! * [`groth16`]: setup, proving, verification, serialization and EVM encoding.
//! * [`keys`]: the keys on disk, pinned to their circuit and by hash.
//! * [`wrapper`]: the whole wrap of a range proof, and its verification.

pub mod algebra;
pub mod circuit;
pub mod config;
pub mod gates;
pub mod goldilocks;
pub mod groth16;
pub mod keys;
pub mod poseidon;
pub mod public_input;
pub mod shrink;
pub mod verifier;
pub mod wrapper;
