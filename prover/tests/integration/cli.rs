//! The `zkr` binary end to end: generating, proving and rejecting batches
//! against a state directory.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::process::{path, text};

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

#[test]
fn key_new_sign_and_verify_round_trip_and_a_changed_operation_or_chain_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("alice.json");
    let out = zkr(&["key", "new", "--seed", "alice", "-o", path(&key)]);
    assert!(
        out.status.success(),
        "expected key new to succeed, got {}",
        text(&out.stderr)
    );
    // The same seed makes the same key.
    let again = zkr(&["key", "new", "--seed", "alice"]);
    let written = std::fs::read_to_string(&key).expect("key file");
    assert_eq!(
        text(&again.stdout),
        written,
        "a seeded key printed vs the one written"
    );

    let op = dir.path().join("transfer.json");
    std::fs::write(
        &op,
        r#"{"type": "transfer", "from": 0, "to": 1, "token": 0, "amount": "1000", "fee": "3", "nonce": 0}"#,
    )
    .expect("operation file");
    let signed = dir.path().join("signed.json");
    let sign = |file: &Path| {
        zkr(&[
            "key",
            "sign",
            "--key",
            path(&key),
            "--chain-id",
            "7",
            path(file),
        ])
    };
    let out = sign(&op);
    assert!(
        out.status.success(),
        "expected key sign to succeed, got {}",
        text(&out.stderr)
    );
    std::fs::write(&signed, &out.stdout).expect("signed operation");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let signature = value["signature"].as_str().unwrap_or_default();
    assert_eq!(
        signature.len(),
        160,
        "expected an 80-byte signature in hex, got {signature:?}"
    );

    let verify = |file: &Path, chain: &str| {
        zkr(&[
            "key",
            "verify",
            "--key",
            path(&key),
            "--chain-id",
            chain,
            path(file),
        ])
    };
    let out = verify(&signed, "7");
    assert!(
        out.status.success() && text(&out.stdout).contains("valid"),
        "expected the signature valid, got {} {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The key as the hex L1 deposits take, and a key one byte short.
    let key_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&key).expect("key file")).expect("key JSON");
    let hex_key = key_json["public_key_hex"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let by_hex = |hex: &str| {
        zkr(&[
            "key",
            "verify",
            "--key",
            hex,
            "--chain-id",
            "7",
            path(&signed),
        ])
    };
    let out = by_hex(&hex_key);
    assert!(
        out.status.success(),
        "expected the signature valid under the hex key {hex_key}, got {}",
        text(&out.stderr)
    );
    let out = by_hex(&hex_key[..hex_key.len() - 2]);
    assert!(
        !out.status.success() && text(&out.stderr).contains("a public key is 40 bytes, got 39"),
        "expected a 39-byte key refused, got {}",
        text(&out.stderr)
    );
    let out = verify(&signed, "8");
    assert!(
        !out.status.success() && text(&out.stderr).contains("not valid"),
        "expected the signature refused on chain 8, got {}",
        text(&out.stderr)
    );
    let changed = dir.path().join("changed.json");
    let text_signed = std::fs::read_to_string(&signed).expect("signed operation");
    std::fs::write(&changed, text_signed.replace("\"1000\"", "\"1001\"")).expect("changed");
    let out = verify(&changed, "7");
    assert!(
        !out.status.success() && text(&out.stderr).contains("not valid"),
        "expected the changed amount refused, got {}",
        text(&out.stderr)
    );

    let deposit = dir.path().join("deposit.json");
    std::fs::write(
        &deposit,
        r#"{"type": "deposit", "account": 0, "pubkey": [1, 2, 3, 4, 5], "token": 0, "amount": "1", "priority_index": 0}"#,
    )
    .expect("deposit file");
    let out = sign(&deposit);
    assert!(
        !out.status.success() && text(&out.stderr).contains("deposit is not signed"),
        "expected signing a deposit refused, got {}",
        text(&out.stderr)
    );
}

#[test]
fn groth16_verify_refuses_files_that_are_not_a_key_naming_the_file() {
    // The full prove/verify round trips against snarkjs are zkr-ceremony's
    // tests; this checks that `zkr groth16` reaches the same commands.
    let dir = tempfile::tempdir().expect("temp dir");
    let vk = dir.path().join("vk.json");
    std::fs::write(&vk, r#"{"protocol": "groth16", "curve": "bn128"}"#).expect("write");
    std::fs::write(dir.path().join("public.json"), "[]").expect("write");
    std::fs::write(dir.path().join("proof.json"), "{}").expect("write");
    let out = zkr(&[
        "groth16",
        "verify",
        path(&vk),
        path(&dir.path().join("public.json")),
        path(&dir.path().join("proof.json")),
    ]);
    let err = text(&out.stderr);
    assert!(
        !out.status.success() && err.contains("vk.json") && err.contains("\"IC\" is missing"),
        "expected a refusal naming vk.json and its missing IC, got {}: {err}",
        out.status
    );
}
