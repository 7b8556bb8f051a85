//! Merkle leaves and paths of [`crate::wrap::config::PoseidonBn254Hash`] in R1CS.

use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::r1cs::SynthesisError;

use crate::wrap::config::hash::RATE;
use crate::wrap::config::packing::PACK;
use crate::wrap::poseidon::{permute_var, PoseidonParams};

/// The leaf digest of Goldilocks values (each `< 2^64`, which the caller
/// enforces), as `PoseidonBn254Hash::hash_no_pad`: packed three to a scalar,
/// absorbed two per permutation into a state whose capacity is `len + 1`.
pub fn hash_leaf(values: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let params = PoseidonParams::bn254_t3();
    let two64 = Fr::from(2u64).pow([64]);
    let scalars: Vec<FpVar<Fr>> = values
        .chunks(PACK)
        .map(|c| c.iter().rev().fold(FpVar::zero(), |acc, x| acc * two64 + x))
        .collect();
    let mut state = [
        FpVar::constant(Fr::from(values.len() as u64 + 1)),
        FpVar::zero(),
        FpVar::zero(),
    ];
    if scalars.is_empty() {
        permute_var(params, &mut state)?;
    }
    for block in scalars.chunks(RATE) {
        state[1] = block[0].clone();
        state[2] = block.get(1).cloned().unwrap_or_else(FpVar::zero);
        permute_var(params, &mut state)?;
    }
    Ok(state[1].clone())
}

/// [`crate::wrap::config::packing::pack`] in R1CS: `sum_i xs[i] 2^(64 i)`
/// for up to three values (a linear combination, no constraints).
pub fn pack_var(xs: &[FpVar<Fr>]) -> FpVar<Fr> {
    assert!(
        xs.len() <= PACK,
        "packing {} values into one scalar",
        xs.len()
    );
    let two64 = Fr::from(2u64).pow([64]);
    xs.iter()
        .rev()
        .fold(FpVar::zero(), |acc, x| acc * two64 + x)
}

/// `two_to_one(left, right)`: rate word 0 of the permutation of `[0, left, right]`.
pub fn compress(left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let mut state = [FpVar::zero(), left.clone(), right.clone()];
    permute_var(PoseidonParams::bn254_t3(), &mut state)?;
    Ok(state[1].clone())
}

/// Enforces that `leaf` sits at the index whose little-endian bits are
/// `index_bits` under the root `root` (cap height 0), with `siblings` from the
/// leaf up. At each level the index bit says whether the current node is a
/// right child.
pub fn verify_path(
    leaf: &FpVar<Fr>,
    index_bits: &[Boolean<Fr>],
    siblings: &[FpVar<Fr>],
    root: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    assert_eq!(
        index_bits.len(),
        siblings.len(),
        "one index bit per Merkle level"
    );
    let mut node = leaf.clone();
    for (bit, sibling) in index_bits.iter().zip(siblings) {
        let left = bit.select(sibling, &node)?;
        let right = bit.select(&node, sibling)?;
        node = compress(&left, &right)?;
    }
    node.enforce_equal(root)
}
