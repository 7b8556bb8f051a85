//! Gates without multiplications: [`NoopGate`], [`ConstantGate`] (constants
//! copied to wires) and [`PublicInputGate`] (the public-inputs hash on wires 0..4).

use plonky2::gates::constant::ConstantGate;
use plonky2::gates::gate::Gate;
use plonky2::gates::noop::NoopGate;
use plonky2::gates::public_input::PublicInputGate;

use super::{GateVars, GenericGate, D};
use crate::wrap::algebra::{ExtAlgebra, GF};

impl GenericGate for NoopGate {
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        _alg: &mut A,
        _vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        Ok(Vec::new())
    }
}

impl GenericGate for ConstantGate {
    /// `constant_i - wire_i` for each of the gate's constants.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        // `num_consts` is crate-private in plonky2; it is the gate's constant count.
        let num_consts = <Self as Gate<GF, D>>::num_constants(self);
        (0..num_consts)
            .map(|i| alg.sub(&vars.local_constants[i], &vars.local_wires[i]))
            .collect()
    }
}

impl GenericGate for PublicInputGate {
    /// `wire_i - hash_i` for the four elements of the public-inputs hash.
    fn eval_unfiltered<A: ExtAlgebra>(
        &self,
        alg: &mut A,
        vars: &GateVars<'_, A>,
    ) -> Result<Vec<A::Ext>, A::Error> {
        vars.public_inputs_hash
            .iter()
            .enumerate()
            .map(|(i, h)| alg.sub(&vars.local_wires[i], h))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::constant::ConstantGate;
    use plonky2::gates::noop::NoopGate;
    use plonky2::gates::public_input::PublicInputGate;

    use super::super::test_util::assert_matches_plonky2;

    #[test]
    fn noop_gate_has_no_constraints_like_plonky2() {
        assert_matches_plonky2(&NoopGate);
    }

    #[test]
    fn constant_gate_matches_plonky2() {
        assert_matches_plonky2(&ConstantGate::new(2));
        assert_matches_plonky2(&ConstantGate::new(5));
    }

    #[test]
    fn public_input_gate_matches_plonky2() {
        assert_matches_plonky2(&PublicInputGate);
    }
}
