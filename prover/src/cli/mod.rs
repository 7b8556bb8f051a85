//! The `zkr` commands, one module each, and what they share.

mod admin;
mod config;
mod coordinator;
mod demo;
mod demo_l1;
mod gen_batch;
mod key;
mod l1;
pub mod logging;
mod progress;
mod proof;
mod prove_batch;
mod proving;
mod seal;
mod status;
mod submit;
mod worker;
mod wrap;

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use zkr_circuits::ops::{Batch, Operation};
use zkr_circuits::state::RedbBackend;

/// zkr: proves that batches of rollup operations move the state root correctly.
#[derive(Debug, Parser)]
#[command(name = "zkr", version)]
#[command(after_help = "Logging: set RUST_LOG (default: info), e.g. RUST_LOG=debug zkr demo.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a coordinator and two workers in one process: prove a genesis batch
    /// and random batches, aggregate them into one range proof, verify it.
    Demo(demo::DemoArgs),
    /// Execute, prove and verify one batch against a state directory, then commit it.
    ProveBatch(prove_batch::ProveBatchArgs),
    /// Write a random valid next batch for a state directory as JSON.
    GenBatch(gen_batch::GenBatchArgs),
    /// Serve the coordinator: accept batches over gRPC, queue their proving
    /// jobs for workers, check and store the proofs.
    Coordinator(Box<config::CoordinatorArgs>),
    /// Prove jobs of a coordinator until interrupted (SIGINT or SIGTERM).
    Worker(worker::WorkerArgs),
    /// Submit a batch to the coordinator, with the roots computed on a local state replica.
    Submit(submit::SubmitArgs),
    /// Show the status of one batch or of every batch; --watch follows changes.
    Status(status::StatusArgs),
    /// Fetch the proof of a batch, or the range proof of a sealed range, from the coordinator.
    Proof(proof::ProofArgs),
    /// Seal the open range (every accepted batch since the last range) so that
    /// it is aggregated into one range proof; --wait follows it until proven.
    Seal(seal::SealArgs),
    /// Make the Groth16 keys of the wrap (INSECURE development setup) and
    /// write them to a keys directory for the coordinator and its workers.
    WrapSetup(wrap::WrapSetupArgs),
    /// Settle on Ethereum: generate the verifier, deploy the contracts, commit
    /// batches and prove wrapped ranges.
    L1(l1::L1Args),
    /// Make account key pairs, sign transfers and withdrawals as a wallet
    /// does, and check signatures.
    Key(key::KeyArgs),
    /// Operator actions on the coordinator (its Admin API, under the admin
    /// token): revert batches.
    Admin(admin::AdminArgs),
    /// Prove any circom circuit with zkr's Groth16 prover, from snarkjs's
    /// files (.zkey, .wtns), and verify or export a verifier as snarkjs does.
    #[command(subcommand)]
    Groth16(zkr_ceremony::cli::Groth16Command),
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Demo(args) => demo::run(args),
            Command::ProveBatch(args) => prove_batch::run(args),
            Command::GenBatch(args) => gen_batch::run(args),
            Command::Coordinator(args) => coordinator::run(*args),
            Command::Worker(args) => worker::run(args),
            Command::Submit(args) => submit::run(args),
            Command::Status(args) => status::run(args),
            Command::Proof(args) => proof::run(args),
            Command::Seal(args) => seal::run(args),
            Command::WrapSetup(args) => wrap::run(args),
            Command::L1(args) => l1::run(args),
            Command::Key(args) => key::run(args),
            Command::Admin(args) => admin::run(args),
            Command::Groth16(command) => zkr_ceremony::cli::groth16(command),
        }
    }
}

/// File name of the state database inside a state directory.
const STATE_FILE: &str = "state.redb";

/// Opens the state database in `dir`, creating the directory and an empty state if missing.
fn open_state(dir: &Path) -> anyhow::Result<RedbBackend> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating state directory {}", dir.display()))?;
    let path = dir.join(STATE_FILE);
    RedbBackend::open(&path).with_context(|| format!("opening state {}", path.display()))
}

/// The rollup chain id that transfers and withdrawals are signed for.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ChainIdArg {
    /// Rollup chain id that transfers and withdrawals are signed for; part of the batch
    /// circuit, so it must match the coordinator's.
    #[arg(long = "chain-id", env = "ZKR_CHAIN_ID", value_name = "ID",
          default_value_t = zkr_circuits::ops::signing::DEFAULT_CHAIN_ID)]
    pub chain_id: zkr_circuits::ops::signing::ChainId,
}

/// Where the Groth16 wrap's MSMs and NTTs run.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BackendArg {
    /// MSM/NTT backend of the Groth16 wrap prover: cpu, cuda (fails unless the
    /// CUDA kernel library loads and a device answers; ZKR_CUDA_LIBRARY names
    /// the library), or auto (CUDA when available, else cpu; the log says which).
    #[arg(long = "backend", env = "ZKR_BACKEND", value_name = "cpu|cuda|auto", default_value_t = zkr_cuda::BackendChoice::Cpu)]
    pub backend: zkr_cuda::BackendChoice,
}

impl BackendArg {
    /// Resolves the choice to a backend (logging which, and why).
    pub fn select(&self) -> anyhow::Result<std::sync::Arc<dyn zkr_cuda::Backend>> {
        let selected = zkr_cuda::select(self.backend)
            .with_context(|| format!("--backend {}", self.backend))?;
        Ok(selected.backend)
    }
}

/// Smallest batch circuit capacity, in pubdata chunks, the CLI builds.
const MIN_CAPACITY: usize = 3;

/// Checks a requested capacity: the circuit must hold at least one deposit.
fn check_capacity(capacity: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        capacity >= MIN_CAPACITY,
        "capacity {capacity} is too small: a deposit takes {MIN_CAPACITY} chunks"
    );
    Ok(())
}

/// A 32-byte root from the API in the hex form the other commands print
/// (limbs most significant first); bytes that are not a root print as they are.
fn root_hex(bytes: &[u8]) -> String {
    zkr_proto::convert::root_from_bytes("root", bytes)
        .map(|d| zkr_circuits::state::digest_hex(&d))
        .unwrap_or_else(|_| hex::encode(bytes))
}

/// The async runtime of the service commands.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM; returns the signal's name.
async fn shutdown_signal() -> &'static str {
    // A handler that cannot be installed never fires, rather than firing at once.
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = interrupt => "SIGINT",
            _ = terminate => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await;
        "Ctrl-C"
    }
}

/// A batch's operations counted by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct OpCounts {
    deposits: usize,
    transfers: usize,
    withdrawals: usize,
}

impl OpCounts {
    fn of(batch: &Batch) -> Self {
        let mut c = Self::default();
        for op in &batch.operations {
            match op {
                Operation::Deposit(_) => c.deposits += 1,
                Operation::Transfer(_) => c.transfers += 1,
                Operation::Withdraw(_) => c.withdrawals += 1,
            }
        }
        c
    }
}

impl fmt::Display for OpCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} deposits, {} transfers, {} withdrawals",
            self.deposits, self.transfers, self.withdrawals
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn capacity_below_one_deposit_is_refused() {
        assert!(
            check_capacity(2).is_err(),
            "expected capacity 2 to be refused"
        );
        assert!(
            check_capacity(3).is_ok(),
            "expected capacity 3 to be accepted"
        );
    }

    #[test]
    fn demo_defaults_are_capacity_8_and_5_batches() {
        let cli = Cli::parse_from(["zkr", "demo"]);
        match cli.command {
            Command::Demo(args) => {
                assert_eq!(
                    (args.capacity, args.batches),
                    (8, 5),
                    "expected (capacity, batches)"
                );
                assert!(
                    args.state_dir.is_none(),
                    "expected the in-memory state by default"
                );
                assert!(
                    !args.no_wrap && args.wrap_keys.is_none(),
                    "expected the demo to wrap, with its cached dev keys, by default"
                );
            }
            other => panic!("expected the demo command, got {other:?}"),
        }
    }
}
