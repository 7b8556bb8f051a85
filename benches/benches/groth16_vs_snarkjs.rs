//! Proving a circom-format circuit from snarkjs's files: `zkr-ceremony
//! groth16 prove` (the library call its CLI makes) against `snarkjs groth16
//! prove`, on the same `.zkey` and `.wtns`, in one run: wall time and peak
//! memory (maximum resident set) of each, as separate processes.
//!
//! The circuits are synthetic, `x_{i+1} = x_i²` with the last value public,
//! of `2^p − 2` constraints (a domain of exactly `2^p` rows), set up by zkr's
//! ceremony (a fresh `.ptau` with one contribution, prepared; `zkey new`, one
//! contribution). zkr runs in a child process of this binary (it re-runs
//! itself to prove and exit), so that both peaks are a prover's alone; peak
//! memory comes from `/usr/bin/time` where it is installed. Each prover runs
//! `RUNS` times, alternating; the table has the medians and their ratio, and
//! both proofs are checked with `groth16 verify` of the other tool.
//!
//! ```text
//! cargo bench -p zkr-benches --bench groth16_vs_snarkjs                  # 2^12, 3 runs
//! ZKR_GROTH16_POWERS=16,18,20 ZKR_GROTH16_RUNS=1 cargo bench -p zkr-benches --bench groth16_vs_snarkjs
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use ark_bn254::Fr;
use ark_ff::Field;
use ark_relations::lc;
use ark_relations::r1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
};
use zkr_ceremony::groth16::{prove, ProveOptions};
use zkr_ceremony::ptau::contribute::contribute;
use zkr_ceremony::ptau::format::PtauFile;
use zkr_ceremony::ptau::new::new_accumulator;
use zkr_ceremony::ptau::prepare::prepare;
use zkr_ceremony::r1cs::export::from_circuit;
use zkr_ceremony::zkey::contribute::contribute as zkey_contribute;
use zkr_ceremony::zkey::export::{proof_json, public_json, verification_key_json};
use zkr_ceremony::zkey::format::ZkeyFile;
use zkr_ceremony::zkey::new::new_zkey;

mod reference;

/// The environment variable that makes this binary a zkr prover child:
/// `ZKEY|WTNS|PROOF|PUBLIC`.
const CHILD: &str = "ZKR_GROTH16_BENCH_CHILD";

/// `x_{i+1} = x_i²` for `constraints` steps from x_0 = 3, the last value public.
struct Squarings {
    constraints: usize,
}

impl ConstraintSynthesizer<Fr> for Squarings {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut value = Fr::from(3u64);
        let mut x = cs.new_witness_variable(|| Ok(value))?;
        for i in 0..self.constraints {
            value.square_in_place();
            let v = value;
            let next = if i + 1 == self.constraints {
                cs.new_input_variable(|| Ok(v))?
            } else {
                cs.new_witness_variable(|| Ok(v))?
            };
            cs.enforce_constraint(lc!() + x, lc!() + x, lc!() + next)?;
            x = next;
        }
        Ok(())
    }
}

/// The full assignment (instance, then witness) of the circuit, as circom orders a witness.
fn assignment(constraints: usize) -> Result<Vec<Fr>> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    Squarings { constraints }.generate_constraints(cs.clone())?;
    cs.finalize();
    ensure!(cs.is_satisfied()?, "the bench circuit's witness is wrong");
    let cs = cs.borrow().context("constraint system")?;
    Ok([
        cs.instance_assignment.as_slice(),
        cs.witness_assignment.as_slice(),
    ]
    .concat())
}

struct Settings {
    powers: Vec<u32>,
    runs: usize,
}

fn settings() -> Result<Settings> {
    Ok(Settings {
        powers: reference::powers("ZKR_GROTH16_POWERS", "12", 4..=24)?,
        runs: reference::number("ZKR_GROTH16_RUNS", 3, 1)? as usize,
    })
}

/// One timed process: its wall time and, where `/usr/bin/time` is
/// installed, its peak resident memory.
struct Measured {
    wall: Duration,
    peak_kib: Option<u64>,
}

/// Runs `program args` in `dir`, failing with its output on error.
fn measure(
    dir: &Path,
    program: &Path,
    args: &[&str],
    env: Option<(&str, String)>,
) -> Result<Measured> {
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "PEAK_KIB=%M"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).current_dir(dir);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    let wall = start.elapsed();
    let text = reference::checked(&format!("{} {args:?}", program.display()), &out)?;
    let peak_kib = text
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_KIB="))
        .and_then(|v| v.trim().parse().ok());
    Ok(Measured { wall, peak_kib })
}

fn node() -> PathBuf {
    PathBuf::from("node")
}

/// The child: proves and writes snarkjs's two files, then exits.
fn child(spec: &str) -> Result<()> {
    let parts: Vec<&str> = spec.split('|').collect();
    ensure!(parts.len() == 4, "{CHILD}: expected ZKEY|WTNS|PROOF|PUBLIC");
    let selected = zkr_cuda::select(zkr_cuda::BackendChoice::Cpu)?;
    let proven = prove(
        selected.backend.as_ref(),
        Path::new(parts[0]),
        Path::new(parts[1]),
        ProveOptions::default(),
        &mut ark_std::rand::rngs::OsRng,
    )?;
    std::fs::write(parts[2], proof_json(&proven.proof).to_string())?;
    std::fs::write(parts[3], public_json(&proven.public).to_string())?;
    Ok(())
}

struct Row {
    power: u32,
    constraints: usize,
    zkr: Vec<Measured>,
    snarkjs: Vec<Measured>,
}

fn bench_power(cli: &Path, runs: usize, power: u32, dir: &Path) -> Result<Row> {
    let f = |name: &str| dir.join(format!("{name}_{power}"));
    let s = |p: &Path| {
        p.to_str()
            .map(str::to_string)
            .context("a UTF-8 temporary path")
    };
    let constraints = (1usize << power) - 2;
    eprintln!("power {power}: setting up {constraints} constraints");
    let (p0, p1, pf) = (f("p0.ptau"), f("p1.ptau"), f("final.ptau"));
    new_accumulator(&p0, power).context("ptau new")?;
    contribute(&PtauFile::open(&p0)?, &p1, Some("bench".into()), b"bench")?;
    prepare(&PtauFile::open(&p1)?, &pf)?;
    let r1cs = from_circuit(Squarings { constraints })?;
    ensure!(
        r1cs.min_ptau_power() == power,
        "bench circuit needs power {}, expected {power}",
        r1cs.min_ptau_power()
    );
    let (k0, k1) = (f("c0.zkey"), f("c1.zkey"));
    new_zkey(&r1cs, &PtauFile::open(&pf)?, &k0)?;
    drop(r1cs);
    zkey_contribute(&ZkeyFile::open(&k0)?, &k1, Some("bench".into()), b"bench")?;
    let vk = f("vk.json");
    let pk = zkr_ceremony::zkey::export::proving_key(&ZkeyFile::open(&k1)?)?;
    std::fs::write(&vk, verification_key_json(&pk.vk).to_string())?;
    drop(pk);
    let wtns = f("w.wtns");
    zkr_ceremony::wtns::write(&wtns, &assignment(constraints)?)?;
    for p in [&p0, &p1, &pf, &k0] {
        let _ = std::fs::remove_file(p);
    }

    let me = std::env::current_exe()?;
    let (zp, zs, sp, ss) = (
        f("zproof.json"),
        f("zpublic.json"),
        f("sproof.json"),
        f("spublic.json"),
    );
    let mut row = Row {
        power,
        constraints,
        zkr: Vec::new(),
        snarkjs: Vec::new(),
    };
    for run in 0..runs {
        eprintln!("power {power}: run {} of {runs}", run + 1);
        let spec = format!("{}|{}|{}|{}", s(&k1)?, s(&wtns)?, s(&zp)?, s(&zs)?);
        row.zkr.push(measure(dir, &me, &[], Some((CHILD, spec)))?);
        row.snarkjs.push(measure(
            dir,
            &node(),
            &[
                &s(cli)?,
                "groth16",
                "prove",
                &s(&k1)?,
                &s(&wtns)?,
                &s(&sp)?,
                &s(&ss)?,
            ],
            None,
        )?);
    }
    // Each tool's proof verifies with the other tool.
    measure(
        dir,
        &node(),
        &[&s(cli)?, "groth16", "verify", &s(&vk)?, &s(&zs)?, &s(&zp)?],
        None,
    )
    .context("snarkjs groth16 verify of zkr's proof")?;
    ensure!(
        zkr_ceremony::groth16::json::verify_files(&vk, &ss, &sp)?,
        "zkr does not verify snarkjs's proof"
    );
    for p in [&k1, &wtns, &vk, &zp, &zs, &sp, &ss] {
        let _ = std::fs::remove_file(p);
    }
    Ok(row)
}

fn median_wall(v: &[Measured]) -> Duration {
    let mut w: Vec<Duration> = v.iter().map(|m| m.wall).collect();
    w.sort();
    w[w.len() / 2]
}

fn peak(v: &[Measured]) -> String {
    v.iter()
        .filter_map(|m| m.peak_kib)
        .max()
        .map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn main() -> Result<()> {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let s = settings()?;
    let cli = reference::snarkjs_cli()?;
    let dir = tempfile::tempdir().context("temporary directory")?;
    let mut rows = Vec::new();
    for &power in &s.powers {
        rows.push(bench_power(&cli, s.runs, power, dir.path())?);
    }
    println!(
        "\n## Groth16 proving from .zkey + .wtns: zkr against snarkjs (median of {} run{}, same run)\n",
        s.runs,
        if s.runs == 1 { "" } else { "s" }
    );
    println!("| constraints | zkr | snarkjs | snarkjs / zkr | zkr peak | snarkjs peak |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let (z, sj) = (median_wall(&r.zkr), median_wall(&r.snarkjs));
        println!(
            "| 2^{} − 2 = {} | {:.2} s | {:.2} s | {:.1}x | {} | {} |",
            r.power,
            r.constraints,
            z.as_secs_f64(),
            sj.as_secs_f64(),
            sj.as_secs_f64() / z.as_secs_f64(),
            peak(&r.zkr),
            peak(&r.snarkjs)
        );
    }
    Ok(())
}
