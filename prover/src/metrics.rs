//! The coordinator's Prometheus metrics, served as OpenMetrics text at
//! `GET /metrics` by a small HTTP/1.1 endpoint.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `zkr_queue_depth{kind}` | gauge | jobs ready to be leased, per job kind (`batch_proof`, `aggregate`, `wrap`) |
//! | `zkr_jobs{state}` | gauge | jobs of every kind by state: `queued`, `leased`, `done`, `failed` |
//! | `zkr_ranges{status}` | gauge | sealed ranges by status: `aggregating`, `proven`, `failed` |
//! | `zkr_proofs_accepted_total` | counter | proofs verified and stored (batch proofs and aggregation steps) |
//! | `zkr_proofs_rejected_total` | counter | proofs refused (malformed, not verifying, or proving something else) |
//! | `zkr_lease_expiries_total` | counter | leases that lapsed without a heartbeat |
//! | `zkr_proof_duration_seconds` | histogram | lease granted → proof accepted, for the lease that succeeded |
//! | `zkr_batch_latency_seconds` | histogram | batch accepted → batch proven |
//!
//! Gauges and counters are read from counts the coordinator keeps up to date
//! (no walk over jobs or ranges; only `zkr_queue_depth` walks the unfinished
//! jobs, which are bounded by the work in flight, not by history). The two
//! histograms are measured by the coordinator from its own batch status events
//! (wall clock), not from the `prove_ms` a worker reports: they cover the
//! witness download, proving, upload and verification, and a worker cannot skew
//! them. A job leased before a restart is not in `zkr_proof_duration_seconds`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

use crate::coordinator::Coordinator;
use crate::store::{BatchRecord, BatchStatus, JobKind};

/// Content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Longest request head the endpoint reads.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The coordinator's metrics registry.
pub struct Metrics {
    registry: Registry,
}

impl Metrics {
    /// Metrics of `coord`; starts timing proofs from its batch events (needs a Tokio runtime).
    pub fn start(coord: Arc<Coordinator>) -> Arc<Self> {
        let mut registry = Registry::with_prefix("zkr");
        // Proofs take seconds at small capacities and minutes at large ones: 0.1 s to ~14 min.
        let proof_duration = Histogram::new(exponential_buckets(0.1, 2.0, 14));
        let batch_latency = Histogram::new(exponential_buckets(0.1, 2.0, 14));
        registry.register_with_unit(
            "proof_duration",
            "Time from granting the lease that succeeded to accepting its proof",
            Unit::Seconds,
            proof_duration.clone(),
        );
        registry.register_with_unit(
            "batch_latency",
            "Time from accepting a batch to accepting its proof",
            Unit::Seconds,
            batch_latency.clone(),
        );
        // Subscribe before serving anything, so that no event is missed.
        let events = coord.subscribe();
        let closing = coord.closing();
        tokio::spawn(follow_events(
            events,
            closing,
            proof_duration,
            batch_latency,
        ));
        registry.register_collector(Box::new(CoordinatorCollector { coord }));
        Arc::new(Self { registry })
    }

    /// The current values, in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail, and the collector's own encoding
        // only fails when its writer does.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics");
        }
        out
    }
}

/// Reads queue and job counts and event counters from the coordinator at each scrape.
struct CoordinatorCollector {
    coord: Arc<Coordinator>,
}

impl std::fmt::Debug for CoordinatorCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CoordinatorCollector")
    }
}

impl Collector for CoordinatorCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (counts, _) = self.coord.job_counts();
        let gauge = |v: u64| ConstGauge::new(i64::try_from(v).unwrap_or(i64::MAX));

        let mut depth = encoder.encode_descriptor(
            "queue_depth",
            "Jobs ready to be leased, per job kind",
            None,
            MetricType::Gauge,
        )?;
        for kind in JobKind::ALL {
            gauge(self.coord.queue_depth(kind))
                .encode(depth.encode_family(&[("kind", kind.label())])?)?;
        }

        // A store that cannot be read leaves the gauge out of this scrape.
        match self.coord.store().range_counts() {
            Ok(counts) => {
                let mut by_status = encoder.encode_descriptor(
                    "ranges",
                    "Sealed ranges by status",
                    None,
                    MetricType::Gauge,
                )?;
                for (status, n) in counts {
                    gauge(n).encode(by_status.encode_family(&[("status", status.label())])?)?;
                }
            }
            Err(e) => tracing::error!(error = %e, "metrics: reading the range counts"),
        }

        let mut jobs =
            encoder.encode_descriptor("jobs", "Jobs by state", None, MetricType::Gauge)?;
        for (state, n) in [
            ("queued", counts.queued),
            ("leased", counts.leased),
            ("done", counts.done),
            ("failed", counts.failed),
        ] {
            gauge(n).encode(jobs.encode_family(&[("state", state)])?)?;
        }

        let c = &self.coord.counters;
        for (name, help, value) in [
            (
                "proofs_accepted",
                "Proofs verified and stored",
                &c.proofs_accepted,
            ),
            (
                "proofs_rejected",
                "Proofs refused: malformed, not verifying, or proving something else",
                &c.proofs_rejected,
            ),
            (
                "lease_expiries",
                "Leases that lapsed without a heartbeat",
                &c.lease_expiries,
            ),
        ] {
            let counter = ConstCounter::new(value.load(Ordering::Relaxed));
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

/// Times proofs from batch status events until the coordinator closes.
async fn follow_events(
    mut events: broadcast::Receiver<BatchRecord>,
    mut closing: tokio::sync::watch::Receiver<bool>,
    proof_duration: Histogram,
    batch_latency: Histogram,
) {
    // When the current lease of each batch being proven was granted (unix ms).
    let mut leased_at: HashMap<u64, u64> = HashMap::new();
    let seconds = |from_ms: u64, to_ms: u64| to_ms.saturating_sub(from_ms) as f64 / 1000.0;
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = closing.wait_for(|c| *c) => return,
        };
        match event {
            Ok(r) => match r.status {
                BatchStatus::Proving => {
                    leased_at.insert(r.number(), r.updated_ms);
                }
                BatchStatus::Proven => {
                    if let Some(t) = leased_at.remove(&r.number()) {
                        proof_duration.observe(seconds(t, r.updated_ms));
                    }
                    batch_latency.observe(seconds(r.accepted_ms, r.updated_ms));
                }
                BatchStatus::Accepted | BatchStatus::Failed => {
                    leased_at.remove(&r.number());
                }
            },
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "metrics fell behind the batch events; some proofs are not timed"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// What the endpoint answers to a request head.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `GET /metrics` (or `HEAD`): the metrics.
    Metrics { head_only: bool },
    /// Another path.
    NotFound,
    /// Another method.
    MethodNotAllowed,
    /// Not an HTTP/1 request line.
    BadRequest,
}

/// Routes a request by its request line (`METHOD PATH HTTP/1.x`).
fn route(head: &str) -> Route {
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Route::BadRequest;
    };
    if !version.starts_with("HTTP/1.") {
        return Route::BadRequest;
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Route::MethodNotAllowed,
    };
    // Prometheus may add query parameters; they select nothing here.
    let path = target.split('?').next().unwrap_or("");
    if path == "/metrics" {
        Route::Metrics { head_only }
    } else {
        Route::NotFound
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` completes.
pub async fn serve(
    metrics: Arc<Metrics>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let metrics = metrics.clone();
                tokio::spawn(async move {
                    if let Err(e) = answer(&metrics, stream).await {
                        tracing::debug!(%peer, error = %e, "metrics request");
                    }
                });
            }
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!(error = %e, "metrics endpoint: accepting a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one request head and answers it; the connection is closed after.
async fn answer(metrics: &Metrics, mut stream: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let complete = tokio::time::timeout(REQUEST_TIMEOUT, async {
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST_HEAD {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    match complete {
        Ok(r) => r?,
        Err(_) => return Ok(()),
    }
    let (status, content_type, body, head_only) = match route(&String::from_utf8_lossy(&head)) {
        Route::Metrics { head_only } => ("200 OK", CONTENT_TYPE, metrics.encode(), head_only),
        Route::NotFound => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: metrics are at /metrics\n".to_string(),
            false,
        ),
        Route::MethodNotAllowed => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET and HEAD are served\n".to_string(),
            false,
        ),
        Route::BadRequest => (
            "400 Bad Request",
            "text/plain; charset=utf-8",
            "expected an HTTP/1 request\n".to_string(),
            false,
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if !head_only {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_path_is_routed_with_or_without_a_query() {
        for (head, expected) in [
            (
                "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                Route::Metrics { head_only: false },
            ),
            (
                "GET /metrics?name[]=x HTTP/1.0\r\n\r\n",
                Route::Metrics { head_only: false },
            ),
            (
                "HEAD /metrics HTTP/1.1\r\n\r\n",
                Route::Metrics { head_only: true },
            ),
            ("GET / HTTP/1.1\r\n\r\n", Route::NotFound),
            ("GET /metricsx HTTP/1.1\r\n\r\n", Route::NotFound),
            ("POST /metrics HTTP/1.1\r\n\r\n", Route::MethodNotAllowed),
            ("GET /metrics\r\n\r\n", Route::BadRequest),
            ("GET /metrics HTTP/2\r\n\r\n", Route::BadRequest),
            ("", Route::BadRequest),
        ] {
            let got = route(head);
            assert_eq!(
                got, expected,
                "request {head:?}: expected {expected:?}, got {got:?}"
            );
        }
    }
}
