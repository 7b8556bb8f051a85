//! The wrap's public input: the native function against an independent
//! computation (`sha2` + `BigUint` mod r, and vectors computed with Python's
//! `hashlib`), and the R1CS gadget against the native function, including the
//! range checks that make the encoding injective.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisMode};
use num_bigint::BigUint;
use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::field::types::{Field64, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use zkr_aggregator::wrap::public_input::{
    commitment_words, digest_bytes, public_input, public_input_bytes, public_input_of,
    public_input_preimage, public_input_var, root_bytes,
};
use zkr_circuits::batch::BatchPublicValues;

/// Constraints of `public_input_var`. A change here changes the wrap circuit.
const PUBLIC_INPUT_VAR_CONSTRAINTS: usize = 51_959;

const P: u64 = GoldilocksField::ORDER;

fn gf(x: u64) -> GoldilocksField {
    GoldilocksField(x)
}

fn gfs(xs: [u64; 4]) -> [GoldilocksField; 4] {
    xs.map(gf)
}

/// The public input computed without the crate: bytes by hand, `sha2`, `BigUint` mod r.
fn reference(old: [u64; 4], new: [u64; 4], commitment: &[u8; 32]) -> Fr {
    let mut msg = Vec::with_capacity(96);
    for x in old.iter().chain(&new) {
        msg.extend_from_slice(&(x % P).to_be_bytes());
    }
    msg.extend_from_slice(commitment);
    let digest = Sha256::digest(&msg);
    let r = BigUint::from_bytes_be(&Fr::MODULUS.to_bytes_be());
    let reduced = BigUint::from_bytes_be(&digest) % r;
    Fr::from(reduced)
}

fn hex_fr(x: &Fr) -> String {
    format!("0x{}", hex::encode(x.into_bigint().to_bytes_be()))
}

fn random_case(rng: &mut StdRng) -> ([u64; 4], [u64; 4], [u8; 32]) {
    let mut root = || core::array::from_fn(|_| rng.gen_range(0..P));
    let (old, new) = (root(), root());
    (old, new, rng.gen())
}

/// Synthesizes the gadget on witnesses holding the given integers (any `Fr`,
/// to feed out-of-range values).
fn synthesize(old: [Fr; 4], new: [Fr; 4], words: [Fr; 8]) -> (ConstraintSystemRef<Fr>, FpVar<Fr>) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let alloc = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x)).expect("witness");
    let old = old.map(alloc);
    let new = new.map(alloc);
    let words = words.map(alloc);
    let out = public_input_var(cs.clone(), &old, &new, &words).expect("synthesis");
    (cs, out)
}

fn fr_inputs(old: [u64; 4], new: [u64; 4], commitment: &[u8; 32]) -> ([Fr; 4], [Fr; 4], [Fr; 8]) {
    (
        old.map(Fr::from),
        new.map(Fr::from),
        commitment_words(commitment).map(Fr::from),
    )
}

/// Runs the gadget on canonical inputs: satisfied, and equal to the native value.
fn check_gadget(old: [u64; 4], new: [u64; 4], commitment: &[u8; 32]) -> Fr {
    let (o, n, w) = fr_inputs(old, new, commitment);
    let (cs, out) = synthesize(o, n, w);
    assert!(
        cs.is_satisfied().expect("satisfiability"),
        "canonical inputs {old:?} {new:?}: unsatisfied at {:?}",
        cs.which_is_unsatisfied()
    );
    let native = public_input(&gfs(old), &gfs(new), commitment);
    let got = out.value().expect("value");
    assert_eq!(
        hex_fr(&got),
        hex_fr(&native),
        "gadget (left) vs native (right) for {old:?} {new:?}"
    );
    got
}

#[test]
fn root_bytes_are_canonical_u64s_big_endian_in_order() {
    let root = gfs([1, 0x0102_0304_0506_0708, P - 1, 0]);
    let mut expected = [0u8; 32];
    expected[7] = 1;
    expected[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    expected[16..24].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    assert_eq!(
        hex::encode(root_bytes(&root)),
        hex::encode(expected),
        "root_bytes (left) vs expected (right)"
    );
}

#[test]
fn root_bytes_use_the_canonical_value_of_unreduced_elements() {
    // plonky2 may hold x + p internally for x < 2^32 - 1.
    let unreduced = gfs([P, P + 5, 3, P + 0xffff_fffd]);
    let reduced = gfs([0, 5, 3, 0xffff_fffd]);
    assert_eq!(
        root_bytes(&unreduced),
        root_bytes(&reduced),
        "unreduced (left) vs reduced (right)"
    );
}

#[test]
fn commitment_words_are_big_endian_words_in_order() {
    let commitment: [u8; 32] = core::array::from_fn(|i| i as u8);
    let words = commitment_words(&commitment);
    assert_eq!(words[0], 0x0001_0203, "word 0: got {:#x}", words[0]);
    assert_eq!(words[7], 0x1c1d_1e1f, "word 7: got {:#x}", words[7]);
}

#[test]
fn native_matches_sha2_and_biguint_on_random_inputs() {
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..200 {
        let (old, new, c) = random_case(&mut rng);
        let got = public_input(&gfs(old), &gfs(new), &c);
        let expected = reference(old, new, &c);
        assert_eq!(
            hex_fr(&got),
            hex_fr(&expected),
            "public_input (left) vs reference (right) for {old:?} {new:?} {c:?}"
        );
    }
}

/// Old root, new root, commitment, expected public input.
type Case = ([u64; 4], [u64; 4], [u8; 32], &'static str);

/// Vectors computed with Python: `int(hashlib.sha256(msg).hexdigest(), 16) % r`.
#[test]
fn native_matches_fixed_vectors() {
    let max = [P - 1; 4];
    let counting: [u8; 32] = core::array::from_fn(|i| i as u8);
    let cases: [Case; 3] = [
        (
            [0; 4],
            [0; 4],
            [0; 32],
            "0x2ea9ab9198d1638007400cd2c3bef1cc745b864b76011a0e1bc52180ac6452d4",
        ),
        // SHA-256 0x7ceb...add4 exceeds r: the reduction matters.
        (
            max,
            max,
            [0xff; 32],
            "0x1c22fa82dd1008ee50274d854cfca3f5b12365536f0e7b1834093f568dafadd2",
        ),
        (
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            counting,
            "0x19a8f9cacd09f8e7a981f1268b68758222dc976a3fa0b78ccafa4a4aafe64ffc",
        ),
    ];
    for (old, new, c, expected) in cases {
        let got = public_input(&gfs(old), &gfs(new), &c);
        assert_eq!(
            hex_fr(&got),
            expected,
            "public_input (left) vs Python (right)"
        );
        assert_eq!(
            hex_fr(&reference(old, new, &c)),
            expected,
            "reference (left) vs Python (right)"
        );
        assert_eq!(
            hex::encode(public_input_bytes(&got)),
            expected.trim_start_matches("0x"),
            "public_input_bytes (left) vs Python (right)"
        );
    }
}

#[test]
fn preimage_is_old_root_new_root_commitment() {
    let old = gfs([1, 2, 3, 4]);
    let new = gfs([5, 6, 7, 8]);
    let c = [0xab; 32];
    let pre = public_input_preimage(&old, &new, &c);
    assert_eq!(pre[..32], root_bytes(&old), "bytes 0..32: old root");
    assert_eq!(pre[32..64], root_bytes(&new), "bytes 32..64: new root");
    assert_eq!(pre[64..], c, "bytes 64..96: commitment");
}

#[test]
fn public_input_of_batch_values_matches_public_input() {
    let values = BatchPublicValues {
        old_root: HashOut {
            elements: gfs([11, 12, 13, P - 1]),
        },
        new_root: HashOut {
            elements: gfs([21, 22, 23, 24]),
        },
        commitment: [7; 32],
    };
    assert_eq!(
        digest_bytes(&values.old_root),
        root_bytes(&values.old_root.elements),
        "digest_bytes vs root_bytes"
    );
    assert_eq!(
        public_input_of(&values),
        public_input(
            &values.old_root.elements,
            &values.new_root.elements,
            &values.commitment
        ),
        "public_input_of (left) vs public_input (right)"
    );
    // Through the plonky2 public inputs and back.
    let decoded = BatchPublicValues::from_public_inputs(&values.to_public_inputs())
        .expect("decodes its own encoding");
    assert_eq!(
        public_input_of(&decoded),
        public_input_of(&values),
        "after round trip"
    );
}

#[test]
fn changing_any_bit_of_any_value_changes_the_native_output() {
    let mut rng = StdRng::seed_from_u64(2);
    let (old, new, c) = random_case(&mut rng);
    let base = public_input(&gfs(old), &gfs(new), &c);
    let mut checked = 0;
    for root in 0..2 {
        for i in 0..4 {
            for bit in 0..64 {
                let (mut o, mut n) = (old, new);
                let target = if root == 0 { &mut o[i] } else { &mut n[i] };
                *target ^= 1 << bit;
                if *target >= P {
                    continue; // not a Goldilocks element
                }
                let got = public_input(&gfs(o), &gfs(n), &c);
                assert_ne!(
                    got, base,
                    "root {root} element {i} bit {bit} flipped: same output"
                );
                checked += 1;
            }
        }
    }
    for bit in 0..256 {
        let mut c2 = c;
        c2[bit / 8] ^= 1 << (bit % 8);
        let got = public_input(&gfs(old), &gfs(new), &c2);
        assert_ne!(got, base, "commitment bit {bit} flipped: same output");
        checked += 1;
    }
    assert!(checked > 700, "checked only {checked} flips");
}

#[test]
fn gadget_constraint_count_is_pinned() {
    let mut rng = StdRng::seed_from_u64(3);
    let (old, new, c) = random_case(&mut rng);
    let (o, n, w) = fr_inputs(old, new, &c);
    let (cs, _) = synthesize(o, n, w);
    println!("public_input_var: {} constraints", cs.num_constraints());
    assert_eq!(
        cs.num_constraints(),
        PUBLIC_INPUT_VAR_CONSTRAINTS,
        "constraints: got (left) vs pinned (right)"
    );
}

#[test]
fn gadget_synthesizes_without_values_in_setup_mode() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    let alloc = || {
        FpVar::new_witness(cs.clone(), || -> Result<Fr, _> {
            Err(ark_relations::r1cs::SynthesisError::AssignmentMissing)
        })
        .expect("setup-mode witness")
    };
    let old: [FpVar<Fr>; 4] = core::array::from_fn(|_| alloc());
    let new: [FpVar<Fr>; 4] = core::array::from_fn(|_| alloc());
    let words: [FpVar<Fr>; 8] = core::array::from_fn(|_| alloc());
    let _out = public_input_var(cs.clone(), &old, &new, &words).expect("setup-mode synthesis");
    assert_eq!(
        cs.num_constraints(),
        PUBLIC_INPUT_VAR_CONSTRAINTS,
        "setup mode: got (left) vs pinned (right)"
    );
}

#[test]
fn gadget_matches_native_on_random_and_extreme_inputs() {
    let mut rng = StdRng::seed_from_u64(4);
    for _ in 0..3 {
        let (old, new, c) = random_case(&mut rng);
        check_gadget(old, new, &c);
    }
    let zero = check_gadget([0; 4], [0; 4], &[0; 32]);
    assert_eq!(
        hex_fr(&zero),
        "0x2ea9ab9198d1638007400cd2c3bef1cc745b864b76011a0e1bc52180ac6452d4",
        "all-zero vector"
    );
    let max = check_gadget([P - 1; 4], [P - 1; 4], &[0xff; 32]);
    assert_eq!(
        hex_fr(&max),
        "0x1c22fa82dd1008ee50274d854cfca3f5b12365536f0e7b1834093f568dafadd2",
        "all-max vector (largest canonical elements)"
    );
    // p - 1 is the high word all ones, low word zero; just below it, the high
    // word is 2^32 - 2 and the low word may be anything.
    check_gadget([0xffff_fffe_ffff_ffff; 4], [1 << 63; 4], &[0x80; 32]);
}

#[test]
fn changing_any_input_changes_the_gadget_output() {
    let mut rng = StdRng::seed_from_u64(5);
    let (old, new, c) = random_case(&mut rng);
    let base = check_gadget(old, new, &c);
    for i in 0..4 {
        let mut o = old;
        o[i] = (o[i] + 1) % P;
        assert_ne!(
            check_gadget(o, new, &c),
            base,
            "old_root[{i}] + 1: same output"
        );
        let mut n = new;
        n[i] = (n[i] + 1) % P;
        assert_ne!(
            check_gadget(old, n, &c),
            base,
            "new_root[{i}] + 1: same output"
        );
    }
    for j in 0..8 {
        let mut c2 = c;
        c2[4 * j + 3] ^= 1;
        assert_ne!(
            check_gadget(old, new, &c2),
            base,
            "commitment word {j} changed: same output"
        );
    }
}

#[test]
fn non_canonical_root_element_is_unsatisfied() {
    let mut rng = StdRng::seed_from_u64(6);
    let (old, new, c) = random_case(&mut rng);
    // x + p < 2^64 for x < 2^32 - 1: the same Goldilocks element, another integer.
    for x in [0u64, 1, 5, 0xffff_fffd] {
        for (root, i) in [(0, 0), (0, 3), (1, 1), (1, 2)] {
            let (mut o, mut n, w) = fr_inputs(old, new, &c);
            let target = if root == 0 { &mut o[i] } else { &mut n[i] };
            *target = Fr::from(x + P);
            let (cs, _) = synthesize(o, n, w);
            assert!(
                !cs.is_satisfied().expect("satisfiability"),
                "root {root} element {i} = {x} + p: satisfied"
            );
        }
    }
}

#[test]
fn root_element_of_2_pow_64_or_more_is_unsatisfied() {
    let (mut o, n, w) = fr_inputs([1, 2, 3, 4], [5, 6, 7, 8], &[0; 32]);
    for big in [
        Fr::from(u64::MAX) + Fr::from(1u64),
        Fr::from(u64::MAX) + Fr::from(3u64),
        -Fr::from(1u64),
    ] {
        o[2] = big;
        let (cs, _) = synthesize(o, n, w);
        assert!(
            !cs.is_satisfied().expect("satisfiability"),
            "old_root[2] = {}: satisfied",
            hex_fr(&big)
        );
    }
}

#[test]
fn commitment_word_of_2_pow_32_or_more_is_unsatisfied() {
    let (o, n, mut w) = fr_inputs([1, 2, 3, 4], [5, 6, 7, 8], &[0x11; 32]);
    for (j, big) in [(0, 1u64 << 32), (7, (1 << 32) + 0x1111_1111), (3, u64::MAX)] {
        let saved = w[j];
        w[j] = Fr::from(big);
        let (cs, _) = synthesize(o, n, w);
        assert!(
            !cs.is_satisfied().expect("satisfiability"),
            "commitment word {j} = {big:#x}: satisfied"
        );
        w[j] = saved;
    }
}

#[test]
fn public_input_variable_off_by_one_is_unsatisfied() {
    let mut rng = StdRng::seed_from_u64(7);
    let (old, new, c) = random_case(&mut rng);
    let expected = public_input(&gfs(old), &gfs(new), &c);
    for (delta, should_hold) in [(0i64, true), (1, false), (-1, false)] {
        let claimed = expected + Fr::from(delta);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input = FpVar::new_input(cs.clone(), || Ok(claimed)).expect("input");
        let (o, n, w) = fr_inputs(old, new, &c);
        let alloc = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x)).expect("witness");
        let out = public_input_var(cs.clone(), &o.map(alloc), &n.map(alloc), &w.map(alloc))
            .expect("synthesis");
        out.enforce_equal(&input).expect("equality");
        assert_eq!(
            cs.is_satisfied().expect("satisfiability"),
            should_hold,
            "public input = expected {delta:+}: satisfied (left) vs expected (right)"
        );
    }
}

#[test]
fn unreduced_plonky2_elements_give_the_canonical_public_input() {
    // The native function reduces what plonky2 holds; the circuit receives
    // canonical values (it rejects the others).
    let got = public_input(&gfs([P + 1, 2, 3, 4]), &gfs([5, 6, 7, 8]), &[0; 32]);
    let canonical = public_input(&gfs([1, 2, 3, 4]), &gfs([5, 6, 7, 8]), &[0; 32]);
    assert_eq!(got, canonical, "unreduced (left) vs canonical (right)");
    assert_eq!(
        gf(P + 1).to_canonical_u64(),
        1,
        "plonky2 canonicalizes x + p to x"
    );
}
