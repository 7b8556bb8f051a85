//! A coordinator served on loopback, and valid batch sequences to feed it.
#![allow(dead_code)]

pub mod process;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use zkr_aggregator::wrap::wrapper::Wrapper;
use zkr_aggregator::Circuits;
use zkr_circuits::ops::signing::{ChainId, DEFAULT_CHAIN_ID};
use zkr_circuits::workload::batch_chain;
use zkr_proto::convert::BatchSubmission;
use zkr_prover::client::{self, AdminApi, FleetApi, SequencerApi};
use zkr_prover::coordinator::server::{serve, ServerConfig};
use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
use zkr_prover::deposit_check::L1DepositQueue;
use zkr_prover::store::{JobKind, Store};
use zkr_prover::worker::{self, WorkerConfig, WorkerStats};

pub const CAPACITY: usize = 8;
/// The chain id the tests' coordinators and batches use.
pub const CHAIN: ChainId = DEFAULT_CHAIN_ID;
pub const SEQ_TOKEN: &str = "sequencer-secret";
pub const WORKER_TOKEN: &str = "worker-secret";
/// The admin role's token.
pub const ADMIN_TOKEN: &str = "admin-secret";
pub const MAX_MESSAGE: usize = 4 << 20;

/// The capacity-8 batch and aggregation circuits (in one recursion shape, as
/// the service builds them), built once per test process.
pub fn circuits() -> Arc<Circuits> {
    static C: OnceLock<Arc<Circuits>> = OnceLock::new();
    C.get_or_init(|| Arc::new(Circuits::build(CAPACITY, CHAIN).expect("circuits build")))
        .clone()
}

/// `n` consecutive valid submissions from an empty state (batch 1 = genesis deposits).
pub fn submissions(n: usize, seed: u64) -> Vec<BatchSubmission> {
    batch_chain(n, CAPACITY, CHAIN, seed)
        .expect("valid chain")
        .into_iter()
        .map(|c| BatchSubmission {
            batch: c.batch,
            expected_old_root: c.old_root,
            claimed_new_root: c.new_root,
        })
        .collect()
}

/// The public values of `subs` recomputed by executing them on a fresh state:
/// per batch (old root, new root, commitment).
pub fn executed_values(subs: &[BatchSubmission]) -> Vec<zkr_circuits::batch::BatchPublicValues> {
    let mut state = zkr_circuits::state::MemoryBackend::new();
    subs.iter()
        .map(|s| {
            let exec = zkr_circuits::executor::apply(&mut state, &s.batch, CAPACITY, CHAIN)
                .expect("the chain executes");
            zkr_circuits::batch::BatchPublicValues {
                old_root: exec.old_root,
                new_root: exec.new_root,
                commitment: exec.commitment,
            }
        })
        .collect()
}

/// What the range proof of `values` (consecutive batches) must state.
pub fn range_values(
    values: &[zkr_circuits::batch::BatchPublicValues],
) -> zkr_circuits::batch::BatchPublicValues {
    let commitments: Vec<[u8; 32]> = values.iter().map(|v| v.commitment).collect();
    zkr_circuits::batch::BatchPublicValues {
        old_root: values[0].old_root,
        new_root: values[values.len() - 1].new_root,
        commitment: zkr_aggregator::range_commitment(&commitments),
    }
}

/// A coordinator serving on 127.0.0.1 until dropped.
pub struct Served {
    pub addr: SocketAddr,
    pub coord: Arc<Coordinator>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Served {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn sequencer(&self, token: &str) -> SequencerApi {
        let ch = client::channel(&self.url(), None).await.expect("connect");
        client::sequencer(ch, token, MAX_MESSAGE).expect("client")
    }

    pub async fn fleet(&self, token: &str) -> FleetApi {
        let ch = client::channel(&self.url(), None).await.expect("connect");
        client::fleet(ch, token, MAX_MESSAGE).expect("client")
    }

    pub async fn admin(&self, token: &str) -> AdminApi {
        let ch = client::channel(&self.url(), None).await.expect("connect");
        client::admin(ch, token).expect("client")
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// First retry backoff of the tests' coordinators: short, since tests wait on events.
pub const RETRY_MS: u64 = 100;
/// Longest retry backoff of the tests' coordinators.
pub const RETRY_MAX_MS: u64 = 2_000;

/// Serves a coordinator on `dir` with the given lease length; ranges are sealed
/// only on request. Jobs are retried after transient failures within
/// [`RETRY_MS`]..[`RETRY_MAX_MS`].
pub async fn serve_on(dir: &Path, lease_ms: u64) -> Served {
    serve_with_ranges(dir, lease_ms, 0).await
}

/// Serves a coordinator on `dir` that seals the open range at `max_range_batches` (0: never).
pub async fn serve_with_ranges(dir: &Path, lease_ms: u64, max_range_batches: u64) -> Served {
    serve_with(dir, lease_ms, max_range_batches, None).await
}

/// Serves a coordinator on `dir`, wrapping every range when given the wrap's verifier.
pub async fn serve_with(
    dir: &Path,
    lease_ms: u64,
    max_range_batches: u64,
    wrap: Option<Arc<Wrapper>>,
) -> Served {
    serve_full(
        dir,
        lease_ms,
        max_range_batches,
        wrap,
        None,
        Some(ADMIN_TOKEN),
        ANY_PORT,
    )
    .await
}

/// Opens the store in `dir`, which a coordinator just stopped in this process
/// may hold a moment longer (its last blocking tasks finishing); the wait is a
/// hang guard, generous for a loaded machine.
pub async fn open_store(dir: &Path) -> Store {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        match Store::open(dir) {
            Ok(s) => return s,
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::debug!(error = %e, "store busy; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("expected the store to open, got {e}"),
        }
    }
}

/// Serves a coordinator on `dir` started without an admin token (its Admin API off).
pub async fn serve_without_admin(dir: &Path) -> Served {
    serve_full(dir, 60_000, 0, None, None, None, ANY_PORT).await
}

/// Serves a coordinator on `dir` that checks submitted deposits against `l1`'s queue.
pub async fn serve_checking_l1(dir: &Path, l1: L1DepositQueue) -> Served {
    serve_full(dir, 60_000, 0, None, Some(l1), Some(ADMIN_TOKEN), ANY_PORT).await
}

/// Serves a coordinator on `dir` at `addr` (the address of one stopped
/// before), its other settings as [`serve_on`]'s.
pub async fn serve_at(dir: &Path, addr: SocketAddr, lease_ms: u64) -> Served {
    serve_full(dir, lease_ms, 0, None, None, Some(ADMIN_TOKEN), addr).await
}

const ANY_PORT: &str = "127.0.0.1:0";

async fn serve_full(
    dir: &Path,
    lease_ms: u64,
    max_range_batches: u64,
    wrap: Option<Arc<Wrapper>>,
    l1_deposits: Option<L1DepositQueue>,
    admin_token: Option<&str>,
    bind: impl tokio::net::ToSocketAddrs,
) -> Served {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let store = open_store(dir).await;
    let config = CoordinatorConfig {
        capacity: CAPACITY,
        chain_id: CHAIN,
        queue: QueueConfig {
            lease_ms,
            retry_ms: RETRY_MS,
            retry_max_ms: RETRY_MAX_MS,
        },
        max_range_batches,
        wrap,
    };
    let coord = Arc::new(Coordinator::open(store, circuits(), config).expect("coordinator opens"));
    let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server_config = ServerConfig {
        sequencer_token: SEQ_TOKEN.into(),
        worker_token: WORKER_TOKEN.into(),
        admin_token: admin_token.map(str::to_owned),
        l1_deposits,
        max_message_bytes: MAX_MESSAGE,
        tls: None,
    };
    let c = coord.clone();
    let task = tokio::spawn(async move {
        serve(c, listener, server_config, async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    Served {
        addr,
        coord,
        stop: Some(stop),
        task: Some(task),
    }
}

/// Where the `wrap_cli` test leaves the dev wrap keys `zkr wrap-setup` made
/// (capacity 8), for the `wrap` test to load instead of making its own: a
/// cache between test binaries of one build, never needed for correctness
/// (the `wrap` test makes keys when none load). Nextest's ci profile starts
/// `wrap_cli` first.
pub fn shared_wrap_keys() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrap-dev-keys-capacity-8")
}

/// A worker of every job kind against `url`, stopped by sending `true`.
pub fn spawn_worker(
    url: String,
    name: &str,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<WorkerStats>) {
    spawn_worker_of(url, name, &[])
}

/// A worker taking only jobs of `kinds` (every kind if empty), stopped by sending `true`.
pub fn spawn_worker_of(
    url: String,
    name: &str,
    kinds: &[JobKind],
) -> (watch::Sender<bool>, tokio::task::JoinHandle<WorkerStats>) {
    let (tx, rx) = watch::channel(false);
    let config = WorkerConfig {
        coordinator: url,
        token: WORKER_TOKEN.into(),
        name: name.into(),
        wait: Duration::from_millis(200),
        tls_ca: None,
        max_message_bytes: MAX_MESSAGE,
        circuits: vec![circuits()],
        kinds: kinds.to_vec(),
        wrapper: None,
    };
    let handle = tokio::spawn(async move { worker::run(config, rx).await.expect("worker runs") });
    (tx, handle)
}

/// Waits until batches `1..=n` are proven. `guard` is a hang guard only: a
/// deadline far past what the work takes on any machine, whose lapse reports a
/// hang, never a slow run.
pub async fn wait_proven(coord: &Coordinator, n: u64, guard: Duration) {
    let deadline = tokio::time::Instant::now() + guard;
    loop {
        let proven = (1..=n)
            .filter(|&b| {
                coord
                    .batch(b)
                    .ok()
                    .flatten()
                    .is_some_and(|r| r.status == zkr_prover::store::BatchStatus::Proven)
            })
            .count() as u64;
        if proven == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "hang guard: {proven} of {n} batches proven after {guard:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A worker a test drives by hand over gRPC: its id and the secret that proves it.
#[derive(Clone, Debug)]
pub struct HandWorker {
    /// Its id.
    pub id: u64,
    /// The secret RegisterWorker gave it.
    pub secret: Vec<u8>,
}

impl HandWorker {
    /// Registers a worker of the default kinds on `fleet`.
    pub async fn register(fleet: &mut FleetApi) -> Self {
        let r = fleet
            .register_worker(zkr_proto::v1::RegisterWorkerRequest::default())
            .await
            .expect("registered")
            .into_inner();
        Self {
            id: r.worker_id,
            secret: r.worker_secret,
        }
    }

    /// Leases the next ready job, waiting up to `wait_ms` for one.
    pub async fn acquire(&self, fleet: &mut FleetApi, wait_ms: u64) -> Option<zkr_proto::v1::Job> {
        fleet
            .acquire_job(zkr_proto::v1::AcquireJobRequest {
                worker_id: self.id,
                wait_ms,
                worker_secret: self.secret.clone(),
            })
            .await
            .expect("acquire answers")
            .into_inner()
            .job
    }

    /// Reports `job` failed with `error`; whether it went back to the queue.
    pub async fn fail(
        &self,
        fleet: &mut FleetApi,
        job: &zkr_proto::v1::Job,
        error: &str,
        retryable: bool,
    ) -> bool {
        fleet
            .fail_job(zkr_proto::v1::FailJobRequest {
                worker_id: self.id,
                job_id: job.job_id,
                lease_id: job.lease_id.clone(),
                error: error.into(),
                retryable,
                worker_secret: self.secret.clone(),
            })
            .await
            .expect("failure recorded")
            .into_inner()
            .requeued
    }
}
