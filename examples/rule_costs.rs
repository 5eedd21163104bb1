//! Where a lint of a big file spends its time: the 1,000-line document of
//! `lsp_latency`, edited on one line (the language server's typing path),
//! linted 300 times with every rule on. Prints model building (fresh, and
//! from the last version's model), the whole analysis (p50, p99), the
//! analysis as the server runs it (its model built from the last one, the
//! last lint's per-stage findings reused), and the rules by mean cost (the
//! 15 costliest; `N=100` for all).
//!
//!     cargo run --release --example rule_costs
//!
//! ShellCheck runs as in the language server: a non-blocking runner (with
//! its cache of built scripts) that has the results of the unedited file;
//! the edited RUN's script is queued, not checked.

use std::time::{Duration, Instant};

// Its document, and its global allocator (the dlint binary's, src/main.rs).
#[path = "lsp_latency.rs"]
#[allow(dead_code)]
mod lsp_latency;

const ROUNDS: usize = 300;

fn main() {
    let text = lsp_latency::dockerfile();
    let dir = std::env::temp_dir().join(format!("dlint-rule-costs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".dockerignore"), ".git\n").unwrap();
    let path = dir.join("Dockerfile");
    let mut settings = dlint::settings::Settings::default();
    settings.select(&dlint::settings::resolve_selector("ALL").unwrap());
    if let Ok(r) = dlint::shellcheck::ShellCheck::get(&Default::default()) {
        let runner = std::sync::Arc::new(r.non_blocking());
        let model = dlint::model::Model::build(&text);
        let scripts = dlint::shellcheck::scripts(&model);
        let texts: Vec<&str> = scripts.iter().map(|s| &*s.text).collect();
        runner.prefetch(&texts);
        settings.options.shellcheck_runner = Some(runner);
    }
    let cache = dlint::context::ContextCache::default();
    let context = dlint::analysis::load_context(Some(&path), &settings, &cache);
    let rules = settings.active_rules(Some(&path));
    // The line that is edited: a RUN in the middle of the file.
    let at = text.find("RUN echo step 0 && mkdir -p /opt/s9").unwrap();
    let eol = at + text[at..].find('\n').unwrap();
    let mut build = Vec::with_capacity(ROUNDS);
    let mut full = Vec::with_capacity(ROUNDS);
    // The server's lint: the last lint's per-stage findings reused.
    let mut reusing = Vec::with_capacity(ROUNDS);
    let mut reuse = dlint::analysis::Reuse::default();
    let mut per_rule = vec![Duration::ZERO; rules.len()];
    // The model built from the last version's, as the server builds it.
    let mut rebuild = Vec::with_capacity(ROUNDS);
    let mut last = None;
    for k in 0..ROUNDS {
        let mut src = text.clone();
        src.insert_str(eol, &"x".repeat(k % 10 + 1));
        let t = Instant::now();
        let model = dlint::model::Model::build(&src);
        build.push(t.elapsed());
        let mut checker =
            dlint::rules::Checker::new(&model, &settings.options, context.as_ref(), None);
        for (i, r) in rules.iter().enumerate() {
            let t = Instant::now();
            checker.run(r);
            per_rule[i] += t.elapsed();
        }
        drop(checker);
        drop(model);
        let t = Instant::now();
        let report = dlint::analysis::analyze(&src, Some(&path), &settings, context.as_ref());
        full.push(t.elapsed());
        drop(report);
        let t = Instant::now();
        let report = dlint::analysis::analyze_reusing(
            &src,
            Some(&path),
            &settings,
            context.as_ref(),
            &mut reuse,
        );
        reusing.push(t.elapsed());
        // As the server does: the next lint's model is built from this one.
        reuse.keep_model(report.model);
        let t = Instant::now();
        let model = match last.take() {
            Some(old) => dlint::model::Model::rebuild(old, &src),
            None => dlint::model::Model::build(&src),
        };
        rebuild.push(t.elapsed());
        last = Some(model);
    }
    rebuild.sort();
    build.sort();
    full.sort();
    reusing.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p = |v: &[Duration], q: f64| ms(v[((v.len() - 1) as f64 * q).round() as usize]);
    println!(
        "{} lines, {ROUNDS} lints, {} rules",
        text.lines().count(),
        rules.len()
    );
    println!(
        "model build   p50 {:.3} ms  p99 {:.3} ms",
        p(&build, 0.5),
        p(&build, 0.99)
    );
    println!(
        "model rebuilt p50 {:.3} ms  p99 {:.3} ms  (from the last version's)",
        p(&rebuild, 0.5),
        p(&rebuild, 0.99)
    );
    println!(
        "whole lint    p50 {:.3} ms  p99 {:.3} ms",
        p(&full, 0.5),
        p(&full, 0.99)
    );
    println!(
        "reusing lint  p50 {:.3} ms  p99 {:.3} ms  ({} of {} units reused at the end)",
        p(&reusing, 0.5),
        p(&reusing, 0.99),
        reuse.reused(),
        reuse.units()
    );
    let total: f64 = per_rule.iter().map(|d| ms(*d)).sum::<f64>() / ROUNDS as f64;
    println!("rules         mean {total:.3} ms, the costliest:");
    let mut by_cost: Vec<_> = rules.iter().zip(&per_rule).collect();
    by_cost.sort_by(|a, b| b.1.cmp(a.1));
    for (r, d) in by_cost.iter().take(
        std::env::var("N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(15),
    ) {
        println!("  {:<36} {:.3} ms", r.meta.name, ms(**d) / ROUNDS as f64);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
