//! What settling transfers costs: wall and CPU seconds, by stage and per
//! settled transfer (the figure the settlement benchmark and `zkr demo` print).
//!
//! CPU time is the whole process's (user and system, from `getrusage`), so a
//! stage's CPU figure is its own only when stages run one after another, as in
//! the benchmark; where workers overlap stages (the demo) only the total is.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// CPU time used by this process so far, all threads, user and system.
pub fn process_cpu_time() -> Duration {
    let usage = usage();
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The most resident memory this process has held, in bytes.
pub fn peak_rss_bytes() -> u64 {
    // Linux reports kilobytes.
    (usage().ru_maxrss.max(0) as u64) * 1024
}

fn usage() -> libc::rusage {
    // SAFETY: `getrusage` only writes the struct it is given; all-zero is a valid `rusage`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // RUSAGE_SELF cannot fail with a valid pointer; were it to, the zeroes read as no usage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage
}

/// Wall and CPU time spent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Elapsed wall-clock time.
    pub wall: Duration,
    /// Process CPU time (all threads) over the same span.
    pub cpu: Duration,
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, other: Cost) -> Cost {
        Cost {
            wall: self.wall + other.wall,
            cpu: self.cpu + other.cpu,
        }
    }
}

/// A start point for measuring a [`Cost`].
#[derive(Clone, Copy, Debug)]
pub struct Meter {
    wall: Instant,
    cpu: Duration,
}

impl Meter {
    /// Starts measuring now.
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: process_cpu_time(),
        }
    }

    /// What was spent since [`Self::start`].
    pub fn cost(&self) -> Cost {
        Cost {
            wall: self.wall.elapsed(),
            cpu: process_cpu_time().saturating_sub(self.cpu),
        }
    }

    /// What was spent since the start (or the last lap), restarting the meter.
    pub fn lap(&mut self) -> Cost {
        let cost = self.cost();
        *self = Self::start();
        cost
    }
}

/// The cost of settling one run (a range of batches), by stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    /// What was settled, in words ("capacity 16 × 8 batches").
    pub label: String,
    /// Transfers the run settled.
    pub transfers: u64,
    /// Stages in the order they ran, each with what it cost.
    pub stages: Vec<(String, Cost)>,
}

impl Breakdown {
    /// An empty breakdown of a run that settles `transfers` transfers.
    pub fn new(label: impl Into<String>, transfers: u64) -> Self {
        Self {
            label: label.into(),
            transfers,
            stages: Vec::new(),
        }
    }

    /// Adds `cost` to `stage` (a stage named again accumulates).
    pub fn add(&mut self, stage: &str, cost: Cost) {
        match self.stages.iter_mut().find(|(s, _)| s == stage) {
            Some((_, c)) => *c = *c + cost,
            None => self.stages.push((stage.to_owned(), cost)),
        }
    }

    /// The sum over all stages.
    pub fn total(&self) -> Cost {
        self.stages
            .iter()
            .fold(Cost::default(), |sum, (_, c)| sum + *c)
    }

    /// Total wall and CPU seconds per settled transfer.
    pub fn per_transfer(&self) -> (f64, f64) {
        let total = self.total();
        let n = self.transfers.max(1) as f64;
        (total.wall.as_secs_f64() / n, total.cpu.as_secs_f64() / n)
    }
}

/// One markdown table of `runs`: each stage's wall and CPU seconds, in all
/// and per settled transfer, and each run's total.
pub fn table(runs: &[Breakdown]) -> String {
    let header = [
        "run",
        "stage",
        "wall s",
        "CPU s",
        "wall s / transfer",
        "CPU s / transfer",
    ];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for run in runs {
        let n = run.transfers.max(1) as f64;
        let row = |stage: &str, c: Cost| {
            [
                format!("{} ({} transfers)", run.label, run.transfers),
                stage.to_owned(),
                format!("{:.1}", c.wall.as_secs_f64()),
                format!("{:.1}", c.cpu.as_secs_f64()),
                format!("{:.3}", c.wall.as_secs_f64() / n),
                format!("{:.3}", c.cpu.as_secs_f64() / n),
            ]
        };
        for (stage, cost) in &run.stages {
            rows.push(row(stage, *cost));
        }
        rows.push(row("**total**", run.total()));
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        out.push('|');
        for (c, cell) in cells.iter().enumerate() {
            // Text left, figures right.
            if c < 2 {
                let _ = write!(out, " {cell:<w$} |", w = widths[c]);
            } else {
                let _ = write!(out, " {cell:>w$} |", w = widths[c]);
            }
        }
        out.push('\n');
    };
    line(&mut out, &header);
    out.push('|');
    for (c, w) in widths.iter().enumerate() {
        let dashes = "-".repeat(*w);
        let _ = write!(
            out,
            "{}|",
            if c < 2 {
                format!(" {dashes} ")
            } else {
                format!(" {dashes}:")
            }
        );
    }
    out.push('\n');
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_named_twice_accumulates_and_the_total_sums_every_stage() {
        let s = Duration::from_secs;
        let mut b = Breakdown::new("capacity 4 × 2 batches", 8);
        b.add(
            "batch proofs",
            Cost {
                wall: s(4),
                cpu: s(8),
            },
        );
        b.add(
            "wrap",
            Cost {
                wall: s(2),
                cpu: s(3),
            },
        );
        b.add(
            "batch proofs",
            Cost {
                wall: s(4),
                cpu: s(8),
            },
        );
        assert_eq!(
            b.stages.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["batch proofs", "wrap"],
            "stages in first-seen order, each once"
        );
        assert_eq!(
            b.total(),
            Cost {
                wall: s(10),
                cpu: s(19)
            }
        );
        assert_eq!(
            b.per_transfer(),
            (1.25, 2.375),
            "10 s and 19 s over 8 transfers"
        );
        let t = table(&[b]);
        assert!(
            t.contains("| batch proofs |") && t.contains("1.250") && t.contains("2.375"),
            "expected the stage and the per-transfer totals in the table, got:\n{t}"
        );
    }

    #[test]
    fn the_meter_counts_this_process_cpu_time() {
        let meter = Meter::start();
        // Work the optimiser cannot drop, until the CPU clock (10 ms ticks on some kernels) moves.
        let mut x = 1u64;
        while meter.cost().cpu < Duration::from_millis(20) {
            for i in 0..100_000u64 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
        }
        let c = meter.cost();
        assert!(c.cpu >= Duration::from_millis(20), "cpu {:?}", c.cpu);
        assert!(peak_rss_bytes() > 0, "a running process holds some memory");
    }
}
