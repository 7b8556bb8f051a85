//! Fuzzes [`zkr_fuzz::keys_files`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkr_fuzz::keys_files(data));
