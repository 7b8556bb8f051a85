//! Coordinator overhead per job: the time from a sequencer's `SubmitBatch` to a
//! worker's `AcquireJob` returning the job, through real gRPC on loopback, with
//! the smallest batch capacity so that the queue (execution, witness, durable
//! store, lease), not the prover, is what is timed. Jobs per second follow.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use zkr_aggregator::Circuits;
use zkr_circuits::workload::{batch_chain, ChainedBatch};
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;
use zkr_prover::client;

mod common;
use common::{CAPACITY, MAX_MESSAGE, SEQUENCER_TOKEN, WORKER_TOKEN};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;

/// Submits and acquires `chain` one job at a time on a fresh coordinator; returns the total time.
async fn submit_then_acquire(circuits: Arc<Circuits>, chain: &[ChainedBatch]) -> Duration {
    let service = common::start(circuits).await;
    let url = service.url.clone();
    let ch = client::channel(&url, None).await.expect("connect");
    let mut seq = client::sequencer(ch.clone(), SEQUENCER_TOKEN, MAX_MESSAGE).expect("client");
    let mut fleet = client::fleet(ch, WORKER_TOKEN, MAX_MESSAGE).expect("client");
    let registered = fleet
        .register_worker(v1::RegisterWorkerRequest::default())
        .await
        .expect("register")
        .into_inner();
    let (worker_id, worker_id_secret) = (registered.worker_id, registered.worker_secret);
    let requests: Vec<v1::SubmitBatchRequest> = chain
        .iter()
        .map(|c| {
            v1::SubmitBatchRequest::from(BatchSubmission {
                batch: c.batch.clone(),
                expected_old_root: c.old_root,
                claimed_new_root: c.new_root,
            })
        })
        .collect();

    let start = Instant::now();
    for r in requests {
        seq.submit_batch(r).await.expect("accepted");
        let job = fleet
            .acquire_job(v1::AcquireJobRequest {
                worker_id,
                wait_ms: 1000,
                worker_secret: worker_id_secret.clone(),
            })
            .await
            .expect("acquire")
            .into_inner()
            .job;
        assert!(job.is_some(), "the submitted job is handed out");
    }
    let elapsed = start.elapsed();
    service.stop().await;
    elapsed
}

fn coordinator_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let circuits = Arc::new(Circuits::build(CAPACITY, DEFAULT_CHAIN_ID).expect("circuits build"));
    // Enough consecutive batches for any sample; each sample starts a fresh coordinator.
    let chain = batch_chain(64, CAPACITY, DEFAULT_CHAIN_ID, 7).expect("valid chain");
    let mut group = c.benchmark_group("coordinator");
    if std::env::var_os("ZKR_BENCH_QUICK").is_some() {
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
    group.sample_size(10);
    group.bench_function("submit to acquired/capacity 8", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters as usize;
            while left > 0 {
                let n = left.min(chain.len());
                total += runtime.block_on(submit_then_acquire(circuits.clone(), &chain[..n]));
                left -= n;
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, coordinator_overhead);
criterion_main!(benches);
