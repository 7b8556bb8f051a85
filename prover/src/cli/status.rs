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
    if b.status == v1::BatchStatus::Failed as i32 {
        println!("  to retry:    zkr admin retry --batch {n} (once the cause is fixed)");
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
    let hints = stuck(&batches, &list.ranges);
    if !hints.is_empty() {
        println!();
        println!("needs attention:");
        for h in hints {
            println!("  {h}");
        }
    }
    Ok(())
}

/// Attempts after which a job still being retried is worth a look.
const RETRIES_WORTH_A_LOOK: u32 = 3;

/// What is stuck, each with the command that unsticks it: failed batches and
/// ranges (which only an operator's retry or revert moves), and jobs failing
/// attempt after attempt (which the coordinator retries by itself).
fn stuck(batches: &[v1::BatchInfo], ranges: &[v1::RangeInfo]) -> Vec<String> {
    let mut out = Vec::new();
    let in_range = |n: u64| {
        ranges.iter().find(|r| {
            r.range
                .as_ref()
                .is_some_and(|s| s.first <= n && n <= s.last)
        })
    };
    for r in ranges {
        let Some(s) = r.range.as_ref() else { continue };
        let span = format!("{}..{}", s.first, s.last);
        if r.status == v1::RangeStatus::Failed as i32 {
            out.push(format!(
                "range {span} failed: {}\n    once the cause is fixed: zkr admin retry --range {span}\n    or drop it and what follows: zkr admin revert --to {} (zkr l1 revert first if L1 committed it)",
                r.error,
                s.first - 1
            ));
        } else if let Some(w) = r.wrap.as_ref() {
            if w.status == v1::WrapStatus::Failed as i32 {
                out.push(format!(
                    "the wrap of range {span} failed: {}\n    once the cause is fixed: zkr admin retry --range {span}",
                    w.error
                ));
            } else if w.attempts >= RETRIES_WORTH_A_LOOK && !w.error.is_empty() {
                out.push(format!(
                    "the wrap of range {span} has taken {} attempts (last failure: {}); it is retried with backoff: if every attempt fails alike, look at the wrap workers' logs",
                    w.attempts, w.error
                ));
            }
        }
    }
    for b in batches {
        let n = b.batch_number;
        let failed = b.status == v1::BatchStatus::Failed as i32;
        let proven = b.status == v1::BatchStatus::Proven as i32;
        match in_range(n) {
            // A failed batch fails its range: the range's line says it.
            Some(r) if failed && r.status == v1::RangeStatus::Failed as i32 => {}
            _ if failed => out.push(format!(
                "batch {n} failed: {}\n    once the cause is fixed: zkr admin retry --batch {n}",
                b.error
            )),
            _ if !proven && b.attempts >= RETRIES_WORTH_A_LOOK && !b.error.is_empty() => {
                out.push(format!(
                    "batch {n} has taken {} attempts (last failure: {}); it is retried with backoff: if every attempt fails alike, look at the workers' logs",
                    b.attempts, b.error
                ))
            }
            _ => {}
        }
    }
    out
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

    fn range(first: u64, last: u64, status: v1::RangeStatus) -> v1::RangeInfo {
        v1::RangeInfo {
            range: Some(v1::BatchRange { first, last }),
            status: status as i32,
            error: "batch 3 failed: witness refused".into(),
            ..Default::default()
        }
    }

    fn batch(n: u64, status: v1::BatchStatus, attempts: u32, error: &str) -> v1::BatchInfo {
        v1::BatchInfo {
            batch_number: n,
            status: status as i32,
            attempts,
            error: error.into(),
            ..Default::default()
        }
    }

    #[test]
    fn stuck_names_each_failed_thing_once_with_the_command_that_unsticks_it() {
        let batches = [
            batch(3, v1::BatchStatus::Failed, 1, "witness refused"),
            batch(4, v1::BatchStatus::Proven, 1, ""),
            batch(5, v1::BatchStatus::Proven, 1, ""),
            batch(
                7,
                v1::BatchStatus::Accepted,
                4,
                "lease 9 of worker 2 expired",
            ),
            batch(8, v1::BatchStatus::Failed, 1, "bad witness"),
            batch(9, v1::BatchStatus::Proving, 2, "out of memory"),
        ];
        let mut wrapped = range(5, 6, v1::RangeStatus::Proven);
        wrapped.wrap = Some(v1::WrapInfo {
            status: v1::WrapStatus::Failed as i32,
            error: "key mismatch".into(),
            ..Default::default()
        });
        let ranges = [range(3, 4, v1::RangeStatus::Failed), wrapped];
        let hints = stuck(&batches, &ranges);
        assert_eq!(hints.len(), 4, "expected 4 hints, got {hints:#?}");
        assert!(
            hints[0].starts_with("range 3..4 failed: batch 3 failed")
                && hints[0].contains("zkr admin retry --range 3..4")
                && hints[0].contains("zkr admin revert --to 2"),
            "the failed range, once, with retry and revert: {}",
            hints[0]
        );
        assert!(
            hints[1].starts_with("the wrap of range 5..6 failed: key mismatch")
                && hints[1].contains("zkr admin retry --range 5..6"),
            "the failed wrap of a proven range: {}",
            hints[1]
        );
        assert!(
            hints[2].starts_with("batch 7 has taken 4 attempts") && !hints[2].contains("zkr admin"),
            "a batch retried again and again needs a look, not a command: {}",
            hints[2]
        );
        assert!(
            hints[3].starts_with("batch 8 failed: bad witness")
                && hints[3].contains("zkr admin retry --batch 8"),
            "a failed batch of the open range: {}",
            hints[3]
        );
        assert!(
            stuck(&batches[1..3], &ranges[..0]).is_empty(),
            "nothing is stuck when every batch is proven"
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
