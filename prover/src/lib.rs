//! zkr's prover service: the coordinator (queue, store, gRPC) and its workers.

pub mod aggregate;
pub mod client;
pub mod coordinator;
pub mod cost;
pub mod deposit_check;
pub mod dev_keys;
pub mod metrics;
pub mod settlement;
pub mod store;
pub mod worker;
