//! zkr-ceremony and snarkjs (the reference) read each other's `.ptau` files:
//! each verifies the other's contributions, and a chain alternating the two
//! verifies in both. These tests fail (they never skip) when snarkjs is not
//! installed: run `npm ci` in `ceremony/tests/snarkjs`.

use crate::common::*;
use zkr_ceremony::ptau::format::{PtauFile, Section};

#[test]
fn snarkjs_verifies_zkr_new_contribute_and_beacon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(
        d,
        5,
        false,
        &[
            By::Zkr("zkr one"),
            By::Zkr("zkr two"),
            By::ZkrBeacon("zkr beacon"),
        ],
    );
    let out = snarkjs_ok(d, &["powersoftau", "verify", "p3.ptau"]);
    assert_mentions(
        &out,
        &["Powers of Tau Ok!", "zkr one", "zkr two", "zkr beacon"],
    );
}

#[test]
fn zkr_new_is_byte_identical_to_snarkjs_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    zkr_ok(
        d,
        &["ptau", "new", "--power", "4", "zkr.ptau", "--no-transcript"],
    );
    snarkjs_ok(d, &["powersoftau", "new", "bn128", "4", "snarkjs.ptau"]);
    let ours = std::fs::read(d.join("zkr.ptau")).expect("read zkr file");
    let theirs = std::fs::read(d.join("snarkjs.ptau")).expect("read snarkjs file");
    assert!(
        ours == theirs,
        "fresh accumulators expected identical: {} bytes vs {} bytes",
        ours.len(),
        theirs.len()
    );
}

#[test]
fn zkr_verifies_snarkjs_new_contribute_and_beacon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(
        d,
        5,
        true,
        &[
            By::Snarkjs("snarkjs one"),
            By::Snarkjs("snarkjs two"),
            By::SnarkjsBeacon("snarkjs beacon"),
        ],
    );
    let out = zkr_ok(d, &["ptau", "verify", "p3.ptau"]);
    assert_mentions(
        &out,
        &[
            "Contribution #3: snarkjs beacon",
            "3 contribution(s) verified",
        ],
    );
}

#[test]
fn chain_alternating_zkr_and_snarkjs_verifies_in_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(
        d,
        4,
        false,
        &[
            By::Snarkjs("snarkjs A"),
            By::Zkr("zkr B"),
            By::Snarkjs("snarkjs C"),
            By::Zkr("zkr D"),
            By::SnarkjsBeacon("snarkjs beacon"),
        ],
    );
    for file in ["p2.ptau", "p4.ptau", "p5.ptau"] {
        snarkjs_ok(d, &["powersoftau", "verify", file]);
        let out = zkr_ok(d, &["ptau", "verify", file, "--no-transcript"]);
        assert_mentions(&out, &["Powers of tau file OK"]);
    }
    zkr_ok(
        d,
        &[
            "ptau",
            "beacon",
            "p4.ptau",
            "z5.ptau",
            BEACON,
            "10",
            "--name",
            "zkr beacon",
            "--no-transcript",
        ],
    );
    snarkjs_ok(d, &["powersoftau", "verify", "z5.ptau"]);
}

#[test]
fn zkr_beacon_reproduces_snarkjs_beacon_points_and_hashes() {
    // A beacon is deterministic: same input, same beacon, same file. This
    // pins the whole key derivation (SHA-256 iterations, ChaCha, field and
    // point sampling) and every encoding against snarkjs.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(d, 4, true, &[By::Snarkjs("alice")]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "beacon",
            "p1.ptau",
            "snarkjs.ptau",
            BEACON,
            "11",
            "-n=beacon",
        ],
    );
    zkr_ok(
        d,
        &[
            "ptau",
            "beacon",
            "p1.ptau",
            "zkr.ptau",
            BEACON,
            "11",
            "--name",
            "beacon",
            "--no-transcript",
        ],
    );
    let ours = PtauFile::open(&d.join("zkr.ptau")).expect("open zkr file");
    let theirs = PtauFile::open(&d.join("snarkjs.ptau")).expect("open snarkjs file");
    for section in Section::POINTS {
        let n = section.points(4);
        let a = ours.read_raw(section, 0, n).expect("zkr section");
        let b = theirs.read_raw(section, 0, n).expect("snarkjs section");
        assert!(
            a == b,
            "{section}: expected identical points from the same beacon"
        );
    }
    let (a, b) = (&ours.contributions[1], &theirs.contributions[1]);
    assert_eq!(a.key, b.key, "beacon public key");
    assert_eq!(a.response_hash(), b.response_hash(), "contribution hash");
    assert_eq!(
        hex::encode(a.next_challenge),
        hex::encode(b.next_challenge),
        "next challenge hash"
    );
}

/// [`first_difference`] for `.ptau` files.
fn ptau_difference(ours: &std::path::Path, theirs: &std::path::Path) -> Option<String> {
    first_difference(ours, theirs, b"ptau", |id| {
        Section::from_id(id).map_or(format!("section {id}"), |s| s.to_string())
    })
}

#[test]
fn zkr_prepare_is_byte_identical_to_snarkjs_prepare_phase2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(d, 5, true, &[By::Snarkjs("alice")]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "prepare",
            "phase2",
            "p1.ptau",
            "snarkjs.ptau",
        ],
    );
    zkr_ok(
        d,
        &["ptau", "prepare", "p1.ptau", "zkr.ptau", "--no-transcript"],
    );
    if let Some(diff) = ptau_difference(&d.join("zkr.ptau"), &d.join("snarkjs.ptau")) {
        panic!("prepared files expected byte-identical, got {diff}");
    }
}

#[test]
fn each_verifies_the_others_prepared_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(
        d,
        4,
        false,
        &[By::Zkr("zkr one"), By::ZkrBeacon("zkr beacon")],
    );
    let out = zkr_ok(d, &["ptau", "prepare", "p2.ptau", "zkr.ptau"]);
    assert_mentions(&out, &["powers 0..=4"]);
    let out = snarkjs_ok(d, &["powersoftau", "verify", "zkr.ptau"]);
    assert_mentions(&out, &["Powers of Tau Ok!"]);
    assert!(
        !out.contains("does not contain phase2"),
        "snarkjs expected to verify zkr's phase 2 sections, got:\n{out}"
    );

    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "prepare",
            "phase2",
            "p2.ptau",
            "snarkjs.ptau",
        ],
    );
    let out = zkr_ok(d, &["ptau", "verify", "snarkjs.ptau", "--no-transcript"]);
    assert_mentions(
        &out,
        &["Phase 2 sections (12-15) OK", "2 contribution(s) verified"],
    );
}
