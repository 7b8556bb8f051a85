//! Aggregation through the service: ranges sealed on request and when full,
//! their trees proven by workers step by step, the range proof served by
//! GetProof; forged step proofs refused; failures and a coordinator killed
//! mid-aggregation.

use std::time::Duration;

use crate::common::process::{sample, CoordinatorProcess};
use crate::common::*;
use tonic::Code;
use zkr_aggregator::{Child, RangeProof};
use zkr_circuits::batch::{BatchProof, BatchPublicValues};
use zkr_proto::convert::root_to_bytes;
use zkr_proto::v1;
use zkr_prover::aggregate::AggregateWitness;
use zkr_prover::client::{self, FleetApi, SequencerApi};
use zkr_prover::metrics::Metrics;
use zkr_prover::store::{JobKind, JobState, Store};

fn expect_code<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, what: &str) -> String {
    match r {
        Err(s) if s.code() == code => s.message().to_string(),
        other => panic!("{what}: expected {code:?}, got {other:?}"),
    }
}

fn proof_of(first: u64, last: u64, kind: v1::ProofKind) -> v1::GetProofRequest {
    v1::GetProofRequest {
        target: Some(v1::get_proof_request::Target::Range(v1::BatchRange {
            first,
            last,
        })),
        kind: kind as i32,
    }
}

fn bounds(r: &v1::RangeInfo) -> (u64, u64) {
    r.range.as_ref().map_or((0, 0), |b| (b.first, b.last))
}

async fn submit_all(seq: &mut SequencerApi, subs: &[zkr_proto::convert::BatchSubmission]) {
    for s in subs {
        seq.submit_batch(v1::SubmitBatchRequest::from(s))
            .await
            .unwrap_or_else(|e| panic!("batch {} refused: {e}", s.batch.number));
    }
}

/// Polls the range holding `batch` until `done` says so (or panics after `timeout`).
async fn wait_range(
    seq: &mut SequencerApi,
    batch: u64,
    timeout: Duration,
    what: &str,
    done: impl Fn(&v1::RangeInfo) -> bool,
) -> v1::RangeInfo {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let r = seq
            .get_range(v1::GetRangeRequest {
                batch_number: batch,
            })
            .await
            .unwrap_or_else(|s| panic!("expected the range of batch {batch}, got {s:?}"))
            .into_inner();
        assert_ne!(
            r.status,
            v1::RangeStatus::Failed as i32,
            "range of batch {batch} failed: {}",
            r.error
        );
        if done(&r) {
            return r;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "hang guard: no {what} after {timeout:?}, got {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn proven(r: &v1::RangeInfo) -> bool {
    r.status == v1::RangeStatus::Proven as i32
}

/// Decodes and verifies a served range proof; checks it states `expected`,
/// in the proof and in the response.
fn check_range_proof(p: &v1::ProofResponse, expected: &BatchPublicValues, what: &str) {
    assert_eq!(
        p.kind,
        v1::ProofKind::Aggregate as i32,
        "{what}: expected an aggregate proof"
    );
    let proof = RangeProof::from_bytes(&p.proof, circuits().aggregation())
        .unwrap_or_else(|e| panic!("{what}: expected the range proof to decode, got {e}"));
    circuits()
        .aggregation()
        .verify(&proof)
        .unwrap_or_else(|e| panic!("{what}: expected the range proof to verify, got {e}"));
    let pv = proof.public_values().expect("public values decode");
    assert_eq!(
        &pv, expected,
        "{what}: the proof's public values, expected those recomputed from the batches"
    );
    assert_eq!(
        (&p.old_root, &p.new_root, &p.commitment),
        (
            &root_to_bytes(&expected.old_root),
            &root_to_bytes(&expected.new_root),
            &expected.commitment.to_vec()
        ),
        "{what}: the values in the response"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_batches_sealed_into_a_range_are_aggregated_by_two_workers_and_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_on(dir.path(), 60_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(5, 51);
    submit_all(&mut seq, &subs).await;

    let msg = expect_code(
        seq.get_proof(proof_of(1, 5, v1::ProofKind::Unspecified))
            .await,
        Code::NotFound,
        "proof of a range not sealed",
    );
    assert!(msg.contains("no sealed range"), "message: {msg}");
    expect_code(
        seq.get_range(v1::GetRangeRequest { batch_number: 2 }).await,
        Code::NotFound,
        "range of an open batch",
    );

    let sealed = seq
        .seal_range(v1::SealRangeRequest {})
        .await
        .expect("the open range seals")
        .into_inner();
    assert_eq!(bounds(&sealed), (1, 5), "sealed range");
    assert_eq!(
        (sealed.status, sealed.steps_done, sealed.steps_total),
        (v1::RangeStatus::Aggregating as i32, 0, 4),
        "(status, steps done, steps) of the sealed range"
    );
    let tree: Vec<((u64, u64), u32)> = sealed
        .steps
        .iter()
        .map(|s| {
            let b = s.range.as_ref().expect("step range");
            ((b.first, b.last), s.level)
        })
        .collect();
    assert_eq!(
        tree,
        vec![((1, 2), 1), ((3, 4), 1), ((1, 4), 2), ((1, 5), 3)],
        "steps (range, level), children first"
    );
    let msg = expect_code(
        seq.get_proof(proof_of(1, 5, v1::ProofKind::Unspecified))
            .await,
        Code::FailedPrecondition,
        "proof of a range not proven yet",
    );
    assert!(msg.contains("not proven yet"), "message: {msg}");
    expect_code(
        seq.get_proof(proof_of(2, 5, v1::ProofKind::Aggregate))
            .await,
        Code::NotFound,
        "proof of a range other than the sealed one",
    );
    expect_code(
        seq.get_proof(proof_of(1, 5, v1::ProofKind::Batch)).await,
        Code::InvalidArgument,
        "a batch proof of several batches",
    );
    expect_code(
        seq.seal_range(v1::SealRangeRequest {}).await,
        Code::FailedPrecondition,
        "sealing with no batch open",
    );
    let metrics = Metrics::start(served.coord.clone());
    let text = metrics.encode();
    for (name, want) in [
        (r#"zkr_queue_depth{kind="batch_proof"}"#, 5.0),
        (r#"zkr_queue_depth{kind="aggregate"}"#, 0.0),
        (r#"zkr_jobs{state="queued"}"#, 9.0),
        (r#"zkr_ranges{status="aggregating"}"#, 1.0),
    ] {
        assert_eq!(sample(&text, name), Some(want), "{name} before proving");
    }

    let workers = [
        spawn_worker(served.url(), "agg-1"),
        spawn_worker(served.url(), "agg-2"),
    ];
    let done = wait_range(
        &mut seq,
        3,
        Duration::from_secs(1800),
        "range 1..5 proven",
        proven,
    )
    .await;
    let mut completed = 0;
    for (stop, handle) in workers {
        let _ = stop.send(true);
        completed += handle.await.expect("worker task").completed;
    }
    assert_eq!(
        completed, 9,
        "5 batch proofs and 4 aggregation steps accepted"
    );
    assert_eq!(
        (done.steps_done, done.steps_total),
        (4, 4),
        "steps of the proven range"
    );
    assert!(
        done.steps
            .iter()
            .all(|s| s.started_at_ms > 0 && s.proven_at_ms >= s.started_at_ms),
        "every step has its lease and proof times: {:?}",
        done.steps
    );
    assert!(done.proven_at_ms >= done.sealed_at_ms && done.proven_at_ms > 0);

    let expected = range_values(&executed_values(&subs));
    let p = seq
        .get_proof(proof_of(1, 5, v1::ProofKind::Unspecified))
        .await
        .expect("range proof served")
        .into_inner();
    check_range_proof(&p, &expected, "range 1..5");
    assert_eq!(
        bounds(&v1::RangeInfo {
            range: p.range,
            ..Default::default()
        }),
        (1, 5)
    );

    // A single batch is still served as its batch proof.
    let b = seq
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::BatchNumber(3)),
            kind: v1::ProofKind::Unspecified as i32,
        })
        .await
        .expect("batch proof served")
        .into_inner();
    assert_eq!(b.kind, v1::ProofKind::Batch as i32);
    let proof = BatchProof::from_bytes(&b.proof, circuits().batch()).expect("decodes");
    circuits()
        .batch()
        .verify(&proof)
        .expect("batch proof verifies");

    let list = seq
        .list_ranges(v1::ListRangesRequest {})
        .await
        .expect("ranges listed")
        .into_inner();
    assert_eq!(list.ranges.len(), 1, "one range");
    assert!(list.open.is_none(), "nothing open: {:?}", list.open);
    let (counts, _) = served.coord.job_counts();
    assert_eq!(
        (counts.done, counts.queued, counts.leased, counts.failed),
        (9, 0, 0, 0),
        "(done, queued, leased, failed) jobs"
    );
    assert_eq!(
        served.coord.store().range_proof_count().expect("count"),
        4,
        "one stored proof per step"
    );
    let text = metrics.encode();
    for (name, want) in [
        (r#"zkr_queue_depth{kind="aggregate"}"#, 0.0),
        (r#"zkr_jobs{state="done"}"#, 9.0),
        (r#"zkr_ranges{status="aggregating"}"#, 0.0),
        (r#"zkr_ranges{status="proven"}"#, 1.0),
        ("zkr_proofs_accepted_total", 9.0),
    ] {
        assert_eq!(sample(&text, name), Some(want), "{name} after proving");
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_step_proofs_are_refused_and_the_job_stays_leased() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_on(dir.path(), 120_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(2, 52);
    submit_all(&mut seq, &subs).await;
    seq.seal_range(v1::SealRangeRequest {})
        .await
        .expect("range 1..2 sealed");

    // Batch proofs by a worker that takes no aggregation step.
    let (stop, batches) = spawn_worker_of(served.url(), "batches", &[JobKind::BatchProof]);
    wait_proven(&served.coord, 2, Duration::from_secs(1800)).await;
    let _ = stop.send(true);
    assert_eq!(batches.await.expect("worker task").completed, 2);
    assert_eq!(
        served.coord.queue_depth(JobKind::Aggregate),
        1,
        "the step is ready but the batch-only worker left it"
    );

    let mut fleet = served.fleet(WORKER_TOKEN).await;
    let registered = fleet
        .register_worker(v1::RegisterWorkerRequest {
            name: "forger".into(),
            capabilities: Some(v1::Capabilities {
                backends: vec![v1::Backend::Cpu as i32],
                job_kinds: vec![v1::JobKind::Aggregate as i32],
                max_parallel_jobs: 1,
            }),
        })
        .await
        .expect("registered")
        .into_inner();
    let (worker_id, worker_id_secret) = (registered.worker_id, registered.worker_secret);
    let job = fleet
        .acquire_job(v1::AcquireJobRequest {
            worker_id,
            wait_ms: 2_000,
            worker_secret: worker_id_secret.clone(),
        })
        .await
        .expect("acquire answers")
        .into_inner()
        .job
        .expect("the aggregation step");
    assert_eq!(job.kind, v1::JobKind::Aggregate as i32);
    assert_eq!(
        job.target,
        Some(v1::job::Target::Range(v1::BatchRange { first: 1, last: 2 }))
    );
    let witness = AggregateWitness::from_bytes(&job.witness).expect("the witness decodes");
    let honest = witness
        .prove(&circuits())
        .expect("the step proves")
        .to_bytes();

    let batch1 = seq
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::BatchNumber(1)),
            kind: v1::ProofKind::Batch as i32,
        })
        .await
        .expect("batch 1's proof")
        .into_inner()
        .proof;
    // A valid range proof of a sub-range: batch 1 alone.
    let b1 = BatchProof::from_bytes(&batch1, circuits().batch()).expect("decodes");
    let sub_range = circuits()
        .aggregate(Child::Batch(&b1), None)
        .expect("range 1..1 proves")
        .to_bytes();
    let mut flipped = honest.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;

    let complete = |proof: Vec<u8>| v1::CompleteJobRequest {
        worker_id,
        job_id: job.job_id,
        lease_id: job.lease_id.clone(),
        proof,
        prove_ms: 1,
        worker_secret: worker_id_secret.clone(),
    };
    for (forged, what) in [
        (batch1, "the batch proof of its first batch"),
        (sub_range, "a range proof of the sub-range 1..1"),
        (flipped, "the honest proof with a byte flipped"),
        (vec![1, 2, 3], "garbage"),
    ] {
        let msg = expect_code(
            fleet.complete_job(complete(forged)).await,
            Code::InvalidArgument,
            what,
        );
        assert!(msg.contains("proof rejected"), "{what}: message {msg}");
    }
    assert_eq!(
        served.coord.job_counts().0.leased,
        1,
        "the step stays leased"
    );
    let beat = fleet
        .heartbeat(v1::HeartbeatRequest {
            worker_id,
            lease_ids: vec![job.lease_id.clone()],
            worker_secret: worker_id_secret.clone(),
        })
        .await
        .expect("heartbeat")
        .into_inner();
    assert!(
        beat.leases.iter().all(|l| l.valid),
        "the lease is still held: {beat:?}"
    );
    assert_eq!(
        served.coord.store().range_proof_count().expect("count"),
        0,
        "nothing stored"
    );
    let r = seq
        .get_range(v1::GetRangeRequest { batch_number: 1 })
        .await
        .expect("range")
        .into_inner();
    assert_eq!(
        (r.status, r.steps_done),
        (v1::RangeStatus::Aggregating as i32, 0)
    );
    assert_eq!(
        served
            .coord
            .counters
            .proofs_rejected
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );

    fleet
        .complete_job(complete(honest.clone()))
        .await
        .expect("the honest proof is accepted");
    expect_code(
        fleet.complete_job(complete(honest)).await,
        Code::FailedPrecondition,
        "a second completion",
    );
    let p = seq
        .get_proof(proof_of(1, 2, v1::ProofKind::Unspecified))
        .await
        .expect("range proof served")
        .into_inner();
    check_range_proof(&p, &range_values(&executed_values(&subs)), "range 1..2");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_ranges_seal_themselves_a_failed_batch_fails_its_range_and_an_operator_retry_proves_it(
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_with_ranges(dir.path(), 60_000, 2).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    submit_all(&mut seq, &submissions(3, 53)).await;
    let list = seq
        .list_ranges(v1::ListRangesRequest {})
        .await
        .expect("ranges")
        .into_inner();
    let sealed: Vec<(u64, u64)> = list.ranges.iter().map(bounds).collect();
    assert_eq!(sealed, vec![(1, 2)], "sealed when it held 2 batches");
    assert_eq!(
        list.open.map(|o| (o.first, o.last)),
        Some((3, 3)),
        "open range"
    );
    assert_eq!(list.ranges[0].steps_total, 1);
    expect_code(
        seq.get_range(v1::GetRangeRequest { batch_number: 3 }).await,
        Code::NotFound,
        "range of the open batch",
    );
    assert_eq!(
        served.coord.job_counts().0.queued,
        4,
        "3 batch jobs and the step waiting on two of them"
    );
    assert_eq!(served.coord.queue_depth(JobKind::Aggregate), 0);
    served.stop().await;

    // Reopened with a limit of 1, the open batch is sealed at once: a range of one batch.
    let served = serve_with_ranges(dir.path(), 60_000, 1).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let r3 = seq
        .get_range(v1::GetRangeRequest { batch_number: 3 })
        .await
        .expect("batch 3 sealed on open")
        .into_inner();
    assert_eq!((bounds(&r3), r3.steps_total), ((3, 3), 1));
    let msg = expect_code(
        seq.get_proof(proof_of(3, 3, v1::ProofKind::Aggregate))
            .await,
        Code::FailedPrecondition,
        "range proof of 3..3 before it is proven",
    );
    assert!(msg.contains("range 3..3"), "message: {msg}");
    let msg = expect_code(
        seq.get_proof(proof_of(3, 3, v1::ProofKind::Unspecified))
            .await,
        Code::FailedPrecondition,
        "batch proof of 3 before it is proven",
    );
    assert!(msg.contains("batch 3"), "message: {msg}");

    // Batch 1's job fails for good: range 1..2 fails, and its step with it.
    let mut fleet: FleetApi = served.fleet(WORKER_TOKEN).await;
    let hand = HandWorker::register(&mut fleet).await;
    let job = hand
        .acquire(&mut fleet, 1_000)
        .await
        .expect("batch 1's job");
    assert_eq!(job.target, Some(v1::job::Target::BatchNumber(1)));
    let requeued = hand
        .fail(&mut fleet, &job, "witness does not fit", false)
        .await;
    assert!(!requeued);
    let r1 = seq
        .get_range(v1::GetRangeRequest { batch_number: 2 })
        .await
        .expect("range 1..2")
        .into_inner();
    assert_eq!(r1.status, v1::RangeStatus::Failed as i32);
    assert!(
        r1.error.contains("batch 1 failed") && r1.error.contains("witness does not fit"),
        "error names the batch and why: {}",
        r1.error
    );
    let msg = expect_code(
        seq.get_proof(proof_of(1, 2, v1::ProofKind::Unspecified))
            .await,
        Code::FailedPrecondition,
        "proof of a failed range",
    );
    assert!(msg.contains("failed"), "message: {msg}");
    let jobs = served.coord.store().jobs().expect("jobs");
    let step = jobs
        .iter()
        .find(|j| j.kind == JobKind::Aggregate && j.batch_number == 1)
        .expect("the step of 1..2");
    assert_eq!(
        step.state,
        JobState::Failed,
        "the step failed with its range"
    );

    // The operator's way out: only the admin role retries, and a retry of
    // nothing failed, or of a batch never accepted, changes nothing.
    let retry = |target| v1::RetryJobsRequest {
        target: Some(target),
    };
    use v1::retry_jobs_request::Target;
    let mut as_worker = served.admin(WORKER_TOKEN).await;
    expect_code(
        as_worker.retry_jobs(retry(Target::BatchNumber(1))).await,
        Code::Unauthenticated,
        "a retry with the worker's token",
    );
    let mut admin = served.admin(ADMIN_TOKEN).await;
    let msg = expect_code(
        admin.retry_jobs(retry(Target::BatchNumber(9))).await,
        Code::NotFound,
        "a retry of a batch never accepted",
    );
    assert!(
        msg.contains("batch 9") && msg.contains("last accepted batch is 3"),
        "message: {msg}"
    );
    let msg = expect_code(
        admin
            .retry_jobs(retry(Target::Range(v1::BatchRange { first: 3, last: 3 })))
            .await,
        Code::FailedPrecondition,
        "a retry of a range with nothing failed",
    );
    assert!(msg.contains("nothing to retry"), "message: {msg}");
    expect_code(
        admin
            .retry_jobs(retry(Target::Range(v1::BatchRange { first: 2, last: 1 })))
            .await,
        Code::InvalidArgument,
        "a range given backwards",
    );
    expect_code(
        admin
            .retry_jobs(v1::RetryJobsRequest { target: None })
            .await,
        Code::InvalidArgument,
        "a retry naming nothing",
    );

    // Naming batch 2, which did not fail, retries its whole range: batch 1's
    // job and the step failed with it.
    let out = admin
        .retry_jobs(retry(Target::BatchNumber(2)))
        .await
        .expect("retry of range 1..2")
        .into_inner();
    assert_eq!(
        (
            out.jobs,
            out.batches.clone(),
            out.ranges
                .iter()
                .map(|r| (r.first, r.last))
                .collect::<Vec<_>>()
        ),
        (2, vec![1], vec![(1, 2)]),
        "expected batch 1's job and the step queued again, and range 1..2 revived"
    );
    let r1 = seq
        .get_range(v1::GetRangeRequest { batch_number: 1 })
        .await
        .expect("range 1..2")
        .into_inner();
    assert_eq!(
        (r1.status, r1.error.as_str()),
        (v1::RangeStatus::Aggregating as i32, ""),
        "expected range 1..2 aggregating again with no error"
    );
    let b1 = seq
        .get_batch(v1::GetBatchRequest { batch_number: 1 })
        .await
        .expect("batch 1")
        .into_inner();
    assert_eq!(
        (b1.status, b1.attempts),
        (v1::BatchStatus::Accepted as i32, 0),
        "expected batch 1 queued again with its attempts reset"
    );
    expect_code(
        admin.retry_jobs(retry(Target::JobId(job.job_id))).await,
        Code::FailedPrecondition,
        "a second retry of the same job",
    );
    counts_match_store(&served.coord, "after the failure and the retry");

    // A worker then proves range 1..2 and range 3..3 to the end.
    let (stop, worker) = spawn_worker(served.url(), "after-retry");
    for batch in [1, 3] {
        wait_range(
            &mut seq,
            batch,
            Duration::from_secs(1800),
            "proven range after the retry",
            proven,
        )
        .await;
    }
    let _ = stop.send(true);
    let _ = worker.await;
    counts_match_store(&served.coord, "with every range proven after the retry");
    let b1 = seq
        .get_batch(v1::GetBatchRequest { batch_number: 1 })
        .await
        .expect("batch 1")
        .into_inner();
    assert_eq!(
        b1.attempts, 1,
        "a proven batch's attempts are read from the store once its job leaves memory"
    );
    served.stop().await;
}

async fn sequencer(url: &str) -> SequencerApi {
    let ch = client::channel(url, None).await.expect("connect");
    client::sequencer(ch, SEQ_TOKEN, MAX_MESSAGE).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coordinator_killed_mid_aggregation_restarts_and_completes_the_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let flags = ["--lease-ms", "5000", "--max-range-batches", "3"];
    let first = CoordinatorProcess::start(&data, &flags);
    let mut seq = sequencer(&first.url()).await;
    let subs = submissions(3, 54);
    submit_all(&mut seq, &subs).await;
    // Full at 3 batches: sealed by the coordinator as 1..2, then 1..3.
    let r = seq
        .get_range(v1::GetRangeRequest { batch_number: 3 })
        .await
        .expect("range sealed when full")
        .into_inner();
    assert_eq!((bounds(&r), r.steps_total), ((1, 3), 2));

    let (stop, before) = spawn_worker(first.url(), "before-kill");
    let mid = wait_range(
        &mut seq,
        1,
        Duration::from_secs(1800),
        "step 1..2 proven",
        |r| r.steps_done >= 1,
    )
    .await;
    assert!(!proven(&mid), "the root step is still to prove: {mid:?}");
    let killed = first.kill_9();
    assert!(!killed.success(), "expected death by SIGKILL, got {killed}");
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), before).await;

    let (step_proof, jobs_before) = {
        let store = Store::open(&data).expect("the store opens after the kill");
        let range = store.range_containing(1).expect("read").expect("the range");
        assert_eq!(range.steps_done(), 1, "one step proven at the kill");
        let proof = store
            .range_proof(1, 2)
            .expect("read")
            .expect("step 1..2's proof stored");
        (proof, store.jobs().expect("jobs").len())
    };
    assert_eq!(jobs_before, 5, "3 batch jobs and 2 steps");

    let second = CoordinatorProcess::start(&data, &flags);
    let mut seq = sequencer(&second.url()).await;
    let (stop, after) = spawn_worker(second.url(), "after-restart");
    wait_range(
        &mut seq,
        1,
        Duration::from_secs(1800),
        "range 1..3 proven after the restart",
        proven,
    )
    .await;
    let _ = stop.send(true);
    let stats = after.await.expect("worker task");
    assert_eq!(
        stats.completed, 1,
        "only the root step is left to prove: {stats:?}"
    );
    let p = seq
        .get_proof(proof_of(1, 3, v1::ProofKind::Aggregate))
        .await
        .expect("range proof served")
        .into_inner();
    check_range_proof(&p, &range_values(&executed_values(&subs)), "range 1..3");
    let stopped = second.stop();
    assert!(stopped.success(), "clean exit on SIGTERM, got {stopped}");

    let store = Store::open(&data).expect("store reopens");
    let jobs = store.jobs().expect("jobs");
    assert_eq!(jobs.len(), 5, "no job lost or added: {jobs:?}");
    assert!(
        jobs.iter().all(|j| j.state == JobState::Done),
        "every job done: {jobs:?}"
    );
    for j in &jobs {
        let max = if j.kind == JobKind::Aggregate
            && j.batch_number == 1
            && j.step.is_some_and(|s| s.end == 4)
        {
            2
        } else {
            1
        };
        assert!(
            (1..=max).contains(&j.attempts),
            "job {} ({:?} from batch {}): expected 1..={max} attempts, got {}",
            j.id,
            j.kind,
            j.batch_number,
            j.attempts
        );
    }
    assert_eq!(
        store.proof_count().expect("count"),
        3,
        "one proof per batch"
    );
    assert_eq!(
        store.range_proof_count().expect("count"),
        2,
        "one proof per step"
    );
    assert_eq!(
        store.range_proof(1, 2).expect("read"),
        Some(step_proof),
        "step 1..2's proof is the one accepted before the kill"
    );
}

fn keep(keep_through: u64) -> v1::RevertBatchesRequest {
    v1::RevertBatchesRequest { keep_through }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revert_drops_unproven_batches_with_their_ranges_and_other_batches_then_prove_in_their_place(
) {
    use rand::SeedableRng;
    use zkr_circuits::executor::execute;
    use zkr_circuits::state::StateView;
    use zkr_circuits::workload::{random_batch, OPERATOR};

    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_on(dir.path(), 60_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(4, 23);
    let values = executed_values(&subs);
    submit_all(&mut seq, &subs[..2]).await;
    seq.seal_range(v1::SealRangeRequest {})
        .await
        .expect("range 1..2 sealed");
    submit_all(&mut seq, &subs[2..]).await;
    seq.seal_range(v1::SealRangeRequest {})
        .await
        .expect("range 3..4 sealed");

    // Only the admin role reverts; refusals change nothing.
    let mut as_sequencer = served.admin(SEQ_TOKEN).await;
    expect_code(
        as_sequencer.revert_batches(keep(2)).await,
        Code::Unauthenticated,
        "a revert with the sequencer's token",
    );
    let mut admin = served.admin(ADMIN_TOKEN).await;
    let msg = expect_code(
        admin.revert_batches(keep(3)).await,
        Code::FailedPrecondition,
        "a revert into the middle of a sealed range",
    );
    assert!(
        msg.contains("inside sealed range 3..4"),
        "expected the range named, got: {msg}"
    );
    let msg = expect_code(
        admin.revert_batches(keep(5)).await,
        Code::InvalidArgument,
        "a revert to a batch never accepted",
    );
    assert!(msg.contains("last accepted batch is 4"), "message: {msg}");
    assert_eq!(
        served.coord.store().last_batch().expect("store"),
        4,
        "refused reverts keep every batch"
    );

    let out = admin
        .revert_batches(keep(2))
        .await
        .expect("revert to batch 2")
        .into_inner();
    assert_eq!(
        (out.dropped, out.ranges.clone(), out.jobs),
        (
            Some(v1::BatchRange { first: 3, last: 4 }),
            vec![v1::BatchRange { first: 3, last: 4 }],
            3
        ),
        "dropped: batches 3..4, their range and its jobs (two batch jobs, one step)"
    );
    let root = StateView::new(served.coord.store().state())
        .root()
        .expect("root");
    assert_eq!(root, values[1].new_root, "the state is batch 2's again");
    assert_eq!(out.root, root_to_bytes(&root), "the root in the response");
    expect_code(
        seq.get_batch(v1::GetBatchRequest { batch_number: 3 }).await,
        Code::NotFound,
        "a dropped batch",
    );
    expect_code(
        seq.get_range(v1::GetRangeRequest { batch_number: 3 }).await,
        Code::NotFound,
        "a dropped range",
    );
    let again = admin
        .revert_batches(keep(2))
        .await
        .expect("a revert to the last batch")
        .into_inner();
    assert_eq!(
        (again.dropped, again.jobs),
        (None, 0),
        "reverting to the last batch drops nothing"
    );

    // Another batch 3 on batch 2's root is accepted, sealed and proven with the kept range.
    let state = served.coord.store().state();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    let other = random_batch(state, 3, OPERATOR, CAPACITY, CHAIN, &mut rng).expect("batch 3");
    assert_ne!(
        other, subs[2].batch,
        "the replacement differs from the dropped batch"
    );
    let exec = execute(state, &other, CAPACITY, CHAIN).expect("it executes");
    seq.submit_batch(v1::SubmitBatchRequest::from(
        &zkr_proto::convert::BatchSubmission {
            batch: other,
            expected_old_root: root,
            claimed_new_root: exec.new_root,
        },
    ))
    .await
    .expect("the replacement batch 3 is accepted");
    seq.seal_range(v1::SealRangeRequest {})
        .await
        .expect("range 3..3 sealed");
    let (stop, worker) = spawn_worker(served.url(), "w");
    let guard = Duration::from_secs(900);
    for (batch, expected) in [
        (1, range_values(&values[..2])),
        (
            3,
            BatchPublicValues {
                old_root: root,
                new_root: exec.new_root,
                commitment: zkr_aggregator::range_commitment(&[exec.commitment]),
            },
        ),
    ] {
        let r = wait_range(&mut seq, batch, guard, "proven range", proven).await;
        let (first, last) = bounds(&r);
        let p = seq
            .get_proof(proof_of(first, last, v1::ProofKind::Aggregate))
            .await
            .expect("range proof served")
            .into_inner();
        check_range_proof(&p, &expected, &format!("range {first}..{last}"));
    }
    let _ = stop.send(true);
    worker.await.expect("worker");
    counts_match_store(&served.coord, "with both ranges proven");

    // Proven batches and steps (done jobs, no longer held in memory) are dropped too.
    let before = served.coord.store().jobs().expect("jobs").len();
    let out = admin
        .revert_batches(keep(2))
        .await
        .expect("revert of the proven range 3..3")
        .into_inner();
    let after = served.coord.store().jobs().expect("jobs").len();
    assert_eq!(
        (out.jobs as usize, before - after),
        (2, 2),
        "expected batch 3's job and its range's step dropped, done as they were"
    );
    counts_match_store(&served.coord, "after dropping done jobs");
    served.stop().await;
}

/// The coordinator's kept counts (jobs by state, ranges by status) equal a walk over its store.
fn counts_match_store(coord: &zkr_prover::coordinator::Coordinator, when: &str) {
    use zkr_prover::store::RangeStatus;
    let store = coord.store();
    let jobs = store.jobs().expect("jobs");
    let of = |f: &dyn Fn(&JobState) -> bool| jobs.iter().filter(|j| f(&j.state)).count() as u64;
    let (kept, _) = coord.job_counts();
    assert_eq!(
        (kept.queued, kept.leased, kept.done, kept.failed),
        (
            of(&|s| *s == JobState::Queued),
            of(&|s| matches!(s, JobState::Leased(_))),
            of(&|s| *s == JobState::Done),
            of(&|s| *s == JobState::Failed)
        ),
        "{when}: job counts (queued, leased, done, failed) kept vs stored"
    );
    let ranges = store.ranges().expect("ranges");
    let walked: Vec<(RangeStatus, u64)> = RangeStatus::ALL
        .into_iter()
        .map(|s| (s, ranges.iter().filter(|r| r.status == s).count() as u64))
        .collect();
    assert_eq!(
        store.range_counts().expect("range counts"),
        walked,
        "{when}: range counts kept vs stored"
    );
}
