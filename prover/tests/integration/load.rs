//! A bounded load test on loopback: 12 batches submitted by 4 concurrent
//! clients, proven by 3 workers; every batch is proven exactly once, by any
//! worker. What it checks is counts and states, never elapsed time: batch
//! proofs are in the aggregation's recursion shape (2^14 rows, about 3 s each
//! on 2 cores), and the count keeps the test near two minutes there;
//! `ZKR_LOAD_BATCHES=N` runs it with N batches instead.

use std::time::Duration;

use crate::common::*;
use tonic::Code;
use zkr_prover::store::BatchStatus;

const DEFAULT_BATCHES: usize = 12;
const CLIENTS: usize = 4;
const WORKERS: usize = 3;

/// Batches to submit: `ZKR_LOAD_BATCHES`, else [`DEFAULT_BATCHES`].
fn batches() -> usize {
    std::env::var("ZKR_LOAD_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_BATCHES)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batches_from_four_clients_are_each_proven_once_by_three_workers() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 10_000).await;
    let total = batches();
    let subs = std::sync::Arc::new(submissions(total, 42));

    let workers: Vec<_> = (0..WORKERS)
        .map(|i| spawn_worker(served.url(), &format!("load-{i}")))
        .collect();

    // Client k submits batches k, k+4, ...; a batch whose predecessor is not in
    // yet is refused as out of order and retried, as a sequencer would.
    let mut clients = Vec::new();
    for k in 0..CLIENTS {
        let mut seq = served.sequencer(SEQ_TOKEN).await;
        let subs = subs.clone();
        clients.push(tokio::spawn(async move {
            let mut retries = 0u64;
            for s in subs.iter().skip(k).step_by(CLIENTS) {
                loop {
                    match seq
                        .submit_batch(zkr_proto::v1::SubmitBatchRequest::from(s))
                        .await
                    {
                        Ok(_) => break,
                        Err(e) if e.code() == Code::FailedPrecondition => {
                            retries += 1;
                            assert!(retries < 100_000, "client {k}: too many retries");
                            tokio::time::sleep(Duration::from_millis(2)).await;
                        }
                        Err(e) => panic!("client {k}: batch {} refused: {e}", s.batch.number),
                    }
                }
            }
            retries
        }));
    }
    for c in clients {
        c.await.expect("client finished");
    }
    assert_eq!(
        served.coord.store().last_batch().unwrap(),
        total as u64,
        "every batch accepted"
    );

    // Hang guard: far past the proving time of each batch on any machine.
    let guard = Duration::from_secs(300 * total as u64);
    wait_proven(&served.coord, total as u64, guard).await;
    let mut completed = 0;
    for (stop, handle) in workers {
        let _ = stop.send(true);
        completed += handle.await.expect("worker stopped").completed;
    }
    assert_eq!(
        completed, total as u64,
        "proofs delivered and accepted, all workers together"
    );
    assert_eq!(
        served.coord.store().proof_count().unwrap(),
        total as u64,
        "one stored proof per batch"
    );
    for n in 1..=total as u64 {
        let b = served.coord.batch(n).unwrap().expect("stored");
        assert_eq!(b.status, BatchStatus::Proven, "batch {n}");
    }
    let (counts, _) = served.coord.job_counts();
    assert_eq!(
        (counts.done, counts.queued, counts.leased, counts.failed),
        (total as u64, 0, 0, 0)
    );
    served.stop().await;
}
