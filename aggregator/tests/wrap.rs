//! The shrink step and the wrap circuit against a real range proof.
//!
//! The shrink proof verifies with plonky2's native verifier, states the
//! range's public values, and its R1CS transcript draws plonky2's challenges.
//! The wrap circuit is satisfied by a valid proof with the SHA-256 public input of its values, unsatisfied when any one part
//! of the proof (an opening, a Merkle sibling, a FRI query value, the final
//! polynomial, the proof-of-work witness, a public value) or the public input
//! is altered; its size is pinned.

use std::sync::{Mutex, MutexGuard, OnceLock};

use ark_bn254::Fr;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisError};
use plonky2::field::extension::quadratic::QuadraticExtension;
use plonky2::field::types::Field;
use zkr_aggregator::wrap::circuit::{WrapCircuit, WrapCost};
use zkr_aggregator::wrap::public_input::public_input_of;
use zkr_aggregator::wrap::shrink::{ShrinkCircuit, ShrinkError, ShrinkProof, SHRINK_FRI};
use zkr_aggregator::{Child, Circuits, RangeProof};
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::executor::apply;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID as CHAIN;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness::generate;
use zkr_circuits::workload::batch_chain;

const CAP: usize = 4;

struct Fixture {
    circuits: Circuits,
    range: RangeProof,
    shrink: ShrinkCircuit,
    proof: ShrinkProof,
    values: BatchPublicValues,
}

/// A shrink proof of the range of two chained batches, built once per process
/// (`cargo test` shares it between these tests; nextest, which runs each test
/// in a process of its own, builds it per test).
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let circuits = Circuits::build(CAP, CHAIN).expect("circuits build");
        let chain = batch_chain(2, CAP, CHAIN, 3).expect("valid chain");
        let mut state = MemoryBackend::new();
        let proofs: Vec<_> = chain
            .iter()
            .map(|c| {
                let exec = apply(&mut state, &c.batch, CAP, CHAIN).expect("batch applies");
                circuits
                    .batch()
                    .prove(&generate(&exec).expect("witness"))
                    .expect("batch proves")
            })
            .collect();
        let range = circuits
            .aggregate(Child::Batch(&proofs[0]), Some(Child::Batch(&proofs[1])))
            .expect("aggregates");
        let values = range.public_values().expect("public values");
        let start = std::time::Instant::now();
        let shrink = ShrinkCircuit::build(circuits.aggregation());
        let built = start.elapsed();
        let start = std::time::Instant::now();
        let proof = shrink
            .prove(circuits.aggregation(), &range)
            .expect("the range proof shrinks");
        eprintln!("shrink: build {built:?}, prove {:?}", start.elapsed());
        Fixture {
            circuits,
            range,
            shrink,
            proof,
            values,
        }
    })
}

/// Held by each test while it synthesizes: under `cargo test` (one process),
/// one wrap constraint system at a time keeps the peak memory to one of them.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Synthesizes the wrap of `proof` (unchecked: tampered proofs are forced in)
/// with `input` as the public input; `Ok(satisfied)`, or the synthesis error.
fn satisfied(proof: &ShrinkProof, input: Fr) -> Result<bool, SynthesisError> {
    let f = fixture();
    let circuit = WrapCircuit::new(&f.shrink, None).expect("wrappable");
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .assigned_unchecked(proof, input)
        .generate_constraints(cs.clone())?;
    cs.is_satisfied()
}

#[test]
fn wrap_is_satisfied_by_a_real_shrink_proof_and_its_public_input() {
    let f = fixture();
    let _heavy = one_at_a_time();
    let circuit = WrapCircuit::new(&f.shrink, Some(&f.proof)).expect("wrappable");
    let input = circuit.public_input().expect("a proof is assigned");
    assert_eq!(
        input,
        public_input_of(&f.values),
        "public input of the range's values"
    );
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).expect("synthesis");
    eprintln!(
        "wrap: {} constraints, {} witness variables",
        cs.num_constraints(),
        cs.num_witness_variables()
    );
    if let Some(which) = cs.which_is_unsatisfied().expect("check") {
        panic!("a valid shrink proof left constraint {which} unsatisfied");
    }
    assert_eq!(
        cs.num_instance_variables(),
        2,
        "one public input (and the constant one)"
    );
}

#[test]
fn wrap_rejects_each_altered_part_of_the_proof() {
    let f = fixture();
    let input = public_input_of(&f.values);
    let one = QuadraticExtension::<_>::ONE;
    let mut cases: Vec<(&str, ShrinkProof, Fr)> = Vec::new();
    let mut p = f.proof.clone();
    p.proof.openings.wires[5] += one;
    cases.push(("a wire opening", p, input));
    let mut p = f.proof.clone();
    p.proof.openings.quotient_polys[1] += one;
    cases.push(("a quotient opening", p, input));
    let mut p = f.proof.clone();
    p.proof.openings.plonk_zs_next[0] += one;
    cases.push(("a permutation accumulator at g·ζ", p, input));
    let mut p = f.proof.clone();
    p.proof.opening_proof.query_round_proofs[3]
        .initial_trees_proof
        .evals_proofs[1]
        .0[7] += Field::ONE;
    cases.push(("a FRI query's wire value", p, input));
    let mut p = f.proof.clone();
    p.proof.opening_proof.query_round_proofs[5]
        .initial_trees_proof
        .evals_proofs[2]
        .1
        .siblings[4]
        .0 += Fr::from(1u64);
    cases.push(("a Merkle sibling", p, input));
    let mut p = f.proof.clone();
    p.proof.opening_proof.query_round_proofs[0].steps[1].evals[2] += one;
    cases.push(("a folding step's coset value", p, input));
    let mut p = f.proof.clone();
    p.proof.opening_proof.final_poly.coeffs[1] += one;
    cases.push(("a final polynomial coefficient", p, input));
    let mut p = f.proof.clone();
    p.proof.opening_proof.pow_witness += Field::ONE;
    cases.push(("the proof-of-work witness", p, input));
    let mut p = f.proof.clone();
    p.public_inputs[2] += Field::ONE;
    let moved = public_input_of(&ShrinkCircuit::public_values(&p).expect("decodes"));
    cases.push(("an old-root value (public input recomputed)", p, moved));
    cases.push(("the public input", f.proof.clone(), input + Fr::from(1u64)));

    for (what, proof, input) in cases {
        let _heavy = one_at_a_time();
        // A synthesis error (an inverse of zero, say) rejects as well.
        let accepted = matches!(satisfied(&proof, input), Ok(true));
        assert!(
            !accepted,
            "{what} altered: expected the wrap circuit unsatisfied, it was satisfied"
        );
    }
}

#[test]
fn wrap_constraint_count_per_part_is_pinned() {
    let f = fixture();
    let _heavy = one_at_a_time();
    let cost = WrapCircuit::new(&f.shrink, None)
        .expect("wrappable")
        .cost()
        .expect("synthesis");
    eprintln!("wrap cost: {cost:?}, total {}", cost.total());
    let expected = WrapCost {
        allocation: 607_808,
        public_inputs_hash: 97_908,
        transcript: 42_882,
        vanishing: 397_678,
        fri: 1_538_612,
        public_input: 51_960,
    };
    assert_eq!(cost, expected, "constraints per part of the wrap circuit");
}

#[test]
fn shrink_proof_verifies_natively_and_states_the_range_values() {
    assert!(SHRINK_FRI.security_bits() >= 100, "{SHRINK_FRI:?}");
    let f = fixture();
    eprintln!(
        "shrink: degree 2^{}, {} gate types, proof {} bytes",
        f.shrink.degree_bits(),
        f.shrink.data().common.gates.len(),
        ShrinkCircuit::proof_to_bytes(&f.proof).len()
    );
    f.shrink.verify(&f.proof).expect("verifies natively");
    assert_eq!(
        ShrinkCircuit::public_values(&f.proof).expect("decodes"),
        f.values,
        "shrink public values vs the range's"
    );
    let bytes = ShrinkCircuit::proof_to_bytes(&f.proof);
    let back = f.shrink.proof_from_bytes(&bytes).expect("round trip");
    f.shrink.verify(&back).expect("decoded proof verifies");

    r1cs_transcript_equals_native(&f.shrink, &f.proof);

    // An altered opening, an altered public value.
    let mut bad = f.proof.clone();
    bad.proof.openings.wires[3] +=
        plonky2::field::extension::quadratic::QuadraticExtension::<_>::ONE;
    assert!(
        matches!(f.shrink.verify(&bad), Err(ShrinkError::Invalid(_))),
        "an altered wire opening was accepted"
    );
    let mut bad = f.proof.clone();
    bad.public_inputs[0] += Field::ONE;
    assert!(
        matches!(f.shrink.verify(&bad), Err(ShrinkError::Invalid(_))),
        "an altered old root was accepted"
    );

    // A range proof with an altered public value is refused before proving.
    let mut tampered = f.range.clone();
    tampered.inner_mut().public_inputs[5] += Field::ONE;
    assert!(
        matches!(
            f.shrink.prove(f.circuits.aggregation(), &tampered),
            Err(ShrinkError::BadRange(_))
        ),
        "a tampered range proof was shrunk"
    );
}

/// The R1CS transcript of a real shrink proof draws plonky2's challenges.
fn r1cs_transcript_equals_native(
    shrink: &ShrinkCircuit,
    proof: &zkr_aggregator::wrap::shrink::ShrinkProof,
) {
    use ark_bn254::Fr;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::fields::fp::FpVar;
    use ark_r1cs_std::R1CSVar;
    use ark_relations::r1cs::ConstraintSystem;
    use plonky2::field::extension::FieldExtension;
    use plonky2::field::types::PrimeField64;
    use zkr_aggregator::wrap::verifier::proof::ProofVar;
    use zkr_aggregator::wrap::verifier::transcript::derive_challenges;

    let data = shrink.data();
    let native = proof
        .get_challenges(
            proof.get_public_inputs_hash(),
            &data.verifier_only.circuit_digest,
            &data.common,
        )
        .expect("native challenges");
    let cs = ConstraintSystem::<Fr>::new_ref();
    let pv = ProofVar::new_witness(cs.clone(), Some(proof), &data.common).expect("allocates");
    let allocated = cs.num_constraints();
    let pi_hash: [FpVar<Fr>; 4] = proof.get_public_inputs_hash().elements.map(|e| {
        FpVar::new_witness(cs.clone(), || Ok(Fr::from(e.to_canonical_u64()))).expect("alloc")
    });
    let ch = derive_challenges(
        &pv,
        &pi_hash,
        &data.common,
        data.verifier_only.circuit_digest.0,
    )
    .expect("synthesis");
    eprintln!(
        "R1CS: proof allocation {allocated} constraints, transcript {}",
        cs.num_constraints() - allocated
    );
    let v = |c: &zkr_aggregator::wrap::verifier::challenger::Challenge| {
        c.value.value().expect("assigned")
    };
    let g = |x: plonky2::field::goldilocks_field::GoldilocksField| Fr::from(x.to_canonical_u64());
    let e = |x: plonky2::field::extension::quadratic::QuadraticExtension<_>| {
        let [a, b] = FieldExtension::<2>::to_basefield_array(&x);
        [g(a), g(b)]
    };
    assert_eq!(
        ch.betas.iter().map(v).collect::<Vec<_>>(),
        native.plonk_betas.iter().map(|x| g(*x)).collect::<Vec<_>>(),
        "betas"
    );
    assert_eq!(
        ch.gammas.iter().map(v).collect::<Vec<_>>(),
        native
            .plonk_gammas
            .iter()
            .map(|x| g(*x))
            .collect::<Vec<_>>(),
        "gammas"
    );
    assert_eq!(
        ch.alphas.iter().map(v).collect::<Vec<_>>(),
        native
            .plonk_alphas
            .iter()
            .map(|x| g(*x))
            .collect::<Vec<_>>(),
        "alphas"
    );
    assert_eq!(
        [v(&ch.zeta[0]), v(&ch.zeta[1])],
        e(native.plonk_zeta),
        "zeta"
    );
    let f = &native.fri_challenges;
    assert_eq!(
        [v(&ch.fri_alpha[0]), v(&ch.fri_alpha[1])],
        e(f.fri_alpha),
        "FRI alpha"
    );
    for (i, (b, n)) in ch.fri_betas.iter().zip(&f.fri_betas).enumerate() {
        assert_eq!([v(&b[0]), v(&b[1])], e(*n), "FRI beta {i}");
    }
    assert_eq!(v(&ch.pow_response), g(f.fri_pow_response), "PoW response");
    let lde_bits = data.common.fri_params.lde_bits();
    for (i, (q, n)) in ch.queries.iter().zip(&f.fri_query_indices).enumerate() {
        let low = q.bits[..lde_bits].iter().rev().fold(0usize, |acc, b| {
            (acc << 1) | b.value().expect("assigned") as usize
        });
        assert_eq!(low, *n, "query index {i}");
    }
    assert!(
        cs.is_satisfied().expect("check"),
        "transcript constraints unsatisfied"
    );
}
