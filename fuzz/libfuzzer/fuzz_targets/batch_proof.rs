//! Fuzzes [`zkr_fuzz::batch_proof`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::batch_proof(data));
