//! A prover worker: registers, pulls jobs (batch proofs, aggregation steps
//! and, with the wrap's proving key, wraps), proves them (CPU, rayon) while
//! heartbeating the lease, hands back the proof, and repeats. On shutdown it releases a job it holds rather than
//! abandon the lease.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tonic::Code;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::wrapper::{Wrapper, WrapperError};
use zkr_aggregator::{Circuits, RangeProof};
use zkr_circuits::witness::BatchWitness;
use zkr_proto::v1;

use crate::aggregate::AggregateWitness;
use crate::client::{self, ClientError, FleetApi};
use crate::store::JobKind;

/// Worker settings.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Coordinator URL.
    pub coordinator: String,
    /// Worker bearer token.
    pub token: String,
    /// Name shown in the coordinator's logs.
    pub name: String,
    /// Long-poll length of one acquire.
    pub wait: Duration,
    /// CA certificate for TLS.
    pub tls_ca: Option<PathBuf>,
    /// Largest gRPC message.
    pub max_message_bytes: usize,
    /// Circuits already built, by capacity (others are built when a job needs them).
    pub circuits: Vec<Arc<Circuits>>,
    /// Kinds of jobs to accept; empty for batch proofs and aggregation steps,
    /// and wraps when `wrapper` is set.
    pub kinds: Vec<JobKind>,
    /// The wrap with its proving key, for wrap jobs of its capacity.
    pub wrapper: Option<Arc<Wrapper>>,
}

/// What a worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Proofs the coordinator accepted.
    pub completed: u64,
    /// Jobs reported failed or released.
    pub failed: u64,
}

/// Why a worker stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Could not connect.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The coordinator refused registration.
    #[error("registering with {url}: {status}")]
    Register {
        /// Coordinator URL.
        url: String,
        /// gRPC status.
        status: tonic::Status,
    },
    /// Wrap jobs were asked for without the wrap's proving key.
    #[error("wrap jobs need the wrap's proving key (--wrap-keys DIR)")]
    NoWrapKey,
    /// The circuits of a job's capacity could not be built.
    #[error("building the circuits of capacity {capacity}: {reason}")]
    Circuits {
        /// The capacity.
        capacity: usize,
        /// Why.
        reason: String,
    },
}

/// Registers with the coordinator for `kinds`: who this worker is from now
/// on, and how often to heartbeat a lease.
async fn register(
    api: &mut FleetApi,
    config: &WorkerConfig,
    kinds: &[JobKind],
) -> Result<(Me, Duration), WorkerError> {
    let reg = api
        .register_worker(v1::RegisterWorkerRequest {
            name: config.name.clone(),
            capabilities: Some(v1::Capabilities {
                backends: vec![v1::Backend::Cpu as i32],
                job_kinds: kinds.iter().map(|&k| wire_kind(k) as i32).collect(),
                max_parallel_jobs: 1,
            }),
        })
        .await
        .map_err(|status| WorkerError::Register {
            url: config.coordinator.clone(),
            status,
        })?
        .into_inner();
    let me = Me {
        id: reg.worker_id,
        secret: reg.worker_secret,
    };
    Ok((me, Duration::from_millis(reg.heartbeat_interval_ms.max(10))))
}

enum Outcome {
    Proof(Vec<u8>),
    Failed { error: String, retryable: bool },
}

/// Runs a worker until `shutdown` turns true.
pub async fn run(
    config: WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> Result<WorkerStats, WorkerError> {
    let channel = client::channel(&config.coordinator, config.tls_ca.as_deref()).await?;
    let mut api = client::fleet(channel, &config.token, config.max_message_bytes)?;
    let kinds = if config.kinds.is_empty() {
        let mut kinds = JobKind::PLONKY2.to_vec();
        if config.wrapper.is_some() {
            kinds.push(JobKind::Wrap);
        }
        kinds
    } else {
        config.kinds.clone()
    };
    if kinds.contains(&JobKind::Wrap) && config.wrapper.is_none() {
        return Err(WorkerError::NoWrapKey);
    }
    let (mut me, mut heartbeat) = register(&mut api, &config, &kinds).await?;
    tracing::info!(worker = me.id, name = %config.name, "worker registered");

    // Circuits are built for a capacity and a chain id; jobs name both.
    let mut circuits: HashMap<(usize, u64), Arc<Circuits>> = config
        .circuits
        .iter()
        .map(|c| ((c.capacity(), c.chain_id()), c.clone()))
        .collect();
    let mut stats = WorkerStats::default();
    while !*shutdown.borrow() {
        let request = v1::AcquireJobRequest {
            worker_id: me.id,
            wait_ms: config.wait.as_millis() as u64,
            worker_secret: me.secret.clone(),
        };
        let response = tokio::select! {
            r = api.acquire_job(request) => r,
            _ = shutdown.changed() => break,
        };
        let job = match response {
            Ok(r) => match r.into_inner().job {
                Some(job) => job,
                None => continue,
            },
            Err(status) if status.code() == Code::PermissionDenied => {
                // The coordinator does not know this worker (its data
                // directory was replaced): register anew rather than ask forever.
                tracing::warn!(worker = me.id, %status, "the coordinator does not know this worker; registering again");
                match register(&mut api, &config, &kinds).await {
                    Ok((again, interval)) => {
                        (me, heartbeat) = (again, interval);
                        tracing::info!(worker = me.id, name = %config.name, "worker registered again");
                        continue;
                    }
                    Err(e) => tracing::warn!(error = %e, "registering again failed; retrying"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    _ = shutdown.changed() => break,
                }
            }
            Err(status) => {
                // The coordinator may be restarting: back off and try again.
                tracing::warn!(worker = me.id, %status, "acquire failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    _ = shutdown.changed() => break,
                }
            }
        };
        let capacity = job.circuit_capacity as usize;
        let chain_id = job.chain_id;
        let circuit = match circuits.get(&(capacity, chain_id)) {
            Some(c) => c.clone(),
            None => {
                let built = tokio::task::spawn_blocking(move || {
                    // The batch circuit asserts a capacity that holds a deposit.
                    if capacity < 3 {
                        return Err(format!("capacity {capacity} cannot hold a deposit"));
                    }
                    Circuits::build(capacity, chain_id).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(format!("builder thread: {e}")));
                match built {
                    Ok(c) => {
                        let c = Arc::new(c);
                        circuits.insert((capacity, chain_id), c.clone());
                        c
                    }
                    Err(reason) => {
                        report_failure(&mut api, &me, &job, &reason, true).await;
                        return Err(WorkerError::Circuits { capacity, reason });
                    }
                }
            }
        };
        let started = Instant::now();
        let prover = Prover {
            circuits: circuit,
            wrapper: config.wrapper.clone(),
        };
        let outcome =
            prove_with_heartbeats(&mut api, &me, &job, prover, heartbeat, &mut shutdown).await;
        let prove_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Some(Outcome::Proof(proof)) => {
                let req = v1::CompleteJobRequest {
                    worker_id: me.id,
                    job_id: job.job_id,
                    lease_id: job.lease_id,
                    proof,
                    prove_ms,
                    worker_secret: me.secret.clone(),
                };
                match api.complete_job(req).await {
                    Ok(_) => {
                        stats.completed += 1;
                        tracing::info!(
                            worker = me.id,
                            job = job.job_id,
                            prove_ms,
                            "proof delivered"
                        );
                    }
                    Err(status) => {
                        stats.failed += 1;
                        tracing::warn!(worker = me.id, job = job.job_id, %status, "proof refused");
                    }
                }
            }
            Some(Outcome::Failed { error, retryable }) => {
                stats.failed += 1;
                report_failure(&mut api, &me, &job, &error, retryable).await;
            }
            None => {
                // Shutting down mid-proof: hand the job back at once.
                stats.failed += 1;
                report_failure(&mut api, &me, &job, "worker shutting down", true).await;
                break;
            }
        }
    }
    tracing::info!(worker = me.id, ?stats, "worker stopped");
    Ok(stats)
}

/// Who this worker is: its id and the secret that proves it.
struct Me {
    id: u64,
    secret: Vec<u8>,
}

async fn report_failure(api: &mut FleetApi, me: &Me, job: &v1::Job, error: &str, retryable: bool) {
    let req = v1::FailJobRequest {
        worker_id: me.id,
        job_id: job.job_id,
        lease_id: job.lease_id.clone(),
        error: error.to_string(),
        retryable,
        worker_secret: me.secret.clone(),
    };
    if let Err(status) = api.fail_job(req).await {
        tracing::warn!(worker = me.id, job = job.job_id, %status, "could not report failure");
    }
}

/// The wire code of a job kind.
fn wire_kind(kind: JobKind) -> v1::JobKind {
    match kind {
        JobKind::BatchProof => v1::JobKind::BatchProof,
        JobKind::Aggregate => v1::JobKind::Aggregate,
        JobKind::Wrap => v1::JobKind::Wrap,
    }
}

/// What proves a job: the circuits of its capacity, and the wrap if held.
struct Prover {
    circuits: Arc<Circuits>,
    wrapper: Option<Arc<Wrapper>>,
}

/// What proving a job takes, decoded from its witness.
enum Task {
    Batch(BatchWitness),
    Aggregate(AggregateWitness),
    /// The range proof to wrap, decoded when proving (it needs the circuits).
    Wrap(Vec<u8>),
}

impl Task {
    /// Decodes the job's witness by its kind; an error is the job's fault.
    fn of(job: &v1::Job) -> Result<Self, String> {
        match v1::JobKind::try_from(job.kind) {
            Ok(v1::JobKind::BatchProof) => BatchWitness::from_bytes(&job.witness)
                .map(Task::Batch)
                .map_err(|e| e.to_string()),
            Ok(v1::JobKind::Aggregate) => AggregateWitness::from_bytes(&job.witness)
                .map(Task::Aggregate)
                .map_err(|e| e.to_string()),
            Ok(v1::JobKind::Wrap) => Ok(Task::Wrap(job.witness.clone())),
            _ => Err(format!(
                "job kind {} is not one this worker proves",
                job.kind
            )),
        }
    }

    /// Proves it; returns the proof bytes, or the failure and its class.
    fn prove(&self, prover: &Prover) -> Result<Vec<u8>, Outcome> {
        // The circuit refusing the witness is deterministic: every worker would.
        let refused = |error: String| Outcome::Failed {
            error,
            retryable: false,
        };
        let circuits = &prover.circuits;
        match self {
            Task::Batch(w) => circuits
                .batch()
                .prove(w)
                .map(|p| p.to_bytes())
                .map_err(|e| refused(e.to_string())),
            Task::Aggregate(w) => w
                .prove(circuits)
                .map(|p| p.to_bytes())
                .map_err(|e| refused(e.to_string())),
            Task::Wrap(bytes) => {
                let wrapper = prover.wrapper.as_ref().ok_or(Outcome::Failed {
                    error: "this worker holds no wrap proving key".into(),
                    retryable: true,
                })?;
                let aggregation = circuits.aggregation();
                let range = RangeProof::from_bytes(bytes, aggregation)
                    .map_err(|e| refused(format!("range proof to wrap: {e}")))?;
                let wrapped = wrapper
                    .prove(aggregation, &range, &mut rand::rngs::OsRng)
                    .map_err(|e| Outcome::Failed {
                        error: e.to_string(),
                        retryable: wrap_failure_is_transient(&e),
                    })?;
                Ok(groth16::proof_to_evm(&wrapped.proof).to_vec())
            }
        }
    }
}

/// Whether another attempt at a wrap may succeed after `e`: the Groth16
/// backend (a device, its memory) and the keys on disk are this machine's
/// trouble; a range proof the shrink or wrap circuit refuses is the job's.
fn wrap_failure_is_transient(e: &WrapperError) -> bool {
    matches!(
        e,
        WrapperError::Groth16(_) | WrapperError::NoProvingKey | WrapperError::Keys(_)
    )
}

/// Proves the job on a blocking thread, heartbeating meanwhile; `None` on shutdown.
async fn prove_with_heartbeats(
    api: &mut FleetApi,
    me: &Me,
    job: &v1::Job,
    prover: Prover,
    heartbeat: Duration,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Outcome> {
    let task = match Task::of(job) {
        Ok(t) => t,
        Err(error) => {
            return Some(Outcome::Failed {
                error,
                retryable: false,
            })
        }
    };
    let mut proving = tokio::task::spawn_blocking(move || task.prove(&prover));
    let mut ticks = tokio::time::interval(heartbeat);
    ticks.tick().await;
    loop {
        tokio::select! {
            done = &mut proving => {
                return Some(match done {
                    Ok(Ok(proof)) => Outcome::Proof(proof),
                    Ok(Err(failed)) => failed,
                    // A panic may be this machine's (memory, a device): retry elsewhere.
                    Err(e) => Outcome::Failed { error: format!("prover thread: {e}"), retryable: true },
                });
            }
            _ = ticks.tick() => {
                let req = v1::HeartbeatRequest { worker_id: me.id, lease_ids: vec![job.lease_id.clone()], worker_secret: me.secret.clone() };
                match api.heartbeat(req).await {
                    Ok(r) if r.get_ref().leases.iter().all(|l| l.valid) => {}
                    Ok(_) => tracing::warn!(worker = me.id, job = job.job_id, "lease lost; finishing anyway"),
                    Err(s) if s.code() == Code::Unavailable => tracing::warn!(worker = me.id, "coordinator unavailable"),
                    Err(s) => tracing::warn!(worker = me.id, status = %s, "heartbeat refused"),
                }
            }
            _ = shutdown.changed() => return None,
        }
    }
}
