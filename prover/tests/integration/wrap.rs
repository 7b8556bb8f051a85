//! The wrap as a service job: a coordinator holding the wrap's verifying key
//! queues a wrap job after each range's root step (also for ranges sealed
//! before it held the key), leases it only to workers asking for wrap jobs,
//! refuses wrapped proofs that are malformed, off the curve, forged or of
//! another range (and the wrapper's own check refuses the proof for other
//! values), keeps the job and its lease across a restart, and serves
//! the accepted proof with its public input through GetProof.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use ark_ec::AffineRepr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tonic::Code;
use zkr_aggregator::wrap::groth16::{self, EVM_PROOF_BYTES};
use zkr_aggregator::wrap::keys::{KeysDir, Origin};
use zkr_aggregator::wrap::public_input::{public_input_bytes, public_input_of};
use zkr_aggregator::wrap::wrapper::{Wrapper, WrapperError};
use zkr_aggregator::RangeProof;
use zkr_circuits::batch::BatchPublicValues;
use zkr_proto::convert::root_to_bytes;
use zkr_proto::v1;
use zkr_prover::client::{FleetApi, SequencerApi};

/// Long enough that no lease lapses while the test proves the wrap by hand.
const LEASE_MS: u64 = 900_000;

fn expect_code<T: std::fmt::Debug>(r: Result<T, tonic::Status>, code: Code, what: &str) -> String {
    match r {
        Err(s) if s.code() == code => s.message().to_string(),
        other => panic!("{what}: expected {code:?}, got {other:?}"),
    }
}

fn wrap_request(first: u64, last: u64) -> v1::GetProofRequest {
    v1::GetProofRequest {
        target: Some(v1::get_proof_request::Target::Range(v1::BatchRange {
            first,
            last,
        })),
        kind: v1::ProofKind::Wrap as i32,
    }
}

async fn range_of(seq: &mut SequencerApi, batch: u64) -> v1::RangeInfo {
    seq.get_range(v1::GetRangeRequest {
        batch_number: batch,
    })
    .await
    .unwrap_or_else(|e| panic!("expected the range of batch {batch}, got {e}"))
    .into_inner()
}

fn wrap_status(r: &v1::RangeInfo) -> Option<v1::WrapStatus> {
    r.wrap
        .as_ref()
        .map(|w| v1::WrapStatus::try_from(w.status).unwrap_or(v1::WrapStatus::Unspecified))
}

/// Seals the open range and waits (with a plonky2-only worker) until its range proof is stored.
async fn seal_and_aggregate(served: &Served, seq: &mut SequencerApi, first: u64, last: u64) {
    let sealed = seq
        .seal_range(v1::SealRangeRequest {})
        .await
        .expect("the open range seals")
        .into_inner();
    let bounds = sealed.range.map(|r| (r.first, r.last));
    assert_eq!(bounds, Some((first, last)), "expected the sealed range");
    let (stop, worker) = spawn_worker(served.url(), "plonky2");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(900);
    loop {
        let r = range_of(seq, first).await;
        if r.status == v1::RangeStatus::Proven as i32 {
            break;
        }
        assert!(
            r.status == v1::RangeStatus::Aggregating as i32,
            "expected range {first}..{last} to aggregate, got {r:?}"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected range {first}..{last} proven in time, got {r:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(true);
    let stats = worker.await.expect("worker task");
    assert_eq!(stats.failed, 0, "expected no failed job, got {stats:?}");
}

async fn register_wrap_worker(fleet: &mut FleetApi) -> (u64, Vec<u8>) {
    let registered = fleet
        .register_worker(v1::RegisterWorkerRequest {
            name: "wrap-by-hand".into(),
            capabilities: Some(v1::Capabilities {
                backends: vec![v1::Backend::Cpu as i32],
                job_kinds: vec![v1::JobKind::Wrap as i32],
                max_parallel_jobs: 2,
            }),
        })
        .await
        .expect("registered")
        .into_inner();
    (registered.worker_id, registered.worker_secret)
}

async fn acquire(fleet: &mut FleetApi, worker_id: u64, secret: &[u8]) -> Option<v1::Job> {
    fleet
        .acquire_job(v1::AcquireJobRequest {
            worker_id,
            wait_ms: 500,
            worker_secret: secret.to_vec(),
        })
        .await
        .expect("acquire answers")
        .into_inner()
        .job
}

fn completion(worker: &(u64, Vec<u8>), job: &v1::Job, proof: Vec<u8>) -> v1::CompleteJobRequest {
    v1::CompleteJobRequest {
        worker_id: worker.0,
        job_id: job.job_id,
        lease_id: job.lease_id.clone(),
        proof,
        prove_ms: 1,
        worker_secret: worker.1.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ranges_are_wrapped_checked_served_and_their_wrap_jobs_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let subs = submissions(3, 61);
    let values = executed_values(&subs);
    let (first_range, second_range) = (range_values(&values[..2]), range_values(&values[2..]));

    // The wrap's keys (insecure dev keys: those the `wrap_cli` test made when
    // it ran first in this build, else a setup of its own), and a
    // verifier-only copy on disk for the coordinator.
    let wrapper = tokio::task::spawn_blocking(|| {
        let shared = KeysDir::new(shared_wrap_keys());
        Wrapper::load(circuits().aggregation(), &shared, true).unwrap_or_else(|_| {
            Wrapper::setup_insecure_dev(
                circuits().aggregation(),
                &mut ChaCha20Rng::seed_from_u64(6),
            )
            .expect("dev setup")
        })
    })
    .await
    .expect("setup task");
    let wrapper = Arc::new(wrapper);
    let keys = KeysDir::new(dir.path().join("keys"));
    keys.write(
        wrapper.circuit_id(),
        Origin::InsecureDev,
        None,
        wrapper.verifying_key(),
    )
    .expect("verifying key written");
    let verifier = Arc::new(
        Wrapper::load(circuits().aggregation(), &keys, false).expect("verifying key loads"),
    );

    // 1. A coordinator without the keys: range 1..2 is proven but not wrapped.
    let served = serve_on(&data, LEASE_MS).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    for s in &subs[..2] {
        seq.submit_batch(v1::SubmitBatchRequest::from(s))
            .await
            .expect("batch accepted");
    }
    seal_and_aggregate(&served, &mut seq, 1, 2).await;
    assert_eq!(
        wrap_status(&range_of(&mut seq, 1).await),
        None,
        "expected no wrap for a range sealed without the wrap's keys"
    );
    let why = expect_code(
        seq.get_proof(wrap_request(1, 2)).await,
        Code::FailedPrecondition,
        "wrapped proof of a range sealed without wrap keys",
    );
    assert!(
        why.contains("not wrapped") && why.contains("--wrap-keys"),
        "expected the refusal to say the range is not wrapped and how to wrap it, got {why:?}"
    );
    served.stop().await;

    // 2. Restarted with the keys: range 1..2 gets its wrap job; range 3..3 gets one when sealed.
    let served = serve_with(&data, LEASE_MS, 0, Some(verifier.clone())).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    assert_eq!(
        wrap_status(&range_of(&mut seq, 1).await),
        Some(v1::WrapStatus::Queued),
        "expected range 1..2's wrap queued once the coordinator holds the keys"
    );
    seq.submit_batch(v1::SubmitBatchRequest::from(&subs[2]))
        .await
        .expect("batch 3 accepted");
    seal_and_aggregate(&served, &mut seq, 3, 3).await;
    assert_eq!(
        wrap_status(&range_of(&mut seq, 3).await),
        Some(v1::WrapStatus::Queued),
        "expected range 3..3's wrap queued at sealing, ready once its range proof is in"
    );

    // Wrap jobs go only to a worker that asks for them, oldest range first,
    // with the range proof as witness.
    let mut fleet = served.fleet(WORKER_TOKEN).await;
    let plonky2 = HandWorker::register(&mut fleet).await;
    let (plonky2_only, plonky2_only_secret) = (plonky2.id, plonky2.secret);
    assert!(
        acquire(&mut fleet, plonky2_only, &plonky2_only_secret)
            .await
            .is_none(),
        "expected no wrap job for a worker that did not ask for wrap jobs"
    );
    let hand = register_wrap_worker(&mut fleet).await;
    let job_a = acquire(&mut fleet, hand.0, &hand.1)
        .await
        .expect("range 1..2's wrap job");
    let job_b = acquire(&mut fleet, hand.0, &hand.1)
        .await
        .expect("range 3..3's wrap job");
    for (job, (first, last)) in [(&job_a, (1, 2)), (&job_b, (3, 3))] {
        assert_eq!(
            (job.kind, job.target),
            (
                v1::JobKind::Wrap as i32,
                Some(v1::job::Target::Range(v1::BatchRange { first, last }))
            ),
            "expected the wrap job of range {first}..{last}"
        );
    }
    let range = RangeProof::from_bytes(&job_a.witness, circuits().aggregation())
        .expect("the witness is the range proof");
    assert_eq!(
        range.public_values().expect("public values"),
        first_range,
        "expected the witness to be range 1..2's range proof"
    );
    let info = range_of(&mut seq, 1).await;
    let wrap = info.wrap.clone().expect("wrap info");
    assert_eq!(
        (wrap_status(&info), wrap.attempts, wrap.job_id),
        (Some(v1::WrapStatus::Proving), 1, job_a.job_id),
        "expected range 1..2's wrap proving, first attempt"
    );

    // The wrap of range 1..2, proven by hand as a worker would.
    let w = wrapper.clone();
    let wrapped = tokio::task::spawn_blocking(move || {
        w.prove(
            circuits().aggregation(),
            &range,
            &mut ChaCha20Rng::seed_from_u64(7),
        )
        .expect("range 1..2 wraps")
    })
    .await
    .expect("prover task");
    let good = groth16::proof_to_evm(&wrapped.proof).to_vec();

    // The wrapper's own check: the proof states range 1..2's values, and
    // verifies for them only; its EVM encoding decodes to the same proof.
    assert_eq!(
        (wrapped.values, wrapped.public_input),
        (first_range, public_input_of(&first_range)),
        "the wrapped proof's values and public input, expected range 1..2's"
    );
    wrapper
        .verify(&wrapped)
        .expect("the wrapped proof verifies");
    let mut other = wrapped.clone();
    other.values.new_root = values[2].new_root;
    assert!(
        matches!(wrapper.verify(&other), Err(WrapperError::Groth16(_))),
        "the proof verified for another new root"
    );
    let mut other = wrapped.clone();
    other.values.commitment[31] ^= 1;
    assert!(
        matches!(wrapper.verify(&other), Err(WrapperError::Groth16(_))),
        "the proof verified for another commitment"
    );
    assert_eq!(
        groth16::evm_to_proof(&good).expect("the EVM encoding decodes"),
        wrapped.proof,
        "EVM encoding round trip"
    );

    // Refused, each leaving the job leased: a short proof, a point off the
    // curve, a forged proof (A negated: on the curve, the pairing fails) and a
    // valid proof of another range.
    let mut off_curve = good.clone();
    off_curve[EVM_PROOF_BYTES - 1] ^= 1;
    let mut forged_proof = wrapped.proof;
    forged_proof.a = (-forged_proof.a.into_group()).into();
    let forged = groth16::proof_to_evm(&forged_proof).to_vec();
    for (job, bytes, expected, what) in [
        (&job_a, good[..200].to_vec(), "256 bytes", "a short proof"),
        (&job_a, off_curve, "proof.C", "a point off the curve"),
        (
            &job_a,
            forged,
            "does not prove range 1..2",
            "a forged proof",
        ),
        (
            &job_b,
            good.clone(),
            "does not prove range 3..3",
            "range 1..2's proof for range 3..3",
        ),
    ] {
        let why = expect_code(
            fleet.complete_job(completion(&hand, job, bytes)).await,
            Code::InvalidArgument,
            what,
        );
        assert!(
            why.contains(expected),
            "{what}: expected the refusal to mention {expected:?}, got {why:?}"
        );
    }

    // 3. The coordinator goes down with both wrap jobs leased and comes back:
    // the jobs, their leases and the ranges' wrap state are as they were.
    served.stop().await;
    let served = serve_with(&data, LEASE_MS, 0, Some(verifier.clone())).await;
    let mut seq = served.sequencer(SEQ_TOKEN).await;
    let mut fleet = served.fleet(WORKER_TOKEN).await;
    for first in [1, 3] {
        assert_eq!(
            wrap_status(&range_of(&mut seq, first).await),
            Some(v1::WrapStatus::Proving),
            "expected the wrap of the range from {first} still leased after the restart"
        );
    }
    fleet
        .complete_job(completion(&hand, &job_a, good.clone()))
        .await
        .expect("the wrap of range 1..2 is accepted on the lease held across the restart");

    let info = range_of(&mut seq, 1).await;
    assert_eq!(
        (
            v1::RangeStatus::try_from(info.status).ok(),
            wrap_status(&info)
        ),
        (Some(v1::RangeStatus::Proven), Some(v1::WrapStatus::Proven)),
        "expected range 1..2 proven and wrapped"
    );
    let p = seq
        .get_proof(wrap_request(1, 2))
        .await
        .expect("the wrapped proof is served")
        .into_inner();
    let expected_input = public_input_bytes(&public_input_of(&first_range));
    assert_eq!(p.kind, v1::ProofKind::Wrap as i32, "expected kind WRAP");
    assert_eq!(p.proof, good, "expected the accepted proof's bytes");
    assert_eq!(
        p.public_input, expected_input,
        "expected the public input recomputed from the batches"
    );
    assert_eq!(
        (p.old_root, p.new_root, p.commitment),
        (
            root_to_bytes(&first_range.old_root),
            root_to_bytes(&first_range.new_root),
            first_range.commitment.to_vec()
        ),
        "expected the range's public values"
    );
    let served_proof = groth16::evm_to_proof(&p.proof).expect("the served proof decodes");
    verifier
        .verify_values(&served_proof, &first_range)
        .expect("the served proof verifies for the batches' values");
    let other = BatchPublicValues {
        commitment: second_range.commitment,
        ..first_range
    };
    assert!(
        verifier.verify_values(&served_proof, &other).is_err(),
        "expected the served proof to fail for another commitment"
    );

    // A wrap given up for good fails the wrap only: range 3..3 stays proven.
    let requeued = fleet
        .fail_job(v1::FailJobRequest {
            worker_id: hand.0,
            job_id: job_b.job_id,
            lease_id: job_b.lease_id.clone(),
            error: "test gives up".into(),
            retryable: false,
            worker_secret: hand.1.clone(),
        })
        .await
        .expect("failure recorded")
        .into_inner()
        .requeued;
    assert!(!requeued, "expected a non-retryable failure not requeued");
    let info = range_of(&mut seq, 3).await;
    assert_eq!(
        (
            v1::RangeStatus::try_from(info.status).ok(),
            wrap_status(&info)
        ),
        (Some(v1::RangeStatus::Proven), Some(v1::WrapStatus::Failed)),
        "expected range 3..3 proven with its wrap failed"
    );
    let why = expect_code(
        seq.get_proof(wrap_request(3, 3)).await,
        Code::FailedPrecondition,
        "wrapped proof of a range whose wrap failed",
    );
    assert!(
        why.contains("wrap failed") && why.contains("test gives up"),
        "expected the refusal to give the wrap's error, got {why:?}"
    );
    served.stop().await;
}
