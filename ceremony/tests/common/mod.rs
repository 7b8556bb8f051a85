//! Helpers shared by the ceremony's integration tests: running the
//! `zkr-ceremony` binary and the reference snarkjs, and rewriting files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zkr_ceremony::ptau::format::{Contribution, PtauFile, PtauWriter, Section};

/// The snarkjs command-line script installed by `npm ci` in `tests/snarkjs`.
/// Fails the test (never skips it) when snarkjs is not installed.
pub fn snarkjs_cli() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snarkjs");
    let cli = dir.join("node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.exists(),
        "snarkjs is not installed: expected {}. Run `npm ci` in {} (scripts/test.sh does it) and make sure `node` is on PATH",
        cli.display(),
        dir.display()
    );
    cli
}

/// Runs snarkjs with `args` in `dir`.
pub fn snarkjs(dir: &Path, args: &[&str]) -> Output {
    let cli = snarkjs_cli();
    Command::new("node")
        .arg(&cli)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running node {}: {e} (is node installed?)", cli.display()))
}

/// Runs snarkjs and asserts it succeeded (snarkjs's verify exits 1 on a bad file).
pub fn snarkjs_ok(dir: &Path, args: &[&str]) -> String {
    let out = snarkjs(dir, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "snarkjs {args:?} expected success, got {}:\n{text}",
        out.status
    );
    text
}

/// Runs the `zkr-ceremony` binary with `args` in `dir`.
pub fn zkr(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkr-ceremony"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running zkr-ceremony")
}

/// Runs `zkr-ceremony` and asserts success; returns stdout.
pub fn zkr_ok(dir: &Path, args: &[&str]) -> String {
    let out = zkr(dir, args);
    assert!(
        out.status.success(),
        "zkr-ceremony {args:?} expected success, got {}:\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `zkr-ceremony`, asserts failure; returns stderr.
pub fn zkr_err(dir: &Path, args: &[&str]) -> String {
    let out = zkr(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "zkr-ceremony {args:?} expected failure, got success:\n{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Copies `from` to `to` with `edit` applied to the contributions and
/// `patch` to the point sections' raw bytes (by section).
pub fn rewrite(
    from: &Path,
    to: &Path,
    edit: impl FnOnce(&mut Vec<Contribution>),
    patch: impl Fn(Section, &mut Vec<u8>),
) {
    let file = PtauFile::open(from).expect("open source file");
    let power = file.header.power;
    let mut w = PtauWriter::create(to, file.header, 7).expect("create rewritten file");
    for section in Section::POINTS {
        let mut raw = file
            .read_raw(section, 0, section.points(power))
            .expect("read section");
        patch(section, &mut raw);
        w.section_start(section, raw.len() as u64)
            .expect("section header");
        w.write(&raw).expect("section body");
    }
    let mut contributions = file.contributions.clone();
    edit(&mut contributions);
    w.contributions(&contributions).expect("contributions");
    w.finish().expect("finish");
}

/// The verify error of `path` as text (panics when it verifies).
pub fn verify_error(path: &Path) -> String {
    let file = match PtauFile::open(path) {
        Ok(f) => f,
        Err(e) => return e.to_string(),
    };
    match zkr_ceremony::ptau::verify::verify(&file) {
        Ok(_) => panic!(
            "{} expected to fail verification, but it verifies",
            path.display()
        ),
        Err(e) => e.to_string(),
    }
}

/// Asserts that `text` contains every one of `needles`.
pub fn assert_mentions(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            text.contains(n),
            "error expected to mention {n:?}, got: {text}"
        );
    }
}
