//! The aggregation circuit: ranges of 1, 2, 3, 5 and 8 batches prove and verify
//! with the public values recomputed from the batches; children that do not
//! chain, come in the wrong order, belong to another circuit or carry altered
//! public inputs cannot be aggregated, and an altered range proof is rejected.

use std::sync::OnceLock;

use plonky2::field::types::Field;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitData;
use zkr_aggregator::{range_commitment, AggregationError, Checks, Child, Circuits, RangeProof};
use zkr_circuits::batch::{BatchProof, BatchPublicValues, C, D, NUM_PUBLIC_INPUTS};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID as CHAIN;
use zkr_circuits::recursion::pad_to_shape;
use zkr_circuits::state::F;
use zkr_circuits::witness::BatchWitness;

mod common;

const CAP: usize = 8;
const BATCHES: usize = 8;

fn circuits() -> &'static Circuits {
    static C: OnceLock<Circuits> = OnceLock::new();
    C.get_or_init(|| Circuits::build(CAP, CHAIN).expect("circuits build in one shape"))
}

/// Eight chained batches, executed natively: their witnesses and public values.
fn prepared() -> &'static [(BatchWitness, BatchPublicValues)] {
    static P: OnceLock<Vec<(BatchWitness, BatchPublicValues)>> = OnceLock::new();
    P.get_or_init(|| common::executed_chain(BATCHES, CAP, CHAIN, 5))
}

/// The proof of batch `i`, proven on first use (each test process proves only
/// the batches it needs).
fn batch(i: usize) -> &'static BatchProof {
    static B: OnceLock<Vec<OnceLock<BatchProof>>> = OnceLock::new();
    let slots = B.get_or_init(|| (0..BATCHES).map(|_| OnceLock::new()).collect());
    slots[i].get_or_init(|| {
        circuits()
            .batch()
            .prove(&prepared()[i].0)
            .unwrap_or_else(|e| panic!("batch {i} should prove: {e}"))
    })
}

/// Range proofs already made, by range, so that larger ranges reuse smaller ones.
fn range(start: usize, end: usize) -> RangeProof {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static DONE: OnceLock<Mutex<HashMap<(usize, usize), RangeProof>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    if let Some(p) = done.lock().expect("lock").get(&(start, end)) {
        return p.clone();
    }
    let proof = if end - start == 1 {
        circuits().aggregate(Child::Batch(batch(start)), None)
    } else {
        let k = zkr_aggregator::commitment::split_point((end - start) as u64) as usize;
        let (l, r) = (start + k, end);
        let left = (k > 1).then(|| range(start, l));
        let right = (r - l > 1).then(|| range(l, r));
        // Batches are proven only where a part is a single batch.
        let lc = left
            .as_ref()
            .map_or_else(|| Child::Batch(batch(start)), Child::Range);
        let rc = right
            .as_ref()
            .map_or_else(|| Child::Batch(batch(l)), Child::Range);
        circuits().aggregate(lc, Some(rc))
    }
    .unwrap_or_else(|e| panic!("range {start}..{end} should aggregate: {e}"));
    done.lock()
        .expect("lock")
        .insert((start, end), proof.clone());
    proof
}

fn expected(start: usize, end: usize) -> BatchPublicValues {
    let b = &prepared()[start..end];
    let commitments: Vec<[u8; 32]> = b.iter().map(|(_, v)| v.commitment).collect();
    BatchPublicValues {
        old_root: b[0].1.old_root,
        new_root: b[b.len() - 1].1.new_root,
        commitment: range_commitment(&commitments),
    }
}

fn check_range(start: usize, end: usize) {
    let proof = range(start, end);
    circuits()
        .aggregation()
        .verify(&proof)
        .unwrap_or_else(|e| panic!("range {start}..{end} proof should verify: {e}"));
    let got = proof.public_values().expect("public values decode");
    assert_eq!(
        got,
        expected(start, end),
        "public values of range {start}..{end}: expected those recomputed from the batches"
    );
    // And through bytes, as the service stores it.
    let decoded = RangeProof::from_bytes(&proof.to_bytes(), circuits().aggregation())
        .expect("proof bytes decode");
    circuits()
        .aggregation()
        .verify(&decoded)
        .expect("decoded proof verifies");
}

/// One test for every range length: a process proves the eight batches once
/// and the larger ranges reuse the smaller ones' steps.
#[test]
fn ranges_of_1_2_3_5_and_8_batches_prove_with_the_values_recomputed_from_the_batches() {
    for (start, end) in [(0, 1), (0, 2), (0, 3), (0, 5), (0, 8)] {
        check_range(start, end);
    }
}

#[test]
fn shared_shape_fits_two_to_the_fourteen_rows() {
    let c = circuits();
    assert_eq!(
        c.aggregation().data().common,
        c.batch().data().common,
        "batch and aggregation circuits must share one shape"
    );
    assert!(
        c.aggregation().degree_bits() <= 14,
        "aggregation circuit: expected at most 2^14 rows, got 2^{}",
        c.aggregation().degree_bits()
    );
    // Rows before padding: the two verifiers and the SHA-256 node. A change
    // that makes recursion dearer shows here.
    let rows = c.aggregation().num_gates();
    assert!(
        (9_600..=10_200).contains(&rows),
        "aggregation rows: expected about 9,932, got {rows}"
    );
}

fn assert_refused(result: Result<RangeProof, AggregationError>, what: &str) -> AggregationError {
    match result {
        Ok(_) => panic!("{what}: expected a refusal, got a proof"),
        Err(e) => e,
    }
}

#[test]
fn non_chaining_children_are_refused_natively_and_by_the_circuit() {
    // Batches 0 and 2: batch 0's new root is not batch 2's old root.
    let (l, r) = (Child::Batch(batch(0)), Child::Batch(batch(2)));
    let e = assert_refused(circuits().aggregate(l, Some(r)), "batches 0 and 2");
    assert!(
        matches!(e, AggregationError::NotChained { .. }),
        "expected NotChained, got {e}"
    );
    let e = assert_refused(
        circuits().aggregate_with(l, Some(r), Checks::SkipForTesting),
        "batches 0 and 2 forced into the circuit",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

#[test]
fn swapped_children_are_refused_natively_and_by_the_circuit() {
    let (l, r) = (Child::Batch(batch(1)), Child::Batch(batch(0)));
    let e = assert_refused(circuits().aggregate(l, Some(r)), "batches 1 then 0");
    assert!(
        matches!(e, AggregationError::NotChained { .. }),
        "expected NotChained, got {e}"
    );
    let e = assert_refused(
        circuits().aggregate_with(l, Some(r), Checks::SkipForTesting),
        "batches 1 then 0 forced into the circuit",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

#[test]
fn child_with_altered_public_inputs_is_refused() {
    // Batch 1 claims another new root: its proof no longer verifies.
    let mut altered = batch(1).inner().clone();
    altered.public_inputs[4] += F::ONE;
    let altered = BatchProof::from_inner(altered);
    let (l, r) = (Child::Batch(batch(0)), Child::Batch(&altered));
    let e = assert_refused(circuits().aggregate(l, Some(r)), "altered right child");
    assert!(
        matches!(e, AggregationError::BadChild { side: "right", .. }),
        "expected BadChild(right), got {e}"
    );
    let e = assert_refused(
        circuits().aggregate_with(l, Some(r), Checks::SkipForTesting),
        "altered child forced into the circuit",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

/// A circuit of the very same shape that proves nothing: it exposes whatever
/// public inputs it is given.
fn impostor() -> &'static CircuitData<F, C, D> {
    static I: OnceLock<CircuitData<F, C, D>> = OnceLock::new();
    I.get_or_init(|| {
        let shape = &circuits().batch().data().common;
        let mut b = CircuitBuilder::<F, D>::new(shape.config.clone());
        let pis = b.add_virtual_targets(shape.num_public_inputs);
        b.register_public_inputs(&pis);
        pad_to_shape(&mut b, shape);
        let data = b.build::<C>();
        assert_eq!(&data.common, shape, "impostor must have the shared shape");
        data
    })
}

fn impostor_proof(public_inputs: &[F]) -> plonky2::plonk::proof::ProofWithPublicInputs<F, C, D> {
    let data = impostor();
    let mut pw = PartialWitness::new();
    for (t, v) in data.prover_only.public_inputs.iter().zip(public_inputs) {
        pw.set_target(*t, *v).expect("fresh witness");
    }
    data.prove(pw).expect("impostor proves anything")
}

#[test]
fn proof_of_another_circuit_with_matching_public_inputs_is_refused() {
    // An impostor "batch 1" with batch 1's exact public inputs.
    let fake = BatchProof::from_inner(impostor_proof(&batch(1).inner().public_inputs));
    let (l, r) = (Child::Batch(batch(0)), Child::Batch(&fake));
    let e = assert_refused(circuits().aggregate(l, Some(r)), "impostor batch child");
    assert!(
        matches!(e, AggregationError::BadChild { .. }),
        "expected BadChild, got {e}"
    );
    let e = assert_refused(
        circuits().aggregate_with(l, Some(r), Checks::SkipForTesting),
        "impostor batch child forced into the circuit",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

#[test]
fn proof_of_another_circuit_posing_as_a_range_is_refused() {
    // An impostor "range 2..4" with the real range's public inputs, including
    // the aggregation circuit's verifier data.
    let real = range(2, 4);
    let fake = RangeProof::from_inner(impostor_proof(&real.inner().public_inputs));
    let e = circuits()
        .aggregation()
        .verify(&fake)
        .expect_err("an impostor range proof must not verify");
    assert!(
        matches!(e, AggregationError::Invalid(_)),
        "expected Invalid, got {e}"
    );
    let left = range(0, 2);
    let e = assert_refused(
        circuits().aggregate_with(
            Child::Range(&left),
            Some(Child::Range(&fake)),
            Checks::SkipForTesting,
        ),
        "impostor range child forced into the circuit",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

#[test]
fn batch_proof_posing_as_a_range_child_is_refused() {
    // A real batch proof handed in as a range child: it is checked against the
    // aggregation circuit's verifier data and its zero trailing inputs.
    let posing = RangeProof::from_inner(batch(1).inner().clone());
    let e = assert_refused(
        circuits().aggregate_with(
            Child::Batch(batch(0)),
            Some(Child::Range(&posing)),
            Checks::SkipForTesting,
        ),
        "batch proof as a range child",
    );
    assert!(
        matches!(e, AggregationError::Unsatisfied(_)),
        "expected Unsatisfied, got {e}"
    );
}

#[test]
fn range_proof_with_another_commitment_is_rejected() {
    let mut proof = range(0, 2);
    proof.inner_mut().public_inputs[8] += F::ONE;
    let e = circuits()
        .aggregation()
        .verify(&proof)
        .expect_err("a range proof with an altered commitment must not verify");
    assert!(
        matches!(e, AggregationError::Invalid(_)),
        "expected Invalid, got {e}"
    );
    let mut proof = range(0, 2);
    proof.inner_mut().public_inputs[0] += F::ONE;
    circuits()
        .aggregation()
        .verify(&proof)
        .expect_err("a range proof with an altered old root must not verify");
}

#[test]
fn range_proof_claiming_other_verifier_data_is_rejected() {
    let mut proof = range(0, 2);
    let last = proof.inner().public_inputs.len() - 1;
    proof.inner_mut().public_inputs[last] += F::ONE;
    let e = circuits()
        .aggregation()
        .verify(&proof)
        .expect_err("a range proof with other verifier data must not verify");
    assert!(
        e.to_string().contains("other verifier data"),
        "expected a verifier-data mismatch, got {e}"
    );
}

#[test]
fn altered_range_proof_bytes_are_rejected() {
    let bytes = range(0, 2).to_bytes();
    for at in [
        NUM_PUBLIC_INPUTS * 8 + 100,
        bytes.len() / 2,
        bytes.len() - 40,
    ] {
        let mut altered = bytes.clone();
        altered[at] ^= 0x01;
        let verdict = RangeProof::from_bytes(&altered, circuits().aggregation())
            .and_then(|p| circuits().aggregation().verify(&p));
        assert!(
            verdict.is_err(),
            "flipping byte {at} of a range proof must be rejected"
        );
    }
    // The field's order in place of the first element decodes as zero in
    // plonky2, and is refused as another encoding of a proof.
    let mut altered = bytes.clone();
    let order = <zkr_circuits::state::F as plonky2::field::types::Field64>::ORDER;
    altered[..8].copy_from_slice(&order.to_le_bytes());
    match RangeProof::from_bytes(&altered, circuits().aggregation()) {
        Err(e) => assert!(
            e.to_string().contains("canonical"),
            "expected a non-canonical element refused as such, got {e}"
        ),
        Ok(_) => panic!("expected a range proof with a non-canonical element refused, it decoded"),
    }
}
