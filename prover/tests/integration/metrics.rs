//! The Prometheus endpoint scraped over loopback while a coordinator queues,
//! loses, rejects and accepts proofs: each metric reports what happened.

use std::time::Duration;

use crate::common::process::{http_get, sample};
use crate::common::*;
use tonic::Code;
use zkr_proto::v1;
use zkr_prover::metrics::{self, Metrics};

/// A metric's value, which must be exported.
fn value(text: &str, name: &str) -> f64 {
    sample(text, name).unwrap_or_else(|| panic!("expected {name} in the metrics, got:\n{text}"))
}

/// Checks that each named sample has its expected value.
fn expect_values(text: &str, expected: &[(&str, f64)]) {
    for &(name, want) in expected {
        let got = value(text, name);
        assert_eq!(got, want, "{name}: expected {want}, got {got}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_report_queue_jobs_proofs_and_lease_expiries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = serve_on(dir.path(), 1_000).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind metrics");
    let url = format!("http://{}/metrics", listener.local_addr().expect("addr"));
    let (stop_metrics, stopped) = tokio::sync::oneshot::channel::<()>();
    let endpoint = tokio::spawn(metrics::serve(
        Metrics::start(served.coord.clone()),
        listener,
        async {
            let _ = stopped.await;
        },
    ));

    let mut seq = served.sequencer(SEQ_TOKEN).await;
    for s in submissions(3, 41) {
        seq.submit_batch(v1::SubmitBatchRequest::from(&s))
            .await
            .expect("accepted");
    }
    let (status, text) = http_get(&url).await;
    assert!(status.contains("200 OK"), "expected 200 OK, got {status}");
    expect_values(
        &text,
        &[
            (r#"zkr_queue_depth{kind="batch_proof"}"#, 3.0),
            (r#"zkr_queue_depth{kind="aggregate"}"#, 0.0),
            (r#"zkr_queue_depth{kind="wrap"}"#, 0.0),
            (r#"zkr_ranges{status="aggregating"}"#, 0.0),
            (r#"zkr_jobs{state="queued"}"#, 3.0),
            ("zkr_proofs_accepted_total", 0.0),
        ],
    );

    // A worker takes a job, offers garbage, and vanishes: one rejection, one lapsed lease.
    let mut fleet = served.fleet(WORKER_TOKEN).await;
    let hand = HandWorker::register(&mut fleet).await;
    let (worker_id, worker_id_secret) = (hand.id, hand.secret.clone());
    let job = hand.acquire(&mut fleet, 1_000).await.expect("a job");
    let (_, text) = http_get(&url).await;
    expect_values(
        &text,
        &[
            (r#"zkr_jobs{state="leased"}"#, 1.0),
            (r#"zkr_queue_depth{kind="batch_proof"}"#, 2.0),
        ],
    );
    let garbage = fleet
        .complete_job(v1::CompleteJobRequest {
            worker_id,
            job_id: job.job_id,
            lease_id: job.lease_id.clone(),
            proof: vec![0; 64],
            prove_ms: 1,
            worker_secret: worker_id_secret.clone(),
        })
        .await;
    assert!(
        matches!(&garbage, Err(s) if s.code() == Code::InvalidArgument),
        "garbage proof: expected INVALID_ARGUMENT, got {garbage:?}"
    );
    drop(fleet);

    let (stop_worker, worker) = spawn_worker(served.url(), "metrics");
    wait_proven(&served.coord, 3, Duration::from_secs(1800)).await;
    let _ = stop_worker.send(true);
    let stats = worker.await.expect("worker task");
    assert_eq!(stats.completed, 3, "worker proofs, got {stats:?}");

    let (_, text) = http_get(&url).await;
    // One proof timed per batch: the lease that succeeded, not the one that lapsed.
    expect_values(
        &text,
        &[
            ("zkr_proofs_accepted_total", 3.0),
            ("zkr_proofs_rejected_total", 1.0),
            (r#"zkr_jobs{state="queued"}"#, 0.0),
            (r#"zkr_jobs{state="leased"}"#, 0.0),
            (r#"zkr_jobs{state="done"}"#, 3.0),
            (r#"zkr_jobs{state="failed"}"#, 0.0),
            (r#"zkr_queue_depth{kind="batch_proof"}"#, 0.0),
            ("zkr_proof_duration_seconds_count", 3.0),
            ("zkr_batch_latency_seconds_count", 3.0),
        ],
    );
    let lapsed = value(&text, "zkr_lease_expiries_total");
    assert!(
        lapsed >= 1.0,
        "expected the vanished worker's lease to lapse, got {lapsed} expiries"
    );
    assert!(
        value(&text, "zkr_proof_duration_seconds_sum") > 0.0,
        "proof durations add up to more than 0 s"
    );
    assert!(
        text.ends_with("# EOF\n"),
        "OpenMetrics text ends with # EOF"
    );

    let (status, _) = http_get(&url.replace("/metrics", "/other")).await;
    assert!(
        status.contains("404"),
        "another path: expected 404, got {status}"
    );

    let _ = stop_metrics.send(());
    tokio::time::timeout(Duration::from_secs(5), endpoint)
        .await
        .expect("the endpoint stops when told")
        .expect("endpoint task");
    served.stop().await;
}
