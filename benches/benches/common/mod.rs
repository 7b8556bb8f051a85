//! A fresh coordinator serving gRPC on loopback, for the service benches.

use std::sync::Arc;

use zkr_aggregator::Circuits;
use zkr_prover::coordinator::server::{serve, ServerConfig};
use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
use zkr_prover::store::Store;

/// Batch capacity of every service bench.
pub const CAPACITY: usize = 8;
/// gRPC message limit.
pub const MAX_MESSAGE: usize = 16 << 20;
/// Sequencer token.
pub const SEQUENCER_TOKEN: &str = "s";
/// Worker token.
pub const WORKER_TOKEN: &str = "w";

/// A running coordinator on a temporary data directory.
pub struct Service {
    /// Its URL.
    pub url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), zkr_prover::coordinator::server::ServeError>>,
    _dir: tempfile::TempDir,
}

/// Starts a coordinator with no automatic range sealing and long leases.
pub async fn start(circuits: Arc<Circuits>) -> Service {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let config = CoordinatorConfig {
        capacity: CAPACITY,
        chain_id: circuits.chain_id(),
        queue: QueueConfig {
            lease_ms: 600_000,
            retry_ms: 1_000,
            retry_max_ms: 60_000,
        },
        max_range_batches: 0,
        wrap: None,
    };
    let coord = Arc::new(Coordinator::open(store, circuits, config).expect("coordinator"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        coord,
        listener,
        ServerConfig {
            sequencer_token: SEQUENCER_TOKEN.into(),
            worker_token: WORKER_TOKEN.into(),
            admin_token: None,
            l1_deposits: None,
            max_message_bytes: MAX_MESSAGE,
            tls: None,
        },
        async {
            let _ = stopped.await;
        },
    ));
    Service {
        url,
        stop,
        server,
        _dir: dir,
    }
}

impl Service {
    /// Stops the server and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}
