//! Fuzzes [`zkr_fuzz::ptau`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::ptau(data));
