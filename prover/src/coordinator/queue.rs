//! The job queue's rules: leases, heartbeats, expiry, retries with backoff,
//! and readiness of jobs whose dependencies are done. Plain data, no I/O:
//! every change returns the records the caller must persist.
//!
//! Failures come in two classes. A transient one (a lapsed lease: the worker
//! died, ran out of memory or lost its network; or a failure its worker calls
//! retryable: a panic, a backend error, a shutdown) queues the job again after
//! a backoff that doubles with each attempt up to a cap, and never fails it
//! for good: one flaky machine must not stop settlement. A deterministic one
//! (the witness is refused) fails the job with its reason, and only an
//! operator's retry queues it again.

use std::collections::{BTreeMap, HashMap};

use crate::store::{JobKind, JobRecord, JobState, Lease, LeaseId};

/// Queue settings.
#[derive(Clone, Copy, Debug)]
pub struct QueueConfig {
    /// How long a lease lasts without a heartbeat.
    pub lease_ms: u64,
    /// Backoff before the first retry after a transient failure; it doubles
    /// with each further attempt.
    pub retry_ms: u64,
    /// The longest backoff.
    pub retry_max_ms: u64,
}

impl QueueConfig {
    /// The wait before a job that has been leased `attempts` times may be
    /// leased again after a transient failure.
    pub fn backoff_ms(&self, attempts: u32) -> u64 {
        let doublings = attempts.saturating_sub(1).min(32);
        self.retry_ms
            .saturating_mul(1u64 << doublings)
            .min(self.retry_max_ms)
    }
}

/// Why a worker's request about a job is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No such unfinished job (none by that id, or it is done).
    #[error("job {0} does not exist or is done")]
    UnknownJob(u64),
    /// The job is not leased (queued again, or failed).
    #[error("job {job} is not leased (it is {state})")]
    NotLeased {
        /// The job.
        job: u64,
        /// Its state.
        state: &'static str,
    },
    /// The lease is someone else's or an older one.
    #[error("job {job}: lease {lease} is not the current lease of worker {worker}")]
    WrongLease {
        /// The job.
        job: u64,
        /// The lease presented.
        lease: LeaseId,
        /// The worker asking.
        worker: u64,
    },
    /// The lease has lapsed.
    #[error("job {job}: lease {lease} expired")]
    Expired {
        /// The job.
        job: u64,
        /// The lease.
        lease: LeaseId,
    },
    /// No lease with that id.
    #[error("lease {0} is not held")]
    UnknownLease(LeaseId),
}

/// Counts of jobs by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Queued (ready or waiting on dependencies).
    pub queued: u64,
    /// Leased.
    pub leased: u64,
    /// Done.
    pub done: u64,
    /// Failed.
    pub failed: u64,
}

/// The unfinished jobs and their leases.
///
/// A done job leaves memory (its record stays in the store): what the queue
/// holds, and what every lease, readiness or depth lookup walks, is bounded
/// by the work still to do, not by the rollup's history. A dependency not
/// held is therefore done: jobs are dropped (a revert) only together with
/// every job that depends on them.
#[derive(Debug)]
pub struct Queue {
    jobs: BTreeMap<u64, JobRecord>,
    /// The job of each lease held: so that a heartbeat finds a lease
    /// without scanning every job.
    leases: HashMap<LeaseId, u64>,
    /// Jobs by state (done ones counted, not held), kept up to date by every
    /// change so that reading them costs nothing.
    counts: JobCounts,
    config: QueueConfig,
}

fn state_name(s: &JobState) -> &'static str {
    match s {
        JobState::Queued => "queued",
        JobState::Leased(_) => "leased",
        JobState::Done => "done",
        JobState::Failed => "failed",
    }
}

impl JobCounts {
    fn slot(&mut self, s: &JobState) -> &mut u64 {
        match s {
            JobState::Queued => &mut self.queued,
            JobState::Leased(_) => &mut self.leased,
            JobState::Done => &mut self.done,
            JobState::Failed => &mut self.failed,
        }
    }
}

impl Queue {
    /// A queue holding `jobs` (as stored; done ones are counted and dropped)
    /// and `done_elsewhere` more done jobs the caller did not load.
    pub fn new(jobs: Vec<JobRecord>, done_elsewhere: u64, config: QueueConfig) -> Self {
        let mut q = Self {
            jobs: BTreeMap::new(),
            leases: HashMap::new(),
            counts: JobCounts {
                done: done_elsewhere,
                ..JobCounts::default()
            },
            config,
        };
        for j in jobs {
            q.push(j);
        }
        q
    }

    /// The settings.
    pub fn config(&self) -> QueueConfig {
        self.config
    }

    /// Adds a new job, or replaces an unfinished one by its new state: the
    /// one place a job's state changes, which keeps the counts and the lease
    /// index in step and lets a done job go.
    pub fn push(&mut self, job: JobRecord) {
        self.take(job.id);
        *self.counts.slot(&job.state) += 1;
        match job.state {
            JobState::Done => {}
            JobState::Leased(l) => {
                self.leases.insert(l.lease_id, job.id);
                self.jobs.insert(job.id, job);
            }
            JobState::Queued | JobState::Failed => {
                self.jobs.insert(job.id, job);
            }
        }
    }

    /// Changes job `id` with `f`; returns its new record.
    fn change(&mut self, id: u64, f: impl FnOnce(&mut JobRecord)) -> Option<JobRecord> {
        let mut job = self.jobs.get(&id)?.clone();
        f(&mut job);
        self.push(job.clone());
        Some(job)
    }

    /// Drops jobs (a revert): `ids` must be every job after the revert point,
    /// done ones included (those are only counted); a worker's lease on one
    /// ends with it.
    pub fn remove(&mut self, ids: &[u64]) {
        for &id in ids {
            if self.take(id).is_none() {
                self.counts.done = self.counts.done.saturating_sub(1);
            }
        }
    }

    /// Takes unfinished job `id` out, uncounted and its lease unindexed.
    fn take(&mut self, id: u64) -> Option<JobRecord> {
        let old = self.jobs.remove(&id)?;
        *self.counts.slot(&old.state) -= 1;
        if let JobState::Leased(l) = old.state {
            self.leases.remove(&l.lease_id);
        }
        Some(old)
    }

    /// An unfinished job (a done one is not held).
    pub fn get(&self, id: u64) -> Option<&JobRecord> {
        self.jobs.get(&id)
    }

    /// Whether job `id` is done: it is no longer held (see [`Queue`]).
    pub fn is_done(&self, id: u64) -> bool {
        !self.jobs.contains_key(&id)
    }

    fn ready(&self, job: &JobRecord) -> bool {
        job.state == JobState::Queued && job.depends_on.iter().all(|d| self.is_done(*d))
    }

    /// Leases the oldest ready job of one of `kinds` whose backoff is over to `worker`.
    pub fn acquire(&mut self, worker: u64, kinds: &[JobKind], now_ms: u64) -> Option<JobRecord> {
        let id = self
            .jobs
            .values()
            .find(|j| kinds.contains(&j.kind) && j.not_before_ms <= now_ms && self.ready(j))
            .map(|j| j.id)?;
        // Random, so that a lease cannot be guessed: whoever holds the worker
        // token but not the lease can neither renew, complete nor fail the job.
        let lease_id = loop {
            let candidate: LeaseId = rand::random();
            if candidate != 0 && !self.leases.contains_key(&candidate) {
                break candidate;
            }
        };
        let lease = Lease {
            lease_id,
            worker_id: worker,
            expires_ms: now_ms + self.config.lease_ms,
        };
        self.change(id, |job| {
            job.state = JobState::Leased(lease);
            job.attempts += 1;
            job.not_before_ms = 0;
        })
    }

    /// When the first job of one of `kinds` now backing off may be leased,
    /// if one is (so that a waiting worker wakes for it).
    pub fn next_retry_ms(&self, kinds: &[JobKind], now_ms: u64) -> Option<u64> {
        self.jobs
            .values()
            .filter(|j| kinds.contains(&j.kind) && j.not_before_ms > now_ms && self.ready(j))
            .map(|j| j.not_before_ms)
            .min()
    }

    /// The job holding `lease_id`, if any.
    fn by_lease(&self, lease_id: LeaseId) -> Option<u64> {
        let id = *self.leases.get(&lease_id)?;
        let job = self.jobs.get(&id)?;
        matches!(job.state, JobState::Leased(l) if l.lease_id == lease_id).then_some(id)
    }

    /// How many leases `worker` holds, by the index.
    #[cfg(test)]
    fn held_by(&self, worker: u64) -> usize {
        self.leases
            .iter()
            .filter(|(&lease, &id)| {
                self.jobs.get(&id).is_some_and(|j| {
                    matches!(j.state, JobState::Leased(l) if l.lease_id == lease && l.worker_id == worker)
                })
            })
            .count()
    }

    /// Extends a lease held by `worker`; returns the new expiry.
    pub fn heartbeat(
        &mut self,
        worker: u64,
        lease_id: LeaseId,
        now_ms: u64,
    ) -> Result<(JobRecord, u64), QueueError> {
        let id = self
            .by_lease(lease_id)
            .ok_or(QueueError::UnknownLease(lease_id))?;
        self.check_lease(worker, id, lease_id, now_ms)?;
        let expires = now_ms + self.config.lease_ms;
        let job = self
            .change(id, |job| {
                if let JobState::Leased(l) = &mut job.state {
                    l.expires_ms = expires;
                }
            })
            .ok_or(QueueError::UnknownJob(id))?;
        Ok((job, expires))
    }

    /// Checks that `worker` holds `lease_id` on `job_id` and that it has not lapsed.
    pub fn check_lease(
        &self,
        worker: u64,
        job_id: u64,
        lease_id: LeaseId,
        now_ms: u64,
    ) -> Result<&JobRecord, QueueError> {
        // A done job is not held: it is refused like one that never was.
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::UnknownJob(job_id))?;
        match &job.state {
            JobState::Leased(l) if l.lease_id == lease_id && l.worker_id == worker => {
                if l.expires_ms < now_ms {
                    Err(QueueError::Expired {
                        job: job_id,
                        lease: lease_id,
                    })
                } else {
                    Ok(job)
                }
            }
            JobState::Leased(_) => Err(QueueError::WrongLease {
                job: job_id,
                lease: lease_id,
                worker,
            }),
            s => Err(QueueError::NotLeased {
                job: job_id,
                state: state_name(s),
            }),
        }
    }

    /// Marks a leased job done (its proof was checked by the caller); the
    /// queue lets it go, so the caller stores the returned record.
    pub fn complete(
        &mut self,
        worker: u64,
        job_id: u64,
        lease_id: LeaseId,
        now_ms: u64,
    ) -> Result<JobRecord, QueueError> {
        self.check_lease(worker, job_id, lease_id, now_ms)?;
        self.change(job_id, |job| {
            job.state = JobState::Done;
            job.last_error = None;
        })
        .ok_or(QueueError::UnknownJob(job_id))
    }

    /// Records a worker's failure: a retryable one queues the job again after
    /// its backoff, any other fails it.
    pub fn fail(
        &mut self,
        worker: u64,
        job_id: u64,
        lease_id: LeaseId,
        error: &str,
        retryable: bool,
        now_ms: u64,
    ) -> Result<JobRecord, QueueError> {
        self.check_lease(worker, job_id, lease_id, now_ms)?;
        let config = self.config;
        self.change(job_id, |job| {
            job.last_error = Some(error.to_string());
            if retryable {
                job.state = JobState::Queued;
                job.not_before_ms = now_ms + config.backoff_ms(job.attempts);
            } else {
                job.state = JobState::Failed;
            }
        })
        .ok_or(QueueError::UnknownJob(job_id))
    }

    /// Returns lapsed leases' jobs to the queue, each after its backoff.
    pub fn expire(&mut self, now_ms: u64) -> Vec<JobRecord> {
        let config = self.config;
        let lapsed: Vec<u64> = self
            .leases
            .values()
            .filter(|id| {
                self.jobs.get(id).is_some_and(
                    |j| matches!(j.state, JobState::Leased(l) if l.expires_ms < now_ms),
                )
            })
            .copied()
            .collect();
        let mut changed = Vec::new();
        for id in lapsed {
            changed.extend(self.change(id, |job| {
                if let JobState::Leased(l) = job.state {
                    let backoff = config.backoff_ms(job.attempts);
                    job.last_error = Some(format!(
                        "lease {} of worker {} expired (attempt {}; retried in {:.1} s)",
                        l.lease_id,
                        l.worker_id,
                        job.attempts,
                        backoff as f64 / 1000.0
                    ));
                    job.state = JobState::Queued;
                    job.not_before_ms = now_ms + backoff;
                }
            }));
        }
        changed.sort_by_key(|j| j.id);
        changed
    }

    /// Copies of the failed jobs among `ids`, queued again with their attempts
    /// and backoff reset (an operator's retry); the caller stores them, then
    /// [`Queue::push`]es them.
    pub fn requeued_failed(&self, ids: &[u64]) -> Vec<JobRecord> {
        ids.iter()
            .filter_map(|id| self.jobs.get(id))
            .filter(|j| j.state == JobState::Failed)
            .map(|j| JobRecord {
                state: JobState::Queued,
                attempts: 0,
                last_error: None,
                not_before_ms: 0,
                ..j.clone()
            })
            .collect()
    }

    /// Fails every job of `ids` that is neither done nor failed yet (a lease
    /// on one is withdrawn); returns the jobs changed.
    pub fn fail_unfinished(&mut self, ids: &[u64], error: &str) -> Vec<JobRecord> {
        let unfinished: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|id| {
                self.jobs
                    .get(id)
                    .is_some_and(|j| matches!(j.state, JobState::Queued | JobState::Leased(_)))
            })
            .collect();
        unfinished
            .into_iter()
            .filter_map(|id| {
                self.change(id, |job| {
                    job.state = JobState::Failed;
                    job.last_error = Some(error.to_string());
                })
            })
            .collect()
    }

    /// Jobs by state: kept up to date, not counted at each call.
    pub fn counts(&self) -> JobCounts {
        self.counts
    }

    /// Ready jobs of a kind (those backing off after a failure included): a
    /// walk over the unfinished jobs only.
    pub fn depth(&self, kind: JobKind) -> u64 {
        self.jobs
            .values()
            .filter(|j| j.kind == kind && self.ready(j))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: QueueConfig = QueueConfig {
        lease_ms: 1000,
        retry_ms: 100,
        retry_max_ms: 800,
    };

    fn job(id: u64, deps: Vec<u64>) -> JobRecord {
        JobRecord {
            id,
            kind: JobKind::BatchProof,
            batch_number: id,
            capacity: 8,
            depends_on: deps,
            state: JobState::Queued,
            attempts: 0,
            last_error: None,
            not_before_ms: 0,
            step: None,
        }
    }

    fn lease_of(j: &JobRecord) -> Lease {
        match j.state {
            JobState::Leased(l) => l,
            ref s => panic!("expected a leased job, got {s:?}"),
        }
    }

    #[test]
    fn jobs_are_leased_oldest_first_and_never_twice() {
        let mut q = Queue::new(vec![job(2, vec![]), job(1, vec![])], 0, CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).expect("a job");
        let b = q
            .acquire(8, &[JobKind::BatchProof], 0)
            .expect("another job");
        assert_eq!((a.id, b.id), (1, 2), "oldest first");
        assert!(
            q.acquire(9, &[JobKind::BatchProof], 0).is_none(),
            "both are leased"
        );
        assert_ne!(lease_of(&a).lease_id, lease_of(&b).lease_id);
    }

    #[test]
    fn lease_ids_are_random_so_the_next_one_cannot_be_guessed() {
        let jobs = (1..=64).map(|id| job(id, vec![])).collect();
        let mut q = Queue::new(jobs, 0, CFG);
        let ids: Vec<LeaseId> = (0..64)
            .map(|_| lease_of(&q.acquire(7, &[JobKind::BatchProof], 0).expect("a job")).lease_id)
            .collect();
        let distinct: std::collections::BTreeSet<LeaseId> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), 64, "every lease id differs: {ids:?}");
        assert!(
            ids.iter().any(|l| l >> 64 != 0),
            "expected 128-bit lease ids, got {ids:?}"
        );
        let steps = ids
            .windows(2)
            .filter(|w| w[1] == w[0].wrapping_add(1))
            .count();
        assert!(
            steps < 4,
            "expected lease ids no one could guess from the last, got {steps} of 63 that follow it: {ids:?}"
        );
    }

    #[test]
    fn completed_job_is_never_handed_out_again() {
        let mut q = Queue::new(vec![job(1, vec![])], 0, CFG);
        let j = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.complete(7, 1, lease_of(&j).lease_id, 10)
            .expect("holder completes");
        assert!(q.acquire(8, &[JobKind::BatchProof], 5000).is_none());
        assert!(q.expire(1_000_000).is_empty(), "a done job does not expire");
        assert_eq!(
            q.complete(7, 1, lease_of(&j).lease_id, 10),
            Err(QueueError::UnknownJob(1)),
            "a done job is let go, and refused like one that never was"
        );
        assert_eq!(q.counts().done, 1);
    }

    #[test]
    fn a_lapsed_lease_requeues_after_a_growing_backoff_and_never_fails_the_job() {
        let mut q = Queue::new(vec![job(1, vec![])], 0, CFG);
        let first = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        assert!(
            q.expire(1000).is_empty(),
            "not lapsed at its expiry instant"
        );
        let mut now = 1001;
        let mut expected_backoffs = Vec::new();
        let mut backoffs = Vec::new();
        // A worker killed mid-proof again and again: the job is never failed.
        for attempt in 1..=6u32 {
            let changed = q.expire(now);
            assert_eq!(changed.len(), 1, "attempt {attempt}: one lease lapsed");
            let j = &changed[0];
            assert_eq!(
                j.state,
                JobState::Queued,
                "attempt {attempt}: expected the job queued again, got {:?}",
                j.state
            );
            let backoff = j.not_before_ms - now;
            backoffs.push(backoff);
            expected_backoffs.push((100u64 << (attempt - 1)).min(800));
            assert!(
                j.last_error.as_deref().unwrap_or("").contains("expired"),
                "expected the lapse recorded, got {:?}",
                j.last_error
            );
            assert!(
                q.acquire(8, &[JobKind::BatchProof], j.not_before_ms - 1)
                    .is_none(),
                "attempt {attempt}: not leased before its backoff is over"
            );
            assert_eq!(
                q.next_retry_ms(&[JobKind::BatchProof], now),
                Some(j.not_before_ms),
                "a waiting worker is told when to look again"
            );
            now = j.not_before_ms;
            let again = q
                .acquire(8, &[JobKind::BatchProof], now)
                .expect("leased again once the backoff is over");
            assert_eq!(again.attempts, attempt + 1);
            now += 1001;
        }
        assert_eq!(backoffs, expected_backoffs, "doubling backoff, capped");
        assert!(
            matches!(
                q.complete(7, 1, lease_of(&first).lease_id, now - 1000),
                Err(QueueError::WrongLease { .. })
            ),
            "the first worker's stale lease is refused"
        );
    }

    #[test]
    fn heartbeat_extends_only_the_holders_lease() {
        let mut q = Queue::new(vec![job(1, vec![])], 0, CFG);
        let j = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let lease = lease_of(&j).lease_id;
        let (_, exp) = q.heartbeat(7, lease, 900).expect("holder extends");
        assert_eq!(exp, 1900);
        assert!(q.expire(1500).is_empty(), "extended lease still valid");
        assert!(matches!(
            q.heartbeat(8, lease, 950),
            Err(QueueError::WrongLease { .. })
        ));
        assert_eq!(q.heartbeat(7, 999, 950), Err(QueueError::UnknownLease(999)));
        assert!(matches!(
            q.heartbeat(7, lease, 5000),
            Err(QueueError::Expired { .. })
        ));
    }

    #[test]
    fn worker_cannot_complete_a_job_it_does_not_hold() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![])], 0, CFG);
        let j = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let l = lease_of(&j).lease_id;
        assert!(
            matches!(q.complete(8, 1, l, 1), Err(QueueError::WrongLease { .. })),
            "other worker"
        );
        assert!(
            matches!(
                q.complete(7, 2, l, 1),
                Err(QueueError::NotLeased { job: 2, .. })
            ),
            "other job"
        );
        assert_eq!(q.complete(7, 3, l, 1), Err(QueueError::UnknownJob(3)));
    }

    #[test]
    fn a_retryable_failure_requeues_after_backoff_and_a_deterministic_one_fails() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![])], 0, CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let b = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let ra = q
            .fail(7, 1, lease_of(&a).lease_id, "out of memory", true, 10)
            .unwrap();
        assert_eq!(
            (ra.state, ra.not_before_ms),
            (JobState::Queued, 110),
            "queued again after the first backoff"
        );
        let rb = q
            .fail(7, 2, lease_of(&b).lease_id, "bad witness", false, 10)
            .unwrap();
        assert_eq!(rb.state, JobState::Failed);
        assert_eq!(rb.last_error.as_deref(), Some("bad witness"));
        assert!(
            q.acquire(7, &[JobKind::BatchProof], 10_000).map(|j| j.id) == Some(1)
                && q.acquire(7, &[JobKind::BatchProof], 10_000).is_none(),
            "the retryable job is leased again, the failed one never"
        );
    }

    #[test]
    fn an_operator_retry_requeues_failed_jobs_only_with_attempts_reset() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![]), job(3, vec![])], 0, CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.fail(7, 1, lease_of(&a).lease_id, "bad witness", false, 1)
            .unwrap();
        let b = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.complete(7, 2, lease_of(&b).lease_id, 1).unwrap();
        let again = q.requeued_failed(&[1, 2, 3, 9]);
        assert_eq!(
            again.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![1],
            "only the failed job: not the done one, the queued one or an unknown id"
        );
        assert_eq!(
            (&again[0].state, again[0].attempts, &again[0].last_error),
            (&JobState::Queued, 0, &None),
            "queued with a clean slate"
        );
        assert_eq!(
            q.get(1).map(|j| j.state.clone()),
            Some(JobState::Failed),
            "the queue changes only when the caller pushes the copies"
        );
        q.push(again[0].clone());
        assert_eq!(
            q.acquire(8, &[JobKind::BatchProof], 2).map(|j| j.id),
            Some(1)
        );
    }

    #[test]
    fn jobs_are_leased_only_to_workers_of_their_kind() {
        let mut agg = job(2, vec![1]);
        agg.kind = JobKind::Aggregate;
        let mut q = Queue::new(vec![job(1, vec![]), agg], 0, CFG);
        assert!(
            q.acquire(7, &[JobKind::Aggregate], 0).is_none(),
            "the aggregate job waits on the batch job"
        );
        let a = q.acquire(7, &[JobKind::Aggregate, JobKind::BatchProof], 0);
        let a = a.expect("the batch job");
        assert_eq!(a.id, 1);
        q.complete(7, 1, lease_of(&a).lease_id, 1).unwrap();
        assert!(
            q.acquire(8, &[JobKind::BatchProof], 1).is_none(),
            "a batch-only worker gets no aggregate job"
        );
        assert_eq!(q.depth(JobKind::Aggregate), 1);
        assert_eq!(
            q.acquire(8, &[JobKind::Aggregate], 1).map(|j| j.id),
            Some(2)
        );
    }

    #[test]
    fn fail_unfinished_fails_queued_and_leased_jobs_only() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![]), job(3, vec![])], 0, CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.complete(7, 1, lease_of(&a).lease_id, 1).unwrap();
        q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let changed = q.fail_unfinished(&[1, 2, 3, 4], "range failed");
        let ids: Vec<u64> = changed.iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![2, 3], "the leased and the queued job");
        assert!(changed.iter().all(|j| j.state == JobState::Failed));
        assert!(
            q.is_done(1) && q.get(1).is_none(),
            "job 1 is done and let go"
        );
    }

    #[test]
    fn a_lease_is_found_by_its_id_only_while_its_job_holds_it() {
        let jobs = (1..=4).map(|id| job(id, vec![])).collect();
        let mut q = Queue::new(jobs, 0, CFG);
        let leases: Vec<LeaseId> = (0..4)
            .map(|i| lease_of(&q.acquire(7 + i % 2, &[JobKind::BatchProof], 0).unwrap()).lease_id)
            .collect();
        assert_eq!((q.held_by(7), q.held_by(8), q.held_by(9)), (2, 2, 0));
        q.complete(7, 1, leases[0], 1).unwrap();
        q.fail(8, 2, leases[1], "out of memory", true, 1).unwrap();
        q.fail_unfinished(&[3], "range failed");
        assert_eq!(q.expire(2_000).len(), 1, "job 4's lease lapses");
        for (i, &lease) in leases.iter().enumerate() {
            assert!(
                matches!(
                    q.heartbeat(7 + i as u64 % 2, lease, 2_000),
                    Err(QueueError::UnknownLease(_))
                ),
                "lease of job {} is over: expected it unknown",
                i + 1
            );
        }
        assert_eq!((q.held_by(7), q.held_by(8)), (0, 0));
        assert!(
            q.leases.is_empty(),
            "expected no index entry left, got {:?}",
            q.leases
        );
        // Reopened from the store, a leased job's lease is found again.
        let again = q
            .acquire(9, &[JobKind::BatchProof], 10_000)
            .expect("job 2 again");
        let lease = lease_of(&again).lease_id;
        let reopened = Queue::new(vec![again], 0, CFG);
        assert_eq!(reopened.held_by(9), 1);
        assert_eq!(reopened.by_lease(lease), Some(2));
    }

    #[test]
    fn job_waits_for_its_dependencies() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![1])], 0, CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        assert!(
            q.acquire(7, &[JobKind::BatchProof], 0).is_none(),
            "job 2 waits on job 1"
        );
        assert_eq!(q.depth(JobKind::BatchProof), 0);
        q.complete(7, 1, lease_of(&a).lease_id, 1).unwrap();
        assert_eq!(
            q.acquire(7, &[JobKind::BatchProof], 1).map(|j| j.id),
            Some(2)
        );
    }

    /// The counts by a full walk, to check the kept ones against.
    fn recount(q: &Queue, done: u64) -> JobCounts {
        let mut c = JobCounts {
            done,
            ..JobCounts::default()
        };
        for j in q.jobs.values() {
            *c.slot(&j.state) += 1;
        }
        c
    }

    #[test]
    fn kept_counts_match_a_recount_through_every_change_and_done_jobs_leave_memory() {
        let jobs = (1..=12).map(|id| job(id, vec![])).collect();
        let mut q = Queue::new(jobs, 5, CFG);
        let mut done = 5;
        let mut now = 0;
        // Every kind of change, in turn, for many rounds.
        for round in 0..40u64 {
            now += 300;
            if let Some(j) = q.acquire(7 + round % 3, &[JobKind::BatchProof], now) {
                let l = lease_of(&j);
                match round % 5 {
                    0 => {
                        q.complete(l.worker_id, j.id, l.lease_id, now).unwrap();
                        done += 1;
                    }
                    1 => {
                        q.fail(l.worker_id, j.id, l.lease_id, "oom", true, now)
                            .unwrap();
                    }
                    2 => {
                        q.fail(l.worker_id, j.id, l.lease_id, "bad", false, now)
                            .unwrap();
                    }
                    3 => {
                        q.heartbeat(l.worker_id, l.lease_id, now).unwrap();
                    }
                    _ => {}
                }
            }
            if round % 7 == 6 {
                q.expire(now + 2_000);
            }
            if round % 11 == 10 {
                let again = q.requeued_failed(&(1..=12).collect::<Vec<_>>());
                for j in again {
                    q.push(j);
                }
            }
            assert_eq!(q.counts(), recount(&q, done), "after round {round}");
        }
        assert_eq!(
            q.counts().done,
            done,
            "expected {done} done jobs counted, the 5 not loaded included"
        );
        let held = q.jobs.len() as u64;
        assert_eq!(
            held,
            12 - (done - 5),
            "expected only unfinished jobs held, got {held}"
        );
        // A revert names every dropped job; the done ones are only counted.
        let finished: Vec<u64> = (1..=12).filter(|id| q.is_done(*id)).collect();
        q.remove(&(1..=12).collect::<Vec<_>>());
        assert_eq!(
            q.counts(),
            JobCounts {
                done: done - finished.len() as u64,
                ..JobCounts::default()
            },
            "after dropping all 12 jobs"
        );
    }
}
