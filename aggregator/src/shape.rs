//! One recursion shape for the batch and aggregation circuits.
//!
//! A recursive verifier in plonky2 is built for one `CommonCircuitData`, so the
//! aggregation circuit, which verifies batch proofs and its own proofs alike,
//! needs both circuits to share it: the union of their gate sets, the larger
//! degree, 84 public inputs. The batch circuit is padded to the aggregation
//! circuit's shape and the aggregation circuit rebuilt against it until the two
//! agree (one round in practice, after a probe build).

use tracing::debug;
use zkr_circuits::batch::{BatchCircuit, BatchProof};

/// The chain id [`Circuits::build`] takes, and zkr's default, for crates that
/// build the circuits without depending on `zkr-circuits` (the ceremony).
pub use zkr_circuits::ops::signing::{ChainId, DEFAULT_CHAIN_ID};

use crate::circuit::{AggregationCircuit, AggregationError, Checks, Child};
use crate::proof::RangeProof;
use crate::tree::{plan, Part};

/// Rounds of the shape fixed point before giving up.
const MAX_ROUNDS: usize = 5;

/// The batch circuit of one capacity and the aggregation circuit over it, in one shape.
#[derive(Debug)]
pub struct Circuits {
    batch: BatchCircuit,
    aggregation: AggregationCircuit,
}

impl Circuits {
    /// Builds both circuits for batches of `capacity` chunk slots on rollup chain `chain_id`.
    pub fn build(capacity: usize, chain_id: ChainId) -> Result<Self, AggregationError> {
        let plain = BatchCircuit::build(capacity, chain_id);
        let mut shape = plain.data().common.clone();
        // The aggregation circuit's public inputs: 16 values and its verifier data.
        shape.num_public_inputs = zkr_circuits::batch::NUM_PUBLIC_INPUTS
            + 4
            + 4 * shape.config.fri_config.num_cap_elements();
        // Round 0 only discovers the aggregation circuit's gates and size: the
        // unpadded batch circuit's verifier data stands in.
        let probe = AggregationCircuit::build(&shape, &plain.data().verifier_only);
        shape = probe.data().common.clone();
        let mut last = String::new();
        for round in 1..=MAX_ROUNDS {
            let batch = BatchCircuit::build_in_shape(capacity, chain_id, &shape);
            let aggregation =
                AggregationCircuit::build(&batch.data().common, &batch.data().verifier_only);
            debug!(
                round,
                batch_degree = batch.degree_bits(),
                aggregation_degree = aggregation.degree_bits(),
                aggregation_rows = aggregation.num_gates(),
                "recursion shape round"
            );
            if aggregation.data().common == batch.data().common {
                return Ok(Self { batch, aggregation });
            }
            last = format!(
                "round {round}: batch degree 2^{}, {} gate types; aggregation degree 2^{}, {} gate types",
                batch.degree_bits(),
                batch.data().common.gates.len(),
                aggregation.degree_bits(),
                aggregation.data().common.gates.len()
            );
            shape = aggregation.data().common.clone();
        }
        Err(AggregationError::Shape(last))
    }

    /// The batch circuit (in the shared shape).
    pub fn batch(&self) -> &BatchCircuit {
        &self.batch
    }

    /// The aggregation circuit.
    pub fn aggregation(&self) -> &AggregationCircuit {
        &self.aggregation
    }

    /// Capacity of the batch circuit.
    pub fn capacity(&self) -> usize {
        self.batch.capacity()
    }

    /// The rollup chain id the batch circuit checks signatures for.
    pub fn chain_id(&self) -> ChainId {
        self.batch.chain_id()
    }

    /// One aggregation step over `left` and `right` (or `left` alone).
    pub fn aggregate(
        &self,
        left: Child<'_>,
        right: Option<Child<'_>>,
    ) -> Result<RangeProof, AggregationError> {
        self.aggregation.prove(&self.batch, left, right)
    }

    /// [`Self::aggregate`] with the native checks optional.
    pub fn aggregate_with(
        &self,
        left: Child<'_>,
        right: Option<Child<'_>>,
        checks: Checks,
    ) -> Result<RangeProof, AggregationError> {
        self.aggregation
            .prove_with(&self.batch, left, right, checks)
    }

    /// Proves a whole range from its batch proofs, in order, one step at a time
    /// (the service spreads the same steps over workers).
    pub fn prove_range(&self, batches: &[BatchProof]) -> Result<RangeProof, AggregationError> {
        if batches.is_empty() {
            return Err(AggregationError::EmptyRange);
        }
        let mut done: Vec<((u64, u64), RangeProof)> = Vec::new();
        let steps = plan(0, batches.len() as u64);
        for step in &steps {
            let child = |p: Part| -> Child<'_> {
                match p {
                    Part::Batch(i) => Child::Batch(&batches[i as usize]),
                    Part::Range { start, end } => Child::Range(
                        &done
                            .iter()
                            .find(|(r, _)| *r == (start, end))
                            .expect("plan proves children first")
                            .1,
                    ),
                }
            };
            let proof = self.aggregate(child(step.left), step.right.map(child))?;
            done.push(((step.start, step.end), proof));
        }
        Ok(done.pop().expect("a plan has a root step").1)
    }
}
