//! `--fix --unsafe-fixes` with every rule: the result has no new BuildKit
//! error and a second run changes nothing. The first byte picks the
//! settings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlint_fuzz::run_target("fix", data));
