//! Shapes for recursion: a recursive verifier is built for one
//! `CommonCircuitData` (gate set, degree, public-input count, FRI parameters),
//! so every circuit it verifies must be padded to that same shape. And proving
//! so that a witness that breaks a constraint is an error, not a panic.

use plonky2::gates::constant::ConstantGate;
use plonky2::gates::gate::GateRef;
use plonky2::gates::noop::NoopGate;
use plonky2::iop::witness::PartialWitness;
use plonky2::iop::witness::WitnessWrite;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, CommonCircuitData};
use plonky2::plonk::config::GenericConfig;
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};

use crate::batch::{C, D};
use crate::state::F;

/// One recursion step that verifies a proof of a fixed inner circuit (its
/// verifier data built in as constants) and states the inner proof's first
/// public inputs as its own: what brings a proof of any size into a
/// recursion shape, so that the inner circuit's size is free of it.
pub struct LeafStep {
    data: CircuitData<F, C, D>,
    inner: ProofWithPublicInputsTarget<D>,
    num_gates: usize,
}

impl std::fmt::Debug for LeafStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeafStep")
            .field("degree_bits", &self.data.common.degree_bits())
            .field("num_gates", &self.num_gates)
            .finish()
    }
}

impl LeafStep {
    /// The step over proofs of `inner`, stating their first `values` public
    /// inputs, padded to `shape`; without a shape, unpadded with
    /// `num_public_inputs` public inputs (a probe of the step's own shape).
    pub fn build(
        inner: &CircuitData<F, C, D>,
        values: usize,
        shape: Option<&CommonCircuitData<F, D>>,
        num_public_inputs: usize,
    ) -> Self {
        let config = shape.map_or_else(CircuitConfig::standard_recursion_config, |s| {
            s.config.clone()
        });
        let mut b = CircuitBuilder::<F, D>::new(config);
        let proof = b.add_virtual_proof_with_pis(&inner.common);
        let vd = b.constant_verifier_data::<C>(&inner.verifier_only);
        b.verify_proof::<C>(&proof, &vd, &inner.common);
        b.register_public_inputs(&proof.public_inputs[..values]);
        let num_gates = b.num_gates();
        match shape {
            Some(shape) => pad_to_shape(&mut b, shape),
            None => {
                let zero = b.zero();
                for _ in values..num_public_inputs {
                    b.register_public_input(zero);
                }
            }
        }
        Self {
            data: b.build::<C>(),
            inner: proof,
            num_gates,
        }
    }

    /// Proves the step over `inner` (a proof of the inner circuit).
    pub fn prove(
        &self,
        inner: &ProofWithPublicInputs<F, C, D>,
    ) -> Result<ProofWithPublicInputs<F, C, D>, String> {
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.inner, inner)
            .map_err(|e| e.to_string())?;
        prove_catching_panics(&self.data, pw)
    }

    /// The step's circuit data.
    pub fn data(&self) -> &CircuitData<F, C, D> {
        &self.data
    }

    /// Rows used before padding.
    pub fn num_gates(&self) -> usize {
        self.num_gates
    }
}

/// Pads the circuit under construction towards `shape`: zero public inputs up
/// to the shape's count, every gate type of the shape in the gate set, and
/// no-op rows so that the built circuit has at least the shape's degree.
///
/// The caller compares the built circuit's common data with `shape`: a circuit
/// that needs more rows than the shape has comes out larger.
///
/// # Panics
/// If the circuit already has more public inputs than the shape (a
/// construction bug).
pub fn pad_to_shape(b: &mut CircuitBuilder<F, D>, shape: &CommonCircuitData<F, D>) {
    let have = b.num_public_inputs();
    assert!(
        have <= shape.num_public_inputs,
        "circuit has {have} public inputs, shape has {}",
        shape.num_public_inputs
    );
    if have < shape.num_public_inputs {
        let zero = b.zero();
        for _ in have..shape.num_public_inputs {
            b.register_public_input(zero);
        }
    }
    for gate in &shape.gates {
        b.add_gate_to_gate_set(gate.clone());
    }
    // Whether `build` needs a ConstantGate depends on how many spare constant slots other
    // gates happen to offer; having it in every padded circuit's set keeps shapes equal.
    b.add_gate_to_gate_set(GateRef::new(ConstantGate::new(b.config.num_constants)));
    // `build` only adds rows (public-input hashing, constants), so more than half
    // of 2^degree_bits rows before building gives at least that degree.
    let rows = (1usize << (shape.degree_bits() - 1)) + 1;
    while b.num_gates() < rows {
        b.add_gate(NoopGate, vec![]);
    }
}

/// Proves `pw` with `data`; a witness that breaks a copy constraint (plonky2
/// panics on those) or fails witness generation comes back as the message.
///
/// Other broken constraints only show when the proof is verified: callers verify.
pub fn prove_catching_panics<Cfg: GenericConfig<D, F = F>>(
    data: &CircuitData<F, Cfg, D>,
    pw: PartialWitness<F>,
) -> Result<ProofWithPublicInputs<F, Cfg, D>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| data.prove(pw)))
        .map_err(|p| panic_message(&p))?
        .map_err(|e| e.to_string())
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "prover panicked".into()
    }
}
