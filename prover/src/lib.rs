//! zkr's prover service: the coordinator (queue, store, gRPC) and its workers.

pub mod aggregate;
pub mod client;
pub mod coordinator;
pub mod deposit_check;
pub mod metrics;
pub mod settlement;
pub mod store;
pub mod worker;
