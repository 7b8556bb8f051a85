//! The coordinator under a fleet's load: W simulated workers (default 200)
//! long-poll `AcquireJob` and heartbeat the leases they get every 100 ms,
//! while a sequencer submits B batches (default 64, capacity 8) one after
//! another. Prints the latency of `SubmitBatch` and of `Heartbeat` (median,
//! p99, max) over the run: what an operator's sequencer and workers see when
//! the coordinator serves a large fleet.
//!
//! The workers prove nothing: each holds the one job it is handed for the
//! rest of the run (renewing its lease), so every submitted batch wakes the
//! whole idle fleet and the heartbeats grow with the jobs held.
//!
//! `cargo bench -p zkr-benches --bench fleet_load` (about a minute on 2
//! cores); `-- --workers 50 --batches 16` picks others.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::watch;
use zkr_aggregator::Circuits;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_circuits::workload::batch_chain;
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;
use zkr_prover::client;

mod common;
use common::{CAPACITY, MAX_MESSAGE, SEQUENCER_TOKEN, WORKER_TOKEN};

/// Loads a coordinator with a simulated fleet and prints request latencies.
#[derive(Debug, Parser)]
struct Args {
    /// Simulated workers, each long-polling for a job.
    #[arg(long, default_value_t = 200)]
    workers: usize,
    /// Batches the sequencer submits, one after another.
    #[arg(long, default_value_t = 64)]
    batches: usize,
    /// What `cargo bench` passes to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Median, 99th percentile and largest of `samples`, in milliseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    (at(0.5), at(0.99), ms(samples[samples.len() - 1]))
}

/// One simulated worker: registers, long-polls, and heartbeats the leases it
/// holds until `stop`; returns its heartbeat latencies.
async fn worker(url: String, mut stop: watch::Receiver<bool>) -> Vec<Duration> {
    let ch = client::channel(&url, None).await.expect("connect");
    let mut fleet = client::fleet(ch, WORKER_TOKEN, MAX_MESSAGE).expect("client");
    let reg = fleet
        .register_worker(v1::RegisterWorkerRequest::default())
        .await
        .expect("register")
        .into_inner();
    let mut leases = Vec::new();
    let mut beats = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        if leases.is_empty() {
            let acquire = fleet.acquire_job(v1::AcquireJobRequest {
                worker_id: reg.worker_id,
                wait_ms: 1_000,
                worker_secret: reg.worker_secret.clone(),
            });
            tokio::select! {
                r = acquire => {
                    if let Some(job) = r.expect("acquire answers").into_inner().job {
                        leases.push(job.lease_id);
                    }
                }
                _ = stop.changed() => break,
            }
        } else {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            let started = Instant::now();
            let r = fleet
                .heartbeat(v1::HeartbeatRequest {
                    worker_id: reg.worker_id,
                    lease_ids: leases.clone(),
                    worker_secret: reg.worker_secret.clone(),
                })
                .await
                .expect("heartbeat answers");
            beats.push(started.elapsed());
            assert!(
                r.into_inner().leases.iter().all(|l| l.valid),
                "a held lease was lost"
            );
        }
    }
    beats
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    let circuits = Arc::new(Circuits::build(CAPACITY, DEFAULT_CHAIN_ID)?);
    let chain = batch_chain(args.batches, CAPACITY, DEFAULT_CHAIN_ID, 11)?;
    runtime.block_on(async {
        let service = common::start(circuits).await;
        let (stop, stopping) = watch::channel(false);
        let fleet: Vec<_> = (0..args.workers)
            .map(|_| tokio::spawn(worker(service.url.clone(), stopping.clone())))
            .collect();
        // Let the fleet register and settle into its long polls.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let ch = client::channel(&service.url, None).await?;
        let mut seq = client::sequencer(ch, SEQUENCER_TOKEN, MAX_MESSAGE)?;
        let mut submits = Vec::new();
        for c in &chain {
            let request = v1::SubmitBatchRequest::from(BatchSubmission {
                batch: c.batch.clone(),
                expected_old_root: c.old_root,
                claimed_new_root: c.new_root,
            });
            let started = Instant::now();
            seq.submit_batch(request).await?;
            submits.push(started.elapsed());
        }
        // A few more heartbeat rounds with every job held.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = stop.send(true);
        let mut beats = Vec::new();
        for w in fleet {
            beats.extend(w.await?);
        }
        service.stop().await;
        println!(
            "{} workers long-polling, {} batches of capacity {CAPACITY} submitted one after another",
            args.workers, args.batches
        );
        println!("{:<12} {:>8} {:>10} {:>10} {:>10}", "request", "count", "median ms", "p99 ms", "max ms");
        for (name, samples) in [("SubmitBatch", &mut submits), ("Heartbeat", &mut beats)] {
            if samples.is_empty() {
                continue;
            }
            let (median, p99, max) = summary(samples);
            println!(
                "{name:<12} {:>8} {median:>10.2} {p99:>10.2} {max:>10.2}",
                samples.len()
            );
        }
        anyhow::Ok(())
    })
}
