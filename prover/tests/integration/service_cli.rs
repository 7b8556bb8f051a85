//! The service through the `zkr` binary alone, as an operator runs it: a
//! coordinator from a config file, batches from `gen-batch` handed over by
//! `submit`, a `worker` process, `seal` aggregating them, and `status` and
//! `proof` reading the results.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::common::process::{
    self, path, run_bounded, succeeded, terminate, text, wait_exit, zkr, CoordinatorProcess,
};
use crate::common::{HandWorker, ADMIN_TOKEN, MAX_MESSAGE, SEQ_TOKEN, WORKER_TOKEN};
use zkr_prover::client;

/// Runs a client command against `url` with the sequencer token, bounded to
/// 120 s (`--verify` builds the circuits; `seal --wait` waits for two steps).
fn client(url: &str, args: &[&str]) -> Output {
    process::client(url, args, Duration::from_secs(120))
}

fn gen_batch(replica: &Path, seed: &str, file: &Path) {
    let mut cmd = zkr();
    cmd.args([
        "gen-batch",
        "--state-dir",
        path(replica),
        "--capacity",
        "8",
        "--seed",
        seed,
    ])
    .args(["-o", path(file)]);
    succeeded(
        &run_bounded(cmd, Duration::from_secs(60), "gen-batch"),
        "gen-batch",
    );
}

#[test]
fn coordinator_refuses_to_start_without_tokens_naming_the_missing_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = zkr();
    cmd.args([
        "coordinator",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "off",
    ])
    .args(["--data-dir", path(&dir.path().join("data"))])
    .env("ZKR_WORKER_TOKEN", WORKER_TOKEN);
    let out = run_bounded(cmd, Duration::from_secs(30), "coordinator without tokens");
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no sequencer token"),
        "expected a refusal naming the sequencer token, got {}: {stderr}",
        out.status
    );
    assert!(
        !dir.path().join("data").exists(),
        "expected nothing created before the settings are valid"
    );
}

#[test]
fn coordinator_refuses_an_l1_deployment_of_another_capacity_before_opening_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deployment = dir.path().join("deployment.json");
    zkr_prover::settlement::Deployment {
        chain_id: 31337,
        verifier: alloy::primitives::Address::repeat_byte(1),
        rollup: alloy::primitives::Address::repeat_byte(2),
        capacity: 4,
        genesis_root: alloy::primitives::B256::ZERO,
        circuit_id: "test".into(),
        deployer: alloy::primitives::Address::repeat_byte(3),
        block: 1,
        delays: zkr_contracts::RollupDelays::default(),
        verifier_gas: 0,
        rollup_gas: 0,
        insecure_dev: true,
    }
    .write(&deployment)
    .expect("deployment written");
    let mut cmd = zkr();
    cmd.args([
        "coordinator",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "off",
        "--capacity",
        "8",
        "--l1-rpc",
        "http://127.0.0.1:1",
    ])
    .args(["--l1-deployment", path(&deployment)])
    .args(["--data-dir", path(&dir.path().join("data"))])
    .env("ZKR_SEQUENCER_TOKEN", SEQ_TOKEN)
    .env("ZKR_WORKER_TOKEN", WORKER_TOKEN);
    let out = run_bounded(
        cmd,
        Duration::from_secs(60),
        "coordinator with a capacity-4 deployment",
    );
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("is for capacity 4, the coordinator runs capacity 8"),
        "expected the deployment's capacity refused, got {}: {stderr}",
        out.status
    );
    assert!(
        !dir.path().join("data").exists(),
        "expected nothing opened before the L1 settings are valid"
    );
}

#[test]
fn submit_worker_status_and_proof_commands_drive_a_configured_coordinator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("coordinator.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"data\"\ncapacity = 8\nlease_ms = 5000\n\
             [tokens]\nsequencer = \"{SEQ_TOKEN}\"\nworker = \"{WORKER_TOKEN}\"\n\
             [metrics]\nlisten = \"off\"\n"
        ),
    )
    .expect("write config");
    let coord = CoordinatorProcess::start_with_config(&config);
    assert!(coord.metrics_url.is_none(), "metrics are off in the file");
    assert!(
        dir.path().join("data").join("zkr.redb").exists(),
        "expected the data directory relative to the config file"
    );
    let url = coord.url();
    let replica = dir.path().join("replica");

    for (n, seed) in [(1, "1"), (2, "2")] {
        let file = dir.path().join(format!("b{n}.json"));
        gen_batch(&replica, seed, &file);
        let out = client(
            &url,
            &["submit", path(&file), "--state-dir", path(&replica)],
        );
        let stdout = succeeded(&out, "submit");
        assert!(
            stdout.contains(&format!("batch {n} accepted")),
            "submit: expected batch {n} accepted, got {stdout}"
        );
    }
    // Refused by the coordinator: the replica is not committed, so batch 3 is still next.
    let b3 = dir.path().join("b3.json");
    gen_batch(&replica, "3", &b3);
    let mut refused = zkr();
    refused
        .args([
            "submit",
            path(&b3),
            "--state-dir",
            path(&replica),
            "--coordinator",
            &url,
        ])
        .env("ZKR_SEQUENCER_TOKEN", WORKER_TOKEN);
    let out = run_bounded(
        refused,
        Duration::from_secs(60),
        "submit with the worker token",
    );
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("Unauthenticated") && stderr.contains("unchanged"),
        "expected the submission refused and the replica unchanged, got: {stderr}"
    );
    let out = client(&url, &["submit", path(&b3), "--state-dir", path(&replica)]);
    succeeded(&out, "submit of batch 3 after the refusal");

    let out = client(
        &url,
        &["proof", "1", "-o", path(&dir.path().join("early.proof"))],
    );
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("not proven yet"),
        "proof before any worker: expected `not proven yet`, got: {stderr}"
    );

    let mut worker = zkr()
        .args(["worker", "--coordinator", &url, "--name", "cli-test"])
        .env("ZKR_WORKER_TOKEN", WORKER_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("zkr worker starts");

    let watched = succeeded(&client(&url, &["status", "3", "--watch"]), "status --watch");
    assert!(
        watched
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("batch 3: proven in")),
        "status 3 --watch: expected it to end when batch 3 is proven, got:\n{watched}"
    );
    let table = succeeded(&client(&url, &["status"]), "status");
    assert!(
        table.contains("3 batches: 3 proven"),
        "status: expected all 3 batches proven, got:\n{table}"
    );
    let proof = dir.path().join("b2.proof");
    let out = succeeded(
        &client(&url, &["proof", "2", "-o", path(&proof), "--verify"]),
        "proof --verify",
    );
    assert!(
        out.contains("verified"),
        "proof --verify: expected `verified`, got {out}"
    );
    let bytes = std::fs::metadata(&proof).map(|m| m.len()).unwrap_or(0);
    assert!(
        bytes > 0,
        "expected a non-empty proof file, got {bytes} bytes"
    );

    let out = client(
        &url,
        &[
            "proof",
            "--range",
            "1..3",
            "-o",
            path(&dir.path().join("r.proof")),
        ],
    );
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no sealed range"),
        "proof of an unsealed range: expected `no sealed range`, got: {stderr}"
    );
    let sealed = succeeded(&client(&url, &["seal", "--wait"]), "seal --wait");
    let lines: Vec<&str> = sealed.lines().collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("range 1..3 sealed: 2 aggregation steps"))
            && lines.last().is_some_and(|l| {
                l.split_whitespace().take(3).collect::<Vec<_>>() == ["1..3", "proven", "2/2"]
            }),
        "seal --wait: expected range 1..3 sealed, then proven, got:\n{sealed}"
    );
    let range_proof = dir.path().join("r.proof");
    let out = succeeded(
        &client(
            &url,
            &[
                "proof",
                "--range",
                "1..3",
                "-o",
                path(&range_proof),
                "--verify",
            ],
        ),
        "proof --range --verify",
    );
    assert!(
        out.contains("range 1..3: range proof verified"),
        "proof --range --verify: expected the range proof verified, got {out}"
    );
    let table = succeeded(&client(&url, &["status"]), "status");
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("1..3") && l.contains("proven"))
            && table.contains("open range: empty"),
        "status: expected range 1..3 proven and nothing open, got:\n{table}"
    );

    terminate(&worker);
    let status = wait_exit(&mut worker, Duration::from_secs(30), "worker after SIGTERM");
    let mut worker_out = String::new();
    if let Some(mut o) = worker.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut o, &mut worker_out);
    }
    assert!(
        status.success() && worker_out.contains("5 proofs accepted"),
        "worker after SIGTERM: expected a clean exit after 3 batch proofs and 2 steps, got {status}: {worker_out}"
    );
    let stopped = coord.stop();
    assert!(
        stopped.success(),
        "coordinator after SIGTERM: expected a clean exit, got {stopped}"
    );
}

/// Leases batch 1's job as a worker and fails it as a witness the circuit
/// refuses would (not retryable).
fn fail_batch_job_for_good(url: &str) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let ch = client::channel(url, None).await.expect("connect");
        let mut fleet = client::fleet(ch, WORKER_TOKEN, MAX_MESSAGE).expect("fleet client");
        let hand = HandWorker::register(&mut fleet).await;
        let job = hand
            .acquire(&mut fleet, 60_000)
            .await
            .expect("batch 1's job");
        let requeued = hand.fail(&mut fleet, &job, "witness refused", false).await;
        assert!(
            !requeued,
            "expected a deterministic failure to fail the job"
        );
    });
}

#[test]
fn status_names_a_failed_batch_with_the_command_that_retries_it_and_admin_retry_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let coord =
        CoordinatorProcess::start(&dir.path().join("data"), &["--admin-token", ADMIN_TOKEN]);
    let url = coord.url();
    let replica = dir.path().join("replica");
    let file = dir.path().join("b1.json");
    gen_batch(&replica, "1", &file);
    succeeded(
        &client(
            &url,
            &["submit", path(&file), "--state-dir", path(&replica)],
        ),
        "submit",
    );
    let table = succeeded(&client(&url, &["status"]), "status");
    assert!(
        !table.contains("needs attention"),
        "status: expected nothing stuck before any failure, got:\n{table}"
    );

    fail_batch_job_for_good(&url);
    let table = succeeded(&client(&url, &["status"]), "status");
    assert!(
        table.contains("needs attention:")
            && table.contains("batch 1 failed: witness refused")
            && table.contains("zkr admin retry --batch 1"),
        "status: expected the failed batch named with its retry command, got:\n{table}"
    );
    let one = succeeded(&client(&url, &["status", "1"]), "status 1");
    assert!(
        one.contains("to retry:    zkr admin retry --batch 1"),
        "status 1: expected the retry command, got:\n{one}"
    );

    let admin = |args: &[&str], token: Option<&str>| {
        let mut cmd = zkr();
        cmd.arg("admin").args(args).args(["--coordinator", &url]);
        if let Some(t) = token {
            cmd.env("ZKR_ADMIN_TOKEN", t);
        }
        run_bounded(cmd, Duration::from_secs(60), &format!("zkr admin {args:?}"))
    };
    let out = admin(&["retry", "--batch", "1"], None);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("no admin token"),
        "retry without a token: expected a refusal naming the token, got {}: {stderr}",
        out.status
    );
    let out = admin(&["retry", "999"], Some(ADMIN_TOKEN));
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("job 999 does not exist"),
        "retry of an unknown job: expected it named, got {}: {stderr}",
        out.status
    );
    let out = admin(&["retry", "--range", "1-1"], Some(ADMIN_TOKEN));
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("FIRST..LAST"),
        "retry with a malformed range: expected the format named, got {}: {stderr}",
        out.status
    );
    let done = succeeded(
        &admin(&["retry", "--batch", "1"], Some(ADMIN_TOKEN)),
        "admin retry --batch 1",
    );
    assert_eq!(
        done.trim(),
        "1 job queued again; batch 1 proving again",
        "admin retry: expected what was queued again"
    );
    let table = succeeded(&client(&url, &["status"]), "status");
    assert!(
        !table.contains("needs attention") && table.contains("1 accepted, 0 failed"),
        "status after the retry: expected batch 1 accepted and nothing stuck, got:\n{table}"
    );
    let stopped = coord.stop();
    assert!(
        stopped.success(),
        "coordinator: expected a clean exit, got {stopped}"
    );
}
