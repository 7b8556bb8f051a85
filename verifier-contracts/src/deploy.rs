//! Deploying a compiled contract: the creation transaction, its receipt, and a
//! check that the new account holds the contract's runtime code.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, TxHash};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;

use crate::compile::Compiled;

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The node refused or failed a request.
    #[error("deploying {contract}: {what}: {reason}")]
    Rpc {
        /// The contract being deployed.
        contract: String,
        /// The request that failed.
        what: &'static str,
        /// The node's or the transport's message.
        reason: String,
    },
    /// The creation transaction was mined and reverted.
    #[error("deploying {contract}: creation transaction {tx} reverted")]
    Reverted {
        /// The contract being deployed.
        contract: String,
        /// The creation transaction.
        tx: TxHash,
    },
    /// The receipt names no created account.
    #[error("deploying {contract}: the receipt of {tx} names no contract address")]
    NoAddress {
        /// The contract being deployed.
        contract: String,
        /// The creation transaction.
        tx: TxHash,
    },
    /// The created account does not hold the contract's runtime code.
    #[error("deploying {contract}: the code at {address} ({found} bytes) is not its runtime code ({expected} bytes)")]
    CodeMismatch {
        /// The contract being deployed.
        contract: String,
        /// The created account.
        address: Address,
        /// Length of the code found.
        found: usize,
        /// Length of the code expected.
        expected: usize,
    },
}

/// A deployed contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// The contract's name.
    pub contract: String,
    /// Its address.
    pub address: Address,
    /// The creation transaction.
    pub tx: TxHash,
    /// The block that holds it.
    pub block: u64,
    /// Gas the creation used.
    pub gas_used: u64,
}

/// Deploys `compiled` with ABI-encoded `constructor_args` from `from`, waits
/// for the receipt and checks the deployed code.
pub async fn deploy(
    provider: &DynProvider,
    from: Address,
    compiled: &Compiled,
    constructor_args: &[u8],
) -> Result<Deployed, DeployError> {
    let contract = compiled.contract.clone();
    let rpc = |what: &'static str| {
        let contract = contract.clone();
        move |e: &dyn std::fmt::Display| DeployError::Rpc {
            contract,
            what,
            reason: e.to_string(),
        }
    };
    let mut code = compiled.bytecode.to_vec();
    code.extend_from_slice(constructor_args);
    let tx = TransactionRequest::default()
        .from(from)
        .with_deploy_code(code);
    let pending = provider
        .send_transaction(tx)
        .await
        .map_err(|e| rpc("sending the creation transaction")(&e))?;
    let tx = *pending.tx_hash();
    let receipt = pending
        .get_receipt()
        .await
        .map_err(|e| rpc("waiting for the receipt")(&e))?;
    if !receipt.status() {
        return Err(DeployError::Reverted { contract, tx });
    }
    let address = receipt
        .contract_address
        .ok_or_else(|| DeployError::NoAddress {
            contract: contract.clone(),
            tx,
        })?;
    let code = provider
        .get_code_at(address)
        .await
        .map_err(|e| rpc("reading the deployed code")(&e))?;
    if !compiled.is_runtime_code(&code) {
        return Err(DeployError::CodeMismatch {
            contract,
            address,
            found: code.len(),
            expected: compiled.deployed_bytecode.len(),
        });
    }
    Ok(Deployed {
        contract,
        address,
        tx,
        block: receipt.block_number.unwrap_or_default(),
        gas_used: receipt.gas_used,
    })
}
