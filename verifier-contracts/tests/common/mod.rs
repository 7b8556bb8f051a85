//! Shared by the contract tests: a one-public-input Groth16 circuit with
//! seeded keys, its generated and compiled verifier, and the EVM encoding of
//! keys and proofs (as zkr-aggregator's wrap writes them).

#![allow(dead_code)]

use std::sync::OnceLock;

use alloy::primitives::U256;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField, UniformRand, Zero};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey};
use ark_relations::lc;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_contracts::{
    compile, generate_verifier, Compiled, EvmVerifyingKey, Word, VERIFIER_CONTRACT,
};

// ---------------------------------------------------------------------------
// The circuit, keys and contract (shared by every test)
// ---------------------------------------------------------------------------

/// `x · y = product`, with `product` the one public input.
#[derive(Clone, Copy)]
pub struct ProductCircuit {
    pub x: Option<Fr>,
    pub y: Option<Fr>,
    pub product: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for ProductCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let product =
            cs.new_input_variable(|| self.product.ok_or(SynthesisError::AssignmentMissing))?;
        let x = cs.new_witness_variable(|| self.x.ok_or(SynthesisError::AssignmentMissing))?;
        let y = cs.new_witness_variable(|| self.y.ok_or(SynthesisError::AssignmentMissing))?;
        cs.enforce_constraint(lc!() + x, lc!() + y, lc!() + product)
    }
}

pub struct Fixture {
    pub pk: ProvingKey<Bn254>,
    pub pvk: PreparedVerifyingKey<Bn254>,
    pub source: String,
    pub compiled: Compiled,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
        let blank = ProductCircuit {
            x: None,
            y: None,
            product: None,
        };
        let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(blank, &mut rng).unwrap();
        let source = generate_verifier(&evm_vk(&vk)).unwrap();
        let compiled = compile("Verifier.sol", &source, VERIFIER_CONTRACT)
            .unwrap_or_else(|e| panic!("generated Verifier.sol does not compile: {e}\n{source}"));
        Fixture {
            pvk: ark_groth16::prepare_verifying_key(&vk),
            pk,
            source,
            compiled,
        }
    })
}

/// A proof that `product` has a factorisation, with a random one.
pub fn prove(product: Fr, rng: &mut ChaCha20Rng) -> Proof<Bn254> {
    let x = loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            break x;
        }
    };
    let y = product * x.inverse().unwrap();
    let circuit = ProductCircuit {
        x: Some(x),
        y: Some(y),
        product: Some(product),
    };
    Groth16::<Bn254>::prove(&fixture().pk, circuit, rng).unwrap()
}

// ---------------------------------------------------------------------------
// The EVM encoding (as zkr-aggregator's wrap writes it)
// ---------------------------------------------------------------------------

pub fn word(bytes: Vec<u8>) -> Word {
    let mut w = [0u8; 32];
    w.copy_from_slice(&bytes);
    Word(w)
}

pub fn fq_word(x: &Fq) -> Word {
    word(x.into_bigint().to_bytes_be())
}

pub fn g1_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y)],
        None => [Word::default(); 2],
    }
}

pub fn g2_words(p: &G2Affine) -> [[Word; 2]; 2] {
    match p.xy() {
        Some((x, y)) => [
            [fq_word(&x.c1), fq_word(&x.c0)],
            [fq_word(&y.c1), fq_word(&y.c0)],
        ],
        None => [[Word::default(); 2]; 2],
    }
}

pub fn evm_vk(vk: &ark_groth16::VerifyingKey<Bn254>) -> EvmVerifyingKey {
    EvmVerifyingKey {
        alpha: g1_words(&vk.alpha_g1),
        beta: g2_words(&vk.beta_g2),
        gamma: g2_words(&vk.gamma_g2),
        delta: g2_words(&vk.delta_g2),
        ic: vk.gamma_abc_g1.iter().map(g1_words).collect(),
    }
}

pub fn u256(w: Word) -> U256 {
    U256::from_be_bytes(w.0)
}

pub fn fr_u256(x: Fr) -> U256 {
    U256::from_be_slice(&x.into_bigint().to_bytes_be())
}

/// `A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y`, A not negated.
pub fn proof_words(a: &G1Affine, b: &G2Affine, c: &G1Affine) -> [U256; 8] {
    let [ax, ay] = g1_words(a);
    let [[bx1, bx0], [by1, by0]] = g2_words(b);
    let [cx, cy] = g1_words(c);
    [ax, ay, bx1, bx0, by1, by0, cx, cy].map(u256)
}

pub fn evm_proof(proof: &Proof<Bn254>) -> [U256; 8] {
    proof_words(&proof.a, &proof.b, &proof.c)
}

/// The field element a word encodes, if canonical.
pub fn fq_from(w: U256) -> Option<Fq> {
    Fq::from_bigint(ark_ff::BigInt::new(w.into_limbs()))
}

/// The G1 point of two words, if canonical and on the curve ((0, 0) is infinity).
pub fn g1_from(x: U256, y: U256) -> Option<G1Affine> {
    let (x, y) = (fq_from(x)?, fq_from(y)?);
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(x, y);
    p.is_on_curve().then_some(p)
}

/// The G2 point of four words in EIP-197 order, if canonical, on the curve and
/// in the subgroup.
pub fn g2_from(w: &[U256]) -> Option<G2Affine> {
    let x = Fq2::new(fq_from(w[1])?, fq_from(w[0])?);
    let y = Fq2::new(fq_from(w[3])?, fq_from(w[2])?);
    if x.is_zero() && y.is_zero() {
        return Some(G2Affine::zero());
    }
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}
