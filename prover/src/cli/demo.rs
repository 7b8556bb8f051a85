//! `zkr demo`: the service end to end in one process. An embedded coordinator
//! and two workers on loopback; the demo plays the sequencer, submits a genesis
//! batch and random batches over gRPC, waits for every proof, checks each one
//! and prints a table of what it cost; then seals the batches into one range,
//! waits for its aggregation tree, prints it level by level, and fetches and
//! checks the range proof against values recomputed from the batches; last,
//! waits while a worker wraps the range into a Groth16 proof, and verifies
//! that proof for the public input recomputed from the batches; last, settles
//! the range on a local Ethereum node ([`demo_l1`]), started first so that the
//! batches' deposits are made on L1 before they are submitted, and checked
//! there by the coordinator.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::{oneshot, watch};
use tracing::info;
use zkr_aggregator::wrap::groth16;
use zkr_aggregator::wrap::public_input::{public_input_bytes, public_input_of};
use zkr_aggregator::wrap::wrapper::Wrapper;
use zkr_aggregator::{range_commitment, Circuits, RangeProof};
use zkr_circuits::batch::{BatchCircuit, BatchProof, BatchPublicValues};
use zkr_circuits::executor::execute;
use zkr_circuits::ops::Batch;
use zkr_circuits::state::{digest_hex, StateBackend, StateView};
use zkr_circuits::workload::{
    genesis_accounts_for_capacity, genesis_batch, genesis_chunks, random_batch, OPERATOR,
    WORKLOAD_TOKENS,
};
use zkr_proto::convert::BatchSubmission;
use zkr_proto::v1;
use zkr_prover::client;
use zkr_prover::coordinator::server::{serve, ServerConfig};
use zkr_prover::coordinator::{Coordinator, CoordinatorConfig, QueueConfig};
use zkr_prover::cost::{Cost, Meter};
use zkr_prover::store::Store;
use zkr_prover::worker::{self, WorkerConfig};

use super::demo_l1;
use super::proof::RangeArg;
use super::proving::{build_circuits, fmt_duration};
use super::{check_capacity, progress, OpCounts};

/// Workers the demo runs.
const WORKERS: usize = 2;
/// gRPC message limit inside the demo.
const MAX_MESSAGE: usize = 64 << 20;

/// Options of `zkr demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Pubdata chunks per batch (a transfer takes 1, a withdrawal 2, a deposit 3).
    #[arg(long, default_value_t = 8)]
    pub capacity: usize,
    #[command(flatten)]
    pub chain: super::ChainIdArg,
    #[command(flatten)]
    pub backend: super::BackendArg,
    /// Batches to submit, prove and aggregate into one range, the genesis
    /// batch included when the state is empty (5: a tree that is not a power
    /// of two).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub batches: u64,
    /// Accounts created by the genesis batch besides the operator
    /// [default: as many as fit in one batch].
    #[arg(long)]
    pub accounts: Option<u32>,
    /// Tokens the genesis deposits are spread over.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=WORKLOAD_TOKENS as i64))]
    pub tokens: u16,
    /// Seed of the random operations (the same seed gives the same batches).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the coordinator's data (state, batches, proofs) in DIR/zkr.redb and
    /// continue from it on the next run [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The wrap's keys directory; made there by an INSECURE dev setup (about
    /// 2 minutes and 1 GB on disk) when it holds none, and reused after
    /// [default: ~/.cache/zkr/wrap-dev-keys/capacity-N].
    #[arg(long, value_name = "DIR", conflicts_with = "no_wrap")]
    pub wrap_keys: Option<PathBuf>,
    /// Stop at the range proof: no Groth16 wrap (and no L1).
    #[arg(long)]
    pub no_wrap: bool,
    /// Stop at the wrapped proof: do not settle it on a local Ethereum node
    /// (anvil, from `npm ci` in verifier-contracts/).
    #[arg(long)]
    pub no_l1: bool,
}

/// One line of the result table.
struct Row {
    batch: u64,
    ops: OpCounts,
    chunks: usize,
    latency: Duration,
    attempts: u32,
    proof_bytes: usize,
    verified: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    check_capacity(args.capacity)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_service(args))
}

async fn run_service(args: DemoArgs) -> anyhow::Result<()> {
    let capacity = args.capacity;
    let chain_id = args.chain.chain_id;
    let temp = tempfile::tempdir().context("creating a temporary data directory")?;
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    let store =
        Store::open(&dir).with_context(|| format!("opening the store in {}", dir.display()))?;
    let last_batch = store.last_batch()?;
    let genesis = last_batch == 0;
    let accounts = match args.accounts {
        Some(n) => {
            anyhow::ensure!(
                !genesis || genesis_chunks(n) <= capacity,
                "a genesis of {n} accounts plus the operator takes {} chunks, capacity is {capacity} \
                 (at most {} accounts fit)",
                genesis_chunks(n),
                genesis_accounts_for_capacity(capacity)
            );
            n
        }
        None => genesis_accounts_for_capacity(capacity),
    };
    if !genesis {
        info!(
            last_batch,
            "store has batches already: continuing, no genesis batch"
        );
    }

    let circuits =
        Arc::new(tokio::task::spawn_blocking(move || build_circuits(capacity, chain_id)).await??);
    let (wrapper, keys_dir) = if args.no_wrap {
        (None, None)
    } else {
        // Only the demo's own cache is replaced when stale, never a directory named by the user.
        let (dir, replace_stale) = match &args.wrap_keys {
            Some(dir) => (dir.clone(), false),
            None => (zkr_prover::dev_keys::default_dir(capacity), true),
        };
        let c = circuits.clone();
        let keys = dir.clone();
        let backend = args.backend.select()?;
        let w =
            tokio::task::spawn_blocking(move || super::wrap::dev_keys(&c, &keys, replace_stale))
                .await??
                .with_backend(backend);
        (Some(Arc::new(w)), Some(dir))
    };
    let config = CoordinatorConfig {
        capacity,
        chain_id,
        queue: QueueConfig {
            lease_ms: 30_000,
            retry_ms: 1_000,
            retry_max_ms: 60_000,
        },
        // The demo seals its own batches as one range when they are in.
        max_range_batches: 0,
        wrap: wrapper.clone(),
    };
    let coord = Arc::new(Coordinator::open(store.clone(), circuits.clone(), config)?);
    // Batches a stopped run left unsealed make their own range, so that this
    // run's range is exactly this run's batches.
    if let Some((first, last)) = coord.open_range()? {
        coord.seal()?;
        info!(first, last, "sealed the batches a previous run left open");
    }

    // L1 starts from the empty state: a run that continues a state has no genesis to settle.
    let mut l1 = match (&keys_dir, &wrapper) {
        (Some(keys), Some(w)) if !args.no_l1 && genesis => {
            Some(demo_l1::L1Demo::start(keys, w.circuit_id(), capacity).await?)
        }
        _ => None,
    };

    // Fresh random tokens: the demo's services are reachable on loopback only for its run.
    let mut rng = ChaCha8Rng::from_entropy();
    let sequencer_token = hex::encode(rng.gen::<[u8; 16]>());
    let worker_token = hex::encode(rng.gen::<[u8; 16]>());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop_server, server_stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        coord.clone(),
        listener,
        ServerConfig {
            sequencer_token: sequencer_token.clone(),
            worker_token: worker_token.clone(),
            admin_token: None,
            l1_deposits: l1.as_ref().map(demo_l1::L1Demo::deposit_queue),
            max_message_bytes: MAX_MESSAGE,
            tls: None,
        },
        async {
            let _ = server_stopped.await;
        },
    ));
    info!(%url, workers = WORKERS, "coordinator serving on loopback");

    let (stop_workers, workers_stop) = watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            tokio::spawn(worker::run(
                WorkerConfig {
                    coordinator: url.clone(),
                    token: worker_token.clone(),
                    name: format!("demo-worker-{i}"),
                    wait: Duration::from_millis(500),
                    tls_ca: None,
                    max_message_bytes: MAX_MESSAGE,
                    circuits: vec![circuits.clone()],
                    kinds: Vec::new(),
                    // One wrapping worker: a wrap proof takes about 10 GB.
                    wrapper: if i == 0 { wrapper.clone() } else { None },
                },
                workers_stop.clone(),
            ))
        })
        .collect();

    let channel = client::channel(&url, None).await?;
    let mut sequencer = client::sequencer(channel, &sequencer_token, MAX_MESSAGE)?;
    let first = last_batch + 1;
    let total = args.batches;
    let last = last_batch + total;
    let mut watch_stream = sequencer
        .watch_batches(v1::WatchBatchesRequest { from_batch: first })
        .await
        .context("watching batches")?
        .into_inner();

    // The demo is the sequencer: it builds each batch on the coordinator's state,
    // computes the roots it claims, and submits it over gRPC.
    // What settling costs, from the first submission to the last proof (the
    // sequencer's execution and the demo's checks included: one process).
    let meter = Meter::start();
    let bar = progress::steps(total);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut batches = Vec::new();
    let mut values = Vec::new();
    for number in first..=last {
        bar.set_message(format!("submitting batch {number}"));
        let state = store.state();
        let batch = if number == 1 {
            genesis_batch(accounts, args.tokens, &mut rng)?
        } else {
            random_batch(state, number, OPERATOR, capacity, chain_id, &mut rng)
                .with_context(|| format!("generating batch {number}"))?
        };
        let old_root = StateView::new(state).root()?;
        let exec = execute(state, &batch, capacity, chain_id)
            .with_context(|| format!("executing batch {number}"))?;
        if let Some(l1) = &mut l1 {
            l1.deposit(&batch).await?;
        }
        let submission = BatchSubmission {
            batch: batch.clone(),
            expected_old_root: old_root,
            claimed_new_root: exec.new_root,
        };
        sequencer
            .submit_batch(v1::SubmitBatchRequest::from(&submission))
            .await
            .with_context(|| format!("submitting batch {number}"))?;
        batches.push(batch);
        values.push(BatchPublicValues {
            old_root: exec.old_root,
            new_root: exec.new_root,
            commitment: exec.commitment,
        });
    }

    let mut proven = std::collections::BTreeSet::new();
    while (proven.len() as u64) < total {
        bar.set_message(format!(
            "{} of {total} proven by {WORKERS} workers",
            proven.len()
        ));
        let info = watch_stream
            .message()
            .await
            .context("watching batches")?
            .context("the coordinator closed the watch stream")?;
        if info.status == v1::BatchStatus::Failed as i32 {
            anyhow::bail!(
                "batch {} failed to prove: {}",
                info.batch_number,
                info.error
            );
        }
        if info.status == v1::BatchStatus::Proven as i32 && proven.insert(info.batch_number) {
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    let mut rows = Vec::new();
    for batch in &batches {
        rows.push(check_proof(&mut sequencer, circuits.batch(), batch).await?);
    }
    print_table(circuits.batch(), &rows);
    anyhow::ensure!(rows.iter().all(|r| r.verified), "a proof failed to verify");
    let root = digest_hex(&StateView::new(store.state()).root()?);
    info!(root = %root, last_batch = store.state().meta()?.last_batch, "all {} proofs verified", rows.len());

    let range = aggregate(&mut sequencer, first, last).await?;
    println!();
    println!(
        "aggregation tree of range {first}..{last}: {} step{}, sealed to proven in {:.1} s",
        range.steps_total,
        if range.steps_total == 1 { "" } else { "s" },
        range.proven_at_ms.saturating_sub(range.sealed_at_ms) as f64 / 1000.0
    );
    println!("{}", tree_lines(&range).join("\n"));
    let checked = check_range_proof(&mut sequencer, &circuits, first, last, &values).await;
    let wrapped = match (&wrapper, &checked) {
        (Some(w), Ok((_, pv))) => Some(check_wrap(&mut sequencer, w, first, last, pv).await),
        _ => None,
    };
    let proving_cost = meter.cost();
    let settled = match (&wrapped, &checked, l1) {
        (Some(Ok(_)), Ok((_, pv)), Some(l1)) => {
            let range = RangeArg { first, last };
            Some(l1.settle(&mut sequencer, range, pv).await)
        }
        _ => None,
    };

    let _ = stop_workers.send(true);
    for w in workers {
        w.await?.context("worker")?;
    }
    let _ = stop_server.send(());
    server.await?.context("coordinator")?;
    let (bytes, pv) = checked?;
    println!(
        "range proof {first}..{last}: {bytes} bytes, verified by the aggregation circuit; \
         its public values are those recomputed from the batches:"
    );
    println!("  old root:    0x{}", digest_hex(&pv.old_root));
    println!("  new root:    0x{}", digest_hex(&pv.new_root));
    println!("  commitment:  0x{}", hex::encode(pv.commitment));
    if let Some(wrapped) = wrapped {
        let w = wrapped?;
        println!(
            "wrapped proof {first}..{last}: {} bytes (Groth16, BN254, EVM encoding), made in \
             {:.1} s, verified for the public input recomputed from the batches:",
            w.bytes, w.seconds
        );
        println!("  public input: 0x{}", hex::encode(w.public_input));
        println!("  (SHA-256(old root || new root || commitment) mod r: what L1 recomputes)");
    }
    print_cost(&batches, proving_cost, wrapper.is_some());
    match settled {
        Some(settled) => print_settled(&settled?, first, last),
        None if !args.no_wrap && !args.no_l1 && first != 1 => println!(
            "L1: skipped (the contracts start from the empty state; this run continued batch {})",
            first - 1
        ),
        None => {}
    }
    Ok(())
}

/// Prints what proving the run cost, per operation settled.
fn print_cost(batches: &[Batch], cost: Cost, wrapped: bool) {
    let ops: usize = batches.iter().map(|b| b.operations.len()).sum();
    let transfers: usize = batches.iter().map(|b| OpCounts::of(b).transfers).sum();
    let per = |d: Duration| d.as_secs_f64() / ops.max(1) as f64;
    println!(
        "cost: {ops} operations ({transfers} signed transfers) from the first submission to the \
         {} proof in {:.1} s wall, {:.1} s CPU: {:.3} s wall and {:.3} s CPU per operation \
         ({WORKERS} workers in this process; `cargo bench -p zkr-benches --bench settlement` \
         splits it by stage for full batches of transfers)",
        if wrapped { "wrapped" } else { "range" },
        cost.wall.as_secs_f64(),
        cost.cpu.as_secs_f64(),
        per(cost.wall),
        per(cost.cpu),
    );
}

/// Prints what settling the range on L1 cost.
fn print_settled(s: &demo_l1::Settled, first: u64, last: u64) {
    println!(
        "settled on L1 (anvil, chain {}): rollup contract {}",
        s.chain_id, s.rollup
    );
    println!(
        "  deployment:      verifier {} gas, rollup {} gas",
        s.deploy_gas.0, s.deploy_gas.1
    );
    let gas = |g: Option<u64>| g.map_or("-".to_owned(), |g| format!("{g} gas"));
    println!(
        "  deposits:        {} made on L1 before their batches, each checked by the \
         coordinator against L1's queue (depositEth {}, depositErc20 {})",
        s.deposits.0,
        gas(s.deposits.1),
        gas(s.deposits.2)
    );
    for (n, g) in &s.commits {
        println!(
            "  commitBatch({n}):  {g} gas ({} bytes of pubdata)",
            s.pubdata_bytes
        );
    }
    println!("  proveRange({first}..{last}): {} gas", s.prove_gas);
    println!(
        "  state root on L1: {} (the range's new root)",
        s.state_root
    );
}

/// A checked wrapped proof.
struct Wrapped {
    bytes: usize,
    seconds: f64,
    public_input: [u8; 32],
}

/// Waits for the wrap of `first..=last`, fetches it over gRPC and verifies it
/// for the public input of `values` (the range's, recomputed from the batches).
async fn check_wrap(
    sequencer: &mut client::SequencerApi,
    wrapper: &Wrapper,
    first: u64,
    last: u64,
    values: &BatchPublicValues,
) -> anyhow::Result<Wrapped> {
    let spinner = progress::spinner(format!(
        "wrapping range {first}..{last}: shrink, then the Groth16 proof (about a minute and \
         a half on 2 cores)…"
    ));
    let info = loop {
        let r = sequencer
            .get_range(v1::GetRangeRequest {
                batch_number: first,
            })
            .await
            .context("asking for the range")?
            .into_inner();
        let wrap = r
            .wrap
            .context("the coordinator did not queue a wrap job for the range")?;
        match v1::WrapStatus::try_from(wrap.status) {
            Ok(v1::WrapStatus::Proven) => break wrap,
            Ok(v1::WrapStatus::Failed) => {
                spinner.finish_and_clear();
                anyhow::bail!("wrap of range {first}..{last} failed: {}", wrap.error);
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    spinner.finish_and_clear();
    let p = sequencer
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::Range(v1::BatchRange {
                first,
                last,
            })),
            kind: v1::ProofKind::Wrap as i32,
        })
        .await
        .with_context(|| format!("wrapped proof of {first}..{last}"))?
        .into_inner();
    let proof = groth16::evm_to_proof(&p.proof).context("decoding the wrapped proof")?;
    wrapper
        .verify_values(&proof, values)
        .context("verifying the wrapped proof")?;
    let public_input = public_input_bytes(&public_input_of(values));
    anyhow::ensure!(
        p.public_input == public_input,
        "the coordinator states public input 0x{}, the batches give 0x{}",
        hex::encode(&p.public_input),
        hex::encode(public_input)
    );
    Ok(Wrapped {
        bytes: p.proof.len(),
        seconds: info.proven_at_ms.saturating_sub(info.started_at_ms) as f64 / 1000.0,
        public_input,
    })
}

/// Seals `first..=last` (the open range) and waits until its range proof is stored.
async fn aggregate(
    sequencer: &mut client::SequencerApi,
    first: u64,
    last: u64,
) -> anyhow::Result<v1::RangeInfo> {
    let sealed = sequencer
        .seal_range(v1::SealRangeRequest {})
        .await
        .context("sealing the range")?
        .into_inner();
    let bounds = sealed.range.as_ref().map(|r| (r.first, r.last));
    anyhow::ensure!(
        bounds == Some((first, last)),
        "expected the sealed range to be batches {first}..{last}, got {bounds:?}"
    );
    info!(first, last, steps = sealed.steps_total, "range sealed");
    let bar = progress::steps(u64::from(sealed.steps_total));
    loop {
        let r = sequencer
            .get_range(v1::GetRangeRequest {
                batch_number: first,
            })
            .await
            .context("asking for the range")?
            .into_inner();
        bar.set_position(u64::from(r.steps_done));
        bar.set_message(format!(
            "aggregating {first}..{last}: {} of {} steps by {WORKERS} workers",
            r.steps_done, r.steps_total
        ));
        match v1::RangeStatus::try_from(r.status) {
            Ok(v1::RangeStatus::Proven) => {
                bar.finish_and_clear();
                return Ok(r);
            }
            Ok(v1::RangeStatus::Failed) => {
                bar.finish_and_clear();
                anyhow::bail!("range {first}..{last} failed: {}", r.error);
            }
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// The aggregation tree, one line per level: its steps and the time from the
/// level's first lease to its last proof.
fn tree_lines(r: &v1::RangeInfo) -> Vec<String> {
    let mut levels: std::collections::BTreeMap<u32, Vec<&v1::AggregationStep>> =
        std::collections::BTreeMap::new();
    for s in &r.steps {
        levels.entry(s.level).or_default().push(s);
    }
    levels
        .iter()
        .map(|(level, steps)| {
            let names: Vec<String> = steps
                .iter()
                .map(|s| {
                    s.range
                        .as_ref()
                        .map_or_else(|| "?".into(), |b| format!("{}..{}", b.first, b.last))
                })
                .collect();
            let start = steps.iter().map(|s| s.started_at_ms).min().unwrap_or(0);
            let end = steps.iter().map(|s| s.proven_at_ms).max().unwrap_or(0);
            format!(
                "level {level}: {} ({} step{}, {:.1} s)",
                names.join(" "),
                steps.len(),
                if steps.len() == 1 { "" } else { "s" },
                end.saturating_sub(start) as f64 / 1000.0
            )
        })
        .collect()
}

/// Fetches the range proof over gRPC, verifies it with the aggregation circuit
/// and checks its public values against `values` (the batches', as executed);
/// returns its size and public values.
async fn check_range_proof(
    sequencer: &mut client::SequencerApi,
    circuits: &Circuits,
    first: u64,
    last: u64,
    values: &[BatchPublicValues],
) -> anyhow::Result<(usize, BatchPublicValues)> {
    let p = sequencer
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::Range(v1::BatchRange {
                first,
                last,
            })),
            kind: v1::ProofKind::Aggregate as i32,
        })
        .await
        .with_context(|| format!("range proof of {first}..{last}"))?
        .into_inner();
    anyhow::ensure!(
        p.kind == v1::ProofKind::Aggregate as i32,
        "expected an aggregate proof, got kind {}",
        p.kind
    );
    let proof = RangeProof::from_bytes(&p.proof, circuits.aggregation())
        .context("decoding the range proof")?;
    circuits
        .aggregation()
        .verify(&proof)
        .context("verifying the range proof")?;
    let got = proof.public_values()?;
    let (Some(head), Some(tail)) = (values.first(), values.last()) else {
        anyhow::bail!("no batches to compare the range proof with");
    };
    let commitments: Vec<[u8; 32]> = values.iter().map(|v| v.commitment).collect();
    let expected = BatchPublicValues {
        old_root: head.old_root,
        new_root: tail.new_root,
        commitment: range_commitment(&commitments),
    };
    anyhow::ensure!(
        got == expected,
        "the range proof states {} -> {} with commitment {}, the batches give {} -> {} with {}",
        digest_hex(&got.old_root),
        digest_hex(&got.new_root),
        hex::encode(got.commitment),
        digest_hex(&expected.old_root),
        digest_hex(&expected.new_root),
        hex::encode(expected.commitment)
    );
    Ok((p.proof.len(), got))
}

/// Fetches a batch's proof over gRPC and checks it against the circuit and the batch's values.
async fn check_proof(
    sequencer: &mut client::SequencerApi,
    circuit: &BatchCircuit,
    batch: &Batch,
) -> anyhow::Result<Row> {
    let n = batch.number;
    let info = sequencer
        .get_batch(v1::GetBatchRequest { batch_number: n })
        .await
        .with_context(|| format!("batch {n}"))?
        .into_inner();
    let p = sequencer
        .get_proof(v1::GetProofRequest {
            target: Some(v1::get_proof_request::Target::BatchNumber(n)),
            kind: v1::ProofKind::Batch as i32,
        })
        .await
        .with_context(|| format!("proof of batch {n}"))?
        .into_inner();
    let verified = BatchProof::from_bytes(&p.proof, circuit)
        .map_err(anyhow::Error::from)
        .and_then(|proof| {
            circuit.verify(&proof)?;
            let pv = proof.public_values()?;
            anyhow::ensure!(
                pv.commitment.as_slice() == info.commitment,
                "commitment differs"
            );
            Ok(())
        });
    if let Err(e) = &verified {
        tracing::error!(batch = n, "proof does not check out: {e:#}");
    }
    Ok(Row {
        batch: n,
        ops: OpCounts::of(batch),
        chunks: batch.chunks(),
        latency: Duration::from_millis(info.proven_at_ms.saturating_sub(info.accepted_at_ms)),
        attempts: info.attempts,
        proof_bytes: p.proof.len(),
        verified: verified.is_ok(),
    })
}

fn print_table(circuit: &BatchCircuit, rows: &[Row]) {
    let header = [
        "batch",
        "deposits",
        "transfers",
        "withdrawals",
        "chunks",
        "rows",
        "gates",
        "accepted→proven",
        "attempts",
        "proof bytes",
        "verified",
    ];
    let rows_cell = format!(
        "2^{} = {}",
        circuit.degree_bits(),
        1u64 << circuit.degree_bits()
    );
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.batch.to_string(),
                r.ops.deposits.to_string(),
                r.ops.transfers.to_string(),
                r.ops.withdrawals.to_string(),
                format!("{}/{}", r.chunks, circuit.capacity()),
                rows_cell.clone(),
                circuit.num_gates().to_string(),
                fmt_duration(r.latency),
                r.attempts.to_string(),
                r.proof_bytes.to_string(),
                if r.verified { "yes" } else { "NO" }.to_string(),
            ]
        })
        .collect();
    println!("{}", markdown_table(&header, &cells));
}

/// A markdown table, columns padded to their widest cell, numbers right-aligned.
fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut out = vec![line(
        header
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h:<w$}"))
            .collect(),
    )];
    out.push(line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        out.push(line(
            r.iter()
                .zip(&widths)
                .map(|(c, w)| {
                    if c.starts_with(|ch: char| ch.is_ascii_digit()) {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect(),
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_has_a_line_per_level_with_its_steps_and_time() {
        let step = |first, last, level, started_at_ms, proven_at_ms| v1::AggregationStep {
            range: Some(v1::BatchRange { first, last }),
            level,
            started_at_ms,
            proven_at_ms,
            ..Default::default()
        };
        let r = v1::RangeInfo {
            steps: vec![
                step(1, 2, 1, 1_000, 4_000),
                step(3, 4, 1, 1_500, 8_100),
                step(1, 4, 2, 8_200, 11_700),
                step(1, 5, 3, 11_800, 15_000),
            ],
            ..Default::default()
        };
        assert_eq!(
            tree_lines(&r),
            vec![
                "level 1: 1..2 3..4 (2 steps, 7.1 s)",
                "level 2: 1..4 (1 step, 3.5 s)",
                "level 3: 1..5 (1 step, 3.2 s)",
            ]
        );
    }

    #[test]
    fn table_pads_columns_and_right_aligns_numbers() {
        let t = markdown_table(&["batch", "ok"], &[vec!["7".into(), "yes".into()]]);
        let expected = "| batch | ok  |\n| ----- | --- |\n|     7 | yes |";
        assert_eq!(t, expected, "expected\n{expected}\ngot\n{t}");
    }
}
