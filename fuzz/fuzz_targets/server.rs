//! The language server in process: a document edited with arbitrary
//! UTF-16/UTF-8 ranges, pulled, hovered and fixed (see
//! `dlint_fuzz::session`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlint_fuzz::run_target("server", data));
