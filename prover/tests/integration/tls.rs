//! `zkr coordinator` served over TLS with a certificate made in the test: a
//! client that trusts the issuing CA is served, over gRPC and through the
//! `zkr status` command; a plain-text client and a client trusting another CA
//! are not.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::process::{path, run_bounded, zkr, CoordinatorProcess};
use crate::common::*;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use zkr_proto::v1;
use zkr_prover::client;

/// A CA and, signed by it, a certificate for localhost and 127.0.0.1, as PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().expect("CA key");
    let pem = params.self_signed(&key).expect("CA certificate").pem();
    (params, key, pem)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write PEM");
    path
}

fn pki(dir: &Path) -> Pki {
    let (ca_params, ca_key, ca_pem) = ca("zkr test CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    Pki {
        ca: write(dir, "ca.pem", &ca_pem),
        cert: write(dir, "cert.pem", &leaf.pem()),
        key: write(dir, "key.pem", &leaf_key.serialize_pem()),
    }
}

/// Asks `url` for batch 1 (trusting `ca`, if given); any failure as text, bounded to 10 s.
async fn get_batch_via(url: &str, ca: Option<&Path>) -> Result<v1::BatchInfo, String> {
    let attempt = async {
        let ch = client::channel(url, ca).await.map_err(|e| e.to_string())?;
        let mut seq = client::sequencer(ch, SEQ_TOKEN, MAX_MESSAGE).map_err(|e| e.to_string())?;
        seq.get_batch(v1::GetBatchRequest { batch_number: 1 })
            .await
            .map(|r| r.into_inner())
            .map_err(|s| s.to_string())
    };
    tokio::time::timeout(Duration::from_secs(10), attempt)
        .await
        .unwrap_or_else(|_| Err(format!("{url}: no answer within 10 s")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_coordinator_serves_clients_trusting_its_ca_and_refuses_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = pki(dir.path());
    let coord = CoordinatorProcess::start(
        &dir.path().join("data"),
        &["--tls-cert", path(&pki.cert), "--tls-key", path(&pki.key)],
    );
    let port = coord.addr.port();
    let https = format!("https://localhost:{port}");

    // Trusting the CA: a submission over TLS is accepted.
    let ch = client::channel(&https, Some(&pki.ca))
        .await
        .expect("a TLS channel to a server whose CA is trusted");
    let mut seq = client::sequencer(ch, SEQ_TOKEN, MAX_MESSAGE).expect("client");
    let s = submissions(1, 31);
    let r = seq
        .submit_batch(v1::SubmitBatchRequest::from(&s[0]))
        .await
        .expect("batch 1 accepted over TLS")
        .into_inner();
    assert!(r.accepted_now, "expected batch 1 accepted now, got {r:?}");

    // The client command over TLS.
    let mut status = zkr();
    status
        .args([
            "status",
            "1",
            "--coordinator",
            &https,
            "--tls-ca",
            path(&pki.ca),
        ])
        .env("ZKR_SEQUENCER_TOKEN", SEQ_TOKEN);
    let out = run_bounded(status, Duration::from_secs(30), "zkr status over TLS");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("batch 1: accepted"),
        "expected `zkr status 1` over TLS to show batch 1 accepted, got {}: {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    // Plain text to the TLS port: no answer.
    let plain = get_batch_via(&format!("http://127.0.0.1:{port}"), None).await;
    assert!(
        plain.is_err(),
        "a plain-text client: expected a failure, got {plain:?}"
    );

    // TLS, but trusting another CA: the server's certificate is refused.
    let (_, _, other_ca) = ca("another CA");
    let other = write(dir.path(), "other-ca.pem", &other_ca);
    let untrusted = get_batch_via(&https, Some(&other)).await;
    assert!(
        untrusted.is_err(),
        "a client trusting another CA: expected a failure, got {untrusted:?}"
    );

    let stopped = coord.stop();
    assert!(
        stopped.success(),
        "expected a clean exit on SIGTERM, got {stopped}"
    );
}
