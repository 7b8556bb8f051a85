//! A local anvil node for tests: started on a free loopback port, killed on drop.
//!
//! The binary is, in order: the one `ZKR_ANVIL` names, the one `npm ci` in
//! `verifier-contracts/` installs, an `anvil` on `PATH`. `package.json` pins
//! the binary package `@foundry-rs/anvil-linux-amd64` (an optional
//! dependency: other machines skip it) rather than its wrapper
//! `@foundry-rs/anvil`: the wrapper depends optionally on one such package per
//! platform, the registry this project installs from serves only the Linux
//! x86-64 one, and `npm ci` refuses a lock file that lacks the others.
//!
//! The node runs the [`HARDFORK`] the contracts are compiled for, so gas
//! figures are those of Ethereum mainnet's rules.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::transports::http::reqwest::Url;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::compile::EVM_VERSION;

/// The hardfork the node runs: the EVM version contracts are compiled for.
pub const HARDFORK: &str = EVM_VERSION;
/// The environment variable that names an anvil binary to use.
pub const ANVIL_ENV: &str = "ZKR_ANVIL";
/// How long [`Anvil::start`] waits for the node to answer JSON-RPC.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// What anvil printed before failing, at most this many bytes of it.
const LOG_LIMIT: usize = 16 * 1024;
/// The line anvil prints once its server is bound: `Listening on 127.0.0.1:PORT`.
const LISTENING: &str = "Listening on ";

/// Why a node did not start.
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// No anvil binary was found.
    #[error(
        "no anvil found (run `npm ci` in verifier-contracts/, or set {ANVIL_ENV}); tried: {}",
        tried.join("; ")
    )]
    NotFound {
        /// Each place looked at.
        tried: Vec<String>,
    },
    /// The binary could not be started.
    #[error("could not start {}: {source}", program.display())]
    Spawn {
        /// The binary.
        program: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The node exited before it answered JSON-RPC.
    #[error("{} exited before answering JSON-RPC ({status}); it printed:\n{log}", program.display())]
    Exited {
        /// The binary.
        program: PathBuf,
        /// Its exit status, or why it could not be read.
        status: String,
        /// What it printed on stdout and stderr.
        log: String,
    },
    /// The node printed a listening address that is not one.
    #[error("{} printed a listening address that is not a URL: {line:?}", program.display())]
    Address {
        /// The binary.
        program: PathBuf,
        /// The line it printed.
        line: String,
    },
    /// The node did not answer JSON-RPC within [`START_TIMEOUT`].
    #[error(
        "{} did not answer JSON-RPC within {waited:?} ({stage}); it printed:\n{log}",
        program.display()
    )]
    Timeout {
        /// The binary.
        program: PathBuf,
        /// How long it was given.
        waited: Duration,
        /// What it had not done yet: print its address, or answer `eth_chainId`.
        stage: &'static str,
        /// What it printed on stdout and stderr.
        log: String,
    },
}

/// A running anvil node, killed when dropped.
#[derive(Debug)]
pub struct Anvil {
    /// Held for its `Drop`, which kills the node.
    _process: Process,
    url: Url,
    chain_id: u64,
}

impl Anvil {
    /// Starts anvil on a free loopback port and waits until it answers JSON-RPC.
    pub async fn start() -> Result<Anvil, AnvilError> {
        Self::start_with_args(&[]).await
    }

    /// As [`Anvil::start`], with extra command-line arguments for anvil.
    pub async fn start_with_args(args: &[&str]) -> Result<Anvil, AnvilError> {
        let program = find_binary()?;
        let deadline = Instant::now() + START_TIMEOUT;
        // Port 0: the system picks a free port, and anvil prints the one it bound.
        let mut child = Command::new(&program)
            .args(["--host", "127.0.0.1", "--port", "0", "--hardfork", HARDFORK])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| AnvilError::Spawn {
                program: program.clone(),
                source,
            })?;
        let log = Log::default();
        let (address_tx, address_rx) = oneshot::channel();
        if let Some(stdout) = child.stdout.take() {
            let log = log.clone();
            std::thread::spawn(move || read_stdout(stdout, log, address_tx));
        }
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || read_stderr(stderr, log));
        }
        let mut process = Process {
            child,
            program,
            log,
        };

        let line = match tokio::time::timeout_at(deadline, address_rx).await {
            Ok(Ok(line)) => line,
            // stdout closed without the address: anvil has exited.
            Ok(Err(_)) => return Err(process.exited()),
            Err(_) => return Err(process.timeout("no listening address printed yet")),
        };
        let url: Url =
            format!("http://{}", line.trim())
                .parse()
                .map_err(|_| AnvilError::Address {
                    program: process.program.clone(),
                    line: format!("{LISTENING}{line}"),
                })?;

        let provider = ProviderBuilder::new().connect_http(url.clone());
        loop {
            // A node that takes the connection but never answers still meets the deadline.
            if let Ok(Ok(chain_id)) =
                tokio::time::timeout_at(deadline, provider.get_chain_id()).await
            {
                return Ok(Anvil {
                    _process: process,
                    url,
                    chain_id,
                });
            }
            if process.has_exited() {
                return Err(process.exited());
            }
            if Instant::now() >= deadline {
                return Err(process.timeout("eth_chainId not answered yet"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The node's JSON-RPC endpoint, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The chain id the node answered with.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// A provider for the node (anvil's own accounts sign `eth_sendTransaction`).
    pub fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.url.clone())
            .erased()
    }
}

/// The anvil process; killed and reaped on drop, on every path.
#[derive(Debug)]
struct Process {
    child: Child,
    program: PathBuf,
    log: Log,
}

impl Process {
    fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    fn exited(&mut self) -> AnvilError {
        let status = match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => format!("exit status unreadable: {e}"),
        };
        AnvilError::Exited {
            program: self.program.clone(),
            status,
            log: self.log.text(),
        }
    }

    fn timeout(&mut self, stage: &'static str) -> AnvilError {
        AnvilError::Timeout {
            program: self.program.clone(),
            waited: START_TIMEOUT,
            stage,
            log: self.log.text(),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Nothing to do about a failure here: the process is gone or cannot be signalled.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the node printed, kept (up to [`LOG_LIMIT`] bytes) for error messages.
#[derive(Clone, Debug, Default)]
struct Log(Arc<Mutex<String>>);

impl Log {
    fn push(&self, text: &str) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if log.len() + text.len() <= LOG_LIMIT {
            log.push_str(text);
        }
    }

    fn text(&self) -> String {
        let log = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        log.trim_end().to_owned()
    }
}

/// Reads anvil's stdout to its end (a full pipe would stall the node), sends
/// the listening address once it is printed, and logs what came before it.
fn read_stdout(stdout: impl Read, log: Log, address: oneshot::Sender<String>) {
    let mut address = Some(address);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if address.is_none() {
            continue;
        }
        log.push(&line);
        log.push("\n");
        if let Some(rest) = line.strip_prefix(LISTENING) {
            if let Some(tx) = address.take() {
                // The receiver is gone only if start() already gave up.
                let _ = tx.send(rest.to_owned());
            }
        }
    }
}

fn read_stderr(stderr: impl Read, log: Log) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        log.push(&line);
        log.push("\n");
    }
}

/// The anvil binary: `ZKR_ANVIL`, the npm package's, or `anvil` on `PATH`.
fn find_binary() -> Result<PathBuf, AnvilError> {
    if let Some(path) = std::env::var_os(ANVIL_ENV) {
        return Ok(PathBuf::from(path));
    }
    let mut tried = Vec::new();
    match npm_platform() {
        Some(platform) => {
            let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
                "node_modules/@foundry-rs/anvil-{platform}/bin/anvil"
            ));
            if npm.is_file() {
                return Ok(npm);
            }
            tried.push(format!("{} (absent)", npm.display()));
        }
        None => tried.push(format!(
            "no npm anvil package for {}-{}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
    }
    let on_path = PathBuf::from("anvil");
    match Command::new(&on_path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(on_path),
        Err(e) => {
            tried.push(format!("anvil on PATH: {e}"));
            Err(AnvilError::NotFound { tried })
        }
    }
}

/// The npm platform suffix of `@foundry-rs/anvil-<os>-<arch>` for this machine.
fn npm_platform() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("linux-amd64"),
        ("linux", "aarch64") => Some("linux-arm64"),
        ("macos", "x86_64") => Some("darwin-amd64"),
        ("macos", "aarch64") => Some("darwin-arm64"),
        _ => None,
    }
}
