//! What the coordinator stores: batches and proving jobs.

use serde::{Deserialize, Serialize};
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
}

/// A worker's hold on a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Lease id (unique across restarts).
    pub lease_id: u64,
    /// The holder.
    pub worker_id: u64,
    /// When it lapses without a heartbeat (unix ms).
    pub expires_ms: u64,
}

/// Job lifecycle: queued → leased → done | failed (a lapsed lease returns it to the queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Waiting for a worker (and for its dependencies).
    Queued,
    /// Held by a worker.
    Leased(Lease),
    /// Proof accepted.
    Done,
    /// Out of attempts, or failed for good.
    Failed,
}

/// A proving job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Job id.
    pub id: u64,
    /// What it proves.
    pub kind: JobKind,
    /// The batch it proves.
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
}
