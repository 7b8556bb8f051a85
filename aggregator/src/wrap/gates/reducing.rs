//! Reducing gates, one Horner step `acc_{i+1} = acc_i·α + coeff_i` per
//! coefficient on extension-algebra pairs: [`ReducingGate`] (base-field
//! coefficients, one wire each) and [`ReducingExtensionGate`] (pair coefficients).
//!
//! Wires: output pair at 0, α at 2, the old accumulator at 4, then the
//! coefficients, then the intermediate accumulators (the last one is the output).
//! Cost: 2 inner products per coefficient.

use plonky2::field::types::Field;
use plonky2::gates::reducing::ReducingGate;
use plonky2::gates::reducing_extension::ReducingExtensionGate;

use super::{algebra_dot, pair_sub, GateVars, GenericGate, Pair, D};
use crate::wrap::algebra::{ExtAlgebra, GF2};

const WIRE_OUTPUT: usize = 0;
const WIRE_ALPHA: usize = D;
const WIRE_OLD_ACC: usize = 2 * D;
const START_COEFFS: usize = 3 * D;

/// The Horner-step constraints shared by both gates: `acc_i·α + coeff_i - acc_{i+1}`.
fn horner_constraints<A: ExtAlgebra>(
    alg: &mut A,
    vars: &GateVars<'_, A>,
    coeffs: &[Pair<A::Ext>],
    start_accs: usize,
) -> Result<Vec<A::Ext>, A::Error> {
    let n = coeffs.len();
    let alpha = vars.wire_pair(WIRE_ALPHA);
    let mut acc = vars.wire_pair(WIRE_OLD_ACC);
    let mut constraints = Vec::with_capacity(D * n);
    for (i, coeff) in coeffs.iter().enumerate() {
        let next = if i + 1 == n {
            vars.wire_pair(WIRE_OUTPUT)
        } else {
            vars.wire_pair(start_accs + D * i)
        };
        let acc_alpha = algebra_dot(alg, &[(&acc, &alpha)])?;
        let diff = pair_sub(alg, coeff, &next)?;
        for k in 0..D {
            constraints.push(alg.add(&acc_alpha[k], &diff[k])?);
        }
        acc = next;
    }
    Ok(constraints)
}

impl GenericGate for ReducingGate<D> {
    /// Both components of `acc_i·α + coeff_i - acc_{i+1}` for each coefficient.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let zero = alg.constant(GF2::ZERO);
        let coeffs = (0..self.num_coeffs)
            .map(|i| [vars.local_wires[START_COEFFS + i].clone(), zero.clone()])
            .collect::<Vec<_>>();
        horner_constraints(alg, vars, &coeffs, START_COEFFS + self.num_coeffs)
    }
}

impl GenericGate for ReducingExtensionGate<D> {
    /// Both components of `acc_i·α + coeff_i - acc_{i+1}` for each coefficient.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let coeffs = (0..self.num_coeffs)
            .map(|i| vars.wire_pair(START_COEFFS + D * i))
            .collect::<Vec<_>>();
        horner_constraints(alg, vars, &coeffs, START_COEFFS + D * self.num_coeffs)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::reducing::ReducingGate;
    use plonky2::gates::reducing_extension::ReducingExtensionGate;

    use super::super::test_util::assert_matches_plonky2;

    #[test]
    fn reducing_gate_matches_plonky2() {
        assert_matches_plonky2(&ReducingGate::new(43));
        assert_matches_plonky2(&ReducingGate::new(22));
    }

    #[test]
    fn reducing_extension_gate_matches_plonky2() {
        assert_matches_plonky2(&ReducingExtensionGate::new(32));
        assert_matches_plonky2(&ReducingExtensionGate::new(5));
    }
}
