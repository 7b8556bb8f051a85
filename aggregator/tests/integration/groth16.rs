//! Groth16 over BN254 on a one-public-input circuit (the wrap's public-input
//! gadget: knowledge of roots and a commitment hashing to the public input):
//! setup, proving, verification and its rejections, byte formats and the EVM
//! encoding.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use num_bigint::BigUint;
use plonky2::field::goldilocks_field::GoldilocksField;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkr_aggregator::wrap::groth16::{
    evm_to_g2, evm_to_proof, evm_to_vk, g1_to_evm, g2_to_evm, pk_from_bytes, pk_from_trusted_bytes,
    pk_to_bytes, proof_from_bytes, proof_to_bytes, proof_to_evm, prove, setup_insecure_dev, verify,
    vk_from_bytes, vk_to_bytes, vk_to_evm, EvmVerifyingKey, Groth16Error, PreparedKey, Proof,
    ProvingKey, VerifyingKey, EVM_PROOF_BYTES, PROOF_BYTES, U256,
};
use zkr_aggregator::wrap::public_input::{commitment_words, public_input, public_input_var};

/// Knowledge of two roots and a commitment whose public input is the one public input.
#[derive(Clone)]
struct PublicInputCircuit {
    old_root: [u64; 4],
    new_root: [u64; 4],
    commitment: [u8; 32],
}

impl PublicInputCircuit {
    fn public_input(&self) -> Fr {
        public_input(
            &self.old_root.map(GoldilocksField),
            &self.new_root.map(GoldilocksField),
            &self.commitment,
        )
    }
}

impl ConstraintSynthesizer<Fr> for PublicInputCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let input = FpVar::new_input(cs.clone(), || Ok(self.public_input()))?;
        let old = witnesses(&cs, self.old_root)?;
        let new = witnesses(&cs, self.new_root)?;
        let words = witnesses(&cs, commitment_words(&self.commitment).map(u64::from))?;
        let out = public_input_var(cs, &old, &new, &words)?;
        out.enforce_equal(&input)
    }
}

fn witnesses<const N: usize>(
    cs: &ConstraintSystemRef<Fr>,
    values: [u64; N],
) -> Result<[FpVar<Fr>; N], SynthesisError> {
    let vars = values
        .iter()
        .map(|x| FpVar::new_witness(cs.clone(), || Ok(Fr::from(*x))))
        .collect::<Result<Vec<_>, _>>()?;
    vars.try_into().map_err(|_| SynthesisError::Unsatisfiable)
}

/// Another one-public-input circuit: knowledge of a square root of `y`.
#[derive(Clone)]
struct SquareCircuit {
    x: Fr,
}

impl ConstraintSynthesizer<Fr> for SquareCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let y = FpVar::new_input(cs.clone(), || Ok(self.x.square()))?;
        let x = FpVar::new_witness(cs, || Ok(self.x))?;
        (&x * &x).enforce_equal(&y)
    }
}

struct Fixture {
    pk: ProvingKey,
    vk: VerifyingKey,
    proof: Proof,
    input: Fr,
    setup_time: Duration,
    prove_time: Duration,
}

fn circuit() -> PublicInputCircuit {
    PublicInputCircuit {
        old_root: [1, 2, 0xffff_ffff_0000_0000, 4],
        new_root: [5, 6, 7, 0x1234_5678_9abc_def0],
        commitment: core::array::from_fn(|i| (i * 7) as u8),
    }
}

/// Keys and one proof of [`circuit`], made once for all tests.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(42);
        let c = circuit();
        let start = Instant::now();
        let (pk, vk) = setup_insecure_dev(c.clone(), &mut rng).expect("setup");
        let setup_time = start.elapsed();
        let start = Instant::now();
        let proof = prove(&pk, c.clone(), &mut rng).expect("prove");
        let prove_time = start.elapsed();
        Fixture {
            pk,
            vk,
            proof,
            input: c.public_input(),
            setup_time,
            prove_time,
        }
    })
}

fn square_keys() -> &'static (ProvingKey, VerifyingKey, Proof, Fr) {
    static KEYS: OnceLock<(ProvingKey, VerifyingKey, Proof, Fr)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(7);
        let c = SquareCircuit {
            x: Fr::from(12345u64),
        };
        let (pk, vk) = setup_insecure_dev(c.clone(), &mut rng).expect("square setup");
        let proof = prove(&pk, c.clone(), &mut rng).expect("square prove");
        (pk, vk, proof, c.x.square())
    })
}

fn assert_rejected(result: Result<(), Groth16Error>, case: &str) {
    match result {
        Err(Groth16Error::Rejected { .. }) => {}
        other => panic!("{case}: expected Err(Rejected), got {other:?}"),
    }
}

fn assert_malformed<T: std::fmt::Debug>(result: Result<T, Groth16Error>, what: &str, case: &str) {
    match result {
        Err(Groth16Error::Malformed { what: got, .. }) if got == what => {}
        other => panic!("{case}: expected Err(Malformed {{ what: {what:?} }}), got {other:?}"),
    }
}

fn be(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

fn decimal_word(s: &str) -> U256 {
    let bytes = BigUint::parse_bytes(s.as_bytes(), 10)
        .expect("decimal")
        .to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - bytes.len()..].copy_from_slice(&bytes);
    U256(out)
}

/// A point on BN254's twist outside the prime-order subgroup.
fn g2_outside_subgroup() -> G2Affine {
    (1u64..)
        .filter_map(|k| G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(k), Fq::ONE), false))
        .find(|p| p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve())
        .expect("the twist has points outside the subgroup")
}

/// An `x` with no point on G1 (`x^3 + 3` is not a square).
fn x_off_g1() -> Fq {
    (1u64..)
        .map(Fq::from)
        .find(|x| (x.square() * x + Fq::from(3u64)).sqrt().is_none())
        .expect("half of all x are off the curve")
}

#[test]
fn valid_proof_verifies_and_setup_prove_times_are_reported() {
    let f = fixture();
    println!(
        "public-input circuit: setup {:?}, prove {:?} (this machine, test profile)",
        f.setup_time, f.prove_time
    );
    let start = Instant::now();
    verify(&f.vk, f.input, &f.proof).expect("valid proof verifies");
    println!("verify (preparing the key) {:?}", start.elapsed());
    let prepared = PreparedKey::new(&f.vk).expect("one public input");
    prepared
        .verify(f.input, &f.proof)
        .expect("valid proof verifies with the prepared key");
    assert_eq!(prepared.vk(), &f.vk, "prepared key keeps the verifying key");
}

#[test]
fn second_proof_of_the_same_statement_verifies() {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(99);
    let proof = prove(&f.pk, circuit(), &mut rng).expect("prove");
    assert_ne!(proof, f.proof, "proofs are randomized");
    verify(&f.vk, f.input, &proof).expect("second proof verifies");
}

#[test]
fn wrong_public_input_is_rejected() {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(1);
    for (case, input) in [
        ("input + 1", f.input + Fr::ONE),
        ("input - 1", f.input - Fr::ONE),
        ("zero", Fr::from(0u64)),
        ("random", Fr::rand(&mut rng)),
    ] {
        assert_rejected(verify(&f.vk, input, &f.proof), case);
    }
}

#[test]
fn proof_with_a_b_or_c_replaced_by_another_point_is_rejected() {
    let f = fixture();
    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let p = &f.proof;
    let cases = [
        (
            "A + G1",
            Proof {
                a: (p.a + g1).into_affine(),
                ..p.clone()
            },
        ),
        (
            "A = C",
            Proof {
                a: p.c,
                ..p.clone()
            },
        ),
        (
            "A = -A",
            Proof {
                a: -p.a,
                ..p.clone()
            },
        ),
        (
            "B + G2",
            Proof {
                b: (p.b + g2).into_affine(),
                ..p.clone()
            },
        ),
        ("B = G2", Proof { b: g2, ..p.clone() }),
        (
            "C + G1",
            Proof {
                c: (p.c + g1).into_affine(),
                ..p.clone()
            },
        ),
        (
            "C = A",
            Proof {
                c: p.a,
                ..p.clone()
            },
        ),
        (
            "C = infinity",
            Proof {
                c: G1Affine::zero(),
                ..p.clone()
            },
        ),
    ];
    for (case, proof) in cases {
        assert_rejected(verify(&f.vk, f.input, &proof), case);
    }
}

#[test]
fn proof_under_another_circuits_keys_is_rejected() {
    let f = fixture();
    let (_, square_vk, square_proof, square_input) = square_keys();
    verify(square_vk, *square_input, square_proof).expect("square proof verifies under its key");
    assert_rejected(
        verify(square_vk, f.input, &f.proof),
        "wrap proof under the square circuit's key",
    );
    assert_rejected(
        verify(&f.vk, *square_input, square_proof),
        "square proof under the wrap key",
    );
}

#[test]
fn verifying_key_without_exactly_one_public_input_is_a_typed_error() {
    let f = fixture();
    for n in [0usize, 2, 3] {
        let mut vk = f.vk.clone();
        vk.gamma_abc_g1.resize(n + 1, G1Affine::generator());
        match verify(&vk, f.input, &f.proof) {
            Err(Groth16Error::PublicInputCount { got }) if got == n => {}
            other => {
                panic!("{n} public inputs: expected PublicInputCount {{ got: {n} }}, got {other:?}")
            }
        }
    }
    let mut empty = f.vk.clone();
    empty.gamma_abc_g1.clear();
    assert!(
        matches!(
            PreparedKey::new(&empty),
            Err(Groth16Error::PublicInputCount { got: 0 })
        ),
        "no IC points: expected PublicInputCount {{ got: 0 }}"
    );
}

#[test]
fn proof_verifying_key_and_proving_key_bytes_round_trip() {
    let f = fixture();
    let proof_bytes = proof_to_bytes(&f.proof);
    assert_eq!(
        proof_bytes.len(),
        PROOF_BYTES,
        "proof length: got (left) vs expected (right)"
    );
    let proof = proof_from_bytes(&proof_bytes).expect("proof decodes");
    assert_eq!(proof, f.proof, "proof round trip");

    let vk_bytes = vk_to_bytes(&f.vk);
    let vk = vk_from_bytes(&vk_bytes).expect("vk decodes");
    assert_eq!(vk, f.vk, "vk round trip");
    verify(&vk, f.input, &proof).expect("decoded proof verifies under decoded key");

    let pk_bytes = pk_to_bytes(&f.pk);
    let start = Instant::now();
    let pk = pk_from_trusted_bytes(&pk_bytes).expect("pk decodes");
    println!(
        "proving key: {} bytes, trusted load {:?}; vk {} bytes",
        pk_bytes.len(),
        start.elapsed(),
        vk_bytes.len()
    );
    assert!(pk == f.pk, "pk round trip (trusted)");

    // The checked load runs every subgroup check: on the small circuit's key.
    let (square_pk, ..) = square_keys();
    let checked = pk_from_bytes(&pk_to_bytes(square_pk)).expect("small pk decodes checked");
    assert!(&checked == square_pk, "pk round trip (checked)");
}

#[test]
fn truncated_or_padded_bytes_are_malformed_not_a_panic() {
    let f = fixture();
    let proof_bytes = proof_to_bytes(&f.proof);
    for len in 0..proof_bytes.len() {
        assert_malformed(
            proof_from_bytes(&proof_bytes[..len]),
            "proof",
            &format!("proof cut to {len}"),
        );
    }
    let mut padded = proof_bytes.clone();
    padded.push(0);
    assert_malformed(
        proof_from_bytes(&padded),
        "proof",
        "proof with a trailing byte",
    );

    let vk_bytes = vk_to_bytes(&f.vk);
    for len in [0, 1, 31, 32, 100, vk_bytes.len() - 1] {
        assert_malformed(
            vk_from_bytes(&vk_bytes[..len]),
            "verifying key",
            &format!("vk cut to {len}"),
        );
    }
    let pk_bytes = pk_to_bytes(&f.pk);
    for len in [0, 64, pk_bytes.len() / 2, pk_bytes.len() - 1] {
        assert_malformed(
            pk_from_bytes(&pk_bytes[..len]),
            "proving key",
            &format!("pk cut to {len}"),
        );
        assert_malformed(
            pk_from_trusted_bytes(&pk_bytes[..len]),
            "proving key",
            &format!("pk cut to {len}, unchecked"),
        );
    }
}

#[test]
fn a_vector_length_past_the_bytes_is_malformed_before_anything_is_allocated() {
    // arkworks reserves a vector's declared length before reading it: without
    // the check, these lengths would abort the process (found by fuzzing).
    let f = fixture();
    let vk_bytes = vk_to_bytes(&f.vk);
    // α (32), β, γ, δ (64 each): then the public inputs' points' count.
    let at = 32 + 3 * 64;
    for count in [u64::MAX, 1 << 40, 3] {
        let mut lying = vk_bytes.clone();
        lying[at..at + 8].copy_from_slice(&count.to_le_bytes());
        match vk_from_bytes(&lying) {
            Err(Groth16Error::Malformed { what, reason }) => assert!(
                what == "verifying key" && reason.contains(&format!("declares {count} points")),
                "expected the vk's count {count} named, got {what}: {reason}"
            ),
            other => panic!("expected a vk declaring {count} points malformed, got {other:?}"),
        }
    }
    let pk_bytes = pk_to_bytes(&f.pk);
    // The proving key's first vector is its verifying key's, uncompressed.
    let at = 64 + 3 * 128;
    let mut lying = pk_bytes.clone();
    lying[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_malformed(
        pk_from_trusted_bytes(&lying),
        "proving key",
        "pk declaring 2^64 - 1 points",
    );
}

#[test]
fn off_curve_and_out_of_subgroup_points_are_malformed() {
    let f = fixture();
    // A: an x with no point on the curve (compressed G1 is x little-endian, flags in the top bits).
    let mut bytes = proof_to_bytes(&f.proof);
    let mut x = Vec::new();
    ark_serialize::CanonicalSerialize::serialize_uncompressed(&x_off_g1(), &mut x).expect("fq");
    bytes[..32].copy_from_slice(&x);
    assert_malformed(proof_from_bytes(&bytes), "proof", "A off the curve");

    // B: on the twist but outside the prime-order subgroup.
    let bad = Proof {
        b: g2_outside_subgroup(),
        ..f.proof.clone()
    };
    assert_malformed(
        proof_from_bytes(&proof_to_bytes(&bad)),
        "proof",
        "B outside the subgroup",
    );
    let bad_vk = VerifyingKey {
        delta_g2: g2_outside_subgroup(),
        ..f.vk.clone()
    };
    assert_malformed(
        vk_from_bytes(&vk_to_bytes(&bad_vk)),
        "verifying key",
        "delta outside the subgroup",
    );

    // Proving key (uncompressed): alpha_g1's x changed, so (x, y) is off the curve.
    let mut pk_bytes = pk_to_bytes(&f.pk);
    pk_bytes[0] ^= 1;
    assert_malformed(
        pk_from_bytes(&pk_bytes),
        "proving key",
        "pk alpha off the curve",
    );
}

#[test]
fn evm_proof_layout_is_a_then_b_imaginary_first_then_c_and_a_is_not_negated() {
    let f = fixture();
    let p = &f.proof;
    let evm = proof_to_evm(p);
    assert_eq!(evm.len(), EVM_PROOF_BYTES, "EVM proof length");
    let (ax, ay) = p.a.xy().expect("A finite");
    let (bx, by) = p.b.xy().expect("B finite");
    let (cx, cy) = p.c.xy().expect("C finite");
    let expected = [ax, ay, bx.c1, bx.c0, by.c1, by.c0, cx, cy];
    let names = [
        "A.x",
        "A.y (not negated)",
        "B.x.c1",
        "B.x.c0",
        "B.y.c1",
        "B.y.c0",
        "C.x",
        "C.y",
    ];
    for (i, (want, name)) in expected.iter().zip(names).enumerate() {
        assert_eq!(
            hex::encode(&evm[32 * i..32 * (i + 1)]),
            hex::encode(be(want)),
            "word {i} should be {name}: got (left) vs expected (right)"
        );
    }
}

/// EIP-197's G2 generator as Solidity verifiers write it (`Pairing.P2()`),
/// imaginary part first.
#[test]
fn evm_g2_generator_matches_eip197_imaginary_first() {
    let expected = [
        [
            decimal_word(
                "11559732032986387107991004021392285783925812861821192530917403151452391805634",
            ),
            decimal_word(
                "10857046999023057135944570762232829481370756359578518086990519993285655852781",
            ),
        ],
        [
            decimal_word(
                "4082367875863433681332203403145435568316851327593401208105741076214120093531",
            ),
            decimal_word(
                "8495653923123431417604973247489272438418190587263600148770280649306958101930",
            ),
        ],
    ];
    assert_eq!(
        g2_to_evm(&G2Affine::generator()),
        expected,
        "ours (left) vs EIP-197 (right)"
    );
    assert_eq!(
        evm_to_g2("generator", &expected).expect("decodes"),
        G2Affine::generator(),
        "decoding EIP-197's generator"
    );
    assert_eq!(
        g1_to_evm(&G1Affine::generator()),
        [decimal_word("1"), decimal_word("2")],
        "G1 generator is (1, 2)"
    );
}

#[test]
fn evm_proof_round_trips_and_still_verifies() {
    let f = fixture();
    let decoded = evm_to_proof(&proof_to_evm(&f.proof)).expect("decodes");
    assert_eq!(decoded, f.proof, "evm round trip");
    verify(&f.vk, f.input, &decoded).expect("decoded proof verifies");
    let with_infinity = Proof {
        c: G1Affine::zero(),
        b: G2Affine::zero(),
        ..f.proof.clone()
    };
    let evm = proof_to_evm(&with_infinity);
    assert!(
        evm[64..192].iter().all(|b| *b == 0),
        "B at infinity encodes as zeros"
    );
    assert_eq!(
        evm_to_proof(&evm).expect("decodes"),
        with_infinity,
        "infinity round trip"
    );
}

#[test]
fn evm_verifying_key_round_trips_through_json() {
    let f = fixture();
    let evm = vk_to_evm(&f.vk);
    assert_eq!(evm.ic.len(), 2, "IC points: one public input");
    assert_eq!(evm.beta, g2_to_evm(&f.vk.beta_g2), "beta encoded as G2");
    let json = serde_json::to_string_pretty(&evm).expect("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("json parses");
    let alpha_x = value["alpha"][0].as_str().expect("alpha.x is a string");
    assert!(
        alpha_x.starts_with("0x") && alpha_x.len() == 66,
        "uint256 as 0x + 64 hex digits, got {alpha_x:?}"
    );
    let back: EvmVerifyingKey = serde_json::from_str(&json).expect("json decodes");
    assert_eq!(back, evm, "json round trip");
    assert_eq!(
        evm_to_vk(&back).expect("points decode"),
        f.vk,
        "vk round trip"
    );
}

#[test]
fn evm_decoding_rejects_bad_coordinates_and_points() {
    let f = fixture();
    let good = proof_to_evm(&f.proof);

    assert_malformed(evm_to_proof(&good[..255]), "proof", "a truncated proof");
    let mut longer = good.to_vec();
    longer.push(0);
    assert_malformed(
        evm_to_proof(&longer),
        "proof",
        "a proof with a trailing byte",
    );

    let mut too_big = good;
    too_big[..32].copy_from_slice(&[0xff; 32]);
    assert_malformed(evm_to_proof(&too_big), "proof.A", "A.x >= q");

    let mut off_curve = good;
    off_curve[63] ^= 1;
    assert_malformed(evm_to_proof(&off_curve), "proof.A", "A.y changed");

    let mut swapped = good;
    swapped[64..96].copy_from_slice(&good[96..128]);
    swapped[96..128].copy_from_slice(&good[64..96]);
    assert_malformed(
        evm_to_proof(&swapped),
        "proof.B",
        "B.x halves swapped (c0 first)",
    );

    let mut outside = good;
    for (i, w) in g2_to_evm(&g2_outside_subgroup())
        .iter()
        .flatten()
        .enumerate()
    {
        outside[64 + 32 * i..96 + 32 * i].copy_from_slice(&w.0);
    }
    assert_malformed(evm_to_proof(&outside), "proof.B", "B outside the subgroup");

    let mut c_off = good;
    c_off[255] ^= 1;
    assert_malformed(evm_to_proof(&c_off), "proof.C", "C.y changed");

    let mut evm_vk = vk_to_evm(&f.vk);
    evm_vk.ic[1][1].0[31] ^= 1;
    assert_malformed(
        evm_to_vk(&evm_vk),
        "verifying key IC",
        "IC[1] off the curve",
    );
}

#[test]
fn uint256_json_requires_0x_and_64_hex_digits() {
    for bad in [
        "\"12\"",
        "\"0x12\"",
        &format!("\"{}\"", "0".repeat(64)),
        &format!("\"0x{}\"", "g".repeat(64)),
    ] {
        assert!(
            serde_json::from_str::<U256>(bad).is_err(),
            "{bad} should not decode as a uint256"
        );
    }
    let ok: U256 = serde_json::from_str(&format!("\"0x{}01\"", "0".repeat(62))).expect("decodes");
    assert_eq!(ok.0[31], 1, "last byte of 0x...01");
}

#[test]
fn keys_directory_round_trips_and_refuses_other_circuits_and_altered_files() {
    use zkr_aggregator::wrap::keys::{
        KeysDir, KeysError, Origin, EVM_VK_FILE, MANIFEST_FILE, PK_FILE, VK_FILE,
    };
    let (pk, vk, _, _) = square_keys();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = KeysDir::new(tmp.path().join("keys"));
    assert!(!dir.exists(), "expected an empty directory to hold no keys");
    let manifest = dir
        .write("circuit-a", Origin::InsecureDev, Some(pk), vk)
        .expect("keys written");
    assert!(dir.exists(), "expected the written keys found");
    assert_eq!(
        (manifest.origin, manifest.circuit_id.as_str()),
        (Origin::InsecureDev, "circuit-a"),
        "expected the manifest to record origin and circuit"
    );
    assert_eq!(dir.manifest().expect("manifest reads"), manifest);
    assert_eq!(&dir.verifying_key("circuit-a").expect("vk loads"), vk);
    assert_eq!(&dir.proving_key("circuit-a").expect("pk loads"), pk);
    assert_eq!(
        dir.evm_verifying_key().expect("EVM key reads"),
        vk_to_evm(vk),
        "expected verifying-key.json to be the EVM encoding of the key"
    );

    match dir.verifying_key("circuit-b") {
        Err(KeysError::WrongCircuit {
            expected, found, ..
        }) => assert_eq!(
            (expected.as_str(), found.as_str()),
            ("circuit-b", "circuit-a")
        ),
        other => panic!("expected keys of another circuit refused, got {other:?}"),
    }

    for file in [PK_FILE, VK_FILE] {
        let path = tmp.path().join("keys").join(file);
        let original = std::fs::read(&path).expect("key file");
        let mut altered = original.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        std::fs::write(&path, &altered).expect("alter");
        let result = if file == PK_FILE {
            dir.proving_key("circuit-a").map(|_| ())
        } else {
            dir.verifying_key("circuit-a").map(|_| ())
        };
        match result {
            Err(KeysError::HashMismatch { path: p, .. }) => assert!(
                p.ends_with(file),
                "expected the altered file {file} named, got {}",
                p.display()
            ),
            other => panic!("expected altered {file} refused by its hash, got {other:?}"),
        }
        std::fs::write(&path, &original).expect("restore");
    }

    // What a verifier contract is made from: every file checked, the EVM key
    // derived from the pinned wrap.vk, and a swapped verifying-key.json refused.
    let (m, evm) = dir
        .checked_evm_verifying_key("circuit-a")
        .expect("untouched keys pass");
    assert_eq!((m, evm), (manifest.clone(), vk_to_evm(vk)));
    let mut rng = StdRng::seed_from_u64(8);
    let (_, other_vk) =
        setup_insecure_dev(SquareCircuit { x: Fr::from(3u64) }, &mut rng).expect("another setup");
    let json = tmp.path().join("keys").join(EVM_VK_FILE);
    let original = std::fs::read(&json).expect("EVM key");
    std::fs::write(
        &json,
        serde_json::to_vec(&vk_to_evm(&other_vk)).expect("encode"),
    )
    .expect("swap the EVM key");
    match dir.checked_evm_verifying_key("circuit-a") {
        Err(KeysError::EvmKeyMismatch { path }) => assert!(path.ends_with(EVM_VK_FILE)),
        other => panic!("expected a swapped verifying-key.json refused, got {other:?}"),
    }
    std::fs::write(&json, &original).expect("restore");
    let pk_path = tmp.path().join("keys").join(PK_FILE);
    let pk_bytes = std::fs::read(&pk_path).expect("pk");
    let mut altered = pk_bytes.clone();
    altered[0] ^= 1;
    std::fs::write(&pk_path, &altered).expect("alter pk");
    assert!(
        matches!(
            dir.checked_evm_verifying_key("circuit-a"),
            Err(KeysError::HashMismatch { .. })
        ),
        "expected an altered proving key refused before a verifier is made"
    );
    std::fs::write(&pk_path, &pk_bytes).expect("restore pk");
    assert!(
        matches!(
            dir.checked_evm_verifying_key("circuit-b"),
            Err(KeysError::WrongCircuit { .. })
        ),
        "expected keys of another circuit refused"
    );

    dir.write("circuit-a", Origin::InsecureDev, None, vk)
        .expect("verifier-only keys written");
    assert!(
        !tmp.path().join("keys").join(PK_FILE).exists(),
        "expected the old proving key removed from a verifier-only copy"
    );
    assert!(
        matches!(
            dir.proving_key("circuit-a"),
            Err(KeysError::NoProvingKey(_))
        ),
        "expected a verifier-only copy to have no proving key"
    );
    assert_eq!(&dir.verifying_key("circuit-a").expect("vk loads"), vk);

    std::fs::remove_file(tmp.path().join("keys").join(MANIFEST_FILE)).expect("remove manifest");
    assert!(!dir.exists(), "expected no keys without a manifest");
    assert!(
        matches!(
            dir.verifying_key("circuit-a"),
            Err(KeysError::Manifest { .. })
        ),
        "expected a missing manifest named"
    );
}
