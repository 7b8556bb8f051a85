//! `zkr worker`: a prover worker against a coordinator, until SIGINT or
//! SIGTERM; a job held at that moment is handed back to the queue.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tokio::sync::watch;
use tracing::{info, warn};
use zkr_prover::store::JobKind;
use zkr_prover::worker::{self, WorkerConfig, WorkerError};

use super::config::{DEFAULT_COORDINATOR_URL, DEFAULT_MAX_MESSAGE_BYTES};
use super::proving::build_circuits;
use super::{check_capacity, runtime, shutdown_signal};

/// How long to wait before trying an unreachable coordinator again.
const RETRY: Duration = Duration::from_secs(1);
/// How long the worker may take to hand back its job once told to stop.
const HAND_BACK: Duration = Duration::from_secs(10);

/// Options of `zkr worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Coordinator URL (https:// with --tls-ca).
    #[arg(long, env = "ZKR_COORDINATOR", default_value = DEFAULT_COORDINATOR_URL, value_name = "URL")]
    pub coordinator: String,
    /// Worker bearer token.
    #[arg(
        long,
        env = "ZKR_WORKER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: String,
    /// Name in the coordinator's logs [default: host name and process id].
    #[arg(long, env = "ZKR_WORKER_NAME")]
    pub name: Option<String>,
    /// CA certificate (PEM) the coordinator's TLS certificate is checked against.
    #[arg(long, env = "ZKR_TLS_CA", value_name = "PEM")]
    pub tls_ca: Option<PathBuf>,
    /// Longest wait for a job in one request (the coordinator caps it at 30 s).
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    pub wait_ms: u64,
    /// Largest gRPC message, in bytes.
    #[arg(long, env = "ZKR_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES, value_name = "BYTES")]
    pub max_message_bytes: usize,
    /// Kinds of jobs to take, comma-separated [default: batch and aggregate,
    /// and wrap with --wrap-keys].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND,...")]
    pub kinds: Vec<KindArg>,
    /// The wrap's keys directory (`zkr wrap-setup`): load its proving key
    /// (about 1 GB in memory; a wrap proof peaks near 10 GB) and take wrap jobs.
    #[arg(long, env = "ZKR_WRAP_KEYS", value_name = "DIR")]
    pub wrap_keys: Option<PathBuf>,
    /// Batch circuit capacity of the coordinator whose ranges --wrap-keys wraps
    /// (the keys are for that capacity's circuits).
    #[arg(long, env = "ZKR_CAPACITY", default_value_t = 8)]
    pub capacity: usize,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// A kind of job on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Batch proofs.
    Batch,
    /// Aggregation steps of sealed ranges.
    Aggregate,
    /// Groth16 wraps of proven ranges (needs --wrap-keys).
    Wrap,
}

impl From<KindArg> for JobKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Batch => JobKind::BatchProof,
            KindArg::Aggregate => JobKind::Aggregate,
            KindArg::Wrap => JobKind::Wrap,
        }
    }
}

/// `host-pid`, or `worker-pid` where the host name cannot be read.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_string());
    format!("{host}-{}", std::process::id())
}

/// Whether the coordinator may come up later: it could not be reached.
fn unreachable(e: &WorkerError) -> bool {
    match e {
        WorkerError::Client(zkr_prover::client::ClientError::Connect { .. }) => true,
        WorkerError::Register { status, .. } => status.code() == tonic::Code::Unavailable,
        _ => false,
    }
}

/// Runs `zkr worker` until SIGINT or SIGTERM.
pub fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let kinds: Vec<JobKind> = args.kinds.into_iter().map(JobKind::from).collect();
    anyhow::ensure!(
        args.wrap_keys.is_some() || !kinds.contains(&JobKind::Wrap),
        "--kinds wrap needs the wrap's proving key: pass --wrap-keys DIR (made by zkr wrap-setup)"
    );
    // The wrap needs its capacity's circuits: build them now, with the key.
    let (circuits, wrapper) = match &args.wrap_keys {
        Some(dir) => {
            check_capacity(args.capacity)?;
            // Before the circuits: a backend that is not there fails at once.
            let backend = args.backend.select()?;
            let circuits = Arc::new(build_circuits(args.capacity, args.chain.chain_id)?);
            let wrapper = Arc::new(super::wrap::load(&circuits, dir, true)?.with_backend(backend));
            (vec![circuits], Some(wrapper))
        }
        // Built when the first job says which capacity it needs.
        None => (Vec::new(), None),
    };
    let config = WorkerConfig {
        coordinator: args.coordinator,
        token: args.token,
        name: args.name.unwrap_or_else(default_name),
        wait: Duration::from_millis(args.wait_ms),
        tls_ca: args.tls_ca,
        max_message_bytes: args.max_message_bytes,
        circuits,
        kinds,
        wrapper,
    };
    runtime()?.block_on(async move {
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            let signal = shutdown_signal().await;
            info!(signal, "shutting down: handing back any job held");
            stop.send_replace(true);
        });
        let url = config.coordinator.clone();
        info!(coordinator = %url, name = %config.name, "worker starting");
        loop {
            let mut until_stopped = stopped.clone();
            let run = worker::run(config.clone(), stopped.clone());
            tokio::pin!(run);
            let result = tokio::select! {
                r = &mut run => r,
                _ = until_stopped.wait_for(|s| *s) => {
                    // The worker hands its job back by itself; connecting does
                    // not watch for shutdown, so the wait is bounded.
                    match tokio::time::timeout(HAND_BACK, &mut run).await {
                        Ok(r) => r,
                        Err(_) => {
                            warn!(after = ?HAND_BACK, "worker did not stop in time; leaving");
                            return Ok(());
                        }
                    }
                }
            };
            match result {
                Ok(stats) => {
                    println!(
                        "worker stopped: {} proofs accepted, {} jobs failed or handed back",
                        stats.completed, stats.failed
                    );
                    return Ok(());
                }
                Err(e) if unreachable(&e) => {
                    // Workers may start before their coordinator, or outlive a restart of it.
                    warn!(coordinator = %url, error = %e, "coordinator unreachable; retrying");
                    let mut until_stopped = stopped.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(RETRY) => {}
                        _ = until_stopped.wait_for(|s| *s) => return Ok(()),
                    }
                }
                Err(e) => return Err(e).with_context(|| format!("worker against {url}")),
            }
        }
    })
}
