//! The plonky2 `Hasher` over Poseidon-BN254 (`t = 3`).
//!
//! * `hash_no_pad(g_0..g_n)`: the inputs are packed three to a scalar
//!   ([`super::packing::pack`]); the sponge starts from `[n + 1, 0, 0]` (the
//!   capacity word carries the length, so leaves of different lengths never
//!   share a state) and absorbs two scalars per permutation by overwriting the
//!   rate words (a short last block is zero-padded); the digest is rate word 0
//!   after the last permutation. Merkle leaves have a fixed length per tree, so
//!   no padding rule is needed.
//! * `two_to_one(a, b)`: rate word 0 of the permutation of `[0, a, b]`: one
//!   permutation per Merkle node, and a capacity of 0 separates nodes from leaves.
//! * `hash_or_noop` always hashes: a leaf is never its own digest, so the R1CS
//!   verifier has one leaf rule.

use ark_bn254::Fr;
use plonky2::plonk::config::Hasher;

use super::digest::Bn254Digest;
use super::packing::{pack, PACK};
use super::permutation::PoseidonBn254Permutation;
use crate::wrap::algebra::GF;
use crate::wrap::poseidon::{permute, PoseidonParams};

/// Scalars absorbed per permutation.
pub const RATE: usize = 2;

/// Poseidon over BN254 as a plonky2 hasher.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PoseidonBn254Hash;

/// The sponge state a leaf hash of `len` Goldilocks elements starts from.
pub fn leaf_initial_state(len: usize) -> [Fr; 3] {
    [Fr::from(len as u64 + 1), Fr::from(0u64), Fr::from(0u64)]
}

/// Packs leaf elements into the scalars the sponge absorbs.
pub fn leaf_scalars(input: &[GF]) -> Vec<Fr> {
    input.chunks(PACK).map(pack).collect()
}

impl Hasher<GF> for PoseidonBn254Hash {
    const HASH_SIZE: usize = super::digest::DIGEST_BYTES;
    type Hash = Bn254Digest;
    type Permutation = PoseidonBn254Permutation;

    fn hash_no_pad(input: &[GF]) -> Bn254Digest {
        let params = PoseidonParams::bn254_t3();
        let mut state = leaf_initial_state(input.len());
        let scalars = leaf_scalars(input);
        if scalars.is_empty() {
            permute(params, &mut state);
        }
        for block in scalars.chunks(RATE) {
            state[1] = block[0];
            state[2] = block.get(1).copied().unwrap_or_default();
            permute(params, &mut state);
        }
        Bn254Digest(state[1])
    }

    fn hash_or_noop(inputs: &[GF]) -> Bn254Digest {
        Self::hash_no_pad(inputs)
    }

    fn two_to_one(left: Bn254Digest, right: Bn254Digest) -> Bn254Digest {
        let mut state = [Fr::from(0u64), left.0, right.0];
        permute(PoseidonParams::bn254_t3(), &mut state);
        Bn254Digest(state[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::{Field, Sample};

    #[test]
    fn two_to_one_is_one_permutation_of_zero_left_right() {
        let (a, b) = (Fr::from(5u64), Fr::from(9u64));
        let mut state = [Fr::from(0u64), a, b];
        permute(PoseidonParams::bn254_t3(), &mut state);
        assert_eq!(
            PoseidonBn254Hash::two_to_one(Bn254Digest(a), Bn254Digest(b)).0,
            state[1]
        );
        assert_ne!(
            PoseidonBn254Hash::two_to_one(Bn254Digest(a), Bn254Digest(b)),
            PoseidonBn254Hash::two_to_one(Bn254Digest(b), Bn254Digest(a)),
            "compression is ordered"
        );
    }

    #[test]
    fn leaf_hash_is_separated_by_length() {
        let x = GF::rand();
        // [x] and [x, 0] pack to the same scalar; the length word tells them apart.
        assert_ne!(
            PoseidonBn254Hash::hash_no_pad(&[x]),
            PoseidonBn254Hash::hash_no_pad(&[x, GF::ZERO])
        );
        assert_eq!(
            PoseidonBn254Hash::hash_or_noop(&[x]),
            PoseidonBn254Hash::hash_no_pad(&[x]),
            "short leaves are hashed too"
        );
    }

    #[test]
    fn leaf_hash_of_two_scalars_is_one_overwrite_absorption() {
        // Six elements fill exactly one block: the same as starting a sponge
        // from the length word with the two packed scalars in the rate.
        let input: Vec<GF> = (0..6).map(|_| GF::rand()).collect();
        let mut state = [Fr::from(7u64), pack(&input[0..3]), pack(&input[3..6])];
        permute(PoseidonParams::bn254_t3(), &mut state);
        assert_eq!(PoseidonBn254Hash::hash_no_pad(&input).0, state[1]);
    }
}
