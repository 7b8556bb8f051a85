//! The coordinator through real gRPC on loopback: submission rules, proving by
//! workers, lease expiry, forged completions and authentication.

use std::time::Duration;

use crate::common::*;
use tonic::Code;
use zkr_circuits::batch::BatchProof;
use zkr_circuits::state::StateView;
use zkr_circuits::workload::workload_key;
use zkr_proto::convert::root_to_bytes;
use zkr_proto::v1;
use zkr_prover::store::JobState;

fn request(s: &zkr_proto::convert::BatchSubmission) -> v1::SubmitBatchRequest {
    s.into()
}

async fn expect_code<T: std::fmt::Debug>(
    r: Result<T, tonic::Status>,
    code: Code,
    what: &str,
) -> String {
    match r {
        Err(s) if s.code() == code => s.message().to_string(),
        other => panic!("{what}: expected {code:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_submissions_are_refused_and_leave_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(3, 1);
    seq.submit_batch(request(&subs[0]))
        .await
        .expect("batch 1 accepted");
    let root = StateView::new(served.coord.store().state()).root().unwrap();
    // Each refusal: the status code, a message naming the problem, and the store as it was.
    let refused = |r: Result<tonic::Response<v1::SubmitBatchResponse>, tonic::Status>,
                   code: Code,
                   needle: &str,
                   what: &str| {
        let msg = match r {
            Err(s) if s.code() == code => s.message().to_string(),
            other => panic!("{what}: expected {code:?}, got {other:?}"),
        };
        assert!(
            msg.contains(needle),
            "{what}: expected a message with {needle:?}, got {msg:?}"
        );
        assert_eq!(
            served.coord.store().last_batch().unwrap(),
            1,
            "{what}: last batch"
        );
        assert_eq!(
            StateView::new(served.coord.store().state()).root().unwrap(),
            root,
            "{what}: root"
        );
    };

    refused(
        seq.submit_batch(request(&subs[2])).await,
        Code::FailedPrecondition,
        "batch 3 out of order: batch 2 is next",
        "gap",
    );

    let mut wrong_root = request(&subs[1]);
    wrong_root.expected_old_root = root_to_bytes(&subs[1].claimed_new_root);
    refused(
        seq.submit_batch(wrong_root).await,
        Code::FailedPrecondition,
        "expected pre-state root",
        "wrong pre-root",
    );

    let mut wrong_claim = request(&subs[1]);
    wrong_claim.claimed_new_root = root_to_bytes(&subs[1].expected_old_root);
    refused(
        seq.submit_batch(wrong_claim).await,
        Code::InvalidArgument,
        "claimed post-state root",
        "wrong post-root",
    );

    use zkr_circuits::ops::{signing, Operation};
    let transfer_at = subs[1]
        .batch
        .operations
        .iter()
        .position(|o| matches!(o, Operation::Transfer(_)))
        .expect("workload batch 2 has a transfer");
    // A nonce ahead of the account's, signed by its key: the nonce rule refuses it.
    let mut invalid = subs[1].clone();
    let op = &mut invalid.batch.operations[transfer_at];
    if let Operation::Transfer(t) = op {
        t.nonce += 7;
    }
    let from = match op {
        Operation::Transfer(t) => t.from,
        _ => unreachable!("found as a transfer"),
    };
    signing::sign(op, &workload_key(from), CHAIN).expect("a transfer signs");
    refused(
        seq.submit_batch(request(&invalid)).await,
        Code::InvalidArgument,
        "nonce",
        "invalid op",
    );

    // The same transfer signed by another key.
    let mut forged = subs[1].clone();
    let op = &mut forged.batch.operations[transfer_at];
    signing::sign(op, &workload_key(from + 1), CHAIN).expect("a transfer signs");
    refused(
        seq.submit_batch(request(&forged)).await,
        Code::InvalidArgument,
        "signature not valid",
        "forged signature",
    );

    let mut oversized = request(&subs[1]);
    for op in oversized.operations.iter_mut() {
        if let Some(v1::operation::Op::Transfer(t)) = &mut op.op {
            t.signature = vec![7u8; MAX_MESSAGE];
        }
    }
    // A client allowing bigger messages, so that the server's limit is what refuses it.
    let ch = zkr_prover::client::channel(&served.url(), None)
        .await
        .unwrap();
    let mut big = zkr_prover::client::sequencer(ch, SEQ_TOKEN, 4 * MAX_MESSAGE).unwrap();
    let r = big.submit_batch(oversized).await;
    let code = r.as_ref().err().map(|s| s.code());
    assert!(
        matches!(code, Some(Code::OutOfRange | Code::ResourceExhausted)),
        "oversized: expected OUT_OF_RANGE or RESOURCE_EXHAUSTED, got {r:?}"
    );
    refused(r, code.unwrap_or(Code::Ok), "", "oversized");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resubmission_is_idempotent_and_other_content_already_exists() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(2, 2);
    let first = seq
        .submit_batch(request(&subs[0]))
        .await
        .expect("accepted")
        .into_inner();
    assert!(first.accepted_now);
    let again = seq
        .submit_batch(request(&subs[0]))
        .await
        .expect("idempotent")
        .into_inner();
    assert!(
        !again.accepted_now,
        "identical resubmission is not accepted twice"
    );
    assert_eq!(again.commitment, first.commitment);
    let mut other = request(&subs[0]);
    other.operations.pop();
    expect_code(
        seq.submit_batch(other).await,
        Code::AlreadyExists,
        "different content",
    )
    .await;
    assert_eq!(served.coord.job_counts().0.queued, 1, "one job for batch 1");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn worker_proves_batches_and_the_proof_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    for s in submissions(3, 3) {
        seq.submit_batch(request(&s)).await.expect("accepted");
    }
    let (stop, worker) = spawn_worker(served.url(), "w1");
    wait_proven(&served.coord, 3, Duration::from_secs(1800)).await;
    let _ = stop.send(true);
    assert_eq!(worker.await.unwrap().completed, 3);

    let p = seq
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::BatchNumber(2)),
            kind: v1::ProofKind::Unspecified as i32,
        })
        .await
        .expect("proof of batch 2")
        .into_inner();
    let proof = BatchProof::from_bytes(&p.proof, circuits().batch()).expect("decodes");
    circuits()
        .batch()
        .verify(&proof)
        .expect("served proof verifies");
    let info = seq
        .get_batch(v1::GetBatchRequest { batch_number: 2 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.status, v1::BatchStatus::Proven as i32);
    assert_eq!(
        proof.public_values().unwrap().commitment.to_vec(),
        info.commitment
    );
    // GetBatch carries the pubdata L1 commits: the one the commitment hashes.
    assert_eq!(
        info.pubdata.len(),
        zkr_circuits::ops::pubdata::pubdata_len(CAPACITY),
        "pubdata length of batch 2"
    );
    assert_eq!(
        zkr_circuits::gadgets::sha256::sha256(&info.pubdata).to_vec(),
        info.commitment,
        "SHA-256 of the served pubdata vs the commitment"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_proof_three_times_leaves_the_job_queued_and_another_worker_completes()
{
    let dir = tempfile::tempdir().unwrap();
    // Short leases so that the dead worker's lapse soon.
    let served = serve_on(dir.path(), 1_500).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let s = submissions(1, 4);
    seq.submit_batch(request(&s[0])).await.expect("accepted");

    // A worker takes the job and dies without a word, three times over. Each
    // poll waits far longer than the backoff: it must wake when the backoff ends.
    let mut job_id = None;
    for attempt in 1..=3u32 {
        let mut dead = served.fleet(WORKER_TOKEN).await;
        let registered = dead
            .register_worker(v1::RegisterWorkerRequest::default())
            .await
            .unwrap()
            .into_inner();
        let (id, id_secret) = (registered.worker_id, registered.worker_secret);
        let job = dead
            .acquire_job(v1::AcquireJobRequest {
                worker_id: id,
                wait_ms: 600_000,
                worker_secret: id_secret.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .job
            .expect("the dead worker got the job");
        assert_eq!(job.attempt, attempt, "attempt {attempt}");
        job_id = Some(job.job_id);
        drop(dead);
        // Wait for the lapse to be recorded (the sweeper runs every lease).
        let guard = std::time::Instant::now() + Duration::from_secs(600);
        loop {
            let info = seq
                .get_batch(v1::GetBatchRequest { batch_number: 1 })
                .await
                .expect("batch 1")
                .into_inner();
            if info.status == v1::BatchStatus::Accepted as i32 && info.error.contains("expired") {
                break;
            }
            assert_ne!(
                info.status,
                v1::BatchStatus::Failed as i32,
                "attempt {attempt}: a lapsed lease must never fail the batch: {}",
                info.error
            );
            assert!(
                std::time::Instant::now() < guard,
                "attempt {attempt}: the lease never lapsed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let job_id = job_id.expect("a job");
    let job = served
        .coord
        .store()
        .jobs()
        .expect("jobs")
        .into_iter()
        .find(|j| j.id == job_id)
        .expect("the job is stored");
    assert_eq!(
        job.state,
        JobState::Queued,
        "expected the job queued after three lapses, got {:?}",
        job.state
    );

    let (stop, worker) = spawn_worker(served.url(), "survivor");
    wait_proven(&served.coord, 1, Duration::from_secs(1800)).await;
    let _ = stop.send(true);
    assert_eq!(worker.await.unwrap().completed, 1);
    // At least: the survivor's own short lease may lapse on a slow machine.
    let attempts = served.coord.job_attempts(job_id);
    assert!(
        attempts >= 4,
        "expected three lapses, then the survivor: at least 4 attempts, got {attempts}"
    );
    assert!(
        served
            .coord
            .counters
            .lease_expiries
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 3
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_completions_are_refused_and_the_job_stays_leased() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 60_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(2, 5);
    for s in &subs {
        seq.submit_batch(request(s)).await.expect("accepted");
    }
    let mut fleet = served.fleet(WORKER_TOKEN).await;
    let registered = fleet
        .register_worker(v1::RegisterWorkerRequest::default())
        .await
        .unwrap()
        .into_inner();
    let (id, id_secret) = (registered.worker_id, registered.worker_secret);
    let acquire = |f: &mut zkr_prover::client::FleetApi| {
        let mut f = f.clone();
        let secret = id_secret.clone();
        async move {
            f.acquire_job(v1::AcquireJobRequest {
                worker_id: id,
                wait_ms: 1000,
                worker_secret: secret,
            })
            .await
            .unwrap()
            .into_inner()
            .job
            .expect("a job")
        }
    };
    let job1 = acquire(&mut fleet).await;
    let job2 = acquire(&mut fleet).await;
    // An honest proof of batch 2, offered for batch 1's job.
    let w2 = zkr_circuits::witness::BatchWitness::from_bytes(&job2.witness).unwrap();
    let proof2 = circuits()
        .batch()
        .prove(&w2)
        .expect("batch 2 proves")
        .to_bytes();
    let complete = |job: &v1::Job, proof: Vec<u8>| v1::CompleteJobRequest {
        worker_id: id,
        job_id: job.job_id,
        lease_id: job.lease_id.clone(),
        proof,
        prove_ms: 1,
        worker_secret: id_secret.clone(),
    };
    let msg = expect_code(
        fleet.complete_job(complete(&job1, proof2.clone())).await,
        Code::InvalidArgument,
        "other batch's proof",
    )
    .await;
    assert!(msg.contains("proof rejected"), "message: {msg}");
    expect_code(
        fleet.complete_job(complete(&job1, vec![1, 2, 3])).await,
        Code::InvalidArgument,
        "garbage",
    )
    .await;
    let mut flipped = proof2.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    expect_code(
        fleet.complete_job(complete(&job2, flipped)).await,
        Code::InvalidArgument,
        "altered bytes",
    )
    .await;
    // Another worker cannot complete a job it does not hold, even with a good proof.
    let registered = fleet
        .register_worker(v1::RegisterWorkerRequest::default())
        .await
        .unwrap()
        .into_inner();
    let (other, other_secret) = (registered.worker_id, registered.worker_secret);
    let mut stolen = complete(&job2, proof2.clone());
    stolen.worker_id = other;
    stolen.worker_secret = other_secret.clone();
    let not_held = expect_code(
        fleet.complete_job(stolen.clone()).await,
        Code::FailedPrecondition,
        "not the holder",
    )
    .await;
    // Refused alike whether the job exists or not: no probing others' jobs.
    let mut no_such_job = stolen.clone();
    no_such_job.job_id = 999;
    let not_a_job = expect_code(
        fleet.complete_job(no_such_job).await,
        Code::FailedPrecondition,
        "a job that does not exist",
    )
    .await;
    assert_eq!(
        not_held.replace(&format!("job {}", job2.job_id), "job J"),
        not_a_job.replace("job 999", "job J"),
        "expected one answer for another worker's job and for no job"
    );
    let mut fail_other = v1::FailJobRequest {
        worker_id: other,
        job_id: job2.job_id,
        lease_id: job2.lease_id.clone(),
        error: "give it up".into(),
        retryable: false,
        worker_secret: other_secret.clone(),
    };
    expect_code(
        fleet.fail_job(fail_other.clone()).await,
        Code::FailedPrecondition,
        "failing another worker's job",
    )
    .await;
    // Another worker's id with this worker's secret, or an unknown id, is not that worker.
    stolen.worker_secret = id_secret.clone();
    expect_code(
        fleet.complete_job(stolen).await,
        Code::PermissionDenied,
        "the second worker's id with the first worker's secret",
    )
    .await;
    fail_other.worker_secret = id_secret.clone();
    expect_code(
        fleet.fail_job(fail_other).await,
        Code::PermissionDenied,
        "a failure report under another worker's id",
    )
    .await;
    expect_code(
        fleet
            .acquire_job(v1::AcquireJobRequest {
                worker_id: 77,
                wait_ms: 0,
                worker_secret: id_secret.clone(),
            })
            .await,
        Code::PermissionDenied,
        "an unknown worker id",
    )
    .await;
    let beat = fleet
        .heartbeat(v1::HeartbeatRequest {
            worker_id: other,
            lease_ids: vec![job1.lease_id.clone(), job2.lease_id.clone()],
            worker_secret: other_secret.clone(),
        })
        .await
        .expect("heartbeat answers")
        .into_inner();
    assert!(
        beat.leases.iter().all(|l| !l.valid),
        "expected another worker's leases not renewed, got {beat:?}"
    );

    assert_eq!(
        served.coord.job_counts().0.leased,
        2,
        "both jobs stay leased"
    );
    assert_eq!(
        served.coord.store().proof_count().unwrap(),
        0,
        "nothing stored"
    );
    fleet
        .complete_job(complete(&job2, proof2.clone()))
        .await
        .expect("the holder's honest proof");
    expect_code(
        fleet.complete_job(complete(&job2, proof2)).await,
        Code::FailedPrecondition,
        "second completion",
    )
    .await;
    assert_eq!(served.coord.store().proof_count().unwrap(), 1);
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_without_the_roles_token_are_unauthenticated() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let s = submissions(1, 6);
    let ch = zkr_prover::client::channel(&served.url(), None)
        .await
        .unwrap();
    let mut bare = zkr_proto::v1::sequencer_client::SequencerClient::new(ch.clone());
    expect_code(
        bare.submit_batch(request(&s[0])).await,
        Code::Unauthenticated,
        "no token",
    )
    .await;
    let mut as_worker = served.sequencer(WORKER_TOKEN).await;
    expect_code(
        as_worker.submit_batch(request(&s[0])).await,
        Code::Unauthenticated,
        "worker token on sequencer API",
    )
    .await;
    let mut as_sequencer = served.fleet(SEQ_TOKEN).await;
    expect_code(
        as_sequencer
            .register_worker(v1::RegisterWorkerRequest::default())
            .await,
        Code::Unauthenticated,
        "sequencer token on worker API",
    )
    .await;
    assert_eq!(
        served.coord.store().last_batch().unwrap(),
        0,
        "nothing accepted"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn watch_streams_status_changes_until_proven() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let mut stream = seq
        .watch_batches(v1::WatchBatchesRequest { from_batch: 1 })
        .await
        .unwrap()
        .into_inner();
    let s = submissions(1, 7);
    seq.submit_batch(request(&s[0])).await.unwrap();
    let (stop, _w) = spawn_worker(served.url(), "w");
    let mut seen = Vec::new();
    while let Ok(Some(Ok(info))) = tokio::time::timeout(Duration::from_secs(60), stream.message())
        .await
        .map(|m| m.transpose())
    {
        seen.push(info.status);
        if info.status == v1::BatchStatus::Proven as i32 {
            break;
        }
    }
    let _ = stop.send(true);
    assert_eq!(
        seen,
        vec![
            v1::BatchStatus::Accepted as i32,
            v1::BatchStatus::Proving as i32,
            v1::BatchStatus::Proven as i32
        ],
        "status changes of batch 1"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_l1_checked_a_deposit_l1_did_not_queue_is_refused_naming_the_field() {
    use alloy::primitives::B256;
    use alloy::providers::Provider;
    use zkr_circuits::ops::Operation;
    use zkr_circuits::workload::workload_pubkey;
    use zkr_contracts::{Anvil, EvmVerifyingKey, RollupDelays, Word};
    use zkr_prover::deposit_check::L1DepositQueue;
    use zkr_prover::settlement::{deploy_rollup, DemoDepositor, VerifierKeys};

    // The genesis deposits reach thousands of ether each.
    let anvil = Anvil::start_with_args(&["--balance", "1000000000"])
        .await
        .expect("anvil starts (npm ci in verifier-contracts/)");
    let provider = anvil.provider();
    let accounts = provider.get_accounts().await.expect("anvil's accounts");
    // The verifier plays no part here: a key of zero words makes one.
    let zero = Word([0; 32]);
    let vk = EvmVerifyingKey {
        alpha: [zero; 2],
        beta: [[zero; 2]; 2],
        gamma: [[zero; 2]; 2],
        delta: [[zero; 2]; 2],
        ic: vec![[zero; 2]; 2],
    };
    let keys = VerifierKeys {
        vk,
        circuit_id: "deposit-check test".into(),
        insecure_dev: true,
    };
    let deployment = deploy_rollup(
        &provider,
        accounts[0],
        &keys,
        CAPACITY,
        B256::repeat_byte(1),
        RollupDelays::default(),
    )
    .await
    .expect("the rollup deploys");
    let subs = submissions(1, 5);
    let genesis = &subs[0];
    DemoDepositor::new(
        provider.clone(),
        accounts[0],
        accounts[1],
        deployment.rollup,
    )
    .deposit(std::slice::from_ref(&genesis.batch))
    .await
    .expect("the genesis deposits are made on L1");
    let queued = genesis.batch.operations.len() as u64;

    let dir = tempfile::tempdir().unwrap();
    let queue = L1DepositQueue::new(provider.clone(), deployment.rollup, deployment.block);
    let served = serve_checking_l1(dir.path(), queue).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    // Each forgery of the first deposit is refused before execution, naming
    // the field and both values; nothing is stored.
    let forge = |change: &dyn Fn(&mut zkr_circuits::ops::Deposit)| {
        let mut s = genesis.clone();
        if let Operation::Deposit(d) = &mut s.batch.operations[0] {
            change(d);
        }
        s
    };
    let amount = match &genesis.batch.operations[0] {
        Operation::Deposit(d) => d.amount,
        other => panic!("expected the genesis batch to start with a deposit, got {other:?}"),
    };
    let cases: Vec<(&str, zkr_proto::convert::BatchSubmission, String)> = vec![
        (
            "a wrong amount",
            forge(&|d| d.amount += 1),
            format!("amount is {} but L1 queued {amount}", amount + 1),
        ),
        (
            "another key",
            forge(&|d| d.pubkey = workload_pubkey(1000)),
            "pubkey is 0x".into(),
        ),
        (
            "another account",
            forge(&|d| d.account += 1),
            "account is".into(),
        ),
        (
            "an index L1 never queued",
            forge(&|d| d.priority_index = queued + 5),
            format!("priority index {}, which L1 never queued", queued + 5),
        ),
    ];
    for (what, forged, needle) in cases {
        let msg = expect_code(
            seq.submit_batch(request(&forged)).await,
            Code::InvalidArgument,
            what,
        )
        .await;
        assert!(
            msg.contains(&needle),
            "{what}: expected a message with {needle:?}, got {msg:?}"
        );
        assert_eq!(
            served.coord.store().last_batch().unwrap(),
            0,
            "{what}: nothing accepted"
        );
    }
    seq.submit_batch(request(genesis))
        .await
        .expect("the batch of the deposits L1 queued is accepted");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_data_directory_refuses_another_chain_id_or_capacity_than_it_was_made_for() {
    use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
    use zkr_prover::store::StoreError;

    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 5_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    seq.submit_batch(request(&submissions(1, 3)[0]))
        .await
        .expect("batch 1 accepted");
    served.stop().await;

    let config = |capacity: usize, chain_id: u64| CoordinatorConfig {
        capacity,
        chain_id,
        queue: QueueConfig {
            lease_ms: 5_000,
            retry_ms: 100,
            retry_max_ms: 5_000,
        },
        max_range_batches: 0,
        wrap: None,
    };
    for (what, capacity, chain_id, flag, stored, given) in [
        (
            "another chain id",
            CAPACITY,
            CHAIN + 1,
            "--chain-id",
            CHAIN,
            CHAIN + 1,
        ),
        (
            "another capacity",
            4,
            CHAIN,
            "--capacity",
            CAPACITY as u64,
            4,
        ),
    ] {
        let store = open_store(dir.path()).await;
        match Coordinator::open(store, circuits(), config(capacity, chain_id)) {
            Err(e @ StoreError::SettingMismatch { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(&format!("start it with {flag} {stored}"))
                        && msg.contains(&given.to_string()),
                    "{what}: expected the stored and given values and the flag named, got: {msg}"
                );
            }
            Err(e) => panic!("{what}: expected a setting mismatch, got: {e}"),
            Ok(_) => panic!("{what}: expected the coordinator refused, it opened"),
        }
    }
    let store = open_store(dir.path()).await;
    let coord = Coordinator::open(store, circuits(), config(CAPACITY, CHAIN))
        .expect("the settings it was made with open it");
    assert_eq!(coord.store().last_batch().unwrap(), 1, "batch 1 kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_an_admin_token_every_admin_call_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_without_admin(dir.path()).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    seq.submit_batch(request(&submissions(1, 4)[0]))
        .await
        .expect("batch 1 accepted");
    // No token opens the admin API: not the admin token the tests use, nor the other roles'.
    for token in [ADMIN_TOKEN, SEQ_TOKEN, WORKER_TOKEN] {
        let msg = expect_code(
            served
                .admin(token)
                .await
                .revert_batches(v1::RevertBatchesRequest { keep_through: 0 })
                .await,
            Code::Unauthenticated,
            &format!("a revert with token {token:?} on a coordinator without an admin token"),
        )
        .await;
        assert!(
            msg.contains("admin API: off"),
            "expected the admin API said to be off, got: {msg}"
        );
    }
    assert_eq!(
        served.coord.store().last_batch().unwrap(),
        1,
        "batch 1 kept"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversize_requests_are_refused_by_their_size_and_lose_nothing_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_on(dir.path(), 60_000).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let subs = submissions(2, 8);
    seq.submit_batch(request(&subs[0]))
        .await
        .expect("batch 1 accepted");

    // More operations than the capacity: refused by count, before anything is built.
    let mut long = request(&subs[1]);
    let op = long.operations[0].clone();
    long.operations = vec![op; CAPACITY + 1];
    let msg = expect_code(
        seq.submit_batch(long).await,
        Code::InvalidArgument,
        "capacity + 1 operations",
    )
    .await;
    assert!(
        msg.contains(&format!("{} operations", CAPACITY + 1))
            && msg.contains(&format!("capacity {CAPACITY}")),
        "expected the count and the capacity named, got: {msg}"
    );

    // A flood of empty operations (half a million, 1 MiB) is refused by its
    // size before it is decoded.
    let mut flood = request(&subs[1]);
    flood.operations = vec![v1::Operation { op: None }; 512 * 1024];
    match seq.submit_batch(flood).await {
        Err(s) if matches!(s.code(), Code::OutOfRange | Code::ResourceExhausted) => {}
        other => panic!("a 1 MiB submission: expected it refused by its size, got {other:?}"),
    }

    // A heartbeat naming 100,000 leases is refused before any is looked up.
    let mut fleet = served.fleet(WORKER_TOKEN).await;
    let hand = HandWorker::register(&mut fleet).await;
    let msg = expect_code(
        fleet
            .heartbeat(v1::HeartbeatRequest {
                worker_id: hand.id,
                lease_ids: (1..=100_000u128)
                    .map(|l| l.to_be_bytes().to_vec())
                    .collect(),
                worker_secret: hand.secret.clone(),
            })
            .await,
        Code::InvalidArgument,
        "a heartbeat of 100,000 leases",
    )
    .await;
    assert!(
        msg.contains("100000 leases") && msg.contains("at most 64"),
        "expected the count and the limit named, got: {msg}"
    );

    // Nothing accepted was lost, and the next batch is taken.
    seq.submit_batch(request(&subs[1]))
        .await
        .expect("batch 2 accepted after the refusals");
    assert_eq!(
        served.coord.store().last_batch().expect("last batch"),
        2,
        "expected batches 1 and 2 stored"
    );
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_the_coordinator_does_not_know_registers_again_and_proves() {
    let first = tempfile::tempdir().expect("temp dir");
    let served = serve_on(first.path(), 60_000).await;
    let addr = served.addr;
    let (stop, worker) = spawn_worker(served.url(), "rejoins");
    // The worker is registered once it long-polls for a job.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while served
        .coord
        .store()
        .workers()
        .expect("workers read")
        .is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "hang guard: the worker did not register within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    served.stop().await;

    // A coordinator on a new data directory at the same address knows no
    // worker: the worker's id and secret are refused, and it registers anew.
    let second = tempfile::tempdir().expect("temp dir");
    let served = serve_at(second.path(), addr, 60_000).await;
    let subs = submissions(1, 7);
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    seq.submit_batch(request(&subs[0]))
        .await
        .expect("batch 1 accepted");
    wait_proven(&served.coord, 1, Duration::from_secs(600)).await;
    let _ = stop.send(true);
    let stats = worker.await.expect("worker task");
    assert_eq!(
        stats.completed, 1,
        "expected the re-registered worker to prove batch 1, got {stats:?}"
    );
    let workers = served.coord.store().workers().expect("workers read");
    assert_eq!(
        workers.len(),
        1,
        "expected the worker registered with the new coordinator, got {workers:?}"
    );
    served.stop().await;
}
