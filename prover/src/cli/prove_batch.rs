//! `zkr prove-batch`: execute one batch against a state directory, prove and
//! verify it, write the proof, and only then commit the new state.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use tracing::info;
use zkr_circuits::executor::execute;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, StateBackend};

use super::proving::{build_circuit, fmt_duration, prove_and_verify};
use super::{check_capacity, open_state, progress, OpCounts};

/// Options of `zkr prove-batch`.
#[derive(Debug, Args)]
pub struct ProveBatchArgs {
    /// State directory (holds state.redb; a missing state starts empty, so its
    /// first batch must be the genesis deposits).
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// The batch, as JSON (see `zkr gen-batch`).
    #[arg(long, value_name = "FILE.json")]
    pub batch: PathBuf,
    /// Circuit capacity in pubdata chunks [default: the smallest power of two,
    /// at least 8, that holds the batch].
    #[arg(long)]
    pub capacity: Option<usize>,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    /// Where to write the proof bytes.
    #[arg(short = 'o', long = "output", value_name = "PROOF_FILE")]
    pub output: PathBuf,
}

/// Capacity used when none is given: a power of two, so few circuits are ever built.
fn default_capacity(chunks: usize) -> usize {
    chunks.max(8).next_power_of_two()
}

pub fn run(args: ProveBatchArgs) -> anyhow::Result<()> {
    let json = std::fs::read_to_string(&args.batch)
        .with_context(|| format!("reading batch {}", args.batch.display()))?;
    let batch: Batch = serde_json::from_str(&json)
        .with_context(|| format!("parsing batch {}", args.batch.display()))?;
    let capacity = args
        .capacity
        .unwrap_or_else(|| default_capacity(batch.chunks()));
    check_capacity(capacity)?;
    let mut backend = open_state(&args.state_dir)?;

    let exec = execute(&backend, &batch, capacity, args.chain.chain_id).with_context(|| {
        format!(
            "{} not applied; the state is unchanged",
            args.batch.display()
        )
    })?;
    info!(
        batch = batch.number,
        operations = %OpCounts::of(&batch),
        chunks = batch.chunks(),
        capacity,
        "batch executes"
    );

    let circuit = build_circuit(capacity, args.chain.chain_id);
    let status = progress::spinner(format!("batch {}: proving", batch.number));
    let proven = prove_and_verify(&circuit, &exec, &status)?;
    status.finish_and_clear();
    proven.verified.with_context(|| {
        format!(
            "batch {} not committed; the state is unchanged",
            batch.number
        )
    })?;

    std::fs::write(&args.output, &proven.bytes)
        .with_context(|| format!("writing proof {}", args.output.display()))?;
    backend.commit(&exec.writes).with_context(|| {
        format!(
            "committing batch {} to {}",
            batch.number,
            args.state_dir.display()
        )
    })?;

    println!(
        "batch {} proven and verified; state committed",
        batch.number
    );
    println!("  old root:    0x{}", digest_hex(&exec.old_root));
    println!("  new root:    0x{}", digest_hex(&exec.new_root));
    println!("  commitment:  0x{}", hex::encode(exec.commitment));
    println!(
        "  circuit:     capacity {capacity}, 2^{} rows, {} gates",
        circuit.degree_bits(),
        circuit.num_gates()
    );
    println!(
        "  prove {}, verify {}",
        fmt_duration(proven.prove_time),
        fmt_duration(proven.verify_time)
    );
    println!(
        "  proof:       {} ({} bytes)",
        args.output.display(),
        proven.bytes.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_capacity_is_the_smallest_power_of_two_from_8_that_fits() {
        for (chunks, expected) in [(0, 8), (6, 8), (8, 8), (9, 16), (30, 32), (33, 64)] {
            let got = default_capacity(chunks);
            assert_eq!(
                got, expected,
                "{chunks} chunks: expected capacity {expected}, got {got}"
            );
        }
    }
}
