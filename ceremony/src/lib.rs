//! zkr's trusted-setup ceremony: phase 1 (powers of tau over BN254), reading
//! and writing snarkjs's `.ptau` files byte for byte, so that zkr and
//! snarkjs participants can take turns in one ceremony.

pub mod cli;
pub mod error;
pub mod hash;
pub mod keys;
pub mod progress;
pub mod ptau;
pub mod rng;
pub mod transcript;
