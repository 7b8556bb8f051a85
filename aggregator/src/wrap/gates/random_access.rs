//! [`RandomAccessGate`]: in each copy, the claimed element is item `index` of a
//! list of `2^bits` items, with `index` given in binary on non-routed wires;
//! leftover routed wires hold extra constants.
//!
//! Wires per copy `c` (`s = 2 + 2^bits`): index at `s·c`, claimed element at
//! `s·c + 1`, items from `s·c + 2`; extra constants after all copies; then the
//! index bits, `bits` per copy.
//! Cost per copy: `bits` `mul`s (booleanity) and `2^bits - 1` (the selection tree).

use plonky2::field::types::Field;
use plonky2::gates::random_access::RandomAccessGate;

use super::{GateVars, GenericGate, D};
use crate::wrap::algebra::{ExtAlgebra, GF, GF2};

impl GenericGate for RandomAccessGate<GF, D> {
    /// Per copy: `b·(b - 1)` for each bit, `Σ b_i 2^i - index`, then
    /// `selected - claimed`; then `constant_i - wire_i` for each extra constant.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let w = vars.local_wires;
        let vec_size = 1usize << self.bits;
        let stride = 2 + vec_size;
        let start_extra = stride * self.num_copies;
        let start_bits = start_extra + self.num_extra_constants;
        let one = alg.constant(GF2::ONE);
        let mut constraints = Vec::new();
        for copy in 0..self.num_copies {
            let base = stride * copy;
            let bits = &w[start_bits + copy * self.bits..start_bits + (copy + 1) * self.bits];
            for b in bits {
                let b_minus_one = alg.sub(b, &one)?;
                constraints.push(alg.mul(b, &b_minus_one)?);
            }
            let mut weight = GF::ONE;
            let mut weighted = Vec::with_capacity(bits.len());
            for b in bits {
                weighted.push(alg.scale(weight, b)?);
                weight = weight.double();
            }
            let index = alg.sum(&weighted)?;
            constraints.push(alg.sub(&index, &w[base])?);
            // Fold the list with the low bit first: pairs (x, y) become x + b·(y - x).
            let mut items = w[base + 2..base + 2 + vec_size].to_vec();
            for b in bits {
                items = items
                    .chunks(2)
                    .map(|xy| {
                        let diff = alg.sub(&xy[1], &xy[0])?;
                        let step = alg.mul(b, &diff)?;
                        alg.add(&xy[0], &step)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
            }
            constraints.push(alg.sub(&items[0], &w[base + 1])?);
        }
        for i in 0..self.num_extra_constants {
            constraints.push(alg.sub(&vars.local_constants[i], &w[start_extra + i])?);
        }
        Ok(constraints)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::random_access::RandomAccessGate;
    use plonky2::plonk::circuit_data::CircuitConfig;

    use super::super::test_util::assert_matches_plonky2;
    use crate::wrap::algebra::GF;

    #[test]
    fn random_access_gate_matches_plonky2() {
        let config = CircuitConfig::standard_recursion_config();
        let gate = RandomAccessGate::<GF, 2>::new_from_config(&config, 4);
        assert_eq!(
            (gate.bits, gate.num_copies, gate.num_extra_constants),
            (4, 4, 2)
        );
        assert_matches_plonky2(&gate);
        let gate = RandomAccessGate::<GF, 2>::new_from_config(&config, 2);
        assert_matches_plonky2(&gate);
    }
}
