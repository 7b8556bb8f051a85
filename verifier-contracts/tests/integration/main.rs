//! The contracts' integration tests on anvil, one binary (the shared helpers
//! and the generated bindings compiled and linked once).

#[path = "../common/mod.rs"]
mod common;

mod rollup;
mod verifier;
