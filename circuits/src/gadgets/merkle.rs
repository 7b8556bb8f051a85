//! Merkle paths over Poseidon, the in-circuit twin of `state::root_from_path`.

use plonky2::field::extension::Extendable;
use plonky2::hash::hash_types::{HashOutTarget, RichField, NUM_HASH_OUT_ELTS};
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::BoolTarget;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::config::AlgebraicHasher;

/// Root reached from `leaf` along `siblings` (leaf level first); bit `h` of the
/// index says the node is the right child at height `h`. One Poseidon row per level:
/// the swap is done inside the Poseidon gate.
pub fn merkle_root<F: RichField + Extendable<D>, const D: usize>(
    builder: &mut CircuitBuilder<F, D>,
    leaf: HashOutTarget,
    index_bits: &[BoolTarget],
    siblings: &[HashOutTarget],
) -> HashOutTarget {
    assert_eq!(index_bits.len(), siblings.len(), "one index bit per level");
    let zero = builder.zero();
    let mut node = leaf;
    for (bit, sibling) in index_bits.iter().zip(siblings) {
        let mut inputs = <PoseidonHash as AlgebraicHasher<F>>::AlgebraicPermutation::new(
            std::iter::repeat(zero),
        );
        inputs.set_from_slice(&node.elements, 0);
        inputs.set_from_slice(&sibling.elements, NUM_HASH_OUT_ELTS);
        let out = PoseidonHash::permute_swapped(inputs, *bit, builder);
        node = HashOutTarget::from_vec(out.squeeze()[..NUM_HASH_OUT_ELTS].to_vec());
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{root_from_path, Digest, F};
    use plonky2::field::types::Sample;
    use plonky2::hash::hash_types::HashOut;
    use plonky2::iop::witness::{PartialWitness, WitnessWrite};
    use plonky2::plonk::circuit_data::CircuitConfig;
    use plonky2::plonk::config::PoseidonGoldilocksConfig;

    #[test]
    fn merkle_root_gadget_matches_native_root_from_path() {
        let depth = 6;
        let index = 0b101101u64;
        let leaf: Digest = HashOut::rand();
        let siblings: Vec<Digest> = (0..depth).map(|_| HashOut::rand()).collect();
        let expected = root_from_path(leaf, index, &siblings);

        let mut b = CircuitBuilder::<F, 2>::new(CircuitConfig::standard_recursion_config());
        let leaf_t = b.add_virtual_hash();
        let sib_t: Vec<_> = (0..depth).map(|_| b.add_virtual_hash()).collect();
        let idx = b.add_virtual_target();
        let bits = b.split_le(idx, depth);
        let root = merkle_root(&mut b, leaf_t, &bits, &sib_t);
        b.register_public_inputs(&root.elements);
        let data = b.build::<PoseidonGoldilocksConfig>();

        let mut pw = PartialWitness::new();
        pw.set_hash_target(leaf_t, leaf).unwrap();
        for (t, s) in sib_t.iter().zip(&siblings) {
            pw.set_hash_target(*t, *s).unwrap();
        }
        pw.set_target(idx, F::from_canonical_u64(index)).unwrap();
        let proof = data.prove(pw).expect("valid path proves");
        assert_eq!(
            proof.public_inputs,
            expected.elements.to_vec(),
            "circuit root vs native root"
        );
        data.verify(proof).expect("verifies");
    }
    use plonky2::field::types::Field;
}
