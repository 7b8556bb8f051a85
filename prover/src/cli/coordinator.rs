//! `zkr coordinator`: the coordinator on its data directory, served over gRPC
//! with a Prometheus endpoint beside it, until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use alloy::providers::{Provider as _, ProviderBuilder};
use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};
use zkr_prover::coordinator::server::{serve, ServerConfig};
use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
use zkr_prover::deposit_check::L1DepositQueue;
use zkr_prover::metrics::{self, Metrics};
use zkr_prover::settlement::Deployment;
use zkr_prover::store::Store;

use super::config::{CoordinatorArgs, CoordinatorSettings};
use super::proving::build_circuits;
use super::{check_capacity, runtime, shutdown_signal};

/// How long in-flight requests (a worker's long-poll, a proof being checked)
/// may run on after a shutdown signal before the coordinator stops anyway.
const DRAIN: Duration = Duration::from_secs(10);

/// Runs `zkr coordinator` until SIGINT or SIGTERM.
pub fn run(args: CoordinatorArgs) -> anyhow::Result<()> {
    let settings = args.resolve()?;
    check_capacity(settings.capacity)?;
    // Before anything is built or opened: a wrong deployment file fails at once.
    let l1_deposits = l1_deposit_queue(&settings)?;
    if let Some((cert, key)) = &settings.tls {
        for (what, path) in [("certificate", cert), ("key", key)] {
            std::fs::metadata(path).with_context(|| format!("TLS {what} {}", path.display()))?;
        }
    }
    let dir = &settings.data_dir;
    let store =
        Store::open(dir).with_context(|| format!("opening data directory {}", dir.display()))?;
    let circuits = Arc::new(build_circuits(settings.capacity, settings.chain_id)?);
    let wrap = match &settings.wrap_keys {
        Some(keys) => Some(Arc::new(super::wrap::load(&circuits, keys, false)?)),
        None => None,
    };
    let config = CoordinatorConfig {
        capacity: settings.capacity,
        chain_id: settings.chain_id,
        queue: QueueConfig {
            lease_ms: settings.lease_ms,
            retry_ms: settings.retry_ms,
            retry_max_ms: settings.retry_max_ms,
        },
        max_range_batches: settings.max_range_batches,
        wrap,
    };
    let coord = Arc::new(
        Coordinator::open(store, circuits, config)
            .with_context(|| format!("opening the coordinator on {}", dir.display()))?,
    );
    let last = coord
        .store()
        .last_batch()
        .context("reading the last batch")?;
    let (jobs, ready) = coord.job_counts();
    let ranges = coord.ranges().context("reading the sealed ranges")?;
    info!(
        data_dir = %dir.display(),
        last_batch = last,
        ranges = ranges.len(),
        sealed_to = ranges.last().map_or(0, |r| r.last),
        queued = jobs.queued,
        ready,
        leased = jobs.leased,
        done = jobs.done,
        failed = jobs.failed,
        "store opened"
    );
    runtime()?.block_on(serve_until_signal(coord, settings, l1_deposits))
}

/// L1's deposit queue from the settings' RPC URL and deployment file, when given.
fn l1_deposit_queue(settings: &CoordinatorSettings) -> anyhow::Result<Option<L1DepositQueue>> {
    let Some((rpc, path)) = &settings.l1 else {
        return Ok(None);
    };
    let deployment = Deployment::read(path)
        .with_context(|| format!("reading the L1 deployment {}", path.display()))?;
    anyhow::ensure!(
        deployment.capacity == settings.capacity,
        "the L1 deployment {} is for capacity {}, the coordinator runs capacity {}",
        path.display(),
        deployment.capacity,
        settings.capacity
    );
    let url = rpc
        .parse()
        .with_context(|| format!("--l1-rpc {rpc:?} is not a URL"))?;
    let provider = ProviderBuilder::new().connect_http(url).erased();
    info!(rollup = %deployment.rollup, rpc, "deposits are checked against the rollup's L1 queue");
    Ok(Some(L1DepositQueue::new(
        provider,
        deployment.rollup,
        deployment.block,
    )))
}

async fn serve_until_signal(
    coord: Arc<Coordinator>,
    settings: CoordinatorSettings,
    l1_deposits: Option<L1DepositQueue>,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("binding gRPC to {}", settings.listen))?;
    let addr = listener.local_addr().context("reading the gRPC address")?;
    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        // An error means the sender is gone: stop too.
        let _ = rx.wait_for(|s| *s).await;
    };

    let metrics_task = match settings.metrics {
        Some(at) => {
            let ml = TcpListener::bind(at)
                .await
                .with_context(|| format!("binding the metrics endpoint to {at}"))?;
            let maddr = ml.local_addr().context("reading the metrics address")?;
            let m = Metrics::start(coord.clone());
            info!(%maddr, "metrics at http://{maddr}/metrics");
            println!("metrics on http://{maddr}/metrics");
            Some(tokio::spawn(metrics::serve(
                m,
                ml,
                until_stopped(stopped.clone()),
            )))
        }
        None => None,
    };

    let server_config = ServerConfig {
        sequencer_token: settings.sequencer_token.clone(),
        worker_token: settings.worker_token.clone(),
        admin_token: settings.admin_token.clone(),
        l1_deposits,
        max_message_bytes: settings.max_message_bytes,
        tls: settings.tls_files(),
    };
    info!(%addr, tls = server_config.tls.is_some(), capacity = settings.capacity, max_range_batches = settings.max_range_batches, "coordinator listening");
    // Tests and scripts read the port from this line when listening on port 0.
    println!("listening on {addr}");

    tokio::spawn(async move {
        let signal = shutdown_signal().await;
        info!(signal, "shutting down: finishing in-flight requests");
        stop.send_replace(true);
    });
    let server = serve(
        coord.clone(),
        listener,
        server_config,
        until_stopped(stopped.clone()),
    );
    tokio::pin!(server);
    let drained = async {
        until_stopped(stopped.clone()).await;
        tokio::time::sleep(DRAIN).await;
    };
    let result = tokio::select! {
        r = &mut server => r.context("serving gRPC"),
        _ = drained => {
            warn!(after = ?DRAIN, "in-flight requests still running; stopping without them");
            Ok(())
        }
    };
    coord.close();
    if let Some(t) = metrics_task {
        t.abort();
    }
    if result.is_ok() {
        info!("coordinator stopped");
    }
    result
}
