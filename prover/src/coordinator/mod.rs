//! The coordinator: accepts batches strictly in order, applies them to the state
//! and enqueues a proving job each (the witness stage), leases jobs to workers and
//! accepts their proofs after checking them. The gRPC services in `service` are a
//! thin layer over this.

mod queue;
pub mod server;
pub mod service;

pub use queue::{JobCounts, Queue, QueueConfig, QueueError};

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{broadcast, Notify};
use zkr_circuits::batch::{BatchCircuit, BatchProof};
use zkr_circuits::executor::{execute, ExecError};
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, Digest, StateError, StateView};
use zkr_circuits::witness::{generate, WitnessError};

use crate::store::{BatchRecord, BatchStatus, JobKind, JobRecord, JobState, Store, StoreError};

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

/// Why a worker's completion or failure report is refused.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Unknown worker id.
    #[error("worker {0} is not registered")]
    UnknownWorker(u64),
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
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A job handed to a worker, with its witness.
#[derive(Clone, Debug)]
pub struct Assignment {
    /// The job (state `Leased`).
    pub job: JobRecord,
    /// Serialized witness.
    pub witness: Vec<u8>,
}

/// Coordinator settings.
#[derive(Clone, Debug)]
pub struct CoordinatorConfig {
    /// Batch circuit capacity (pubdata chunks).
    pub capacity: usize,
    /// Lease length and attempts.
    pub queue: QueueConfig,
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
}

/// The coordinator.
pub struct Coordinator {
    store: Store,
    inner: Mutex<Inner>,
    jobs_ready: Notify,
    events: broadcast::Sender<BatchRecord>,
    circuit: Arc<BatchCircuit>,
    config: CoordinatorConfig,
    closing: tokio::sync::watch::Sender<bool>,
    /// Event counters.
    pub counters: Counters,
}

impl Coordinator {
    /// Opens the coordinator on a store, with the batch circuit it checks proofs against.
    pub fn open(
        store: Store,
        circuit: Arc<BatchCircuit>,
        config: CoordinatorConfig,
    ) -> Result<Self, StoreError> {
        let queue = Queue::new(store.jobs()?, store.counter("next_lease_id")?, config.queue);
        let next_worker_id = store.counter("next_worker_id")?;
        let (events, _) = broadcast::channel(1024);
        Ok(Self {
            store,
            inner: Mutex::new(Inner {
                queue,
                next_worker_id,
            }),
            jobs_ready: Notify::new(),
            events,
            circuit,
            config,
            closing: tokio::sync::watch::Sender::new(false),
            counters: Counters::default(),
        })
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

    /// Accepts the next batch: checks order and roots, executes it, and stores the
    /// state change, the batch, its witness and its proving job in one transaction.
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
        let exec = execute(self.store.state(), &s.batch, self.config.capacity)?;
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
        self.store
            .accept_batch(&exec.writes, &record, &job, &witness)?;
        inner.queue.push(job);
        drop(inner);
        self.jobs_ready.notify_waiters();
        self.publish(&record);
        tracing::info!(batch = number, new_root = %digest_hex(&record.new_root), "batch accepted");
        Ok(SubmitOutcome {
            record,
            accepted_now: true,
        })
    }

    /// Registers a worker; returns its id.
    pub fn register_worker(&self, name: &str) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let id = inner.next_worker_id;
        self.store.set_counter("next_worker_id", id + 1)?;
        inner.next_worker_id = id + 1;
        tracing::info!(worker = id, name, "worker registered");
        Ok(id)
    }

    fn known_worker(&self, inner: &Inner, worker: u64) -> Result<(), JobError> {
        if worker == 0 || worker >= inner.next_worker_id {
            return Err(JobError::UnknownWorker(worker));
        }
        Ok(())
    }

    /// Returns lapsed leases to the queue (or fails their jobs); called periodically.
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
            let status = if job.state == JobState::Failed {
                BatchStatus::Failed
            } else {
                BatchStatus::Accepted
            };
            self.set_batch_status(job, status, None)?;
            tracing::warn!(job = job.id, batch = job.batch_number, error = ?job.last_error, "lease expired");
        }
        drop(inner);
        self.jobs_ready.notify_waiters();
        Ok(changed.len())
    }

    /// Saves `job` with its batch's new status in one commit (and the lease counter, if given).
    fn set_batch_status(
        &self,
        job: &JobRecord,
        status: BatchStatus,
        next_lease_id: Option<u64>,
    ) -> Result<(), StoreError> {
        if let Some(mut b) = self.store.batch(job.batch_number)? {
            b.status = status;
            b.error = if status == BatchStatus::Failed {
                job.last_error.clone()
            } else {
                None
            };
            b.updated_ms = now_ms();
            self.store.put_job_and_batch(job, &b, next_lease_id)?;
            self.publish(&b);
        } else {
            self.store
                .put_jobs(std::slice::from_ref(job), next_lease_id)?;
        }
        Ok(())
    }

    fn try_acquire(&self, worker: u64, kinds: &[JobKind]) -> Result<Option<Assignment>, JobError> {
        let mut inner = self.lock();
        self.known_worker(&inner, worker)?;
        let Some(job) = inner.queue.acquire(worker, kinds, now_ms()) else {
            return Ok(None);
        };
        self.set_batch_status(
            &job,
            BatchStatus::Proving,
            Some(inner.queue.next_lease_id()),
        )?;
        let witness = self
            .store
            .witness(job.id)?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("job {}", job.id),
                why: "witness missing".into(),
            })?;
        Ok(Some(Assignment { job, witness }))
    }

    /// Leases a ready job to `worker`, waiting up to `wait` for one to appear.
    pub async fn acquire(
        &self,
        worker: u64,
        kinds: &[JobKind],
        wait: Duration,
    ) -> Result<Option<Assignment>, JobError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut closing = self.closing();
        loop {
            let notified = self.jobs_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(a) = self.try_acquire(worker, kinds)? {
                return Ok(Some(a));
            }
            // A long-poll ends early when the server shuts down, so shutdown need not wait for it.
            tokio::select! {
                woken = tokio::time::timeout_at(deadline, notified) => {
                    if woken.is_err() {
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
        leases: &[u64],
    ) -> Result<Vec<Result<u64, QueueError>>, JobError> {
        let mut inner = self.lock();
        self.known_worker(&inner, worker)?;
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
        self.store.put_jobs(&changed, None)?;
        Ok(out)
    }

    /// Accepts a proof for a leased job after checking that it verifies and states
    /// exactly the batch's roots and commitment.
    pub fn complete(
        &self,
        worker: u64,
        job_id: u64,
        lease_id: u64,
        proof_bytes: &[u8],
    ) -> Result<BatchRecord, JobError> {
        let batch_number = {
            let inner = self.lock();
            self.known_worker(&inner, worker)?;
            inner
                .queue
                .check_lease(worker, job_id, lease_id, now_ms())?
                .batch_number
        };
        let reject = |reason: String| {
            self.counters
                .proofs_rejected
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            JobError::BadProof {
                job: job_id,
                reason,
            }
        };
        let mut record = self
            .store
            .batch(batch_number)?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("batch {batch_number}"),
                why: "missing for its job".into(),
            })?;
        // Checked outside the lock: verification takes milliseconds.
        let proof = BatchProof::from_bytes(proof_bytes, &self.circuit)
            .map_err(|e| reject(e.to_string()))?;
        self.circuit
            .verify(&proof)
            .map_err(|e| reject(e.to_string()))?;
        let pv = proof.public_values().map_err(|e| reject(e.to_string()))?;
        if pv.old_root != record.old_root
            || pv.new_root != record.new_root
            || pv.commitment != record.commitment
        {
            return Err(reject(format!(
                "it proves roots {} -> {} with commitment {}, batch {batch_number} is {} -> {} with {}",
                digest_hex(&pv.old_root),
                digest_hex(&pv.new_root),
                hex::encode(pv.commitment),
                digest_hex(&record.old_root),
                digest_hex(&record.new_root),
                hex::encode(record.commitment),
            )));
        }
        let mut inner = self.lock();
        // The lease may have lapsed while the proof was checked: check again.
        inner
            .queue
            .check_lease(worker, job_id, lease_id, now_ms())?;
        let mut done = inner
            .queue
            .get(job_id)
            .cloned()
            .ok_or(QueueError::UnknownJob(job_id))?;
        done.state = JobState::Done;
        done.last_error = None;
        record.status = BatchStatus::Proven;
        record.error = None;
        record.updated_ms = now_ms();
        self.store.complete_job(&done, &record, proof_bytes)?;
        inner.queue.complete(worker, job_id, lease_id, now_ms())?;
        drop(inner);
        self.counters
            .proofs_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.publish(&record);
        tracing::info!(batch = batch_number, job = job_id, worker, "proof accepted");
        Ok(record)
    }

    /// Records a worker's failure of a job; returns whether it was requeued.
    pub fn fail(
        &self,
        worker: u64,
        job_id: u64,
        lease_id: u64,
        error: &str,
        retryable: bool,
    ) -> Result<bool, JobError> {
        let mut inner = self.lock();
        self.known_worker(&inner, worker)?;
        let job = inner
            .queue
            .fail(worker, job_id, lease_id, error, retryable, now_ms())?;
        let requeued = job.state == JobState::Queued;
        let status = if requeued {
            BatchStatus::Accepted
        } else {
            BatchStatus::Failed
        };
        self.set_batch_status(&job, status, None)?;
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

    /// A stored batch.
    pub fn batch(&self, number: u64) -> Result<Option<BatchRecord>, StoreError> {
        self.store.batch(number)
    }

    /// A stored proof.
    pub fn proof(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.proof(number)
    }

    /// Leases a job has been given so far (0 for an unknown job).
    pub fn job_attempts(&self, job_id: u64) -> u32 {
        self.lock()
            .queue
            .get(job_id)
            .map(|j| j.attempts)
            .unwrap_or(0)
    }

    /// Circuit used to check proofs.
    pub fn circuit(&self) -> &Arc<BatchCircuit> {
        &self.circuit
    }
}
