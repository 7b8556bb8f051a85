//! Phase 2 of the Groth16 setup: snarkjs's `.zkey` (circuit-specific keys
//! from a circuit's `.r1cs` and a prepared `.ptau`).

pub mod contribute;
pub mod export;
pub mod format;
pub mod new;
pub mod verify;
