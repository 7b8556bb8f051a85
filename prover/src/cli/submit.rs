//! `zkr submit`: hand a batch to the coordinator as a sequencer does. The
//! roots the coordinator needs (the pre-state root the batch is built on, the
//! post-state root it leads to) come from executing the batch on the
//! sequencer's own replica of the state, which is committed only once the
//! coordinator has accepted the batch.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use tracing::{info, warn};
use zkr_circuits::executor::execute;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, StateBackend};
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;

use super::config::{status_error, SequencerConnection};
use super::{check_capacity, open_state, runtime, OpCounts};

/// Options of `zkr submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The batch, as JSON (see `zkr gen-batch`).
    #[arg(value_name = "FILE.json")]
    pub batch: PathBuf,
    /// The sequencer's state replica (holds state.redb; a missing one starts
    /// empty): the batch is executed on it to compute its roots, and it is
    /// committed only when the coordinator accepts the batch.
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// The coordinator's batch circuit capacity, in pubdata chunks (the batch
    /// must fit it).
    #[arg(long, default_value_t = 8)]
    pub capacity: usize,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    #[command(flatten)]
    pub connection: SequencerConnection,
}

/// Runs `zkr submit`.
pub fn run(args: SubmitArgs) -> anyhow::Result<()> {
    check_capacity(args.capacity)?;
    let json = std::fs::read_to_string(&args.batch)
        .with_context(|| format!("reading batch {}", args.batch.display()))?;
    let batch: Batch = serde_json::from_str(&json)
        .with_context(|| format!("parsing batch {}", args.batch.display()))?;
    let number = batch.number;
    let mut replica = open_state(&args.state_dir)?;
    let exec =
        execute(&replica, &batch, args.capacity, args.chain.chain_id).with_context(|| {
            format!(
                "batch {number} does not execute on the replica {}; nothing submitted",
                args.state_dir.display()
            )
        })?;
    let submission = BatchSubmission {
        batch,
        expected_old_root: exec.old_root,
        claimed_new_root: exec.new_root,
    };
    let url = args.connection.coordinator.clone();
    let response = runtime()?
        .block_on(async {
            let mut api = args.connection.connect().await?;
            api.submit_batch(v1::SubmitBatchRequest::from(&submission))
                .await
                .map(|r| r.into_inner())
                .map_err(status_error)
        })
        .with_context(|| {
            format!(
                "submitting batch {number} to {url}; the replica {} is unchanged",
                args.state_dir.display()
            )
        })?;

    // Accepted now or before (an identical resubmission): the coordinator's state
    // has moved past this batch either way, and the replica follows it.
    replica.commit(&exec.writes).with_context(|| {
        format!(
            "the coordinator accepted batch {number}, but committing it to the replica {} failed",
            args.state_dir.display()
        )
    })?;
    if response.commitment != exec.commitment {
        warn!(
            batch = number,
            "the coordinator's commitment differs from the replica's: is --capacity {} the \
             coordinator's capacity?",
            args.capacity
        );
    }
    info!(
        batch = number,
        accepted_now = response.accepted_now,
        "batch submitted"
    );
    if response.accepted_now {
        println!(
            "batch {number} accepted: {}",
            OpCounts::of(&submission.batch)
        );
    } else {
        println!("batch {number} was already accepted with identical content");
    }
    println!("  old root:    0x{}", digest_hex(&exec.old_root));
    println!("  new root:    0x{}", digest_hex(&exec.new_root));
    println!("  commitment:  0x{}", hex::encode(&response.commitment));
    println!("  replica {} committed", args.state_dir.display());
    Ok(())
}
