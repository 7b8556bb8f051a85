//! Fuzzes [`zkr_fuzz::range_proof`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::range_proof(data));
