//! The coordinator as a real process killed with `kill -9` while jobs are
//! queued, leased and done, then restarted on the same data directory: every
//! accepted batch survives and ends proven, and nothing is proven twice.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::process::{http_get, sample, CoordinatorProcess};
use crate::common::*;
use tonic::Code;
use zkr_proto::v1;
use zkr_prover::client::{self, FleetApi, SequencerApi};
use zkr_prover::store::{BatchStatus, JobState, Store};

const BATCHES: u64 = 4;

async fn sequencer(url: &str) -> SequencerApi {
    let ch = client::channel(url, None).await.expect("connect");
    client::sequencer(ch, SEQ_TOKEN, MAX_MESSAGE).expect("client")
}

async fn fleet(url: &str) -> FleetApi {
    let ch = client::channel(url, None).await.expect("connect");
    client::fleet(ch, WORKER_TOKEN, MAX_MESSAGE).expect("client")
}

async fn batch(seq: &mut SequencerApi, n: u64) -> v1::BatchInfo {
    seq.get_batch(v1::GetBatchRequest { batch_number: n })
        .await
        .unwrap_or_else(|s| panic!("expected batch {n} to exist, got {s:?}"))
        .into_inner()
}

async fn statuses(seq: &mut SequencerApi) -> Vec<i32> {
    let mut out = Vec::new();
    for n in 1..=BATCHES {
        out.push(batch(seq, n).await.status);
    }
    out
}

async fn acquire(fleet: &mut FleetApi, worker_id: u64, worker_id_secret: &[u8]) -> v1::Job {
    fleet
        .acquire_job(v1::AcquireJobRequest {
            worker_id,
            wait_ms: 2_000,
            worker_secret: worker_id_secret.to_vec(),
        })
        .await
        .expect("acquire answers")
        .into_inner()
        .job
        .expect("a job is ready")
}

/// Awaits `work`, renewing `lease_id` by heartbeat meanwhile; its result.
async fn hold_lease_while<T>(
    fleet: &mut FleetApi,
    worker_id: u64,
    worker_id_secret: &[u8],
    lease_id: &[u8],
    mut work: tokio::task::JoinHandle<T>,
) -> T {
    loop {
        tokio::select! {
            done = &mut work => return done.expect("the work finished"),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                let renewed = fleet
                    .heartbeat(v1::HeartbeatRequest { worker_id, lease_ids: vec![lease_id.to_vec()], worker_secret: worker_id_secret.to_vec() })
                    .await
                    .expect("heartbeat answers")
                    .into_inner();
                assert!(
                    renewed.leases.iter().all(|l| l.valid),
                    "expected lease {lease_id:02x?} renewed, got {renewed:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coordinator_killed_with_jobs_queued_and_leased_restarts_and_proves_each_batch_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // Short leases so that the jobs held by the dead coordinator's client lapse quickly;
    // batch 1's lease is held by heartbeats while it is proven by hand.
    let flags = ["--lease-ms", "20000", "--retry-ms", "100"];
    let first = CoordinatorProcess::start(&data, &flags);
    let url = first.url();
    let mut seq = sequencer(&url).await;
    let subs = submissions(BATCHES as usize, 21);
    let mut commitments = Vec::new();
    for s in &subs {
        let r = seq
            .submit_batch(v1::SubmitBatchRequest::from(s))
            .await
            .expect("batch accepted")
            .into_inner();
        commitments.push(r.commitment);
    }

    // By hand: batch 1 proven; batches 2 and 3 leased and held at the kill; batch 4 queued.
    // The circuit is built before the lease is taken, so the lease only covers proving.
    let _ = circuits();
    let mut hand = fleet(&url).await;
    let registered = hand
        .register_worker(v1::RegisterWorkerRequest::default())
        .await
        .expect("registered")
        .into_inner();
    let (worker_id, worker_id_secret) = (registered.worker_id, registered.worker_secret);
    let job1 = acquire(&mut hand, worker_id, &worker_id_secret).await;
    let witness = zkr_circuits::witness::BatchWitness::from_bytes(&job1.witness).expect("witness");
    // Proven as a worker proves: heartbeats hold the lease however long it takes.
    let proving = tokio::task::spawn_blocking(move || {
        circuits()
            .batch()
            .prove(&witness)
            .expect("batch 1 proves")
            .to_bytes()
    });
    let proof1 = hold_lease_while(
        &mut hand,
        worker_id,
        &worker_id_secret,
        &job1.lease_id,
        proving,
    )
    .await;
    let completion = v1::CompleteJobRequest {
        worker_id,
        job_id: job1.job_id,
        lease_id: job1.lease_id.clone(),
        proof: proof1.clone(),
        prove_ms: 1,
        worker_secret: worker_id_secret.clone(),
    };
    hand.complete_job(completion.clone())
        .await
        .expect("batch 1's proof accepted");
    let held = [
        acquire(&mut hand, worker_id, &worker_id_secret).await,
        acquire(&mut hand, worker_id, &worker_id_secret).await,
    ];
    let held_batches: Vec<_> = held.iter().map(|j| j.target).collect();
    assert_eq!(
        held_batches,
        vec![
            Some(v1::job::Target::BatchNumber(2)),
            Some(v1::job::Target::BatchNumber(3))
        ],
        "expected the held jobs to be batches 2 and 3"
    );
    let before = statuses(&mut seq).await;
    let expected_before = [
        v1::BatchStatus::Proven,
        v1::BatchStatus::Proving,
        v1::BatchStatus::Proving,
        v1::BatchStatus::Accepted,
    ]
    .map(|s| s as i32)
    .to_vec();
    assert_eq!(before, expected_before, "statuses before the kill");

    let killed = first.kill_9();
    assert!(
        !killed.success(),
        "expected the coordinator to die of SIGKILL, got {killed}"
    );

    let second = CoordinatorProcess::start(&data, &flags);
    let url = second.url();
    let mut seq = sequencer(&url).await;
    let after = statuses(&mut seq).await;
    // The held leases may lapse while the coordinator restarts: then 2 and 3 are queued again.
    let held_ok =
        |s: i32| s == v1::BatchStatus::Proving as i32 || s == v1::BatchStatus::Accepted as i32;
    assert!(
        after[0] == expected_before[0] && held_ok(after[1]) && held_ok(after[2]) && after[3] == expected_before[3],
        "statuses right after the restart: expected [proven, proving or accepted, proving or accepted, accepted], got {after:?}"
    );
    for (i, c) in commitments.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(
            &batch(&mut seq, n).await.commitment,
            c,
            "batch {n} commitment after restart"
        );
    }
    let mut hand = fleet(&url).await;
    let again = hand.complete_job(completion).await;
    assert!(
        matches!(&again, Err(s) if s.code() == Code::FailedPrecondition && s.message().contains("is not held by this worker")),
        "a second completion of batch 1's job: expected FAILED_PRECONDITION (not held), got {again:?}"
    );

    let (stop, worker) = spawn_worker(url.clone(), "after-restart");
    // A hang guard only: three batch proofs take well under a minute even on a slow machine.
    let guard = Duration::from_secs(1800);
    let deadline = tokio::time::Instant::now() + guard;
    loop {
        let now = statuses(&mut seq).await;
        if now.iter().all(|&s| s == v1::BatchStatus::Proven as i32) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "hang guard: batches not all proven {guard:?} after the restart, statuses {now:?}; log:\n{}",
            second.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    let stats = worker.await.expect("worker task");
    assert_eq!(
        stats.completed, 3,
        "the worker proves batches 2, 3 and 4, got {stats:?}"
    );
    for n in 1..=BATCHES {
        let b = batch(&mut seq, n).await;
        let (min, max) = if n == 1 || n == 4 { (1, 1) } else { (2, 5) };
        assert!(
            (min..=max).contains(&b.attempts),
            "batch {n}: expected {min}..={max} attempts, got {}",
            b.attempts
        );
    }

    let metrics_url = second.metrics_url.clone().expect("metrics served");
    let (status, text) = http_get(&metrics_url).await;
    assert!(
        status.contains("200"),
        "metrics: expected 200, got {status}"
    );
    let lapsed = sample(&text, "zkr_lease_expiries_total").unwrap_or(0.0);
    assert!(
        lapsed >= 2.0,
        "expected the 2 held leases to lapse after the restart, got {lapsed}"
    );
    assert_eq!(
        sample(&text, r#"zkr_jobs{state="done"}"#),
        Some(BATCHES as f64),
        "done jobs"
    );

    let stopped = second.stop();
    assert!(
        stopped.success(),
        "expected a clean exit on SIGTERM, got {stopped}"
    );

    let store = Store::open(&data).expect("store reopens");
    assert_eq!(
        store.proof_count().expect("count"),
        BATCHES,
        "one proof per batch, no more"
    );
    assert_eq!(
        store.proof(1).expect("read").as_deref(),
        Some(proof1.as_slice()),
        "batch 1's proof is the one accepted before the kill"
    );
    let jobs = store.jobs().expect("jobs");
    let proven: BTreeSet<u64> = jobs
        .iter()
        .filter(|j| j.state == JobState::Done)
        .map(|j| j.batch_number)
        .collect();
    assert_eq!(
        jobs.len() as u64,
        BATCHES,
        "one job per batch, got {jobs:?}"
    );
    assert_eq!(proven, (1..=BATCHES).collect(), "every job done");
    for n in 1..=BATCHES {
        let r = store.batch(n).expect("read").expect("batch stored");
        assert_eq!(
            r.status,
            BatchStatus::Proven,
            "batch {n} status in the store"
        );
        assert!(
            store.proof(n).expect("read").is_some(),
            "batch {n} has its proof"
        );
    }
}
