//! Source → syntax (BuildKit's reading and the tree-sitter tree) → model
//! → `inspect`: no panic, every span a char-boundary range.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dlint_fuzz::run_target("model", data));
