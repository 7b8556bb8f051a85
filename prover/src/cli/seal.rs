//! `zkr seal`: close the open range now (every accepted batch since the last
//! sealed range) so that its aggregation starts, and with `--wait` follow it
//! until its range proof is stored.

use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use zkr_proto::v1;
use zkr_prover::coordinator::now_ms;

use super::config::{status_error, SequencerConnection};
use super::status::{range_line, range_status_name, span};
use super::{runtime, shutdown_signal};

/// How often `--wait` asks for the range's progress.
const POLL: Duration = Duration::from_millis(500);

/// Options of `zkr seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Wait until the range is proven (exit 0) or fails (exit 1), printing
    /// each aggregation step as it is proven.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub connection: SequencerConnection,
}

/// Runs `zkr seal`.
pub fn run(args: SealArgs) -> anyhow::Result<()> {
    let url = args.connection.coordinator.clone();
    runtime()?.block_on(async {
        let mut api = args.connection.connect().await?;
        let r = api
            .seal_range(v1::SealRangeRequest {})
            .await
            .map_err(status_error)
            .with_context(|| format!("sealing the open range at {url}"))?
            .into_inner();
        let first = r.range.as_ref().map_or(0, |b| b.first);
        println!(
            "range {} sealed: {} aggregation steps",
            span(r.range.as_ref()),
            r.steps_total
        );
        if !args.wait {
            println!("{}", range_line(&r, now_ms()));
            return Ok(());
        }
        let interrupted = shutdown_signal();
        tokio::pin!(interrupted);
        let mut done = 0;
        loop {
            let r = api
                .get_range(v1::GetRangeRequest {
                    batch_number: first,
                })
                .await
                .map_err(status_error)
                .with_context(|| format!("asking {url} for range {first}"))?
                .into_inner();
            let mut proven: Vec<&v1::AggregationStep> =
                r.steps.iter().filter(|s| s.proven_at_ms > 0).collect();
            proven.sort_by_key(|s| s.proven_at_ms);
            for s in proven.iter().skip(done) {
                println!(
                    "step {} (level {}) proven",
                    span(s.range.as_ref()),
                    s.level
                );
            }
            done = done.max(proven.len());
            match v1::RangeStatus::try_from(r.status) {
                Ok(v1::RangeStatus::Proven) => {
                    println!("{}", range_line(&r, now_ms()));
                    return Ok(());
                }
                Ok(v1::RangeStatus::Failed) => anyhow::bail!(
                    "range {} failed: {}",
                    span(r.range.as_ref()),
                    r.error
                ),
                _ => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = &mut interrupted => {
                    println!("range {}: {}, stopped waiting", span(r.range.as_ref()), range_status_name(r.status));
                    return Ok(());
                }
            }
        }
    })
}
