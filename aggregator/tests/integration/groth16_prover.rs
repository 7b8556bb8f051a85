//! zkr's Groth16 prover against arkworks': the same proofs for the same
//! blinding, proofs that verify, refusals of bad witnesses, keys and backends,
//! and the QAP quotient against arkworks' `LibsnarkReduction`.

use std::sync::OnceLock;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, One, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::Groth16;
use ark_poly::GeneralEvaluationDomain;
use ark_relations::lc;
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef,
    LinearCombination, OptimizationGoal, SynthesisError, Variable,
};
use ark_snark::SNARK;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkr_aggregator::wrap::groth16::{
    proof_to_bytes, prove, prove_with, prove_with_randomness, qap, verify, Groth16Error, Proof,
    ProvingKey, VerifyingKey,
};
use zkr_cuda::{Backend, BackendError, CpuBackend, MsmBackend, NttBackend};

/// Multiplications in the chain.
const STEPS: usize = 3000;
/// Boolean witnesses.
const BITS: usize = 64;

/// `y = x^(STEPS+1)` by a chain of multiplications, with `BITS` boolean
/// witnesses; with `public_bits`, the bits packed into a second public input.
#[derive(Clone)]
struct ChainCircuit {
    x: Fr,
    bits: Vec<bool>,
    public_bits: bool,
    /// A chain step whose product the witness gets wrong by one (a lying prover).
    lie_at: Option<usize>,
}

impl ChainCircuit {
    fn random(seed: u64, public_bits: bool) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        Self {
            x: Fr::rand(&mut rng),
            bits: (0..BITS).map(|_| rng.gen()).collect(),
            public_bits,
            lie_at: None,
        }
    }

    /// `x, x^2, ..., x^(STEPS+1)`, one product off from `lie_at` on.
    fn products(&self) -> Vec<Fr> {
        let mut products = vec![self.x];
        for step in 0..STEPS {
            let lie = if self.lie_at == Some(step) {
                Fr::one()
            } else {
                Fr::zero()
            };
            products.push(products[step] * self.x + lie);
        }
        products
    }

    fn packed_bits(&self) -> Fr {
        self.bits
            .iter()
            .rev()
            .fold(Fr::zero(), |acc, &bit| acc.double() + Fr::from(bit))
    }

    fn public_inputs(&self) -> Vec<Fr> {
        let y = self.products()[STEPS];
        if self.public_bits {
            vec![y, self.packed_bits()]
        } else {
            vec![y]
        }
    }
}

impl ConstraintSynthesizer<Fr> for ChainCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let products = self.products();
        let y = cs.new_input_variable(|| Ok(products[STEPS]))?;
        let packed = if self.public_bits {
            Some(cs.new_input_variable(|| Ok(self.packed_bits()))?)
        } else {
            None
        };

        let x = cs.new_witness_variable(|| Ok(self.x))?;
        let mut acc = x;
        for product in &products[1..] {
            let next = cs.new_witness_variable(|| Ok(*product))?;
            cs.enforce_constraint(lc!() + acc, lc!() + x, lc!() + next)?;
            acc = next;
        }
        cs.enforce_constraint(lc!() + acc, lc!() + Variable::One, lc!() + y)?;

        let mut packing = LinearCombination::zero();
        let mut weight = Fr::one();
        for &bit in &self.bits {
            let b = cs.new_witness_variable(|| Ok(Fr::from(bit)))?;
            cs.enforce_constraint(lc!() + b, lc!() + b, lc!() + b)?;
            packing += (weight, b);
            weight.double_in_place();
        }
        if let Some(packed) = packed {
            cs.enforce_constraint(packing, lc!() + Variable::One, lc!() + packed)?;
        }
        Ok(())
    }
}

struct Fixture {
    circuit: ChainCircuit,
    pk: ProvingKey,
    vk: VerifyingKey,
}

impl Fixture {
    fn new(seed: u64, public_bits: bool) -> Self {
        let circuit = ChainCircuit::random(seed, public_bits);
        let mut rng = StdRng::seed_from_u64(seed + 1);
        let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit.clone(), &mut rng)
            .unwrap_or_else(|e| panic!("arkworks setup: {e}"));
        Self { circuit, pk, vk }
    }

    fn arkworks_verifies(&self, public_inputs: &[Fr], proof: &Proof) -> bool {
        let pvk = ark_groth16::prepare_verifying_key(&self.vk);
        Groth16::<Bn254>::verify_proof(&pvk, proof, public_inputs)
            .unwrap_or_else(|e| panic!("arkworks verification: {e}"))
    }
}

/// One public input (the module's verifier takes exactly one).
fn one_input() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::new(11, false))
}

/// Two public inputs.
fn two_inputs() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::new(22, true))
}

fn fixtures() -> [(&'static str, &'static Fixture); 2] {
    [("one input", one_input()), ("two inputs", two_inputs())]
}

#[test]
fn proof_with_given_blinding_is_bitwise_arkworks_proof() {
    let mut rng = StdRng::seed_from_u64(1);
    for (name, f) in fixtures() {
        for (blinding, r, s) in [
            ("r = s = 0", Fr::zero(), Fr::zero()),
            ("r = 0, random s", Fr::zero(), Fr::rand(&mut rng)),
            ("random r and s", Fr::rand(&mut rng), Fr::rand(&mut rng)),
        ] {
            let ours = prove_with_randomness(&CpuBackend, &f.pk, f.circuit.clone(), r, s)
                .unwrap_or_else(|e| panic!("{name}, {blinding}: zkr prover: {e}"));
            let theirs =
                Groth16::<Bn254>::create_proof_with_reduction(f.circuit.clone(), &f.pk, r, s)
                    .unwrap_or_else(|e| panic!("{name}, {blinding}: arkworks prover: {e}"));
            assert_eq!(
                hex::encode(proof_to_bytes(&ours)),
                hex::encode(proof_to_bytes(&theirs)),
                "{name}, {blinding}: zkr's proof (left) differs from arkworks' (right)"
            );
        }
    }
}

#[test]
fn prove_draws_blinding_as_arkworks_so_the_same_rng_gives_the_same_proof() {
    let f = one_input();
    let ours = prove(&f.pk, f.circuit.clone(), &mut StdRng::seed_from_u64(5))
        .unwrap_or_else(|e| panic!("zkr prover: {e}"));
    let theirs = Groth16::<Bn254>::prove(&f.pk, f.circuit.clone(), &mut StdRng::seed_from_u64(5))
        .unwrap_or_else(|e| panic!("arkworks prover: {e}"));
    assert_eq!(
        hex::encode(proof_to_bytes(&ours)),
        hex::encode(proof_to_bytes(&theirs)),
        "zkr's proof (left) differs from arkworks' (right) for the same rng"
    );
}

#[test]
fn proofs_from_prove_with_verify_under_arkworks_and_the_module_verifier() {
    let mut rng = StdRng::seed_from_u64(2);
    for (name, f) in fixtures() {
        let proof = prove_with(&CpuBackend, &f.pk, f.circuit.clone(), &mut rng)
            .unwrap_or_else(|e| panic!("{name}: prove: {e}"));
        let inputs = f.circuit.public_inputs();
        assert!(
            f.arkworks_verifies(&inputs, &proof),
            "{name}: expected arkworks to accept the proof, got a rejection"
        );
        if let [input] = inputs[..] {
            verify(&f.vk, input, &proof)
                .unwrap_or_else(|e| panic!("{name}: expected the module to accept, got {e}"));
        }
    }
}

#[test]
fn proof_for_another_public_input_is_rejected() {
    let f = one_input();
    let proof = prove(&f.pk, f.circuit.clone(), &mut StdRng::seed_from_u64(3))
        .unwrap_or_else(|e| panic!("prove: {e}"));
    let wrong = f.circuit.public_inputs()[0] + Fr::one();
    assert!(
        !f.arkworks_verifies(&[wrong], &proof),
        "expected arkworks to reject the proof for another input, got acceptance"
    );
    match verify(&f.vk, wrong, &proof) {
        Err(Groth16Error::Rejected { .. }) => {}
        other => panic!("expected Err(Rejected), got {other:?}"),
    }
}

#[test]
fn proof_of_another_circuit_or_with_an_altered_point_is_rejected() {
    let f = one_input();
    let input = f.circuit.public_inputs()[0];
    // The same circuit shape with its own setup: a proof under its key is not one under f's.
    let other = Fixture::new(33, false);
    let foreign = prove(&other.pk, f.circuit.clone(), &mut StdRng::seed_from_u64(4))
        .unwrap_or_else(|e| panic!("prove under the other key: {e}"));
    match verify(&f.vk, input, &foreign) {
        Err(Groth16Error::Rejected { .. }) => {}
        other => panic!("proof under another circuit's key: expected Err(Rejected), got {other:?}"),
    }
    let proof = prove(&f.pk, f.circuit.clone(), &mut StdRng::seed_from_u64(5))
        .unwrap_or_else(|e| panic!("prove: {e}"));
    let mut altered = proof.clone();
    altered.a = (-altered.a.into_group()).into_affine();
    assert!(
        !f.arkworks_verifies(&[input], &altered),
        "expected arkworks to reject a proof with A negated, got acceptance"
    );
    let mut altered = proof;
    altered.c = (altered.c.into_group() + G1Affine::generator()).into_affine();
    match verify(&f.vk, input, &altered) {
        Err(Groth16Error::Rejected { .. }) => {}
        other => panic!("proof with C moved: expected Err(Rejected), got {other:?}"),
    }
}

#[test]
fn witness_that_lies_about_a_product_is_refused_naming_the_constraint() {
    let lie_at = 1234;
    for (name, f) in fixtures() {
        let lying = ChainCircuit {
            lie_at: Some(lie_at),
            ..f.circuit.clone()
        };
        let result = prove(&f.pk, lying, &mut StdRng::seed_from_u64(4));
        match result {
            // The chain's constraints come first, one per step.
            Err(Groth16Error::Unsatisfied { index, .. }) if index == lie_at => {}
            other => {
                panic!("{name}: expected Err(Unsatisfied {{ index: {lie_at} }}), got {other:?}")
            }
        }
    }
}

#[test]
fn proving_key_with_a_truncated_query_is_refused_naming_it() {
    let f = one_input();
    type Truncate = fn(&mut ProvingKey) -> usize;
    let cases: [(&str, Truncate); 5] = [
        ("a_query", |pk| truncate(&mut pk.a_query)),
        ("b_g1_query", |pk| truncate(&mut pk.b_g1_query)),
        ("b_g2_query", |pk| truncate(&mut pk.b_g2_query)),
        ("l_query", |pk| truncate(&mut pk.l_query)),
        ("h_query", |pk| truncate(&mut pk.h_query)),
    ];
    for (name, cut) in cases {
        let mut pk = f.pk.clone();
        let full = cut(&mut pk);
        match prove(&pk, f.circuit.clone(), &mut StdRng::seed_from_u64(6)) {
            Err(Groth16Error::QueryLength {
                query,
                expected,
                got,
            }) if query == name && expected == full && got == full - 1 => {}
            other => panic!(
                "expected Err(QueryLength {{ query: {name}, expected: {full}, got: {} }}), \
                 got {other:?}",
                full - 1
            ),
        }
    }
}

/// Drops the last point of `query`; returns its length before.
fn truncate<T>(query: &mut Vec<T>) -> usize {
    let len = query.len();
    query.truncate(len - 1);
    len
}

/// A backend whose NTTs work and whose MSMs fail, as a GPU out of memory would.
struct FailingMsm;

impl MsmBackend for FailingMsm {
    fn msm_g1(&self, _: &[G1Affine], _: &[Fr]) -> Result<G1Projective, BackendError> {
        Err(out_of_memory())
    }

    fn msm_g2(&self, _: &[G2Affine], _: &[Fr]) -> Result<G2Projective, BackendError> {
        Err(out_of_memory())
    }
}

fn out_of_memory() -> BackendError {
    BackendError::Device {
        backend: "failing",
        reason: "out of device memory".into(),
    }
}

impl NttBackend for FailingMsm {
    fn ntt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        CpuBackend.ntt(values)
    }

    fn intt(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        CpuBackend.intt(values)
    }

    fn coset_ntt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        CpuBackend.coset_ntt(values, offset)
    }

    fn coset_intt(&self, values: &mut [Fr], offset: Fr) -> Result<(), BackendError> {
        CpuBackend.coset_intt(values, offset)
    }
}

impl Backend for FailingMsm {
    fn name(&self) -> &'static str {
        "failing"
    }
}

#[test]
fn backend_failure_is_reported_with_the_backend_name() {
    let f = one_input();
    match prove_with(
        &FailingMsm,
        &f.pk,
        f.circuit.clone(),
        &mut StdRng::seed_from_u64(7),
    ) {
        Err(Groth16Error::Backend {
            backend: "failing",
            source: BackendError::Device { .. },
        }) => {}
        other => panic!("expected Err(Backend {{ backend: failing, Device }}), got {other:?}"),
    }
}

/// The matrices and the full assignment of `circuit`, synthesized as the provers do.
fn synthesize(circuit: ChainCircuit) -> (ConstraintMatrices<Fr>, Vec<Fr>) {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    circuit
        .generate_constraints(cs.clone())
        .unwrap_or_else(|e| panic!("synthesis: {e}"));
    cs.finalize();
    let cs = cs
        .into_inner()
        .expect("the only reference to the constraint system");
    let matrices = cs.to_matrices().expect("matrices in prove mode");
    let z = [cs.instance_assignment, cs.witness_assignment].concat();
    (matrices, z)
}

#[test]
fn qap_quotient_equals_arkworks_libsnark_witness_map() {
    for (name, f) in fixtures() {
        let (matrices, z) = synthesize(f.circuit.clone());
        let ours = qap::quotient(&CpuBackend, &matrices, &z, qap::QuotientForm::Coefficients)
            .unwrap_or_else(|e| panic!("{name}: zkr quotient: {e}"));
        let theirs =
            LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                &matrices,
                matrices.num_instance_variables,
                matrices.num_constraints,
                &z,
            )
            .unwrap_or_else(|e| panic!("{name}: arkworks witness map: {e}"));
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{name}: expected {} coefficients (arkworks), got {}",
            theirs.len(),
            ours.len()
        );
        if let Some(i) = (0..ours.len()).find(|&i| ours[i] != theirs[i]) {
            panic!(
                "{name}: coefficient {i}: expected {} (arkworks), got {}",
                theirs[i], ours[i]
            );
        }
    }
}
