//! The end of `zkr demo`: settle the demo's range on a local Ethereum node.
//! Starts anvil, deploys the verifier of the wrap keys and the rollup
//! contract, makes on L1 the deposits the demo's batches include (the demo's
//! sequencer made them up; on a real rollup they come from L1 first), commits
//! the batches, proves the range, and reports the gas of each call.

use std::path::Path;

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use anyhow::Context as _;
use zkr_aggregator::wrap::keys::{KeysDir, EVM_VK_FILE};
use zkr_aggregator::wrap::public_input::digest_bytes;
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::ops::Batch;
use zkr_contracts::Anvil;
use zkr_prover::client::SequencerApi;
use zkr_prover::settlement::{deploy_rollup, make_deposits, read_verifying_key, Rollup};

use super::l1::{commit_batches, genesis_root, prove_range};
use super::progress;
use super::proof::RangeArg;

/// Ether each anvil account starts with: the demo's deposits reach 10,000 ether each.
const ANVIL_BALANCE_ETHER: &str = "1000000000";

/// What settling cost.
pub struct Settled {
    /// The node's chain id.
    pub chain_id: u64,
    /// The rollup contract.
    pub rollup: Address,
    /// Gas of the verifier's and the rollup's creation.
    pub deploy_gas: (u64, u64),
    /// Deposits made, and the gas of the first ether and the first token deposit.
    pub deposits: (usize, Option<u64>, Option<u64>),
    /// Pubdata bytes per batch.
    pub pubdata_bytes: usize,
    /// Gas of each `commitBatch`, by batch.
    pub commits: Vec<(u64, u64)>,
    /// Gas of `proveRange`.
    pub prove_gas: u64,
    /// The state root the contract holds at the end.
    pub state_root: B256,
}

/// Settles `first..=last` (the demo's batches, from genesis) on a fresh anvil node.
pub async fn settle(
    sequencer: &mut SequencerApi,
    keys: &Path,
    capacity: usize,
    batches: &[Batch],
    range: RangeArg,
    values: &BatchPublicValues,
) -> anyhow::Result<Settled> {
    let spinner = progress::spinner("settling on L1: starting anvil, deploying…".to_owned());
    let anvil = Anvil::start_with_args(&["--balance", ANVIL_BALANCE_ETHER])
        .await
        .context("starting anvil (run `npm ci` in verifier-contracts/ to install it)")?;
    let provider = anvil.provider();
    let accounts = provider
        .get_accounts()
        .await
        .context("asking anvil for its accounts")?;
    let [operator, depositor, ..] = accounts[..] else {
        anyhow::bail!(
            "anvil lists {} accounts, the demo needs two",
            accounts.len()
        );
    };

    let manifest = KeysDir::new(keys)
        .manifest()
        .with_context(|| format!("reading the keys in {}", keys.display()))?;
    let vk = read_verifying_key(&keys.join(EVM_VK_FILE))?;
    let deployment = deploy_rollup(
        &provider,
        operator,
        &vk,
        capacity,
        genesis_root()?,
        manifest.circuit_id,
        zkr_contracts::RollupDelays::default(),
    )
    .await
    .context("deploying the contracts")?;
    let rollup = Rollup::new(provider.clone(), operator, deployment.rollup);

    spinner.set_message("settling on L1: making the batches' deposits…");
    let deposits = make_deposits(&provider, operator, depositor, deployment.rollup, batches)
        .await
        .context("making the batches' deposits on L1")?;

    spinner.set_message("settling on L1: committing the batches…");
    let commits = commit_batches(&rollup, sequencer, Some(range.last))
        .await?
        .into_iter()
        .map(|(n, s)| (n, s.gas_used))
        .collect();
    spinner.set_message(format!("settling on L1: proving range {range}…"));
    let proven = prove_range(&rollup, sequencer, range).await?;
    let state = rollup.state().await?;
    spinner.finish_and_clear();
    let expected = B256::from(digest_bytes(&values.new_root));
    anyhow::ensure!(
        state.state_root == expected && state.verified == range.last,
        "after proveRange the contract holds root {} through batch {}, expected {expected} through {}",
        state.state_root,
        state.verified,
        range.last
    );
    Ok(Settled {
        chain_id: anvil.chain_id(),
        rollup: deployment.rollup,
        deploy_gas: (deployment.verifier_gas, deployment.rollup_gas),
        deposits: (deposits.count, deposits.eth_gas, deposits.token_gas),
        pubdata_bytes: zkr_circuits::ops::pubdata::pubdata_len(capacity),
        commits,
        prove_gas: proven.gas_used,
        state_root: state.state_root,
    })
}
