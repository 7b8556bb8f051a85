//! The `zkr-ceremony` command line.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::hash::format_hash;
use crate::ptau::contribute::{beacon, contribute, Contributed};
use crate::ptau::format::{ContributionKind, PtauFile};
use crate::ptau::new::new_accumulator;
use crate::ptau::verify::verify;
use crate::transcript::{Entry, Transcript};

/// zkr's trusted-setup ceremony (Groth16 over BN254).
///
/// Phase 1 is a powers-of-tau ceremony in snarkjs's .ptau format: files
/// made here can be contributed to and verified with snarkjs and the other
/// way round. Every command appends a line to a human-readable transcript
/// (by default <output>.transcript, continuing the input's transcript).
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
}

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
    /// Verifies every contribution of a file and its powers.
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
            let entropy = match entropy.as_deref() {
                Some("-") => {
                    let mut text = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut text)
                        .context("reading entropy from stdin")?;
                    text
                }
                Some(text) => text.as_bytes().to_vec(),
                None => Vec::new(),
            };
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
                    "Phase 2 sections (12-15) present but NOT verified by this version: \
                     run `snarkjs powersoftau verify` on them, or prepare them again"
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
    }
    Ok(())
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
    let mut e = Entry::now(action).field("number", done.number);
    if let Some(name) = name {
        e = e.text(
            "name",
            &crate::ptau::format::Contribution::truncate_name(name),
        );
    }
    e.field("contribution-hash", hex::encode(done.response_hash))
        .field("next-challenge", hex::encode(done.next_challenge))
        .text("file", &path_text(output))
}

fn print_contributed(done: &Contributed, name: Option<&str>, output: &Path) {
    match name {
        Some(n) => println!(
            "Contribution #{} ({n}) written to {}",
            done.number,
            output.display()
        ),
        None => println!(
            "Contribution #{} written to {}",
            done.number,
            output.display()
        ),
    }
    println!(
        "{}",
        format_hash(&done.response_hash, Some("Contribution Hash (publish it):"))
    );
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
