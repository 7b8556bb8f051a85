//! The gRPC services: decode and validate, call the coordinator, encode. Bearer
//! tokens per role (sequencer, worker, admin) are checked before any handler runs.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_stream::Stream;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};
use zkr_aggregator::wrap::public_input::{public_input_bytes, public_input_of};
use zkr_circuits::executor::ExecError;
use zkr_circuits::gadgets::sha256::sha256;
use zkr_circuits::ops::pubdata::batch_pubdata;
use zkr_proto::convert::{root_to_bytes, BatchSubmission};
use zkr_proto::v1;
use zkr_proto::v1::admin_server::Admin;
use zkr_proto::v1::prover_fleet_server::ProverFleet;
use zkr_proto::v1::sequencer_server::Sequencer;

use super::{
    Coordinator, JobError, RetryError, RetryTarget, RevertError, SealError, Submission, SubmitError,
};
use crate::deposit_check::L1DepositQueue;
use crate::store::{
    BatchRecord, BatchStatus, JobKind, JobState, LeaseId, RangeRecord, RangeStatus, WrapStatus,
};

/// Longest long-poll a worker may ask for.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Checks `authorization: Bearer <token>` against the role's token.
pub fn check_bearer(meta: &MetadataMap, expected: &str, role: &str) -> Result<(), Status> {
    let value = meta
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Status::unauthenticated(format!("{role} API: missing bearer token")))?;
    let token = value.strip_prefix("Bearer ").ok_or_else(|| {
        Status::unauthenticated(format!("{role} API: authorization is not a bearer token"))
    })?;
    // Compare in time independent of where the first difference is.
    let same = token.len() == expected.len()
        && token
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(Status::unauthenticated(format!(
            "{role} API: token not valid for this role"
        )))
    }
}

fn internal(e: impl std::fmt::Display) -> Status {
    tracing::error!(error = %e, "internal error");
    Status::internal(e.to_string())
}

fn submit_status(e: SubmitError) -> Status {
    let msg = e.to_string();
    match e {
        SubmitError::OutOfOrder { .. } | SubmitError::OldRootMismatch { .. } => {
            Status::failed_precondition(msg)
        }
        SubmitError::Rejected(ExecError::OutOfOrder { .. }) => Status::failed_precondition(msg),
        SubmitError::Rejected(ExecError::State(_)) => internal(msg),
        SubmitError::Rejected(_) | SubmitError::NewRootMismatch { .. } => {
            Status::invalid_argument(msg)
        }
        SubmitError::Conflict(_) => Status::already_exists(msg),
        SubmitError::Witness(_) | SubmitError::Store(_) => internal(msg),
    }
}

fn job_status(e: JobError) -> Status {
    let msg = e.to_string();
    match e {
        JobError::NotThisWorker(_) => Status::permission_denied(msg),
        JobError::Lease(_) | JobError::WrapOff(_) => Status::failed_precondition(msg),
        JobError::TooManyLeases { .. } => Status::invalid_argument(msg),
        JobError::BadProof { .. } => Status::invalid_argument(msg),
        JobError::Store(_) | JobError::Internal(_) => internal(msg),
    }
}

/// A worker's report about `job` under `lease`, refused: one answer whether
/// the job does not exist, is done, queued, or leased to another worker, so
/// that no worker learns about others' jobs from the refusals.
fn report_status(job: u64, lease: &[u8], e: JobError) -> Status {
    match e {
        JobError::Lease(why) => {
            let lease = hex::encode(lease);
            tracing::info!(job, %lease, reason = %why, "worker report refused");
            Status::failed_precondition(format!(
                "job {job}: lease {lease} is not held by this worker (expired, finished, another worker's, or no such job)"
            ))
        }
        e => job_status(e),
    }
}

/// A lease id on the wire: its 16 bytes, big-endian.
fn lease_to_wire(lease: LeaseId) -> Vec<u8> {
    lease.to_be_bytes().to_vec()
}

/// A lease id from the wire; bytes of another length name no lease (0 is
/// never handed out), so they are refused like any lease not held.
fn lease_from_wire(bytes: &[u8]) -> LeaseId {
    <[u8; 16]>::try_from(bytes).map_or(0, LeaseId::from_be_bytes)
}

fn seal_status(e: SealError) -> Status {
    let msg = e.to_string();
    match e {
        SealError::Empty { .. } => Status::failed_precondition(msg),
        SealError::Store(_) => internal(msg),
    }
}

fn revert_status(e: RevertError) -> Status {
    let msg = e.to_string();
    match e {
        RevertError::AfterLast { .. } => Status::invalid_argument(msg),
        RevertError::InsideRange { .. } | RevertError::Proven { .. } => {
            Status::failed_precondition(msg)
        }
        RevertError::Store(crate::store::StoreError::NoUndo(_)) => Status::failed_precondition(msg),
        RevertError::Store(_) => internal(msg),
    }
}

fn retry_status(e: RetryError) -> Status {
    let msg = e.to_string();
    match e {
        RetryError::UnknownJob(_) | RetryError::UnknownBatch { .. } => Status::not_found(msg),
        RetryError::BadRange { .. } => Status::invalid_argument(msg),
        RetryError::NothingFailed(_) => Status::failed_precondition(msg),
        RetryError::Store(_) => internal(msg),
    }
}

fn range_status_code(s: RangeStatus) -> v1::RangeStatus {
    match s {
        RangeStatus::Aggregating => v1::RangeStatus::Aggregating,
        RangeStatus::Proven => v1::RangeStatus::Proven,
        RangeStatus::Failed => v1::RangeStatus::Failed,
    }
}

/// The wire form of a sealed range; `attempts` gives the leases of a step's job.
pub fn range_info(r: &RangeRecord, attempts: impl Fn(u64) -> u32) -> v1::RangeInfo {
    let proven_at_ms = match r.status {
        RangeStatus::Proven => r
            .steps
            .last()
            .and_then(|s| s.proven_ms)
            .unwrap_or(r.updated_ms),
        _ => 0,
    };
    v1::RangeInfo {
        range: Some(v1::BatchRange {
            first: r.first,
            last: r.last,
        }),
        status: range_status_code(r.status) as i32,
        steps_done: r.steps_done() as u32,
        steps_total: r.steps.len() as u32,
        error: r.error.clone().unwrap_or_default(),
        old_root: root_to_bytes(&r.values.old_root),
        new_root: root_to_bytes(&r.values.new_root),
        commitment: r.values.commitment.to_vec(),
        sealed_at_ms: r.sealed_ms,
        updated_at_ms: r.updated_ms,
        proven_at_ms,
        wrap: r.wrap.as_ref().map(|w| v1::WrapInfo {
            status: wrap_status_code(w.status) as i32,
            job_id: w.job_id,
            attempts: attempts(w.job_id),
            error: w.error.clone().unwrap_or_default(),
            started_at_ms: w.started_ms.unwrap_or(0),
            proven_at_ms: w.proven_ms.unwrap_or(0),
        }),
        steps: r
            .steps
            .iter()
            .map(|s| v1::AggregationStep {
                range: Some(v1::BatchRange {
                    first: s.step.start,
                    last: s.step.end - 1,
                }),
                level: s.step.level(),
                job_id: s.job_id,
                attempts: attempts(s.job_id),
                started_at_ms: s.started_ms.unwrap_or(0),
                proven_at_ms: s.proven_ms.unwrap_or(0),
            })
            .collect(),
    }
}

fn wrap_status_code(s: WrapStatus) -> v1::WrapStatus {
    match s {
        WrapStatus::Queued => v1::WrapStatus::Queued,
        WrapStatus::Proving => v1::WrapStatus::Proving,
        WrapStatus::Proven => v1::WrapStatus::Proven,
        WrapStatus::Failed => v1::WrapStatus::Failed,
    }
}

/// The job kind of a capability on the wire.
fn job_kind(code: i32) -> Option<JobKind> {
    match v1::JobKind::try_from(code) {
        Ok(v1::JobKind::BatchProof) => Some(JobKind::BatchProof),
        Ok(v1::JobKind::Aggregate) => Some(JobKind::Aggregate),
        Ok(v1::JobKind::Wrap) => Some(JobKind::Wrap),
        _ => None,
    }
}

fn status_code(s: BatchStatus) -> v1::BatchStatus {
    match s {
        BatchStatus::Accepted => v1::BatchStatus::Accepted,
        BatchStatus::Proving => v1::BatchStatus::Proving,
        BatchStatus::Proven => v1::BatchStatus::Proven,
        BatchStatus::Failed => v1::BatchStatus::Failed,
    }
}

/// The wire form of a stored batch.
pub fn batch_info(r: &BatchRecord, attempts: u32) -> v1::BatchInfo {
    v1::BatchInfo {
        batch_number: r.number(),
        status: status_code(r.status) as i32,
        old_root: root_to_bytes(&r.old_root),
        new_root: root_to_bytes(&r.new_root),
        commitment: r.commitment.to_vec(),
        operation_count: r.batch.operations.len() as u32,
        error: r.error.clone().unwrap_or_default(),
        attempts,
        accepted_at_ms: r.accepted_ms,
        updated_at_ms: r.updated_ms,
        proven_at_ms: if r.status == BatchStatus::Proven {
            r.updated_ms
        } else {
            0
        },
        // GetBatch alone fills it in.
        pubdata: Vec::new(),
    }
}

/// Runs blocking coordinator work (execution, proof checks, disk) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Status> {
    tokio::task::spawn_blocking(f).await.map_err(internal)
}

/// The sequencer-facing service.
#[derive(Clone)]
pub struct SequencerService {
    coord: Arc<Coordinator>,
    deposits: Option<L1DepositQueue>,
}

impl SequencerService {
    /// A service over the coordinator; with `deposits`, every submitted
    /// batch's deposits are checked against L1's queue first.
    pub fn new(coord: Arc<Coordinator>, deposits: Option<L1DepositQueue>) -> Self {
        Self { coord, deposits }
    }

    fn info(&self, r: &BatchRecord) -> v1::BatchInfo {
        batch_info(r, self.coord.job_attempts(r.job_id))
    }

    fn range_info(&self, r: &RangeRecord) -> v1::RangeInfo {
        range_info(r, |job| self.coord.job_attempts(job))
    }

    /// The batch proof of batch `n`.
    fn batch_proof(&self, n: u64) -> Result<v1::ProofResponse, Status> {
        let r = self
            .coord
            .batch(n)
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("batch {n} was never accepted")))?;
        let proof = self.coord.proof(n).map_err(internal)?.ok_or_else(|| {
            Status::failed_precondition(format!(
                "batch {n} is not proven yet (status {:?})",
                r.status
            ))
        })?;
        Ok(v1::ProofResponse {
            kind: v1::ProofKind::Batch as i32,
            range: Some(v1::BatchRange { first: n, last: n }),
            proof,
            old_root: root_to_bytes(&r.old_root),
            new_root: root_to_bytes(&r.new_root),
            commitment: r.commitment.to_vec(),
            circuit_capacity: self.coord.config().capacity as u32,
            chain_id: self.coord.config().chain_id,
            public_input: Vec::new(),
        })
    }

    /// The sealed range with exactly the bounds `first..=last`.
    fn sealed(&self, first: u64, last: u64) -> Result<RangeRecord, Status> {
        self.coord
            .range_containing(first)
            .map_err(internal)?
            .filter(|r| r.first == first && r.last == last)
            .ok_or_else(|| {
                Status::not_found(format!(
                    "no sealed range is exactly batches {first}..{last} (ranges are sealed \
                     by SealRange or when full; ListRanges shows them)"
                ))
            })
    }

    /// The range proof of the sealed range with exactly the bounds `first..=last`.
    fn range_proof(&self, first: u64, last: u64) -> Result<v1::ProofResponse, Status> {
        let r = self.sealed(first, last)?;
        match r.status {
            RangeStatus::Proven => {}
            RangeStatus::Aggregating => {
                return Err(Status::failed_precondition(format!(
                    "range {first}..{last} is not proven yet ({} of {} aggregation steps done)",
                    r.steps_done(),
                    r.steps.len()
                )))
            }
            RangeStatus::Failed => {
                return Err(Status::failed_precondition(format!(
                    "range {first}..{last} failed: {}",
                    r.error.as_deref().unwrap_or("no reason recorded")
                )))
            }
        }
        let proof = self
            .coord
            .range_proof(first, last)
            .map_err(internal)?
            .ok_or_else(|| {
                internal(format!(
                    "range {first}..{last} is proven but its proof is missing"
                ))
            })?;
        Ok(v1::ProofResponse {
            kind: v1::ProofKind::Aggregate as i32,
            range: Some(v1::BatchRange { first, last }),
            proof,
            old_root: root_to_bytes(&r.values.old_root),
            new_root: root_to_bytes(&r.values.new_root),
            commitment: r.values.commitment.to_vec(),
            circuit_capacity: self.coord.config().capacity as u32,
            chain_id: self.coord.config().chain_id,
            public_input: Vec::new(),
        })
    }

    /// The wrapped proof of the sealed range with exactly the bounds `first..=last`.
    fn wrap_proof(&self, first: u64, last: u64) -> Result<v1::ProofResponse, Status> {
        let r = self.sealed(first, last)?;
        let what = format!("range {first}..{last}");
        let Some(wrap) = &r.wrap else {
            return Err(Status::failed_precondition(format!(
                "{what} is not wrapped: the coordinator held no wrap keys when it was sealed \
                 (start it with --wrap-keys to wrap it)"
            )));
        };
        match wrap.status {
            WrapStatus::Proven => {}
            WrapStatus::Queued | WrapStatus::Proving => {
                return Err(Status::failed_precondition(format!(
                    "{what} is not wrapped yet (wrap {}; range {})",
                    if wrap.status == WrapStatus::Queued {
                        "queued"
                    } else {
                        "proving"
                    },
                    if r.status == RangeStatus::Proven {
                        "proven".to_string()
                    } else {
                        format!("{} of {} steps done", r.steps_done(), r.steps.len())
                    }
                )))
            }
            WrapStatus::Failed => {
                return Err(Status::failed_precondition(format!(
                    "{what}: wrap failed: {}",
                    wrap.error.as_deref().unwrap_or("no reason recorded")
                )))
            }
        }
        let proof = self
            .coord
            .wrap_proof(first)
            .map_err(internal)?
            .ok_or_else(|| internal(format!("{what} is wrapped but its proof is missing")))?;
        let values = r.values.public_values();
        Ok(v1::ProofResponse {
            kind: v1::ProofKind::Wrap as i32,
            range: Some(v1::BatchRange { first, last }),
            proof,
            old_root: root_to_bytes(&r.values.old_root),
            new_root: root_to_bytes(&r.values.new_root),
            commitment: r.values.commitment.to_vec(),
            circuit_capacity: self.coord.config().capacity as u32,
            chain_id: self.coord.config().chain_id,
            public_input: public_input_bytes(&public_input_of(&values)).to_vec(),
        })
    }
}

type BatchStream = Pin<Box<dyn Stream<Item = Result<v1::BatchInfo, Status>> + Send>>;

#[tonic::async_trait]
impl Sequencer for SequencerService {
    async fn submit_batch(
        &self,
        request: Request<v1::SubmitBatchRequest>,
    ) -> Result<Response<v1::SubmitBatchResponse>, Status> {
        let req = request.into_inner();
        // Refused before anything is built from the operations.
        let capacity = self.coord.capacity();
        if req.operations.len() > capacity {
            return Err(Status::invalid_argument(format!(
                "batch {}: {} operations, but a batch of capacity {capacity} holds at most {capacity} (every operation takes a chunk at least)",
                req.batch_number,
                req.operations.len()
            )));
        }
        let s =
            BatchSubmission::try_from(req).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if let Some(queue) = &self.deposits {
            let number = s.batch.number;
            queue
                .check(&s.batch)
                .await
                .map_err(|e| {
                    Status::unavailable(format!(
                        "batch {number}: its deposits cannot be checked against L1: {e}"
                    ))
                })?
                .map_err(|e| {
                    Status::invalid_argument(format!(
                        "batch {number}: a deposit L1 did not queue: {e}"
                    ))
                })?;
        }
        let coord = self.coord.clone();
        let out = blocking(move || {
            coord.submit(Submission {
                batch: s.batch,
                expected_old_root: s.expected_old_root,
                claimed_new_root: s.claimed_new_root,
            })
        })
        .await?
        .map_err(submit_status)?;
        Ok(Response::new(v1::SubmitBatchResponse {
            batch_number: out.record.number(),
            status: status_code(out.record.status) as i32,
            commitment: out.record.commitment.to_vec(),
            accepted_now: out.accepted_now,
        }))
    }

    async fn get_batch(
        &self,
        request: Request<v1::GetBatchRequest>,
    ) -> Result<Response<v1::BatchInfo>, Status> {
        let n = request.into_inner().batch_number;
        let r = self
            .coord
            .batch(n)
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("batch {n} was never accepted")))?;
        let pubdata = batch_pubdata(&r.batch, self.coord.capacity())
            .map_err(|e| Status::internal(format!("batch {n}: its pubdata: {e}")))?;
        // The stored commitment is what the proofs state: a pubdata that hashes
        // otherwise would be refused by L1 (and means a store written by another encoding).
        if sha256(&pubdata) != r.commitment {
            return Err(Status::internal(format!(
                "batch {n}: its operations encode to pubdata whose SHA-256 is not the stored commitment"
            )));
        }
        Ok(Response::new(v1::BatchInfo {
            pubdata,
            ..self.info(&r)
        }))
    }

    type WatchBatchesStream = BatchStream;

    async fn watch_batches(
        &self,
        request: Request<v1::WatchBatchesRequest>,
    ) -> Result<Response<Self::WatchBatchesStream>, Status> {
        let from = request.into_inner().from_batch;
        // Subscribe first so that no change between the snapshot and the stream is lost.
        let mut events = self.coord.subscribe();
        let mut closing = self.coord.closing();
        let last = self.coord.store().last_batch().map_err(internal)?;
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let this = self.clone();
        tokio::spawn(async move {
            for n in from.max(1)..=last {
                match this.coord.batch(n) {
                    Ok(Some(r)) => {
                        if tx.send(Ok(this.info(&r))).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let _ = tx.send(Err(internal(e))).await;
                        return;
                    }
                }
            }
            loop {
                let event = tokio::select! {
                    e = events.recv() => e,
                    _ = closing.wait_for(|c| *c) => return,
                    _ = tx.closed() => return,
                };
                match event {
                    Ok(r) if r.number() >= from => {
                        if tx.send(Ok(this.info(&r))).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        let _ = tx
                            .send(Err(Status::data_loss(format!(
                                "watcher fell {n} events behind; watch again"
                            ))))
                            .await;
                        return;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    async fn get_proof(
        &self,
        request: Request<v1::GetProofRequest>,
    ) -> Result<Response<v1::ProofResponse>, Status> {
        use v1::get_proof_request::Target;
        let req = request.into_inner();
        let (first, last) = match req.target {
            Some(Target::BatchNumber(n)) => (n, n),
            Some(Target::Range(r)) if r.first <= r.last => (r.first, r.last),
            Some(Target::Range(r)) => {
                return Err(Status::invalid_argument(format!(
                    "range: first {} is after last {}",
                    r.first, r.last
                )))
            }
            None => {
                return Err(Status::invalid_argument(
                    "target: set batch_number or range",
                ))
            }
        };
        let kind = v1::ProofKind::try_from(req.kind).map_err(|_| {
            Status::invalid_argument(format!("kind: {} is not a proof kind", req.kind))
        })?;
        let this = self.clone();
        let response = blocking(move || match kind {
            v1::ProofKind::Unspecified if first == last => this.batch_proof(first),
            v1::ProofKind::Batch if first == last => this.batch_proof(first),
            v1::ProofKind::Batch => Err(Status::invalid_argument(format!(
                "kind: a batch proof covers one batch, not {first}..{last}"
            ))),
            v1::ProofKind::Unspecified | v1::ProofKind::Aggregate => this.range_proof(first, last),
            v1::ProofKind::Wrap => this.wrap_proof(first, last),
        })
        .await??;
        Ok(Response::new(response))
    }

    async fn seal_range(
        &self,
        _request: Request<v1::SealRangeRequest>,
    ) -> Result<Response<v1::RangeInfo>, Status> {
        let coord = self.coord.clone();
        let range = blocking(move || coord.seal()).await?.map_err(seal_status)?;
        Ok(Response::new(self.range_info(&range)))
    }

    async fn get_range(
        &self,
        request: Request<v1::GetRangeRequest>,
    ) -> Result<Response<v1::RangeInfo>, Status> {
        let n = request.into_inner().batch_number;
        let range = self
            .coord
            .range_containing(n)
            .map_err(internal)?
            .ok_or_else(|| {
                Status::not_found(format!(
                    "batch {n} is in no sealed range (never accepted, or still open)"
                ))
            })?;
        Ok(Response::new(self.range_info(&range)))
    }

    async fn list_ranges(
        &self,
        _request: Request<v1::ListRangesRequest>,
    ) -> Result<Response<v1::ListRangesResponse>, Status> {
        let coord = self.coord.clone();
        let (ranges, open) = blocking(move || {
            Ok::<_, crate::store::StoreError>((coord.ranges()?, coord.open_range()?))
        })
        .await?
        .map_err(internal)?;
        Ok(Response::new(v1::ListRangesResponse {
            ranges: ranges.iter().map(|r| self.range_info(r)).collect(),
            open: open.map(|(first, last)| v1::BatchRange { first, last }),
        }))
    }
}

/// The worker-facing service.
#[derive(Clone)]
pub struct FleetService {
    coord: Arc<Coordinator>,
}

impl FleetService {
    /// A service over the coordinator.
    pub fn new(coord: Arc<Coordinator>) -> Self {
        Self { coord }
    }
}

#[tonic::async_trait]
impl ProverFleet for FleetService {
    async fn register_worker(
        &self,
        request: Request<v1::RegisterWorkerRequest>,
    ) -> Result<Response<v1::RegisterWorkerResponse>, Status> {
        let req = request.into_inner();
        let caps = req.capabilities.unwrap_or_default();
        let mut kinds = Vec::new();
        for (i, &code) in caps.job_kinds.iter().enumerate() {
            let kind = job_kind(code).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "capabilities.job_kinds[{i}]: {code} is not a job kind this coordinator \
                     hands out (JOB_KIND_BATCH_PROOF, JOB_KIND_AGGREGATE, JOB_KIND_WRAP)"
                ))
            })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        // The wrap needs its proving key: a worker asks for wrap jobs by name.
        if kinds.is_empty() {
            kinds = JobKind::PLONKY2.to_vec();
        }
        let coord = self.coord.clone();
        let name = req.name.clone();
        let (id, secret) = blocking(move || coord.register_worker(&name, &kinds))
            .await?
            .map_err(internal)?;
        let lease_ms = self.coord.config().queue.lease_ms;
        Ok(Response::new(v1::RegisterWorkerResponse {
            worker_id: id,
            heartbeat_interval_ms: (lease_ms / 3).max(1),
            lease_ms,
            worker_secret: secret.to_vec(),
        }))
    }

    async fn acquire_job(
        &self,
        request: Request<v1::AcquireJobRequest>,
    ) -> Result<Response<v1::AcquireJobResponse>, Status> {
        let req = request.into_inner();
        let wait = Duration::from_millis(req.wait_ms).min(MAX_WAIT);
        let assignment = self
            .coord
            .acquire(req.worker_id, &req.worker_secret, wait)
            .await
            .map_err(job_status)?;
        let job = assignment.map(|a| {
            let (lease_id, expires) = match a.job.state {
                JobState::Leased(l) => (lease_to_wire(l.lease_id), l.expires_ms),
                _ => (Vec::new(), 0),
            };
            let (first, last) = a.range;
            let range = v1::job::Target::Range(v1::BatchRange { first, last });
            let (kind, target) = match a.job.kind {
                JobKind::Aggregate => (v1::JobKind::Aggregate, range),
                JobKind::Wrap => (v1::JobKind::Wrap, range),
                JobKind::BatchProof => (
                    v1::JobKind::BatchProof,
                    v1::job::Target::BatchNumber(a.job.batch_number),
                ),
            };
            v1::Job {
                job_id: a.job.id,
                kind: kind as i32,
                target: Some(target),
                circuit_capacity: a.job.capacity as u32,
                chain_id: self.coord.config().chain_id,
                lease_id,
                lease_expires_at_ms: expires,
                attempt: a.job.attempts,
                witness: a.witness,
            }
        });
        Ok(Response::new(v1::AcquireJobResponse { job }))
    }

    async fn heartbeat(
        &self,
        request: Request<v1::HeartbeatRequest>,
    ) -> Result<Response<v1::HeartbeatResponse>, Status> {
        let req = request.into_inner();
        let coord = self.coord.clone();
        let ids: Vec<LeaseId> = req.lease_ids.iter().map(|l| lease_from_wire(l)).collect();
        let (worker, secret) = (req.worker_id, req.worker_secret.clone());
        let results = blocking(move || coord.heartbeat(worker, &secret, &ids))
            .await?
            .map_err(job_status)?;
        let leases = req
            .lease_ids
            .iter()
            .zip(results)
            .map(|(lease_id, r)| v1::LeaseStatus {
                lease_id: lease_id.clone(),
                valid: r.is_ok(),
                expires_at_ms: r.unwrap_or(0),
            })
            .collect();
        Ok(Response::new(v1::HeartbeatResponse { leases }))
    }

    async fn complete_job(
        &self,
        request: Request<v1::CompleteJobRequest>,
    ) -> Result<Response<v1::CompleteJobResponse>, Status> {
        let req = request.into_inner();
        let coord = self.coord.clone();
        let (job, lease) = (req.job_id, req.lease_id.clone());
        blocking(move || {
            coord.complete(
                req.worker_id,
                &req.worker_secret,
                req.job_id,
                lease_from_wire(&req.lease_id),
                &req.proof,
            )
        })
        .await?
        .map_err(|e| report_status(job, &lease, e))?;
        Ok(Response::new(v1::CompleteJobResponse {}))
    }

    async fn fail_job(
        &self,
        request: Request<v1::FailJobRequest>,
    ) -> Result<Response<v1::FailJobResponse>, Status> {
        let req = request.into_inner();
        let coord = self.coord.clone();
        let (job, lease) = (req.job_id, req.lease_id.clone());
        let requeued = blocking(move || {
            coord.fail(
                req.worker_id,
                &req.worker_secret,
                req.job_id,
                lease_from_wire(&req.lease_id),
                &req.error,
                req.retryable,
            )
        })
        .await?
        .map_err(|e| report_status(job, &lease, e))?;
        Ok(Response::new(v1::FailJobResponse { requeued }))
    }
}

/// The operator-facing service.
#[derive(Clone)]
pub struct AdminService {
    coord: Arc<Coordinator>,
}

impl AdminService {
    /// A service over the coordinator.
    pub fn new(coord: Arc<Coordinator>) -> Self {
        Self { coord }
    }
}

#[tonic::async_trait]
impl Admin for AdminService {
    async fn revert_batches(
        &self,
        request: Request<v1::RevertBatchesRequest>,
    ) -> Result<Response<v1::RevertBatchesResponse>, Status> {
        let keep = request.into_inner().keep_through;
        let coord = self.coord.clone();
        let outcome = blocking(move || coord.revert(keep))
            .await?
            .map_err(revert_status)?;
        let range = |(first, last)| v1::BatchRange { first, last };
        Ok(Response::new(v1::RevertBatchesResponse {
            dropped: outcome.batches.map(range),
            ranges: outcome.ranges.into_iter().map(range).collect(),
            jobs: outcome.jobs as u64,
            root: root_to_bytes(&outcome.root),
        }))
    }

    async fn retry_jobs(
        &self,
        request: Request<v1::RetryJobsRequest>,
    ) -> Result<Response<v1::RetryJobsResponse>, Status> {
        use v1::retry_jobs_request::Target;
        let target = match request.into_inner().target {
            Some(Target::JobId(id)) => RetryTarget::Job(id),
            Some(Target::BatchNumber(n)) => RetryTarget::Batch(n),
            Some(Target::Range(r)) => RetryTarget::Range(r.first, r.last),
            None => {
                return Err(Status::invalid_argument(
                    "no target: name a job, a batch or a range of batches",
                ))
            }
        };
        let coord = self.coord.clone();
        let outcome = blocking(move || coord.retry(target))
            .await?
            .map_err(retry_status)?;
        Ok(Response::new(v1::RetryJobsResponse {
            jobs: outcome.jobs as u64,
            batches: outcome.batches,
            ranges: outcome
                .ranges
                .into_iter()
                .map(|(first, last)| v1::BatchRange { first, last })
                .collect(),
        }))
    }
}
