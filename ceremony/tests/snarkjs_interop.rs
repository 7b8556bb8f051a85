//! zkr-ceremony and snarkjs (the reference) read each other's `.ptau` files:
//! each verifies the other's contributions, and a chain alternating the two
//! verifies in both. These tests fail (they never skip) when snarkjs is not
//! installed: run `npm ci` in `ceremony/tests/snarkjs`.

mod common;

use common::*;
use zkr_ceremony::ptau::format::{PtauFile, Section};

const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

#[test]
fn snarkjs_verifies_zkr_new_contribute_and_beacon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    zkr_ok(d, &["ptau", "new", "--power", "5", "p0.ptau"]);
    zkr_ok(
        d,
        &[
            "ptau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name",
            "zkr one",
            "-e",
            "first entropy",
        ],
    );
    zkr_ok(
        d,
        &[
            "ptau",
            "contribute",
            "p1.ptau",
            "p2.ptau",
            "--name",
            "zkr two",
        ],
    );
    zkr_ok(
        d,
        &[
            "ptau",
            "beacon",
            "p2.ptau",
            "p3.ptau",
            BEACON,
            "10",
            "--name",
            "zkr beacon",
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
    snarkjs_ok(d, &["powersoftau", "new", "bn128", "5", "p0.ptau"]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=snarkjs one",
            "-e=some text",
        ],
    );
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "p1.ptau",
            "p2.ptau",
            "--name=snarkjs two",
            "-e=other text",
        ],
    );
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "beacon",
            "p2.ptau",
            "p3.ptau",
            BEACON,
            "10",
            "-n=snarkjs beacon",
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
    zkr_ok(d, &["ptau", "new", "--power", "4", "c0.ptau"]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "c0.ptau",
            "c1.ptau",
            "--name=snarkjs A",
            "-e=a",
        ],
    );
    zkr_ok(
        d,
        &[
            "ptau",
            "contribute",
            "c1.ptau",
            "c2.ptau",
            "--name",
            "zkr B",
            "--no-transcript",
        ],
    );
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "c2.ptau",
            "c3.ptau",
            "--name=snarkjs C",
            "-e=c",
        ],
    );
    zkr_ok(
        d,
        &[
            "ptau",
            "contribute",
            "c3.ptau",
            "c4.ptau",
            "--name",
            "zkr D",
            "--no-transcript",
        ],
    );
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "beacon",
            "c4.ptau",
            "c5.ptau",
            BEACON,
            "10",
            "-n=snarkjs beacon",
        ],
    );
    for file in ["c2.ptau", "c4.ptau", "c5.ptau"] {
        snarkjs_ok(d, &["powersoftau", "verify", file]);
        let out = zkr_ok(d, &["ptau", "verify", file, "--no-transcript"]);
        assert_mentions(&out, &["Powers of tau file OK"]);
    }
    zkr_ok(
        d,
        &[
            "ptau",
            "beacon",
            "c4.ptau",
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
    snarkjs_ok(d, &["powersoftau", "new", "bn128", "4", "p0.ptau"]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=alice",
            "-e=text",
        ],
    );
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
