//! The headline figure: what one settled signed transfer costs, end to end,
//! in one process on all cores.
//!
//! For each run, B batches of capacity C, every operation a signed transfer
//! (one chunk each), are executed and witnessed, proven, folded into one range
//! proof by the aggregation tree, shrunk and wrapped to Groth16; the table
//! gives wall and CPU seconds by stage, in all and per settled transfer.
//! Stages run one after another, so each stage's CPU figure is its own.
//!
//! `cargo bench -p zkr-benches --bench settlement` runs capacity 158 with 8
//! and 32 batches: about 35 minutes on 2 cores. 158 transfers are the most
//! a batch circuit of 2^17 rows holds (820 rows each), and 2^17 is the
//! cheapest size per transfer on 2 cores: `-- --no-wrap --batches 2
//! --capacity C` compares capacities. `-- --capacity 16 --batches 4` picks others.
//!
//! The wrap proves with INSECURE dev keys cached where `zkr demo` keeps its
//! own (`~/.cache/zkr/wrap-dev-keys/capacity-C`; `--keys DIR` for another):
//! the first run of a capacity makes them (a few minutes, about 1 GB), which is
//! setup, not part of the figure; so are building the circuits and the genesis.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use rand::SeedableRng;
use rand_chacha::{ChaCha20Rng, ChaCha8Rng};
use zkr_aggregator::wrap::circuit::WrapCircuit;
use zkr_aggregator::wrap::groth16::{self, Stage};
use zkr_aggregator::wrap::shrink::ShrinkCircuit;
use zkr_aggregator::wrap::wrapper::Wrapper;
use zkr_aggregator::Circuits;
use zkr_circuits::executor::apply;
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness;
use zkr_circuits::workload::{genesis_batch, genesis_chunks, transfer_batch, OPERATOR};
use zkr_prover::cost::{self, Breakdown, Meter};
use zkr_prover::dev_keys;

/// Settles ranges of signed transfers end to end and prints the cost per transfer.
#[derive(Debug, Parser)]
struct Args {
    /// Batch circuit capacity (chunks; one per signed transfer).
    #[arg(long, default_value_t = 158)]
    capacity: usize,
    /// Batches per settled range, one run each (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [8u64, 32])]
    batches: Vec<u64>,
    /// The wrap's dev keys directory [default: zkr demo's cache for the capacity].
    #[arg(long, value_name = "DIR")]
    keys: Option<PathBuf>,
    /// Stop at the range proof (no wrap keys needed): to compare batch
    /// capacities by their proving cost alone.
    #[arg(long)]
    no_wrap: bool,
    /// Accounts the transfers move funds between.
    #[arg(long, default_value_t = 64)]
    accounts: u32,
    /// What `cargo bench` passes to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let c = args.capacity;

    let setup = Meter::start();
    let circuits = Circuits::build(c, DEFAULT_CHAIN_ID).context("building the circuits")?;
    let wrapper = if args.no_wrap {
        None
    } else {
        let dir = args
            .keys
            .clone()
            .unwrap_or_else(|| dev_keys::default_dir(c));
        eprintln!("wrap keys: {} (made there if missing)", dir.display());
        let (wrapper, _) = dev_keys::load_or_make(&circuits, &dir, args.keys.is_none())
            .with_context(|| format!("wrap keys in {}", dir.display()))?;
        Some(wrapper)
    };
    let setup = setup.cost();
    eprintln!(
        "setup (not in the figure): circuits and wrap keys in {:.1} s",
        setup.wall.as_secs_f64()
    );

    let mut runs = Vec::new();
    let mut facts = Vec::new();
    for &b in &args.batches {
        let (run, fact) = settle(&args, &circuits, wrapper.as_ref(), b)?;
        eprintln!("{}", cost::table(std::slice::from_ref(&run)));
        runs.push(run);
        facts.push(fact);
    }

    let batch = circuits.batch();
    println!(
        "\nCost per settled signed transfer: capacity {c}: batch circuit 2^{} rows ({} used){}, \
         aggregation 2^{} ({} used){}; one process, {} threads",
        batch.degree_bits(),
        batch.num_gates(),
        batch.leaf().map_or(String::new(), |l| format!(
            ", its leaf step 2^{} ({} used)",
            l.data().common.degree_bits(),
            l.num_gates()
        )),
        circuits.aggregation().degree_bits(),
        circuits.aggregation().num_gates(),
        wrapper.as_ref().map_or(String::new(), |w| format!(
            ", shrink 2^{}",
            w.shrink().degree_bits()
        )),
        rayon::current_num_threads()
    );
    println!();
    println!("{}", cost::table(&runs));
    for f in facts {
        println!("{f}");
    }
    println!("peak memory: {:.2} GB", cost::peak_rss_bytes() as f64 / 1e9);
    Ok(())
}

/// Settles one range of `batches` full transfer batches; its cost and a line of facts.
fn settle(
    args: &Args,
    circuits: &Circuits,
    wrapper: Option<&Wrapper>,
    batches: u64,
) -> anyhow::Result<(Breakdown, String)> {
    let c = args.capacity;
    let mut rng = ChaCha8Rng::seed_from_u64(batches);
    let mut state = MemoryBackend::new();
    let genesis = genesis_batch(args.accounts, 3, &mut rng).context("genesis")?;
    apply(
        &mut state,
        &genesis,
        genesis_chunks(args.accounts),
        DEFAULT_CHAIN_ID,
    )
    .context("applying the genesis")?;

    // The users' signed operations exist before the prover sees them: not timed.
    let mut witnesses = Vec::new();
    let mut transfers = 0u64;
    let mut run = Breakdown::new(format!("capacity {c} × {batches} batches"), 0);
    for number in 2..2 + batches {
        let batch = transfer_batch(&state, number, OPERATOR, c, DEFAULT_CHAIN_ID, &mut rng)
            .context("drawing transfers")?;
        transfers += batch.operations.len() as u64;
        let meter = Meter::start();
        let exec = apply(&mut state, &batch, c, DEFAULT_CHAIN_ID)
            .with_context(|| format!("executing batch {number}"))?;
        witnesses.push(witness::generate(&exec).context("witness")?);
        run.add("execution and witness", meter.cost());
    }
    run.transfers = transfers;

    let mut meter = Meter::start();
    let mut proofs = Vec::new();
    for (i, w) in witnesses.iter().enumerate() {
        proofs.push(
            circuits
                .batch()
                .prove(w)
                .with_context(|| format!("proving batch {}", i + 2))?,
        );
    }
    let batch_stage = if circuits.batch().leaf().is_some() {
        "batch proofs (each with its leaf step)"
    } else {
        "batch proofs"
    };
    run.add(batch_stage, meter.lap());
    let range = circuits.prove_range(&proofs).context("aggregation")?;
    run.add(
        &format!("recursion steps ({})", batches.saturating_sub(1)),
        meter.lap(),
    );
    let Some(wrapper) = wrapper else {
        let fact = format!(
            "{}: {} transfers; range proof {} bytes; not wrapped; wall {:.3} s and CPU {:.3} s \
             per transfer to the range proof",
            run.label,
            transfers,
            range.to_bytes().len(),
            run.per_transfer().0,
            run.per_transfer().1,
        );
        return Ok((run, fact));
    };
    let pk = wrapper
        .proving_key()
        .context("the wrap keys hold no proving key")?;
    let shrunk = wrapper
        .shrink()
        .prove(circuits.aggregation(), &range)
        .context("shrink")?;
    run.add("shrink", meter.lap());
    let values = ShrinkCircuit::public_values(&shrunk).context("shrink public values")?;
    let circuit = WrapCircuit::new(wrapper.shrink(), Some(&shrunk)).context("wrap circuit")?;
    let mut wrap_rng = ChaCha20Rng::seed_from_u64(batches);
    let proof =
        groth16::prove_with_stages(wrapper.backend(), pk, circuit, &mut wrap_rng, &mut |s| {
            let name = match s {
                Stage::Synthesis => "wrap synthesis",
                Stage::Quotient => "Groth16 quotient (NTTs)",
                Stage::Msm => "Groth16 MSMs",
            };
            run.add(name, meter.lap());
        })
        .context("Groth16")?;
    wrapper
        .verify_values(&proof, &values)
        .context("the wrapped proof does not verify")?;

    let fact = format!(
        "{}: {} transfers; range proof {} bytes; wrapped proof {} bytes (EVM); \
         wall {:.3} s and CPU {:.3} s per transfer",
        run.label,
        transfers,
        range.to_bytes().len(),
        groth16::proof_to_evm(&proof).len(),
        run.per_transfer().0,
        run.per_transfer().1,
    );
    Ok((run, fact))
}
