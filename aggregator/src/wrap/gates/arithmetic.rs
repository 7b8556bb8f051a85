//! Multiply-add gates: [`ArithmeticGate`] (`out = c0·x·y + c1·z` in the base
//! field), [`ArithmeticExtensionGate`] (the same on extension-algebra pairs) and
//! [`MulExtensionGate`] (`out = c0·x·y` on pairs).
//!
//! Costs per operation: base 1 `mul` + 1 inner product; extension 4 inner
//! products; multiplication 2 inner products + 2 `mul`s.

use plonky2::gates::arithmetic_base::ArithmeticGate;
use plonky2::gates::arithmetic_extension::ArithmeticExtensionGate;
use plonky2::gates::multiplication_extension::MulExtensionGate;

use super::{algebra_dot, GateVars, GenericGate, D};
use crate::wrap::algebra::ExtAlgebra;

impl GenericGate for ArithmeticGate {
    /// Per operation `i` (wires `4i..4i+4` = x, y, z, out): `out - (c0·x·y + c1·z)`.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let consts = [
            vars.local_constants[0].clone(),
            vars.local_constants[1].clone(),
        ];
        let w = vars.local_wires;
        (0..self.num_ops)
            .map(|i| {
                let xy = alg.mul(&w[4 * i], &w[4 * i + 1])?;
                let computed = alg.inner_product(&[xy, w[4 * i + 2].clone()], &consts)?;
                alg.sub(&w[4 * i + 3], &computed)
            })
            .collect()
    }
}

impl GenericGate for ArithmeticExtensionGate<D> {
    /// Per operation `i` (pairs at wires `8i`, `8i+2`, `8i+4`, `8i+6` = x, y, z,
    /// out): both components of `out - (c0·x·y + c1·z)`.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let consts = [
            vars.local_constants[0].clone(),
            vars.local_constants[1].clone(),
        ];
        let mut constraints = Vec::with_capacity(D * self.num_ops);
        for i in 0..self.num_ops {
            let base = 4 * D * i;
            let (x, y) = (vars.wire_pair(base), vars.wire_pair(base + D));
            let (z, out) = (vars.wire_pair(base + 2 * D), vars.wire_pair(base + 3 * D));
            let xy = algebra_dot(alg, &[(&x, &y)])?;
            for k in 0..D {
                let computed = alg.inner_product(&[xy[k].clone(), z[k].clone()], &consts)?;
                constraints.push(alg.sub(&out[k], &computed)?);
            }
        }
        Ok(constraints)
    }
}

impl GenericGate for MulExtensionGate<D> {
    /// Per operation `i` (pairs at wires `6i`, `6i+2`, `6i+4` = x, y, out): both
    /// components of `out - c0·x·y`.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        let c0 = &vars.local_constants[0];
        let mut constraints = Vec::with_capacity(D * self.num_ops);
        for i in 0..self.num_ops {
            let base = 3 * D * i;
            let (x, y, out) = (
                vars.wire_pair(base),
                vars.wire_pair(base + D),
                vars.wire_pair(base + 2 * D),
            );
            let xy = algebra_dot(alg, &[(&x, &y)])?;
            for k in 0..D {
                let computed = alg.mul(c0, &xy[k])?;
                constraints.push(alg.sub(&out[k], &computed)?);
            }
        }
        Ok(constraints)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::arithmetic_base::ArithmeticGate;
    use plonky2::gates::arithmetic_extension::ArithmeticExtensionGate;
    use plonky2::gates::multiplication_extension::MulExtensionGate;

    use super::super::test_util::assert_matches_plonky2;

    #[test]
    fn arithmetic_gate_matches_plonky2() {
        assert_matches_plonky2(&ArithmeticGate { num_ops: 20 });
        assert_matches_plonky2(&ArithmeticGate { num_ops: 7 });
    }

    #[test]
    fn arithmetic_extension_gate_matches_plonky2() {
        assert_matches_plonky2(&ArithmeticExtensionGate { num_ops: 10 });
        assert_matches_plonky2(&ArithmeticExtensionGate { num_ops: 3 });
    }

    #[test]
    fn mul_extension_gate_matches_plonky2() {
        assert_matches_plonky2(&MulExtensionGate { num_ops: 13 });
        assert_matches_plonky2(&MulExtensionGate { num_ops: 5 });
    }
}
