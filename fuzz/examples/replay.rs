//! Replays inputs through a target's check without libFuzzer (stable, no
//! sanitizer), e.g. a crash from fuzz/artifacts/:
//!
//! ```sh
//! cd fuzz && cargo run --example replay -- lint artifacts/lint/crash-…
//! ```
//!
//! Arguments: a target (model, lint, fix, server), then files or
//! directories.

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(target) = args.next() else {
        eprintln!("usage: replay <model|lint|fix|server> FILE|DIR…");
        std::process::exit(2);
    };
    for a in args {
        let p = std::path::PathBuf::from(&a);
        let mut files = vec![];
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("read dir") {
                files.push(e.expect("dir entry").path());
            }
            files.sort();
        } else {
            files.push(p);
        }
        for f in files {
            eprintln!("replay {target} {}", f.display());
            dlint_fuzz::run_target(&target, &std::fs::read(&f).expect("read input"));
        }
    }
}
