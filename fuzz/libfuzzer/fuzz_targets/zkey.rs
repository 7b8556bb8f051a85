//! Fuzzes [`zkr_fuzz::zkey`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::zkey(data));
