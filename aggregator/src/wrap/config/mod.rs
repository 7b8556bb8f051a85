//! A plonky2 configuration whose Merkle trees and Fiat-Shamir transcript use
//! Poseidon over the BN254 scalar field, so that an R1CS verifier over BN254
//! hashes natively.
//!
//! * [`packing`]: how Goldilocks elements enter BN254 elements and come back out.
//! * [`digest`]: the hash output, one BN254 element.
//! * [`hash`]: the `Hasher` (leaves, 2-to-1 compression).
//! * [`permutation`]: the duplex permutation the challenger runs over Goldilocks elements.
//!
//! The public-inputs hash stays plonky2's Poseidon over Goldilocks (the
//! `InnerHasher`): it is computed inside the plonky2 circuit.

pub mod digest;
pub mod hash;
pub mod packing;
pub mod permutation;

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::GenericConfig;
use serde::Serialize;

pub use digest::Bn254Digest;
pub use hash::PoseidonBn254Hash;
pub use permutation::PoseidonBn254Permutation;

use super::algebra::{GF, GF2};

/// Goldilocks, its quadratic extension, Poseidon-BN254 for Merkle trees and
/// the transcript, Poseidon-Goldilocks for the public-inputs hash.
#[derive(Debug, Copy, Clone, Default, Eq, PartialEq, Serialize)]
pub struct PoseidonBn254GoldilocksConfig;

impl GenericConfig<2> for PoseidonBn254GoldilocksConfig {
    type F = GF;
    type FE = GF2;
    type Hasher = PoseidonBn254Hash;
    type InnerHasher = PoseidonHash;
}
