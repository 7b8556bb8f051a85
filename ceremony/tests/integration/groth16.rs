//! `zkr-ceremony groth16 prove|verify`, the snarkjs-compatible prover: a
//! `.zkey` and a circom `.wtns` in, snarkjs's proof and public JSON out.
//! Proofs of zkr verify with `snarkjs groth16 verify` and snarkjs's proofs of
//! the same witness with zkr; a tampered signal or proof is refused by both;
//! bad inputs are refused naming the file and what is wrong. These tests
//! fail (they never skip) when snarkjs is not installed: run `npm ci` in
//! `ceremony/tests/snarkjs`.

use std::path::Path;

use crate::common::circuit::*;
use crate::common::*;
use ark_bn254::Fr;
use ark_ff::{BigInteger, One, PrimeField};
use serde_json::Value;
use zkr_ceremony::wtns;

/// Public signals of the test circuit.
const PUBLIC: usize = 2;

/// In `d`: `c.r1cs` (the test circuit with [`PUBLIC`] signals), `c0.zkey`
/// (no contribution), `c1.zkey` (one zkr contribution), snarkjs's export of
/// both verifying keys (`vk0.json`, `vk1.json`), and the witness `w.wtns`.
pub fn setup(d: &Path) -> Vec<Fr> {
    prepared_ptau(d, 5);
    export_cubic(d, "c.r1cs", PUBLIC);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    zkr_ok(
        d,
        &["zkey", "contribute", "c0.zkey", "c1.zkey", "--name", "zkr"],
    );
    for (zkey, vk) in [("c0.zkey", "vk0.json"), ("c1.zkey", "vk1.json")] {
        snarkjs_ok(d, &["zkey", "export", "verificationkey", zkey, vk]);
    }
    let (_, z) = prover_synthesis(cubic(PUBLIC));
    wtns::write(&d.join("w.wtns"), &z).expect("write w.wtns");
    z
}

/// Proves `w.wtns` under `c1.zkey` with zkr (`proof.json`, `public.json`;
/// `extra` arguments added) and with snarkjs (`sproof.json`, `spublic.json`).
pub fn prove_both(d: &Path, extra: &[&str]) {
    let mut args = vec![
        "groth16",
        "prove",
        "c1.zkey",
        "w.wtns",
        "proof.json",
        "public.json",
        "--backend",
        "cpu",
    ];
    args.extend_from_slice(extra);
    zkr_ok(d, &args);
    snarkjs_ok(
        d,
        &[
            "groth16",
            "prove",
            "c1.zkey",
            "w.wtns",
            "sproof.json",
            "spublic.json",
        ],
    );
}

fn json(d: &Path, file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(d.join(file)).expect("read json")).expect("parse json")
}

fn write_json(d: &Path, file: &str, v: &Value) {
    std::fs::write(d.join(file), v.to_string()).expect("write json");
}

/// Whether `snarkjs groth16 verify` prints OK for the files.
fn snarkjs_verifies(d: &Path, vk: &str, public: &str, proof: &str) -> bool {
    let out = snarkjs(d, &["groth16", "verify", vk, public, proof]);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK!")
}

/// Whether `zkr-ceremony groth16 verify` accepts the files (exit 0, "OK!").
fn zkr_verifies(d: &Path, vk: &str, public: &str, proof: &str) -> bool {
    let out = zkr(d, &["groth16", "verify", vk, public, proof]);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK!")
}

fn decimal(x: &Fr) -> Value {
    Value::String(x.into_bigint().to_string())
}

#[test]
fn zkr_and_snarkjs_verify_each_others_proofs_and_both_refuse_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    // snarkjs reads zkr's .wtns as the circuit's satisfying witness.
    snarkjs_ok(d, &["wtns", "check", "c.r1cs", "w.wtns"]);

    prove_both(d, &["--check", "c.r1cs"]);
    let expected: Vec<Value> = cubic_public(PUBLIC).iter().map(decimal).collect();
    assert_eq!(
        json(d, "public.json"),
        Value::Array(expected.clone()),
        "public.json: the circuit's public signals in decimal"
    );
    assert!(
        snarkjs_verifies(d, "vk1.json", "public.json", "proof.json"),
        "snarkjs groth16 verify expected OK for zkr's proof"
    );
    assert!(
        zkr_verifies(d, "vk1.json", "public.json", "proof.json"),
        "zkr groth16 verify expected OK for its own proof"
    );

    assert_eq!(
        json(d, "spublic.json"),
        Value::Array(expected),
        "snarkjs's public signals for the same witness"
    );
    assert!(
        zkr_verifies(d, "vk1.json", "spublic.json", "sproof.json"),
        "zkr groth16 verify expected OK for snarkjs's proof"
    );

    // A public signal moved by one.
    let mut public = json(d, "public.json");
    public[0] = decimal(&(cubic_public(PUBLIC)[0] + Fr::one()));
    write_json(d, "public_bad.json", &public);
    // A proof whose A is its C.
    let mut proof = json(d, "proof.json");
    proof["pi_a"] = proof["pi_c"].clone();
    write_json(d, "proof_bad.json", &proof);
    for (public, proof, what) in [
        ("public_bad.json", "proof.json", "a tampered public signal"),
        ("public.json", "proof_bad.json", "a tampered proof point"),
    ] {
        assert!(
            !snarkjs_verifies(d, "vk1.json", public, proof),
            "snarkjs accepted {what}"
        );
        let err = zkr_err(d, &["groth16", "verify", "vk1.json", public, proof]);
        assert_mentions(&err, &["INVALID proof", proof]);
    }
    assert!(
        !zkr_verifies(d, "vk0.json", "public.json", "proof.json"),
        "zkr accepted a proof under another key (the unfinished ceremony's)"
    );

    // A second encoding of the same signal (plus r) and a point off the curve
    // are refused as malformed, naming the file and the field.
    let mut public = json(d, "public.json");
    let r = num_plus_r(&cubic_public(PUBLIC)[0]);
    public[0] = Value::String(r);
    write_json(d, "public_wide.json", &public);
    let err = zkr_err(
        d,
        &[
            "groth16",
            "verify",
            "vk1.json",
            "public_wide.json",
            "proof.json",
        ],
    );
    assert_mentions(&err, &["public_wide.json", "signal 0", "not below"]);
    let mut proof = json(d, "proof.json");
    proof["pi_a"][1] = Value::String("1".into());
    write_json(d, "proof_off.json", &proof);
    let err = zkr_err(
        d,
        &[
            "groth16",
            "verify",
            "vk1.json",
            "public.json",
            "proof_off.json",
        ],
    );
    assert_mentions(&err, &["proof_off.json", "pi_a", "not on the curve"]);
    // The point at infinity has one encoding, (0, 1, 0).
    let mut proof = json(d, "proof.json");
    proof["pi_a"] = serde_json::json!(["5", "7", "0"]);
    write_json(d, "proof_inf.json", &proof);
    let err = zkr_err(
        d,
        &[
            "groth16",
            "verify",
            "vk1.json",
            "public.json",
            "proof_inf.json",
        ],
    );
    assert_mentions(
        &err,
        &[
            "proof_inf.json",
            "pi_a",
            "infinity must be written (0, 1, 0)",
        ],
    );
}

/// `x + r` in decimal: the same field element, not in canonical form.
fn num_plus_r(x: &Fr) -> String {
    let mut sum = x.into_bigint();
    sum.add_with_carry(&Fr::MODULUS);
    sum.to_string()
}

#[test]
fn prove_refuses_bad_witnesses_and_unfinished_keys_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let z = setup(d);
    let prove = |zkey: &str, wtns: &str, extra: &[&str]| {
        let mut args = vec![
            "groth16",
            "prove",
            zkey,
            wtns,
            "p.json",
            "s.json",
            "--backend",
            "cpu",
        ];
        args.extend_from_slice(extra);
        zkr_err(d, &args)
    };

    // Another circuit's witness (one public signal less: fewer wires).
    let (_, other) = prover_synthesis(cubic(PUBLIC - 1));
    wtns::write(&d.join("other.wtns"), &other).expect("write");
    let err = prove("c1.zkey", "other.wtns", &[]);
    assert_mentions(&err, &["other.wtns", "another circuit"]);

    // A truncated file.
    patch_bytes(&d.join("w.wtns"), &d.join("cut.wtns"), |b| {
        b.truncate(b.len() - 10)
    });
    assert_mentions(
        &prove("c1.zkey", "cut.wtns", &[]),
        &["cut.wtns", "truncated"],
    );

    // A witness over BLS12-381's scalar field (circom --prime bls12381).
    let bls = "52435875175126190479447740508185965837690552500527637822603658699938581184513";
    let bls_le = ark_bls_modulus_le(bls);
    patch_bytes(&d.join("w.wtns"), &d.join("bls.wtns"), |b| {
        // magic, version, count (12), section 1's id and size (12), n8 (4): the prime.
        b[28..60].copy_from_slice(&bls_le);
    });
    assert_mentions(
        &prove("c1.zkey", "bls.wtns", &[]),
        &["bls.wtns", "another field", bls],
    );

    // A value not below r (a second encoding of it), and a first wire that
    // is not the constant one. Values start after the container header (12),
    // section 1 (12 + 40) and section 2's header (12).
    const VALUES: usize = 76;
    patch_bytes(&d.join("w.wtns"), &d.join("wide.wtns"), |b| {
        b[VALUES + 32..VALUES + 64].fill(0xff)
    });
    assert_mentions(
        &prove("c1.zkey", "wide.wtns", &[]),
        &["wide.wtns", "wire 1", "not below the field's prime"],
    );
    patch_bytes(&d.join("w.wtns"), &d.join("two.wtns"), |b| b[VALUES] = 2);
    assert_mentions(
        &prove("c1.zkey", "two.wtns", &[]),
        &["two.wtns", "wire 0 must be the constant 1"],
    );

    // Not a witness file at all.
    std::fs::write(d.join("junk.wtns"), b"this is not a witness").expect("write");
    assert_mentions(&prove("c1.zkey", "junk.wtns", &[]), &["junk.wtns", "magic"]);

    // A witness that breaks a constraint: refused before any proof is
    // written; --check names the constraint.
    let mut bad = z.clone();
    bad[1 + PUBLIC + CUBE_WITNESS] += Fr::one();
    wtns::write(&d.join("bad.wtns"), &bad).expect("write");
    assert_mentions(
        &prove("c1.zkey", "bad.wtns", &[]),
        &["bad.wtns", "does not satisfy", "--check"],
    );
    assert!(
        !d.join("p.json").exists(),
        "no proof may be written for a witness that does not satisfy the circuit"
    );
    assert_mentions(
        &prove("c1.zkey", "bad.wtns", &["--check", "c.r1cs"]),
        &[
            "bad.wtns",
            "c.r1cs",
            &format!("constraint {CUBE_CONSTRAINT}"),
        ],
    );

    // A key no one contributed to: refused unless --allow-insecure.
    assert_mentions(
        &prove("c0.zkey", "w.wtns", &[]),
        &["c0.zkey", "no contribution", "forge"],
    );
    zkr_ok(
        d,
        &[
            "groth16",
            "prove",
            "c0.zkey",
            "w.wtns",
            "p0.json",
            "s0.json",
            "--backend",
            "cpu",
            "--allow-insecure",
        ],
    );
    assert!(
        snarkjs_verifies(d, "vk0.json", "s0.json", "p0.json"),
        "the insecure key's proof still verifies under its own key"
    );
}

/// A decimal modulus as 32 little-endian bytes.
fn ark_bls_modulus_le(decimal: &str) -> [u8; 32] {
    let n: ark_ff::BigInt<4> = decimal.parse().expect("a 256-bit number");
    let mut out = [0u8; 32];
    out.copy_from_slice(&n.to_bytes_le());
    out
}
