//! Phase 2 against snarkjs: `zkey new` writes snarkjs's initial keys byte
//! for byte, snarkjs verifies them against the circuit and the ptau, and a
//! powers-of-tau file that is too small or not prepared is refused by name.
//! These tests fail (they never skip) when snarkjs is not installed: run
//! `npm ci` in `ceremony/tests/snarkjs`.

mod common;

use std::path::Path;

use common::circuit::export_cubic;
use common::*;
use zkr_ceremony::zkey::format::section;

/// The power of the test ceremony: enough for the test circuit with up to
/// three public inputs.
const POWER: u32 = 5;

/// A finished, prepared ceremony at [`POWER`]: `final.ptau`.
fn prepared_ptau(d: &Path) {
    ptau_chain(
        d,
        POWER,
        false,
        &[By::Zkr("alice"), By::ZkrBeacon("beacon")],
    );
    zkr_ok(d, &["ptau", "prepare", "p2.ptau", "final.ptau"]);
}

/// [`first_difference`] for `.zkey` files.
fn zkey_difference(ours: &Path, theirs: &Path) -> Option<String> {
    first_difference(ours, theirs, b"zkey", |id| {
        format!("section {id} ({})", section::name(id))
    })
}

#[test]
fn zkr_zkey_new_is_byte_identical_to_snarkjs_groth16_setup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    for public in [0, 1, 3] {
        let r1cs = format!("c{public}.r1cs");
        export_cubic(d, &r1cs, public);
        let (ours, theirs) = (format!("zkr{public}.zkey"), format!("snarkjs{public}.zkey"));
        snarkjs_ok(d, &["groth16", "setup", &r1cs, "final.ptau", &theirs]);
        let out = zkr_ok(d, &["zkey", "new", &r1cs, "final.ptau", &ours]);
        assert_mentions(&out, &["Circuit Hash:"]);
        if let Some(diff) = zkey_difference(&d.join(&ours), &d.join(&theirs)) {
            panic!("{public} public inputs: initial keys expected byte-identical, got {diff}");
        }
    }
}

#[test]
fn snarkjs_verifies_zkr_initial_keys_against_circuit_and_ptau() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 2);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c.zkey"]);
    let out = snarkjs_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", "c.zkey"]);
    assert_mentions(&out, &["ZKey Ok!"]);
}

#[test]
fn zkey_new_refuses_a_small_or_unprepared_ptau_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let r1cs = export_cubic(d, "c.r1cs", 1);
    let power = r1cs.min_ptau_power();
    ptau_chain(d, power - 1, false, &[By::Zkr("alice")]);
    zkr_ok(d, &["ptau", "prepare", "p1.ptau", "small.ptau"]);
    let err = zkr_err(d, &["zkey", "new", "c.r1cs", "small.ptau", "c.zkey"]);
    assert_mentions(
        &err,
        &[
            "small.ptau",
            &format!("needs a powers-of-tau file of power {power} or more"),
            &format!("this file has power {}", power - 1),
        ],
    );
    let err = zkr_err(d, &["zkey", "new", "c.r1cs", "p1.ptau", "c.zkey"]);
    assert_mentions(&err, &["p1.ptau", "not prepared for phase 2"]);
    assert!(
        !d.join("c.zkey").exists(),
        "no .zkey expected after a refusal"
    );
}
