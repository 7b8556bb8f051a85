//! Fuzzes [`zkr_fuzz::r1cs`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::r1cs(data));
