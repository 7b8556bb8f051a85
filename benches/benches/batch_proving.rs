//! Proof time of one batch, by circuit capacity.
//!
//! The circuit is built and the witness prepared outside the timed loop: only
//! `BatchCircuit::prove` is measured. `ZKR_BENCH_QUICK=1` shortens warm-up and
//! measurement (CI); capacity 128 runs only with `ZKR_BENCH_FULL=1`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use zkr_benches::{configure, env_flag, prepare_batch};
use zkr_circuits::batch::BatchCircuit;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;

fn capacities() -> Vec<usize> {
    if env_flag("ZKR_BENCH_FULL") {
        vec![8, 32, 128]
    } else {
        vec![8, 32]
    }
}

fn batch_prove(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch prove");
    // Seconds per iteration: one iteration per sample, no extrapolation.
    configure(&mut group, Duration::from_secs(3), Duration::from_secs(30));
    for capacity in capacities() {
        let circuit = BatchCircuit::build(capacity, DEFAULT_CHAIN_ID);
        let prepared = match prepare_batch(capacity, capacity as u64) {
            Ok(p) => p,
            Err(e) => panic!("capacity {capacity}: preparing the benchmark batch failed: {e}"),
        };
        group.bench_with_input(
            BenchmarkId::new("capacity", capacity),
            &prepared.witness,
            |b, witness| {
                b.iter(|| match circuit.prove(witness) {
                    Ok(proof) => proof,
                    Err(e) => panic!("capacity {capacity}: proving failed: {e}"),
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, batch_prove);
criterion_main!(benches);
