//! `zkr demo`: a genesis batch and random batches, each proven and verified,
//! with a table of what it cost.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tracing::{error, info};
use zkr_circuits::batch::BatchCircuit;
use zkr_circuits::executor::execute;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, MemoryBackend, StateBackend};
use zkr_circuits::workload::{
    genesis_accounts_for_capacity, genesis_batch, genesis_chunks, random_batch, OPERATOR,
    WORKLOAD_TOKENS,
};

use super::proving::{build_circuit, fmt_duration, prove_and_verify};
use super::{check_capacity, open_state, progress, OpCounts};

/// Options of `zkr demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Pubdata chunks per batch (a transfer takes 1, a withdrawal 2, a deposit 3).
    #[arg(long, default_value_t = 8)]
    pub capacity: usize,
    /// Random batches to prove after the genesis batch.
    #[arg(long, default_value_t = 3)]
    pub batches: u64,
    /// Accounts created by the genesis batch besides the operator
    /// [default: as many as fit in one batch].
    #[arg(long)]
    pub accounts: Option<u32>,
    /// Tokens the genesis deposits are spread over.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=WORKLOAD_TOKENS as i64))]
    pub tokens: u16,
    /// Seed of the random operations (the same seed gives the same batches).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the state in DIR/state.redb and continue from it on the next run
    /// [default: a fresh in-memory state].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    check_capacity(args.capacity)?;
    match &args.state_dir {
        Some(dir) => {
            let mut backend = open_state(dir)?;
            run_on(&mut backend, &args)
        }
        None => run_on(&mut MemoryBackend::new(), &args),
    }
}

/// One line of the result table.
struct Row {
    batch: u64,
    ops: OpCounts,
    chunks: usize,
    prove: Duration,
    verify: Duration,
    proof_bytes: usize,
    verified: bool,
}

fn run_on<B: StateBackend>(backend: &mut B, args: &DemoArgs) -> anyhow::Result<()> {
    let capacity = args.capacity;
    let last_batch = backend.meta().context("reading the state")?.last_batch;
    let genesis = last_batch == 0;
    let accounts = match args.accounts {
        Some(n) => {
            anyhow::ensure!(
                !genesis || genesis_chunks(n) <= capacity,
                "a genesis of {n} accounts plus the operator takes {} chunks, capacity is {capacity} \
                 (at most {} accounts fit)",
                genesis_chunks(n),
                genesis_accounts_for_capacity(capacity)
            );
            n
        }
        None => genesis_accounts_for_capacity(capacity),
    };
    if !genesis {
        info!(
            last_batch,
            "state has batches already: continuing it, no genesis batch"
        );
    }

    let circuit = build_circuit(capacity);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let total = args.batches + u64::from(genesis);
    let status = progress::steps(total);
    let mut rows = Vec::new();
    let mut failure = None;
    for number in last_batch + 1..=last_batch + total {
        status.set_message(format!("batch {number}: generating"));
        let batch = if number == 1 {
            genesis_batch(accounts, args.tokens, &mut rng)?
        } else {
            random_batch(backend, number, OPERATOR, capacity, &mut rng)
                .with_context(|| format!("generating batch {number}"))?
        };
        let (row, verified) = prove_one(backend, &circuit, &batch, &status)?;
        rows.push(row);
        status.inc(1);
        if let Err(e) = verified {
            failure = Some(e);
            break;
        }
    }
    status.finish_and_clear();

    print_table(&circuit, &rows);
    if let Some(e) = failure {
        error!("{e:#}");
        return Err(e.context("a batch proof failed to verify"));
    }
    let root = digest_hex(&zkr_circuits::state::StateView::new(&*backend).root()?);
    info!(root = %root, "all {} proofs verified", rows.len());
    Ok(())
}

/// Executes, proves and verifies one batch; commits it to the state if it verified.
fn prove_one<B: StateBackend>(
    backend: &mut B,
    circuit: &BatchCircuit,
    batch: &Batch,
    status: &indicatif::ProgressBar,
) -> anyhow::Result<(Row, anyhow::Result<()>)> {
    let exec = execute(&*backend, batch, circuit.capacity())
        .with_context(|| format!("executing generated batch {}", batch.number))?;
    let proven = prove_and_verify(circuit, &exec, status)?;
    if proven.verified.is_ok() {
        backend
            .commit(&exec.writes)
            .with_context(|| format!("committing batch {} to the state", batch.number))?;
    }
    let row = Row {
        batch: batch.number,
        ops: OpCounts::of(batch),
        chunks: batch.chunks(),
        prove: proven.prove_time,
        verify: proven.verify_time,
        proof_bytes: proven.bytes.len(),
        verified: proven.verified.is_ok(),
    };
    Ok((row, proven.verified))
}

fn print_table(circuit: &BatchCircuit, rows: &[Row]) {
    let header = [
        "batch",
        "deposits",
        "transfers",
        "withdrawals",
        "chunks",
        "rows",
        "gates",
        "prove",
        "verify",
        "proof bytes",
        "verified",
    ];
    let rows_cell = format!(
        "2^{} = {}",
        circuit.degree_bits(),
        1u64 << circuit.degree_bits()
    );
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.batch.to_string(),
                r.ops.deposits.to_string(),
                r.ops.transfers.to_string(),
                r.ops.withdrawals.to_string(),
                format!("{}/{}", r.chunks, circuit.capacity()),
                rows_cell.clone(),
                circuit.num_gates().to_string(),
                fmt_duration(r.prove),
                fmt_duration(r.verify),
                r.proof_bytes.to_string(),
                if r.verified { "yes" } else { "NO" }.to_string(),
            ]
        })
        .collect();
    println!("{}", markdown_table(&header, &cells));
}

/// A markdown table, columns padded to their widest cell, numbers right-aligned.
fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut out = vec![line(
        header
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h:<w$}"))
            .collect(),
    )];
    out.push(line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        out.push(line(
            r.iter()
                .zip(&widths)
                .map(|(c, w)| {
                    if c.starts_with(|ch: char| ch.is_ascii_digit()) {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect(),
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns_and_right_aligns_numbers() {
        let t = markdown_table(&["batch", "ok"], &[vec!["7".into(), "yes".into()]]);
        let expected = "| batch | ok  |\n| ----- | --- |\n|     7 | yes |";
        assert_eq!(t, expected, "expected\n{expected}\ngot\n{t}");
    }
}
