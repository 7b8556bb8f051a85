//! L1 settlement: the service's batches and wrapped range proofs sent to the
//! Rollup contract. Deploys the generated verifier and `Rollup.sol` for a
//! wrap keys directory, commits batches with their pubdata and proves ranges,
//! and says why a call would revert before sending it.

use std::path::Path;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, TxHash, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::{SolCall, SolValue};
use serde::{Deserialize, Serialize};
use zkr_aggregator::wrap::keys::{KeysDir, KeysError, Manifest, Origin};
use zkr_circuits::ops::{Batch, Deposit, Operation};
use zkr_contracts::rollup::compile_test_token;
use zkr_contracts::{
    compile, compile_rollup, deploy, generate_verifier, rollup_constructor_args, CompileError,
    DeployError, EvmVerifyingKey, IRollup, ITestToken, RollupDelays, VkError, VERIFIER_CONTRACT,
};

/// Why an L1 step failed.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    /// The verifying key could not be read or is not a valid key.
    #[error("verifying key {path}: {reason}")]
    Key {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The key makes no verifier.
    #[error(transparent)]
    Vk(#[from] VkError),
    /// solc failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A deployment failed.
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// The node refused or failed a request.
    #[error("{what}: {reason}")]
    Rpc {
        /// The request.
        what: String,
        /// The node's or the transport's message.
        reason: String,
    },
    /// The call would revert (by `eth_call`), with the contract's reason.
    #[error("{call} reverts: {reason}")]
    Reverts {
        /// The call.
        call: String,
        /// The decoded error, or the node's message.
        reason: String,
    },
    /// The transaction was mined and reverted.
    #[error("{call}: transaction {tx} reverted")]
    Reverted {
        /// The call.
        call: String,
        /// The transaction.
        tx: TxHash,
    },
    /// The input does not fit the contract.
    #[error("{0}")]
    Invalid(String),
    /// The wrap keys are missing, of another circuit, or altered.
    #[error(transparent)]
    Keys(#[from] KeysError),
    /// The wrap keys come from the insecure dev setup.
    #[error("the keys in {dir} are INSECURE development keys: whoever made them can forge any proof and take the funds the rollup holds. Deploy keys from the ceremony (`zkr-ceremony zkey export-keys`), or pass --insecure-dev for a test deployment")]
    InsecureKeys {
        /// The keys directory.
        dir: String,
    },
}

fn rpc(what: impl Into<String>) -> impl FnOnce(&dyn std::fmt::Display) -> SettlementError {
    let what = what.into();
    move |e| SettlementError::Rpc {
        what,
        reason: e.to_string(),
    }
}

/// Where the contracts of one rollup live: what `zkr l1 deploy` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The chain's id.
    pub chain_id: u64,
    /// The verifier contract.
    pub verifier: Address,
    /// The rollup contract.
    pub rollup: Address,
    /// Batch circuit capacity (pubdata chunks) the verifier's key is for.
    pub capacity: usize,
    /// The state root before batch 1.
    pub genesis_root: B256,
    /// The wrap circuit the verifying key belongs to (from the keys' manifest).
    pub circuit_id: String,
    /// The account that deployed, owns and operates the rollup.
    pub deployer: Address,
    /// The block of the rollup's creation.
    pub block: u64,
    /// The rollup's deposit deadline and governance delay, in blocks.
    pub delays: RollupDelays,
    /// Gas of the verifier's creation.
    pub verifier_gas: u64,
    /// Gas of the rollup's creation.
    pub rollup_gas: u64,
    /// Whether the verifier holds insecure dev keys (anyone who made them can
    /// forge proofs): a test deployment.
    #[serde(default)]
    pub insecure_dev: bool,
}

impl Deployment {
    /// Reads a deployment JSON file.
    pub fn read(path: &Path) -> Result<Deployment, SettlementError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SettlementError::Invalid(format!("deployment {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| SettlementError::Invalid(format!("deployment {}: {e}", path.display())))
    }

    /// Writes it as JSON.
    pub fn write(&self, path: &Path) -> Result<(), SettlementError> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| SettlementError::Invalid(format!("deployment {}: {e}", path.display())))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| SettlementError::Invalid(format!("deployment {}: {e}", path.display())))
    }
}

/// The wrap keys a verifier contract is made from, checked.
#[derive(Clone, Debug)]
pub struct VerifierKeys {
    /// The verifying key, derived from the hash-pinned `wrap.vk`.
    pub vk: EvmVerifyingKey,
    /// The wrap circuit the keys are for.
    pub circuit_id: String,
    /// Whether they come from the insecure dev setup.
    pub insecure_dev: bool,
}

/// Whether the keys of `manifest` (in `dir`) are insecure dev keys; an error
/// when they are and `allow_insecure_dev` is not set.
pub fn refuse_insecure(
    manifest: &Manifest,
    dir: &Path,
    allow_insecure_dev: bool,
) -> Result<bool, SettlementError> {
    let insecure = manifest.origin == Origin::InsecureDev;
    if insecure && !allow_insecure_dev {
        return Err(SettlementError::InsecureKeys {
            dir: dir.display().to_string(),
        });
    }
    Ok(insecure)
}

/// Reads the keys in `dir` for the wrap circuit `circuit_id` (of the rollup's
/// capacity and chain id), every key file checked against the manifest's
/// hashes; insecure dev keys are refused unless `allow_insecure_dev`: whoever
/// made them can forge a proof of any state, and with it withdraw every fund.
pub fn verifier_keys(
    dir: &Path,
    circuit_id: &str,
    allow_insecure_dev: bool,
) -> Result<VerifierKeys, SettlementError> {
    let (manifest, evm) = KeysDir::new(dir).checked_evm_verifying_key(circuit_id)?;
    let insecure_dev = refuse_insecure(&manifest, dir, allow_insecure_dev)?;
    // The aggregator's and the contracts' EVM keys share one JSON encoding.
    let vk: EvmVerifyingKey = serde_json::to_value(&evm)
        .and_then(serde_json::from_value)
        .map_err(|e| SettlementError::Key {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
    vk.check()?;
    Ok(VerifierKeys {
        vk,
        circuit_id: manifest.circuit_id,
        insecure_dev,
    })
}

/// Reads the keys in `dir` for the wrap circuit their manifest names, every
/// key file checked against the manifest's hashes and the EVM key against
/// `wrap.vk`, insecure dev keys included (marked): what making a verifier
/// contract needs without building the circuits. `deploy` also checks the
/// circuit ([`verifier_keys`]).
pub fn manifested_verifier_keys(dir: &Path) -> Result<VerifierKeys, SettlementError> {
    let manifest = KeysDir::new(dir).manifest()?;
    verifier_keys(dir, &manifest.circuit_id, true)
}

/// Compiles the verifier of `keys` and `Rollup.sol` and deploys both from
/// `from`, which becomes the rollup's owner and `operator`.
pub async fn deploy_rollup(
    provider: &DynProvider,
    from: Address,
    keys: &VerifierKeys,
    capacity: usize,
    genesis_root: B256,
    delays: RollupDelays,
) -> Result<Deployment, SettlementError> {
    let source = generate_verifier(&keys.vk)?;
    let verifier_code = compile("Verifier.sol", &source, VERIFIER_CONTRACT)?;
    let rollup_code = compile_rollup()?;
    let chain_id = provider
        .get_chain_id()
        .await
        .map_err(|e| rpc("eth_chainId")(&e))?;
    let verifier = deploy(provider, from, &verifier_code, &[]).await?;
    let args = rollup_constructor_args(verifier.address, capacity, genesis_root, from, delays);
    let rollup = deploy(provider, from, &rollup_code, &args).await?;
    Ok(Deployment {
        chain_id,
        verifier: verifier.address,
        rollup: rollup.address,
        capacity,
        genesis_root,
        circuit_id: keys.circuit_id.clone(),
        deployer: from,
        block: rollup.block,
        delays,
        verifier_gas: verifier.gas_used,
        rollup_gas: rollup.gas_used,
        insecure_dev: keys.insecure_dev,
    })
}

/// A mined transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its hash.
    pub tx: TxHash,
    /// Gas it used.
    pub gas_used: u64,
}

/// What the rollup contract holds now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupState {
    /// The proven state root.
    pub state_root: B256,
    /// The last committed batch.
    pub committed: u64,
    /// The last batch of the last closed range: later committed batches are
    /// in the open range.
    pub closed: u64,
    /// The last proven batch.
    pub verified: u64,
}

/// A rollup contract, and the account that sends to it.
#[derive(Clone)]
pub struct Rollup {
    provider: DynProvider,
    from: Address,
    address: Address,
}

impl Rollup {
    /// The rollup at `address`, sent to from `from`.
    pub fn new(provider: DynProvider, from: Address, address: Address) -> Self {
        Self {
            provider,
            from,
            address,
        }
    }

    /// Its address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Reads the root and the batch counters.
    pub async fn state(&self) -> Result<RollupState, SettlementError> {
        let c = IRollup::new(self.address, self.provider.clone());
        let read = |what: &'static str| rpc(format!("reading {what} of {}", self.address));
        Ok(RollupState {
            state_root: c
                .stateRoot()
                .call()
                .await
                .map_err(|e| read("stateRoot")(&e))?,
            committed: c
                .committedBatches()
                .call()
                .await
                .map_err(|e| read("committedBatches")(&e))?,
            closed: c
                .closedBatches()
                .call()
                .await
                .map_err(|e| read("closedBatches")(&e))?,
            verified: c
                .verifiedBatches()
                .call()
                .await
                .map_err(|e| read("verifiedBatches")(&e))?,
        })
    }

    /// Commits batch `number` with its pubdata; `ends_range` closes the
    /// contract's open range with it.
    pub async fn commit_batch(
        &self,
        number: u64,
        pubdata: &[u8],
        ends_range: bool,
    ) -> Result<Sent, SettlementError> {
        let call = IRollup::commitBatchCall {
            number,
            pubdata: Bytes::copy_from_slice(pubdata),
            endsRange: ends_range,
        };
        self.send(&format!("commitBatch({number})"), &call).await
    }

    /// The range commitment the contract stored for the range closed at
    /// batch `last`, with the range's first batch; `None` when no range
    /// closes there.
    pub async fn closed_range(&self, last: u64) -> Result<Option<(u64, B256)>, SettlementError> {
        let c = IRollup::new(self.address, self.provider.clone());
        let b = c
            .batches(U256::from(last))
            .call()
            .await
            .map_err(|e| rpc(format!("reading batch {last} of {}", self.address))(&e))?;
        Ok((b.rangeFirst != 0).then_some((b.rangeFirst, b.rangeCommitment)))
    }

    /// Drops the contract's committed batches after `keep` (none of them
    /// proven; `keep` ends a range); `None` when the contract holds none after it.
    pub async fn revert_batches(&self, keep: u64) -> Result<Option<Sent>, SettlementError> {
        let committed = self.state().await?.committed;
        if committed <= keep {
            return Ok(None);
        }
        let call = IRollup::revertBatchesCall {
            count: committed - keep,
        };
        self.send(
            &format!("revertBatches({}) back to batch {keep}", committed - keep),
            &call,
        )
        .await
        .map(Some)
    }

    /// Proves the closed range `first..=last` with a wrapped proof in its
    /// 256-byte EVM encoding.
    pub async fn prove_range(
        &self,
        first: u64,
        last: u64,
        new_root: B256,
        proof: &[u8],
    ) -> Result<Sent, SettlementError> {
        if proof.len() != 256 {
            return Err(SettlementError::Invalid(format!(
                "a wrapped proof is 256 bytes, got {}",
                proof.len()
            )));
        }
        let words: [U256; 8] =
            std::array::from_fn(|i| U256::from_be_slice(&proof[32 * i..32 * (i + 1)]));
        let call = IRollup::proveRangeCall {
            first,
            last,
            newRoot: new_root,
            proof: words,
        };
        self.send(&format!("proveRange({first}..{last})"), &call)
            .await
    }

    /// Sends `call`, after an `eth_call` that names the contract's reason if it would revert.
    async fn send(&self, name: &str, call: &impl SolCall) -> Result<Sent, SettlementError> {
        let tx = call_tx(self.from, self.address, call);
        if let Err(e) = self.provider.call(tx.clone()).await {
            let reason = e
                .as_error_resp()
                .and_then(|p| p.as_decoded_interface_error::<IRollup::IRollupErrors>())
                .map(|error| format!("{error:?}"))
                .unwrap_or_else(|| e.to_string());
            return Err(SettlementError::Reverts {
                call: name.to_owned(),
                reason,
            });
        }
        send(&self.provider, name, tx).await
    }
}

/// The deposits [`make_deposits`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositsMade {
    /// How many.
    pub count: usize,
    /// Gas of the first ether deposit.
    pub eth_gas: Option<u64>,
    /// Gas of the first token deposit.
    pub token_gas: Option<u64>,
}

/// Makes on L1, from `depositor`, every deposit that `batches` include, in
/// order, as their depositors would have before a sequencer included them
/// (for demos and tests, whose sequencer makes its deposits up). Tokens other
/// than ether get a test ERC-20 each, registered by `owner` in id order so that
/// the rollup's token ids are the batches' ids.
pub async fn make_deposits(
    provider: &DynProvider,
    owner: Address,
    depositor: Address,
    rollup: Address,
    batches: &[Batch],
) -> Result<DepositsMade, SettlementError> {
    DemoDepositor::new(provider.clone(), owner, depositor, rollup)
        .deposit(batches)
        .await
}

/// Makes batches' deposits on L1 batch after batch, as [`make_deposits`]
/// does, keeping the test tokens it registered between calls.
pub struct DemoDepositor {
    provider: DynProvider,
    owner: Address,
    depositor: Address,
    rollup: Address,
    /// Token addresses by rollup token id (ether first).
    tokens: Vec<Address>,
}

impl DemoDepositor {
    /// Deposits from `depositor` into `rollup`, whose `owner` registers the test tokens.
    pub fn new(provider: DynProvider, owner: Address, depositor: Address, rollup: Address) -> Self {
        Self {
            provider,
            owner,
            depositor,
            rollup,
            tokens: vec![Address::ZERO],
        }
    }

    /// Makes every deposit of `batches`, in order.
    pub async fn deposit(&mut self, batches: &[Batch]) -> Result<DepositsMade, SettlementError> {
        let deposits: Vec<&Deposit> = batches
            .iter()
            .flat_map(|b| &b.operations)
            .filter_map(|op| match op {
                Operation::Deposit(d) => Some(d),
                _ => None,
            })
            .collect();
        let max = deposits.iter().map(|d| d.token).max().unwrap_or(0);
        self.register_tokens(max).await?;
        let mut made = DepositsMade {
            count: deposits.len(),
            eth_gas: None,
            token_gas: None,
        };
        for d in &deposits {
            let gas =
                make_deposit(&self.provider, self.depositor, self.rollup, &self.tokens, d).await?;
            if d.token == 0 {
                made.eth_gas.get_or_insert(gas);
            } else {
                made.token_gas.get_or_insert(gas);
            }
        }
        Ok(made)
    }

    /// Deploys and registers a test ERC-20 for each token id up to `max` not
    /// registered yet, in id order, so that the rollup's ids are the batches' ids.
    async fn register_tokens(&mut self, max: u16) -> Result<(), SettlementError> {
        if (max as usize) < self.tokens.len() {
            return Ok(());
        }
        let code = compile_test_token()?;
        for id in self.tokens.len()..=max as usize {
            let args = (format!("Demo Token {id}"), format!("DT{id}")).abi_encode_params();
            let token = deploy(&self.provider, self.owner, &code, &args).await?;
            let register = IRollup::registerTokenCall {
                token: token.address,
            };
            send(
                &self.provider,
                "registerToken",
                call_tx(self.owner, self.rollup, &register),
            )
            .await?;
            self.tokens.push(token.address);
        }
        Ok(())
    }
}

/// Sends `tx` and waits for its receipt, which must be a success.
async fn send(
    provider: &DynProvider,
    what: &str,
    tx: TransactionRequest,
) -> Result<Sent, SettlementError> {
    let pending = provider
        .send_transaction(tx)
        .await
        .map_err(|e| rpc(format!("sending {what}"))(&e))?;
    let tx = *pending.tx_hash();
    let receipt = pending
        .get_receipt()
        .await
        .map_err(|e| rpc(format!("waiting for the receipt of {what}"))(&e))?;
    if !receipt.status() {
        return Err(SettlementError::Reverted {
            call: what.to_owned(),
            tx,
        });
    }
    Ok(Sent {
        tx,
        gas_used: receipt.gas_used,
    })
}

/// A transaction from `from` calling `call` on `to`.
fn call_tx(from: Address, to: Address, call: &impl SolCall) -> TransactionRequest {
    TransactionRequest::default()
        .from(from)
        .to(to)
        .with_input(Bytes::from(call.abi_encode()))
}

/// Makes deposit `d` from `from`; returns the gas of the deposit call itself.
async fn make_deposit(
    provider: &DynProvider,
    from: Address,
    rollup: Address,
    tokens: &[Address],
    d: &Deposit,
) -> Result<u64, SettlementError> {
    let what = format!("deposit {} (account {})", d.priority_index, d.account);
    let pubkey = Bytes::copy_from_slice(&d.pubkey.to_bytes());
    if d.token == 0 {
        let deposit = IRollup::depositEthCall {
            account: d.account,
            pubkey,
        };
        let tx = call_tx(from, rollup, &deposit).value(U256::from(d.amount));
        return Ok(send(provider, &what, tx).await?.gas_used);
    }
    let token = tokens[d.token as usize];
    let mint = ITestToken::mintCall {
        to: from,
        amount: U256::from(d.amount),
    };
    send(provider, "mint", call_tx(from, token, &mint)).await?;
    let approve = ITestToken::approveCall {
        spender: rollup,
        amount: U256::from(d.amount),
    };
    send(provider, "approve", call_tx(from, token, &approve)).await?;
    let deposit = IRollup::depositErc20Call {
        token,
        amount: d.amount,
        account: d.account,
        pubkey,
    };
    Ok(send(provider, &what, call_tx(from, rollup, &deposit))
        .await?
        .gas_used)
}
