//! zkr's Groth16 prover with keys from a ceremony: the final `.zkey` of a
//! chain alternating zkr and snarkjs contributions loads as zkr's proving
//! key, and its proofs verify with arkworks and with `snarkjs groth16
//! verify`; altered proofs, wrong public inputs and another circuit's proof
//! fail both. These tests fail (they never skip) when snarkjs is not
//! installed: run `npm ci` in `ceremony/tests/snarkjs`.

use std::path::Path;

use crate::common::circuit::{cubic, cubic_public, export_cubic};
use crate::common::*;
use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_groth16::{prepare_verifying_key, Groth16, Proof, ProvingKey};
use ark_std::rand::SeedableRng;
use zkr_aggregator::wrap::groth16::prove_with;
use zkr_ceremony::zkey::export::{proof_json, proving_key, public_json};
use zkr_ceremony::zkey::format::ZkeyFile;
use zkr_cuda::CpuBackend;

/// Final keys of the test circuit with `public` inputs, from a ceremony:
/// zkr's `zkey new`, a zkr and a snarkjs contribution, a zkr beacon.
fn ceremony_keys(d: &Path, public: usize) -> ProvingKey<Bn254> {
    let r1cs = format!("c{public}.r1cs");
    export_cubic(d, &r1cs, public);
    let z = |i: usize| format!("c{public}_{i}.zkey");
    zkr_ok(d, &["zkey", "new", &r1cs, "final.ptau", &z(0)]);
    zkr_ok(d, &["zkey", "contribute", &z(0), &z(1), "--name", "zkr"]);
    snarkjs_ok(
        d,
        &[
            "zkey",
            "contribute",
            &z(1),
            &z(2),
            "-n=snarkjs",
            "-e=entropy",
        ],
    );
    zkr_ok(
        d,
        &[
            "zkey",
            "beacon",
            &z(2),
            &z(3),
            BEACON,
            "10",
            "--name",
            "beacon",
        ],
    );
    zkr_ok(d, &["zkey", "verify", &r1cs, "final.ptau", &z(3)]);
    let zkey = ZkeyFile::open(&d.join(z(3))).expect("open final zkey");
    proving_key(&zkey).expect("proving key from the final zkey")
}

fn prove(pk: &ProvingKey<Bn254>, public: usize, seed: u64) -> Proof<Bn254> {
    let mut rng = ark_std::rand::rngs::StdRng::seed_from_u64(seed);
    prove_with(&CpuBackend, pk, cubic(public), &mut rng).expect("zkr proves with ceremony keys")
}

fn arkworks_accepts(pk: &ProvingKey<Bn254>, inputs: &[Fr], proof: &Proof<Bn254>) -> bool {
    Groth16::<Bn254>::verify_proof(&prepare_verifying_key(&pk.vk), proof, inputs).unwrap_or(false)
}

/// Runs `snarkjs groth16 verify` on JSON files written to `d`; true on "OK!".
fn snarkjs_accepts(d: &Path, vk: &str, inputs: &[Fr], proof: &Proof<Bn254>, tag: &str) -> bool {
    let (public, proof_file) = (format!("public_{tag}.json"), format!("proof_{tag}.json"));
    std::fs::write(d.join(&public), public_json(inputs).to_string()).expect("write public.json");
    std::fs::write(d.join(&proof_file), proof_json(proof).to_string()).expect("write proof.json");
    let out = snarkjs(d, &["groth16", "verify", vk, &public, &proof_file]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    out.status.success() && text.contains("OK!")
}

#[test]
fn proof_with_ceremony_zkey_verifies_in_arkworks_and_snarkjs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ptau_chain(d, 5, false, &[By::Zkr("alice"), By::Snarkjs("bob")]);
    zkr_ok(
        d,
        &[
            "ptau",
            "prepare",
            "p2.ptau",
            "final.ptau",
            "--no-transcript",
        ],
    );
    let pk = ceremony_keys(d, 1);
    let inputs = cubic_public(1);
    let proof = prove(&pk, 1, 1);

    assert!(
        arkworks_accepts(&pk, &inputs, &proof),
        "arkworks expected to accept zkr's proof under the ceremony keys"
    );
    // snarkjs's own export of the verifying key, and ours.
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "c1_3.zkey",
            "snarkjs_vk.json",
        ],
    );
    zkr_ok(
        d,
        &["zkey", "export-verificationkey", "c1_3.zkey", "zkr_vk.json"],
    );
    for vk in ["snarkjs_vk.json", "zkr_vk.json"] {
        assert!(
            snarkjs_accepts(d, vk, &inputs, &proof, "good"),
            "snarkjs groth16 verify expected OK with {vk}"
        );
    }

    // Altered proof: C moved by the generator.
    let mut bad = proof.clone();
    bad.c = (bad.c + G1Affine::generator()).into_affine();
    assert!(
        !arkworks_accepts(&pk, &inputs, &bad),
        "arkworks accepted an altered proof"
    );
    assert!(
        !snarkjs_accepts(d, "snarkjs_vk.json", &inputs, &bad, "altered"),
        "snarkjs accepted an altered proof"
    );
    // Wrong public input.
    let wrong = vec![inputs[0] + Fr::from(1u64)];
    assert!(
        !arkworks_accepts(&pk, &wrong, &proof),
        "arkworks accepted a wrong input"
    );
    assert!(
        !snarkjs_accepts(d, "snarkjs_vk.json", &wrong, &proof, "wrong"),
        "snarkjs accepted a wrong input"
    );
    // A proof of another circuit (two public inputs, its own ceremony keys)
    // under this circuit's key.
    let other_pk = ceremony_keys(d, 2);
    let other_inputs = cubic_public(2);
    let other = prove(&other_pk, 2, 2);
    assert!(
        arkworks_accepts(&other_pk, &other_inputs, &other),
        "the other circuit's proof expected valid under its own keys"
    );
    assert!(
        !arkworks_accepts(&pk, &other_inputs[..1], &other),
        "arkworks accepted another circuit's proof"
    );
    assert!(
        !snarkjs_accepts(d, "snarkjs_vk.json", &other_inputs[..1], &other, "other"),
        "snarkjs accepted another circuit's proof"
    );
}
