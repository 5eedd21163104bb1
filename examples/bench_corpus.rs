//! Benchmark: lint every file of the shared corpus and compare with bare
//! tree-sitter parsing.
//!
//!     cargo run --release --example bench_corpus [-- CORPUS_DIR]
//!
//! Prints wall time and files per second for: tree-sitter-containerfile
//! parsing alone, dlint's full analysis (BuildKit reading + tree-sitter +
//! bash parsing of RUN + model + every rule), on one thread and on all cores.
//! Files are read into memory first, so disk time is not measured.

// The allocator of the dlint binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    let files_dir = dir.join("files");
    let Ok(rd) = std::fs::read_dir(&files_dir) else {
        eprintln!(
            "corpus not found at {}: nothing to benchmark",
            files_dir.display()
        );
        return;
    };
    let mut sources: Vec<(PathBuf, String)> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|p| {
            let b = std::fs::read(&p).ok()?;
            Some((p, String::from_utf8_lossy(&b).into_owned()))
        })
        .collect();
    sources.sort();
    let n = sources.len();
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();
    println!("corpus: {n} files, {:.1} MiB", bytes as f64 / 1048576.0);
    let settings = dlint::settings::Settings::default();

    let report = |label: &str, secs: f64| {
        println!(
            "{label:<48} {secs:>7.3} s  {:>8.0} files/s",
            n as f64 / secs
        );
    };

    // Warm-up (page in code, allocate parsers).
    for (_, s) in sources.iter().take(50) {
        let _ = dlint::analysis::analyze(s, None, &settings, None);
    }

    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_containerfile::LANGUAGE.into())
            .unwrap();
        for (_, s) in &sources {
            let tree = parser.parse(s, None).unwrap();
            std::hint::black_box(tree.root_node().child_count());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    report("tree-sitter-containerfile parse only, 1 thread", best);
    let bare = best;

    let mut best = f64::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        // Each round starts with no remembered bash parses, as a CLI run does.
        dlint::syntax::shell::clear_shared();
        let t = Instant::now();
        findings = 0;
        for (p, s) in &sources {
            let r = dlint::analysis::analyze(s, Some(p), &settings, None);
            findings += r.diagnostics.len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    report("dlint analysis (all rules), 1 thread", best);
    let one = best;

    let mut best = f64::MAX;
    for _ in 0..3 {
        dlint::syntax::shell::clear_shared();
        let t = Instant::now();
        let total: usize = sources
            .par_iter()
            .map(|(p, s)| {
                dlint::analysis::analyze(s, Some(p), &settings, None)
                    .diagnostics
                    .len()
            })
            .sum();
        std::hint::black_box(total);
        best = best.min(t.elapsed().as_secs_f64());
    }
    report(
        &format!(
            "dlint analysis (all rules), {} threads",
            rayon::current_num_threads()
        ),
        best,
    );
    println!("findings: {findings} (context rules off: no build context)");

    // Where the time goes, 1 thread.
    let t = Instant::now();
    for (_, s) in &sources {
        std::hint::black_box(dlint::syntax::buildkit::parse(s).instructions.len());
    }
    report(
        "  of which: BuildKit-faithful reader",
        t.elapsed().as_secs_f64(),
    );
    dlint::syntax::shell::clear_shared();
    let t = Instant::now();
    for (_, s) in &sources {
        std::hint::black_box(dlint::model::Model::build(s).instructions.len());
    }
    report(
        "  of which: syntax + model (RUN bodies parsed later, on demand)",
        t.elapsed().as_secs_f64(),
    );
    // The shell scripts of every RUN (line and heredoc bodies), parsed again
    // on their own: each one, then each different one once (what the shared
    // parses of a run cost).
    let scripts: Vec<String> = sources
        .iter()
        .flat_map(|(_, s)| {
            let m = dlint::model::Model::build(s);
            m.instructions
                .iter()
                .filter(|i| i.kind == dlint::model::Kind::Run && !i.json)
                .flat_map(|i| {
                    std::iter::once(i.args_text().to_string())
                        .chain(i.heredocs.iter().map(|h| h.content.clone()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let distinct: std::collections::BTreeSet<&str> = scripts.iter().map(String::as_str).collect();
    let mib = |n: usize| n as f64 / 1048576.0;
    let t = Instant::now();
    for s in &scripts {
        std::hint::black_box(dlint::syntax::shell::parse(s).commands.len());
    }
    report(
        &format!(
            "bash, every script ({}, {:.1} MiB), 1 thread",
            scripts.len(),
            mib(scripts.iter().map(String::len).sum())
        ),
        t.elapsed().as_secs_f64(),
    );
    let t = Instant::now();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .unwrap();
    for s in &scripts {
        std::hint::black_box(parser.parse(s, None).map(|t| t.root_node().child_count()));
    }
    report(
        "  of which: tree-sitter-bash alone",
        t.elapsed().as_secs_f64(),
    );
    dlint::syntax::shell::clear_shared();
    let t = Instant::now();
    for s in &scripts {
        std::hint::black_box(dlint::syntax::shell::parse_shared(s).commands.len());
    }
    report(
        &format!(
            "bash, shared parses ({} different, {:.1} MiB)",
            distinct.len(),
            mib(distinct.iter().map(|s| s.len()).sum())
        ),
        t.elapsed().as_secs_f64(),
    );
    println!(
        "ratio to bare parsing: {:.2}x on 1 thread, {:.2}x on all cores",
        one / bare,
        best / bare
    );
}
