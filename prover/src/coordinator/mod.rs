//! The coordinator: accepts batches strictly in order, applies them to the state
//! and enqueues a proving job each (the witness stage), seals consecutive
//! accepted batches into ranges with one aggregation job per step of their
//! tree and, when it holds the wrap's keys, one wrap job after the tree's
//! root; leases jobs to workers and accepts their proofs after checking them.
//! The gRPC services in `service` are a thin layer over this.
//!
//! Every change is committed to the store before it is visible; the in-memory
//! queue and worker list are rebuilt from the store when the coordinator
//! opens, so a coordinator killed at any point restarts where it was.

mod queue;
pub mod server;
pub mod service;

pub use queue::{JobCounts, Queue, QueueConfig, QueueError};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};
use tokio::sync::{broadcast, Notify};
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::wrapper::Wrapper;
use zkr_aggregator::{plan, range_commitment, Circuits, Part, RangeProof};
use zkr_circuits::batch::{BatchProof, BatchPublicValues};
use zkr_circuits::executor::{execute, ExecError};
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, Digest, StateError, StateView};
use zkr_circuits::witness::{generate, WitnessError};

use crate::aggregate::{AggregateWitness, ChildProof};
use crate::store::{
    BatchRecord, BatchStatus, Changes, JobKind, JobRecord, JobState, LeaseId, RangeRecord,
    RangeStatus, RangeValues, StepRecord, Store, StoreError, WorkerRecord, WrapRecord, WrapStatus,
};

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A batch as the sequencer submits it.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The batch.
    pub batch: Batch,
    /// The state root the sequencer built it on.
    pub expected_old_root: Digest,
    /// The state root the sequencer says it leads to.
    pub claimed_new_root: Digest,
}

/// Why a submission is refused; nothing is stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Not the next batch.
    #[error("batch {got} out of order: batch {expected} is next")]
    OutOfOrder {
        /// The next number.
        expected: u64,
        /// The submitted number.
        got: u64,
    },
    /// Built on another state.
    #[error("batch {batch}: expected pre-state root {expected} but the state root is {actual}")]
    OldRootMismatch {
        /// Batch number.
        batch: u64,
        /// Root the sequencer expected.
        expected: String,
        /// The coordinator's root.
        actual: String,
    },
    /// An operation breaks a rule.
    #[error(transparent)]
    Rejected(#[from] ExecError),
    /// The claimed post-state root is not what the executor reproduces.
    #[error(
        "batch {batch}: claimed post-state root {claimed}, the executor reproduces {computed}"
    )]
    NewRootMismatch {
        /// Batch number.
        batch: u64,
        /// Claimed root.
        claimed: String,
        /// Computed root.
        computed: String,
    },
    /// Same number, different content.
    #[error("batch {0} was already accepted with different content")]
    Conflict(u64),
    /// Witness generation failed.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<StateError> for SubmitError {
    fn from(e: StateError) -> Self {
        SubmitError::Store(StoreError::State(e))
    }
}

/// Outcome of an accepted submission.
#[derive(Clone, Debug)]
pub struct SubmitOutcome {
    /// The stored batch.
    pub record: BatchRecord,
    /// False when this was an identical resubmission.
    pub accepted_now: bool,
}

/// Most leases one heartbeat renews: more than a worker proves at once, and
/// few enough that a call's work under the lock stays small.
pub const MAX_HEARTBEAT_LEASES: usize = 64;

/// Largest request the sequencer API decodes for batches of `capacity`
/// chunks: each operation takes a chunk at least and none comes near 1 KiB on
/// the wire, so a request cannot make the server decode far more than a
/// batch (a flood of empty operations would otherwise cost gigabytes).
pub fn sequencer_request_limit(capacity: usize) -> usize {
    64 * 1024 + capacity * 1024
}

/// Why a worker's completion or failure report is refused.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// An unknown worker id, or the secret is not the one it registered with.
    #[error("worker {0} is not registered, or the secret sent is not the one it was given (register again)")]
    NotThisWorker(u64),
    /// The lease rules refuse it.
    #[error(transparent)]
    Lease(#[from] QueueError),
    /// The proof is malformed, does not verify, or proves something else.
    #[error("job {job}: proof rejected: {reason}")]
    BadProof {
        /// The job.
        job: u64,
        /// Why.
        reason: String,
    },
    /// A heartbeat names more leases than any worker holds.
    #[error(
        "a heartbeat names {named} leases; at most {MAX_HEARTBEAT_LEASES} are renewed per call"
    )]
    TooManyLeases {
        /// Leases named.
        named: usize,
    },
    /// A wrap job's proof came to a coordinator without the wrap's keys.
    #[error(
        "job {0} is a wrap job but this coordinator holds no wrap keys (start it with --wrap-keys)"
    )]
    WrapOff(u64),
    /// The coordinator's own work on the request panicked (a bug).
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a range cannot be sealed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// No accepted batch is open.
    #[error(
        "no batch to seal: every accepted batch (up to batch {last_batch}) is in a sealed range"
    )]
    Empty {
        /// The last accepted batch (0 before the first).
        last_batch: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why batches cannot be reverted; nothing changes.
#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    /// The batch to keep was never accepted.
    #[error("cannot revert to batch {to}: the last accepted batch is {last}")]
    AfterLast {
        /// The batch asked to be kept last.
        to: u64,
        /// The last accepted batch.
        last: u64,
    },
    /// The revert would split a sealed range (L1 commits whole ranges).
    #[error("batch {to} is inside sealed range {first}..{last}: revert to {before} or to {last}", before = first - 1)]
    InsideRange {
        /// The batch asked to be kept last.
        to: u64,
        /// First batch of the range.
        first: u64,
        /// Last batch of the range.
        last: u64,
    },
    /// The revert would drop a range whose wrapped proof is stored.
    #[error("range {first}..{last} is proven (its wrapped proof is stored, ready for `zkr l1 prove`); only unproven batches can be reverted")]
    Proven {
        /// First batch of the range.
        first: u64,
        /// Last batch of the range.
        last: u64,
    },
    /// The store failed (a batch without an undo record among them).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a revert dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevertOutcome {
    /// The batches dropped, both included (`None` when there were none).
    pub batches: Option<(u64, u64)>,
    /// The sealed ranges dropped, as (first, last).
    pub ranges: Vec<(u64, u64)>,
    /// How many jobs were dropped with them.
    pub jobs: usize,
    /// The state root now (after the last batch kept).
    pub root: Digest,
}

/// What an operator's retry names: a job, a batch, or batches `first..=last`.
/// A sealed range is retried whole (L1 takes whole ranges): naming any of its
/// batches or jobs retries every failed job of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryTarget {
    /// A job, by id.
    Job(u64),
    /// A batch, by number.
    Batch(u64),
    /// Batches `first..=last`.
    Range(u64, u64),
}

impl std::fmt::Display for RetryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryTarget::Job(id) => write!(f, "job {id}"),
            RetryTarget::Batch(n) => write!(f, "batch {n}"),
            RetryTarget::Range(a, b) => write!(f, "batches {a}..{b}"),
        }
    }
}

/// Why a retry is refused; nothing changes.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// No such job.
    #[error("job {0} does not exist")]
    UnknownJob(u64),
    /// The batches named were never accepted.
    #[error("{target}: the last accepted batch is {last}")]
    UnknownBatch {
        /// What was named.
        target: RetryTarget,
        /// The last accepted batch.
        last: u64,
    },
    /// A range given backwards or from batch 0.
    #[error(
        "batches {first}..{last} are not a range: batches are numbered from 1, first before last"
    )]
    BadRange {
        /// First batch given.
        first: u64,
        /// Last batch given.
        last: u64,
    },
    /// No job of what was named has failed.
    #[error("nothing to retry: no job of {0} has failed")]
    NothingFailed(RetryTarget),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a retry queued again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryOutcome {
    /// Jobs queued again.
    pub jobs: usize,
    /// Batches whose proving job was queued again.
    pub batches: Vec<u64>,
    /// Sealed ranges no longer failed, as (first, last).
    pub ranges: Vec<(u64, u64)>,
}

/// A job handed to a worker, with its witness.
#[derive(Clone, Debug)]
pub struct Assignment {
    /// The job (state `Leased`).
    pub job: JobRecord,
    /// Serialized witness.
    pub witness: Vec<u8>,
    /// The batches the job's proof covers, both included.
    pub range: (u64, u64),
}

/// Coordinator settings.
#[derive(Clone, Debug)]
pub struct CoordinatorConfig {
    /// Batch circuit capacity (pubdata chunks).
    pub capacity: usize,
    /// Rollup chain id transfers and withdrawals are signed for.
    pub chain_id: zkr_circuits::ops::signing::ChainId,
    /// Lease length and retry backoff.
    pub queue: QueueConfig,
    /// Accepted batches at which the open range is sealed automatically; 0 never.
    pub max_range_batches: u64,
    /// The wrap (verifying key at least); with it every range gets a wrap job.
    pub wrap: Option<Arc<Wrapper>>,
}

/// Event counters the metrics endpoint reads.
#[derive(Debug, Default)]
pub struct Counters {
    /// Leases that lapsed.
    pub lease_expiries: std::sync::atomic::AtomicU64,
    /// Proofs accepted.
    pub proofs_accepted: std::sync::atomic::AtomicU64,
    /// Proofs refused.
    pub proofs_rejected: std::sync::atomic::AtomicU64,
}

struct Inner {
    queue: Queue,
    next_worker_id: u64,
    /// Kinds of jobs each registered worker accepts.
    workers: HashMap<u64, WorkerRecord>,
}

/// The coordinator.
pub struct Coordinator {
    store: Store,
    inner: Mutex<Inner>,
    jobs_ready: Notify,
    events: broadcast::Sender<BatchRecord>,
    circuits: Arc<Circuits>,
    config: CoordinatorConfig,
    closing: tokio::sync::watch::Sender<bool>,
    /// Event counters.
    pub counters: Counters,
}

fn corrupt(what: String, why: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what,
        why: why.into(),
    }
}

/// The wrap record of a freshly made wrap job.
fn wrap_record(job: &JobRecord) -> WrapRecord {
    let mut w = WrapRecord {
        job_id: job.id,
        status: WrapStatus::Queued,
        error: None,
        started_ms: None,
        proven_ms: None,
    };
    set_wrap_state(&mut w, job, now_ms());
    w
}

/// Mirrors the wrap job's state in its range's wrap record.
fn set_wrap_state(w: &mut WrapRecord, job: &JobRecord, now: u64) {
    match job.state {
        JobState::Queued => w.status = WrapStatus::Queued,
        JobState::Leased(_) => {
            w.status = WrapStatus::Proving;
            w.started_ms = Some(now);
        }
        JobState::Done => {
            w.status = WrapStatus::Proven;
            w.proven_ms = Some(now);
        }
        JobState::Failed => w.status = WrapStatus::Failed,
    }
    w.error = match job.state {
        JobState::Done => None,
        _ => job.last_error.clone(),
    };
}

/// Why a proof's public values differ from what `what` states (old root, new
/// root, commitment), if they do.
fn values_mismatch(
    pv: &BatchPublicValues,
    (old_root, new_root, commitment): (Digest, Digest, [u8; 32]),
    what: &str,
) -> Option<String> {
    (pv.old_root != old_root || pv.new_root != new_root || pv.commitment != commitment).then(|| {
        format!(
            "it proves roots {} -> {} with commitment {}; expected for {what}: {} -> {} with {}",
            digest_hex(&pv.old_root),
            digest_hex(&pv.new_root),
            hex::encode(pv.commitment),
            digest_hex(&old_root),
            digest_hex(&new_root),
            hex::encode(commitment),
        )
    })
}

/// The sealed ranges (of `ranges`, every one) a revert keeping batches
/// `..=to` of `..=last` drops, or why it may not: `to` past the last batch,
/// inside a sealed range, or a dropped range with a stored wrapped proof.
fn ranges_to_drop(
    to: u64,
    last: u64,
    ranges: Vec<RangeRecord>,
) -> Result<Vec<RangeRecord>, RevertError> {
    if to > last {
        return Err(RevertError::AfterLast { to, last });
    }
    if let Some(r) = ranges.iter().find(|r| r.contains(to) && r.last != to) {
        return Err(RevertError::InsideRange {
            to,
            first: r.first,
            last: r.last,
        });
    }
    let dropped: Vec<RangeRecord> = ranges.into_iter().filter(|r| r.first > to).collect();
    if let Some(r) = dropped.iter().find(|r| {
        r.wrap
            .as_ref()
            .is_some_and(|w| w.status == WrapStatus::Proven)
    }) {
        return Err(RevertError::Proven {
            first: r.first,
            last: r.last,
        });
    }
    Ok(dropped)
}

fn span(first: u64, last: u64) -> String {
    format!("{first}..{last}")
}

impl Coordinator {
    /// Opens the coordinator on a store, with the batch and aggregation circuits
    /// it checks proofs against; seals the open range first if it is already full.
    /// A store made for another capacity or chain id is refused: its witnesses
    /// and signatures would fail every proof.
    pub fn open(
        store: Store,
        circuits: Arc<Circuits>,
        config: CoordinatorConfig,
    ) -> Result<Self, StoreError> {
        store.pin_settings(config.capacity, config.chain_id)?;
        let (jobs, done) = store.unfinished_jobs()?;
        let queue = Queue::new(jobs, done, config.queue);
        let next_worker_id = store.counter("next_worker_id")?;
        let workers = store.workers()?.into_iter().collect();
        let (events, _) = broadcast::channel(1024);
        let coord = Self {
            store,
            inner: Mutex::new(Inner {
                queue,
                next_worker_id,
                workers,
            }),
            jobs_ready: Notify::new(),
            events,
            circuits,
            config,
            closing: tokio::sync::watch::Sender::new(false),
            counters: Counters::default(),
        };
        coord.queue_missing_wraps()?;
        // A limit lowered since the last run leaves a fuller open range: seal it now.
        if coord.config.max_range_batches > 0 {
            let mut inner = coord.lock();
            loop {
                let first = coord.open_start()?;
                let last = coord.store.last_batch()?;
                let max = coord.config.max_range_batches;
                if last + 1 < first + max {
                    break;
                }
                coord.seal_locked(&mut inner, first, first + max - 1)?;
            }
        }
        Ok(coord)
    }

    /// Queues a wrap job for every range sealed while the coordinator did not
    /// wrap (wrapping was turned on since), unless the range failed.
    fn queue_missing_wraps(&self) -> Result<(), StoreError> {
        if self.config.wrap.is_none() {
            return Ok(());
        }
        let mut inner = self.lock();
        let mut next_job_id = self.store.counter("next_job_id")?;
        let mut ranges = Vec::new();
        let mut jobs = Vec::new();
        for mut range in self.store.ranges()? {
            if range.wrap.is_some() || range.status == RangeStatus::Failed {
                continue;
            }
            let Some(root) = range.steps.last() else {
                continue;
            };
            let job = self.wrap_job(next_job_id, range.first, root.job_id, None);
            range.wrap = Some(wrap_record(&job));
            next_job_id += 1;
            tracing::info!(range = %span(range.first, range.last), job = job.id, "wrap job queued for a range sealed before wrapping was on");
            ranges.push(range);
            jobs.push(job);
        }
        if jobs.is_empty() {
            return Ok(());
        }
        self.store.apply(&Changes {
            ranges,
            jobs: jobs.clone(),
            next_job_id: Some(next_job_id),
            ..Changes::default()
        })?;
        for j in jobs {
            inner.queue.push(j);
        }
        Ok(())
    }

    /// The wrap job `id` of the range starting at `first`, after its root step's job.
    fn wrap_job(&self, id: u64, first: u64, root_job: u64, error: Option<String>) -> JobRecord {
        JobRecord {
            id,
            kind: JobKind::Wrap,
            batch_number: first,
            capacity: self.config.capacity,
            depends_on: vec![root_job],
            state: if error.is_some() {
                JobState::Failed
            } else {
                JobState::Queued
            },
            attempts: 0,
            last_error: error,
            not_before_ms: 0,
            step: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data; carry on with it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Settings.
    pub fn config(&self) -> &CoordinatorConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Tells long-lived streams to end (the server is shutting down).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Turns true when the coordinator closes.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Status changes of batches.
    pub fn subscribe(&self) -> broadcast::Receiver<BatchRecord> {
        self.events.subscribe()
    }

    fn publish(&self, record: &BatchRecord) {
        // Nobody listening is fine.
        let _ = self.events.send(record.clone());
    }

    /// First batch of the open range: the one after the last sealed range.
    fn open_start(&self) -> Result<u64, StoreError> {
        Ok(self.store.last_range()?.map_or(1, |r| r.last + 1))
    }

    /// The open range (accepted batches not sealed yet), if any.
    pub fn open_range(&self) -> Result<Option<(u64, u64)>, StoreError> {
        let _inner = self.lock();
        let first = self.open_start()?;
        let last = self.store.last_batch()?;
        Ok((last >= first).then_some((first, last)))
    }

    /// Accepts the next batch: checks order and roots, executes it, and stores the
    /// state change, the batch, its witness and its proving job in one transaction,
    /// with the range it completes when the open range reaches `max_range_batches`.
    pub fn submit(&self, s: Submission) -> Result<SubmitOutcome, SubmitError> {
        let mut inner = self.lock();
        let number = s.batch.number;
        let last = self.store.last_batch()?;
        if number <= last && number > 0 {
            let existing = self
                .store
                .batch(number)?
                .ok_or(SubmitError::Conflict(number))?;
            return if existing.batch == s.batch
                && existing.old_root == s.expected_old_root
                && existing.new_root == s.claimed_new_root
            {
                Ok(SubmitOutcome {
                    record: existing,
                    accepted_now: false,
                })
            } else {
                Err(SubmitError::Conflict(number))
            };
        }
        if number != last + 1 {
            return Err(SubmitError::OutOfOrder {
                expected: last + 1,
                got: number,
            });
        }
        let root = StateView::new(self.store.state()).root()?;
        if root != s.expected_old_root {
            return Err(SubmitError::OldRootMismatch {
                batch: number,
                expected: digest_hex(&s.expected_old_root),
                actual: digest_hex(&root),
            });
        }
        let exec = execute(
            self.store.state(),
            &s.batch,
            self.config.capacity,
            self.config.chain_id,
        )?;
        if exec.new_root != s.claimed_new_root {
            return Err(SubmitError::NewRootMismatch {
                batch: number,
                claimed: digest_hex(&s.claimed_new_root),
                computed: digest_hex(&exec.new_root),
            });
        }
        let witness = generate(&exec)?.to_bytes();
        let job = JobRecord {
            id: self.store.counter("next_job_id")?,
            kind: JobKind::BatchProof,
            batch_number: number,
            capacity: self.config.capacity,
            depends_on: vec![],
            state: JobState::Queued,
            attempts: 0,
            last_error: None,
            not_before_ms: 0,
            step: None,
        };
        let now = now_ms();
        let record = BatchRecord {
            batch: s.batch,
            old_root: exec.old_root,
            new_root: exec.new_root,
            commitment: exec.commitment,
            status: BatchStatus::Accepted,
            error: None,
            job_id: job.id,
            accepted_ms: now,
            updated_ms: now,
        };
        let open = self.open_start()?;
        let max = self.config.max_range_batches;
        let sealed = if max > 0 && number + 1 >= open + max {
            Some(self.build_range(open, number, job.id + 1, Some(&record))?)
        } else {
            None
        };
        let mut also = Changes::default();
        if let Some((range, jobs)) = &sealed {
            also.ranges.push(range.clone());
            also.jobs.clone_from(jobs);
            also.next_job_id = Some(job.id + 1 + jobs.len() as u64);
        }
        self.store
            .accept_batch(&exec.writes, &record, &job, &witness, &also)?;
        inner.queue.push(job);
        if let Some((range, jobs)) = sealed {
            for j in jobs {
                inner.queue.push(j);
            }
            tracing::info!(range = %span(range.first, range.last), steps = range.steps.len(), "range sealed (full)");
        }
        drop(inner);
        self.jobs_ready.notify_waiters();
        self.publish(&record);
        tracing::info!(batch = number, new_root = %digest_hex(&record.new_root), "batch accepted");
        Ok(SubmitOutcome {
            record,
            accepted_now: true,
        })
    }

    /// Seals the open range: every accepted batch since the last sealed range
    /// becomes a range, stored with one aggregation job per step in one commit.
    pub fn seal(&self) -> Result<RangeRecord, SealError> {
        let mut inner = self.lock();
        let first = self.open_start()?;
        let last = self.store.last_batch()?;
        if last < first {
            return Err(SealError::Empty { last_batch: last });
        }
        let range = self.seal_locked(&mut inner, first, last)?;
        drop(inner);
        self.jobs_ready.notify_waiters();
        Ok(range)
    }

    fn seal_locked(
        &self,
        inner: &mut Inner,
        first: u64,
        last: u64,
    ) -> Result<RangeRecord, StoreError> {
        let next_job_id = self.store.counter("next_job_id")?;
        let (range, jobs) = self.build_range(first, last, next_job_id, None)?;
        self.store.apply(&Changes {
            ranges: vec![range.clone()],
            jobs: jobs.clone(),
            next_job_id: Some(next_job_id + jobs.len() as u64),
            ..Changes::default()
        })?;
        for j in jobs {
            inner.queue.push(j);
        }
        tracing::info!(range = %span(first, last), steps = range.steps.len(), status = ?range.status, "range sealed");
        Ok(range)
    }

    /// The record of range `first..=last` and its step jobs (ids from
    /// `first_job_id`), each depending on its children's jobs, then its wrap
    /// job (after the root step's) when the coordinator wraps. `new` is a
    /// batch being accepted in the same commit. A range holding a failed batch
    /// is failed from the start, and so are its jobs.
    fn build_range(
        &self,
        first: u64,
        last: u64,
        first_job_id: u64,
        new: Option<&BatchRecord>,
    ) -> Result<(RangeRecord, Vec<JobRecord>), StoreError> {
        let mut batches = Vec::new();
        for n in first..=last {
            let b = match new {
                Some(b) if b.number() == n => b.clone(),
                _ => self
                    .store
                    .batch(n)?
                    .ok_or_else(|| corrupt(format!("batch {n}"), "missing for its range"))?,
            };
            batches.push(b);
        }
        let error = batches
            .iter()
            .find(|b| b.status == BatchStatus::Failed)
            .map(|b| {
                format!(
                    "batch {} failed: {}",
                    b.number(),
                    b.error.as_deref().unwrap_or("no reason recorded")
                )
            });
        let commitments: Vec<[u8; 32]> = batches.iter().map(|b| b.commitment).collect();
        let at = |n: u64| (n - first) as usize;
        let values = |start: u64, end: u64| RangeValues {
            old_root: batches[at(start)].old_root,
            new_root: batches[at(end - 1)].new_root,
            commitment: range_commitment(&commitments[at(start)..at(end)]),
        };
        let mut ids: HashMap<(u64, u64), u64> = HashMap::new();
        let mut jobs = Vec::new();
        let mut steps = Vec::new();
        for (i, step) in plan(first, last + 1).into_iter().enumerate() {
            let id = first_job_id + i as u64;
            let mut depends_on = Vec::new();
            for part in [Some(step.left), step.right].into_iter().flatten() {
                depends_on.push(match part {
                    Part::Batch(n) => batches[at(n)].job_id,
                    Part::Range { start, end } => {
                        ids.get(&(start, end)).copied().ok_or_else(|| {
                            corrupt(
                                format!("range {}", span(first, last)),
                                format!("step {start}..{end} planned after its parent"),
                            )
                        })?
                    }
                });
            }
            ids.insert((step.start, step.end), id);
            jobs.push(JobRecord {
                id,
                kind: JobKind::Aggregate,
                batch_number: step.start,
                capacity: self.config.capacity,
                depends_on,
                state: if error.is_some() {
                    JobState::Failed
                } else {
                    JobState::Queued
                },
                attempts: 0,
                last_error: error.clone(),
                not_before_ms: 0,
                step: Some(step),
            });
            steps.push(StepRecord {
                step,
                job_id: id,
                expected: values(step.start, step.end),
                started_ms: None,
                proven_ms: None,
            });
        }
        let wrap = match (&self.config.wrap, steps.last()) {
            (Some(_), Some(root)) => {
                let id = first_job_id + jobs.len() as u64;
                let job = self.wrap_job(id, first, root.job_id, error.clone());
                let record = wrap_record(&job);
                jobs.push(job);
                Some(record)
            }
            _ => None,
        };
        let now = now_ms();
        let range = RangeRecord {
            first,
            last,
            status: if error.is_some() {
                RangeStatus::Failed
            } else {
                RangeStatus::Aggregating
            },
            error,
            values: values(first, last + 1),
            steps,
            sealed_ms: now,
            updated_ms: now,
            wrap,
        };
        Ok((range, jobs))
    }

    /// Drops every accepted batch after `to`, as `Rollup.revertBatches` drops
    /// committed ones: their state changes are undone, and their records,
    /// proofs and jobs and the sealed ranges after `to` go with them, in one
    /// commit. `to` must be 0, the last batch of a sealed range or a batch of
    /// the open range; no range with a stored wrapped proof is dropped. A
    /// worker still proving a dropped job finds it gone when it reports.
    /// The sequencer then submits batch `to + 1` on the root returned.
    pub fn revert(&self, to: u64) -> Result<RevertOutcome, RevertError> {
        let mut inner = self.lock();
        let last = self.store.last_batch()?;
        let ranges = ranges_to_drop(to, last, self.store.ranges()?)?;
        // Every job after `to`, from the records (the queue holds unfinished
        // ones only): each dropped batch's, and each dropped range's steps and wrap.
        let mut jobs = Vec::new();
        for n in to + 1..=last {
            let b = self
                .store
                .batch(n)?
                .ok_or_else(|| corrupt(format!("batch {n}"), "missing"))?;
            jobs.push(b.job_id);
        }
        for r in &ranges {
            jobs.extend(r.steps.iter().map(|s| s.job_id));
            jobs.extend(r.wrap.as_ref().map(|w| w.job_id));
        }
        self.store.revert(to, &jobs, &ranges)?;
        inner.queue.remove(&jobs);
        drop(inner);
        let root = StateView::new(self.store.state())
            .root()
            .map_err(StoreError::State)?;
        let outcome = RevertOutcome {
            batches: (to < last).then_some((to + 1, last)),
            ranges: ranges.iter().map(|r| (r.first, r.last)).collect(),
            jobs: jobs.len(),
            root,
        };
        tracing::warn!(kept = to, dropped = ?outcome.batches, ranges = ?outcome.ranges, jobs = outcome.jobs, root = %digest_hex(&root), "batches reverted");
        Ok(outcome)
    }

    /// Queues again every failed job of `target` (an operator's way out of a
    /// failed state, once its cause is fixed): a failed batch's proving job,
    /// and, for a sealed range it touches, every failed job of the range (its
    /// batches', steps' and wrap's), which then aggregates again (or stays
    /// proven when only its wrap failed). Done jobs are kept.
    pub fn retry(&self, target: RetryTarget) -> Result<RetryOutcome, RetryError> {
        let mut inner = self.lock();
        let last = self.store.last_batch()?;
        let (first_batch, last_batch) = match target {
            RetryTarget::Job(id) => {
                // A done job is no longer held by the queue: look in the store.
                let job = match inner.queue.get(id) {
                    Some(j) => j.clone(),
                    None => self.store.job(id)?.ok_or(RetryError::UnknownJob(id))?,
                };
                let n = match job.step {
                    Some(step) => step.start,
                    None => job.batch_number,
                };
                (n, n)
            }
            RetryTarget::Batch(n) => (n, n),
            RetryTarget::Range(a, b) => {
                if a == 0 || a > b {
                    return Err(RetryError::BadRange { first: a, last: b });
                }
                (a, b)
            }
        };
        if first_batch == 0 || last_batch > last {
            return Err(RetryError::UnknownBatch { target, last });
        }
        let mut ranges: Vec<RangeRecord> = self
            .store
            .ranges()?
            .into_iter()
            .filter(|r| r.first <= last_batch && r.last >= first_batch)
            .collect();
        // Whole ranges: every batch of a range touched, and the batches named.
        let mut numbers: BTreeSet<u64> = (first_batch..=last_batch).collect();
        for r in &ranges {
            numbers.extend(r.first..=r.last);
        }
        let mut batches = Vec::new();
        for n in numbers {
            let b = self
                .store
                .batch(n)?
                .ok_or_else(|| corrupt(format!("batch {n}"), "missing"))?;
            batches.push(b);
        }
        let mut ids: Vec<u64> = batches.iter().map(|b| b.job_id).collect();
        for r in &ranges {
            ids.extend(r.steps.iter().map(|s| s.job_id));
            ids.extend(r.wrap.as_ref().map(|w| w.job_id));
        }
        let jobs = inner.queue.requeued_failed(&ids);
        if jobs.is_empty() {
            return Err(RetryError::NothingFailed(target));
        }
        let again: BTreeSet<u64> = jobs.iter().map(|j| j.id).collect();
        let now = now_ms();
        let batches: Vec<BatchRecord> = batches
            .into_iter()
            .filter(|b| again.contains(&b.job_id))
            .map(|mut b| {
                b.status = BatchStatus::Accepted;
                b.error = None;
                b.updated_ms = now;
                b
            })
            .collect();
        let mut revived = Vec::new();
        for r in &mut ranges {
            let mut changed = false;
            if let Some(w) = r.wrap.as_mut().filter(|w| again.contains(&w.job_id)) {
                if let Some(job) = jobs.iter().find(|j| j.id == w.job_id) {
                    set_wrap_state(w, job, now);
                    changed = true;
                }
            }
            if r.status == RangeStatus::Failed {
                let root_done = r
                    .steps
                    .last()
                    .is_some_and(|s| inner.queue.is_done(s.job_id));
                r.status = if root_done {
                    RangeStatus::Proven
                } else {
                    RangeStatus::Aggregating
                };
                r.error = None;
                revived.push((r.first, r.last));
                changed = true;
            }
            if changed {
                r.updated_ms = now;
            }
        }
        self.store.apply(&Changes {
            jobs: jobs.clone(),
            batches: batches.clone(),
            ranges: ranges.clone(),
            ..Changes::default()
        })?;
        for j in &jobs {
            inner.queue.push(j.clone());
        }
        drop(inner);
        for b in &batches {
            self.publish(b);
        }
        // A range failed before wrapping was turned on gets its wrap job now.
        self.queue_missing_wraps()?;
        self.jobs_ready.notify_waiters();
        let outcome = RetryOutcome {
            jobs: jobs.len(),
            batches: batches.iter().map(|b| b.number()).collect(),
            ranges: revived,
        };
        tracing::warn!(%target, jobs = outcome.jobs, batches = ?outcome.batches, ranges = ?outcome.ranges, "failed jobs queued again by the operator");
        Ok(outcome)
    }

    /// Registers a worker accepting `kinds` of jobs; returns its id and the
    /// secret its later calls must carry (only its hash is kept).
    pub fn register_worker(
        &self,
        name: &str,
        kinds: &[JobKind],
    ) -> Result<(u64, [u8; 32]), StoreError> {
        let secret: [u8; 32] = rand::random();
        let mut inner = self.lock();
        let id = inner.next_worker_id;
        let record = WorkerRecord {
            name: name.to_string(),
            kinds: kinds.to_vec(),
            secret_sha256: Some(hex::encode(Sha256::digest(secret))),
        };
        self.store.put_worker(id, &record, id + 1)?;
        inner.next_worker_id = id + 1;
        inner.workers.insert(id, record);
        tracing::info!(worker = id, name, ?kinds, "worker registered");
        Ok((id, secret))
    }

    /// Checks that the caller is `worker`: it sent the secret `worker` was
    /// given. An unknown id and a wrong secret are refused alike.
    fn authenticate(&self, inner: &Inner, worker: u64, secret: &[u8]) -> Result<(), JobError> {
        let sent = hex::encode(Sha256::digest(secret));
        let held = inner
            .workers
            .get(&worker)
            .and_then(|w| w.secret_sha256.as_deref());
        // Compared without an early exit, though a digest's prefix tells an
        // attacker nothing about a secret anyway.
        let same = held.is_some_and(|h| {
            h.len() == sent.len()
                && h.bytes()
                    .zip(sent.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if !same {
            return Err(JobError::NotThisWorker(worker));
        }
        Ok(())
    }

    /// Returns lapsed leases' jobs to the queue, each after its backoff; called periodically.
    pub fn expire_leases(&self) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        let changed = inner.queue.expire(now_ms());
        if changed.is_empty() {
            return Ok(0);
        }
        self.counters
            .lease_expiries
            .fetch_add(changed.len() as u64, std::sync::atomic::Ordering::Relaxed);
        for job in &changed {
            tracing::warn!(job = job.id, kind = ?job.kind, batch = job.batch_number, error = ?job.last_error, "lease expired");
        }
        let n = changed.len();
        self.persist(&mut inner, &changed)?;
        drop(inner);
        self.jobs_ready.notify_waiters();
        Ok(n)
    }

    /// Saves jobs whose state changed (leased, queued again, failed), with
    /// what follows for their batches and ranges, in one commit; then publishes the batches' new status. A job
    /// failed for good fails the range it belongs to, and that range's
    /// unfinished steps.
    fn persist(&self, inner: &mut Inner, changed: &[JobRecord]) -> Result<(), StoreError> {
        let now = now_ms();
        // The latest record of every job this commit changes (a done one is
        // no longer in the queue to ask).
        let mut latest: BTreeMap<u64, JobRecord> =
            changed.iter().map(|j| (j.id, j.clone())).collect();
        let mut batches = Vec::new();
        let mut ranges: BTreeMap<u64, RangeRecord> = BTreeMap::new();
        // The range holding `batch`, from this commit's copies first.
        let range_of = |ranges: &mut BTreeMap<u64, RangeRecord>,
                        batch: u64|
         -> Result<Option<u64>, StoreError> {
            if let Some(r) = ranges.values().find(|r| r.contains(batch)) {
                return Ok(Some(r.first));
            }
            Ok(self.store.range_containing(batch)?.map(|r| {
                let first = r.first;
                ranges.insert(first, r);
                first
            }))
        };
        let mut failures: Vec<(u64, String)> = Vec::new();
        for job in changed {
            match job.kind {
                JobKind::BatchProof => {
                    let Some(mut b) = self.store.batch(job.batch_number)? else {
                        continue;
                    };
                    b.status = match job.state {
                        JobState::Queued => BatchStatus::Accepted,
                        JobState::Leased(_) => BatchStatus::Proving,
                        JobState::Done => BatchStatus::Proven,
                        JobState::Failed => BatchStatus::Failed,
                    };
                    // While a retry is pending, why the last attempt failed.
                    b.error = if b.status == BatchStatus::Proven {
                        None
                    } else {
                        job.last_error.clone()
                    };
                    b.updated_ms = now;
                    if b.status == BatchStatus::Failed {
                        if let Some(first) = range_of(&mut ranges, b.number())? {
                            failures.push((
                                first,
                                format!(
                                    "batch {} failed: {}",
                                    b.number(),
                                    b.error.as_deref().unwrap_or("no reason recorded")
                                ),
                            ));
                        }
                    }
                    batches.push(b);
                }
                JobKind::Aggregate => {
                    let Some(step) = job.step else {
                        return Err(corrupt(
                            format!("job {}", job.id),
                            "aggregate job without a step",
                        ));
                    };
                    let Some(first) = range_of(&mut ranges, step.start)? else {
                        return Err(corrupt(format!("job {}", job.id), "its range is missing"));
                    };
                    let Some(range) = ranges.get_mut(&first) else {
                        continue;
                    };
                    match job.state {
                        JobState::Leased(_) => {
                            if let Some(s) = range.step_mut(job.id) {
                                s.started_ms = Some(now);
                            }
                            range.updated_ms = now;
                        }
                        JobState::Failed => failures.push((
                            first,
                            format!(
                                "aggregation step {} failed: {}",
                                span(step.start, step.end - 1),
                                job.last_error.as_deref().unwrap_or("no reason recorded")
                            ),
                        )),
                        JobState::Queued | JobState::Done => {}
                    }
                }
                JobKind::Wrap => {
                    let Some(first) = range_of(&mut ranges, job.batch_number)? else {
                        return Err(corrupt(format!("job {}", job.id), "its range is missing"));
                    };
                    let Some(range) = ranges.get_mut(&first) else {
                        continue;
                    };
                    if let Some(w) = range.wrap.as_mut().filter(|w| w.job_id == job.id) {
                        set_wrap_state(w, job, now);
                        range.updated_ms = now;
                    }
                }
            }
        }
        for (first, error) in failures {
            let Some(range) = ranges.get_mut(&first) else {
                continue;
            };
            if range.status != RangeStatus::Aggregating {
                continue;
            }
            tracing::warn!(range = %span(range.first, range.last), %error, "range failed");
            range.status = RangeStatus::Failed;
            range.updated_ms = now;
            let mut ids: Vec<u64> = range.steps.iter().map(|s| s.job_id).collect();
            ids.extend(range.wrap.as_ref().map(|w| w.job_id));
            let why = format!("range {} failed: {error}", span(range.first, range.last));
            range.error = Some(error);
            for j in inner.queue.fail_unfinished(&ids, &why) {
                if let Some(w) = range.wrap.as_mut().filter(|w| w.job_id == j.id) {
                    set_wrap_state(w, &j, now);
                }
                latest.insert(j.id, j);
            }
        }
        let jobs = latest.into_values().collect();
        self.store.apply(&Changes {
            jobs,
            batches: batches.clone(),
            ranges: ranges.into_values().collect(),
            ..Changes::default()
        })?;
        for b in &batches {
            self.publish(b);
        }
        Ok(())
    }

    /// The kinds of jobs `worker` may be handed.
    fn kinds_for(&self, inner: &Inner, worker: u64) -> Vec<JobKind> {
        // Workers registered before kinds were recorded prove batches only.
        let mut kinds = inner
            .workers
            .get(&worker)
            .map(|w| w.kinds.clone())
            .unwrap_or_else(|| vec![JobKind::BatchProof]);
        // Without the wrap's keys no wrap proof could be checked: hand none out.
        if self.config.wrap.is_none() {
            kinds.retain(|&k| k != JobKind::Wrap);
        }
        kinds
    }

    /// Leases a job to `worker` in memory if one is ready (no I/O: most polls
    /// of a woken fleet find nothing); otherwise says when the first job it
    /// could take that is backing off after a failure may be leased.
    fn try_lease(
        &self,
        worker: u64,
        secret: &[u8],
    ) -> Result<Result<JobRecord, Option<u64>>, JobError> {
        let mut inner = self.lock();
        self.authenticate(&inner, worker, secret)?;
        let kinds = self.kinds_for(&inner, worker);
        let now = now_ms();
        Ok(inner
            .queue
            .acquire(worker, &kinds, now)
            .ok_or_else(|| inner.queue.next_retry_ms(&kinds, now)))
    }

    /// Stores a lease [`Coordinator::try_lease`] granted and reads what the
    /// worker needs to prove it (blocking: a store commit and reads).
    fn record_lease(&self, job: JobRecord) -> Result<Assignment, JobError> {
        self.persist(&mut self.lock(), std::slice::from_ref(&job))?;
        let what = || format!("job {}", job.id);
        let (witness, range) = match job.kind {
            JobKind::BatchProof => (
                self.store
                    .witness(job.id)?
                    .ok_or_else(|| corrupt(what(), "witness missing"))?,
                (job.batch_number, job.batch_number),
            ),
            JobKind::Aggregate => {
                let step = job
                    .step
                    .ok_or_else(|| corrupt(what(), "aggregate job without a step"))?;
                (self.aggregate_witness(&job)?, (step.start, step.end - 1))
            }
            JobKind::Wrap => {
                let range = self
                    .store
                    .range(job.batch_number)?
                    .ok_or_else(|| corrupt(what(), "its range is missing"))?;
                // The witness of a wrap job is the range proof itself.
                let proof = self
                    .store
                    .range_proof(range.first, range.last)?
                    .ok_or_else(|| corrupt(what(), "the range proof it wraps is missing"))?;
                (proof, (range.first, range.last))
            }
        };
        Ok(Assignment {
            job,
            witness,
            range,
        })
    }

    /// The witness of an aggregate job: its step and its children's stored proofs.
    fn aggregate_witness(&self, job: &JobRecord) -> Result<Vec<u8>, StoreError> {
        let what = || format!("job {}", job.id);
        let step = job
            .step
            .ok_or_else(|| corrupt(what(), "aggregate job without a step"))?;
        let child = |part: Part| -> Result<ChildProof, StoreError> {
            let proof = match part {
                Part::Batch(n) => self.store.proof(n)?,
                Part::Range { start, end } => self.store.range_proof(start, end - 1)?,
            };
            let proof =
                proof.ok_or_else(|| corrupt(what(), format!("proof of child {part:?} missing")))?;
            Ok(ChildProof { part, proof })
        };
        let witness = AggregateWitness {
            step,
            left: child(step.left)?,
            right: step.right.map(child).transpose()?,
        };
        Ok(witness.to_bytes())
    }

    /// Leases a ready job of a kind the worker accepts, waiting up to `wait` for one to appear.
    pub async fn acquire(
        self: &Arc<Self>,
        worker: u64,
        secret: &[u8],
        wait: Duration,
    ) -> Result<Option<Assignment>, JobError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut closing = self.closing();
        loop {
            let notified = self.jobs_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let retry_at = match self.try_lease(worker, secret)? {
                Ok(job) => {
                    // Off the async threads: a lease is a store commit, and a witness a store read.
                    let coord = self.clone();
                    return tokio::task::spawn_blocking(move || coord.record_lease(job))
                        .await
                        .map_err(|e| JobError::Internal(e.to_string()))?
                        .map(Some);
                }
                Err(retry_at) => retry_at,
            };
            // A job backing off after a failure wakes the poll when its wait ends.
            let wake = retry_at
                .map(|at| {
                    tokio::time::Instant::now() + Duration::from_millis(at.saturating_sub(now_ms()))
                })
                .map_or(deadline, |at| at.min(deadline));
            // A long-poll ends early when the server shuts down, so shutdown need not wait for it.
            tokio::select! {
                woken = tokio::time::timeout_at(wake, notified) => {
                    if woken.is_err() && wake >= deadline {
                        return Ok(None);
                    }
                }
                _ = closing.wait_for(|c| *c) => return Ok(None),
            }
        }
    }

    /// Extends `worker`'s leases; returns for each lease its new expiry or why not.
    pub fn heartbeat(
        &self,
        worker: u64,
        secret: &[u8],
        leases: &[LeaseId],
    ) -> Result<Vec<Result<u64, QueueError>>, JobError> {
        // Checked before the lock: the work of one call stays bounded.
        if leases.len() > MAX_HEARTBEAT_LEASES {
            return Err(JobError::TooManyLeases {
                named: leases.len(),
            });
        }
        let mut inner = self.lock();
        self.authenticate(&inner, worker, secret)?;
        let now = now_ms();
        let mut out = Vec::with_capacity(leases.len());
        let mut changed = Vec::new();
        for &l in leases {
            match inner.queue.heartbeat(worker, l, now) {
                Ok((job, exp)) => {
                    changed.push(job);
                    out.push(Ok(exp));
                }
                Err(e) => out.push(Err(e)),
            }
        }
        self.store.put_jobs(&changed)?;
        Ok(out)
    }

    fn reject(&self, job: u64, reason: String) -> JobError {
        self.counters
            .proofs_rejected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        JobError::BadProof { job, reason }
    }

    /// Accepts a proof for a leased job after checking that it verifies and states
    /// exactly what the job must prove: a batch's roots and commitment, or an
    /// aggregation step's first old root, last new root and range commitment.
    /// A refused proof leaves the job leased and stores nothing.
    pub fn complete(
        &self,
        worker: u64,
        secret: &[u8],
        job_id: u64,
        lease_id: LeaseId,
        proof_bytes: &[u8],
    ) -> Result<(), JobError> {
        let job = {
            let inner = self.lock();
            self.authenticate(&inner, worker, secret)?;
            inner
                .queue
                .check_lease(worker, job_id, lease_id, now_ms())?
                .clone()
        };
        match job.kind {
            JobKind::BatchProof => self.complete_batch(worker, &job, lease_id, proof_bytes),
            JobKind::Aggregate => self.complete_step(worker, &job, lease_id, proof_bytes),
            JobKind::Wrap => self.complete_wrap(worker, &job, lease_id, proof_bytes),
        }
    }

    fn complete_batch(
        &self,
        worker: u64,
        job: &JobRecord,
        lease_id: LeaseId,
        proof_bytes: &[u8],
    ) -> Result<(), JobError> {
        let (job_id, batch_number) = (job.id, job.batch_number);
        let reject = |reason: String| self.reject(job_id, reason);
        let mut record = self
            .store
            .batch(batch_number)?
            .ok_or_else(|| corrupt(format!("batch {batch_number}"), "missing for its job"))?;
        // Checked outside the lock: verification takes milliseconds.
        let circuit = self.circuits.batch();
        let proof =
            BatchProof::from_bytes(proof_bytes, circuit).map_err(|e| reject(e.to_string()))?;
        circuit.verify(&proof).map_err(|e| reject(e.to_string()))?;
        let pv = proof.public_values().map_err(|e| reject(e.to_string()))?;
        let stated = (record.old_root, record.new_root, record.commitment);
        if let Some(why) = values_mismatch(&pv, stated, &format!("batch {batch_number}")) {
            return Err(reject(why));
        }
        let mut inner = self.lock();
        // The lease may have lapsed while the proof was checked: check again.
        let mut done = inner
            .queue
            .check_lease(worker, job_id, lease_id, now_ms())?
            .clone();
        done.state = JobState::Done;
        done.last_error = None;
        record.status = BatchStatus::Proven;
        record.error = None;
        record.updated_ms = now_ms();
        self.store.apply(&Changes {
            jobs: vec![done],
            batches: vec![record.clone()],
            batch_proof: Some((batch_number, proof_bytes)),
            ..Changes::default()
        })?;
        inner.queue.complete(worker, job_id, lease_id, now_ms())?;
        drop(inner);
        self.counters
            .proofs_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.publish(&record);
        // Aggregation steps over this batch may be ready now.
        self.jobs_ready.notify_waiters();
        tracing::info!(batch = batch_number, job = job_id, worker, "proof accepted");
        Ok(())
    }

    fn complete_step(
        &self,
        worker: u64,
        job: &JobRecord,
        lease_id: LeaseId,
        proof_bytes: &[u8],
    ) -> Result<(), JobError> {
        let job_id = job.id;
        let reject = |reason: String| self.reject(job_id, reason);
        let step = job
            .step
            .ok_or_else(|| corrupt(format!("job {job_id}"), "aggregate job without a step"))?;
        let (first, last) = (step.start, step.end - 1);
        let range = self
            .store
            .range_containing(first)?
            .ok_or_else(|| corrupt(format!("job {job_id}"), "its range is missing"))?;
        let expected = range
            .steps
            .iter()
            .find(|s| s.job_id == job_id)
            .map(|s| s.expected)
            .ok_or_else(|| corrupt(format!("job {job_id}"), "not a step of its range"))?;
        // Checked outside the lock: verification takes milliseconds.
        let circuit = self.circuits.aggregation();
        let proof =
            RangeProof::from_bytes(proof_bytes, circuit).map_err(|e| reject(e.to_string()))?;
        circuit.verify(&proof).map_err(|e| reject(e.to_string()))?;
        let pv = proof.public_values().map_err(|e| reject(e.to_string()))?;
        let stated = (expected.old_root, expected.new_root, expected.commitment);
        if let Some(why) = values_mismatch(&pv, stated, &format!("batches {}", span(first, last))) {
            return Err(reject(why));
        }
        let mut inner = self.lock();
        let (done, mut range, now) =
            self.done_in_range(&inner, worker, job_id, lease_id, range.first)?;
        if let Some(s) = range.step_mut(job_id) {
            s.proven_ms = Some(now);
        }
        range.updated_ms = now;
        let root = range.is_root(job_id);
        if root && range.status == RangeStatus::Aggregating {
            range.status = RangeStatus::Proven;
        }
        self.store.apply(&Changes {
            jobs: vec![done],
            ranges: vec![range.clone()],
            range_proof: Some(((first, last), proof_bytes)),
            ..Changes::default()
        })?;
        inner.queue.complete(worker, job_id, lease_id, now)?;
        drop(inner);
        self.counters
            .proofs_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.jobs_ready.notify_waiters();
        tracing::info!(step = %span(first, last), range = %span(range.first, range.last), job = job_id, worker, "aggregation step accepted");
        if root {
            tracing::info!(range = %span(range.first, range.last), "range proven");
        }
        Ok(())
    }

    /// The job of a checked proof marked done, and its range as stored now,
    /// once the lease is checked again: it may have lapsed (or the range
    /// failed) while the proof was checked outside the lock.
    fn done_in_range(
        &self,
        inner: &Inner,
        worker: u64,
        job_id: u64,
        lease_id: LeaseId,
        first: u64,
    ) -> Result<(JobRecord, RangeRecord, u64), JobError> {
        let mut done = inner
            .queue
            .check_lease(worker, job_id, lease_id, now_ms())?
            .clone();
        done.state = JobState::Done;
        done.last_error = None;
        let range = self
            .store
            .range(first)?
            .ok_or_else(|| corrupt(format!("job {job_id}"), "its range is missing"))?;
        Ok((done, range, now_ms()))
    }

    /// Accepts a range's wrapped proof: 256 bytes in the EVM encoding whose
    /// Groth16 check passes for the public input recomputed from the range's
    /// stored values (not from anything the worker sent).
    fn complete_wrap(
        &self,
        worker: u64,
        job: &JobRecord,
        lease_id: LeaseId,
        proof_bytes: &[u8],
    ) -> Result<(), JobError> {
        let job_id = job.id;
        let wrapper = self.config.wrap.as_ref().ok_or(JobError::WrapOff(job_id))?;
        let reject = |reason: String| self.reject(job_id, reason);
        let range = self
            .store
            .range(job.batch_number)?
            .ok_or_else(|| corrupt(format!("job {job_id}"), "its range is missing"))?;
        let proof = groth16::evm_to_proof(proof_bytes).map_err(|e| reject(e.to_string()))?;
        // Checked outside the lock: a pairing check takes milliseconds.
        let values = range.values.public_values();
        wrapper.verify_values(&proof, &values).map_err(|e| {
            reject(format!(
                "it does not prove range {}: {e}",
                span(range.first, range.last)
            ))
        })?;
        let mut inner = self.lock();
        let (done, mut range, now) =
            self.done_in_range(&inner, worker, job_id, lease_id, range.first)?;
        if let Some(w) = range.wrap.as_mut().filter(|w| w.job_id == job_id) {
            set_wrap_state(w, &done, now);
        }
        range.updated_ms = now;
        self.store.apply(&Changes {
            jobs: vec![done],
            ranges: vec![range.clone()],
            wrap_proof: Some((range.first, proof_bytes)),
            ..Changes::default()
        })?;
        inner.queue.complete(worker, job_id, lease_id, now)?;
        drop(inner);
        self.counters
            .proofs_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(range = %span(range.first, range.last), job = job_id, worker, "range wrapped");
        Ok(())
    }

    /// Records a worker's failure of a job; returns whether it was requeued.
    pub fn fail(
        &self,
        worker: u64,
        secret: &[u8],
        job_id: u64,
        lease_id: LeaseId,
        error: &str,
        retryable: bool,
    ) -> Result<bool, JobError> {
        let mut inner = self.lock();
        self.authenticate(&inner, worker, secret)?;
        let job = inner
            .queue
            .fail(worker, job_id, lease_id, error, retryable, now_ms())?;
        let requeued = job.state == JobState::Queued;
        self.persist(&mut inner, std::slice::from_ref(&job))?;
        drop(inner);
        if requeued {
            self.jobs_ready.notify_waiters();
        }
        tracing::warn!(
            job = job_id,
            worker,
            error,
            retryable,
            requeued,
            "job failed"
        );
        Ok(requeued)
    }

    /// Job counts by state, and ready batch-proof jobs.
    pub fn job_counts(&self) -> (JobCounts, u64) {
        let inner = self.lock();
        (inner.queue.counts(), inner.queue.depth(JobKind::BatchProof))
    }

    /// Ready jobs of a kind.
    pub fn queue_depth(&self, kind: JobKind) -> u64 {
        self.lock().queue.depth(kind)
    }

    /// Batch circuit capacity (pubdata chunks) of every batch.
    pub fn capacity(&self) -> usize {
        self.config.capacity
    }

    /// A stored batch.
    pub fn batch(&self, number: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.store.batch(number)
    }

    /// A stored proof.
    pub fn proof(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.proof(number)
    }

    /// The sealed range holding `batch`.
    pub fn range_containing(&self, batch: u64) -> Result<Option<RangeRecord>, StoreError> {
        self.store.range_containing(batch)
    }

    /// Every sealed range.
    pub fn ranges(&self) -> Result<Vec<RangeRecord>, StoreError> {
        self.store.ranges()
    }

    /// The range proof of the sealed range `first..=last`, once proven.
    pub fn range_proof(&self, first: u64, last: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.range_proof(first, last)
    }

    /// The wrapped proof (EVM encoding) of the sealed range starting at `first`, once proven.
    pub fn wrap_proof(&self, first: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.wrap_proof(first)
    }

    /// Leases a job has been given so far (0 for an unknown job, or one whose record cannot be read).
    pub fn job_attempts(&self, job_id: u64) -> u32 {
        let held = self.lock().queue.get(job_id).map(|j| j.attempts);
        // A done job is in the store only.
        held.or_else(|| self.store.job(job_id).ok().flatten().map(|j| j.attempts))
            .unwrap_or(0)
    }

    /// Circuits used to check proofs.
    pub fn circuits(&self) -> &Arc<Circuits> {
        &self.circuits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u64, last: u64, wrap: Option<WrapStatus>) -> RangeRecord {
        RangeRecord {
            first,
            last,
            status: RangeStatus::Aggregating,
            error: None,
            values: RangeValues {
                old_root: Digest::default(),
                new_root: Digest::default(),
                commitment: [0; 32],
            },
            steps: Vec::new(),
            sealed_ms: 0,
            updated_ms: 0,
            wrap: wrap.map(|status| WrapRecord {
                job_id: first,
                status,
                error: None,
                started_ms: None,
                proven_ms: None,
            }),
        }
    }

    fn firsts(r: Result<Vec<RangeRecord>, RevertError>) -> Vec<u64> {
        match r {
            Ok(ranges) => ranges.iter().map(|r| r.first).collect(),
            Err(e) => panic!("expected the revert allowed, got: {e}"),
        }
    }

    #[test]
    fn revert_keeps_whole_ranges_and_never_drops_a_wrapped_one() {
        let ranges = || {
            vec![
                range(1, 2, Some(WrapStatus::Proven)),
                range(3, 4, Some(WrapStatus::Failed)),
                range(5, 6, Some(WrapStatus::Queued)),
            ]
        };
        assert_eq!(
            firsts(ranges_to_drop(4, 8, ranges())),
            vec![5],
            "to a range's end"
        );
        assert_eq!(
            firsts(ranges_to_drop(2, 8, ranges())),
            vec![3, 5],
            "two ranges"
        );
        assert_eq!(
            firsts(ranges_to_drop(7, 8, ranges())),
            Vec::<u64>::new(),
            "inside the open range"
        );
        assert!(
            matches!(
                ranges_to_drop(5, 8, ranges()),
                Err(RevertError::InsideRange {
                    to: 5,
                    first: 5,
                    last: 6
                })
            ),
            "into a sealed range"
        );
        assert!(
            matches!(
                ranges_to_drop(9, 8, ranges()),
                Err(RevertError::AfterLast { to: 9, last: 8 })
            ),
            "past the last batch"
        );
        let err = ranges_to_drop(0, 8, ranges()).expect_err("dropping a wrapped range");
        assert!(
            matches!(err, RevertError::Proven { first: 1, last: 2 }),
            "expected range 1..2 refused as proven, got: {err}"
        );
    }
}
