//! Test helpers: random rows, and the check that a gate's generic constraints
//! equal plonky2's.

use plonky2::field::types::Sample;
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::HashOut;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::plonk::vars::EvaluationVars;
use std::sync::OnceLock;

use super::{lift, GateVars, GenericGate, D};
use crate::wrap::algebra::{Native, GF, GF2};

/// A random row: constants, wires and a public-inputs hash.
pub(crate) struct RandomRow {
    pub constants: Vec<GF2>,
    pub wires: Vec<GF2>,
    pub hash: HashOut<GF>,
    pub hash_ext: [GF2; 4],
}

impl RandomRow {
    pub fn new(num_constants: usize, num_wires: usize) -> Self {
        let hash = HashOut::<GF>::rand();
        let hash_ext = hash.elements.map(lift);
        Self {
            constants: GF2::rand_vec(num_constants),
            wires: GF2::rand_vec(num_wires),
            hash,
            hash_ext,
        }
    }

    pub fn plonky2_vars(&self) -> EvaluationVars<'_, GF, D> {
        EvaluationVars {
            local_constants: &self.constants,
            local_wires: &self.wires,
            public_inputs_hash: &self.hash,
        }
    }

    pub fn generic_vars(&self) -> GateVars<'_, Native> {
        GateVars::new(&self.constants, &self.wires, &self.hash_ext)
    }
}

/// Asserts, at a few random rows, that the generic constraints of `gate` over
/// [`Native`] equal plonky2's `eval_unfiltered`, element for element.
pub(crate) fn assert_matches_plonky2<G: Gate<GF, D> + GenericGate>(gate: &G) {
    let id = Gate::<GF, D>::id(gate);
    for trial in 0..3 {
        let row = RandomRow::new(gate.num_constants(), gate.num_wires());
        let expected = Gate::<GF, D>::eval_unfiltered(gate, row.plonky2_vars());
        let got = GenericGate::eval_unfiltered(gate, &mut Native, &row.generic_vars())
            .expect("native arithmetic is infallible");
        assert_eq!(
            got.len(),
            expected.len(),
            "{id} (trial {trial}): constraint count: expected {}, got {}",
            expected.len(),
            got.len()
        );
        assert_eq!(
            expected.len(),
            gate.num_constraints(),
            "{id}: num_constraints"
        );
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            assert_eq!(
                g, e,
                "{id} (trial {trial}): constraint {i}: expected {e}, got {g}"
            );
        }
    }
}

type C = plonky2::plonk::config::PoseidonGoldilocksConfig;

/// The common data of a standard-recursion circuit that verifies a small
/// plonky2 proof (built once, never proven).
pub(crate) fn recursion_common() -> &'static CommonCircuitData<GF, D> {
    static COMMON: OnceLock<CommonCircuitData<GF, D>> = OnceLock::new();
    COMMON.get_or_init(|| {
        let config = CircuitConfig::standard_recursion_config();
        let mut inner = CircuitBuilder::<GF, D>::new(config.clone());
        let x = inner.add_virtual_target();
        inner.register_public_input(x);
        let mut acc = x;
        for _ in 0..100 {
            acc = inner.mul_add(acc, acc, x);
        }
        inner.register_public_input(acc);
        let inner = inner.build::<C>();

        let mut outer = CircuitBuilder::<GF, D>::new(config);
        let proof = outer.add_virtual_proof_with_pis(&inner.common);
        let vd = outer.constant_verifier_data(&inner.verifier_only);
        outer.verify_proof::<C>(&proof, &vd, &inner.common);
        outer.build::<C>().common
    })
}
