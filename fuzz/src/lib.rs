//! Shared code of dlint's fuzz targets (see `fuzz/README.md`).
//!
//! Every target turns its input into a Dockerfile text with [`text`]
//! (bounded, invalid UTF-8 replaced), runs one part of dlint on it and
//! asserts what must always hold. A panic anywhere, including one the
//! language server catches, aborts the run (libFuzzer's panic hook), so
//! the checks here only need to state properties beyond "does not panic".

pub mod mirror;
pub mod session;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dlint::analysis::{analyze, Report};
use dlint::context::BuildContext;
use dlint::fix::{fix_source, FixOptions};
use dlint::model::Model;
use dlint::render::{FileResult, Format, Outcome, RenderOptions};
use dlint::settings::{resolve_selector, Settings};

/// Inputs above this many bytes are skipped (libFuzzer's `-max_len` is
/// set lower by `tests/fuzz/run.sh`; this bounds hand-run targets).
pub const MAX_LEN: usize = 16 * 1024;

/// The Dockerfile text of an input: None above [`MAX_LEN`]. Invalid UTF-8
/// is replaced (U+FFFD), so byte mutations still reach the parser.
pub fn text(data: &[u8]) -> Option<String> {
    if data.len() > MAX_LEN {
        return None;
    }
    Some(String::from_utf8_lossy(data).into_owned())
}

/// Default settings with every rule selected (as `--select ALL`).
pub fn all_rules() -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector("ALL").expect("ALL selects every rule"));
    // ShellCheck is a separate program (and would run one process per
    // input): the fuzz targets exercise dlint's own code.
    s.ignore(&resolve_selector("shellcheck").expect("the shellcheck rule"));
    s
}

/// [`all_rules`] plus rule options, so the option paths run too.
pub fn all_rules_with_options() -> Settings {
    let mut s = all_rules();
    s.options.trusted_registries = vec!["docker.io".into(), "*.gcr.io".into(), "ghcr.io".into()];
    s.options.nonroot_images = vec!["gcr.io/distroless/*".into(), "app:nonroot".into()];
    s
}

/// A synthetic build context: what it lints against, and the Dockerfile
/// path inside it.
pub struct Context {
    pub context: BuildContext,
    pub dockerfile: PathBuf,
}

/// Files of the synthetic contexts: manifests, secrets, dependency and
/// VCS directories, and multi-byte names.
const CONTEXT_FILES: &[&str] = &[
    "Dockerfile",
    "package.json",
    "package-lock.json",
    "requirements.txt",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "src/main.go",
    "src/公.txt",
    "저장소/설정.yaml",
    ".git/HEAD",
    "node_modules/x/index.js",
    ".env",
    "id_rsa",
    "build/out.bin",
    "target/release/app",
];

fn make_context(root: &Path, ignore: Option<&str>) -> std::io::Result<Context> {
    std::fs::create_dir_all(root)?;
    for f in CONTEXT_FILES {
        let p = root.join(f);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, "x\n")?;
    }
    if let Some(text) = ignore {
        std::fs::write(root.join(".dockerignore"), text)?;
    }
    let dockerfile = root.join("Dockerfile");
    Ok(Context {
        context: BuildContext::load(root, Some(&dockerfile)),
        dockerfile,
    })
}

/// Synthetic build contexts, created once per process under the temp
/// directory: 0 without a `.dockerignore`, 1 with one that leaves some
/// unwanted entries in.
pub fn context(which: usize) -> &'static Context {
    static CONTEXTS: OnceLock<Vec<Context>> = OnceLock::new();
    let all = CONTEXTS.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("dlint-fuzz-ctx-{}", std::process::id()));
        let ignore = "# 설정\nnode_modules\n**/*.log\n!.git/HEAD\n";
        vec![
            make_context(&base.join("plain"), None).expect("synthetic context"),
            make_context(&base.join("ignored"), Some(ignore)).expect("synthetic context"),
        ]
    });
    &all[which % all.len()]
}

/// Asserts that every span a model hands out is a char-boundary range of
/// its source.
pub fn check_spans(m: &Model) {
    let src = m.source.as_str();
    let ok = |s: dlint::syntax::Span| s.start <= s.end && src.get(s.start..s.end).is_some();
    for i in &m.instructions {
        assert!(ok(i.span), "instruction span {:?} in {src:?}", i.span);
        assert!(ok(i.args_span()), "args span {:?}", i.args_span());
    }
    for e in &m.errors {
        assert!(ok(e.span), "error span {:?}: {}", e.span, e.message);
    }
}

/// Runs one input through a target's check, as its fuzz target does
/// (for replaying without libFuzzer: `examples/replay.rs`, tests).
pub fn run_target(target: &str, data: &[u8]) {
    match target {
        "model" => {
            if let Some(s) = text(data) {
                check_model(&s);
            }
        }
        "lint" | "fix" => {
            let Some((&sel, rest)) = data.split_first() else {
                return;
            };
            if let Some(s) = text(rest) {
                if target == "lint" {
                    check_lint(sel, &s);
                } else {
                    check_fix(sel, &s);
                }
            }
        }
        "server" => session::check_session(data),
        t => panic!("unknown target {t} (model, lint, fix, server)"),
    }
}

/// Target `model`: syntax, model and `inspect`.
pub fn check_model(src: &str) {
    let lite = Model::build(src);
    check_spans(&lite);
    let doc = dlint::syntax::parse_document(src);
    let report = dlint::inspect::inspect("Dockerfile", src, &doc);
    serde_json::to_string(&report).expect("inspect report serializes");
    let full = Model::from_syntax(src, doc);
    check_spans(&full);
    // The tree changes nothing in BuildKit's reading.
    assert_eq!(lite.instructions.len(), full.instructions.len());
    assert_eq!(lite.errors.len(), full.errors.len());
    let _ = dlint::suppress::collect(&full);
    for i in 0..full.stages.len() {
        let _ = full.expand_in_stage(i, "${A:-x}$B${C:+y}");
    }
}

/// Picks settings and a context from a selector byte.
fn setup(sel: u8) -> (Settings, Option<&'static Context>) {
    let mut settings = if sel & 1 == 0 {
        all_rules()
    } else {
        all_rules_with_options()
    };
    let ctx = match (sel >> 1) % 3 {
        0 => None,
        n => Some(context(n as usize - 1)),
    };
    if sel & 8 != 0 {
        settings.target = Some(["build", "final", "공"][(sel as usize >> 4) % 3].to_string());
    }
    (settings, ctx)
}

fn render_all(report: Report) {
    let results = vec![FileResult {
        path: "dir/Dockerfile.공".into(),
        outcome: Outcome::Linted(Box::new(report.into())),
    }];
    for format in [
        Format::Text,
        Format::Json,
        Format::Github,
        Format::Sarif,
        Format::Checkstyle,
        Format::Gitlab,
    ] {
        for color in [false, true] {
            let opts = RenderOptions {
                color,
                statistics: color,
                quiet: false,
            };
            let mut out = Vec::new();
            dlint::render::render(format, &results, &opts, &mut out).expect("render to memory");
            if format == Format::Text {
                continue;
            }
            // Machine formats stay valid UTF-8.
            assert!(std::str::from_utf8(&out).is_ok(), "{format:?} output");
        }
    }
}

/// Target `lint`: every rule, with or without a build context, rendered
/// in every format.
pub fn check_lint(sel: u8, src: &str) {
    let (settings, ctx) = setup(sel);
    let report = analyze(
        src,
        ctx.map(|c| c.dockerfile.as_path()),
        &settings,
        ctx.map(|c| &c.context),
    );
    for d in &report.diagnostics {
        assert!(
            d.span.start <= d.span.end && src.get(d.span.start..d.span.end).is_some(),
            "{} span {:?}",
            d.rule.name,
            d.span
        );
    }
    render_all(report);
    check_reuse(sel, src, &settings, ctx);
}

/// The language server's lint of a next version, which reuses per-stage
/// findings of the last (`analyze_reusing`) and builds its model from the
/// last model, equals a fresh lint: `src`,
/// then `src` with a character typed at a place the selector picks.
fn check_reuse(sel: u8, src: &str, settings: &Settings, ctx: Option<&Context>) {
    let path = ctx.map(|c| c.dockerfile.as_path());
    let context = ctx.map(|c| &c.context);
    let mut at = src.len() * (usize::from(sel >> 4) + 1) / 17;
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let typed = ["x", "\n", " ", "$"][usize::from(sel >> 2) % 4];
    let next = format!("{}{typed}{}", &src[..at], &src[at..]);
    let mut reuse = dlint::analysis::Reuse::default();
    let first = dlint::analysis::analyze_reusing(src, path, settings, context, &mut reuse);
    // As the server does: the next model is built from this one.
    reuse.keep_model(first.model);
    let reused = dlint::analysis::analyze_reusing(&next, path, settings, context, &mut reuse);
    let fresh = analyze(&next, path, settings, context);
    assert_eq!(
        reused.model.canonical(),
        fresh.model.canonical(),
        "rebuilt model differs\n--- next\n{next}"
    );
    let show = |r: &dlint::analysis::Report| -> Vec<String> {
        r.diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {} {:?} {:?}",
                    d.code(),
                    d.span,
                    d.message,
                    d.related,
                    d.fix
                )
            })
            .collect()
    };
    assert_eq!(
        show(&reused),
        show(&fresh),
        "reused findings differ\n--- next\n{next}"
    );
}

/// Target `fix`: unsafe fixes too. The result reads with no more BuildKit
/// errors than the input, and fixing it again changes nothing.
pub fn check_fix(sel: u8, src: &str) {
    let (settings, ctx) = setup(sel);
    let path = ctx.map(|c| c.dockerfile.as_path());
    let context = ctx.map(|c| &c.context);
    let opts = FixOptions { unsafe_fixes: true };
    let first = fix_source(src, path, &settings, context, opts);
    assert_eq!(first.original, src);
    let before = Model::build(src);
    let after = Model::build(&first.fixed);
    assert!(
        after.errors.len() <= before.errors.len(),
        "fix added errors: {:?}\n--- input\n{src}\n--- fixed\n{}",
        after.errors.iter().map(|e| &e.message).collect::<Vec<_>>(),
        first.fixed
    );
    check_spans(&after);
    let second = fix_source(&first.fixed, path, &settings, context, opts);
    assert!(
        second.fixed == first.fixed,
        "fix is not idempotent (applied again: {:?})\n--- input\n{src}\n--- first\n{}\n--- second\n{}",
        second.applied,
        first.fixed,
        second.fixed
    );
}
