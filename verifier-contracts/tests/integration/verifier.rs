//! The generated Groth16 verifier, compiled with the pinned solc and run on a
//! real anvil node, against arkworks' verifier.
//!
//! The circuit: knowledge of `x, y` with `x · y = input`, one public input.
//! Keys come from a seeded setup; every test starts its own node.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol;
use alloy::sol_types::{SolCall, SolError, SolInterface};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, PrimeField, UniformRand, Zero};
use ark_groth16::{Groth16, Proof};
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkr_contracts::vk::{BASE_FIELD_MODULUS, SCALAR_FIELD_MODULUS};
use zkr_contracts::{Anvil, SOLC_VERSION};

use crate::common::*;

sol! {
    /// The interface the generated verifier must have (what Rollup.sol calls).
    #[derive(Debug, PartialEq, Eq)]
    interface IVerifier {
        error PublicInputNotInField(uint256 input);
        error CoordinateNotInField(uint256 index, uint256 value);
        error PrecompileFailed(address precompile);
        error ProofInvalid();
        function verifyProof(uint256[8] calldata proof, uint256 input) external view;
    }
}

use IVerifier::IVerifierErrors as VerifierError;

/// Gas of a transaction calling `verifyProof` with the fixed proof of
/// [`fixed_proof`]: 21,000 base, calldata, ecMul 6,000, ecAdd 150, pairing
/// 45,000 + 4 · 34,000, and the contract's own work. A change here is a change
/// of the verifier (or of solc, its settings, or the hardfork).
const VERIFY_TX_GAS: u64 = 214_082;

/// ecMul 6,000 + ecAdd 150 + pairing of four pairs 45,000 + 4 · 34,000 (EIP-1108).
const PRECOMPILE_GAS: u64 = 6_000 + 150 + 45_000 + 4 * 34_000;

// ---------------------------------------------------------------------------
// arkworks' verdict on an EVM-encoded proof
// ---------------------------------------------------------------------------

/// Whether arkworks accepts: the words decode to points (canonical, on the
/// curve, B in the subgroup), the input is a field element, and
/// `Groth16::verify_proof` holds.
fn arkworks_accepts(words: &[U256; 8], input: U256) -> bool {
    let Some(input) = Fr::from_bigint(ark_ff::BigInt::new(input.into_limbs())) else {
        return false;
    };
    let (Some(a), Some(b), Some(c)) = (
        g1_from(words[0], words[1]),
        g2_from(&words[2..6]),
        g1_from(words[6], words[7]),
    ) else {
        return false;
    };
    let proof = Proof { a, b, c };
    Groth16::<Bn254>::verify_with_processed_vk(&fixture().pvk, &[input], &proof).unwrap()
}

// ---------------------------------------------------------------------------
// The contract on a node
// ---------------------------------------------------------------------------

/// What the contract did with a proof.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The call succeeded (and returned no data).
    Accepted,
    /// The call reverted with this error.
    Reverted(VerifierError),
}

struct Deployed {
    _anvil: Anvil,
    provider: DynProvider,
    from: Address,
    verifier: Address,
}

async fn deploy() -> Deployed {
    let anvil = Anvil::start().await.unwrap();
    let provider = anvil.provider();
    let from = provider.get_accounts().await.unwrap()[0];
    let tx = TransactionRequest::default()
        .from(from)
        .with_deploy_code(fixture().compiled.bytecode.clone());
    let receipt = provider
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "deployment reverted: {receipt:?}");
    let verifier = receipt
        .contract_address
        .expect("deployment receipt without a contract address");
    Deployed {
        _anvil: anvil,
        provider,
        from,
        verifier,
    }
}

impl Deployed {
    fn verify_tx(&self, proof: [U256; 8], input: U256) -> TransactionRequest {
        let calldata = IVerifier::verifyProofCall { proof, input }.abi_encode();
        TransactionRequest::default()
            .from(self.from)
            .to(self.verifier)
            .with_input(Bytes::from(calldata))
    }

    /// `verifyProof` by `eth_call`: accepted (no return data) or reverted with
    /// one of the verifier's errors; anything else fails the test.
    async fn verify(&self, proof: [U256; 8], input: U256) -> Outcome {
        self.outcome(self.verify_tx(proof, input)).await
    }

    async fn outcome(&self, tx: TransactionRequest) -> Outcome {
        match self.provider.call(tx).await {
            Ok(returned) => {
                assert!(
                    returned.is_empty(),
                    "verifyProof returns nothing, got data {returned}"
                );
                Outcome::Accepted
            }
            Err(e) => {
                let decoded = e
                    .as_error_resp()
                    .and_then(|payload| payload.as_decoded_interface_error::<VerifierError>());
                match decoded {
                    Some(error) => Outcome::Reverted(error),
                    None => {
                        panic!("expected acceptance or a revert with a Verifier error, got: {e}")
                    }
                }
            }
        }
    }
}

fn proof_invalid() -> Outcome {
    Outcome::Reverted(VerifierError::ProofInvalid(IVerifier::ProofInvalid {}))
}

fn precompile_failed(precompile: u8) -> Outcome {
    Outcome::Reverted(VerifierError::PrecompileFailed(
        IVerifier::PrecompileFailed {
            precompile: Address::with_last_byte(precompile),
        },
    ))
}

const PAIRING: u8 = 0x08;

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn package_json_pins_the_solc_the_pragma_names() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/package.json")).unwrap();
    let package: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        package["devDependencies"]["solc"], SOLC_VERSION,
        "package.json's solc and SOLC_VERSION differ"
    );
    assert!(
        fixture()
            .source
            .contains(&format!("pragma solidity {SOLC_VERSION};")),
        "expected the generated pragma to pin solc {SOLC_VERSION}"
    );
}

#[test]
fn generated_verifier_compiles_without_warnings_to_the_expected_interface() {
    let compiled = &fixture().compiled;
    assert!(
        compiled.warnings.is_empty(),
        "solc warned about the generated verifier:\n{}",
        compiled.warnings.join("\n")
    );
    let functions: Vec<[u8; 4]> = compiled.abi.functions().map(|f| f.selector().0).collect();
    assert_eq!(
        functions,
        vec![IVerifier::verifyProofCall::SELECTOR],
        "expected verifyProof(uint256[8],uint256) as the only function"
    );
    let mut errors: Vec<[u8; 4]> = compiled.abi.errors().map(|e| e.selector().0).collect();
    errors.sort();
    let mut expected = vec![
        IVerifier::PublicInputNotInField::SELECTOR,
        IVerifier::CoordinateNotInField::SELECTOR,
        IVerifier::PrecompileFailed::SELECTOR,
        IVerifier::ProofInvalid::SELECTOR,
    ];
    expected.sort();
    assert_eq!(
        errors, expected,
        "the verifier's errors differ from IVerifier's"
    );
    assert!(
        VerifierError::valid_selector(IVerifier::ProofInvalid::SELECTOR),
        "IVerifier decodes its own errors"
    );
}

/// Kinds of proof the agreement test cycles through.
#[derive(Clone, Copy, Debug)]
enum Case {
    Valid,
    WrongInput,
    ProofOfAnotherInput,
    AxTampered,
    AyTampered,
    BxTampered,
    ByTampered,
    CyTampered,
    AAndCSwapped,
    BInArkworksOrder,
    ANegatedByProver,
    AAtInfinity,
    BOutsideSubgroup,
    ARandomPoint,
}

const CASES: [Case; 14] = [
    Case::Valid,
    Case::WrongInput,
    Case::ProofOfAnotherInput,
    Case::AxTampered,
    Case::AyTampered,
    Case::BxTampered,
    Case::ByTampered,
    Case::CyTampered,
    Case::AAndCSwapped,
    Case::BInArkworksOrder,
    Case::ANegatedByProver,
    Case::AAtInfinity,
    Case::BOutsideSubgroup,
    Case::ARandomPoint,
];

/// A point on G2's curve outside the prime-order subgroup.
fn g2_outside_subgroup(rng: &mut ChaCha20Rng) -> G2Affine {
    loop {
        let x = Fq2::rand(rng);
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, true) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

/// The words and input of `case`, and what the contract must answer.
fn make_case(case: Case, rng: &mut ChaCha20Rng) -> ([U256; 8], U256, Outcome) {
    let input = Fr::rand(rng);
    let proof = prove(input, rng);
    let (a, b, c) = (proof.a, proof.b, proof.c);
    let one = Fq::one();
    let off_curve = precompile_failed(PAIRING);
    let (words, input, expected) = match case {
        Case::Valid => (evm_proof(&proof), input, Outcome::Accepted),
        Case::WrongInput => (evm_proof(&proof), input + Fr::one(), proof_invalid()),
        Case::ProofOfAnotherInput => {
            let other = prove(Fr::rand(rng), rng);
            (evm_proof(&other), input, proof_invalid())
        }
        Case::AxTampered => {
            let a = G1Affine::new_unchecked(a.x + one, a.y);
            (proof_words(&a, &b, &c), input, off_curve)
        }
        Case::AyTampered => {
            let a = G1Affine::new_unchecked(a.x, a.y + one);
            (proof_words(&a, &b, &c), input, off_curve)
        }
        Case::BxTampered => {
            let b = G2Affine::new_unchecked(Fq2::new(b.x.c0 + one, b.x.c1), b.y);
            (proof_words(&a, &b, &c), input, off_curve)
        }
        Case::ByTampered => {
            let b = G2Affine::new_unchecked(b.x, Fq2::new(b.y.c0, b.y.c1 + one));
            (proof_words(&a, &b, &c), input, off_curve)
        }
        Case::CyTampered => {
            let c = G1Affine::new_unchecked(c.x, c.y + one);
            (proof_words(&a, &b, &c), input, off_curve)
        }
        Case::AAndCSwapped => (proof_words(&c, &b, &a), input, proof_invalid()),
        Case::BInArkworksOrder => {
            let mut words = evm_proof(&proof);
            words.swap(2, 3);
            words.swap(4, 5);
            (words, input, off_curve)
        }
        Case::ANegatedByProver => (proof_words(&-a, &b, &c), input, proof_invalid()),
        Case::AAtInfinity => (
            proof_words(&G1Affine::zero(), &b, &c),
            input,
            proof_invalid(),
        ),
        Case::BOutsideSubgroup => (
            proof_words(&a, &g2_outside_subgroup(rng), &c),
            input,
            off_curve,
        ),
        Case::ARandomPoint => {
            let a = G1Projective::rand(rng).into_affine();
            (proof_words(&a, &b, &c), input, proof_invalid())
        }
    };
    (words, fr_u256(input), expected)
}

#[tokio::test]
async fn verifier_agrees_with_arkworks_on_50_proofs_valid_and_invalid() {
    let node = deploy().await;
    let mut rng = ChaCha20Rng::seed_from_u64(50);
    let mut accepted = 0;
    for i in 0..50 {
        let case = CASES[i % CASES.len()];
        let (words, input, expected) = make_case(case, &mut rng);
        let reference = arkworks_accepts(&words, input);
        let outcome = node.verify(words, input).await;
        assert_eq!(
            outcome == Outcome::Accepted,
            reference,
            "proof {i} ({case:?}): the contract answered {outcome:?}, arkworks accepts: {reference}"
        );
        assert_eq!(
            outcome, expected,
            "proof {i} ({case:?}): expected {expected:?}, the contract answered {outcome:?}"
        );
        accepted += usize::from(reference);
    }
    // Every CASES.len()-th proof is valid.
    assert_eq!(
        accepted,
        50_usize.div_ceil(CASES.len()),
        "valid proofs accepted"
    );
}

#[tokio::test]
async fn public_input_below_r_verifies_and_one_not_below_r_reverts_with_public_input_not_in_field()
{
    let node = deploy().await;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let input = Fr::rand(&mut rng);
    let words = evm_proof(&prove(input, &mut rng));
    let r = u256(SCALAR_FIELD_MODULUS);
    assert_eq!(node.verify(words, fr_u256(input)).await, Outcome::Accepted);
    // The edges of the range: 0 (ecMul gives the point at infinity) and r - 1.
    for edge in [Fr::zero(), -Fr::one()] {
        let edge_words = evm_proof(&prove(edge, &mut rng));
        assert_eq!(
            node.verify(edge_words, fr_u256(edge)).await,
            Outcome::Accepted,
            "a valid proof for input {edge}"
        );
    }
    // input + r is the same field element: ecMul alone would accept it.
    for bad in [r, fr_u256(input) + r, U256::MAX] {
        assert_eq!(
            node.verify(words, bad).await,
            Outcome::Reverted(VerifierError::PublicInputNotInField(
                IVerifier::PublicInputNotInField { input: bad }
            )),
            "input {bad:#x}"
        );
    }
}

#[tokio::test]
async fn proof_coordinate_not_below_q_reverts_with_coordinate_not_in_field() {
    let node = deploy().await;
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let input = Fr::rand(&mut rng);
    let words = evm_proof(&prove(input, &mut rng));
    let q = u256(BASE_FIELD_MODULUS);
    for index in 0..8 {
        for value in [q, U256::MAX] {
            let mut bad = words;
            bad[index] = value;
            assert_eq!(
                node.verify(bad, fr_u256(input)).await,
                Outcome::Reverted(VerifierError::CoordinateNotInField(
                    IVerifier::CoordinateNotInField {
                        index: U256::from(index),
                        value
                    }
                )),
                "proof word {index} set to {value:#x}"
            );
        }
    }
}

#[tokio::test]
async fn point_not_on_the_curve_reverts_with_precompile_failed() {
    let node = deploy().await;
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let input = Fr::rand(&mut rng);
    let words = evm_proof(&prove(input, &mut rng));
    let input = fr_u256(input);
    // (1, 2) generates G1; (1, 3) is not on y^2 = x^3 + 3.
    let (one, three) = (U256::from(1), U256::from(3));
    let mut a = words;
    a[..2].copy_from_slice(&[one, three]);
    let mut b = words;
    b[2..6].copy_from_slice(&[one, one, one, one]);
    let mut c = words;
    c[6..].copy_from_slice(&[one, three]);
    for (what, bad) in [("A", a), ("B", b), ("C", c)] {
        assert!(!arkworks_accepts(&bad, input), "{what} off the curve");
        assert_eq!(
            node.verify(bad, input).await,
            precompile_failed(PAIRING),
            "{what} off the curve"
        );
    }
}

/// The fixed proof the gas figure is pinned on.
fn fixed_proof() -> ([U256; 8], U256) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let input = Fr::rand(&mut rng);
    (evm_proof(&prove(input, &mut rng)), fr_u256(input))
}

#[tokio::test]
async fn verify_transaction_gas_is_pinned_and_its_estimate_suffices() {
    let node = deploy().await;
    let (words, input) = fixed_proof();
    let tx = node.verify_tx(words, input);
    let estimate = node.provider.estimate_gas(tx.clone()).await.unwrap();
    let receipt = node
        .provider
        .send_transaction(tx.with_gas_limit(estimate))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(
        receipt.status(),
        "a verifyProof transaction with the estimated {estimate} gas failed: {receipt:?}"
    );
    let used = receipt.gas_used;
    // What the contract itself adds: the rest is the base fee, calldata and precompiles.
    let calldata: u64 = IVerifier::verifyProofCall {
        proof: words,
        input,
    }
    .abi_encode()
    .iter()
    .map(|&b| if b == 0 { 4 } else { 16 })
    .sum();
    let own = used - 21_000 - calldata - PRECOMPILE_GAS;
    println!(
        "verifyProof: eth_estimateGas {estimate}, transaction gas used {used} \
         (calldata {calldata}, precompiles {PRECOMPILE_GAS}, the contract's own work {own})"
    );
    assert!(
        estimate >= used,
        "estimate {estimate} below the gas used {used}"
    );
    assert_eq!(
        used, VERIFY_TX_GAS,
        "gas of a verifyProof transaction changed: expected {VERIFY_TX_GAS}, used {used}"
    );
}

#[tokio::test]
async fn too_little_gas_for_the_pairing_reverts_and_does_not_succeed() {
    let node = deploy().await;
    let (words, input) = fixed_proof();
    // Enough for the base cost, calldata, ecMul and ecAdd; not for the
    // pairing's 181,000.
    let tx = node.verify_tx(words, input).with_gas_limit(150_000);
    assert_eq!(node.outcome(tx.clone()).await, precompile_failed(PAIRING));
    let receipt = node
        .provider
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(
        !receipt.status(),
        "a verifyProof transaction with 150,000 gas succeeded: {receipt:?}"
    );
}

#[tokio::test]
async fn gas_estimate_of_an_invalid_proof_is_a_revert_with_the_reason() {
    let node = deploy().await;
    let (words, input) = fixed_proof();
    let err = node
        .provider
        .estimate_gas(node.verify_tx(words, input + U256::from(1)))
        .await
        .expect_err("eth_estimateGas of a proof for another input succeeded");
    let decoded = err
        .as_error_resp()
        .and_then(|payload| payload.as_decoded_interface_error::<VerifierError>());
    assert_eq!(
        decoded,
        Some(VerifierError::ProofInvalid(IVerifier::ProofInvalid {})),
        "eth_estimateGas error: {err}"
    );
}
