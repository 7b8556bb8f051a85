//! The ceremony's three long commands, zkr against snarkjs (the reference
//! participants compare with), timed in one run on the same input files:
//! `ptau contribute`, `ptau prepare` and `zkey contribute`.
//!
//! criterion's least sample count (10) is out of reach here (snarkjs's
//! `prepare phase2` at power 17 takes over half an hour), so this harness
//! times whole commands, `RUNS` times each, alternating the two tools, and
//! prints the medians and their ratio. zkr runs in-process through the
//! library calls its CLI makes; snarkjs runs its CLI (`node cli.cjs`, the
//! version pinned in `ceremony/tests/snarkjs`, installed by
//! `scripts/test.sh`). Both prepared files are compared byte for byte.
//!
//! ```text
//! cargo bench -p zkr-benches --bench ceremony_vs_snarkjs            # power 10, 3 runs
//! ZKR_CEREMONY_POWERS=16,17 ZKR_CEREMONY_RUNS=1 cargo bench -p zkr-benches --bench ceremony_vs_snarkjs
//! ZKR_CEREMONY_SNARKJS_PREPARE_MAX=16 ...   # skip snarkjs's prepare above power 16
//! ```

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ark_bn254::Fr;
use ark_relations::lc;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zkr_ceremony::ptau::contribute::contribute;
use zkr_ceremony::ptau::format::PtauFile;
use zkr_ceremony::ptau::new::new_accumulator;
use zkr_ceremony::ptau::prepare::prepare;
use zkr_ceremony::r1cs::export::from_circuit;
use zkr_ceremony::zkey::contribute::contribute as zkey_contribute;
use zkr_ceremony::zkey::format::ZkeyFile;
use zkr_ceremony::zkey::new::new_zkey;

mod reference;

/// `x_{i+1} = x_i²` for `constraints` steps, the last one public: a circuit
/// of exactly `constraints` constraints.
struct Squarings {
    constraints: usize,
}

impl ConstraintSynthesizer<Fr> for Squarings {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut x = cs.new_witness_variable(|| Ok(Fr::from(3u64)))?;
        for i in 0..self.constraints {
            let next = if i + 1 == self.constraints {
                cs.new_input_variable(|| Ok(Fr::from(0u64)))?
            } else {
                cs.new_witness_variable(|| Ok(Fr::from(0u64)))?
            };
            cs.enforce_constraint(lc!() + x, lc!() + x, lc!() + next)?;
            x = next;
        }
        Ok(())
    }
}

/// The benchmark's settings, from the environment.
struct Settings {
    powers: Vec<u32>,
    runs: usize,
    snarkjs_prepare_max: u32,
}

fn settings() -> Result<Settings> {
    Ok(Settings {
        powers: reference::powers("ZKR_CEREMONY_POWERS", "10", 2..=27)?,
        runs: reference::number("ZKR_CEREMONY_RUNS", 3, 1)? as usize,
        snarkjs_prepare_max: reference::number("ZKR_CEREMONY_SNARKJS_PREPARE_MAX", 28, 0)?,
    })
}

/// Runs snarkjs with `args` in `dir`, failing with its output on error.
fn snarkjs(cli: &Path, dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .current_dir(dir)
        .output()
        .context("running node (snarkjs)")?;
    reference::checked(&format!("snarkjs {args:?}"), &out)?;
    Ok(())
}

/// The time `f` takes.
fn time(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// One line of the result table.
struct Row {
    command: &'static str,
    power: u32,
    zkr: Duration,
    snarkjs: Option<Duration>,
}

/// Times zkr and snarkjs on one command, alternating, `runs` times each.
fn compare(
    runs: usize,
    command: &'static str,
    power: u32,
    mut zkr: impl FnMut() -> Result<()>,
    mut snarkjs: Option<impl FnMut() -> Result<()>>,
) -> Result<Row> {
    let (mut z, mut s) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let t = time(&mut zkr).with_context(|| format!("zkr {command}, power {power}"))?;
        eprintln!(
            "  {command} power {power} run {run}: zkr {:.2} s",
            t.as_secs_f64()
        );
        z.push(t);
        if let Some(snarkjs) = snarkjs.as_mut() {
            let t = time(snarkjs).with_context(|| format!("snarkjs {command}, power {power}"))?;
            eprintln!(
                "  {command} power {power} run {run}: snarkjs {:.2} s",
                t.as_secs_f64()
            );
            s.push(t);
        }
    }
    Ok(Row {
        command,
        power,
        zkr: median(z),
        snarkjs: (!s.is_empty()).then(|| median(s)),
    })
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str().context("non-UTF-8 temporary path")
}

fn bench_power(cli: &Path, s: &Settings, power: u32, dir: &Path) -> Result<Vec<Row>> {
    let file = |name: &str| dir.join(format!("{name}_{power}"));
    let (p0, z1, s1) = (file("p0.ptau"), file("zkr1.ptau"), file("snarkjs1.ptau"));
    new_accumulator(&p0, power).context("ptau new")?;
    let mut rows = Vec::new();

    eprintln!("ptau contribute, power {power}");
    let input = PtauFile::open(&p0)?;
    rows.push(compare(
        s.runs,
        "ptau contribute",
        power,
        || Ok(contribute(&input, &z1, Some("bench".into()), b"bench").map(|_| ())?),
        Some(|| {
            snarkjs(
                cli,
                dir,
                &[
                    "powersoftau",
                    "contribute",
                    path_str(&p0)?,
                    path_str(&s1)?,
                    "--name=bench",
                    "-e=bench",
                ],
            )
        }),
    )?);

    eprintln!("ptau prepare, power {power}");
    let (zp, sp) = (file("zkr_final.ptau"), file("snarkjs_final.ptau"));
    let contributed = PtauFile::open(&z1)?;
    let with_snarkjs = power <= s.snarkjs_prepare_max;
    rows.push(compare(
        s.runs,
        "ptau prepare",
        power,
        || Ok(prepare(&contributed, &zp)?),
        with_snarkjs.then_some(|| {
            snarkjs(
                cli,
                dir,
                &[
                    "powersoftau",
                    "prepare",
                    "phase2",
                    path_str(&z1)?,
                    path_str(&sp)?,
                ],
            )
        }),
    )?);
    if with_snarkjs {
        let same = std::fs::read(&zp)? == std::fs::read(&sp)?;
        ensure!(
            same,
            "power {power}: zkr's and snarkjs's prepared files differ"
        );
        eprintln!("  prepared files are byte-identical");
    }

    eprintln!("zkey contribute, power {power}");
    // One public input and the constant take two of the domain's 2^power rows.
    let r1cs = from_circuit(Squarings {
        constraints: (1usize << power) - 2,
    })?;
    ensure!(
        r1cs.min_ptau_power() == power,
        "bench circuit needs power {}, expected {power}",
        r1cs.min_ptau_power()
    );
    let (k0, zk, sk) = (file("k0.zkey"), file("zkr1.zkey"), file("snarkjs1.zkey"));
    let prepared = PtauFile::open(&zp)?;
    new_zkey(&r1cs, &prepared, &k0).context("zkey new")?;
    let initial = ZkeyFile::open(&k0)?;
    rows.push(compare(
        s.runs,
        "zkey contribute",
        power,
        || Ok(zkey_contribute(&initial, &zk, Some("bench".into()), b"bench").map(|_| ())?),
        Some(|| {
            snarkjs(
                cli,
                dir,
                &[
                    "zkey",
                    "contribute",
                    path_str(&k0)?,
                    path_str(&sk)?,
                    "--name=bench",
                    "-e=bench",
                ],
            )
        }),
    )?);
    // The files of this power are large (a prepared power-17 file is 300 MB).
    for f in [p0, z1, s1, zp, sp, k0, zk, sk] {
        let _ = std::fs::remove_file(f);
    }
    Ok(rows)
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let s = settings()?;
    let cli = reference::snarkjs_cli()?;
    let dir = tempfile::tempdir().context("temporary directory")?;
    let mut rows = Vec::new();
    for &power in &s.powers {
        rows.extend(bench_power(&cli, &s, power, dir.path())?);
    }
    println!(
        "\n## Ceremony: zkr against snarkjs (median of {} run{}, same run)\n",
        s.runs,
        if s.runs == 1 { "" } else { "s" }
    );
    println!("| command | power | zkr | snarkjs | snarkjs / zkr |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let (snarkjs, ratio) = match r.snarkjs {
            Some(t) => (
                format!("{:.2} s", t.as_secs_f64()),
                format!("{:.2}x", t.as_secs_f64() / r.zkr.as_secs_f64()),
            ),
            None => ("skipped".into(), "-".into()),
        };
        println!(
            "| {} | {} | {:.2} s | {snarkjs} | {ratio} |",
            r.command,
            r.power,
            r.zkr.as_secs_f64()
        );
    }
    Ok(())
}
