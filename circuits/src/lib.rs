//! zkr rollup circuits: state model, operations, executor, witness and the batch circuit.

pub mod batch;
pub mod ecgfp5;
pub mod executor;
pub mod gadgets;
pub mod ops;
pub mod recursion;
pub mod state;
pub mod witness;
pub mod workload;
