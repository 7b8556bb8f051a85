//! The prover service's integration tests, one binary: the coordinator, its
//! workers and clients in process and through the `zkr` binary. One binary
//! rather than one per file, so that the shared helpers and the generic code
//! they reach are compiled and linked once.

mod common;

mod aggregation;
mod cli;
mod hostile;
mod load;
mod metrics;
mod restart;
mod service;
mod service_cli;
mod tls;
mod wrap;
mod wrap_cli;
