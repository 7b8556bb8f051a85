//! Fuzzes [`zkr_fuzz::wrap_proof`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::wrap_proof(data));
