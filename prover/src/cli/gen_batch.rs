//! `zkr gen-batch`: a random valid next batch for a state directory, as JSON,
//! to feed `zkr prove-batch` without writing operations by hand.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tracing::info;
use zkr_circuits::executor::execute;
use zkr_circuits::state::StateBackend;
use zkr_circuits::workload::{
    genesis_accounts_for_capacity, genesis_batch, genesis_chunks, random_batch, OPERATOR,
    WORKLOAD_TOKENS,
};

use super::{check_capacity, open_state, OpCounts};

/// Options of `zkr gen-batch`.
#[derive(Debug, Args)]
pub struct GenBatchArgs {
    /// State directory the batch is for (holds state.redb; read, not changed).
    /// An empty state gets the genesis deposits as batch 1.
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Pubdata chunks the batch may fill (prove it with the same --capacity).
    #[arg(long, default_value_t = 8)]
    pub capacity: usize,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    /// Seed of the random operations [default: drawn at random and logged].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Genesis only: accounts created besides the operator [default: as many as fit].
    #[arg(long)]
    pub accounts: Option<u32>,
    /// Genesis only: tokens the deposits are spread over.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=WORKLOAD_TOKENS as i64))]
    pub tokens: u16,
    /// Where to write the batch JSON.
    #[arg(short = 'o', long = "output", value_name = "FILE.json")]
    pub output: PathBuf,
}

pub fn run(args: GenBatchArgs) -> anyhow::Result<()> {
    check_capacity(args.capacity)?;
    let backend = open_state(&args.state_dir)?;
    let seed = args.seed.unwrap_or_else(|| rand::thread_rng().gen());
    info!(seed, "generating batch");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let number = backend.meta().context("reading the state")?.last_batch + 1;
    let batch = if number == 1 {
        let accounts = args
            .accounts
            .unwrap_or_else(|| genesis_accounts_for_capacity(args.capacity));
        anyhow::ensure!(
            genesis_chunks(accounts) <= args.capacity,
            "a genesis of {accounts} accounts plus the operator takes {} chunks, capacity is {}",
            genesis_chunks(accounts),
            args.capacity
        );
        genesis_batch(accounts, args.tokens, &mut rng)?
    } else {
        random_batch(
            &backend,
            number,
            OPERATOR,
            args.capacity,
            args.chain.chain_id,
            &mut rng,
        )
        .with_context(|| format!("generating batch {number}"))?
    };
    // The generator tracks every rule; executing here catches a state it cannot read.
    execute(&backend, &batch, args.capacity, args.chain.chain_id)
        .with_context(|| format!("generated batch {number} does not execute"))?;

    let json = serde_json::to_string_pretty(&batch).context("encoding the batch as JSON")?;
    std::fs::write(&args.output, json + "\n")
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "batch {number}: {} ({}/{} chunks) written to {}",
        OpCounts::of(&batch),
        batch.chunks(),
        args.capacity,
        args.output.display()
    );
    Ok(())
}
