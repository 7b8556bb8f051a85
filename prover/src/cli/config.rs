//! Settings of the service commands: the coordinator's TOML file with flags and
//! environment variables over it, and how the client commands and workers
//! reach the coordinator.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;
use zkr_prover::client::{self, SequencerApi};
use zkr_prover::coordinator::server::TlsFiles;

/// Where the client commands and workers look for the coordinator by default.
pub const DEFAULT_COORDINATOR_URL: &str = "http://127.0.0.1:50051";
/// Where the coordinator serves gRPC by default.
const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 50051));
/// Where the coordinator serves metrics by default.
const DEFAULT_METRICS_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9464));
/// Default data directory of the coordinator.
const DEFAULT_DATA_DIR: &str = "zkr-data";
/// Default batch circuit capacity (pubdata chunks).
pub const DEFAULT_CAPACITY: usize = 8;
/// Default lease length without a heartbeat.
const DEFAULT_LEASE_MS: u64 = 30_000;
/// Default backoff before the first retry of a job after a transient failure.
const DEFAULT_RETRY_MS: u64 = 1_000;
/// Default longest backoff between retries.
const DEFAULT_RETRY_MAX_MS: u64 = 300_000;
/// Default size at which the open range is sealed automatically: the wrap
/// and L1's range proof cost the same for any range, so a long range spreads
/// them over more transfers (the settlement benchmark measures it).
const DEFAULT_MAX_RANGE_BATCHES: u64 = 32;
/// Default largest gRPC message: witnesses grow with the capacity, so leave room.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The config file format, shown by `zkr coordinator --help`.
pub const CONFIG_FILE_HELP: &str = "\
Config file (--config FILE, TOML; every key optional; a flag or its environment
variable overrides the file; relative paths are relative to the file):

  listen = \"127.0.0.1:50051\"        # gRPC address (port 0: any free port)
  data_dir = \"zkr-data\"             # holds zkr.redb: state, batches, jobs, proofs
  capacity = 8                      # batch circuit capacity, pubdata chunks
  lease_ms = 30000                  # a lease lapses this long after its last heartbeat
  retry_ms = 1000                   # backoff before retrying after a transient failure; doubles
  retry_max_ms = 300000             # longest backoff (transient failures never fail a job)
  max_range_batches = 32            # seal the open range at this many batches; 0: only on SealRange
  max_message_bytes = 67108864      # largest gRPC request or response
  wrap_keys = \"wrap-keys\"            # the wrap's keys (zkr wrap-setup): wrap every range

  [tokens]                          # different from each other
  sequencer = \"...\"                 # bearer token of the Sequencer API (required)
  worker = \"...\"                    # bearer token of the ProverFleet API (required)
  admin = \"...\"                     # bearer token of the Admin API (optional: off without)

  [l1]                              # both or neither: check deposits against L1
  rpc = \"http://127.0.0.1:8545\"     # Ethereum JSON-RPC endpoint
  deployment = \"deployment.json\"    # what `zkr l1 deploy` wrote (the rollup's address)

  [tls]                             # both or neither; without them gRPC is plain text
  cert = \"tls/cert.pem\"             # PEM certificate chain
  key = \"tls/key.pem\"               # PEM private key

  [metrics]
  listen = \"127.0.0.1:9464\"         # Prometheus endpoint: GET /metrics; \"off\" disables

A commented example is prover/coordinator.example.toml.";

/// An address to listen on, or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    /// Not served.
    Off,
    /// Served at this address.
    At(SocketAddr),
}

impl FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(Listen::Off);
        }
        s.parse()
            .map(Listen::At)
            .map_err(|_| format!("{s:?} is not an address: expected IP:PORT or off"))
    }
}

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The config file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    capacity: Option<usize>,
    chain_id: Option<u64>,
    lease_ms: Option<u64>,
    retry_ms: Option<u64>,
    retry_max_ms: Option<u64>,
    max_range_batches: Option<u64>,
    max_message_bytes: Option<usize>,
    wrap_keys: Option<PathBuf>,
    #[serde(default)]
    tokens: TokensSection,
    #[serde(default)]
    tls: TlsSection,
    #[serde(default)]
    l1: L1Section,
    #[serde(default)]
    metrics: MetricsSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensSection {
    sequencer: Option<String>,
    worker: Option<String>,
    admin: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct L1Section {
    rpc: Option<String>,
    deployment: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricsSection {
    listen: Option<Listen>,
}

impl FileConfig {
    fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        let mut file: FileConfig =
            toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?;
        // Paths in a file mean the same wherever the coordinator is started from.
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [
            &mut file.data_dir,
            &mut file.tls.cert,
            &mut file.tls.key,
            &mut file.wrap_keys,
            &mut file.l1.deployment,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(file)
    }
}

/// Options of `zkr coordinator`; each overrides the config file.
#[derive(Debug, Args)]
#[command(after_long_help = CONFIG_FILE_HELP)]
pub struct CoordinatorArgs {
    /// TOML config file (format: `zkr coordinator --help`).
    #[arg(long, env = "ZKR_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to serve gRPC on; port 0 picks a free port
    /// [default: 127.0.0.1:50051].
    #[arg(long, env = "ZKR_LISTEN", value_name = "IP:PORT")]
    pub listen: Option<SocketAddr>,
    /// Data directory (holds zkr.redb) [default: zkr-data].
    #[arg(long, env = "ZKR_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Batch circuit capacity in pubdata chunks; must stay the same for a data
    /// directory [default: 8].
    #[arg(long, env = "ZKR_CAPACITY")]
    pub capacity: Option<usize>,
    /// Rollup chain id that transfers and withdrawals are signed for; part of the circuits,
    /// so it must stay the same for a data directory [default: 8022898, "zkr"].
    #[arg(long, env = "ZKR_CHAIN_ID", value_name = "ID")]
    pub chain_id: Option<u64>,
    /// Lease length: a job returns to the queue this long after the worker's
    /// last heartbeat [default: 30000].
    #[arg(long, env = "ZKR_LEASE_MS", value_name = "MS")]
    pub lease_ms: Option<u64>,
    /// Backoff before a job is retried after a transient failure (a lapsed
    /// lease, a worker's panic or backend error); it doubles with each attempt
    /// up to --retry-max-ms. Transient failures never fail a job for good
    /// [default: 1000].
    #[arg(long, env = "ZKR_RETRY_MS", value_name = "MS")]
    pub retry_ms: Option<u64>,
    /// Longest backoff between retries [default: 300000].
    #[arg(long, env = "ZKR_RETRY_MAX_MS", value_name = "MS")]
    pub retry_max_ms: Option<u64>,
    /// Accepted batches at which the open range is sealed for aggregation
    /// automatically; 0 seals only on request (`zkr seal`) [default: 32].
    #[arg(long, env = "ZKR_MAX_RANGE_BATCHES", value_name = "N")]
    pub max_range_batches: Option<u64>,
    /// Largest gRPC request or response in bytes [default: 67108864].
    #[arg(long, env = "ZKR_MAX_MESSAGE_BYTES", value_name = "BYTES")]
    pub max_message_bytes: Option<usize>,
    /// Bearer token of the Sequencer API (required; prefer the environment
    /// variable or the file: flags show in process lists).
    #[arg(
        long,
        env = "ZKR_SEQUENCER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub sequencer_token: Option<String>,
    /// Bearer token of the ProverFleet (worker) API (required; differs from the
    /// sequencer's).
    #[arg(
        long,
        env = "ZKR_WORKER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub worker_token: Option<String>,
    /// Bearer token of the Admin API (revert; optional: without it every
    /// admin call is refused; differs from the other roles').
    #[arg(
        long,
        env = "ZKR_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub admin_token: Option<String>,
    /// Ethereum JSON-RPC endpoint; with --l1-deployment, every deposit of a
    /// submitted batch is checked against the rollup contract's queue
    /// [default: no check, said at start-up].
    #[arg(long, env = "ZKR_L1_RPC", value_name = "URL")]
    pub l1_rpc: Option<String>,
    /// The deployment JSON `zkr l1 deploy` wrote (the rollup's address).
    #[arg(long, env = "ZKR_L1_DEPLOYMENT", value_name = "FILE")]
    pub l1_deployment: Option<PathBuf>,
    /// TLS certificate chain (PEM); with --tls-key, gRPC is served over TLS.
    #[arg(long, env = "ZKR_TLS_CERT", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "ZKR_TLS_KEY", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// Address of the Prometheus endpoint (GET /metrics), or `off`
    /// [default: 127.0.0.1:9464].
    #[arg(long, env = "ZKR_METRICS_LISTEN", value_name = "IP:PORT|off")]
    pub metrics_listen: Option<Listen>,
    /// The wrap's keys directory (`zkr wrap-setup`; only the verifying key is
    /// read): every sealed range then gets a Groth16 wrap job after its range
    /// proof [default: no wrap].
    #[arg(long, env = "ZKR_WRAP_KEYS", value_name = "DIR")]
    pub wrap_keys: Option<PathBuf>,
}

/// The coordinator's settings after the file, the environment and the flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorSettings {
    /// gRPC address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Batch circuit capacity.
    pub capacity: usize,
    /// Rollup chain id signatures are bound to.
    pub chain_id: u64,
    /// Lease length in milliseconds.
    pub lease_ms: u64,
    /// First retry backoff in milliseconds.
    pub retry_ms: u64,
    /// Longest retry backoff in milliseconds.
    pub retry_max_ms: u64,
    /// Batches at which the open range is sealed automatically (0: never).
    pub max_range_batches: u64,
    /// Largest gRPC message.
    pub max_message_bytes: usize,
    /// Sequencer API token.
    pub sequencer_token: String,
    /// Worker API token.
    pub worker_token: String,
    /// Admin API token, when the admin API is on.
    pub admin_token: Option<String>,
    /// L1 endpoint and deployment file, when deposits are checked against L1.
    pub l1: Option<(String, PathBuf)>,
    /// TLS files, when gRPC is served over TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Metrics address, when served.
    pub metrics: Option<SocketAddr>,
    /// The wrap's keys directory, when ranges are wrapped.
    pub wrap_keys: Option<PathBuf>,
}

impl CoordinatorSettings {
    /// The TLS files as the server takes them.
    pub fn tls_files(&self) -> Option<TlsFiles> {
        self.tls.as_ref().map(|(cert, key)| TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        })
    }
}

/// A required token: from the flag or environment, else the file; never empty.
fn token(
    flag: Option<String>,
    file: Option<String>,
    role: &str,
    flag_name: &str,
    env: &str,
) -> anyhow::Result<String> {
    let t = flag.or(file).unwrap_or_default();
    anyhow::ensure!(
        !t.is_empty(),
        "no {role} token: set {flag_name}, the environment variable {env}, \
         or `{role} = \"...\"` under [tokens] in the config file"
    );
    Ok(t)
}

impl CoordinatorArgs {
    /// Merges the flags and environment (already in `self`) over the config file and defaults.
    pub fn resolve(self) -> anyhow::Result<CoordinatorSettings> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let sequencer_token = token(
            self.sequencer_token,
            file.tokens.sequencer,
            "sequencer",
            "--sequencer-token",
            "ZKR_SEQUENCER_TOKEN",
        )?;
        let worker_token = token(
            self.worker_token,
            file.tokens.worker,
            "worker",
            "--worker-token",
            "ZKR_WORKER_TOKEN",
        )?;
        anyhow::ensure!(
            sequencer_token != worker_token,
            "the sequencer and worker tokens are the same: each role needs its own"
        );
        let admin_token = self.admin_token.or(file.tokens.admin);
        if let Some(admin) = &admin_token {
            anyhow::ensure!(
                !admin.is_empty(),
                "the admin token is empty: set a long random one, or none to turn the admin API off"
            );
            anyhow::ensure!(
                *admin != sequencer_token && *admin != worker_token,
                "the admin token is the same as the sequencer's or the worker's: each role needs its own"
            );
        }
        let l1 = match (
            self.l1_rpc.or(file.l1.rpc),
            self.l1_deployment.or(file.l1.deployment),
        ) {
            (Some(rpc), Some(deployment)) => Some((rpc, deployment)),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!(
                "an L1 RPC URL is set but no deployment file: set --l1-deployment (the JSON `zkr l1 deploy` wrote)"
            ),
            (None, Some(_)) => {
                anyhow::bail!("an L1 deployment file is set but no RPC URL: set --l1-rpc")
            }
        };
        let tls = match (
            self.tls_cert.or(file.tls.cert),
            self.tls_key.or(file.tls.key),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!("a TLS certificate is set but no key: set --tls-key"),
            (None, Some(_)) => {
                anyhow::bail!("a TLS key is set but no certificate: set --tls-cert")
            }
        };
        let metrics = match self
            .metrics_listen
            .or(file.metrics.listen)
            .unwrap_or(Listen::At(DEFAULT_METRICS_LISTEN))
        {
            Listen::Off => None,
            Listen::At(a) => Some(a),
        };
        let settings = CoordinatorSettings {
            listen: self.listen.or(file.listen).unwrap_or(DEFAULT_LISTEN),
            data_dir: self
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            capacity: self.capacity.or(file.capacity).unwrap_or(DEFAULT_CAPACITY),
            chain_id: self
                .chain_id
                .or(file.chain_id)
                .unwrap_or(zkr_circuits::ops::signing::DEFAULT_CHAIN_ID),
            lease_ms: self.lease_ms.or(file.lease_ms).unwrap_or(DEFAULT_LEASE_MS),
            retry_ms: self.retry_ms.or(file.retry_ms).unwrap_or(DEFAULT_RETRY_MS),
            retry_max_ms: self
                .retry_max_ms
                .or(file.retry_max_ms)
                .unwrap_or(DEFAULT_RETRY_MAX_MS),
            max_range_batches: self
                .max_range_batches
                .or(file.max_range_batches)
                .unwrap_or(DEFAULT_MAX_RANGE_BATCHES),
            max_message_bytes: self
                .max_message_bytes
                .or(file.max_message_bytes)
                .unwrap_or(DEFAULT_MAX_MESSAGE_BYTES),
            sequencer_token,
            worker_token,
            admin_token,
            l1,
            tls,
            metrics,
            wrap_keys: self.wrap_keys.or(file.wrap_keys),
        };
        anyhow::ensure!(
            settings.lease_ms > 0,
            "lease_ms is 0: a lease must last at least 1 ms"
        );
        anyhow::ensure!(
            settings.retry_ms > 0 && settings.retry_ms <= settings.retry_max_ms,
            "retry_ms {} must be at least 1 and at most retry_max_ms {}",
            settings.retry_ms,
            settings.retry_max_ms
        );
        anyhow::ensure!(
            settings.max_message_bytes >= 64 * 1024,
            "max_message_bytes {} is below 65536: no witness would fit",
            settings.max_message_bytes
        );
        Ok(settings)
    }
}

/// How a client command reaches the coordinator's Sequencer API.
#[derive(Debug, Args)]
pub struct SequencerConnection {
    /// Coordinator URL (https:// with --tls-ca).
    #[arg(long, env = "ZKR_COORDINATOR", default_value = DEFAULT_COORDINATOR_URL, value_name = "URL")]
    pub coordinator: String,
    /// Sequencer bearer token.
    #[arg(
        long,
        env = "ZKR_SEQUENCER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: String,
    /// CA certificate (PEM) the coordinator's TLS certificate is checked against.
    #[arg(long, env = "ZKR_TLS_CA", value_name = "PEM")]
    pub tls_ca: Option<PathBuf>,
    /// Largest gRPC message, in bytes.
    #[arg(long, env = "ZKR_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES, value_name = "BYTES")]
    pub max_message_bytes: usize,
}

impl SequencerConnection {
    /// Connects to the coordinator.
    pub async fn connect(&self) -> anyhow::Result<SequencerApi> {
        let channel = client::channel(&self.coordinator, self.tls_ca.as_deref()).await?;
        Ok(client::sequencer(
            channel,
            &self.token,
            self.max_message_bytes,
        )?)
    }
}

/// A gRPC status as one line for a person: its message, then its code.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{} ({:?})", status.message(), status.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags as clap would leave them, built directly so that the test process's
    /// own ZKR_ environment variables play no part.
    fn args(flags: &[(&str, &str)]) -> CoordinatorArgs {
        let mut a = CoordinatorArgs {
            config: None,
            listen: None,
            data_dir: None,
            capacity: None,
            chain_id: None,
            lease_ms: None,
            retry_ms: None,
            retry_max_ms: None,
            max_range_batches: None,
            max_message_bytes: None,
            sequencer_token: None,
            worker_token: None,
            admin_token: None,
            l1_rpc: None,
            l1_deployment: None,
            tls_cert: None,
            tls_key: None,
            metrics_listen: None,
            wrap_keys: None,
        };
        for &(flag, value) in flags {
            match flag {
                "config" => a.config = Some(value.into()),
                "capacity" => a.capacity = value.parse().ok(),
                "max-range-batches" => a.max_range_batches = value.parse().ok(),
                "sequencer-token" => a.sequencer_token = Some(value.into()),
                "worker-token" => a.worker_token = Some(value.into()),
                "admin-token" => a.admin_token = Some(value.into()),
                "l1-rpc" => a.l1_rpc = Some(value.into()),
                "tls-cert" => a.tls_cert = Some(value.into()),
                other => panic!("test helper: unexpected flag {other}"),
            }
        }
        a
    }

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("coordinator.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    #[test]
    fn flags_override_the_file_and_the_file_overrides_defaults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = write_config(
            dir.path(),
            r#"
            listen = "0.0.0.0:6000"
            data_dir = "data"
            capacity = 16
            lease_ms = 1000
            max_range_batches = 4
            [tokens]
            sequencer = "s-file"
            worker = "w-file"
            [tls]
            cert = "c.pem"
            key = "/abs/k.pem"
            [metrics]
            listen = "off"
            "#,
        );
        let cfg = cfg.to_str().expect("utf-8 temp path");
        let s = args(&[
            ("config", cfg),
            ("capacity", "32"),
            ("max-range-batches", "0"),
            ("worker-token", "w-flag"),
        ])
        .resolve()
        .expect("settings resolve");
        assert_eq!(
            s.listen,
            "0.0.0.0:6000".parse().unwrap(),
            "listen from the file"
        );
        assert_eq!(s.capacity, 32, "capacity: the flag wins over the file");
        assert_eq!(s.lease_ms, 1000, "lease_ms from the file");
        assert_eq!(
            s.max_range_batches, 0,
            "max_range_batches: the flag (0, never) wins over the file"
        );
        assert_eq!(
            (s.retry_ms, s.retry_max_ms),
            (DEFAULT_RETRY_MS, DEFAULT_RETRY_MAX_MS),
            "retry backoff defaults"
        );
        assert_eq!(
            (s.sequencer_token.as_str(), s.worker_token.as_str()),
            ("s-file", "w-flag"),
            "tokens: file, then flag over file"
        );
        assert_eq!(
            s.data_dir,
            dir.path().join("data"),
            "relative data_dir is relative to the file"
        );
        assert_eq!(
            s.tls,
            Some((dir.path().join("c.pem"), PathBuf::from("/abs/k.pem"))),
            "TLS paths: relative joined to the file's folder, absolute kept"
        );
        assert_eq!(s.metrics, None, "metrics off in the file");
    }

    #[test]
    fn defaults_apply_without_a_file() {
        let s = args(&[("sequencer-token", "s"), ("worker-token", "w")])
            .resolve()
            .expect("settings resolve");
        assert_eq!(s.listen, DEFAULT_LISTEN);
        assert_eq!(s.metrics, Some(DEFAULT_METRICS_LISTEN));
        assert_eq!(
            (
                s.capacity,
                s.lease_ms,
                s.retry_ms,
                s.retry_max_ms,
                s.max_range_batches,
                s.max_message_bytes
            ),
            (
                DEFAULT_CAPACITY,
                DEFAULT_LEASE_MS,
                DEFAULT_RETRY_MS,
                DEFAULT_RETRY_MAX_MS,
                DEFAULT_MAX_RANGE_BATCHES,
                DEFAULT_MAX_MESSAGE_BYTES
            ),
            "(capacity, lease_ms, retry_ms, retry_max_ms, max_range_batches, max_message_bytes)"
        );
        assert_eq!(s.tls, None, "plain text without TLS files");
    }

    #[test]
    fn missing_or_shared_tokens_are_refused_naming_the_role() {
        let err = args(&[("worker-token", "w")])
            .resolve()
            .expect_err("no sequencer token");
        let msg = format!("{err:#}");
        assert!(
            msg.contains("no sequencer token") && msg.contains("ZKR_SEQUENCER_TOKEN"),
            "expected the sequencer token and its variable named, got: {msg}"
        );
        let err = args(&[("sequencer-token", "s")])
            .resolve()
            .expect_err("no worker token");
        assert!(
            format!("{err:#}").contains("no worker token"),
            "expected the worker token named, got: {err:#}"
        );
        let err = args(&[("sequencer-token", "same"), ("worker-token", "same")])
            .resolve()
            .expect_err("shared token");
        assert!(
            format!("{err:#}").contains("the same"),
            "expected a shared token refused, got: {err:#}"
        );
        let err = args(&[
            ("sequencer-token", "s"),
            ("worker-token", "w"),
            ("admin-token", "w"),
        ])
        .resolve()
        .expect_err("admin token shared with the worker");
        assert!(
            format!("{err:#}").contains("admin token is the same"),
            "expected the admin token refused as shared, got: {err:#}"
        );
        let s = args(&[
            ("sequencer-token", "s"),
            ("worker-token", "w"),
            ("admin-token", "a"),
        ])
        .resolve()
        .expect("three distinct tokens");
        assert_eq!(
            s.admin_token.as_deref(),
            Some("a"),
            "admin token from the flag"
        );
        let err = args(&[
            ("sequencer-token", "s"),
            ("worker-token", "w"),
            ("l1-rpc", "http://127.0.0.1:8545"),
        ])
        .resolve()
        .expect_err("an L1 URL without its deployment");
        assert!(
            format!("{err:#}").contains("--l1-deployment"),
            "expected the missing deployment named, got: {err:#}"
        );
    }

    #[test]
    fn unknown_keys_and_half_tls_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = write_config(dir.path(), "lease_msec = 5\n");
        let err = args(&[("config", cfg.to_str().expect("utf-8"))])
            .resolve()
            .expect_err("unknown key");
        assert!(
            format!("{err:#}").contains("lease_msec"),
            "expected the unknown key named, got: {err:#}"
        );
        let err = args(&[
            ("sequencer-token", "s"),
            ("worker-token", "w"),
            ("tls-cert", "c.pem"),
        ])
        .resolve()
        .expect_err("certificate without key");
        assert!(
            format!("{err:#}").contains("no key"),
            "expected the missing key named, got: {err:#}"
        );
    }

    #[test]
    fn example_config_file_parses_and_matches_the_defaults() {
        let text = include_str!("../../coordinator.example.toml");
        let file: FileConfig = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => panic!("expected coordinator.example.toml to parse, got: {e}"),
        };
        assert_eq!(
            (
                file.listen,
                file.capacity,
                file.lease_ms,
                file.retry_ms,
                file.retry_max_ms,
                file.max_range_batches,
                file.max_message_bytes
            ),
            (
                Some(DEFAULT_LISTEN),
                Some(DEFAULT_CAPACITY),
                Some(DEFAULT_LEASE_MS),
                Some(DEFAULT_RETRY_MS),
                Some(DEFAULT_RETRY_MAX_MS),
                Some(DEFAULT_MAX_RANGE_BATCHES),
                Some(DEFAULT_MAX_MESSAGE_BYTES)
            ),
            "the example shows the defaults"
        );
        assert_eq!(file.data_dir, Some(PathBuf::from(DEFAULT_DATA_DIR)));
        assert_eq!(
            file.metrics.listen,
            Some(Listen::At(DEFAULT_METRICS_LISTEN))
        );
        assert!(
            file.tokens.sequencer.is_none() && file.tokens.worker.is_none(),
            "the example ships no tokens to copy"
        );
    }

    #[test]
    fn listen_parses_addresses_and_off() {
        assert_eq!("off".parse::<Listen>(), Ok(Listen::Off));
        assert_eq!(
            "127.0.0.1:0".parse::<Listen>(),
            Ok(Listen::At(SocketAddr::from(([127, 0, 0, 1], 0))))
        );
        let err = "localhost".parse::<Listen>().expect_err("not an address");
        assert!(
            err.contains("IP:PORT"),
            "expected the format named, got: {err}"
        );
    }
}
