//! Shared setup of the zkr benchmarks: states and batches to prove.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkr_circuits::executor::{apply, execute, BatchExecution, ExecError};
use zkr_circuits::ops::signing::DEFAULT_CHAIN_ID;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness::{self, BatchWitness, WitnessError};
use zkr_circuits::workload::{
    genesis_batch, genesis_chunks, random_batch, WorkloadError, OPERATOR,
};

/// Accounts the benchmark state starts with, besides the operator.
pub const ACCOUNTS: u32 = 64;
/// Tokens the benchmark state holds.
pub const TOKENS: u16 = 3;

/// Why a benchmark batch could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The workload parameters are invalid.
    #[error(transparent)]
    Workload(#[from] WorkloadError),
    /// A generated batch did not execute.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The witness could not be built.
    #[error(transparent)]
    Witness(#[from] WitnessError),
}

/// An executed random batch and its witness, ready to prove.
pub struct PreparedBatch {
    /// The execution (roots, pubdata, trace).
    pub exec: BatchExecution,
    /// The witness for a circuit of the execution's capacity.
    pub witness: BatchWitness,
}

/// The state after the genesis of [`ACCOUNTS`] accounts, applied natively (not proven).
fn genesis_state(rng: &mut ChaCha8Rng) -> Result<MemoryBackend, SetupError> {
    let mut backend = MemoryBackend::new();
    let genesis = genesis_batch(ACCOUNTS, TOKENS, rng)?;
    apply(
        &mut backend,
        &genesis,
        genesis_chunks(ACCOUNTS),
        DEFAULT_CHAIN_ID,
    )?;
    Ok(backend)
}

/// A random batch of `capacity` chunks on a state of [`ACCOUNTS`] accounts
/// (whose genesis is applied natively, not proven), executed and witnessed.
pub fn prepare_batch(capacity: usize, seed: u64) -> Result<PreparedBatch, SetupError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let backend = genesis_state(&mut rng)?;
    let batch = random_batch(&backend, 2, OPERATOR, capacity, DEFAULT_CHAIN_ID, &mut rng)?;
    let exec = execute(&backend, &batch, capacity, DEFAULT_CHAIN_ID)?;
    let witness = witness::generate(&exec)?;
    Ok(PreparedBatch { exec, witness })
}

/// `count` consecutive random batches of `capacity` chunks after the same
/// genesis as [`prepare_batch`], executed and witnessed in order.
pub fn prepare_chain(
    count: usize,
    capacity: usize,
    seed: u64,
) -> Result<Vec<PreparedBatch>, SetupError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut backend = genesis_state(&mut rng)?;
    let mut out = Vec::with_capacity(count);
    for number in 2..2 + count as u64 {
        let batch = random_batch(
            &backend,
            number,
            OPERATOR,
            capacity,
            DEFAULT_CHAIN_ID,
            &mut rng,
        )?;
        let exec = apply(&mut backend, &batch, capacity, DEFAULT_CHAIN_ID)?;
        let witness = witness::generate(&exec)?;
        out.push(PreparedBatch { exec, witness });
    }
    Ok(out)
}

/// Whether the environment variable `name` is set to something other than empty or `0`.
pub fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether `ZKR_BENCH_QUICK` asks for CI's short warm-up and measurement.
pub fn quick_mode() -> bool {
    env_flag("ZKR_BENCH_QUICK")
}

/// Ten flat samples (one iteration each: these take seconds), with `warm_up`
/// and `measurement` times, or 1 s each in [`quick_mode`].
pub fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    warm_up: std::time::Duration,
    measurement: std::time::Duration,
) {
    let (warm_up, measurement) = if quick_mode() {
        (
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(1),
        )
    } else {
        (warm_up, measurement)
    };
    group
        .sampling_mode(criterion::SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(warm_up)
        .measurement_time(measurement);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_batch_fills_the_capacity_it_is_asked_for() {
        for capacity in [8, 32] {
            let prepared = match prepare_batch(capacity, 1) {
                Ok(p) => p,
                Err(e) => panic!("capacity {capacity}: expected a prepared batch, got {e}"),
            };
            let used: usize = prepared.exec.ops.iter().map(|o| o.op.chunks()).sum();
            assert_eq!(
                used, capacity,
                "capacity {capacity}: expected a full batch, got {used} chunks"
            );
            assert_eq!(prepared.exec.capacity, capacity);
        }
    }

    #[test]
    fn prepared_chain_links_each_batch_to_the_next() {
        let chain = match prepare_chain(3, 8, 2) {
            Ok(c) => c,
            Err(e) => panic!("expected a chain of 3 batches, got {e}"),
        };
        for pair in chain.windows(2) {
            assert_eq!(
                pair[0].exec.new_root, pair[1].exec.old_root,
                "each batch must start at the root the previous one ended at"
            );
        }
    }
}
