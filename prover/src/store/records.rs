//! What the coordinator stores: batches, sealed ranges and proving jobs.

use serde::{Deserialize, Serialize};
use zkr_aggregator::Step;
use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::Digest;

/// Where a batch is in the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchStatus {
    /// Accepted and applied to the state; its proving job is queued.
    Accepted,
    /// A worker holds its proving job.
    Proving,
    /// Its proof is stored.
    Proven,
    /// Its proving job failed for good.
    Failed,
}

/// An accepted batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// The batch as submitted.
    pub batch: Batch,
    /// State root before.
    pub old_root: Digest,
    /// State root after.
    pub new_root: Digest,
    /// SHA-256 of the pubdata.
    pub commitment: [u8; 32],
    /// Pipeline status.
    pub status: BatchStatus,
    /// Why proving failed, if it did.
    pub error: Option<String>,
    /// Its proving job.
    pub job_id: u64,
    /// When it was accepted (unix ms).
    pub accepted_ms: u64,
    /// When its status last changed (unix ms).
    pub updated_ms: u64,
}

impl BatchRecord {
    /// The batch number.
    pub fn number(&self) -> u64 {
        self.batch.number
    }
}

/// What a job proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobKind {
    /// One batch proof.
    BatchProof,
    /// One aggregation step of a sealed range.
    Aggregate,
    /// The Groth16 wrap of a sealed range's range proof.
    Wrap,
}

impl JobKind {
    /// Every kind, in the order metrics list them.
    pub const ALL: [JobKind; 3] = [JobKind::BatchProof, JobKind::Aggregate, JobKind::Wrap];

    /// The kinds any worker can prove with the circuits alone (the wrap also
    /// needs the wrap's proving key).
    pub const PLONKY2: [JobKind; 2] = [JobKind::BatchProof, JobKind::Aggregate];

    /// The metrics label of the kind.
    pub fn label(self) -> &'static str {
        match self {
            JobKind::BatchProof => "batch_proof",
            JobKind::Aggregate => "aggregate",
            JobKind::Wrap => "wrap",
        }
    }
}

/// A lease's id: 128 random bits.
pub type LeaseId = u128;

/// A worker's hold on a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Lease id: 128 random bits, so that only its holder knows it.
    pub lease_id: LeaseId,
    /// The holder.
    pub worker_id: u64,
    /// When it lapses without a heartbeat (unix ms).
    pub expires_ms: u64,
}

/// Job lifecycle: queued → leased → done | failed. A lapsed lease or a
/// transient failure returns the job to the queue (after a backoff); only a
/// deterministic failure, or its range's, fails it, and `zkr admin retry`
/// queues a failed job again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Waiting for a worker (and for its dependencies).
    Queued,
    /// Held by a worker.
    Leased(Lease),
    /// Proof accepted.
    Done,
    /// Failed deterministically (the witness is refused), or with its range;
    /// only an operator's retry queues it again.
    Failed,
}

/// A proving job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Job id.
    pub id: u64,
    /// What it proves.
    pub kind: JobKind,
    /// The batch it proves; for an aggregation step, the step's first batch.
    pub batch_number: u64,
    /// Circuit capacity of the witness.
    pub capacity: usize,
    /// Jobs that must be done first.
    pub depends_on: Vec<u64>,
    /// Lifecycle state.
    pub state: JobState,
    /// Leases handed out so far.
    pub attempts: u32,
    /// Last failure or lease expiry.
    pub last_error: Option<String>,
    /// When a job queued again after a transient failure may be leased
    /// (unix ms; 0: at once).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_before_ms: u64,
    /// The aggregation step an aggregate job proves (`None` for batch jobs and
    /// for records written before aggregation existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Where a sealed range is in the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeStatus {
    /// Sealed; its steps are queued or being proven.
    Aggregating,
    /// Its root step's proof is stored.
    Proven,
    /// A batch or a step of it failed for good.
    Failed,
}

impl RangeStatus {
    /// Every status, in the order metrics list them.
    pub const ALL: [RangeStatus; 3] = [
        RangeStatus::Aggregating,
        RangeStatus::Proven,
        RangeStatus::Failed,
    ];

    /// The metrics label of the status.
    pub fn label(self) -> &'static str {
        match self {
            RangeStatus::Aggregating => "aggregating",
            RangeStatus::Proven => "proven",
            RangeStatus::Failed => "failed",
        }
    }
}

/// What a proof states: the roots around a run of batches and its commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeValues {
    /// State root before the first batch.
    pub old_root: Digest,
    /// State root after the last batch.
    pub new_root: Digest,
    /// Range commitment of the batches' commitments.
    pub commitment: [u8; 32],
}

impl RangeValues {
    /// The values as a proof states them.
    pub fn public_values(&self) -> BatchPublicValues {
        BatchPublicValues {
            old_root: self.old_root,
            new_root: self.new_root,
            commitment: self.commitment,
        }
    }
}

/// Where the wrap of a sealed range is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WrapStatus {
    /// Waiting for the range proof, then for a worker.
    Queued,
    /// A worker holds the wrap job.
    Proving,
    /// The Groth16 proof is verified and stored.
    Proven,
    /// The wrap job failed for good, or the range failed.
    Failed,
}

/// The wrap of a sealed range, and its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapRecord {
    /// The wrap job.
    pub job_id: u64,
    /// Where it is.
    pub status: WrapStatus,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// When its current or last lease was granted (unix ms).
    pub started_ms: Option<u64>,
    /// When its proof was stored (unix ms).
    pub proven_ms: Option<u64>,
}

/// One aggregation step of a sealed range, and its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step (its range is `[start, end)`).
    pub step: Step,
    /// The step's job.
    pub job_id: u64,
    /// What the step's proof must state.
    pub expected: RangeValues,
    /// When its current or last lease was granted (unix ms).
    pub started_ms: Option<u64>,
    /// When its proof was stored (unix ms).
    pub proven_ms: Option<u64>,
}

/// A sealed range of batches, `first..=last`, and its aggregation tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRecord {
    /// First batch.
    pub first: u64,
    /// Last batch (included).
    pub last: u64,
    /// Pipeline status.
    pub status: RangeStatus,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What the range proof must state.
    pub values: RangeValues,
    /// The tree's steps, children before parents; the last is the root.
    pub steps: Vec<StepRecord>,
    /// When it was sealed (unix ms).
    pub sealed_ms: u64,
    /// When it or one of its steps last changed (unix ms).
    pub updated_ms: u64,
    /// Its wrap, when the coordinator wraps ranges (`None` when it did not
    /// at the time, and for records written before the wrap existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap: Option<WrapRecord>,
}

impl RangeRecord {
    /// Whether `batch` is in the range.
    pub fn contains(&self, batch: u64) -> bool {
        (self.first..=self.last).contains(&batch)
    }

    /// Steps whose proof is stored.
    pub fn steps_done(&self) -> usize {
        self.steps.iter().filter(|s| s.proven_ms.is_some()).count()
    }

    /// The step proven by `job_id`.
    pub fn step_mut(&mut self, job_id: u64) -> Option<&mut StepRecord> {
        self.steps.iter_mut().find(|s| s.job_id == job_id)
    }

    /// Whether `job_id` proves the root step.
    pub fn is_root(&self, job_id: u64) -> bool {
        self.steps.last().is_some_and(|s| s.job_id == job_id)
    }
}

/// A registered worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// Its name, for logs.
    pub name: String,
    /// Kinds of jobs it accepts.
    pub kinds: Vec<JobKind>,
    /// SHA-256 (hex) of the secret it was given at registration; `None` for a
    /// worker registered before secrets were issued (it must register again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_sha256: Option<String>,
}
