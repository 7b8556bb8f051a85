//! Fuzzes [`zkr_fuzz::proto_batch`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::proto_batch(data));
