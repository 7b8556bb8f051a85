//! The circuits' integration tests, one binary (the shared helpers and the
//! generic code they reach compiled and linked once).

#[path = "../common/mod.rs"]
mod common;

mod batch_circuit;
mod executor_rules;
mod state_store;
