//! Phase 2 against snarkjs: `zkey new` writes snarkjs's initial keys byte
//! for byte, snarkjs verifies them against the circuit and the ptau, and a
//! powers-of-tau file that is too small or not prepared is refused by name.
//! These tests fail (they never skip) when snarkjs is not installed: run
//! `npm ci` in `ceremony/tests/snarkjs`.

use std::path::Path;

use crate::common::circuit::export_cubic;
use crate::common::*;
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

/// snarkjs's zkey commands name the contributor with `-n`, the entropy with `-e`.
fn snarkjs_zkey_contribute(d: &Path, input: &str, output: &str, name: &str) {
    let (name, entropy) = (format!("-n={name}"), format!("-e={name} entropy"));
    snarkjs_ok(d, &["zkey", "contribute", input, output, &name, &entropy]);
}

#[test]
fn zkr_zkey_beacon_is_byte_identical_to_snarkjs_zkey_beacon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 1);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    snarkjs_zkey_contribute(d, "c0.zkey", "c1.zkey", "alice");
    snarkjs_ok(
        d,
        &[
            "zkey",
            "beacon",
            "c1.zkey",
            "snarkjs.zkey",
            BEACON,
            "10",
            "-n=beacon",
        ],
    );
    let out = zkr_ok(
        d,
        &[
            "zkey", "beacon", "c1.zkey", "zkr.zkey", BEACON, "10", "--name", "beacon",
        ],
    );
    assert_mentions(&out, &["Contribution #2 (beacon)", "Contribution Hash"]);
    if let Some(diff) = zkey_difference(&d.join("zkr.zkey"), &d.join("snarkjs.zkey")) {
        panic!("beacon outputs expected byte-identical, got {diff}");
    }
}

#[test]
fn chain_alternating_zkr_and_snarkjs_zkey_contributions_verifies_in_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 2);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    snarkjs_zkey_contribute(d, "c0.zkey", "c1.zkey", "snarkjs A");
    zkr_ok(
        d,
        &[
            "zkey",
            "contribute",
            "c1.zkey",
            "c2.zkey",
            "--name",
            "zkr B",
        ],
    );
    snarkjs_zkey_contribute(d, "c2.zkey", "c3.zkey", "snarkjs C");
    zkr_ok(
        d,
        &[
            "zkey",
            "beacon",
            "c3.zkey",
            "c4.zkey",
            BEACON,
            "10",
            "--name",
            "zkr beacon",
        ],
    );
    for file in ["c2.zkey", "c3.zkey", "c4.zkey"] {
        let out = snarkjs_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", file]);
        assert_mentions(&out, &["ZKey Ok!"]);
        let out = zkr_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", file]);
        assert_mentions(&out, &["ZKey OK"]);
    }
    let out = zkr_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", "c4.zkey"]);
    assert_mentions(
        &out,
        &[
            "Contribution #1: snarkjs A",
            "Contribution #2: zkr B",
            "Contribution #3: snarkjs C",
            "Contribution #4: zkr beacon",
            "4 contribution(s) verified",
        ],
    );
}

/// Byte range of section `id`'s body in a `.zkey`.
fn section_range(path: &Path, id: u32) -> std::ops::Range<usize> {
    let file = zkr_ceremony::binfile::BinFile::open(path, b"zkey").expect("open zkey");
    let r = file.range(id).expect("section present");
    r.start as usize..r.end as usize
}

/// Replaces G1 point `index` of section `id` by itself plus the generator.
fn shift_g1(bytes: &mut [u8], range: std::ops::Range<usize>, index: usize) {
    use ark_ec::{AffineRepr, CurveGroup};
    use zkr_ceremony::ptau::encoding::PtauGroup;
    let at = range.start + index * 64;
    let p = ark_bn254::G1Affine::read_lem(&bytes[at..at + 64]).expect("valid point");
    (p + ark_bn254::G1Affine::generator())
        .into_affine()
        .write_lem(&mut bytes[at..at + 64]);
}

#[test]
fn tampered_zkey_fails_verify_naming_section_or_contribution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 1);
    export_cubic(d, "other.r1cs", 2);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    zkr_ok(
        d,
        &[
            "zkey",
            "contribute",
            "c0.zkey",
            "c1.zkey",
            "--name",
            "alice",
        ],
    );
    zkr_ok(
        d,
        &["zkey", "contribute", "c1.zkey", "c2.zkey", "--name", "bob"],
    );
    let good_path = d.join("c2.zkey");
    let good = std::fs::read(&good_path).expect("read zkey");
    let verify_err = |name: &str, bytes: &[u8]| {
        std::fs::write(d.join(name), bytes).expect("write tampered zkey");
        zkr_err(d, &["zkey", "verify", "c.r1cs", "final.ptau", name])
    };
    for (id, needle) in [
        (section::IC, "IC (section 3)"),
        (section::A, "A (section 5)"),
        (section::B1, "B1 (section 6)"),
        (section::C, "C (section 8)"),
        (section::H, "H (section 9)"),
    ] {
        let mut bytes = good.clone();
        shift_g1(&mut bytes, section_range(&good_path, id), 1);
        let err = verify_err(&format!("bad{id}.zkey"), &bytes);
        assert_mentions(&err, &[needle]);
    }
    // A coefficient of A, B: its value's low byte.
    let mut bytes = good.clone();
    let coefs = section_range(&good_path, section::COEFS);
    bytes[coefs.start + 4 + 12] ^= 1;
    assert_mentions(
        &verify_err("coef.zkey", &bytes),
        &["coefficients (section 4)"],
    );
    // delta2 replaced by the generator: no longer delta1's twin.
    let mut bytes = good.clone();
    let header = section_range(&good_path, section::HEADER);
    let delta2 = header.end - 128;
    let mut g2 = [0u8; 128];
    zkr_ceremony::ptau::encoding::PtauGroup::write_lem(
        &<ark_bn254::G2Affine as ark_ec::AffineRepr>::generator(),
        &mut g2,
    );
    bytes[delta2..header.end].copy_from_slice(&g2);
    assert_mentions(
        &verify_err("delta.zkey", &bytes),
        &["Groth16 header", "delta2"],
    );
    // bob's g1_sx altered: his transcript no longer matches.
    let mut bytes = good.clone();
    let mpc = section_range(&good_path, section::CONTRIBUTIONS);
    // Section 10: circuit hash (64), count (4), then records of four points
    // (3 G1, 1 G2), transcript (64), type (4), parameter length (4), parameters.
    let fixed = 3 * 64 + 128 + 64 + 4 + 4;
    let alice_params_at = mpc.start + 68 + fixed - 4;
    let alice_params = u32::from_le_bytes(
        bytes[alice_params_at..alice_params_at + 4]
            .try_into()
            .expect("4 bytes"),
    ) as usize;
    let bob = mpc.start + 68 + fixed + alice_params;
    shift_g1(&mut bytes, bob..bob + 4 * 64, 2);
    assert_mentions(
        &verify_err("bob.zkey", &bytes),
        &["contribution #2 \"bob\"", "transcript hash"],
    );
    // The keys of another circuit.
    let err = zkr_err(
        d,
        &["zkey", "verify", "other.r1cs", "final.ptau", "c2.zkey"],
    );
    assert_mentions(&err, &["not what the circuit and the powers of tau give"]);
}

#[test]
fn zkr_verifies_a_snarkjs_made_zkey_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 1);
    snarkjs_ok(d, &["groth16", "setup", "c.r1cs", "final.ptau", "s0.zkey"]);
    snarkjs_zkey_contribute(d, "s0.zkey", "s1.zkey", "carol");
    snarkjs_ok(
        d,
        &[
            "zkey",
            "beacon",
            "s1.zkey",
            "s2.zkey",
            BEACON,
            "10",
            "-n=final beacon",
        ],
    );
    let out = zkr_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", "s2.zkey"]);
    assert_mentions(
        &out,
        &[
            "Contribution #1: carol",
            "Contribution #2: final beacon",
            "2 contribution(s) verified",
        ],
    );
}

#[test]
fn zkey_with_a_skipped_contribution_fails_naming_the_broken_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    export_cubic(d, "c.r1cs", 1);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    for (i, name) in ["alice", "bob", "carol"].iter().enumerate() {
        let (input, output) = (format!("c{i}.zkey"), format!("c{}.zkey", i + 1));
        zkr_ok(d, &["zkey", "contribute", &input, &output, "--name", name]);
    }
    // Drop bob's record from section 10; everything else stays carol's.
    let good = d.join("c3.zkey");
    let file = zkr_ceremony::binfile::BinFile::open(&good, b"zkey").expect("open zkey");
    let zkey = zkr_ceremony::zkey::format::ZkeyFile::open(&good).expect("open zkey");
    let mut mpc = zkey.mpc.clone();
    mpc.contributions.remove(1);
    let bad = d.join("skipped.zkey");
    let mut w = zkr_ceremony::binfile::BinWriter::create(&bad, b"zkey", 10).expect("create");
    for &id in file.order() {
        w.start(id).expect("section");
        if id == section::CONTRIBUTIONS {
            w.write(&mpc.encode()).expect("write");
        } else {
            w.write(&file.read_section(id, section::name(id)).expect("read"))
                .expect("write");
        }
    }
    w.finish().expect("finish");
    let err = zkr_err(
        d,
        &["zkey", "verify", "c.r1cs", "final.ptau", "skipped.zkey"],
    );
    assert_mentions(&err, &["contribution #2 \"carol\""]);
}

#[test]
fn a_zkey_without_contributions_fails_verify_and_export_keys_and_one_of_another_circuit_is_not_exported(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d);
    // One public input, as the wrap circuit has: only the circuit tie tells them apart.
    export_cubic(d, "c.r1cs", 1);
    zkr_ok(d, &["zkey", "new", "c.r1cs", "final.ptau", "c0.zkey"]);
    let err = zkr_err(d, &["zkey", "verify", "c.r1cs", "final.ptau", "c0.zkey"]);
    assert_mentions(&err, &["c0.zkey", "no contribution", "forge"]);
    let export = |zkey: &str, extra: &[&str]| {
        let mut args = vec![
            "zkey",
            "export-keys",
            zkey,
            "--r1cs",
            "c.r1cs",
            "--ptau",
            "final.ptau",
            "--keys",
            "keys",
            "--capacity",
            "3",
        ];
        args.extend_from_slice(extra);
        zkr_err(d, &args)
    };
    let err = export("c0.zkey", &[]);
    assert_mentions(&err, &["c0.zkey", "no contribution"]);
    assert!(
        !d.join("keys").exists(),
        "expected no keys written for a .zkey without contributions"
    );

    zkr_ok(
        d,
        &[
            "zkey",
            "contribute",
            "c0.zkey",
            "c1.zkey",
            "--name",
            "alice",
        ],
    );
    zkr_ok(d, &["zkey", "verify", "c.r1cs", "final.ptau", "c1.zkey"]);
    // Sound keys, but of the test circuit: refused once the wrap circuit is
    // built and compared.
    let err = export("c1.zkey", &[]);
    assert_mentions(
        &err,
        &[
            "c.r1cs is not the wrap circuit of capacity 3",
            "another circuit",
        ],
    );
    assert!(
        !d.join("keys").exists(),
        "expected no keys written for another circuit's .zkey"
    );
}
