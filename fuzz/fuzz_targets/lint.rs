//! Every rule selected, with no build context or a synthetic one, the
//! report rendered in every format. The first byte picks the settings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlint_fuzz::run_target("lint", data));
