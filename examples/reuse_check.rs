//! Holds the language server's reuse of per-stage findings
//! (`analyze_reusing`) to a fresh lint (`analyze`): on every Dockerfile of
//! a directory, a series of edits (characters typed and deleted, lines
//! split, joined, copied and removed, values of ENV, ARG, SHELL, USER,
//! WORKDIR and FROM changed, at positions drawn from a fixed seed)
//! is applied one by one, and after each the report of `analyze_reusing`,
//! whose cache has seen every earlier version and whose model is rebuilt
//! from the last version's (`Model::rebuild`), must equal `analyze`'s,
//! model field by field and finding by finding. Every rule is on;
//! ShellCheck is off (a file rule).
//!
//!     cargo run --release --example reuse_check -- ../shared/corpus/files [--edits 8] [--seed 1]
//!
//! Files are split over the cores. Exits 1 after printing each differing
//! file's first difference; prints how many units were reused.

use std::path::PathBuf;

use dlint::analysis::{analyze, analyze_reusing, Reuse};
use dlint::diagnostic::Diagnostic;

#[path = "../tests/common/rng.rs"]
mod rng;
use rng::Rng;

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Line starts of `s`.
fn line_starts(s: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(s.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < s.len())
        .collect()
}

/// One edit of `s`.
fn edit(s: &mut String, rng: &mut Rng) {
    const TYPED: &[&str] = &[
        "x", " ", "\n", "\\", "$", "\"", "'", "=", "-", "é", "공", "#", "&&", "${A}", "\t",
    ];
    let lines = line_starts(s);
    match rng.below(10) {
        // Type or delete at a random place (most edits are these).
        0..=2 => {
            let at = floor(s, rng.below(s.len() + 1));
            s.insert_str(at, TYPED[rng.below(TYPED.len())]);
        }
        3 | 4 => {
            let a = floor(s, rng.below(s.len() + 1));
            let b = floor(s, a + 1 + rng.below(12));
            s.replace_range(a..b.max(a), "");
        }
        // Copy a line elsewhere.
        5 if !lines.is_empty() => {
            let l = rng.below(lines.len());
            let end = s[lines[l]..]
                .find('\n')
                .map_or(s.len(), |e| lines[l] + e + 1);
            let line = s[lines[l]..end].to_string();
            let to = lines[rng.below(lines.len())];
            s.insert_str(to, &line);
            if !line.ends_with('\n') {
                s.insert(to + line.len(), '\n');
            }
        }
        // Remove a line.
        6 if !lines.is_empty() => {
            let l = rng.below(lines.len());
            let end = s[lines[l]..]
                .find('\n')
                .map_or(s.len(), |e| lines[l] + e + 1);
            s.replace_range(lines[l]..end, "");
        }
        // Change what later stages inherit or read: a value of ENV, ARG,
        // SHELL, USER, WORKDIR or FROM (or the stage's name).
        7 | 8 => {
            const KEYS: &[&str] = &["ENV ", "ARG ", "SHELL ", "USER ", "WORKDIR ", "FROM "];
            let picks: Vec<usize> = lines
                .iter()
                .copied()
                .filter(|&l| {
                    KEYS.iter().any(|k| {
                        s[l..]
                            .get(..k.len())
                            .is_some_and(|t| t.eq_ignore_ascii_case(k))
                    })
                })
                .collect();
            if picks.is_empty() {
                return;
            }
            let l = picks[rng.below(picks.len())];
            let end = s[l..].find('\n').map_or(s.len(), |e| l + e);
            let end = if s[..end].ends_with('\r') {
                end - 1
            } else {
                end
            };
            const TAILS: &[&str] = &["x", "/bin", " AS y", "=1", "\"", " -o pipefail", ":1"];
            s.insert_str(end, TAILS[rng.below(TAILS.len())]);
        }
        // Type a word at the end of a line (the editor's common case).
        _ if !lines.is_empty() => {
            let l = rng.below(lines.len());
            let end = s[lines[l]..].find('\n').map_or(s.len(), |e| lines[l] + e);
            s.insert_str(end, " word");
        }
        _ => s.push_str("RUN x\n"),
    }
}

fn show(d: &Diagnostic) -> String {
    format!(
        "{} {:?} {}..{} {:?} {:?} {:?}",
        d.code(),
        d.severity,
        d.span.start,
        d.span.end,
        d.message,
        d.related,
        d.fix
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut edits = 8;
    let mut seed = 1u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--edits" => edits = args.next().and_then(|v| v.parse().ok()).expect("--edits N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: reuse_check DIR [--edits N] [--seed N]");
    let mut settings = dlint::settings::Settings::default();
    settings.select(&dlint::settings::resolve_selector("ALL").unwrap());
    settings.options.shellcheck = dlint::shellcheck::Setting::Off;
    // A build context, so that the context rules run too.
    let ctx_dir = std::env::temp_dir().join(format!("dlint-reuse-check-{}", std::process::id()));
    std::fs::create_dir_all(ctx_dir.join("src")).unwrap();
    std::fs::write(ctx_dir.join(".dockerignore"), "*.md\nsrc/secret\n").unwrap();
    std::fs::write(ctx_dir.join("package.json"), "{}").unwrap();
    let cache = dlint::context::ContextCache::default();
    let path = ctx_dir.join("Dockerfile");
    let context = dlint::analysis::load_context(Some(&path), &settings, &cache);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("a directory of Dockerfiles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // Files split over the cores; each file's edits run in order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let totals = std::sync::Mutex::new((0usize, 0usize, 0usize, 0usize));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(n) else { break };
                let (v, u, r, failed) =
                    check_file(f, n, seed, edits, &path, &settings, context.as_ref());
                let mut t = totals.lock().unwrap();
                t.0 += v;
                t.1 += u;
                t.2 += r;
                t.3 += usize::from(failed);
            });
        }
    });
    let (versions, units, reused, failures) = totals.into_inner().unwrap();
    let _ = std::fs::remove_dir_all(&ctx_dir);
    println!(
        "{} files, {versions} versions: {reused} of {units} units reused ({:.0}%), {failures} files differ",
        files.len(),
        100.0 * reused as f64 / units.max(1) as f64
    );
    if failures > 0 {
        std::process::exit(1);
    }
}

/// Lints one file and its edited versions both ways; returns the versions
/// linted, the units and reused units, and whether they differed (printed).
fn check_file(
    f: &std::path::Path,
    n: usize,
    seed: u64,
    edits: usize,
    path: &std::path::Path,
    settings: &dlint::settings::Settings,
    context: Option<&dlint::context::BuildContext>,
) -> (usize, usize, usize, bool) {
    let Ok(mut text) = std::fs::read_to_string(f) else {
        return (0, 0, 0, false);
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64 + 1));
    let mut reuse = Reuse::default();
    let (mut versions, mut units, mut reused) = (0, 0, 0);
    for k in 0..=edits {
        if k > 0 {
            edit(&mut text, &mut rng);
        }
        let fresh = analyze(&text, Some(path), settings, context);
        let again = analyze_reusing(&text, Some(path), settings, context, &mut reuse);
        versions += 1;
        units += reuse.units();
        reused += reuse.reused();
        let (m1, m2) = (fresh.model.canonical(), again.model.canonical());
        if m1 != m2 {
            let first = m1.lines().zip(m2.lines()).find(|(a, b)| a != b);
            eprintln!(
                "{}: edit {k}: the rebuilt model differs\n--- text\n{text}\n--- first difference\n  fresh:   {:?}\n  rebuilt: {:?}",
                f.display(),
                first.map(|x| x.0),
                first.map(|x| x.1)
            );
            return (versions, units, reused, true);
        }
        let a: Vec<String> = fresh.diagnostics.iter().map(show).collect();
        let b: Vec<String> = again.diagnostics.iter().map(show).collect();
        if a != b || fresh.suppressed != again.suppressed {
            let mut out = format!("{}: edit {k}: reused findings differ\n", f.display());
            for x in a.iter().filter(|x| !b.contains(x)) {
                out.push_str(&format!("  fresh only:  {x}\n"));
            }
            for x in b.iter().filter(|x| !a.contains(x)) {
                out.push_str(&format!("  reused only: {x}\n"));
            }
            eprint!("{out}");
            return (versions, units, reused, true);
        }
        // As the server does: the next model is built from this one.
        reuse.keep_model(again.model);
    }
    (versions, units, reused, false)
}
