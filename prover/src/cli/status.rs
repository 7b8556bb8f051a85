//! `zkr status`: where batches are in the pipeline, one in detail or all in a
//! table with the sealed ranges and their aggregation, and with `--watch` each
//! change as it happens.

use anyhow::Context as _;
use clap::Args;
use tonic::Code;
use zkr_proto::v1;
use zkr_prover::client::SequencerApi;
use zkr_prover::coordinator::now_ms;

use super::config::{status_error, SequencerConnection};
use super::{root_hex, runtime, shutdown_signal};

/// Options of `zkr status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The batch to show [default: a table of every batch].
    #[arg(value_name = "BATCH")]
    pub batch: Option<u64>,
    /// Print each status change: of BATCH until it is proven (exit 0) or
    /// fails (exit 1); without BATCH, of every batch until interrupted.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub connection: SequencerConnection,
}

/// Runs `zkr status`.
pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let url = args.connection.coordinator.clone();
    runtime()?.block_on(async {
        let mut api = args.connection.connect().await?;
        match (args.batch, args.watch) {
            (Some(n), false) => show_one(&mut api, n).await,
            (None, false) => show_all(&mut api).await,
            (from, true) => watch(&mut api, from).await,
        }
        .with_context(|| format!("asking {url}"))
    })
}

/// A status as people say it.
fn status_name(code: i32) -> &'static str {
    match v1::BatchStatus::try_from(code) {
        Ok(v1::BatchStatus::Accepted) => "accepted",
        Ok(v1::BatchStatus::Proving) => "proving",
        Ok(v1::BatchStatus::Proven) => "proven",
        Ok(v1::BatchStatus::Failed) => "failed",
        _ => "unknown",
    }
}

/// A range status as people say it.
pub fn range_status_name(code: i32) -> &'static str {
    match v1::RangeStatus::try_from(code) {
        Ok(v1::RangeStatus::Aggregating) => "aggregating",
        Ok(v1::RangeStatus::Proven) => "proven",
        Ok(v1::RangeStatus::Failed) => "failed",
        _ => "unknown",
    }
}

/// `FIRST..LAST` of a range on the wire.
pub fn span(r: Option<&v1::BatchRange>) -> String {
    r.map_or_else(|| "?".to_string(), |r| format!("{}..{}", r.first, r.last))
}

/// One line for a sealed range: bounds, status, steps, timing, error.
pub fn range_line(r: &v1::RangeInfo, now: u64) -> String {
    let timing = if r.proven_at_ms > 0 {
        format!(
            "proven in {} after sealing",
            secs(r.proven_at_ms.saturating_sub(r.sealed_at_ms))
        )
    } else {
        format!("sealed {} ago", secs(now.saturating_sub(r.sealed_at_ms)))
    };
    let mut line = format!(
        "{:>11}  {:<11}  {:>5}  {}",
        span(r.range.as_ref()),
        range_status_name(r.status),
        format!("{}/{}", r.steps_done, r.steps_total),
        timing
    );
    if !r.error.is_empty() {
        line.push_str(&format!("  {}", r.error));
    }
    if let Some(w) = &r.wrap {
        line.push_str(&format!("; {}", wrap_text(w, now)));
    }
    line
}

/// Where a range's wrap is, in words.
fn wrap_text(w: &v1::WrapInfo, now: u64) -> String {
    match v1::WrapStatus::try_from(w.status) {
        Ok(v1::WrapStatus::Queued) if w.error.is_empty() => "wrap queued".into(),
        Ok(v1::WrapStatus::Queued) => format!("wrap queued again after: {}", w.error),
        Ok(v1::WrapStatus::Proving) => {
            format!("wrapping for {}", secs(now.saturating_sub(w.started_at_ms)))
        }
        Ok(v1::WrapStatus::Proven) => format!(
            "wrapped in {}",
            secs(w.proven_at_ms.saturating_sub(w.started_at_ms))
        ),
        Ok(v1::WrapStatus::Failed) => format!("wrap failed: {}", w.error),
        _ => "wrap status unknown".into(),
    }
}

/// Milliseconds as seconds with one decimal.
fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// How long the batch took to prove, or how long it has waited so far.
fn timing(b: &v1::BatchInfo, now: u64) -> String {
    if b.proven_at_ms > 0 {
        format!(
            "proven in {}",
            secs(b.proven_at_ms.saturating_sub(b.accepted_at_ms))
        )
    } else {
        format!("waiting {}", secs(now.saturating_sub(b.accepted_at_ms)))
    }
}

async fn show_one(api: &mut SequencerApi, n: u64) -> anyhow::Result<()> {
    let b = api
        .get_batch(v1::GetBatchRequest { batch_number: n })
        .await
        .map_err(status_error)?
        .into_inner();
    let now = now_ms();
    println!("batch {}: {}", b.batch_number, status_name(b.status));
    println!("  operations:  {}", b.operation_count);
    println!("  old root:    0x{}", root_hex(&b.old_root));
    println!("  new root:    0x{}", root_hex(&b.new_root));
    println!("  commitment:  0x{}", hex::encode(&b.commitment));
    println!("  attempts:    {}", b.attempts);
    println!(
        "  accepted:    {} ago; {}",
        secs(now.saturating_sub(b.accepted_at_ms)),
        timing(&b, now)
    );
    if !b.error.is_empty() {
        println!("  error:       {}", b.error);
    }
    match api.get_range(v1::GetRangeRequest { batch_number: n }).await {
        Ok(r) => {
            let r = r.into_inner();
            println!(
                "  range:       {} ({}, {} of {} aggregation steps)",
                span(r.range.as_ref()),
                range_status_name(r.status),
                r.steps_done,
                r.steps_total
            );
        }
        Err(s) if s.code() == Code::NotFound => println!("  range:       open (not sealed yet)"),
        Err(s) => return Err(status_error(s)).context("its range"),
    }
    Ok(())
}

/// Every accepted batch, asked for one by one until the first number never accepted.
async fn all_batches(api: &mut SequencerApi) -> anyhow::Result<Vec<v1::BatchInfo>> {
    let mut out = Vec::new();
    for n in 1.. {
        match api.get_batch(v1::GetBatchRequest { batch_number: n }).await {
            Ok(r) => out.push(r.into_inner()),
            Err(s) if s.code() == Code::NotFound => break,
            Err(s) => return Err(status_error(s)).with_context(|| format!("batch {n}")),
        }
    }
    Ok(out)
}

async fn show_all(api: &mut SequencerApi) -> anyhow::Result<()> {
    let batches = all_batches(api).await?;
    if batches.is_empty() {
        println!("no batches accepted yet");
        return Ok(());
    }
    let now = now_ms();
    println!(
        "{:>7}  {:<8}  {:>4}  {:>8}  {:<18}  error",
        "batch", "status", "ops", "attempts", "time"
    );
    let mut counts = [0usize; 5];
    for b in &batches {
        counts[usize::try_from(b.status).unwrap_or(0).min(4)] += 1;
        println!(
            "{:>7}  {:<8}  {:>4}  {:>8}  {:<18}  {}",
            b.batch_number,
            status_name(b.status),
            b.operation_count,
            b.attempts,
            timing(b, now),
            b.error
        );
    }
    println!(
        "{} batches: {} proven, {} proving, {} accepted, {} failed",
        batches.len(),
        counts[v1::BatchStatus::Proven as usize],
        counts[v1::BatchStatus::Proving as usize],
        counts[v1::BatchStatus::Accepted as usize],
        counts[v1::BatchStatus::Failed as usize]
    );
    let list = api
        .list_ranges(v1::ListRangesRequest {})
        .await
        .map_err(status_error)
        .context("listing ranges")?
        .into_inner();
    println!();
    if list.ranges.is_empty() {
        println!("no range sealed yet");
    } else {
        println!("{:>11}  {:<11}  {:>5}  time", "range", "status", "steps");
        for r in &list.ranges {
            println!("{}", range_line(r, now));
        }
    }
    match &list.open {
        Some(o) => println!(
            "open range: {}..{} ({} batches, not sealed yet)",
            o.first,
            o.last,
            o.last + 1 - o.first
        ),
        None => println!("open range: empty"),
    }
    Ok(())
}

/// One line per change, as `watch` prints it.
fn change_line(b: &v1::BatchInfo) -> String {
    let n = b.batch_number;
    match v1::BatchStatus::try_from(b.status) {
        Ok(v1::BatchStatus::Proving) => format!("batch {n}: proving (attempt {})", b.attempts),
        Ok(v1::BatchStatus::Proven) => format!("batch {n}: {}", timing(b, b.proven_at_ms)),
        Ok(v1::BatchStatus::Failed) => format!("batch {n}: failed: {}", b.error),
        _ => format!("batch {n}: {}", status_name(b.status)),
    }
}

async fn watch(api: &mut SequencerApi, only: Option<u64>) -> anyhow::Result<()> {
    let mut stream = api
        .watch_batches(v1::WatchBatchesRequest {
            from_batch: only.unwrap_or(1),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let interrupted = shutdown_signal();
    tokio::pin!(interrupted);
    loop {
        let next = tokio::select! {
            m = stream.message() => m.map_err(status_error)?,
            _ = &mut interrupted => return Ok(()),
        };
        let Some(b) = next else {
            // The coordinator is shutting down.
            if let Some(n) = only {
                anyhow::bail!("the coordinator closed the stream before batch {n} was done");
            }
            return Ok(());
        };
        if only.is_some_and(|n| n != b.batch_number) {
            continue;
        }
        println!("{}", change_line(&b));
        if only.is_some() {
            match v1::BatchStatus::try_from(b.status) {
                Ok(v1::BatchStatus::Proven) => return Ok(()),
                Ok(v1::BatchStatus::Failed) => {
                    anyhow::bail!("batch {} failed: {}", b.batch_number, b.error)
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: v1::BatchStatus) -> v1::BatchInfo {
        v1::BatchInfo {
            batch_number: 4,
            status: status as i32,
            attempts: 2,
            accepted_at_ms: 10_000,
            proven_at_ms: if status == v1::BatchStatus::Proven {
                12_500
            } else {
                0
            },
            error: "lease 3 of worker 1 expired".into(),
            ..Default::default()
        }
    }

    #[test]
    fn change_lines_name_the_batch_and_what_happened() {
        for (status, expected) in [
            (v1::BatchStatus::Accepted, "batch 4: accepted"),
            (v1::BatchStatus::Proving, "batch 4: proving (attempt 2)"),
            (v1::BatchStatus::Proven, "batch 4: proven in 2.5 s"),
            (
                v1::BatchStatus::Failed,
                "batch 4: failed: lease 3 of worker 1 expired",
            ),
        ] {
            let got = change_line(&info(status));
            assert_eq!(
                got, expected,
                "{status:?}: expected {expected:?}, got {got:?}"
            );
        }
    }

    #[test]
    fn range_lines_show_bounds_status_steps_and_timing() {
        let r = v1::RangeInfo {
            range: Some(v1::BatchRange { first: 1, last: 5 }),
            status: v1::RangeStatus::Proven as i32,
            steps_done: 4,
            steps_total: 4,
            sealed_at_ms: 1_000,
            proven_at_ms: 13_300,
            ..Default::default()
        };
        let line = range_line(&r, 20_000);
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>(),
            ["1..5", "proven", "4/4", "proven", "in", "12.3", "s", "after", "sealing"],
            "got {line:?}"
        );
        let wrapped = v1::RangeInfo {
            wrap: Some(v1::WrapInfo {
                status: v1::WrapStatus::Proven as i32,
                started_at_ms: 14_000,
                proven_at_ms: 95_500,
                ..Default::default()
            }),
            ..r
        };
        let line = range_line(&wrapped, 100_000);
        assert!(
            line.ends_with("after sealing; wrapped in 81.5 s"),
            "expected the wrap time after the range's, got {line:?}"
        );
    }

    #[test]
    fn timing_is_time_to_proof_or_time_waited() {
        assert_eq!(
            timing(&info(v1::BatchStatus::Proven), 99_999),
            "proven in 2.5 s"
        );
        assert_eq!(
            timing(&info(v1::BatchStatus::Proving), 13_000),
            "waiting 3.0 s"
        );
    }
}
