//! The shrink step: a real range proof re-proven under the Poseidon-BN254
//! config verifies with plonky2's native verifier and states the range's
//! public values; an altered shrink proof, a range proof with altered public
//! values, and a proof of another circuit are rejected.

use std::time::Instant;

use plonky2::field::types::Field;
use zkr_aggregator::wrap::shrink::{ShrinkCircuit, ShrinkError, SHRINK_FRI};
use zkr_aggregator::{Child, Circuits, RangeProof};
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::executor::apply;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness::generate;
use zkr_circuits::workload::batch_chain;

const CAP: usize = 4;

/// The circuits and the range proof of two chained batches, with their public values.
fn fixture() -> (Circuits, RangeProof, BatchPublicValues) {
    let circuits = Circuits::build(CAP).expect("circuits build");
    let chain = batch_chain(2, CAP, 3).expect("valid chain");
    let mut state = MemoryBackend::new();
    let proofs: Vec<_> = chain
        .iter()
        .map(|c| {
            let exec = apply(&mut state, &c.batch, CAP).expect("batch applies");
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
    (circuits, range, values)
}

#[test]
fn shrink_proof_verifies_natively_and_states_the_range_values() {
    assert!(SHRINK_FRI.security_bits() >= 100, "{SHRINK_FRI:?}");
    let (circuits, range, values) = fixture();
    let start = Instant::now();
    let shrink = ShrinkCircuit::build(circuits.aggregation());
    let built = start.elapsed();
    let start = Instant::now();
    let proof = shrink
        .prove(circuits.aggregation(), &range)
        .expect("the range proof shrinks");
    eprintln!(
        "shrink: degree 2^{}, {} gate types, build {built:?}, prove {:?}, proof {} bytes",
        shrink.degree_bits(),
        shrink.data().common.gates.len(),
        start.elapsed(),
        ShrinkCircuit::proof_to_bytes(&proof).len()
    );
    shrink.verify(&proof).expect("verifies natively");
    assert_eq!(
        ShrinkCircuit::public_values(&proof).expect("decodes"),
        values,
        "shrink public values vs the range's"
    );
    let bytes = ShrinkCircuit::proof_to_bytes(&proof);
    let back = shrink.proof_from_bytes(&bytes).expect("round trip");
    shrink.verify(&back).expect("decoded proof verifies");

    r1cs_transcript_equals_native(&shrink, &proof);

    // An altered opening, an altered public value.
    let mut bad = proof.clone();
    bad.proof.openings.wires[3] +=
        plonky2::field::extension::quadratic::QuadraticExtension::<_>::ONE;
    assert!(
        matches!(shrink.verify(&bad), Err(ShrinkError::Invalid(_))),
        "an altered wire opening was accepted"
    );
    let mut bad = proof.clone();
    bad.public_inputs[0] += Field::ONE;
    assert!(
        matches!(shrink.verify(&bad), Err(ShrinkError::Invalid(_))),
        "an altered old root was accepted"
    );

    // A range proof with an altered public value is refused before proving.
    let mut tampered = range.clone();
    tampered.inner_mut().public_inputs[5] += Field::ONE;
    assert!(
        matches!(
            shrink.prove(circuits.aggregation(), &tampered),
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
