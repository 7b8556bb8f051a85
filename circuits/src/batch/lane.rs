//! A lane: one checked Merkle update of an account and one of its balances.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::{HashOutTarget, NUM_HASH_OUT_ELTS};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::gadgets::merkle::merkle_root;
use crate::gadgets::uint128::{add_u128, limbs_of, U128Target};
use crate::state::{ACCOUNT_TREE_DEPTH, BALANCE_TREE_DEPTH, F};
use crate::witness::LaneWitness;

/// Targets of one lane. The account and token (as bits), the key and nonce after,
/// and whether the lane is enabled are wired in by the caller.
#[derive(Clone, Debug)]
pub struct LaneTargets {
    /// Key before.
    pub pk_before: [Target; 5],
    /// Nonce before.
    pub nonce_before: Target,
    /// Balance before (bound by the tree, whose leaves are range-checked when written).
    pub bal_before: U128Target,
    /// Balance after, limbs range-checked.
    pub bal_after: U128Target,
    bal_siblings: Vec<HashOutTarget>,
    acc_siblings: Vec<HashOutTarget>,
}

impl LaneTargets {
    /// Witness targets of a lane.
    pub fn new(builder: &mut CircuitBuilder<F, 2>) -> Self {
        Self {
            pk_before: std::array::from_fn(|_| builder.add_virtual_target()),
            nonce_before: builder.add_virtual_target(),
            bal_before: std::array::from_fn(|_| builder.add_virtual_target()),
            bal_after: add_u128(builder),
            bal_siblings: (0..BALANCE_TREE_DEPTH)
                .map(|_| builder.add_virtual_hash())
                .collect(),
            acc_siblings: (0..ACCOUNT_TREE_DEPTH)
                .map(|_| builder.add_virtual_hash())
                .collect(),
        }
    }

    fn account_root(
        &self,
        builder: &mut CircuitBuilder<F, 2>,
        pk: &[Target; 5],
        nonce: Target,
        balance: &U128Target,
        account_bits: &[BoolTarget],
        token_bits: &[BoolTarget],
    ) -> HashOutTarget {
        let leaf = HashOutTarget::from_vec(balance.to_vec());
        let balance_root = merkle_root(builder, leaf, token_bits, &self.bal_siblings);
        let mut input = pk.to_vec();
        input.push(nonce);
        input.extend_from_slice(&balance_root.elements);
        let account_leaf = builder.hash_n_to_hash_no_pad::<PoseidonHash>(input);
        merkle_root(builder, account_leaf, account_bits, &self.acc_siblings)
    }

    /// Checks the lane against `root_in` (when enabled) and returns the root after
    /// it (`root_in` itself when disabled).
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        builder: &mut CircuitBuilder<F, 2>,
        root_in: HashOutTarget,
        enabled: Target,
        account_bits: &[BoolTarget],
        token_bits: &[BoolTarget],
        pk_after: &[Target; 5],
        nonce_after: Target,
    ) -> HashOutTarget {
        let old = self.account_root(
            builder,
            &self.pk_before,
            self.nonce_before,
            &self.bal_before,
            account_bits,
            token_bits,
        );
        let new = self.account_root(
            builder,
            pk_after,
            nonce_after,
            &self.bal_after,
            account_bits,
            token_bits,
        );
        let on = BoolTarget::new_unsafe(enabled);
        let elements: [Target; NUM_HASH_OUT_ELTS] = std::array::from_fn(|e| {
            // enabled * (old - root_in) == 0
            let diff = builder.sub(old.elements[e], root_in.elements[e]);
            let gated = builder.mul(enabled, diff);
            builder.assert_zero(gated);
            builder.select(on, new.elements[e], root_in.elements[e])
        });
        HashOutTarget { elements }
    }

    /// Sets the lane's witness.
    pub fn assign(&self, pw: &mut PartialWitness<F>, w: &LaneWitness) -> anyhow::Result<()> {
        for (t, v) in self.pk_before.iter().zip(w.before.pubkey.elements()) {
            pw.set_target(*t, v)?;
        }
        pw.set_target(self.nonce_before, F::from_canonical_u32(w.before.nonce))?;
        for (t, v) in self.bal_before.iter().zip(limbs_of(w.balance_before)) {
            pw.set_target(*t, F::from_canonical_u64(v))?;
        }
        for (t, v) in self.bal_after.iter().zip(limbs_of(w.balance_after)) {
            pw.set_target(*t, F::from_canonical_u64(v))?;
        }
        for (t, v) in self.bal_siblings.iter().zip(&w.balance_siblings) {
            pw.set_hash_target(*t, *v)?;
        }
        for (t, v) in self.acc_siblings.iter().zip(&w.account_siblings) {
            pw.set_hash_target(*t, *v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::plonk::circuit_data::CircuitConfig;

    /// Rows of a transfer's state work: both lanes (sender and recipient paths in
    /// both trees, leaf hashes, range checks of the new balances, root selection).
    #[test]
    fn transfer_state_work_rows_stay_under_bound() {
        let mut b = CircuitBuilder::<F, 2>::new(CircuitConfig::standard_recursion_config());
        let root = b.add_virtual_hash();
        let acc = b.add_virtual_target();
        let tok = b.add_virtual_target();
        let acc_bits = b.split_le(acc, 32);
        let tok_bits = b.split_le(tok, BALANCE_TREE_DEPTH);
        let on = b.one();
        let start = b.num_gates();
        let mut r = root;
        for _ in 0..2 {
            let lane = LaneTargets::new(&mut b);
            let pk = lane.pk_before;
            r = lane.apply(&mut b, r, on, &acc_bits, &tok_bits, &pk, lane.nonce_before);
        }
        let rows = b.num_gates() - start;
        println!("two lanes: {rows} rows");
        // Measured 186: 2 lanes x (2 x 42 Merkle levels + 2 x 2 leaf-hash rows + limb checks).
        assert!(
            rows <= 200,
            "transfer state work: expected at most 200 rows, got {rows}"
        );
    }
}
