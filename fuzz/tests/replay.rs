//! The targets' checks pass on the hand-written seeds (plain `cargo test`,
//! no libFuzzer).

use std::path::Path;

use dlint_fuzz::run_target;

#[test]
fn seeds_pass_every_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5, "{seeds:?}");
    for f in seeds {
        let text = std::fs::read(&f).unwrap();
        run_target("model", &text);
        run_target("server", &text);
        // With edits, pulls, hovers and actions after the text.
        let mut edited = text.clone();
        edited.push(0);
        edited.extend_from_slice(b"\x00\x03\x05\x10\x20\x30\xff\x07\x01\x02\x08\x09\x0a\x0b");
        run_target("server", &edited);
        for sel in [0u8, 1, 2, 5, 12, 27] {
            let mut d = vec![sel];
            d.extend_from_slice(&text);
            run_target("lint", &d);
            run_target("fix", &d);
        }
    }
}
