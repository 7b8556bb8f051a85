//! `zkr wrap-setup`, and loading the wrap's keys for the commands that wrap
//! (workers, the demo) or check wrapped proofs (the coordinator, `zkr proof`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use tracing::{info, warn};
use zkr_aggregator::wrap::keys::{KeysDir, KeysError, Origin, PK_FILE};
use zkr_aggregator::wrap::wrapper::{Wrapper, WrapperError};
use zkr_aggregator::Circuits;

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
    warn!(
        dir = %dir.path().display(),
        "generating INSECURE development wrap keys: whoever ran this can forge proofs"
    );
    let spinner = progress::spinner(format!(
        "wrap keys (insecure dev setup, capacity {}): shrink circuit and Groth16 setup…",
        circuits.capacity()
    ));
    let start = Instant::now();
    let wrapper = Wrapper::setup_insecure_dev(circuits.aggregation(), &mut rand::rngs::OsRng);
    spinner.finish_and_clear();
    let wrapper = wrapper.context("wrap setup")?;
    info!(elapsed = ?start.elapsed(), "wrap keys generated");
    let spinner = progress::spinner(format!("writing wrap keys to {}…", dir.path().display()));
    let saved = wrapper.save(dir, Origin::InsecureDev);
    spinner.finish_and_clear();
    saved.with_context(|| format!("writing wrap keys to {}", dir.path().display()))?;
    Ok(wrapper)
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

/// The wrap of `circuits` with the dev keys in `dir`: loaded when present,
/// else generated (insecurely) and written there for the next run. Keys of
/// another circuit (a cache left by another zkr version) are replaced when
/// `replace_stale`, else refused.
pub fn dev_keys(circuits: &Circuits, dir: &Path, replace_stale: bool) -> anyhow::Result<Wrapper> {
    let keys = KeysDir::new(dir);
    if keys.exists() {
        match load_keys(circuits, dir, true) {
            Ok(w) => return Ok(w),
            Err(WrapperError::Keys(KeysError::WrongCircuit { found, .. })) if replace_stale => {
                warn!(dir = %dir.display(), stale = %found, "cached wrap keys are for another circuit: making new ones");
            }
            Err(e) => {
                return Err(e).with_context(|| format!("loading wrap keys from {}", dir.display()))
            }
        }
    }
    setup_insecure(circuits, &keys)
}

/// Where the demo keeps its dev keys: the user's cache directory, one folder per capacity.
pub fn default_dev_keys_dir(capacity: usize) -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".zkr-cache"));
    cache
        .join("zkr")
        .join("wrap-dev-keys")
        .join(format!("capacity-{capacity}"))
}
