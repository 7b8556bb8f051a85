//! zkr aggregation: folds batch proofs pairwise with plonky2 recursion into one
//! proof per contiguous range of batches.
//!
//! * [`commitment`]: the range commitment L1 recomputes from per-batch commitments.
//! * [`tree`]: the canonical tree of a range, as aggregation steps.
//! * [`circuit`]: the 2-to-1 aggregation circuit.
//! * [`shape`]: building the batch and aggregation circuits in one recursion shape.
//! * [`proof`]: range proofs.
//! * [`wrap`]: the Groth16 wrap over BN254 (R1CS gadgets, starting with Poseidon).

pub mod circuit;
pub mod commitment;
pub mod proof;
pub mod shape;
pub mod tree;
pub mod wrap;

pub use circuit::{AggregationCircuit, AggregationError, Checks, Child};
pub use commitment::{node_commitment, range_commitment};
pub use proof::RangeProof;
pub use shape::Circuits;
pub use tree::{plan, Part, Step};
