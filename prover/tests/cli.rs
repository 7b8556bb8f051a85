//! The `zkr` binary end to end: generating, proving and rejecting batches
//! against a state directory.

use std::path::Path;
use std::process::{Command, Output};

fn zkr(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_zkr"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("expected to run zkr {args:?}, got: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Runs `zkr gen-batch` at capacity 8 and checks it succeeded.
fn gen_batch(state: &Path, seed: &str, out_file: &Path) {
    let out = zkr(&[
        "gen-batch",
        "--state-dir",
        path(state),
        "--capacity",
        "8",
        "--seed",
        seed,
        "-o",
        path(out_file),
    ]);
    assert!(
        out.status.success(),
        "expected gen-batch to succeed, got {}",
        text(&out.stderr)
    );
}

#[test]
fn prove_batch_rejects_an_invalid_op_naming_it_and_leaves_the_state_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let genesis = dir.path().join("genesis.json");
    gen_batch(&state, "1", &genesis);

    // A transfer on an empty state names an account that does not exist yet.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"number": 1, "operator": 0, "operations": [
            {"type": "transfer", "from": 0, "to": 1, "token": 0, "amount": "1", "fee": "0", "nonce": 0}
        ]}"#,
    )
    .expect("write batch");
    let proof = dir.path().join("bad.proof");
    let out = zkr(&[
        "prove-batch",
        "--state-dir",
        path(&state),
        "--batch",
        path(&bad),
        "-o",
        path(&proof),
    ]);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected prove-batch to fail, got success: {}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains("op 0 (transfer)") && stderr.contains("does not exist"),
        "expected an error naming op 0 (transfer) and the missing account, got: {stderr}"
    );
    assert!(!proof.exists(), "expected no proof file after a rejection");

    // The state is still empty: the genesis batch (number 1) is still next.
    let again = dir.path().join("again.json");
    gen_batch(&state, "1", &again);
    let (a, b) = (
        std::fs::read_to_string(&genesis).expect("genesis json"),
        std::fs::read_to_string(&again).expect("second json"),
    );
    assert_eq!(
        a, b,
        "expected the same genesis batch before and after the rejection"
    );
}

#[test]
fn gen_batch_then_prove_batch_proves_and_commits_consecutive_batches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    for number in 1..=2 {
        let batch = dir.path().join(format!("batch{number}.json"));
        let proof = dir.path().join(format!("batch{number}.proof"));
        gen_batch(&state, &number.to_string(), &batch);
        let out = zkr(&[
            "prove-batch",
            "--state-dir",
            path(&state),
            "--batch",
            path(&batch),
            "-o",
            path(&proof),
        ]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "batch {number}: expected prove-batch to succeed, got {}",
            text(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("batch {number} proven"))
                && stdout.contains("commitment:  0x"),
            "batch {number}: expected roots and commitment in the output, got: {stdout}"
        );
        let bytes = std::fs::metadata(&proof).map(|m| m.len()).unwrap_or(0);
        assert!(
            bytes > 0,
            "batch {number}: expected a non-empty proof file, got {bytes} bytes"
        );
    }

    // Batch 2 is committed: proving it again is out of order.
    let out = zkr(&[
        "prove-batch",
        "--state-dir",
        path(&state),
        "--batch",
        path(&dir.path().join("batch2.json")),
        "-o",
        path(&dir.path().join("again.proof")),
    ]);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("batch 3 is next"),
        "expected a replayed batch 2 to be refused as out of order, got: {stderr}"
    );
}
