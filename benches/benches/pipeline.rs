//! End to end through the service: 8 batches submitted over gRPC on loopback,
//! proven by 2 workers, sealed into one range and folded into its range proof.
//! One sample is the time from the first `SubmitBatch` to the range being
//! PROVEN, on a fresh coordinator (capacity 8, batch 1 the genesis deposits).
//!
//! A sample takes about half a minute on 2 cores and criterion needs 10, so
//! this bench is not part of the CI run: `cargo bench -p zkr-benches --bench pipeline`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use zkr_aggregator::Circuits;
use zkr_circuits::workload::{batch_chain, ChainedBatch};
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;
use zkr_prover::client;
use zkr_prover::worker::{self, WorkerConfig};

mod common;
use common::{CAPACITY, MAX_MESSAGE, SEQUENCER_TOKEN, WORKER_TOKEN};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;

const BATCHES: usize = 8;
const WORKERS: usize = 2;

/// One run on a fresh coordinator; returns the time from first submission to the proven range.
async fn prove_range(circuits: Arc<Circuits>, chain: &[ChainedBatch]) -> Duration {
    let service = common::start(circuits.clone()).await;
    let url = service.url.clone();
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            let config = WorkerConfig {
                coordinator: url.clone(),
                token: WORKER_TOKEN.into(),
                name: format!("bench-{i}"),
                wait: Duration::from_millis(200),
                tls_ca: None,
                max_message_bytes: MAX_MESSAGE,
                circuits: vec![circuits.clone()],
                kinds: vec![],
                wrapper: None,
            };
            tokio::spawn(worker::run(config, shutdown_rx.clone()))
        })
        .collect();
    let ch = client::channel(&url, None).await.expect("connect");
    let mut seq = client::sequencer(ch, SEQUENCER_TOKEN, MAX_MESSAGE).expect("client");

    let start = Instant::now();
    for c in chain {
        let request = v1::SubmitBatchRequest::from(BatchSubmission {
            batch: c.batch.clone(),
            expected_old_root: c.old_root,
            claimed_new_root: c.new_root,
        });
        seq.submit_batch(request).await.expect("accepted");
    }
    seq.seal_range(v1::SealRangeRequest {})
        .await
        .expect("range sealed");
    loop {
        let info = seq
            .get_range(v1::GetRangeRequest { batch_number: 1 })
            .await
            .expect("range known")
            .into_inner();
        match v1::RangeStatus::try_from(info.status) {
            Ok(v1::RangeStatus::Proven) => break,
            Ok(v1::RangeStatus::Failed) => panic!("range failed: {}", info.error),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let elapsed = start.elapsed();
    let _ = shutdown.send(true);
    for w in workers {
        let _ = w.await;
    }
    service.stop().await;
    elapsed
}

fn pipeline(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let circuits = Arc::new(Circuits::build(CAPACITY, DEFAULT_CHAIN_ID).expect("circuits build"));
    let chain = batch_chain(BATCHES, CAPACITY, DEFAULT_CHAIN_ID, 9).expect("valid chain");
    let mut group = c.benchmark_group("pipeline");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60));
    group.bench_function("8 batches, 2 workers, to range proof/capacity 8", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| runtime.block_on(prove_range(circuits.clone(), &chain)))
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
