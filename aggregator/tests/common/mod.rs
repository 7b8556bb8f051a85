//! What the aggregator's tests share: chained batches, executed.

use zkr_circuits::batch::BatchPublicValues;
use zkr_circuits::executor::apply;
use zkr_circuits::ops::signing::ChainId;
use zkr_circuits::state::MemoryBackend;
use zkr_circuits::witness::{generate, BatchWitness};
use zkr_circuits::workload::batch_chain;

/// `count` chained batches of `capacity` for `chain` (batch 1 the genesis),
/// executed natively from `seed`: their witnesses and public values.
pub fn executed_chain(
    count: usize,
    capacity: usize,
    chain: ChainId,
    seed: u64,
) -> Vec<(BatchWitness, BatchPublicValues)> {
    let batches = batch_chain(count, capacity, chain, seed).expect("valid chain");
    let mut state = MemoryBackend::new();
    batches
        .iter()
        .map(|c| {
            let exec = apply(&mut state, &c.batch, capacity, chain).expect("batch applies");
            let values = BatchPublicValues {
                old_root: exec.old_root,
                new_root: exec.new_root,
                commitment: exec.commitment,
            };
            (generate(&exec).expect("witness generates"), values)
        })
        .collect()
}
