//! gRPC clients of the coordinator with a bearer token attached.

use std::path::Path;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};
use zkr_proto::v1::admin_client::AdminClient;
use zkr_proto::v1::prover_fleet_client::ProverFleetClient;
use zkr_proto::v1::sequencer_client::SequencerClient;

/// Adds `authorization: Bearer <token>` to every request.
#[derive(Clone)]
pub struct Bearer(MetadataValue<Ascii>);

impl Bearer {
    /// A bearer token (printable ASCII).
    pub fn new(token: &str) -> Result<Self, ClientError> {
        let v = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Token)?;
        Ok(Self(v))
    }
}

impl Interceptor for Bearer {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

/// Why a client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The token has characters a header cannot carry.
    #[error("token must be printable ASCII")]
    Token,
    /// Bad URL, TLS file or connection.
    #[error("connecting to {url}: {reason}")]
    Connect {
        /// The coordinator URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Sequencer API client.
pub type SequencerApi = SequencerClient<InterceptedService<Channel, Bearer>>;
/// Worker API client.
pub type FleetApi = ProverFleetClient<InterceptedService<Channel, Bearer>>;
/// Admin API client.
pub type AdminApi = AdminClient<InterceptedService<Channel, Bearer>>;

/// Connects to `url` (`http://` or, with a CA file, `https://`).
pub async fn channel(url: &str, ca: Option<&Path>) -> Result<Channel, ClientError> {
    let err = |reason: String| ClientError::Connect {
        url: url.to_string(),
        reason,
    };
    let mut endpoint = Endpoint::from_shared(url.to_string()).map_err(|e| err(e.to_string()))?;
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).map_err(|e| err(format!("{}: {e}", ca.display())))?;
        endpoint = endpoint
            .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))
            .map_err(|e| err(e.to_string()))?;
    }
    endpoint.connect().await.map_err(|e| {
        // tonic's top-level message is only "transport error": keep the causes.
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason.push_str(&format!(": {s}"));
            source = s.source();
        }
        err(reason)
    })
}

/// A sequencer client with `token`, allowing `max_bytes` messages.
pub fn sequencer(
    channel: Channel,
    token: &str,
    max_bytes: usize,
) -> Result<SequencerApi, ClientError> {
    Ok(
        SequencerClient::with_interceptor(channel, Bearer::new(token)?)
            .max_decoding_message_size(max_bytes)
            .max_encoding_message_size(max_bytes),
    )
}

/// A worker client with `token`, allowing `max_bytes` messages.
pub fn fleet(channel: Channel, token: &str, max_bytes: usize) -> Result<FleetApi, ClientError> {
    Ok(
        ProverFleetClient::with_interceptor(channel, Bearer::new(token)?)
            .max_decoding_message_size(max_bytes)
            .max_encoding_message_size(max_bytes),
    )
}

/// An admin client with `token`.
pub fn admin(channel: Channel, token: &str) -> Result<AdminApi, ClientError> {
    Ok(AdminClient::with_interceptor(channel, Bearer::new(token)?))
}
