//! `zkr demo` on a local Ethereum node. Starts anvil and deploys the verifier
//! of the wrap keys and the rollup contract first; makes on L1 the deposits
//! each batch includes before the batch is submitted (the demo's sequencer
//! makes them up; on a real rollup they come from L1 first), which the
//! coordinator checks against L1's queue; at the end commits the batches,
//! proves the range, and reports the gas of each call.

use std::path::Path;

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use anyhow::Context as _;
use zkr_aggregator::wrap::public_input::digest_bytes;
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::ops::Batch;
use zkr_contracts::Anvil;
use zkr_prover::client::SequencerApi;
use zkr_prover::deposit_check::L1DepositQueue;
use zkr_prover::settlement::{deploy_rollup, verifier_keys, DemoDepositor, Rollup};

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

/// The demo's local Ethereum node with the rollup deployed on it, from the
/// start of the run: the demo makes each batch's deposits on L1 before it
/// submits the batch, and the coordinator checks them against L1's queue.
pub struct L1Demo {
    anvil: Anvil,
    provider: alloy::providers::DynProvider,
    operator: Address,
    rollup: Address,
    rollup_block: u64,
    capacity: usize,
    deploy_gas: (u64, u64),
    depositor: DemoDepositor,
    deposits: (usize, Option<u64>, Option<u64>),
}

impl L1Demo {
    /// Starts anvil and deploys the verifier of the wrap keys in `keys` (of
    /// the wrap circuit `circuit`) and the rollup. Dev keys are welcome: the
    /// chain is the demo's own.
    pub async fn start(keys: &Path, circuit: &str, capacity: usize) -> anyhow::Result<Self> {
        let spinner = progress::spinner("L1: starting anvil, deploying the contracts…".to_owned());
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
        let keys = verifier_keys(keys, circuit, true)
            .with_context(|| format!("checking the keys in {}", keys.display()))?;
        let deployment = deploy_rollup(
            &provider,
            operator,
            &keys,
            capacity,
            genesis_root()?,
            zkr_contracts::RollupDelays::default(),
        )
        .await
        .context("deploying the contracts")?;
        spinner.finish_and_clear();
        Ok(Self {
            depositor: DemoDepositor::new(provider.clone(), operator, depositor, deployment.rollup),
            anvil,
            provider,
            operator,
            rollup: deployment.rollup,
            rollup_block: deployment.block,
            capacity,
            deploy_gas: (deployment.verifier_gas, deployment.rollup_gas),
            deposits: (0, None, None),
        })
    }

    /// The rollup's deposit queue, for the coordinator's check.
    pub fn deposit_queue(&self) -> L1DepositQueue {
        L1DepositQueue::new(self.provider.clone(), self.rollup, self.rollup_block)
    }

    /// Makes `batch`'s deposits on L1, as its depositors would have before the sequencer took them.
    pub async fn deposit(&mut self, batch: &Batch) -> anyhow::Result<()> {
        let made = self
            .depositor
            .deposit(std::slice::from_ref(batch))
            .await
            .with_context(|| format!("making batch {}'s deposits on L1", batch.number))?;
        self.deposits.0 += made.count;
        self.deposits.1 = self.deposits.1.or(made.eth_gas);
        self.deposits.2 = self.deposits.2.or(made.token_gas);
        Ok(())
    }

    /// Commits the batches of `range` (the demo's, from genesis) and proves it.
    pub async fn settle(
        self,
        sequencer: &mut SequencerApi,
        range: RangeArg,
        values: &BatchPublicValues,
    ) -> anyhow::Result<Settled> {
        let rollup = Rollup::new(self.provider.clone(), self.operator, self.rollup);
        let spinner = progress::spinner("settling on L1: committing the batches…".to_owned());
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
            chain_id: self.anvil.chain_id(),
            rollup: self.rollup,
            deploy_gas: self.deploy_gas,
            deposits: self.deposits,
            pubdata_bytes: zkr_circuits::ops::pubdata::pubdata_len(self.capacity),
            commits,
            prove_gas: proven.gas_used,
            state_root: state.state_root,
        })
    }
}
