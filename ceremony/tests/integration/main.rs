//! The ceremony's integration tests, one binary (the shared helpers and the
//! generic code they reach compiled and linked once).

#[path = "../common/mod.rs"]
mod common;

mod circom;
mod groth16;
mod prove;
mod r1cs;
mod snarkjs_interop;
mod solidity;
mod tampering;
mod transcript;
mod zkey;
