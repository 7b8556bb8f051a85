//! `zkr admin`: the operator's calls to the coordinator's Admin API.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use zkr_circuits::state::digest_hex;
use zkr_proto::convert::root_from_bytes;
use zkr_proto::v1;
use zkr_prover::client;

use super::config::{status_error, DEFAULT_COORDINATOR_URL};
use super::runtime;

/// Options of `zkr admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    connection: AdminConnection,
    #[command(subcommand)]
    command: AdminCommand,
}

/// How the operator reaches the coordinator's Admin API.
#[derive(Debug, Args)]
struct AdminConnection {
    /// Coordinator URL (https:// with --tls-ca).
    #[arg(long, env = "ZKR_COORDINATOR", default_value = DEFAULT_COORDINATOR_URL, value_name = "URL", global = true)]
    coordinator: String,
    /// Admin bearer token (the coordinator's --admin-token).
    #[arg(
        long,
        env = "ZKR_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        global = true
    )]
    token: Option<String>,
    /// CA certificate (PEM) the coordinator's TLS certificate is checked against.
    #[arg(long, env = "ZKR_TLS_CA", value_name = "PEM", global = true)]
    tls_ca: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Drop every accepted batch after --to: their state changes, proofs and
    /// jobs, and the sealed ranges after it, as the rollup contract's
    /// revertBatches (`zkr l1 revert`, run first) drops committed ones. --to
    /// must be 0, the last batch of a sealed range or a batch of the open
    /// range; a range whose wrapped proof is stored is never dropped.
    Revert(RevertArgs),
    /// Queue failed jobs again, once the failure's cause is fixed (a worker
    /// or coordinator upgrade, a bad machine taken out). Name a job (as `zkr
    /// status` shows it), --batch N or --range A..B. A sealed range is retried
    /// whole: every failed job of it (its batches', steps' and wrap's); jobs
    /// already proven are kept. Transient failures (lapsed leases, panics,
    /// backend errors) are retried by the coordinator itself and need nothing.
    Retry(RetryArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["job", "batch", "range"])))]
struct RetryArgs {
    /// The failed job, by id.
    #[arg(value_name = "JOB")]
    job: Option<u64>,
    /// The failed batch (with its sealed range, if any).
    #[arg(long, value_name = "N")]
    batch: Option<u64>,
    /// Every failed job of batches A..B (both included) and of the sealed ranges they touch.
    #[arg(long, value_name = "A..B", value_parser = parse_span)]
    range: Option<(u64, u64)>,
}

/// `A..B` (both included) as a pair.
fn parse_span(s: &str) -> Result<(u64, u64), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected FIRST..LAST (for example 3..8), got {s:?}"))?;
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|e| format!("{t:?} in {s:?} is not a batch number: {e}"))
    };
    Ok((num(a)?, num(b)?))
}

#[derive(Debug, Args)]
struct RevertArgs {
    /// The last batch kept.
    #[arg(long, value_name = "BATCH")]
    to: u64,
}

/// Runs `zkr admin`.
pub fn run(args: AdminArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let conn = &args.connection;
        let token = conn
            .token
            .as_deref()
            .context("no admin token: set --token or ZKR_ADMIN_TOKEN")?;
        let channel = client::channel(&conn.coordinator, conn.tls_ca.as_deref()).await?;
        let mut api = client::admin(channel, token)?;
        match args.command {
            AdminCommand::Revert(r) => revert(&mut api, r.to).await,
            AdminCommand::Retry(r) => retry(&mut api, r).await,
        }
    })
}

async fn revert(api: &mut client::AdminApi, to: u64) -> anyhow::Result<()> {
    let out = api
        .revert_batches(v1::RevertBatchesRequest { keep_through: to })
        .await
        .map_err(status_error)
        .with_context(|| format!("reverting to batch {to}"))?
        .into_inner();
    let root = root_from_bytes("root", &out.root)?;
    match out.dropped {
        None => println!("nothing to revert: batch {to} is the last accepted"),
        Some(d) => {
            let ranges: Vec<String> = out
                .ranges
                .iter()
                .map(|r| format!("{}..{}", r.first, r.last))
                .collect();
            println!(
                "batches {}..{} dropped, with {} sealed range{} ({}) and {} job{}",
                d.first,
                d.last,
                ranges.len(),
                if ranges.len() == 1 { "" } else { "s" },
                if ranges.is_empty() {
                    "none".to_owned()
                } else {
                    ranges.join(", ")
                },
                out.jobs,
                if out.jobs == 1 { "" } else { "s" }
            );
        }
    }
    println!(
        "state root after batch {to}: 0x{}; the next batch is {} on that root",
        digest_hex(&root),
        to + 1
    );
    Ok(())
}

async fn retry(api: &mut client::AdminApi, args: RetryArgs) -> anyhow::Result<()> {
    use v1::retry_jobs_request::Target;
    let (target, what) = match (args.job, args.batch, args.range) {
        (Some(id), _, _) => (Target::JobId(id), format!("job {id}")),
        (_, Some(n), _) => (Target::BatchNumber(n), format!("batch {n}")),
        (_, _, Some((first, last))) => (
            Target::Range(v1::BatchRange { first, last }),
            format!("batches {first}..{last}"),
        ),
        // clap requires one of the three.
        (None, None, None) => anyhow::bail!("name a job, --batch N or --range A..B"),
    };
    let out = api
        .retry_jobs(v1::RetryJobsRequest {
            target: Some(target),
        })
        .await
        .map_err(status_error)
        .with_context(|| format!("retrying {what}"))?
        .into_inner();
    println!("{}", retry_summary(&out));
    Ok(())
}

/// What a retry queued again, in words.
fn retry_summary(out: &v1::RetryJobsResponse) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut line = format!("{} job{} queued again", out.jobs, plural(out.jobs as usize));
    if !out.batches.is_empty() {
        let list: Vec<String> = out.batches.iter().map(u64::to_string).collect();
        line.push_str(&format!(
            "; batch{} {} proving again",
            if out.batches.len() == 1 { "" } else { "es" },
            list.join(", ")
        ));
    }
    if !out.ranges.is_empty() {
        let list: Vec<String> = out
            .ranges
            .iter()
            .map(|r| format!("{}..{}", r.first, r.last))
            .collect();
        line.push_str(&format!(
            "; range{} {} no longer failed",
            plural(out.ranges.len()),
            list.join(", ")
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_is_two_batch_numbers_and_anything_else_is_named() {
        assert_eq!(parse_span("3..8"), Ok((3, 8)));
        for bad in ["3", "3..x", "..8", "3-8"] {
            let err = parse_span(bad).expect_err(bad);
            assert!(
                err.contains(bad),
                "expected the error to quote {bad:?}, got {err:?}"
            );
        }
    }

    #[test]
    fn a_retry_summary_names_the_jobs_batches_and_ranges() {
        let out = v1::RetryJobsResponse {
            jobs: 4,
            batches: vec![3],
            ranges: vec![v1::BatchRange { first: 3, last: 4 }],
        };
        assert_eq!(
            retry_summary(&out),
            "4 jobs queued again; batch 3 proving again; range 3..4 no longer failed"
        );
    }
}
