//! How many heap allocations one lint of the `lsp_latency` document makes
//! (the language server's typing path is allocation-bound), by phase:
//! BuildKit's reader, its instruction pass, the model, every rule once (a
//! whole lint's rules, ShellCheck off) and the server's reusing lint after
//! a one-line edit; then the rules that allocate most.
//!
//!     cargo run --release --example alloc_counts
//!
//! The counts are of calls to `alloc` and `realloc` through a counting
//! wrapper around mimalloc (the dlint binary's allocator); they do not
//! depend on the machine's speed.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

include!("common/bench_doc.rs");

struct Counting;
static COUNT: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        COUNT.fetch_add(1, Relaxed);
        unsafe { GlobalAlloc::alloc(&mimalloc::MiMalloc, l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { GlobalAlloc::dealloc(&mimalloc::MiMalloc, p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        COUNT.fetch_add(1, Relaxed);
        unsafe { GlobalAlloc::realloc(&mimalloc::MiMalloc, p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count() -> usize {
    COUNT.load(Relaxed)
}

fn main() {
    let text = dockerfile();
    let mut settings = dlint::settings::Settings::default();
    settings.select(&dlint::settings::resolve_selector("ALL").unwrap());
    settings.options.shellcheck = dlint::shellcheck::Setting::Off;
    let rules = settings.active_rules(None);
    let at = text.find("RUN echo step 0 && mkdir -p /opt/s9").unwrap();
    let eol = at + text[at..].find('\n').unwrap();
    let mut reuse = dlint::analysis::Reuse::default();
    // The first version fills the reuse cache; the last is reported.
    for k in 0..3 {
        let mut src = text.clone();
        src.insert_str(eol, &"x".repeat(k + 1));
        let c0 = count();
        let mut parsed = dlint::syntax::buildkit::parse(&src);
        let c1 = count();
        dlint::syntax::instructions::check(&mut parsed);
        let c2 = count();
        drop(parsed);
        let c3 = count();
        let model = dlint::model::Model::build(&src);
        let c4 = count();
        let mut checker = dlint::rules::Checker::new(&model, &settings.options, None, None);
        let mut per_rule: Vec<(usize, &str)> = Vec::new();
        for r in rules.iter() {
            let before = count();
            checker.run(r);
            per_rule.push((count() - before, r.meta.name));
        }
        let c5 = count();
        drop(checker);
        drop(model);
        let c6 = count();
        let report = dlint::analysis::analyze_reusing(&src, None, &settings, None, &mut reuse);
        let c7 = count();
        drop(report);
        if k < 2 {
            continue;
        }
        println!(
            "{} lines: reader {}, instruction pass {}, model build {} (both of those and the rest), rules once {}, reusing lint {}",
            src.lines().count(),
            c1 - c0,
            c2 - c1,
            c4 - c3,
            c5 - c4,
            c7 - c6
        );
        per_rule.sort_by(|a, b| b.cmp(a));
        println!("the rules that allocate most (whole lint):");
        for (n, name) in per_rule.iter().take(10) {
            println!("  {name:<36} {n}");
        }
    }
}
