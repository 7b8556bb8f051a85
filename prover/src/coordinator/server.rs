//! Serving the coordinator: the gRPC services behind their bearer tokens,
//! reflection, message size limits, optional TLS, and the lease-expiry ticker.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::Request;
use zkr_proto::v1::admin_server::AdminServer;
use zkr_proto::v1::prover_fleet_server::ProverFleetServer;
use zkr_proto::v1::sequencer_server::SequencerServer;

use super::service::{check_bearer, AdminService, FleetService, SequencerService};
use super::{sequencer_request_limit, Coordinator};
use crate::deposit_check::L1DepositQueue;

/// Paths of a PEM certificate chain and its private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// Certificate chain (PEM).
    pub cert: PathBuf,
    /// Private key (PEM).
    pub key: PathBuf,
}

/// How the coordinator serves.
#[derive(Clone)]
pub struct ServerConfig {
    /// Bearer token of the sequencer API.
    pub sequencer_token: String,
    /// Bearer token of the worker API.
    pub worker_token: String,
    /// Bearer token of the admin API; without one every admin call is refused.
    pub admin_token: Option<String>,
    /// L1's deposit queue, when submitted deposits are checked against it.
    pub l1_deposits: Option<L1DepositQueue>,
    /// Largest request or response, in bytes.
    pub max_message_bytes: usize,
    /// TLS, when given.
    pub tls: Option<TlsFiles>,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// TLS files unreadable or invalid.
    #[error("TLS: {0}")]
    Tls(String),
    /// The roles must not share a token.
    #[error("the sequencer and worker tokens must be set, and every role's token must differ from the others'")]
    Tokens,
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built.
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// `service` behind `role`'s bearer token, checked before any handler runs;
/// without a token every call is refused.
fn guarded<S>(
    service: S,
    token: Option<String>,
    role: &'static str,
) -> InterceptedService<S, impl Interceptor + Clone> {
    InterceptedService::new(service, move |req: Request<()>| {
        let Some(token) = &token else {
            return Err(tonic::Status::unauthenticated(format!(
                "{role} API: off (start the coordinator with --{role}-token)"
            )));
        };
        check_bearer(req.metadata(), token, role)?;
        Ok(req)
    })
}

/// Largest admin request: a job, a batch or a range, a few bytes each.
const ADMIN_REQUEST_LIMIT: usize = 4096;

/// Serves the coordinator on `listener` until `shutdown` completes.
pub async fn serve(
    coord: Arc<Coordinator>,
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let admin_clash = config
        .admin_token
        .as_ref()
        .is_some_and(|a| a.is_empty() || *a == config.sequencer_token || *a == config.worker_token);
    if config.sequencer_token.is_empty()
        || config.worker_token.is_empty()
        || config.sequencer_token == config.worker_token
        || admin_clash
    {
        return Err(ServeError::Tokens);
    }
    if config.l1_deposits.is_none() {
        tracing::warn!(
            "deposits are not checked against L1 (no L1 RPC URL given): a batch with a deposit \
             L1 never queued would be accepted and proven, and could never be committed"
        );
    }
    let mut builder = Server::builder();
    if let Some(tls) = &config.tls {
        let read = |p: &PathBuf| {
            std::fs::read(p).map_err(|e| ServeError::Tls(format!("{}: {e}", p.display())))
        };
        let identity = Identity::from_pem(read(&tls.cert)?, read(&tls.key)?);
        builder = builder
            .tls_config(ServerTlsConfig::new().identity(identity))
            .map_err(|e| ServeError::Tls(e.to_string()))?;
    }

    let max = config.max_message_bytes;
    let sequencer = guarded(
        SequencerServer::new(SequencerService::new(
            coord.clone(),
            config.l1_deposits.clone(),
        ))
        .max_decoding_message_size(sequencer_request_limit(coord.capacity()).min(max))
        .max_encoding_message_size(max),
        Some(config.sequencer_token.clone()),
        "sequencer",
    );
    let fleet = guarded(
        ProverFleetServer::new(FleetService::new(coord.clone()))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max),
        Some(config.worker_token.clone()),
        "worker",
    );
    let admin = guarded(
        AdminServer::new(AdminService::new(coord.clone()))
            .max_decoding_message_size(ADMIN_REQUEST_LIMIT)
            .max_encoding_message_size(max),
        config.admin_token.clone(),
        "admin",
    );

    // Lapsed leases go back to the queue a quarter lease after they lapse at most.
    let tick = Duration::from_millis((coord.config().queue.lease_ms / 4).clamp(20, 1000));
    let ticker_coord = coord.clone();
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        loop {
            interval.tick().await;
            let c = ticker_coord.clone();
            match tokio::task::spawn_blocking(move || c.expire_leases()).await {
                Ok(Err(e)) => tracing::error!(error = %e, "expiring leases"),
                Err(e) => tracing::error!(error = %e, "lease ticker"),
                Ok(Ok(_)) => {}
            }
        }
    });

    // Streams end when shutdown begins, or graceful shutdown would wait on them.
    let closer = coord.clone();
    let shutdown = async move {
        shutdown.await;
        closer.close();
    };
    let result = builder
        .add_service(sequencer)
        .add_service(fleet)
        .add_service(admin)
        .add_service(zkr_proto::reflection_service_v1()?)
        .add_service(zkr_proto::reflection_service_v1alpha()?)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            shutdown,
        )
        .await;
    ticker.abort();
    Ok(result?)
}
