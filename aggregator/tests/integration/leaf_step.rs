//! Batch circuits larger than the recursion shape: each proof takes one leaf
//! step into the shape, so the batch size is free of it. A capacity-32 batch
//! circuit (2^15 rows, twice the shape) proves through its leaf step, its
//! proofs aggregate into a range with the public values recomputed from the
//! batches; an invalid batch, an altered leaf proof and a proof of another
//! circuit handed to the leaf step are refused.

use zkr_aggregator::shape::MAX_DIRECT_DEGREE_BITS;
use zkr_aggregator::{range_commitment, Child, Circuits};
use zkr_circuits::batch::{BatchCircuit, BatchProof, BatchPublicValues, NUM_PUBLIC_INPUTS};
use zkr_circuits::ops::signing::{ChainId, DEFAULT_CHAIN_ID as CHAIN};
use zkr_circuits::recursion::LeafStep;
use zkr_circuits::witness::BatchWitness;

/// The smallest capacity whose batch circuit is larger than the shape.
const CAP: usize = 32;

fn prepared(count: usize, chain: ChainId) -> Vec<(BatchWitness, BatchPublicValues)> {
    crate::common::executed_chain(count, CAP, chain, 7)
}

#[test]
fn a_batch_circuit_larger_than_the_shape_proves_through_its_leaf_step_and_aggregates() {
    let circuits = Circuits::build(CAP, CHAIN).expect("circuits build in one shape");
    let batch = circuits.batch();
    assert!(
        batch.degree_bits() > MAX_DIRECT_DEGREE_BITS && batch.leaf().is_some(),
        "capacity {CAP}: expected a batch circuit past 2^{MAX_DIRECT_DEGREE_BITS} rows with a \
         leaf step, got 2^{} rows, leaf step {:?}",
        batch.degree_bits(),
        batch.leaf()
    );
    assert_eq!(
        batch.data().common,
        circuits.aggregation().data().common,
        "the leaf step's proofs must be in the aggregation's shape"
    );
    // Deterministic costs: 5,248 leaf rows over a 2^17-row batch circuit (capacity
    // 158), fewer over a smaller one; 9,453 aggregation rows whatever the leaf verifies.
    let leaf_rows = batch.leaf().map_or(0, |l| l.num_gates());
    assert!(
        (4_000..=5_300).contains(&leaf_rows),
        "leaf step rows: expected about 5,000, got {leaf_rows}"
    );
    let rows = circuits.aggregation().num_gates();
    assert!(
        (9_300..=9_600).contains(&rows),
        "aggregation rows over leaf proofs: expected about 9,453, got {rows}"
    );
    assert!(
        circuits.aggregation().degree_bits() <= MAX_DIRECT_DEGREE_BITS,
        "the shape stays at 2^{MAX_DIRECT_DEGREE_BITS} rows, got 2^{}",
        circuits.aggregation().degree_bits()
    );

    let prepared = prepared(2, CHAIN);
    let proofs: Vec<BatchProof> = prepared
        .iter()
        .enumerate()
        .map(|(i, (w, values))| {
            let p = batch
                .prove(w)
                .unwrap_or_else(|e| panic!("batch {}: expected a proof, got {e}", i + 1));
            assert_eq!(
                &p.public_values().expect("public values decode"),
                values,
                "batch {}: the leaf proof states the batch's public values",
                i + 1
            );
            let back = BatchProof::from_bytes(&p.to_bytes(), batch).expect("proof bytes decode");
            batch.verify(&back).expect("a decoded leaf proof verifies");
            p
        })
        .collect();

    let range = circuits
        .aggregate(Child::Batch(&proofs[0]), Some(Child::Batch(&proofs[1])))
        .expect("two leaf proofs aggregate");
    let values = range.public_values().expect("range values decode");
    assert_eq!(values.old_root, prepared[0].1.old_root, "range old root");
    assert_eq!(values.new_root, prepared[1].1.new_root, "range new root");
    let leaves: Vec<[u8; 32]> = prepared.iter().map(|(_, v)| v.commitment).collect();
    assert_eq!(
        values.commitment,
        range_commitment(&leaves),
        "range commitment"
    );

    // A batch whose claimed new root is not what its operations make.
    let mut bad = prepared[1].0.clone();
    bad.new_root = prepared[0].1.old_root;
    assert!(
        batch.prove(&bad).is_err(),
        "a witness with a false new root was proven"
    );

    // A leaf proof whose stated new root was altered.
    let mut altered = proofs[0].inner().clone();
    altered.public_inputs[4] += plonky2::field::types::Field::ONE;
    let altered = BatchProof::from_inner(altered);
    assert!(
        batch.verify(&altered).is_err(),
        "a leaf proof with an altered public input verified"
    );
    assert!(
        circuits
            .aggregate(Child::Batch(&altered), Some(Child::Batch(&proofs[1])))
            .is_err(),
        "a leaf proof with an altered public input was aggregated"
    );
}

#[test]
fn a_leaf_step_refuses_a_proof_of_another_circuit() {
    const OTHER_CHAIN: ChainId = CHAIN + 1;
    let ours = BatchCircuit::build(CAP, CHAIN);
    let leaf = LeafStep::build(ours.data(), NUM_PUBLIC_INPUTS, None, NUM_PUBLIC_INPUTS);
    // Same capacity and shape, another chain id: other constants, other verifier data.
    let theirs = BatchCircuit::build(CAP, OTHER_CHAIN);
    assert_eq!(
        ours.data().common,
        theirs.data().common,
        "the two circuits differ only in their verifier data"
    );
    let (witness, _) = prepared(1, OTHER_CHAIN).remove(0);
    let foreign = theirs
        .prove(&witness)
        .expect("a valid batch of the other chain proves");
    match leaf.prove(foreign.inner()) {
        Ok(_) => panic!("the leaf step proved a proof of another circuit"),
        Err(e) => assert!(!e.is_empty(), "expected a reason, got an empty message"),
    }
}
