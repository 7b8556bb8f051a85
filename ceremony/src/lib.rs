//! zkr's trusted-setup ceremony: phase 1 (powers of tau over BN254) and its
//! preparation for phase 2 (the Lagrange basis), reading and writing
//! snarkjs's `.ptau` files byte for byte, so that zkr and snarkjs
//! participants can take turns in one ceremony; zkr's wrap circuit in
//! circom's `.r1cs` format, the input of phase 2; and phase 2's keys in
//! snarkjs's `.zkey` format.

pub mod binfile;
pub mod cli;
pub mod error;
pub mod groth16;
pub mod hash;
pub mod keys;
pub mod progress;
pub mod ptau;
pub mod r1cs;
pub mod rng;
pub mod scalar_mul;
pub mod transcript;
pub mod wtns;
pub mod zkey;
