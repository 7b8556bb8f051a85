//! [`BaseSumGate`]: wire 0 is `Σ limb_i · B^i` over the limbs on wires
//! `1..=num_limbs`, each limb in `0..B`.
//!
//! Cost: `B - 1` `mul`s per limb (the range check `Π_j (limb - j)`); the sum is free.

use plonky2::field::types::Field;
use plonky2::gates::base_sum::BaseSumGate;

use super::{product, GateVars, GenericGate};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

impl<const B: usize> GenericGate for BaseSumGate<B> {
    /// `Σ limb_i·B^i - sum`, then `Π_{j<B} (limb_i - j)` for each limb.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let limbs = &vars.local_wires[1..1 + self.num_limbs];
        let base = GF::from_canonical_usize(B);
        let mut weight = GF::ONE;
        let mut weighted = Vec::with_capacity(limbs.len());
        for limb in limbs {
            weighted.push(alg.scale(weight, limb)?);
            weight *= base;
        }
        let computed_sum = alg.sum(&weighted)?;
        let mut constraints = Vec::with_capacity(1 + limbs.len());
        constraints.push(alg.sub(&computed_sum, &vars.local_wires[0])?);
        for limb in limbs {
            let factors = (0..B)
                .map(|j| {
                    let j = alg.constant(GF2::from_canonical_usize(j));
                    alg.sub(limb, &j)
                })
                .collect::<Result<Vec<_>, _>>()?;
            constraints.push(product(alg, &factors)?);
        }
        Ok(constraints)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::base_sum::BaseSumGate;

    use super::super::test_util::assert_matches_plonky2;

    #[test]
    fn base_sum_gate_matches_plonky2() {
        assert_matches_plonky2(&BaseSumGate::<2>::new(63));
        assert_matches_plonky2(&BaseSumGate::<2>::new(13));
        assert_matches_plonky2(&BaseSumGate::<4>::new(11));
    }
}
