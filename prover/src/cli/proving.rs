//! Building the batch circuit, proving an executed batch and checking the proof,
//! timed, as every proving command does it.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::ProgressBar;
use tracing::info;
use zkr_aggregator::Circuits;
use zkr_circuits::batch::{BatchCircuit, BatchProof};
use zkr_circuits::executor::BatchExecution;
use zkr_circuits::ops::signing::ChainId;
use zkr_circuits::state::digest_hex;
use zkr_circuits::witness;

use super::progress;

/// Builds the circuit for `capacity` chunks and chain `chain_id`, with a spinner while it
/// builds.
pub fn build_circuit(capacity: usize, chain_id: ChainId) -> BatchCircuit {
    let spinner = progress::spinner(format!("building batch circuit (capacity {capacity})…"));
    let start = Instant::now();
    let circuit = BatchCircuit::build(capacity, chain_id);
    spinner.finish_and_clear();
    info!(
        capacity,
        rows = 1u64 << circuit.degree_bits(),
        gates = circuit.num_gates(),
        "built batch circuit in {:.1?}",
        start.elapsed()
    );
    circuit
}

/// Builds the batch circuit for `capacity` chunks padded to the recursion
/// shape, and the aggregation circuit over it (the circuits of the service:
/// only such batch proofs aggregate), with a spinner while they build.
pub fn build_circuits(capacity: usize, chain_id: ChainId) -> anyhow::Result<Circuits> {
    let spinner = progress::spinner(format!(
        "building batch and aggregation circuits (capacity {capacity})…"
    ));
    let start = Instant::now();
    let circuits = Circuits::build(capacity, chain_id);
    spinner.finish_and_clear();
    let circuits =
        circuits.with_context(|| format!("building the circuits of capacity {capacity}"))?;
    info!(
        capacity,
        batch_rows = 1u64 << circuits.batch().degree_bits(),
        batch_gates = circuits.batch().num_gates(),
        aggregation_gates = circuits.aggregation().num_gates(),
        "built batch and aggregation circuits in {:.1?}",
        start.elapsed()
    );
    Ok(circuits)
}

/// A proof and what it took.
pub struct Proven {
    /// The proof as written to disk.
    pub bytes: Vec<u8>,
    /// Witness generation plus proving.
    pub prove_time: Duration,
    /// Decoding and verifying the bytes.
    pub verify_time: Duration,
    /// `Ok` if the bytes verify and state exactly what the execution computed.
    pub verified: anyhow::Result<()>,
}

/// Proves `exec` and verifies the serialized proof against the circuit and the
/// execution's roots and commitment; `status` shows which step is under way.
///
/// Errors are failures to prove; a proof that does not check out is reported
/// in [`Proven::verified`], so callers can show it before giving up.
pub fn prove_and_verify(
    circuit: &BatchCircuit,
    exec: &BatchExecution,
    status: &ProgressBar,
) -> anyhow::Result<Proven> {
    let batch = exec.number;
    status.set_message(format!("batch {batch}: proving"));
    let start = Instant::now();
    let witness =
        witness::generate(exec).with_context(|| format!("batch {batch}: building the witness"))?;
    let proof = circuit
        .prove(&witness)
        .with_context(|| format!("batch {batch}: proving"))?;
    let prove_time = start.elapsed();
    let bytes = proof.to_bytes();

    status.set_message(format!("batch {batch}: verifying"));
    let start = Instant::now();
    let verified = check(circuit, exec, &bytes);
    let verify_time = start.elapsed();
    info!(
        batch,
        proof_bytes = bytes.len(),
        "proved in {prove_time:.2?}, verified in {verify_time:.2?}"
    );
    Ok(Proven {
        bytes,
        prove_time,
        verify_time,
        verified,
    })
}

/// Decodes and verifies `bytes`, then compares the proven public values with `exec`.
fn check(circuit: &BatchCircuit, exec: &BatchExecution, bytes: &[u8]) -> anyhow::Result<()> {
    let batch = exec.number;
    let proof = BatchProof::from_bytes(bytes, circuit)
        .with_context(|| format!("batch {batch}: decoding the proof"))?;
    circuit
        .verify(&proof)
        .with_context(|| format!("batch {batch}: verifying the proof"))?;
    let values = proof
        .public_values()
        .with_context(|| format!("batch {batch}: reading the proof's public values"))?;
    anyhow::ensure!(
        values.old_root == exec.old_root,
        "batch {batch}: proof states old root {}, execution started from {}",
        digest_hex(&values.old_root),
        digest_hex(&exec.old_root)
    );
    anyhow::ensure!(
        values.new_root == exec.new_root,
        "batch {batch}: proof states new root {}, execution reached {}",
        digest_hex(&values.new_root),
        digest_hex(&exec.new_root)
    );
    anyhow::ensure!(
        values.commitment == exec.commitment,
        "batch {batch}: proof states commitment 0x{}, pubdata hashes to 0x{}",
        hex::encode(values.commitment),
        hex::encode(exec.commitment)
    );
    Ok(())
}

/// A duration for tables: milliseconds below a second, else seconds.
pub fn fmt_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_ms_below_a_second_and_s_above() {
        assert_eq!(fmt_duration(Duration::from_millis(42)), "42 ms");
        assert_eq!(fmt_duration(Duration::from_millis(12_345)), "12.35 s");
    }
}
