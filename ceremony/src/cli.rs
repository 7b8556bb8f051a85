//! The `zkr-ceremony` command line.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use zkr_aggregator::shape::{ChainId, DEFAULT_CHAIN_ID};
use zkr_aggregator::wrap::circuit::WrapCircuit;
use zkr_aggregator::wrap::keys::{circuit_id, KeysDir, Origin};
use zkr_aggregator::wrap::shrink::ShrinkCircuit;
use zkr_aggregator::Circuits;

use crate::hash::format_hash;
use crate::progress;
use crate::ptau::contribute::{beacon, contribute, Contributed};
use crate::ptau::format::{ContributionKind, PtauFile};
use crate::ptau::new::new_accumulator;
use crate::ptau::prepare::prepare;
use crate::ptau::verify::verify;
use crate::r1cs::R1cs;
use crate::transcript::{Entry, Transcript};
use crate::zkey::contribute::ZkeyContributed;
use crate::zkey::format::ZkeyFile;

/// zkr's trusted-setup ceremony (Groth16 over BN254).
///
/// Phase 1 is a powers-of-tau ceremony in snarkjs's .ptau format: files
/// made here can be contributed to and verified with snarkjs and the other
/// way round. Every ptau command appends a line to a human-readable
/// transcript (by default <output>.transcript, continuing the input's
/// transcript). Phase 2 starts from the circuit: `r1cs export` writes zkr's
/// wrap circuit in circom's .r1cs format.
#[derive(Debug, Parser)]
#[command(name = "zkr-ceremony", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    transcript: TranscriptArgs,
}

#[derive(Debug, Args)]
struct TranscriptArgs {
    /// Transcript file to append to (default: <output>.transcript, started
    /// from <input>.transcript when there is one; for verify, <file>.transcript
    /// when it exists).
    #[arg(long, global = true, value_name = "PATH")]
    transcript: Option<PathBuf>,
    /// Do not read or write a transcript.
    #[arg(long, global = true, conflicts_with = "transcript")]
    no_transcript: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Phase 1: powers of tau.
    #[command(subcommand)]
    Ptau(Ptau),
    /// Phase 2: a circuit's Groth16 keys in snarkjs's .zkey format.
    #[command(subcommand)]
    Zkey(Zkey),
    /// Circuits in circom's .r1cs format (the input of phase 2).
    #[command(subcommand)]
    R1cs(R1csCommand),
    /// Groth16 proofs of any circom circuit, in snarkjs's files: a drop-in
    /// for `snarkjs groth16 prove` and `verify`.
    #[command(subcommand)]
    Groth16(Groth16Command),
}

/// `groth16`: Groth16 proofs of any circom circuit in snarkjs's files (also `zkr groth16`).
#[derive(Debug, Subcommand)]
pub enum Groth16Command {
    /// Proves a circom witness under a .zkey (zkr's ceremony's or
    /// snarkjs's), writing the proof and public signals as snarkjs does, so
    /// that `snarkjs groth16 verify` and snarkjs's Solidity verifier accept
    /// them. The proof is verified before it is written: a witness that
    /// does not satisfy the circuit is refused.
    Prove {
        /// The circuit's final .zkey.
        zkey: PathBuf,
        /// The witness: a .wtns from circom's witness calculator (WebAssembly or C++) or snarkjs.
        witness: PathBuf,
        /// Where to write the proof (snarkjs's proof.json).
        proof: PathBuf,
        /// Where to write the public signals (snarkjs's public.json).
        public: PathBuf,
        /// MSM/NTT backend: cpu, cuda, or auto (the GPU when its library and a device load, else the CPU).
        #[arg(long, default_value = "auto")]
        backend: zkr_cuda::BackendChoice,
        /// The circuit's .r1cs: check that the witness satisfies every
        /// constraint first, naming the first it breaks.
        #[arg(long, value_name = "R1CS")]
        check: Option<PathBuf>,
        /// Prove with a .zkey no one has contributed to. Its toxic waste is
        /// public, so anyone can forge its proofs: for tests only.
        #[arg(long)]
        allow_insecure: bool,
    },
    /// Writes a Solidity verifier for a verification key, with the interface
    /// of snarkjs's generated verifier (`verifyProof(pA, pB, pC, pubSignals)
    /// returns (bool)`), so that contracts written for snarkjs's take it.
    ExportSolidity {
        /// The verification key (`snarkjs zkey export verificationkey`, or `zkey export-verificationkey`).
        verification_key: PathBuf,
        /// Where to write the contract (`Groth16Verifier`).
        output: PathBuf,
    },
    /// Verifies a proof of public signals under a verification key, all
    /// three in snarkjs's JSON; prints "OK!" and exits 0 when it verifies,
    /// exits 1 when it does not.
    Verify {
        /// The verification key (`snarkjs zkey export verificationkey`, or `zkey export-verificationkey`).
        verification_key: PathBuf,
        /// The public signals.
        public: PathBuf,
        /// The proof.
        proof: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum R1csCommand {
    /// Exports zkr's Groth16 wrap circuit to a .r1cs file.
    ///
    /// The constraints are those zkr's Groth16 prover builds. Wire 0 is the
    /// constant one, wires 1..n the public inputs (one), then the witness:
    /// wire i holds value i of arkworks' assignment (instance, then
    /// witness). Building and synthesizing the circuit takes minutes and
    /// several GB of memory.
    Export {
        /// Batch circuit capacity (pubdata chunks) of the range proofs the
        /// circuit wraps; the prover's keys must be made for the same one.
        #[arg(long, default_value_t = 8)]
        capacity: usize,
        /// Rollup chain id that transfers and withdrawals are signed for; part
        /// of the batch circuit, so it must match the coordinator's.
        #[arg(long = "chain-id", env = "ZKR_CHAIN_ID", value_name = "ID",
              default_value_t = DEFAULT_CHAIN_ID)]
        chain_id: ChainId,
        /// The file to write.
        output: PathBuf,
    },
    /// Checks a .r1cs file (zkr's or circom's, over BN254) and prints its
    /// sizes and the smallest powers-of-tau power that can set it up.
    Info {
        /// The file to read.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum Zkey {
    /// Starts phase 2 for a circuit: its initial keys (snarkjs's `zkey new`,
    /// `groth16 setup`), byte for byte as snarkjs writes them.
    ///
    /// Reads the circuit's .r1cs and the prepared final file of phase 1;
    /// prints the circuit hash every contribution builds on.
    New {
        /// The circuit (`zkr-ceremony r1cs export`, or circom's).
        r1cs: PathBuf,
        /// The final, prepared powers-of-tau file (`ptau prepare`).
        ptau: PathBuf,
        /// The .zkey file to write.
        output: PathBuf,
    },
    /// Adds your secret contribution to the circuit's keys. Prints the
    /// contribution hash to publish.
    ///
    /// The secret comes from the operating system's generator mixed with
    /// optional text you type; it is dropped when the file is written.
    Contribute {
        /// The last .zkey of the ceremony.
        input: PathBuf,
        /// The .zkey file to write.
        output: PathBuf,
        /// Your name, recorded in the file (at most 64 characters kept).
        #[arg(long)]
        name: Option<String>,
        /// Extra entropy text mixed into the OS randomness; "-" reads it from stdin.
        #[arg(long, short = 'e', value_name = "TEXT")]
        entropy: Option<String>,
    },
    /// Adds the final, public contribution from a random beacon (as snarkjs's
    /// `zkey beacon`).
    Beacon {
        /// The last .zkey of the ceremony.
        input: PathBuf,
        /// The .zkey file to write.
        output: PathBuf,
        /// The beacon value in hex (1 to 255 bytes).
        beacon_hash: String,
        /// log2 of the number of SHA-256 iterations (10 to 63).
        iterations_exp: u8,
        /// Name recorded for the beacon contribution.
        #[arg(long)]
        name: Option<String>,
    },
    /// Writes the verifying key as snarkjs's verification_key.json.
    ExportVerificationkey {
        /// The .zkey.
        zkey: PathBuf,
        /// The JSON file to write.
        output: PathBuf,
    },
    /// Writes the final .zkey of the wrap circuit as the keys directory the
    /// zkr prover and coordinator load (`--keys DIR`).
    ///
    /// First it verifies the .zkey against the wrap's .r1cs and the final
    /// powers of tau (as `zkey verify`), and checks that the .r1cs is the wrap
    /// circuit of the given capacity and chain id, whose circuits are built
    /// (minutes): keys of another circuit would make a verifier that refuses
    /// every proof, or accepts another circuit's. A .zkey without a
    /// contribution is refused (anyone can forge its proofs) unless
    /// --allow-insecure, and its keys are then labelled insecure.
    ExportKeys(ExportKeysArgs),
    /// Verifies a .zkey against its circuit and the final powers of tau:
    /// the keys are the circuit's, and every contribution is sound. A .zkey
    /// without a contribution fails: its toxic waste is public, so anyone can
    /// forge its proofs.
    Verify {
        /// The circuit.
        r1cs: PathBuf,
        /// The final, prepared powers-of-tau file.
        ptau: PathBuf,
        /// The .zkey to verify.
        zkey: PathBuf,
    },
}

/// Smallest batch circuit capacity zkr builds, as the `zkr` CLI checks it:
/// the circuit must hold a deposit, which takes 3 pubdata chunks.
const MIN_CAPACITY: usize = 3;

#[derive(Debug, Subcommand)]
enum Ptau {
    /// Starts a ceremony: writes a fresh accumulator (no contributions).
    New {
        /// log2 of the largest circuit the setup will serve (constraints up to 2^power).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=28))]
        power: u32,
        /// The file to write.
        output: PathBuf,
    },
    /// Adds your secret contribution. Prints the contribution hash to publish.
    ///
    /// The secrets come from the operating system's generator mixed with
    /// optional text you type; they are dropped when the file is written.
    Contribute {
        /// The last file of the ceremony.
        input: PathBuf,
        /// The file to write.
        output: PathBuf,
        /// Your name, recorded in the file (at most 64 characters kept).
        #[arg(long)]
        name: Option<String>,
        /// Extra entropy text mixed into the OS randomness; "-" reads it from stdin.
        #[arg(long, short = 'e', value_name = "TEXT")]
        entropy: Option<String>,
    },
    /// Adds the final, public contribution from a random beacon.
    ///
    /// The key is derived from the beacon value (e.g. a future block hash)
    /// hashed 2^ITERATIONS_EXP times with SHA-256, as snarkjs does, so anyone
    /// can recompute it.
    Beacon {
        /// The last file of the ceremony.
        input: PathBuf,
        /// The file to write.
        output: PathBuf,
        /// The beacon value in hex (1 to 255 bytes).
        beacon_hash: String,
        /// log2 of the number of SHA-256 iterations (10 to 63).
        iterations_exp: u8,
        /// Name recorded for the beacon contribution.
        #[arg(long)]
        name: Option<String>,
    },
    /// Prepares the final file of phase 1 for phase 2 (snarkjs's
    /// `powersoftau prepare phase2`).
    ///
    /// Adds the accumulator in the Lagrange basis (sections 12-15) for every
    /// power up to the file's, which phase 2 (`groth16 setup`) reads. Run it
    /// once, on the file that ends the ceremony (after the beacon); the
    /// output is the same, byte for byte, as snarkjs's.
    Prepare {
        /// The last file of the ceremony.
        input: PathBuf,
        /// The file to write.
        output: PathBuf,
    },
    /// Verifies every contribution of a file and its powers (and its phase 2
    /// sections, when prepared).
    Verify {
        /// The file to verify.
        file: PathBuf,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let t = &cli.transcript;
    match cli.command {
        Command::Ptau(Ptau::New { power, output }) => {
            let first = new_accumulator(&output, power)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "Fresh accumulator of power {power} written to {}",
                output.display()
            );
            println!("{}", format_hash(&first, Some("First challenge hash:")));
            if let Some(tr) = output_transcript(t, None, &output)? {
                tr.append(
                    &Entry::now("new")
                        .field("power", power)
                        .text("file", &path_text(&output))
                        .field("first-challenge", hex::encode(first)),
                )?;
            }
        }
        Command::Ptau(Ptau::Contribute {
            input,
            output,
            name,
            entropy,
        }) => {
            let entropy = read_entropy(entropy.as_deref())?;
            let file = PtauFile::open(&input)?;
            let done = contribute(&file, &output, name.clone(), &entropy)?;
            print_contributed(&done, name.as_deref(), &output);
            if let Some(tr) = output_transcript(t, Some(&input), &output)? {
                let entry = contribution_entry("contribute", &done, name.as_deref(), &output);
                tr.append(&entry)?;
            }
        }
        Command::Ptau(Ptau::Beacon {
            input,
            output,
            beacon_hash,
            iterations_exp,
            name,
        }) => {
            let bytes = hex::decode(beacon_hash.trim_start_matches("0x"))
                .with_context(|| format!("beacon hash {beacon_hash:?} is not hex"))?;
            let file = PtauFile::open(&input)?;
            let done = beacon(&file, &output, name.clone(), &bytes, iterations_exp)?;
            print_contributed(&done, name.as_deref(), &output);
            if let Some(tr) = output_transcript(t, Some(&input), &output)? {
                let entry = contribution_entry("beacon", &done, name.as_deref(), &output)
                    .field("beacon", hex::encode(&bytes))
                    .field("iterations-exp", iterations_exp);
                tr.append(&entry)?;
            }
        }
        Command::Ptau(Ptau::Prepare { input, output }) => {
            let file = PtauFile::open(&input)?;
            let started = std::time::Instant::now();
            prepare(&file, &output)?;
            let power = file.header.power;
            println!(
                "Phase 2 sections (Lagrange basis, powers 0..={power}) written to {} in {:.1} s",
                output.display(),
                started.elapsed().as_secs_f64()
            );
            if let Some(tr) = output_transcript(t, Some(&input), &output)? {
                let mut entry = Entry::now("prepare")
                    .field("power", power)
                    .field("contributions", file.contributions.len());
                if let Some(last) = file.contributions.last() {
                    entry = entry.field("last-challenge", hex::encode(last.next_challenge));
                }
                tr.append(&entry.text("file", &path_text(&output)))?;
            }
        }
        Command::Zkey(Zkey::New { r1cs, ptau, output }) => zkey_new(t, &r1cs, &ptau, &output)?,
        Command::Zkey(Zkey::Contribute {
            input,
            output,
            name,
            entropy,
        }) => {
            let entropy = read_entropy(entropy.as_deref())?;
            let file = ZkeyFile::open(&input)?;
            let done = crate::zkey::contribute::contribute(&file, &output, name.clone(), &entropy)?;
            print_written(done.number, &done.hash, name.as_deref(), &output);
            if let Some(tr) = output_transcript(t, Some(&input), &output)? {
                tr.append(&zkey_entry(
                    "zkey-contribute",
                    &done,
                    name.as_deref(),
                    &output,
                ))?;
            }
        }
        Command::Zkey(Zkey::Beacon {
            input,
            output,
            beacon_hash,
            iterations_exp,
            name,
        }) => {
            let bytes = hex::decode(beacon_hash.trim_start_matches("0x"))
                .with_context(|| format!("beacon hash {beacon_hash:?} is not hex"))?;
            let file = ZkeyFile::open(&input)?;
            let done = crate::zkey::contribute::beacon(
                &file,
                &output,
                name.clone(),
                &bytes,
                iterations_exp,
            )?;
            print_written(done.number, &done.hash, name.as_deref(), &output);
            if let Some(tr) = output_transcript(t, Some(&input), &output)? {
                let entry = zkey_entry("zkey-beacon", &done, name.as_deref(), &output)
                    .field("beacon", hex::encode(&bytes))
                    .field("iterations-exp", iterations_exp);
                tr.append(&entry)?;
            }
        }
        Command::Zkey(Zkey::ExportVerificationkey { zkey, output }) => {
            let file = ZkeyFile::open(&zkey)?;
            let pk = crate::zkey::export::proving_key(&file)?;
            let json = crate::zkey::export::verification_key_json(&pk.vk);
            std::fs::write(&output, format!("{json:#}\n"))
                .with_context(|| format!("writing {}", output.display()))?;
            println!("Verifying key written to {}", output.display());
        }
        Command::Zkey(Zkey::ExportKeys(args)) => export_keys(&args)?,
        Command::Zkey(Zkey::Verify { r1cs, ptau, zkey }) => {
            let report = crate::zkey::verify::verify_files(&r1cs, &ptau, &zkey)?;
            crate::zkey::verify::require_contributions(&zkey, report.contributions.len())?;
            println!("{}", format_hash(&report.cs_hash, Some("Circuit Hash:")));
            for c in &report.contributions {
                match &c.name {
                    Some(n) => println!("Contribution #{}: {n}", c.number),
                    None => println!("Contribution #{}", c.number),
                }
                if let ContributionKind::Beacon {
                    hash,
                    iterations_exp,
                } = &c.kind
                {
                    println!(
                        "\tBeacon {} with 2^{iterations_exp} iterations",
                        hex::encode(hash)
                    );
                }
                println!("{}", format_hash(&c.hash, Some("\tContribution Hash:")));
            }
            println!(
                "ZKey OK: {} matches {} and {}, {} contribution(s) verified",
                zkey.display(),
                r1cs.display(),
                ptau.display(),
                report.contributions.len()
            );
        }
        Command::Ptau(Ptau::Verify { file: path }) => {
            let file = PtauFile::open(&path)?;
            let report = verify(&file)?;
            for c in &report.contributions {
                let label = match &c.name {
                    Some(n) => format!("Contribution #{}: {n}", c.number),
                    None => format!("Contribution #{}", c.number),
                };
                println!("{label}");
                if let ContributionKind::Beacon {
                    hash,
                    iterations_exp,
                } = &c.kind
                {
                    println!(
                        "\tBeacon {} with 2^{iterations_exp} iterations",
                        hex::encode(hash)
                    );
                }
                println!(
                    "{}",
                    format_hash(&c.response_hash, Some("\tContribution Hash:"))
                );
                println!(
                    "{}",
                    format_hash(&c.next_challenge, Some("\tNext Challenge Hash:"))
                );
            }
            if report.has_phase2 {
                println!(
                    "Phase 2 sections (12-15) OK: the Lagrange basis of every power 0..={}",
                    file.header.power
                );
            }
            if report.truncated {
                println!(
                    "Truncated file: its powers are checked, its last challenge hash cannot be"
                );
            }
            let transcript = match (&t.transcript, t.no_transcript) {
                (_, true) => None,
                (Some(p), false) => Some(Transcript::at(p)),
                (None, false) => {
                    let p = Transcript::default_for(&path);
                    if p.exists() {
                        Some(Transcript::at(&p))
                    } else {
                        tracing::warn!(
                            "no transcript at {}: contributions not checked against one",
                            p.display()
                        );
                        None
                    }
                }
            };
            if let Some(tr) = transcript {
                tr.check(&report)?;
                println!("Transcript {} agrees with the file", tr.path().display());
                tr.append(
                    &Entry::now("verify")
                        .field("contributions", report.contributions.len())
                        .field("final-challenge", hex::encode(report.final_challenge))
                        .text("file", &path_text(&path))
                        .field("result", "ok"),
                )?;
            }
            println!(
                "Powers of tau file OK: {} contribution(s) verified",
                report.contributions.len()
            );
        }
        Command::R1cs(R1csCommand::Export {
            capacity,
            chain_id,
            output,
        }) => export_wrap(capacity, chain_id, &output)?,
        Command::R1cs(R1csCommand::Info { file }) => {
            let r1cs = R1cs::read(&file)?;
            println!("{}: a valid .r1cs file over BN254 (bn-128)", file.display());
            print_figures(&r1cs);
        }
        Command::Groth16(command) => groth16(command)?,
    }
    Ok(())
}

/// Runs `groth16 prove`, `verify` or `export-solidity`.
pub fn groth16(command: Groth16Command) -> Result<()> {
    match command {
        Groth16Command::Prove {
            zkey,
            witness,
            proof,
            public,
            backend,
            check,
            allow_insecure,
        } => {
            let selected = zkr_cuda::select(backend).context("loading the MSM/NTT backend")?;
            tracing::info!(backend = selected.backend.name(), reason = %selected.reason, "backend");
            let options = crate::groth16::ProveOptions {
                allow_insecure,
                check: check.as_deref(),
            };
            let started = std::time::Instant::now();
            let proven = step(&format!("proving {}", witness.display()), || {
                crate::groth16::prove(
                    selected.backend.as_ref(),
                    &zkey,
                    &witness,
                    options,
                    &mut rand::rngs::OsRng,
                )
            })?;
            for (path, json) in [
                (&proof, crate::zkey::export::proof_json(&proven.proof)),
                (&public, crate::zkey::export::public_json(&proven.public)),
            ] {
                std::fs::write(path, format!("{json:#}\n"))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            println!(
                "Proof written to {} and {} public signal(s) to {} in {:.2} s ({} backend)",
                proof.display(),
                proven.public.len(),
                public.display(),
                started.elapsed().as_secs_f64(),
                selected.backend.name()
            );
        }
        Groth16Command::ExportSolidity {
            verification_key,
            output,
        } => {
            let source = crate::groth16::json::solidity_verifier(&verification_key)?;
            std::fs::write(&output, source)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "Solidity verifier (contract {}) written to {}",
                zkr_contracts::GROTH16_VERIFIER_CONTRACT,
                output.display()
            );
        }
        Groth16Command::Verify {
            verification_key,
            public,
            proof,
        } => {
            if !crate::groth16::json::verify_files(&verification_key, &public, &proof)? {
                bail!(
                    "INVALID proof: {} does not prove {} under {}",
                    proof.display(),
                    public.display(),
                    verification_key.display()
                );
            }
            println!("OK!");
        }
    }
    Ok(())
}

/// `r1cs export`: builds the circuits of `capacity`, then the shrink and wrap
/// circuits over them, and writes the wrap circuit's R1CS to `output`.
fn export_wrap(capacity: usize, chain_id: ChainId, output: &Path) -> Result<()> {
    if capacity < MIN_CAPACITY {
        bail!("capacity {capacity} is too small: a deposit takes {MIN_CAPACITY} chunks");
    }
    let started = std::time::Instant::now();
    let shrink = build_shrink(capacity, chain_id)?;
    let wrap = WrapCircuit::new(&shrink, None).context("building the wrap circuit")?;
    let r1cs = step("synthesizing the wrap circuit's constraints", || {
        crate::r1cs::export::from_circuit(wrap)
    })
    .context("exporting the wrap circuit")?;
    step(&format!("writing {}", output.display()), || {
        r1cs.write(output)
    })?;
    let size = std::fs::metadata(output).map_or(0, |m| m.len());
    println!(
        "Wrap circuit (capacity {capacity}, chain id {chain_id}) written to {} ({:.1} MB) in {:.1} s",
        output.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    print_figures(&r1cs);
    Ok(())
}

/// The shrink circuit over the aggregation circuit of `capacity`: what the
/// wrap circuit verifies, and what names its keys.
fn build_shrink(capacity: usize, chain_id: ChainId) -> Result<ShrinkCircuit> {
    if capacity < MIN_CAPACITY {
        bail!("capacity {capacity} is too small: a deposit takes {MIN_CAPACITY} chunks");
    }
    let circuits = step(
        &format!("building the batch and aggregation circuits (capacity {capacity})"),
        || Circuits::build(capacity, chain_id),
    )
    .with_context(|| format!("building the circuits of capacity {capacity}"))?;
    // Only the shrink circuit is needed from here: the plonky2 circuits'
    // prover data is freed on return.
    Ok(step("building the shrink circuit", || {
        ShrinkCircuit::build(circuits.aggregation())
    }))
}

/// What `zkey export-keys` reads and writes.
#[derive(Debug, Args)]
struct ExportKeysArgs {
    /// The final .zkey (after the beacon).
    zkey: PathBuf,
    /// The wrap circuit's .r1cs (`r1cs export`), which the .zkey must be of.
    #[arg(long, value_name = "FILE")]
    r1cs: PathBuf,
    /// The final, prepared powers-of-tau file the .zkey was made from.
    #[arg(long, value_name = "FILE")]
    ptau: PathBuf,
    /// The keys directory to write.
    #[arg(long, value_name = "DIR")]
    keys: PathBuf,
    /// Batch circuit capacity (pubdata chunks) the wrap circuit is for.
    #[arg(long, default_value_t = 8)]
    capacity: usize,
    /// Rollup chain id the circuits are built for.
    #[arg(long = "chain-id", env = "ZKR_CHAIN_ID", value_name = "ID",
          default_value_t = DEFAULT_CHAIN_ID)]
    chain_id: ChainId,
    /// Replace keys already in the directory.
    #[arg(long)]
    force: bool,
    /// Export a .zkey without contributions, labelled insecure (tests only).
    #[arg(long)]
    allow_insecure: bool,
}

/// `zkey export-keys`: the final `.zkey` of the wrap circuit, verified and
/// tied to the wrap circuit, as the keys directory zkr's prover and
/// coordinator load.
fn export_keys(e: &ExportKeysArgs) -> Result<()> {
    let dir = KeysDir::new(&e.keys);
    if dir.exists() && !e.force {
        bail!(
            "{} already holds wrap keys; pass --force to replace them",
            e.keys.display()
        );
    }
    let file = ZkeyFile::open(&e.zkey)?;
    if file.header.n_public != 1 {
        bail!(
            "{}: {} public inputs, the wrap circuit has 1: not the wrap circuit's keys",
            e.zkey.display(),
            file.header.n_public
        );
    }
    let contributions = file.mpc.contributions.len();
    let origin = if contributions == 0 && e.allow_insecure {
        tracing::warn!(
            "{} has no contributions: its toxic waste is public, so anyone can forge its proofs; exporting it labelled insecure (--allow-insecure)",
            e.zkey.display()
        );
        Origin::InsecureDev
    } else {
        crate::zkey::verify::require_contributions(&e.zkey, contributions)?;
        Origin::Ceremony
    };
    let report = step(
        "verifying the .zkey against the circuit and the powers of tau",
        || crate::zkey::verify::verify_files(&e.r1cs, &e.ptau, &e.zkey),
    )?;
    let circuit = R1cs::read(&e.r1cs)?;
    let shrink = build_shrink(e.capacity, e.chain_id)?;
    let wrap = WrapCircuit::new(&shrink, None).context("building the wrap circuit")?;
    let expected = step("synthesizing the wrap circuit's constraints", || {
        crate::r1cs::export::from_circuit(wrap)
    })
    .context("synthesizing the wrap circuit")?;
    if circuit != expected {
        bail!(
            "{} is not the wrap circuit of capacity {}, chain id {} ({} constraints and {} wires, the wrap has {} and {}): the .zkey is of another circuit",
            e.r1cs.display(),
            e.capacity,
            e.chain_id,
            circuit.constraints.len(),
            circuit.n_wires,
            expected.constraints.len(),
            expected.n_wires
        );
    }
    drop((circuit, expected));
    let pk = step("reading the proving key", || {
        crate::zkey::export::proving_key(&file)
    })?;
    let id = circuit_id(&shrink);
    step(&format!("writing {}", e.keys.display()), || {
        dir.write(&id, origin, Some(&pk), &pk.vk)
    })
    .with_context(|| format!("writing the keys to {}", e.keys.display()))?;
    println!(
        "Keys of {} ({} contribution(s) verified, circuit hash {}) written to {} for the wrap of capacity {} (circuit {id}){}",
        e.zkey.display(),
        report.contributions.len(),
        hex::encode(&report.cs_hash[..8]),
        e.keys.display(),
        e.capacity,
        if origin == Origin::InsecureDev {
            ": INSECURE, for tests only"
        } else {
            ""
        }
    );
    Ok(())
}

/// Runs a long step under a spinner and logs its duration.
fn step<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let spinner = progress::spinner(what);
    let started = std::time::Instant::now();
    let out = f();
    spinner.finish_and_clear();
    tracing::info!("{what}: {:.1} s", started.elapsed().as_secs_f64());
    out
}

/// The figures `snarkjs r1cs info` prints, and the ptau power phase 2 needs.
fn print_figures(r1cs: &R1cs) {
    println!("Wires:            {}", r1cs.n_wires);
    println!("Constraints:      {}", r1cs.constraints.len());
    println!("Public inputs:    {}", r1cs.n_pub_in);
    println!("Public outputs:   {}", r1cs.n_pub_out);
    println!("Private inputs:   {}", r1cs.n_prv_in);
    println!("Labels:           {}", r1cs.n_labels);
    println!("Terms (A, B, C):  {}", r1cs.num_terms());
    let power = r1cs.min_ptau_power();
    println!("Smallest ptau:    power {power} (snarkjs's rule: a .ptau of this power or more)");
}

/// Runs `zkey new`.
fn zkey_new(t: &TranscriptArgs, r1cs: &Path, ptau: &Path, output: &Path) -> Result<()> {
    let circuit = R1cs::read(r1cs)?;
    let file = PtauFile::open(ptau)?;
    let started = std::time::Instant::now();
    let hash = crate::zkey::new::new_zkey(&circuit, &file, output)
        .with_context(|| format!("writing {}", output.display()))?;
    println!(
        "Initial keys of {} ({} constraints, domain 2^{}) written to {} in {:.1} s",
        r1cs.display(),
        circuit.constraints.len(),
        crate::zkey::new::domain_power(&circuit),
        output.display(),
        started.elapsed().as_secs_f64()
    );
    println!("{}", format_hash(&hash, Some("Circuit Hash:")));
    if let Some(tr) = output_transcript(t, None, output)? {
        tr.append(
            &Entry::now("zkey-new")
                .text("r1cs", &path_text(r1cs))
                .text("ptau", &path_text(ptau))
                .field("circuit-hash", hex::encode(hash))
                .text("file", &path_text(output)),
        )?;
    }
    Ok(())
}

fn read_entropy(entropy: Option<&str>) -> Result<Vec<u8>> {
    Ok(match entropy {
        Some("-") => {
            let mut text = Vec::new();
            std::io::stdin()
                .read_to_end(&mut text)
                .context("reading entropy from stdin")?;
            text
        }
        Some(text) => text.as_bytes().to_vec(),
        None => Vec::new(),
    })
}

fn zkey_entry(action: &str, done: &ZkeyContributed, name: Option<&str>, output: &Path) -> Entry {
    contributed_entry(action, done.number, &done.hash, name, output)
        .field("circuit-hash", hex::encode(done.cs_hash))
}

/// A transcript line for contribution `number` with hash `hash`.
fn contributed_entry(
    action: &str,
    number: usize,
    hash: &crate::hash::Hash,
    name: Option<&str>,
    output: &Path,
) -> Entry {
    let mut e = Entry::now(action).field("number", number);
    if let Some(name) = name {
        e = e.text(
            "name",
            &crate::ptau::format::Contribution::truncate_name(name),
        );
    }
    e.field("contribution-hash", hex::encode(hash))
        .text("file", &path_text(output))
}

/// Prints where contribution `number` went and the hash to publish.
fn print_written(number: usize, hash: &crate::hash::Hash, name: Option<&str>, output: &Path) {
    match name {
        Some(n) => println!(
            "Contribution #{number} ({n}) written to {}",
            output.display()
        ),
        None => println!("Contribution #{number} written to {}", output.display()),
    }
    println!(
        "{}",
        format_hash(hash, Some("Contribution Hash (publish it):"))
    );
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

fn contribution_entry(
    action: &str,
    done: &Contributed,
    name: Option<&str>,
    output: &Path,
) -> Entry {
    contributed_entry(action, done.number, &done.response_hash, name, output)
        .field("next-challenge", hex::encode(done.next_challenge))
}

fn print_contributed(done: &Contributed, name: Option<&str>, output: &Path) {
    print_written(done.number, &done.response_hash, name, output);
    println!(
        "{}",
        format_hash(&done.next_challenge, Some("Next Challenge Hash:"))
    );
}

/// The transcript a command writing `output` appends to; the default one
/// starts as a copy of the input's.
fn output_transcript(
    t: &TranscriptArgs,
    input: Option<&Path>,
    output: &Path,
) -> Result<Option<Transcript>> {
    if t.no_transcript {
        return Ok(None);
    }
    if let Some(p) = &t.transcript {
        return Ok(Some(Transcript::at(p)));
    }
    let out = Transcript::default_for(output);
    if out.exists() {
        std::fs::remove_file(&out)
            .with_context(|| format!("replacing stale transcript {}", out.display()))?;
    }
    if let Some(input) = input {
        let from = Transcript::default_for(input);
        if from.exists() {
            std::fs::copy(&from, &out).with_context(|| {
                format!("copying transcript {} to {}", from.display(), out.display())
            })?;
        } else {
            tracing::warn!(
                "no transcript at {}: starting a new one at {}",
                from.display(),
                out.display()
            );
        }
    }
    if out.is_dir() {
        bail!("transcript path {} is a directory", out.display());
    }
    Ok(Some(Transcript::at(&out)))
}
