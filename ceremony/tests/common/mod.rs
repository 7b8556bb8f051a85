//! Helpers shared by the ceremony's integration tests: running the
//! `zkr-ceremony` binary and the reference snarkjs (and reading what it
//! prints), and rewriting files.

#![allow(dead_code)]

pub mod circuit;

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

/// Compiles `dir/circuit` with circom (the circom2 package's WebAssembly
/// build, installed beside snarkjs) into `.r1cs` and a WebAssembly witness
/// calculator in `dir`; circomlib's circuits are included as
/// `circuits/<name>.circom`. Returns what circom printed; fails the test on
/// a compile error.
pub fn circom_ok(dir: &Path, circuit: &str) -> String {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snarkjs/node_modules");
    let cli = modules.join("circom2/cli.js");
    assert!(
        cli.exists(),
        "circom2 is not installed: expected {}. Run `npm ci` in tests/snarkjs (scripts/test.sh does it)",
        cli.display()
    );
    // circom's WebAssembly sandbox reads only below the working directory
    // (no symbolic links out of it): circomlib is copied in.
    let lib = dir.join("lib/circuits");
    if !lib.exists() {
        std::fs::create_dir_all(&lib).expect("create lib/circuits");
        for entry in std::fs::read_dir(modules.join("circomlib/circuits")).expect("circomlib") {
            let path = entry.expect("circomlib entry").path();
            if path.extension().is_some_and(|e| e == "circom") {
                std::fs::copy(&path, lib.join(path.file_name().expect("a name")))
                    .expect("copy a circomlib circuit");
            }
        }
    }
    let out = Command::new("node")
        .arg(&cli)
        .args([circuit, "--r1cs", "--wasm", "-l", "lib", "-o", "."])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running node {}: {e} (is node installed?)", cli.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("Everything went okay"),
        "circom {circuit} expected to compile, got {}:\n{text}",
        out.status
    );
    text
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

/// Runs snarkjs's `r1cs info` on `file` in `dir`; returns its counts by
/// name (`Wires`, `Constraints`, `Public Inputs`, ...), from its
/// `# of <name>: <count>` lines.
pub fn snarkjs_r1cs_info(dir: &Path, file: &str) -> std::collections::BTreeMap<String, u64> {
    let text = snarkjs_ok(dir, &["r1cs", "info", file]);
    text.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once("# of ")?;
            let (name, count) = rest.split_once(':')?;
            Some((name.trim().to_string(), count.trim().parse().ok()?))
        })
        .collect()
}

/// Runs snarkjs's `r1cs export json` on `file` in `dir` and parses its output.
pub fn snarkjs_r1cs_json(dir: &Path, file: &str) -> serde_json::Value {
    let json = format!("{file}.json");
    snarkjs_ok(dir, &["r1cs", "export", "json", file, &json]);
    let text = std::fs::read_to_string(dir.join(&json)).expect("read snarkjs's JSON");
    serde_json::from_str(&text).expect("snarkjs's JSON parses")
}

/// Copies `from` to `to` with `patch` applied to its bytes.
pub fn patch_bytes(from: &Path, to: &Path, patch: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(from).expect("read source file");
    patch(&mut bytes);
    std::fs::write(to, bytes).expect("write patched file");
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

/// The public beacon value the tests use.
pub const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

/// One step of a test ceremony: which tool makes it and the name it signs.
#[derive(Clone, Copy, Debug)]
pub enum By<'a> {
    /// `zkr-ceremony ptau contribute` (OS entropy only).
    Zkr(&'a str),
    /// `snarkjs powersoftau contribute` (typed entropy, so it never prompts).
    Snarkjs(&'a str),
    /// `zkr-ceremony ptau beacon` with [`BEACON`], 2^10 iterations.
    ZkrBeacon(&'a str),
    /// `snarkjs powersoftau beacon` with [`BEACON`], 2^10 iterations.
    SnarkjsBeacon(&'a str),
}

/// Runs a ceremony in `d`: `p0.ptau` from `new` at `power` (snarkjs's when
/// `snarkjs_new`, else zkr's), then `p{i}.ptau` from step `i`. zkr keeps a
/// transcript while every file so far is zkr's (snarkjs writes none).
pub fn ptau_chain(d: &Path, power: u32, snarkjs_new: bool, steps: &[By]) {
    let power = power.to_string();
    if snarkjs_new {
        snarkjs_ok(d, &["powersoftau", "new", "bn128", &power, "p0.ptau"]);
    } else {
        zkr_ok(d, &["ptau", "new", "--power", &power, "p0.ptau"]);
    }
    let mut transcript = !snarkjs_new;
    for (i, step) in steps.iter().enumerate() {
        let (input, output) = (format!("p{i}.ptau"), format!("p{}.ptau", i + 1));
        let zkr_step = |args: &[&str]| {
            let mut all = args.to_vec();
            if !transcript {
                all.push("--no-transcript");
            }
            zkr_ok(d, &all);
        };
        match *step {
            By::Zkr(name) => zkr_step(&["ptau", "contribute", &input, &output, "--name", name]),
            By::ZkrBeacon(name) => zkr_step(&[
                "ptau", "beacon", &input, &output, BEACON, "10", "--name", name,
            ]),
            By::Snarkjs(name) => {
                transcript = false;
                let (name, entropy) = (format!("--name={name}"), format!("-e={name} entropy"));
                snarkjs_ok(
                    d,
                    &[
                        "powersoftau",
                        "contribute",
                        &input,
                        &output,
                        &name,
                        &entropy,
                    ],
                );
            }
            By::SnarkjsBeacon(name) => {
                transcript = false;
                let name = format!("-n={name}");
                snarkjs_ok(
                    d,
                    &[
                        "powersoftau",
                        "beacon",
                        &input,
                        &output,
                        BEACON,
                        "10",
                        &name,
                    ],
                );
            }
        }
    }
}

/// `final.ptau` in `d`: a fresh accumulator of `power` with one zkr
/// contribution, prepared for phase 2 (no transcript).
pub fn prepared_ptau(d: &Path, power: u32) {
    ptau_chain(d, power, false, &[By::Zkr("alice")]);
    zkr_ok(
        d,
        &[
            "ptau",
            "prepare",
            "p1.ptau",
            "final.ptau",
            "--no-transcript",
        ],
    );
}

/// The first byte at which two iden3 containers with `magic` differ, named
/// by the section holding it (`name` names a section id).
pub fn first_difference(
    ours: &Path,
    theirs: &Path,
    magic: &[u8; 4],
    name: impl Fn(u32) -> String,
) -> Option<String> {
    let a = std::fs::read(ours).expect("read zkr file");
    let b = std::fs::read(theirs).expect("read snarkjs file");
    if a == b {
        return None;
    }
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len())) as u64;
    let file = zkr_ceremony::binfile::BinFile::open(theirs, magic).expect("open snarkjs file");
    let section = file
        .order()
        .iter()
        .find(|id| file.range(**id).is_some_and(|r| r.contains(&at)))
        .map_or("the container".to_string(), |id| name(*id));
    Some(format!(
        "first difference at byte {at} (in {section}); sizes {} and {}",
        a.len(),
        b.len()
    ))
}
