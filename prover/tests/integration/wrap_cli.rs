//! The wrap through the `zkr` binary, as an operator runs it: `wrap-setup`
//! writes the keys, a coordinator and a worker load them, a sealed range is
//! wrapped, and `proof --wrap --verify` fetches and checks the 256-byte proof.
//! Keys of another capacity and wrap jobs without keys are refused by name.
//! Last, `zkr l1` settles the range on anvil: the verifier generated from the
//! real key accepts the real wrapped proof through the rollup contract.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::process::{
    client, failed, path, run_bounded, succeeded, terminate, wait_exit, zkr, CoordinatorProcess,
};
use crate::common::{shared_wrap_keys, SEQ_TOKEN, WORKER_TOKEN};

/// `zkr wrap-setup --capacity 8 --keys KEYS` with `flags`.
fn wrap_setup(keys: &Path, flags: &[&str], timeout: Duration) -> Output {
    let mut cmd = zkr();
    cmd.args(["wrap-setup", "--capacity", "8", "--keys", path(keys)])
        .args(flags);
    run_bounded(cmd, timeout, &format!("wrap-setup {flags:?}"))
}

#[test]
fn wrap_setup_coordinator_worker_and_proof_wrap_a_range_end_to_end() {
    // In the build's temporary folder, so that the keys can be moved to
    // `shared_wrap_keys()` at the end on the same file system.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let keys = dir.path().join("keys");

    let why = failed(
        &wrap_setup(&keys, &[], Duration::from_secs(30)),
        "wrap-setup without --insecure-dev",
    );
    assert!(
        why.contains("--insecure-dev"),
        "expected the refusal to name --insecure-dev, got {why}"
    );
    let out = succeeded(
        &wrap_setup(&keys, &["--insecure-dev"], Duration::from_secs(900)),
        "wrap-setup --insecure-dev",
    );
    assert!(
        out.contains("INSECURE"),
        "expected the keys labelled insecure, got {out}"
    );
    for file in ["wrap-keys.json", "wrap.vk", "wrap.pk", "verifying-key.json"] {
        assert!(
            keys.join(file).is_file(),
            "expected {file} in the keys directory"
        );
    }
    let why = failed(
        &wrap_setup(&keys, &["--insecure-dev"], Duration::from_secs(30)),
        "wrap-setup over existing keys",
    );
    assert!(
        why.contains("already holds wrap keys") && why.contains("--force"),
        "expected existing keys kept and --force named, got {why}"
    );

    // Keys made for capacity 8 do not wrap capacity 4's circuits.
    let mut cmd = zkr();
    cmd.args([
        "coordinator",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "off",
    ])
    .args(["--data-dir", path(&dir.path().join("other"))])
    .args(["--capacity", "4", "--wrap-keys", path(&keys)])
    .env("ZKR_SEQUENCER_TOKEN", SEQ_TOKEN)
    .env("ZKR_WORKER_TOKEN", WORKER_TOKEN);
    let why = failed(
        &run_bounded(cmd, Duration::from_secs(300), "coordinator, capacity 4"),
        "a coordinator of capacity 4 with capacity 8's keys",
    );
    assert!(
        why.contains("the keys are for wrap circuit"),
        "expected the keys refused as another circuit's, got {why}"
    );
    let mut cmd = zkr();
    cmd.args([
        "worker",
        "--kinds",
        "wrap",
        "--coordinator",
        "http://127.0.0.1:9",
    ])
    .env("ZKR_WORKER_TOKEN", WORKER_TOKEN);
    let why = failed(
        &run_bounded(cmd, Duration::from_secs(30), "worker --kinds wrap"),
        "a wrap worker without keys",
    );
    assert!(
        why.contains("--wrap-keys"),
        "expected the refusal to name --wrap-keys, got {why}"
    );

    let coord = CoordinatorProcess::start(
        &dir.path().join("data"),
        &["--lease-ms", "20000", "--wrap-keys", path(&keys)],
    );
    let url = coord.url();
    let worker_log = std::fs::File::create(dir.path().join("worker.log")).expect("worker log");
    let mut worker = zkr()
        .args(["worker", "--coordinator", &url, "--name", "wrapper"])
        .args(["--wrap-keys", path(&keys)])
        .env("ZKR_WORKER_TOKEN", WORKER_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::from(worker_log))
        .spawn()
        .expect("zkr worker starts");

    let replica = dir.path().join("replica");
    let batch = dir.path().join("b1.json");
    let mut cmd = zkr();
    cmd.args([
        "gen-batch",
        "--state-dir",
        path(&replica),
        "--capacity",
        "8",
    ])
    .args(["--seed", "5", "-o", path(&batch)]);
    succeeded(
        &run_bounded(cmd, Duration::from_secs(60), "gen-batch"),
        "gen-batch",
    );
    let timeout = Duration::from_secs(120);
    succeeded(
        &client(
            &url,
            &["submit", path(&batch), "--state-dir", path(&replica)],
            timeout,
        ),
        "submit",
    );
    succeeded(
        &client(&url, &["seal", "--wait"], Duration::from_secs(600)),
        "seal --wait",
    );
    let before = client(
        &url,
        &[
            "proof",
            "--range",
            "1..1",
            "--wrap",
            "-o",
            path(&dir.path().join("early")),
        ],
        timeout,
    );

    // The wrap takes a minute or two on 2 cores; `status` shows it when done.
    let deadline = Instant::now() + Duration::from_secs(900);
    let table = loop {
        let table = succeeded(&client(&url, &["status"], timeout), "status");
        if table.contains("wrapped in") {
            break table;
        }
        assert!(
            !table.contains("wrap failed"),
            "expected the wrap to succeed, got:\n{table}\nworker log:\n{}",
            std::fs::read_to_string(dir.path().join("worker.log")).unwrap_or_default()
        );
        assert!(
            Instant::now() < deadline,
            "expected range 1..1 wrapped in time, got:\n{table}\nworker log:\n{}",
            std::fs::read_to_string(dir.path().join("worker.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    assert!(
        table.contains("1..1"),
        "expected range 1..1 in the table, got:\n{table}"
    );
    // Asked for as soon as the range proof was in, the wrap was not done yet.
    let why = failed(&before, "proof --wrap before the wrap");
    assert!(
        why.contains("not wrapped yet"),
        "expected an early request refused as not wrapped yet, got {why}"
    );

    // `zkr proof --wrap --verify` of range 1..1, written to `out`, checked with `keys`.
    let fetch_wrapped = |out: &Path, keys: &Path, guard: Duration| {
        client(
            &url,
            &[
                "proof",
                "--range",
                "1..1",
                "--wrap",
                "-o",
                path(out),
                "--verify",
                "--wrap-keys",
                path(keys),
            ],
            guard,
        )
    };
    let out_file = dir.path().join("r1.wrap");
    let out = succeeded(
        &fetch_wrapped(&out_file, &keys, Duration::from_secs(300)),
        "proof --wrap --verify",
    );
    assert!(
        out.contains("verified") && out.contains("public input: 0x"),
        "expected the wrapped proof verified and its public input shown, got {out}"
    );
    let bytes = std::fs::metadata(&out_file).map(|m| m.len()).unwrap_or(0);
    assert_eq!(bytes, 256, "expected the 256-byte EVM encoding on disk");

    // A verifying key altered on disk is refused by the manifest's hash
    // before any proof is checked with it (the proving key is not needed).
    let tampered = dir.path().join("tampered-keys");
    std::fs::create_dir_all(&tampered).expect("tampered keys dir");
    for file in ["wrap-keys.json", "wrap.vk", "verifying-key.json"] {
        std::fs::copy(keys.join(file), tampered.join(file)).expect("key file copied");
    }
    let mut vk = std::fs::read(tampered.join("wrap.vk")).expect("wrap.vk");
    let last = vk.len() - 1;
    vk[last] ^= 1;
    std::fs::write(tampered.join("wrap.vk"), vk).expect("wrap.vk altered");
    let why = failed(
        &fetch_wrapped(
            &dir.path().join("r1-tampered.wrap"),
            &tampered,
            Duration::from_secs(120),
        ),
        "proof --wrap --verify with an altered wrap.vk",
    );
    assert!(
        why.contains("wrap.vk") && why.contains("the manifest pins"),
        "expected the altered wrap.vk refused by its hash, got {why}"
    );

    settle_on_l1(dir.path(), &keys, &url, &batch);

    terminate(&worker);
    wait_exit(&mut worker, Duration::from_secs(30), "worker after SIGTERM");
    let status = coord.stop();
    assert!(
        status.success(),
        "expected a clean coordinator exit, got {status}"
    );
    // A cache for the `wrap` test, replacing keys an older build left (which
    // would not load for today's circuit); a failed move only costs it a setup.
    let shared = shared_wrap_keys();
    let _ = std::fs::remove_dir_all(&shared);
    let _ = std::fs::rename(&keys, &shared);
}

/// anvil's first dev account's key (anvil prints it at start; it is public).
const ANVIL_KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// `zkr l1 ARGS` against `rpc` with anvil's first account and the deployment
/// file `dir/deployment.json`.
fn l1(dir: &Path, rpc: &str, coordinator: &str, args: &[&str]) -> Output {
    let mut cmd = zkr();
    cmd.arg("l1")
        .args(args)
        .env("ZKR_L1_DEPLOYMENT", dir.join("deployment.json"))
        .env("ZKR_L1_RPC", rpc)
        .env("ZKR_L1_KEY", ANVIL_KEY_0)
        .env("ZKR_COORDINATOR", coordinator)
        .env("ZKR_SEQUENCER_TOKEN", SEQ_TOKEN);
    run_bounded(cmd, Duration::from_secs(120), &format!("zkr l1 {args:?}"))
}

/// The operator's L1 path for range 1..1 (batch file `batch`): verifier,
/// deploy, commit, prove, each through the binary, on a fresh anvil node.
fn settle_on_l1(dir: &Path, keys: &Path, url: &str, batch: &Path) {
    use alloy::providers::Provider;
    use zkr_contracts::{Anvil, IRollup};
    use zkr_prover::settlement::{make_deposits, Deployment};

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let anvil = rt.block_on(Anvil::start()).expect("anvil starts");
    let rpc = anvil.url().to_string();
    let provider = anvil.provider();
    let accounts = rt.block_on(provider.get_accounts()).expect("accounts");

    let sol = dir.join("Verifier.sol");
    succeeded(
        &l1(
            dir,
            &rpc,
            url,
            &["verifier", "--wrap-keys", path(keys), "-o", path(&sol)],
        ),
        "l1 verifier",
    );
    let source = std::fs::read_to_string(&sol).unwrap_or_default();
    assert!(
        source.contains("contract Verifier") && source.contains("function verifyProof"),
        "expected a verifier contract in {}, got:\n{source}",
        sol.display()
    );
    let deployment = dir.join("deployment.json");
    let deploy = |capacity: &str, extra: &[&str]| {
        let mut args = vec![
            "deploy",
            "--wrap-keys",
            path(keys),
            "--capacity",
            capacity,
            "-o",
            path(&deployment),
        ];
        args.extend_from_slice(extra);
        l1(dir, &rpc, url, &args)
    };
    // Dev keys let whoever made them forge proofs: never deployed unasked.
    let why = failed(
        &deploy("8", &[]),
        "l1 deploy of dev keys without --insecure-dev",
    );
    assert!(
        why.contains("INSECURE") && why.contains("--insecure-dev"),
        "expected the dev keys refused, naming --insecure-dev, got {why}"
    );
    // Keys of capacity 8 make no verifier for a rollup of capacity 4.
    let why = failed(
        &deploy("4", &["--insecure-dev"]),
        "l1 deploy of capacity-8 keys for capacity 4",
    );
    assert!(
        why.contains("capacity 4") && why.contains("circuit"),
        "expected keys of another circuit refused, naming the capacity, got {why}"
    );
    assert!(
        !deployment.exists(),
        "expected no deployment written after a refusal"
    );
    let out = succeeded(&deploy("8", &["--insecure-dev"]), "l1 deploy");
    assert!(
        out.contains("deployed on chain"),
        "expected the deployment reported, got {out}"
    );
    let d = Deployment::read(&deployment).expect("deployment JSON");
    assert_eq!(d.deployer, accounts[0], "the deployer is the key's account");
    assert!(d.insecure_dev, "expected the deployment marked insecure");

    // The range's batch has genesis deposits: the contract refuses its commit until
    // they are queued on L1, and a proof of a range not closed there is refused.
    // A batch of no sealed range (batch 2 was never made) is not committed.
    let why = failed(
        &l1(dir, &rpc, url, &["commit", "--through", "2"]),
        "l1 commit past the sealed ranges",
    );
    assert!(
        why.contains("batch 2 is in no sealed range yet"),
        "expected the commit refused for batch 2, got {why}"
    );
    let why = failed(
        &l1(dir, &rpc, url, &["commit"]),
        "l1 commit before the deposits",
    );
    assert!(
        why.contains("DepositNotQueued"),
        "expected the commit refused for its deposits, got {why}"
    );
    let why = failed(
        &l1(dir, &rpc, url, &["prove", "--range", "1..1"]),
        "l1 prove before the commit",
    );
    assert!(
        why.contains("range 1..1 is not closed on L1"),
        "expected the proof refused as not closed, got {why}"
    );
    let batch: zkr_circuits::ops::Batch =
        serde_json::from_slice(&std::fs::read(batch).expect("batch file")).expect("batch JSON");
    rt.block_on(make_deposits(
        &provider,
        accounts[0],
        accounts[1],
        d.rollup,
        &[batch],
    ))
    .expect("deposits made on L1");

    let out = succeeded(&l1(dir, &rpc, url, &["commit"]), "l1 commit");
    assert!(
        out.contains("batch 1 committed"),
        "expected batch 1 committed, got {out}"
    );
    let out = succeeded(&l1(dir, &rpc, url, &["commit"]), "l1 commit again");
    assert!(
        out.contains("nothing to commit"),
        "expected nothing left to commit, got {out}"
    );
    let out = succeeded(
        &l1(dir, &rpc, url, &["prove", "--range", "1..1"]),
        "l1 prove",
    );
    assert!(
        out.contains("range 1..1 proven on L1"),
        "expected range 1..1 proven, got {out}"
    );
    let why = failed(
        &l1(dir, &rpc, url, &["prove", "--range", "1..1"]),
        "l1 prove replayed",
    );
    assert!(
        why.contains("not next on L1"),
        "expected the replayed proof refused, got {why}"
    );
    let rollup = IRollup::new(d.rollup, provider);
    let verified = rt
        .block_on(async { rollup.verifiedBatches().call().await })
        .expect("verifiedBatches");
    assert_eq!(verified, 1, "batches proven on L1");
}
