//! `zkr l1`: settle on Ethereum. Generate the verifier of a wrap keys
//! directory, deploy it with the rollup contract, commit the coordinator's
//! batches and prove its wrapped ranges there.

use std::path::PathBuf;
use std::str::FromStr;

use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context as _;
use clap::{Args, Subcommand};
use zkr_aggregator::wrap::keys::{circuit_id, KeysDir, EVM_VK_FILE};
use zkr_aggregator::wrap::public_input::digest_bytes;
use zkr_aggregator::wrap::shrink::ShrinkCircuit;
use zkr_circuits::gadgets::sha256::sha256;
use zkr_circuits::state::{MemoryBackend, StateView};
use zkr_contracts::generate_verifier;
use zkr_contracts::RollupDelays;
use zkr_proto::convert::root_from_bytes;
use zkr_proto::v1;
use zkr_prover::client::SequencerApi;
use zkr_prover::settlement::{
    deploy_rollup, manifested_verifier_keys, refuse_insecure, verifier_keys, Deployment, Rollup,
    Sent,
};

use super::config::{status_error, SequencerConnection};
use super::proof::RangeArg;
use super::runtime;

/// Options of `zkr l1`.
#[derive(Debug, Args)]
pub struct L1Args {
    #[command(subcommand)]
    command: L1Command,
}

#[derive(Debug, Subcommand)]
enum L1Command {
    /// Write the Solidity Groth16 verifier of a wrap keys directory's verifying key.
    Verifier(VerifierArgs),
    /// Compile and deploy the verifier and the rollup contract (the sender
    /// becomes its owner and operator), check the deployed code, and write the
    /// deployment JSON the other `zkr l1` commands read.
    Deploy(DeployArgs),
    /// Commit the batches of the coordinator's sealed ranges that the
    /// contract does not hold yet, in order, with their pubdata; each range's
    /// last batch closes it on L1 (the open range's batches wait for its seal).
    Commit(CommitArgs),
    /// Prove a sealed, wrapped range on the contract: its wrapped proof moves
    /// the contract's state root.
    Prove(ProveArgs),
    /// Drop the contract's committed but unproven batches after --to (the
    /// operator's key; --to must end a range). Then run `zkr admin revert
    /// --to N` on the coordinator and resubmit from batch N + 1.
    Revert(RevertArgs),
}

/// The Ethereum node and the account that signs.
#[derive(Debug, Args)]
pub struct EthConnection {
    /// JSON-RPC endpoint of the Ethereum node.
    #[arg(
        long,
        env = "ZKR_L1_RPC",
        default_value = "http://127.0.0.1:8545",
        value_name = "URL"
    )]
    pub rpc: String,
    /// Private key of the sending account (hex, 32 bytes).
    #[arg(long, env = "ZKR_L1_KEY", hide_env_values = true, value_name = "HEX")]
    pub key: String,
}

impl EthConnection {
    /// A provider that signs with the key, and the key's address.
    pub fn provider(&self) -> anyhow::Result<(DynProvider, Address)> {
        let signer = PrivateKeySigner::from_str(self.key.trim())
            .map_err(|e| anyhow::anyhow!("--key is not a private key: {e}"))?;
        let from = signer.address();
        let url = self
            .rpc
            .parse()
            .with_context(|| format!("--rpc {:?} is not a URL", self.rpc))?;
        let provider = ProviderBuilder::new()
            .wallet(signer)
            .connect_http(url)
            .erased();
        Ok((provider, from))
    }
}

#[derive(Debug, Args)]
struct VerifierArgs {
    /// The wrap's keys directory (its verifying-key.json).
    #[arg(long, env = "ZKR_WRAP_KEYS", value_name = "DIR")]
    wrap_keys: PathBuf,
    /// Where to write the contract.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "Verifier.sol"
    )]
    output: PathBuf,
}

#[derive(Debug, Args)]
struct DeployArgs {
    #[command(flatten)]
    eth: EthConnection,
    /// The wrap's keys directory whose verifying key the verifier holds.
    #[arg(long, env = "ZKR_WRAP_KEYS", value_name = "DIR")]
    wrap_keys: PathBuf,
    /// Batch circuit capacity (pubdata chunks) of the keys: every committed
    /// batch's pubdata is 4 + 24 x capacity bytes.
    #[arg(long, default_value_t = super::config::DEFAULT_CAPACITY)]
    capacity: usize,
    #[command(flatten)]
    chain: super::ChainIdArg,
    /// Deploy insecure development keys (`zkr wrap-setup`): whoever made
    /// them can forge any proof and take every fund the rollup holds. For
    /// test deployments only; the deployment file records it.
    #[arg(long)]
    insecure_dev: bool,
    /// Blocks within which each L1 deposit must be in a proven batch; past
    /// them anyone may put the rollup into exodus mode (default: 3 days).
    #[arg(long, value_name = "BLOCKS", default_value_t = RollupDelays::default().priority_deadline)]
    priority_deadline_blocks: u64,
    /// Blocks between proposing a new operator or owner and its effect
    /// (default: 7 days).
    #[arg(long, value_name = "BLOCKS", default_value_t = RollupDelays::default().governance_delay)]
    governance_delay_blocks: u64,
    /// Where to write the deployment JSON.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "deployment.json"
    )]
    output: PathBuf,
}

/// A deployed rollup and the account that sends to it.
#[derive(Debug, Args)]
struct RollupArgs {
    #[command(flatten)]
    eth: EthConnection,
    /// The deployment JSON `zkr l1 deploy` wrote.
    #[arg(
        long,
        env = "ZKR_L1_DEPLOYMENT",
        value_name = "FILE",
        default_value = "deployment.json"
    )]
    deployment: PathBuf,
}

impl RollupArgs {
    /// The rollup of the deployment file, sent to with the connection's key.
    fn rollup(&self) -> anyhow::Result<Rollup> {
        let d = Deployment::read(&self.deployment)?;
        if d.insecure_dev {
            tracing::warn!(
                deployment = %self.deployment.display(),
                "this rollup's verifier holds INSECURE development keys: whoever made them can forge proofs"
            );
        }
        let (provider, from) = self.eth.provider()?;
        Ok(Rollup::new(provider, from, d.rollup))
    }
}

#[derive(Debug, Args)]
struct CommitArgs {
    #[command(flatten)]
    rollup: RollupArgs,
    /// Commit up to this batch only [default: every batch of a sealed range].
    #[arg(long, value_name = "BATCH")]
    through: Option<u64>,
    #[command(flatten)]
    connection: SequencerConnection,
}

#[derive(Debug, Args)]
struct ProveArgs {
    #[command(flatten)]
    rollup: RollupArgs,
    /// The sealed range FIRST..LAST to prove (as `zkr status` lists it); it
    /// must start right after the contract's last proven batch.
    #[arg(long, value_name = "FIRST..LAST")]
    range: RangeArg,
    #[command(flatten)]
    connection: SequencerConnection,
}

#[derive(Debug, Args)]
struct RevertArgs {
    #[command(flatten)]
    rollup: RollupArgs,
    /// The last batch kept: 0 or the last batch of a committed range, at or
    /// after the contract's last proven batch.
    #[arg(long, value_name = "BATCH")]
    to: u64,
}

/// Runs `zkr l1`.
pub fn run(args: L1Args) -> anyhow::Result<()> {
    match args.command {
        L1Command::Verifier(a) => verifier(a),
        L1Command::Deploy(a) => runtime()?.block_on(deploy(a)),
        L1Command::Commit(a) => runtime()?.block_on(commit(a)),
        L1Command::Prove(a) => runtime()?.block_on(prove(a)),
        L1Command::Revert(a) => runtime()?.block_on(revert(a)),
    }
}

fn verifier(args: VerifierArgs) -> anyhow::Result<()> {
    let path = args.wrap_keys.join(EVM_VK_FILE);
    let keys = manifested_verifier_keys(&args.wrap_keys)
        .with_context(|| format!("reading the wrap keys in {}", args.wrap_keys.display()))?;
    if keys.insecure_dev {
        tracing::warn!(
            dir = %args.wrap_keys.display(),
            "these are INSECURE development keys: whoever made them can forge any proof; \
             `zkr l1 deploy` refuses them without --insecure-dev"
        );
    }
    let source = generate_verifier(&keys.vk)?;
    std::fs::write(&args.output, source)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "verifier of {} written to {}",
        path.display(),
        args.output.display()
    );
    Ok(())
}

/// The empty state's root, in the contract's encoding.
pub fn genesis_root() -> anyhow::Result<B256> {
    let backend = MemoryBackend::new();
    let root = StateView::new(&backend)
        .root()
        .context("computing the empty state's root")?;
    Ok(B256::from(digest_bytes(&root)))
}

async fn deploy(args: DeployArgs) -> anyhow::Result<()> {
    super::check_capacity(args.capacity)?;
    let (provider, from) = args.eth.provider()?;
    // Refused before the circuits are built for the check below (minutes).
    let manifest = KeysDir::new(&args.wrap_keys)
        .manifest()
        .with_context(|| format!("reading the keys in {}", args.wrap_keys.display()))?;
    refuse_insecure(&manifest, &args.wrap_keys, args.insecure_dev)?;
    // The keys must be those of this capacity's wrap circuit: a verifier of
    // another circuit would refuse every range proof (or accept another's).
    let circuits = super::proving::build_circuits(args.capacity, args.chain.chain_id)?;
    let circuit = circuit_id(&ShrinkCircuit::build(circuits.aggregation()));
    drop(circuits);
    let keys = verifier_keys(&args.wrap_keys, &circuit, args.insecure_dev).with_context(|| {
        format!(
            "checking the keys in {} for the wrap of capacity {}, chain id {}",
            args.wrap_keys.display(),
            args.capacity,
            args.chain.chain_id
        )
    })?;
    if keys.insecure_dev {
        tracing::warn!(
            keys = %args.wrap_keys.display(),
            "deploying a verifier of INSECURE development keys (--insecure-dev): for tests only"
        );
    }
    let deployment = deploy_rollup(
        &provider,
        from,
        &keys,
        args.capacity,
        genesis_root()?,
        RollupDelays {
            priority_deadline: args.priority_deadline_blocks,
            governance_delay: args.governance_delay_blocks,
        },
    )
    .await
    .with_context(|| format!("deploying to {}", args.eth.rpc))?;
    deployment.write(&args.output)?;
    println!(
        "deployed on chain {}: verifier {} ({} gas), rollup {} ({} gas), owner and operator {}",
        deployment.chain_id,
        deployment.verifier,
        deployment.verifier_gas,
        deployment.rollup,
        deployment.rollup_gas,
        deployment.deployer
    );
    println!("deployment written to {}", args.output.display());
    Ok(())
}

async fn commit(args: CommitArgs) -> anyhow::Result<()> {
    let rollup = args.rollup.rollup()?;
    let mut api = args.connection.connect().await?;
    let sent = commit_batches(&rollup, &mut api, args.through).await?;
    if sent.is_empty() {
        println!("nothing to commit: the contract holds every batch of a sealed range");
    }
    for (n, s) in sent {
        println!("batch {n} committed: {} gas (tx {})", s.gas_used, s.tx);
    }
    Ok(())
}

async fn revert(args: RevertArgs) -> anyhow::Result<()> {
    let rollup = args.rollup.rollup()?;
    match rollup.revert_batches(args.to).await? {
        None => println!(
            "nothing to revert: the contract holds no committed batch after batch {}",
            args.to
        ),
        Some(s) => println!(
            "committed batches after batch {} reverted on L1: {} gas (tx {}); \
             the coordinator's matching step is `zkr admin revert --to {}`",
            args.to, s.gas_used, s.tx, args.to
        ),
    }
    Ok(())
}

async fn prove(args: ProveArgs) -> anyhow::Result<()> {
    let rollup = args.rollup.rollup()?;
    let mut api = args.connection.connect().await?;
    let s = prove_range(&rollup, &mut api, args.range).await?;
    println!(
        "range {} proven on L1: {} gas (tx {})",
        args.range, s.gas_used, s.tx
    );
    Ok(())
}

/// Commits, in order, the batches of sealed ranges after the contract's last
/// committed one (through `through` if given), closing the contract's range
/// with each sealed range's last batch. Batches of the open range wait until
/// their range is sealed: the contract builds a range's commitment as its
/// batches arrive, so it must be told where each range ends. Returns each
/// batch's transaction.
pub async fn commit_batches(
    rollup: &Rollup,
    api: &mut SequencerApi,
    through: Option<u64>,
) -> anyhow::Result<Vec<(u64, Sent)>> {
    let state = rollup.state().await?;
    let sealed: Vec<(u64, u64)> = api
        .list_ranges(v1::ListRangesRequest {})
        .await
        .map_err(status_error)
        .context("listing the coordinator's ranges")?
        .into_inner()
        .ranges
        .iter()
        .filter_map(|r| r.range.as_ref().map(|b| (b.first, b.last)))
        .collect();
    let sealed_through = sealed.last().map_or(0, |&(_, last)| last);
    if let Some(t) = through {
        anyhow::ensure!(
            t <= sealed_through,
            "batch {t} is in no sealed range yet (the coordinator has sealed through batch {sealed_through}): seal its range first with `zkr seal`"
        );
    }
    let end = through.unwrap_or(sealed_through);
    let mut sent = Vec::new();
    let mut closed = state.closed;
    for n in state.committed + 1..=end {
        let &(first, last) = sealed
            .iter()
            .find(|&&(first, last)| first <= n && n <= last)
            .with_context(|| format!("batch {n} is in none of the coordinator's sealed ranges"))?;
        anyhow::ensure!(
            first == closed + 1,
            "the contract's open range starts at batch {}, the coordinator's range holding batch {n} is {first}..{last}: they settle different ranges",
            closed + 1
        );
        let info = api
            .get_batch(v1::GetBatchRequest { batch_number: n })
            .await
            .map_err(status_error)
            .with_context(|| format!("fetching batch {n}"))?
            .into_inner();
        anyhow::ensure!(
            sha256(&info.pubdata).as_slice() == info.commitment.as_slice(),
            "batch {n}: the coordinator's pubdata does not hash to its commitment"
        );
        let ends_range = n == last;
        let s = rollup
            .commit_batch(n, &info.pubdata, ends_range)
            .await
            .with_context(|| format!("committing batch {n}"))?;
        tracing::info!(
            batch = n,
            ends_range,
            gas = s.gas_used,
            "batch committed on L1"
        );
        if ends_range {
            closed = n;
        }
        sent.push((n, s));
    }
    Ok(sent)
}

/// Proves sealed range `range` with its wrapped proof from the coordinator.
pub async fn prove_range(
    rollup: &Rollup,
    api: &mut SequencerApi,
    range: RangeArg,
) -> anyhow::Result<Sent> {
    use v1::get_proof_request::Target;
    let p = api
        .get_proof(v1::GetProofRequest {
            target: Some(Target::Range(v1::BatchRange {
                first: range.first,
                last: range.last,
            })),
            kind: v1::ProofKind::Wrap as i32,
        })
        .await
        .map_err(status_error)
        .with_context(|| format!("fetching the wrapped proof of range {range}"))?
        .into_inner();
    let old_root = B256::from(digest_bytes(&root_from_bytes("old_root", &p.old_root)?));
    let new_root = B256::from(digest_bytes(&root_from_bytes("new_root", &p.new_root)?));
    let state = rollup.state().await?;
    anyhow::ensure!(
        state.verified + 1 == range.first,
        "range {range} is not next on L1: the contract has proven through batch {}",
        state.verified
    );
    anyhow::ensure!(
        state.state_root == old_root,
        "range {range} starts from root {old_root}, the contract holds {}",
        state.state_root
    );
    let closed = rollup.closed_range(range.last).await?;
    let commitment = B256::from(<[u8; 32]>::try_from(p.commitment.as_slice()).map_err(|_| {
        anyhow::anyhow!("range {range}: commitment of {} bytes", p.commitment.len())
    })?);
    match closed {
        None => anyhow::bail!(
            "range {range} is not closed on L1: commit its batches first with `zkr l1 commit`"
        ),
        Some((first, stored)) => {
            anyhow::ensure!(
                first == range.first,
                "L1 closed the range ending at batch {} from batch {first}, not {}",
                range.last,
                range.first
            );
            anyhow::ensure!(
                stored == commitment,
                "range {range}: L1 holds commitment {stored}, the wrapped proof states {commitment}"
            );
        }
    }
    let s = rollup
        .prove_range(range.first, range.last, new_root, &p.proof)
        .await
        .with_context(|| format!("proving range {range} on L1"))?;
    tracing::info!(%range, gas = s.gas_used, "range proven on L1");
    Ok(s)
}
