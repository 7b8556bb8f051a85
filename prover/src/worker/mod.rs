//! A prover worker: registers, pulls jobs, proves them (CPU, rayon) while
//! heartbeating the lease, hands back the proof, and repeats. On shutdown it
//! releases a job it holds rather than abandon the lease.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tonic::Code;
use zkr_circuits::batch::BatchCircuit;
use zkr_circuits::witness::BatchWitness;
use zkr_proto::v1;

use crate::client::{self, ClientError, FleetApi};

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
    /// Circuits already built (others are built when a job needs them).
    pub circuits: Vec<Arc<BatchCircuit>>,
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
    let reg = api
        .register_worker(v1::RegisterWorkerRequest {
            name: config.name.clone(),
            capabilities: Some(v1::Capabilities {
                backends: vec![v1::Backend::Cpu as i32],
                job_kinds: vec![v1::JobKind::BatchProof as i32],
                max_parallel_jobs: 1,
            }),
        })
        .await
        .map_err(|status| WorkerError::Register {
            url: config.coordinator.clone(),
            status,
        })?
        .into_inner();
    let worker_id = reg.worker_id;
    let heartbeat = Duration::from_millis(reg.heartbeat_interval_ms.max(10));
    tracing::info!(worker = worker_id, name = %config.name, "worker registered");

    let mut circuits: HashMap<usize, Arc<BatchCircuit>> = config
        .circuits
        .iter()
        .map(|c| (c.capacity(), c.clone()))
        .collect();
    let mut stats = WorkerStats::default();
    while !*shutdown.borrow() {
        let request = v1::AcquireJobRequest {
            worker_id,
            wait_ms: config.wait.as_millis() as u64,
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
            Err(status) => {
                // The coordinator may be restarting: back off and try again.
                tracing::warn!(worker = worker_id, %status, "acquire failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    _ = shutdown.changed() => break,
                }
            }
        };
        let capacity = job.circuit_capacity as usize;
        let circuit = match circuits.get(&capacity) {
            Some(c) => c.clone(),
            None => {
                let c =
                    tokio::task::spawn_blocking(move || Arc::new(BatchCircuit::build(capacity)))
                        .await
                        .map_err(|e| ClientError::Connect {
                            url: config.coordinator.clone(),
                            reason: format!("building circuit: {e}"),
                        })?;
                circuits.insert(capacity, c.clone());
                c
            }
        };
        let started = Instant::now();
        let outcome =
            prove_with_heartbeats(&mut api, worker_id, &job, circuit, heartbeat, &mut shutdown)
                .await;
        let prove_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Some(Outcome::Proof(proof)) => {
                let req = v1::CompleteJobRequest {
                    worker_id,
                    job_id: job.job_id,
                    lease_id: job.lease_id,
                    proof,
                    prove_ms,
                };
                match api.complete_job(req).await {
                    Ok(_) => {
                        stats.completed += 1;
                        tracing::info!(
                            worker = worker_id,
                            job = job.job_id,
                            prove_ms,
                            "proof delivered"
                        );
                    }
                    Err(status) => {
                        stats.failed += 1;
                        tracing::warn!(worker = worker_id, job = job.job_id, %status, "proof refused");
                    }
                }
            }
            Some(Outcome::Failed { error, retryable }) => {
                stats.failed += 1;
                report_failure(&mut api, worker_id, &job, &error, retryable).await;
            }
            None => {
                // Shutting down mid-proof: hand the job back at once.
                stats.failed += 1;
                report_failure(&mut api, worker_id, &job, "worker shutting down", true).await;
                break;
            }
        }
    }
    tracing::info!(worker = worker_id, ?stats, "worker stopped");
    Ok(stats)
}

async fn report_failure(
    api: &mut FleetApi,
    worker_id: u64,
    job: &v1::Job,
    error: &str,
    retryable: bool,
) {
    let req = v1::FailJobRequest {
        worker_id,
        job_id: job.job_id,
        lease_id: job.lease_id,
        error: error.to_string(),
        retryable,
    };
    if let Err(status) = api.fail_job(req).await {
        tracing::warn!(worker = worker_id, job = job.job_id, %status, "could not report failure");
    }
}

/// Proves the job on a blocking thread, heartbeating meanwhile; `None` on shutdown.
async fn prove_with_heartbeats(
    api: &mut FleetApi,
    worker_id: u64,
    job: &v1::Job,
    circuit: Arc<BatchCircuit>,
    heartbeat: Duration,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Outcome> {
    let witness = match BatchWitness::from_bytes(&job.witness) {
        Ok(w) => w,
        Err(e) => {
            return Some(Outcome::Failed {
                error: e.to_string(),
                retryable: false,
            })
        }
    };
    let mut proving =
        tokio::task::spawn_blocking(move || circuit.prove(&witness).map(|p| p.to_bytes()));
    let mut ticks = tokio::time::interval(heartbeat);
    ticks.tick().await;
    loop {
        tokio::select! {
            done = &mut proving => {
                return Some(match done {
                    Ok(Ok(proof)) => Outcome::Proof(proof),
                    Ok(Err(e)) => Outcome::Failed { error: e.to_string(), retryable: false },
                    Err(e) => Outcome::Failed { error: format!("prover thread: {e}"), retryable: true },
                });
            }
            _ = ticks.tick() => {
                let req = v1::HeartbeatRequest { worker_id, lease_ids: vec![job.lease_id] };
                match api.heartbeat(req).await {
                    Ok(r) if r.get_ref().leases.iter().all(|l| l.valid) => {}
                    Ok(_) => tracing::warn!(worker = worker_id, job = job.job_id, "lease lost; finishing anyway"),
                    Err(s) if s.code() == Code::Unavailable => tracing::warn!(worker = worker_id, "coordinator unavailable"),
                    Err(s) => tracing::warn!(worker = worker_id, status = %s, "heartbeat refused"),
                }
            }
            _ = shutdown.changed() => return None,
        }
    }
}
