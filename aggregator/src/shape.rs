//! One recursion shape for the batch and aggregation circuits.
//!
//! A recursive verifier in plonky2 is built for one `CommonCircuitData`, so the
//! aggregation circuit, which verifies batch proofs and its own proofs alike,
//! needs both circuits to share it: the union of their gate sets, the larger
//! degree, 84 public inputs. The batch circuit is padded to the aggregation
//! circuit's shape and the aggregation circuit rebuilt against it until the two
//! agree (one round in practice, after a probe build). A batch circuit larger
//! than the aggregation circuit is not padded: one leaf step per batch proof
//! brings it into the shape ([`MAX_DIRECT_DEGREE_BITS`]).

use tracing::debug;
use zkr_circuits::batch::{BatchCircuit, BatchProof, C, D, NUM_PUBLIC_INPUTS};
use zkr_circuits::recursion::LeafStep;
use zkr_circuits::state::F;

/// The chain id [`Circuits::build`] takes, and zkr's default, for crates that
/// build the circuits without depending on `zkr-circuits` (the ceremony).
pub use zkr_circuits::ops::signing::{ChainId, DEFAULT_CHAIN_ID};

use crate::circuit::{AggregationCircuit, AggregationError, Checks, Child};
use crate::proof::RangeProof;
use crate::tree::{plan, Part};

/// Rounds of the shape fixed point before giving up.
const MAX_ROUNDS: usize = 5;

/// The largest batch circuit (log2 of its rows) padded into the shared shape.
/// The aggregation circuit needs 2^14 rows (two verifiers and a SHA-256
/// node), so a batch circuit up to that size joins the shape for free; a
/// larger one keeps its size and each proof takes one [`LeafStep`] into the shape.
pub const MAX_DIRECT_DEGREE_BITS: usize = 14;

/// What the aggregation circuit verifies as a batch proof in one round.
enum Outer {
    /// The batch circuit itself, padded to the shape.
    Direct(Box<BatchCircuit>),
    /// A leaf step over the batch circuit at its natural size.
    Leaf(Box<LeafStep>),
}

impl Outer {
    fn data(&self) -> &plonky2::plonk::circuit_data::CircuitData<F, C, D> {
        match self {
            Outer::Direct(b) => b.data(),
            Outer::Leaf(l) => l.data(),
        }
    }
}

/// The batch circuit of one capacity and the aggregation circuit over it, in one shape.
#[derive(Debug)]
pub struct Circuits {
    batch: BatchCircuit,
    aggregation: AggregationCircuit,
}

impl Circuits {
    /// Builds both circuits for batches of `capacity` chunk slots on rollup chain `chain_id`.
    pub fn build(capacity: usize, chain_id: ChainId) -> Result<Self, AggregationError> {
        // Sizing the shape needs the circuits' structure only, so the probes
        // below skip the commitment to constants and permutation (two of the
        // four builds' costliest part).
        let plain_shape = BatchCircuit::shape(capacity, chain_id);
        // The aggregation circuit's public inputs: 16 values and its verifier data.
        let num_public_inputs =
            NUM_PUBLIC_INPUTS + 4 + 4 * plain_shape.config.fri_config.num_cap_elements();
        let batch_degree = plain_shape.degree_bits();
        let direct = batch_degree <= MAX_DIRECT_DEGREE_BITS;
        // A batch circuit too large for the shape proves at its natural size,
        // each proof brought into the shape by a leaf step.
        let plain = (!direct).then(|| BatchCircuit::build(capacity, chain_id));
        // Round 0 only discovers the aggregation circuit's gates and size: the
        // batch circuit (or a leaf step over it) stands in for the shape.
        let mut shape = match &plain {
            None => {
                let mut shape = plain_shape;
                shape.num_public_inputs = num_public_inputs;
                shape
            }
            Some(plain) => {
                let leaf =
                    LeafStep::build(plain.data(), NUM_PUBLIC_INPUTS, None, num_public_inputs);
                leaf.data().common.clone()
            }
        };
        shape = AggregationCircuit::shape_over(&shape);
        let mut last = String::new();
        for round in 1..=MAX_ROUNDS {
            let outer = match &plain {
                None => Outer::Direct(Box::new(BatchCircuit::build_in_shape(
                    capacity, chain_id, &shape,
                ))),
                Some(plain) => Outer::Leaf(Box::new(LeafStep::build(
                    plain.data(),
                    NUM_PUBLIC_INPUTS,
                    Some(&shape),
                    shape.num_public_inputs,
                ))),
            };
            let data = outer.data();
            let aggregation = AggregationCircuit::build(&data.common, &data.verifier_only);
            debug!(
                round,
                batch_degree,
                leaf_step = !direct,
                shape_degree = data.common.degree_bits(),
                aggregation_degree = aggregation.degree_bits(),
                aggregation_rows = aggregation.num_gates(),
                "recursion shape round"
            );
            if aggregation.data().common == data.common {
                let batch = match (outer, plain) {
                    (Outer::Direct(batch), _) => *batch,
                    (Outer::Leaf(leaf), Some(plain)) => plain.with_leaf(*leaf),
                    (Outer::Leaf(_), None) => {
                        return Err(AggregationError::Shape(
                            "a leaf step without its batch circuit".into(),
                        ))
                    }
                };
                return Ok(Self { batch, aggregation });
            }
            last = format!(
                "round {round}: batch proofs of degree 2^{}, {} gate types; aggregation degree 2^{}, {} gate types",
                data.common.degree_bits(),
                data.common.gates.len(),
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
