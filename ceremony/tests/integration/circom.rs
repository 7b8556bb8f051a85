//! Real circom circuits (circomlib's Poseidon, a Poseidon Merkle path, a
//! Baby Jubjub key with a comparator), compiled by circom, their witnesses
//! computed by circom's WebAssembly witness calculator: zkr's ceremony sets
//! them up from circom's `.r1cs`, `zkr-ceremony groth16 prove` proves them,
//! and snarkjs verifies zkr's proofs while zkr verifies snarkjs's, with the
//! same public signals. These tests fail (they never skip) when circom2 or
//! snarkjs is not installed: run `npm ci` in `ceremony/tests/snarkjs`.

use std::path::Path;

use crate::common::*;

/// The circuits of `tests/circuits` (each with its input), proven here.
const CIRCUITS: [&str; 3] = ["poseidon3", "merkle_root", "key_and_amount"];

/// The powers of tau every circuit fits (each has under 2^13 constraints and public values).
const POWER: u32 = 13;

#[test]
fn circom_circuits_prove_with_zkr_and_verify_in_snarkjs_and_the_other_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    prepared_ptau(d, POWER);
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/circuits");
    for name in CIRCUITS {
        for ext in ["circom", "json"] {
            std::fs::copy(
                sources.join(format!("{name}.{ext}")),
                d.join(format!("{name}.{ext}")),
            )
            .expect("copy the circuit");
        }
        circom_ok(d, &format!("{name}.circom"));
        let f = |suffix: &str| format!("{name}{suffix}");
        snarkjs_ok(
            d,
            &[
                "wtns",
                "calculate",
                &format!("{name}_js/{name}.wasm"),
                &f(".json"),
                &f(".wtns"),
            ],
        );
        zkr_ok(
            d,
            &["zkey", "new", &f(".r1cs"), "final.ptau", &f("_0.zkey")],
        );
        zkr_ok(
            d,
            &[
                "zkey",
                "contribute",
                &f("_0.zkey"),
                &f("_1.zkey"),
                "--name",
                "zkr",
            ],
        );
        snarkjs_ok(
            d,
            &[
                "zkey",
                "export",
                "verificationkey",
                &f("_1.zkey"),
                &f("_vk.json"),
            ],
        );

        zkr_ok(
            d,
            &[
                "groth16",
                "prove",
                &f("_1.zkey"),
                &f(".wtns"),
                &f("_proof.json"),
                &f("_public.json"),
                "--backend",
                "cpu",
                "--check",
                &f(".r1cs"),
            ],
        );
        let verified = snarkjs_ok(
            d,
            &[
                "groth16",
                "verify",
                &f("_vk.json"),
                &f("_public.json"),
                &f("_proof.json"),
            ],
        );
        assert!(
            verified.contains("OK!"),
            "{name}: snarkjs verify of zkr's proof said:\n{verified}"
        );

        snarkjs_ok(
            d,
            &[
                "groth16",
                "prove",
                &f("_1.zkey"),
                &f(".wtns"),
                &f("_sproof.json"),
                &f("_spublic.json"),
            ],
        );
        let ours = zkr_ok(
            d,
            &[
                "groth16",
                "verify",
                &f("_vk.json"),
                &f("_spublic.json"),
                &f("_sproof.json"),
            ],
        );
        assert!(
            ours.contains("OK!"),
            "{name}: zkr verify of snarkjs's proof said:\n{ours}"
        );
        let read = |file: String| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(d.join(file)).expect("read")).expect("json")
        };
        assert_eq!(
            read(f("_public.json")),
            read(f("_spublic.json")),
            "{name}: zkr's public signals vs snarkjs's"
        );
    }
}
