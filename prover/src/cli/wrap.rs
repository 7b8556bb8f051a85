//! `zkr wrap-setup`, and loading the wrap's keys for the commands that wrap
//! (workers, the demo) or check wrapped proofs (the coordinator, `zkr proof`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use tracing::info;
use zkr_aggregator::wrap::keys::{KeysDir, PK_FILE};
use zkr_aggregator::wrap::wrapper::{Wrapper, WrapperError};
use zkr_aggregator::Circuits;
use zkr_prover::dev_keys;

use super::proving::build_circuits;
use super::{check_capacity, progress};

/// Options of `zkr wrap-setup`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The keys directory holds wrap.pk (the proving key, about 1 GB, for workers),
wrap.vk and verifying-key.json (the verifying key, for the coordinator and the
L1 verifier) and wrap-keys.json (the circuit the keys are for and the SHA-256
of each file; every load checks both). Keys are made for one batch circuit
capacity: the coordinator and its wrapping workers must use the same one.")]
pub struct WrapSetupArgs {
    /// INSECURE: make the keys from local randomness, so whoever runs this can
    /// forge proofs. Development and tests only; production keys come from the
    /// ceremony. Required, to say so.
    #[arg(long, required = true)]
    pub insecure_dev: bool,
    /// Batch circuit capacity (pubdata chunks) whose range proofs the keys wrap.
    #[arg(long, default_value_t = 8)]
    pub capacity: usize,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    /// Directory to write the keys to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub keys: PathBuf,
    /// Replace keys already in the directory.
    #[arg(long)]
    pub force: bool,
}

/// Runs `zkr wrap-setup`.
pub fn run(args: WrapSetupArgs) -> anyhow::Result<()> {
    check_capacity(args.capacity)?;
    let dir = KeysDir::new(&args.keys);
    anyhow::ensure!(
        args.force || !dir.exists(),
        "{} already holds wrap keys; pass --force to replace them",
        args.keys.display()
    );
    let circuits = build_circuits(args.capacity, args.chain.chain_id)?;
    let wrapper = setup_insecure(&circuits, &dir)?;
    let pk_bytes = std::fs::metadata(args.keys.join(PK_FILE)).map_or(0, |m| m.len());
    println!(
        "INSECURE development keys for the wrap of capacity {} written to {} \
         (circuit {}, proving key {:.2} GB)",
        args.capacity,
        args.keys.display(),
        wrapper.circuit_id(),
        pk_bytes as f64 / 1e9
    );
    Ok(())
}

/// Makes insecure dev keys for `circuits`' wrap and writes them to `dir`.
fn setup_insecure(circuits: &Circuits, dir: &KeysDir) -> anyhow::Result<Wrapper> {
    let spinner = progress::spinner(format!(
        "wrap keys (insecure dev setup, capacity {}): shrink circuit, Groth16 setup, writing to {}…",
        circuits.capacity(),
        dir.path().display()
    ));
    let wrapper = dev_keys::make(circuits, dir);
    spinner.finish_and_clear();
    wrapper.with_context(|| format!("making wrap keys in {}", dir.path().display()))
}

/// Loads the wrap of `circuits` from the keys in `dir` (the proving key only
/// when `prover`), checked to be for that circuit.
pub fn load(circuits: &Circuits, dir: &Path, prover: bool) -> anyhow::Result<Wrapper> {
    load_keys(circuits, dir, prover)
        .with_context(|| format!("loading wrap keys from {}", dir.display()))
}

fn load_keys(circuits: &Circuits, dir: &Path, prover: bool) -> Result<Wrapper, WrapperError> {
    let spinner = progress::spinner(format!(
        "loading wrap keys from {}{}…",
        dir.display(),
        if prover { " (proving key)" } else { "" }
    ));
    let start = Instant::now();
    let wrapper = Wrapper::load(circuits.aggregation(), &KeysDir::new(dir), prover);
    spinner.finish_and_clear();
    let wrapper = wrapper?;
    info!(dir = %dir.display(), circuit = wrapper.circuit_id(), elapsed = ?start.elapsed(), "wrap keys loaded");
    Ok(wrapper)
}

/// The wrap of `circuits` with the dev keys in `dir` ([`dev_keys::load_or_make`]).
pub fn dev_keys(circuits: &Circuits, dir: &Path, replace_stale: bool) -> anyhow::Result<Wrapper> {
    let spinner = progress::spinner(format!(
        "wrap keys of capacity {}: loading from {} (or making INSECURE dev keys there)…",
        circuits.capacity(),
        dir.display()
    ));
    let loaded = dev_keys::load_or_make(circuits, dir, replace_stale);
    spinner.finish_and_clear();
    let (wrapper, source) = loaded.with_context(|| format!("wrap keys in {}", dir.display()))?;
    info!(dir = %dir.display(), circuit = wrapper.circuit_id(), ?source, "wrap dev keys ready");
    Ok(wrapper)
}
