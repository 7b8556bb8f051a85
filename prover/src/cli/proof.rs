//! `zkr proof`: fetch a batch's proof, a sealed range's range proof or its
//! wrapped (Groth16) proof from the coordinator and write its bytes,
//! optionally checking it locally first.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context as _;
use clap::Args;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::keys::KeysDir;
use zkr_aggregator::wrap::public_input::{public_input_bytes, public_input_of};
use zkr_aggregator::RangeProof;
use zkr_circuits::batch::{BatchProof, BatchPublicValues};
use zkr_proto::convert::root_from_bytes;
use zkr_proto::convert::root_to_bytes;
use zkr_proto::v1;

use super::config::{status_error, SequencerConnection};
use super::proving::build_circuits;
use super::{root_hex, runtime};

/// A range of batches on the command line: `FIRST..LAST`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeArg {
    /// First batch.
    pub first: u64,
    /// Last batch.
    pub last: u64,
}

impl FromStr for RangeArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a range: expected FIRST..LAST, e.g. 1..8");
        let (a, b) = s.split_once("..").ok_or_else(bad)?;
        let first: u64 = a.trim().parse().map_err(|_| bad())?;
        let last: u64 = b.trim().parse().map_err(|_| bad())?;
        if first == 0 || last < first {
            return Err(format!(
                "{s:?}: expected 1 <= FIRST <= LAST (batches are numbered from 1)"
            ));
        }
        Ok(Self { first, last })
    }
}

impl std::fmt::Display for RangeArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// Options of `zkr proof`.
#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The batch whose proof to fetch.
    #[arg(value_name = "BATCH", required_unless_present = "range")]
    pub batch: Option<u64>,
    /// Fetch the range proof of the sealed range FIRST..LAST (both included;
    /// its bounds exactly, as `zkr status` lists them) instead of a batch proof.
    #[arg(long, value_name = "FIRST..LAST", conflicts_with = "batch")]
    pub range: Option<RangeArg>,
    /// With --range: fetch the range's wrapped proof (Groth16, the 256 bytes L1
    /// checks) instead of its range proof.
    #[arg(long, requires = "range")]
    pub wrap: bool,
    /// Where to write the proof bytes (plonky2's encoding with public inputs;
    /// with --wrap, the 256-byte EVM encoding).
    #[arg(short = 'o', long = "output", value_name = "PROOF_FILE")]
    pub output: PathBuf,
    /// Verify the proof and the roots and commitment it states before writing
    /// it (builds the circuits of the proof's capacity: seconds). A wrapped
    /// proof is verified with the verifying key of --wrap-keys.
    #[arg(long)]
    pub verify: bool,
    /// The wrap's keys directory whose verifying key checks a wrapped proof
    /// (with --wrap --verify).
    #[arg(long, env = "ZKR_WRAP_KEYS", value_name = "DIR")]
    pub wrap_keys: Option<PathBuf>,
    #[command(flatten)]
    pub connection: SequencerConnection,
}

/// Runs `zkr proof`.
pub fn run(args: ProofArgs) -> anyhow::Result<()> {
    use v1::get_proof_request::Target;
    anyhow::ensure!(
        !(args.wrap && args.verify && args.wrap_keys.is_none()),
        "--verify of a wrapped proof needs the verifying key: pass --wrap-keys DIR"
    );
    let (what, request) = match (args.range, args.batch) {
        (Some(r), _) if args.wrap => (
            format!("range {r}"),
            v1::GetProofRequest {
                target: Some(Target::Range(v1::BatchRange {
                    first: r.first,
                    last: r.last,
                })),
                kind: v1::ProofKind::Wrap as i32,
            },
        ),
        (Some(r), _) => (
            format!("range {r}"),
            v1::GetProofRequest {
                target: Some(Target::Range(v1::BatchRange {
                    first: r.first,
                    last: r.last,
                })),
                kind: v1::ProofKind::Aggregate as i32,
            },
        ),
        (None, Some(n)) => (
            format!("batch {n}"),
            v1::GetProofRequest {
                target: Some(Target::BatchNumber(n)),
                kind: v1::ProofKind::Batch as i32,
            },
        ),
        (None, None) => anyhow::bail!("name a BATCH or a --range"),
    };
    let url = args.connection.coordinator.clone();
    let p = runtime()?
        .block_on(async {
            let mut api = args.connection.connect().await?;
            api.get_proof(request)
                .await
                .map(|r| r.into_inner())
                .map_err(status_error)
        })
        .with_context(|| format!("fetching the proof of {what} from {url}"))?;
    if args.verify {
        let checked = match &args.wrap_keys {
            Some(keys) if args.wrap => verify_wrapped(&p, keys),
            _ => verify(&what, &p),
        };
        checked.with_context(|| format!("the proof of {what} from {url} is not written"))?;
    }
    std::fs::write(&args.output, &p.proof)
        .with_context(|| format!("writing {}", args.output.display()))?;
    let kind = match v1::ProofKind::try_from(p.kind) {
        Ok(v1::ProofKind::Aggregate) => "range proof",
        Ok(v1::ProofKind::Wrap) => "wrapped proof (Groth16, EVM encoding)",
        _ => "proof",
    };
    println!(
        "{what}: {kind}{} written to {} ({} bytes)",
        if args.verify { " verified and" } else { "" },
        args.output.display(),
        p.proof.len()
    );
    println!("  old root:    0x{}", root_hex(&p.old_root));
    println!("  new root:    0x{}", root_hex(&p.new_root));
    println!("  commitment:  0x{}", hex::encode(&p.commitment));
    println!(
        "  circuit:     capacity {}, chain id {}",
        p.circuit_capacity, p.chain_id
    );
    if !p.public_input.is_empty() {
        println!("  public input: 0x{}", hex::encode(&p.public_input));
    }
    Ok(())
}

/// Checks a wrapped proof with the verifying key in `keys` (checked against
/// the manifest's hash) for the public input recomputed from the roots and
/// commitment the coordinator reports. The circuits are not built: a proof
/// that verifies under the keys proves their circuit's statement, and which
/// circuit the keys are for is `zkr l1 deploy`'s check.
fn verify_wrapped(p: &v1::ProofResponse, keys: &std::path::Path) -> anyhow::Result<()> {
    let dir = KeysDir::new(keys);
    let manifest = dir
        .manifest()
        .with_context(|| format!("reading the wrap keys in {}", keys.display()))?;
    let vk = dir
        .verifying_key(&manifest.circuit_id)
        .with_context(|| format!("reading the verifying key in {}", keys.display()))?;
    if manifest.origin == zkr_aggregator::wrap::keys::Origin::InsecureDev {
        tracing::warn!(
            dir = %keys.display(),
            "these are INSECURE development keys: whoever made them can forge a proof that verifies"
        );
    }
    let values = BatchPublicValues {
        old_root: root_from_bytes("old_root", &p.old_root)?,
        new_root: root_from_bytes("new_root", &p.new_root)?,
        commitment: p.commitment.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!("commitment is {} bytes, expected 32", p.commitment.len())
        })?,
    };
    let proof = groth16::evm_to_proof(&p.proof).context("decoding the wrapped proof")?;
    let public_input = public_input_of(&values);
    groth16::verify(&vk, public_input, &proof).with_context(|| {
        format!(
            "verifying the wrapped proof with the keys of wrap circuit {}",
            manifest.circuit_id
        )
    })?;
    let input = public_input_bytes(&public_input);
    anyhow::ensure!(
        p.public_input == input,
        "the coordinator reports public input 0x{}, the roots and commitment give 0x{}",
        hex::encode(&p.public_input),
        hex::encode(input)
    );
    Ok(())
}

/// Checks that the proof verifies and states the roots and commitment the coordinator reports.
fn verify(what: &str, p: &v1::ProofResponse) -> anyhow::Result<()> {
    let capacity = p.circuit_capacity as usize;
    super::check_capacity(capacity)?;
    let circuits = build_circuits(capacity, p.chain_id)?;
    let values: BatchPublicValues = if p.kind == v1::ProofKind::Aggregate as i32 {
        let proof = RangeProof::from_bytes(&p.proof, circuits.aggregation())
            .context("decoding the range proof")?;
        circuits
            .aggregation()
            .verify(&proof)
            .context("verifying the range proof")?;
        proof
            .public_values()
            .context("reading the proof's public values")?
    } else {
        let proof =
            BatchProof::from_bytes(&p.proof, circuits.batch()).context("decoding the proof")?;
        circuits
            .batch()
            .verify(&proof)
            .context("verifying the proof")?;
        proof
            .public_values()
            .context("reading the proof's public values")?
    };
    for (name, proven, reported) in [
        ("old root", root_to_bytes(&values.old_root), &p.old_root),
        ("new root", root_to_bytes(&values.new_root), &p.new_root),
        ("commitment", values.commitment.to_vec(), &p.commitment),
    ] {
        anyhow::ensure!(
            &proven == reported,
            "{what}: the proof states {name} {}, the coordinator reports {}",
            hex::encode(&proven),
            hex::encode(reported)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_first_dot_dot_last() {
        assert_eq!("3..9".parse(), Ok(RangeArg { first: 3, last: 9 }));
        assert_eq!("4..4".parse(), Ok(RangeArg { first: 4, last: 4 }));
        for bad in ["3", "9..3", "0..2", "a..b", "1...2", ""] {
            assert!(
                bad.parse::<RangeArg>().is_err(),
                "expected {bad:?} to be refused"
            );
        }
    }
}
