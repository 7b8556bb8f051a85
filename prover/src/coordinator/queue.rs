//! The job queue's rules: leases, heartbeats, expiry, bounded attempts, and
//! readiness of jobs whose dependencies are done. Plain data, no I/O: every
//! change returns the records the caller must persist.

use std::collections::BTreeMap;

use crate::store::{JobKind, JobRecord, JobState, Lease};

/// Queue settings.
#[derive(Clone, Copy, Debug)]
pub struct QueueConfig {
    /// How long a lease lasts without a heartbeat.
    pub lease_ms: u64,
    /// Leases a job may be given before it fails for good.
    pub max_attempts: u32,
}

/// Why a worker's request about a job is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No such job.
    #[error("job {0} does not exist")]
    UnknownJob(u64),
    /// The job is already done.
    #[error("job {0} is already done")]
    AlreadyDone(u64),
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
        lease: u64,
        /// The worker asking.
        worker: u64,
    },
    /// The lease has lapsed.
    #[error("job {job}: lease {lease} expired")]
    Expired {
        /// The job.
        job: u64,
        /// The lease.
        lease: u64,
    },
    /// No lease with that id.
    #[error("lease {0} is not held")]
    UnknownLease(u64),
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

/// The jobs and their leases.
#[derive(Debug)]
pub struct Queue {
    jobs: BTreeMap<u64, JobRecord>,
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

impl Queue {
    /// A queue holding `jobs` (as stored).
    pub fn new(jobs: Vec<JobRecord>, config: QueueConfig) -> Self {
        Self {
            jobs: jobs.into_iter().map(|j| (j.id, j)).collect(),
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> QueueConfig {
        self.config
    }

    /// Adds a new job.
    pub fn push(&mut self, job: JobRecord) {
        self.jobs.insert(job.id, job);
    }

    /// Drops jobs (a revert); a worker's lease on one ends with it.
    pub fn remove(&mut self, ids: &[u64]) {
        for id in ids {
            self.jobs.remove(id);
        }
    }

    /// Ids of the jobs whose batch (a batch job's, a step's or a wrap's first) is after `batch`.
    pub fn ids_after(&self, batch: u64) -> Vec<u64> {
        self.jobs
            .values()
            .filter(|j| j.batch_number > batch)
            .map(|j| j.id)
            .collect()
    }

    /// A job.
    pub fn get(&self, id: u64) -> Option<&JobRecord> {
        self.jobs.get(&id)
    }

    fn ready(&self, job: &JobRecord) -> bool {
        job.state == JobState::Queued
            && job
                .depends_on
                .iter()
                .all(|d| self.jobs.get(d).is_some_and(|j| j.state == JobState::Done))
    }

    /// Leases the oldest ready job of one of `kinds` to `worker`.
    pub fn acquire(&mut self, worker: u64, kinds: &[JobKind], now_ms: u64) -> Option<JobRecord> {
        let id = self
            .jobs
            .values()
            .find(|j| kinds.contains(&j.kind) && self.ready(j))
            .map(|j| j.id)?;
        // Random, so that a lease cannot be guessed: whoever holds the worker
        // token but not the lease can neither renew, complete nor fail the job.
        let lease_id = loop {
            let candidate: u64 = rand::random();
            if candidate != 0 && self.by_lease(candidate).is_none() {
                break candidate;
            }
        };
        let lease = Lease {
            lease_id,
            worker_id: worker,
            expires_ms: now_ms + self.config.lease_ms,
        };
        let job = self.jobs.get_mut(&id)?;
        job.state = JobState::Leased(lease);
        job.attempts += 1;
        Some(job.clone())
    }

    /// The job holding `lease_id`, if any.
    fn by_lease(&self, lease_id: u64) -> Option<u64> {
        self.jobs
            .values()
            .find(|j| matches!(j.state, JobState::Leased(l) if l.lease_id == lease_id))
            .map(|j| j.id)
    }

    /// Extends a lease held by `worker`; returns the new expiry.
    pub fn heartbeat(
        &mut self,
        worker: u64,
        lease_id: u64,
        now_ms: u64,
    ) -> Result<(JobRecord, u64), QueueError> {
        let id = self
            .by_lease(lease_id)
            .ok_or(QueueError::UnknownLease(lease_id))?;
        self.check_lease(worker, id, lease_id, now_ms)?;
        let lease_ms = self.config.lease_ms;
        let job = self.jobs.get_mut(&id).ok_or(QueueError::UnknownJob(id))?;
        if let JobState::Leased(l) = &mut job.state {
            l.expires_ms = now_ms + lease_ms;
            let expires = l.expires_ms;
            return Ok((job.clone(), expires));
        }
        Err(QueueError::UnknownLease(lease_id))
    }

    /// Checks that `worker` holds `lease_id` on `job_id` and that it has not lapsed.
    pub fn check_lease(
        &self,
        worker: u64,
        job_id: u64,
        lease_id: u64,
        now_ms: u64,
    ) -> Result<&JobRecord, QueueError> {
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::UnknownJob(job_id))?;
        match &job.state {
            JobState::Done => Err(QueueError::AlreadyDone(job_id)),
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

    /// Marks a leased job done (its proof was checked by the caller).
    pub fn complete(
        &mut self,
        worker: u64,
        job_id: u64,
        lease_id: u64,
        now_ms: u64,
    ) -> Result<JobRecord, QueueError> {
        self.check_lease(worker, job_id, lease_id, now_ms)?;
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::UnknownJob(job_id))?;
        job.state = JobState::Done;
        job.last_error = None;
        Ok(job.clone())
    }

    /// Records a worker's failure: requeued if retryable and attempts remain, else failed.
    pub fn fail(
        &mut self,
        worker: u64,
        job_id: u64,
        lease_id: u64,
        error: &str,
        retryable: bool,
        now_ms: u64,
    ) -> Result<JobRecord, QueueError> {
        self.check_lease(worker, job_id, lease_id, now_ms)?;
        let max = self.config.max_attempts;
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::UnknownJob(job_id))?;
        job.last_error = Some(error.to_string());
        job.state = if retryable && job.attempts < max {
            JobState::Queued
        } else {
            JobState::Failed
        };
        Ok(job.clone())
    }

    /// Returns lapsed leases' jobs to the queue (or fails them when out of attempts).
    pub fn expire(&mut self, now_ms: u64) -> Vec<JobRecord> {
        let max = self.config.max_attempts;
        let mut changed = Vec::new();
        for job in self.jobs.values_mut() {
            if let JobState::Leased(l) = job.state {
                if l.expires_ms < now_ms {
                    job.last_error = Some(format!(
                        "lease {} of worker {} expired (attempt {} of {max})",
                        l.lease_id, l.worker_id, job.attempts
                    ));
                    job.state = if job.attempts < max {
                        JobState::Queued
                    } else {
                        JobState::Failed
                    };
                    changed.push(job.clone());
                }
            }
        }
        changed
    }

    /// Fails every job of `ids` that is neither done nor failed yet (a lease
    /// on one is withdrawn); returns the jobs changed.
    pub fn fail_unfinished(&mut self, ids: &[u64], error: &str) -> Vec<JobRecord> {
        let mut changed = Vec::new();
        for id in ids {
            if let Some(job) = self.jobs.get_mut(id) {
                if matches!(job.state, JobState::Queued | JobState::Leased(_)) {
                    job.state = JobState::Failed;
                    job.last_error = Some(error.to_string());
                    changed.push(job.clone());
                }
            }
        }
        changed
    }

    /// Jobs by state.
    pub fn counts(&self) -> JobCounts {
        let mut c = JobCounts::default();
        for j in self.jobs.values() {
            match j.state {
                JobState::Queued => c.queued += 1,
                JobState::Leased(_) => c.leased += 1,
                JobState::Done => c.done += 1,
                JobState::Failed => c.failed += 1,
            }
        }
        c
    }

    /// Ready jobs of a kind.
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
        max_attempts: 2,
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
        let mut q = Queue::new(vec![job(2, vec![]), job(1, vec![])], CFG);
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
        let mut q = Queue::new(jobs, CFG);
        let ids: Vec<u64> = (0..64)
            .map(|_| lease_of(&q.acquire(7, &[JobKind::BatchProof], 0).expect("a job")).lease_id)
            .collect();
        let distinct: std::collections::BTreeSet<u64> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), 64, "every lease id differs: {ids:?}");
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
        let mut q = Queue::new(vec![job(1, vec![])], CFG);
        let j = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.complete(7, 1, lease_of(&j).lease_id, 10)
            .expect("holder completes");
        assert!(q.acquire(8, &[JobKind::BatchProof], 5000).is_none());
        assert!(q.expire(1_000_000).is_empty(), "a done job does not expire");
        assert_eq!(
            q.complete(7, 1, lease_of(&j).lease_id, 10),
            Err(QueueError::AlreadyDone(1))
        );
    }

    #[test]
    fn lapsed_lease_requeues_then_fails_after_max_attempts() {
        let mut q = Queue::new(vec![job(1, vec![])], CFG);
        let first = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        assert!(
            q.expire(1000).is_empty(),
            "not lapsed at its expiry instant"
        );
        let changed = q.expire(1001);
        assert_eq!(changed.len(), 1);
        assert_eq!(
            changed[0].state,
            JobState::Queued,
            "requeued after the first lapse"
        );
        let second = q
            .acquire(8, &[JobKind::BatchProof], 2000)
            .expect("handed out again");
        assert_eq!(second.attempts, 2);
        assert!(
            matches!(
                q.complete(7, 1, lease_of(&first).lease_id, 2001),
                Err(QueueError::WrongLease { .. })
            ),
            "the first worker's stale lease is refused"
        );
        let changed = q.expire(4000);
        assert_eq!(
            changed[0].state,
            JobState::Failed,
            "failed after 2 attempts"
        );
        assert!(changed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("expired"));
    }

    #[test]
    fn heartbeat_extends_only_the_holders_lease() {
        let mut q = Queue::new(vec![job(1, vec![])], CFG);
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
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![])], CFG);
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
    fn fail_requeues_retryable_and_fails_the_rest() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![])], CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let b = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let ra = q
            .fail(7, 1, lease_of(&a).lease_id, "out of memory", true, 1)
            .unwrap();
        assert_eq!(ra.state, JobState::Queued);
        let rb = q
            .fail(7, 2, lease_of(&b).lease_id, "bad witness", false, 1)
            .unwrap();
        assert_eq!(rb.state, JobState::Failed);
        assert_eq!(rb.last_error.as_deref(), Some("bad witness"));
    }

    #[test]
    fn jobs_are_leased_only_to_workers_of_their_kind() {
        let mut agg = job(2, vec![1]);
        agg.kind = JobKind::Aggregate;
        let mut q = Queue::new(vec![job(1, vec![]), agg], CFG);
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
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![]), job(3, vec![])], CFG);
        let a = q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        q.complete(7, 1, lease_of(&a).lease_id, 1).unwrap();
        q.acquire(7, &[JobKind::BatchProof], 0).unwrap();
        let changed = q.fail_unfinished(&[1, 2, 3, 4], "range failed");
        let ids: Vec<u64> = changed.iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![2, 3], "the leased and the queued job");
        assert!(changed.iter().all(|j| j.state == JobState::Failed));
        assert_eq!(q.get(1).map(|j| j.state.clone()), Some(JobState::Done));
    }

    #[test]
    fn job_waits_for_its_dependencies() {
        let mut q = Queue::new(vec![job(1, vec![]), job(2, vec![1])], CFG);
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
}
