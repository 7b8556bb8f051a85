//! `zkr proof`: fetch a batch's proof from the coordinator and write its bytes,
//! optionally checking it locally first.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use zkr_circuits::batch::BatchProof;
use zkr_proto::convert::root_to_bytes;
use zkr_proto::v1;

use super::config::{status_error, SequencerConnection};
use super::proving::build_circuit;
use super::{root_hex, runtime};

/// Options of `zkr proof`.
#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The batch whose proof to fetch.
    #[arg(value_name = "BATCH")]
    pub batch: u64,
    /// Where to write the proof bytes (plonky2's encoding with public inputs).
    #[arg(short = 'o', long = "output", value_name = "PROOF_FILE")]
    pub output: PathBuf,
    /// Verify the proof and the roots and commitment it states before writing
    /// it (builds the batch circuit of the proof's capacity: seconds).
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub connection: SequencerConnection,
}

/// Runs `zkr proof`.
pub fn run(args: ProofArgs) -> anyhow::Result<()> {
    let n = args.batch;
    let url = args.connection.coordinator.clone();
    let p = runtime()?
        .block_on(async {
            let mut api = args.connection.connect().await?;
            api.get_proof(v1::GetProofRequest {
                target: Some(v1::get_proof_request::Target::BatchNumber(n)),
            })
            .await
            .map(|r| r.into_inner())
            .map_err(status_error)
        })
        .with_context(|| format!("fetching the proof of batch {n} from {url}"))?;
    if args.verify {
        verify(n, &p)
            .with_context(|| format!("the proof of batch {n} from {url} is not written"))?;
    }
    std::fs::write(&args.output, &p.proof)
        .with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "batch {n}: proof{} written to {} ({} bytes)",
        if args.verify { " verified and" } else { "" },
        args.output.display(),
        p.proof.len()
    );
    println!("  old root:    0x{}", root_hex(&p.old_root));
    println!("  new root:    0x{}", root_hex(&p.new_root));
    println!("  commitment:  0x{}", hex::encode(&p.commitment));
    println!("  circuit:     capacity {}", p.circuit_capacity);
    Ok(())
}

/// Checks that the proof verifies and states the roots and commitment the coordinator reports.
fn verify(n: u64, p: &v1::ProofResponse) -> anyhow::Result<()> {
    let capacity = p.circuit_capacity as usize;
    super::check_capacity(capacity)?;
    let circuit = build_circuit(capacity);
    let proof = BatchProof::from_bytes(&p.proof, &circuit).context("decoding the proof")?;
    circuit.verify(&proof).context("verifying the proof")?;
    let values = proof
        .public_values()
        .context("reading the proof's public values")?;
    for (what, proven, reported) in [
        ("old root", root_to_bytes(&values.old_root), &p.old_root),
        ("new root", root_to_bytes(&values.new_root), &p.new_root),
        ("commitment", values.commitment.to_vec(), &p.commitment),
    ] {
        anyhow::ensure!(
            &proven == reported,
            "batch {n}: the proof states {what} {}, the coordinator reports {}",
            hex::encode(&proven),
            hex::encode(reported)
        );
    }
    Ok(())
}
