//! A coordinator served on loopback, and valid batch sequences to feed it.
#![allow(dead_code)]

pub mod process;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use zkr_circuits::batch::BatchCircuit;
use zkr_circuits::workload::batch_chain;
use zkr_proto::convert::BatchSubmission;
use zkr_prover::client::{self, FleetApi, SequencerApi};
use zkr_prover::coordinator::server::{serve, ServerConfig};
use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
use zkr_prover::store::Store;
use zkr_prover::worker::{self, WorkerConfig, WorkerStats};

pub const CAPACITY: usize = 8;
pub const SEQ_TOKEN: &str = "sequencer-secret";
pub const WORKER_TOKEN: &str = "worker-secret";
pub const MAX_MESSAGE: usize = 4 << 20;

/// The capacity-8 circuit, built once per test process.
pub fn circuit() -> Arc<BatchCircuit> {
    static C: OnceLock<Arc<BatchCircuit>> = OnceLock::new();
    C.get_or_init(|| Arc::new(BatchCircuit::build(CAPACITY)))
        .clone()
}

/// `n` consecutive valid submissions from an empty state (batch 1 = genesis deposits).
pub fn submissions(n: usize, seed: u64) -> Vec<BatchSubmission> {
    batch_chain(n, CAPACITY, seed)
        .expect("valid chain")
        .into_iter()
        .map(|c| BatchSubmission {
            batch: c.batch,
            expected_old_root: c.old_root,
            claimed_new_root: c.new_root,
        })
        .collect()
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

/// Serves a coordinator on `dir` with the given lease length.
pub async fn serve_on(dir: &Path, lease_ms: u64, max_attempts: u32) -> Served {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let store = Store::open(dir).expect("store opens");
    let config = CoordinatorConfig {
        capacity: CAPACITY,
        queue: QueueConfig {
            lease_ms,
            max_attempts,
        },
    };
    let coord = Arc::new(Coordinator::open(store, circuit(), config).expect("coordinator opens"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server_config = ServerConfig {
        sequencer_token: SEQ_TOKEN.into(),
        worker_token: WORKER_TOKEN.into(),
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

/// A worker against `url`, stopped by sending `true`.
pub fn spawn_worker(
    url: String,
    name: &str,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<WorkerStats>) {
    let (tx, rx) = watch::channel(false);
    let config = WorkerConfig {
        coordinator: url,
        token: WORKER_TOKEN.into(),
        name: name.into(),
        wait: Duration::from_millis(200),
        tls_ca: None,
        max_message_bytes: MAX_MESSAGE,
        circuits: vec![circuit()],
    };
    let handle = tokio::spawn(async move { worker::run(config, rx).await.expect("worker runs") });
    (tx, handle)
}

/// Waits until every batch `1..=n` is proven (or panics after `timeout`).
pub async fn wait_proven(coord: &Coordinator, n: u64, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
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
            "expected {n} batches proven within {timeout:?}, got {proven}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
