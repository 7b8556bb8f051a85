//! The BN254 wrap of one range proof (two batches, capacity 8): the shrink
//! proof, the wrap circuit's witness (synthesis), the Groth16 proof by zkr's
//! prover and by arkworks' on the same key and witness, and verification of
//! the wrapped proof.
//!
//! Keys (insecure dev setup) and the range proof are made outside the timed
//! loop. A Groth16 proof takes about a minute on 2 cores, so this bench takes
//! about half an hour: it is not part of CI's quick run.
//! `cargo bench -p zkr-benches --bench wrap`

use std::time::Duration;

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use ark_std::rand::SeedableRng;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use rand_chacha::ChaCha20Rng;
use zkr_aggregator::wrap::circuit::WrapCircuit;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::wrapper::Wrapper;
use zkr_aggregator::{Child, Circuits};
use zkr_benches::prepare_chain;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_cuda::CpuBackend;

const CAPACITY: usize = 8;

fn wrap(c: &mut Criterion) {
    let circuits =
        Circuits::build(CAPACITY, DEFAULT_CHAIN_ID).unwrap_or_else(|e| panic!("circuits: {e}"));
    let chain = prepare_chain(2, CAPACITY, 5).unwrap_or_else(|e| panic!("batches: {e}"));
    let proofs: Vec<_> = chain
        .iter()
        .map(|p| {
            circuits
                .batch()
                .prove(&p.witness)
                .unwrap_or_else(|e| panic!("batch proving: {e}"))
        })
        .collect();
    let range = circuits
        .aggregate(Child::Batch(&proofs[0]), Some(Child::Batch(&proofs[1])))
        .unwrap_or_else(|e| panic!("aggregation: {e}"));
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let wrapper = Wrapper::setup_insecure_dev(circuits.aggregation(), &mut rng)
        .unwrap_or_else(|e| panic!("wrap setup: {e}"));
    let shrunk = wrapper
        .shrink()
        .prove(circuits.aggregation(), &range)
        .unwrap_or_else(|e| panic!("shrink: {e}"));
    let wrapped = wrapper
        .prove(circuits.aggregation(), &range, &mut rng)
        .unwrap_or_else(|e| panic!("wrap: {e}"));
    let pk = wrapper
        .proving_key()
        .expect("the dev setup holds the proving key");

    let mut group = c.benchmark_group("wrap");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60));
    group.bench_function(BenchmarkId::new("shrink prove", "range of 2"), |b| {
        b.iter(|| wrapper.shrink().prove(circuits.aggregation(), &range))
    });
    group.bench_function(BenchmarkId::new("wrap witness", "synthesis"), |b| {
        b.iter(|| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let circuit = WrapCircuit::new(wrapper.shrink(), Some(&shrunk))
                .unwrap_or_else(|e| panic!("wrap circuit: {e}"));
            if let Err(e) = circuit.generate_constraints(cs.clone()) {
                panic!("synthesis: {e}");
            }
            cs.num_constraints()
        })
    });
    // zkr's prover (CPU backend) against arkworks' on the same key and witness.
    group.bench_function(BenchmarkId::new("groth16 prove", "zkr"), |b| {
        b.iter(|| {
            let circuit = WrapCircuit::new(wrapper.shrink(), Some(&shrunk))
                .unwrap_or_else(|e| panic!("wrap circuit: {e}"));
            groth16::prove_with(&CpuBackend, pk, circuit, &mut rng)
                .unwrap_or_else(|e| panic!("prove: {e}"))
        })
    });
    group.bench_function(BenchmarkId::new("groth16 prove", "arkworks"), |b| {
        b.iter(|| {
            let circuit = WrapCircuit::new(wrapper.shrink(), Some(&shrunk))
                .unwrap_or_else(|e| panic!("wrap circuit: {e}"));
            // Synthesis with no tracing subscriber, as zkr's prover does it.
            tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
                Groth16::<Bn254>::prove(pk, circuit, &mut rng)
            })
            .unwrap_or_else(|e| panic!("prove: {e}"))
        })
    });
    group.bench_function(BenchmarkId::new("verify", "wrapped proof"), |b| {
        b.iter(|| wrapper.verify(&wrapped))
    });
    group.finish();
}

criterion_group!(benches, wrap);
criterion_main!(benches);
