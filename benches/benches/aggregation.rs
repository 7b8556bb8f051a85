//! Aggregation: one 2-to-1 step of the aggregation circuit, and a batch proof in
//! the aggregation shape (what the service proves), capacity 8.
//!
//! Circuits, witnesses and child proofs are made outside the timed loop.
//! `ZKR_BENCH_QUICK=1` shortens warm-up and measurement (CI).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use zkr_aggregator::{Child, Circuits};
use zkr_benches::{configure, prepare_chain};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;

const CAPACITY: usize = 8;

fn aggregate(c: &mut Criterion) {
    let circuits = match Circuits::build(CAPACITY, DEFAULT_CHAIN_ID) {
        Ok(c) => c,
        Err(e) => panic!("building the circuits failed: {e}"),
    };
    let chain = match prepare_chain(4, CAPACITY, 11) {
        Ok(c) => c,
        Err(e) => panic!("preparing the benchmark batches failed: {e}"),
    };
    let proofs: Vec<_> = chain
        .iter()
        .map(|p| match circuits.batch().prove(&p.witness) {
            Ok(proof) => proof,
            Err(e) => panic!("batch proving failed: {e}"),
        })
        .collect();
    let step = |l: Child<'_>, r: Option<Child<'_>>| match circuits.aggregate(l, r) {
        Ok(p) => p,
        Err(e) => panic!("aggregation failed: {e}"),
    };
    let left = step(Child::Batch(&proofs[0]), Some(Child::Batch(&proofs[1])));
    let right = step(Child::Batch(&proofs[2]), Some(Child::Batch(&proofs[3])));

    let mut group = c.benchmark_group("aggregate");
    configure(&mut group, Duration::from_secs(3), Duration::from_secs(40));
    group.bench_function(BenchmarkId::new("2-to-1 step", "two batch proofs"), |b| {
        b.iter(|| step(Child::Batch(&proofs[0]), Some(Child::Batch(&proofs[1]))))
    });
    group.bench_function(BenchmarkId::new("2-to-1 step", "two range proofs"), |b| {
        b.iter(|| step(Child::Range(&left), Some(Child::Range(&right))))
    });
    group.bench_function(
        BenchmarkId::new("batch prove in aggregation shape", CAPACITY),
        |b| {
            b.iter(|| match circuits.batch().prove(&chain[0].witness) {
                Ok(p) => p,
                Err(e) => panic!("batch proving failed: {e}"),
            })
        },
    );
    group.finish();
}

criterion_group!(benches, aggregate);
criterion_main!(benches);
