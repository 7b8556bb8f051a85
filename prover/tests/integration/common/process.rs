//! `zkr` as child processes: a coordinator on a data directory, with the
//! addresses it prints, and bounded waits for any child.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{SEQ_TOKEN, WORKER_TOKEN};

/// The `zkr` binary under test.
pub fn zkr() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkr"));
    cmd.env("RUST_LOG", "info");
    // The tests choose every setting; none may leak in from the developer's shell.
    for var in [
        "ZKR_CONFIG",
        "ZKR_LISTEN",
        "ZKR_DATA_DIR",
        "ZKR_CAPACITY",
        "ZKR_LEASE_MS",
        "ZKR_MAX_ATTEMPTS",
        "ZKR_MAX_RANGE_BATCHES",
        "ZKR_MAX_MESSAGE_BYTES",
        "ZKR_SEQUENCER_TOKEN",
        "ZKR_WORKER_TOKEN",
        "ZKR_ADMIN_TOKEN",
        "ZKR_L1_RPC",
        "ZKR_L1_DEPLOYMENT",
        "ZKR_TLS_CERT",
        "ZKR_TLS_KEY",
        "ZKR_TLS_CA",
        "ZKR_METRICS_LISTEN",
        "ZKR_COORDINATOR",
        "ZKR_WORKER_NAME",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Waits for `child` to exit, killing it after `timeout`.
pub fn wait_exit(child: &mut Child, timeout: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: expected it to exit within {timeout:?}, it was still running");
            }
            Err(e) => panic!("{what}: waiting for it: {e}"),
        }
    }
}

/// Runs `cmd` to completion, killing it after `timeout`.
pub fn run_bounded(mut cmd: Command, timeout: Duration, what: &str) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: expected it to start, got {e}"));
    // Read both pipes on threads so that a full pipe cannot stall the child.
    let out = child.stdout.take().map(read_all);
    let err = child.stderr.take().map(read_all);
    let status = wait_exit(&mut child, timeout, what);
    let collect = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
    };
    Output {
        status,
        stdout: collect(out),
        stderr: collect(err),
    }
}

fn read_all(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Sends SIGTERM to `child` (a graceful stop).
pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(
        status.success(),
        "expected kill -TERM to succeed, got {status}"
    );
}

/// A `zkr coordinator` child process, killed when dropped.
pub struct CoordinatorProcess {
    pub child: Child,
    /// Its gRPC address.
    pub addr: SocketAddr,
    /// Its metrics URL (`http://ADDR/metrics`).
    pub metrics_url: Option<String>,
    /// Where its log (stderr) goes.
    pub log: PathBuf,
}

impl CoordinatorProcess {
    /// Starts `zkr coordinator` on `data_dir` on free loopback ports, with the
    /// test tokens and `extra` flags, and waits for it to listen.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        let mut cmd = zkr();
        cmd.arg("coordinator")
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--capacity", &super::CAPACITY.to_string()])
            .args(extra)
            .env("ZKR_SEQUENCER_TOKEN", SEQ_TOKEN)
            .env("ZKR_WORKER_TOKEN", WORKER_TOKEN);
        Self::launch(cmd, data_dir)
    }

    /// Starts `zkr coordinator --config FILE` and nothing else, and waits for it to listen.
    pub fn start_with_config(config: &Path) -> Self {
        let mut cmd = zkr();
        cmd.arg("coordinator").arg("--config").arg(config);
        Self::launch(cmd, config)
    }

    /// Spawns `cmd`, its log beside `near` (`NEAR.N.log`), and waits for it to listen.
    fn launch(mut cmd: Command, near: &Path) -> Self {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        // Each start of the same coordinator keeps its own log.
        let log = near.with_extension(format!("{}.log", STARTS.fetch_add(1, Ordering::Relaxed)));
        let log_file = std::fs::File::create(&log).expect("create coordinator log");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("zkr coordinator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut metrics_url = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "expected `listening on ADDR` from the coordinator, got {e:?}; its log:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            };
            if let Some(url) = line.strip_prefix("metrics on ") {
                metrics_url = Some(url.to_string());
            } else if let Some(addr) = line.strip_prefix("listening on ") {
                let addr = addr.parse().expect("a socket address after `listening on`");
                return Self {
                    child,
                    addr,
                    metrics_url,
                    log,
                };
            }
        }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills it with SIGKILL (`kill -9`) and reaps it.
    pub fn kill_9(mut self) -> ExitStatus {
        self.child.kill().expect("SIGKILL delivered");
        self.child.wait().expect("reaped")
    }

    /// Stops it with SIGTERM and waits (bounded) for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        terminate(&self.child);
        wait_exit(
            &mut self.child,
            Duration::from_secs(30),
            "coordinator after SIGTERM",
        )
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for CoordinatorProcess {
    fn drop(&mut self) {
        // A failed test must not leave a server running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `GET path` over plain HTTP/1.1 on loopback; returns the status line and the body.
pub async fn http_get(url: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream =
        tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(host))
            .await
            .expect("connect within 5 s")
            .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .expect("response within 5 s")
        .expect("read response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or((response.as_str(), ""));
    let status = head.lines().next().unwrap_or("").to_string();
    (status, body.to_string())
}

/// The value of the sample `name` (with its labels, as exported) in an OpenMetrics text.
pub fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (n, v) = l.rsplit_once(' ')?;
        (n == name).then(|| v.parse().ok()).flatten()
    })
}

/// A temporary path as a command line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A command's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The stdout of `out`, which must have succeeded (`what` names the command).
pub fn succeeded(out: &Output, what: &str) -> String {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "{what}: expected success, got {}: {stdout}{}",
        out.status,
        text(&out.stderr)
    );
    stdout
}

/// The stderr of `out`, which must have failed (`what` names the command).
pub fn failed(out: &Output, what: &str) -> String {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "{what}: expected a failure, got success: {}{stderr}",
        text(&out.stdout)
    );
    stderr
}

/// A client command against `url` with the sequencer token, bounded to `timeout`.
pub fn client(url: &str, args: &[&str], timeout: Duration) -> Output {
    let mut cmd = zkr();
    cmd.args(args)
        .args(["--coordinator", url])
        .env("ZKR_SEQUENCER_TOKEN", super::SEQ_TOKEN);
    run_bounded(cmd, timeout, &format!("zkr {args:?}"))
}
