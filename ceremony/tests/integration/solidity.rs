//! Groth16 proofs on the EVM: snarkjs's generated Solidity verifier accepts
//! zkr's proofs, and zkr's (`groth16 export-solidity`, snarkjs's interface)
//! accepts zkr's and snarkjs's, on a real anvil node; both refuse a tampered
//! signal, a signal of r or more, and a tampered proof. These tests fail
//! (they never skip) when snarkjs, solc or anvil is not installed: run
//! `npm ci` in `ceremony/tests/snarkjs` and `verifier-contracts`.

use std::path::Path;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol;
use alloy::sol_types::SolCall;
use serde_json::Value;
use zkr_contracts::{compile, deploy, Anvil, GROTH16_VERIFIER_CONTRACT};

use crate::common::*;
use crate::groth16::{prove_both, setup};

sol! {
    /// snarkjs's generated verifier's interface for two public signals.
    interface IGroth16Verifier {
        function verifyProof(uint256[2] calldata _pA, uint256[2][2] calldata _pB, uint256[2] calldata _pC, uint256[2] calldata _pubSignals) external view returns (bool);
    }
}

/// Gas of the precompiles a two-signal verification calls: two ecMul (6,000
/// each), two ecAdd (150 each), the pairing of four pairs (45,000 + 4 ·
/// 34,000, EIP-1108).
const PRECOMPILE_GAS: u64 = 2 * 6_000 + 2 * 150 + 45_000 + 4 * 34_000;

/// What zkr's generated verifier itself spends on a two-signal
/// `verifyProof` transaction, beyond the base fee, calldata and precompiles.
const ZKR_VERIFIER_OWN_GAS: u64 = 2_783;

/// A proof and its signals as `snarkjs zkey export soliditycalldata` prints them.
struct Calldata {
    a: [U256; 2],
    b: [[U256; 2]; 2],
    c: [U256; 2],
    signals: [U256; 2],
}

fn word(v: &Value) -> U256 {
    v.as_str()
        .and_then(|s| s.parse::<U256>().ok())
        .unwrap_or_else(|| panic!("expected a 0x word, got {v}"))
}

fn pair(v: &Value) -> [U256; 2] {
    [word(&v[0]), word(&v[1])]
}

/// Runs `snarkjs zkey export soliditycalldata PUBLIC PROOF`.
fn calldata(d: &Path, public: &str, proof: &str) -> Calldata {
    let text = snarkjs_ok(d, &["zkey", "export", "soliditycalldata", public, proof]);
    let v: Value = serde_json::from_str(&format!("[{}]", text.trim()))
        .unwrap_or_else(|e| panic!("soliditycalldata is not JSON ({e}):\n{text}"));
    Calldata {
        a: pair(&v[0]),
        b: [pair(&v[1][0]), pair(&v[1][1])],
        c: pair(&v[2]),
        signals: pair(&v[3]),
    }
}

struct Node {
    _anvil: Anvil,
    provider: DynProvider,
    from: Address,
}

impl Node {
    /// Compiles and deploys `contract` of `file`; with `clean`, solc must warn of nothing.
    async fn deploy(&self, file: &Path, contract: &str, clean: bool) -> Address {
        let source = std::fs::read_to_string(file).expect("read the verifier");
        let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
        let compiled =
            compile(name, &source, contract).unwrap_or_else(|e| panic!("compiling {name}: {e}"));
        assert!(
            !clean || compiled.warnings.is_empty(),
            "{name}: solc warned:\n{}",
            compiled.warnings.join("\n")
        );
        deploy(&self.provider, self.from, &compiled, &[])
            .await
            .unwrap_or_else(|e| panic!("deploying {name}: {e}"))
            .address
    }

    fn verify_tx(&self, verifier: Address, p: &Calldata) -> TransactionRequest {
        let input = IGroth16Verifier::verifyProofCall {
            _pA: p.a,
            _pB: p.b,
            _pC: p.c,
            _pubSignals: p.signals,
        }
        .abi_encode();
        TransactionRequest::default()
            .from(self.from)
            .to(verifier)
            .with_input(Bytes::from(input))
    }

    /// Gas a transaction calling `verifyProof` uses, given ample gas. Not
    /// `eth_estimateGas`: a verifier that returns false rather than reverting
    /// does not revert when a precompile runs out of gas, so the estimate
    /// settles on a limit at which the pairing fails (for both verifiers).
    async fn gas(&self, verifier: Address, p: &Calldata) -> u64 {
        let tx = self.verify_tx(verifier, p).with_gas_limit(1_000_000);
        let receipt = self
            .provider
            .send_transaction(tx)
            .await
            .expect("send verifyProof")
            .get_receipt()
            .await
            .expect("verifyProof receipt");
        assert!(receipt.status(), "a verifyProof transaction reverted");
        receipt.gas_used
    }

    /// What `verifyProof` returns by `eth_call`.
    async fn verifies(&self, verifier: Address, p: &Calldata) -> bool {
        let tx = self.verify_tx(verifier, p);
        let out = self.provider.call(tx).await.expect("verifyProof call");
        IGroth16Verifier::verifyProofCall::abi_decode_returns(&out).expect("a bool")
    }
}

#[tokio::test]
async fn snarkjs_and_zkr_solidity_verifiers_accept_zkr_proofs_on_anvil_and_refuse_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    prove_both(d, &[]);
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "solidityverifier",
            "c1.zkey",
            "snarkjs.sol",
        ],
    );
    zkr_ok(d, &["groth16", "export-solidity", "vk1.json", "zkr.sol"]);

    let anvil = Anvil::start().await.expect("anvil");
    let provider = anvil.provider();
    let from = provider.get_accounts().await.expect("accounts")[0];
    let node = Node {
        _anvil: anvil,
        provider,
        from,
    };
    let snarkjs_verifier = node
        .deploy(&d.join("snarkjs.sol"), "Groth16Verifier", false)
        .await;
    let zkr_verifier = node
        .deploy(&d.join("zkr.sol"), GROTH16_VERIFIER_CONTRACT, true)
        .await;

    let ours = calldata(d, "public.json", "proof.json");
    let theirs = calldata(d, "spublic.json", "sproof.json");
    let mut signal = calldata(d, "public.json", "proof.json");
    signal.signals[0] += U256::from(1);
    let r = U256::from_str_radix(
        "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
        16,
    )
    .expect("r");
    let mut wide = calldata(d, "public.json", "proof.json");
    wide.signals[0] += r;
    let mut point = calldata(d, "public.json", "proof.json");
    point.a = point.c;
    for (verifier, name) in [(snarkjs_verifier, "snarkjs's"), (zkr_verifier, "zkr's")] {
        assert!(
            node.verifies(verifier, &ours).await,
            "{name} Solidity verifier expected to accept zkr's proof"
        );
        assert!(
            node.verifies(verifier, &theirs).await,
            "{name} Solidity verifier expected to accept snarkjs's proof"
        );
        for (bad, what) in [
            (&signal, "a signal moved by one"),
            (&wide, "a signal plus r"),
            (&point, "a proof whose A is its C"),
        ] {
            assert!(
                !node.verifies(verifier, bad).await,
                "{name} Solidity verifier accepted {what}"
            );
        }
    }
    // The verifier's own gas (the transaction's, less the base fee, the
    // calldata and the precompiles, which depend on the proof's bytes or not
    // on the contract), pinned: a change is a change of the template, solc or
    // the hardfork. snarkjs's verifier's, from the same transaction shape, for
    // the note.
    let calldata: u64 = node
        .verify_tx(zkr_verifier, &ours)
        .input
        .input()
        .expect("calldata")
        .iter()
        .map(|&b| if b == 0 { 4 } else { 16 })
        .sum();
    let own = |used: u64| used - 21_000 - calldata - PRECOMPILE_GAS;
    let (gas, snarkjs_gas) = (
        own(node.gas(zkr_verifier, &ours).await),
        own(node.gas(snarkjs_verifier, &ours).await),
    );
    assert_eq!(
        gas, ZKR_VERIFIER_OWN_GAS,
        "zkr's verifier's own gas (snarkjs's verifier's: {snarkjs_gas})"
    );
}
