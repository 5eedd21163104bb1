//! The one analysis entry point: the CLI, the fixer and the language server
//! all call `analyze` (the server through `analyze_reusing`, which reuses
//! the last lint's findings of the stages an edit left alone).

mod reuse;

pub use reuse::Reuse;

use std::path::{Path, PathBuf};

use crate::context::{BuildContext, ContextCache};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::pragma::{self, CheckOptions};
use crate::model::Model;
use crate::rules::{buildkit, Checker, RuleEntry, Scope, Unit};
use crate::settings::Settings;
use crate::suppress;

/// The result of linting one file.
#[derive(Debug, Clone)]
pub struct Report {
    pub model: Model,
    /// Findings after suppression, ordered by position then rule code.
    pub diagnostics: Vec<Diagnostic>,
    /// How many findings suppression comments removed.
    pub suppressed: usize,
}

impl Report {
    pub fn source(&self) -> &str {
        &self.model.source
    }
}

/// What the renderers need of a linted file: its text, its line index and
/// its findings. A batch keeps one per file until it renders, so it keeps
/// no model (a model with its parsed RUNs is many times the file's size).
#[derive(Debug, Clone)]
pub struct Findings {
    pub source: String,
    pub lines: crate::syntax::LineIndex,
    /// Ordered by position then rule code.
    pub diagnostics: Vec<Diagnostic>,
    /// How many findings suppression comments removed.
    pub suppressed: usize,
}

impl Findings {
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl From<Report> for Findings {
    fn from(r: Report) -> Findings {
        Findings {
            source: r.model.source,
            lines: r.model.lines,
            diagnostics: r.diagnostics,
            suppressed: r.suppressed,
        }
    }
}

/// Lints `source`. `path` is used for per-file ignores; `context` is the build
/// context for context-aware rules (None: those rules are skipped).
pub fn analyze(
    source: &str,
    path: Option<&Path>,
    settings: &Settings,
    context: Option<&BuildContext>,
) -> Report {
    lint(source, path, settings, context, None)
}

/// [`analyze`] for the next version of a document: the findings of the
/// stages the edit left alone come from `reuse` (the last lint's, with the
/// same settings and context), and this lint's are left there for the next.
/// The report is the one [`analyze`] gives.
pub fn analyze_reusing(
    source: &str,
    path: Option<&Path>,
    settings: &Settings,
    context: Option<&BuildContext>,
    reuse: &mut Reuse,
) -> Report {
    lint(source, path, settings, context, Some(reuse))
}

fn lint(
    source: &str,
    path: Option<&Path>,
    settings: &Settings,
    context: Option<&BuildContext>,
    reuse: Option<&mut Reuse>,
) -> Report {
    // Debug builds only: lets the tests prove that a panic while linting one
    // file is that file's internal error (CLI and server) and nothing else.
    #[cfg(debug_assertions)]
    if std::env::var_os("DLINT_TEST_PANIC").is_some() && source.contains("dlint-test-panic") {
        panic!("test panic requested by the file");
    }
    let mut reuse = reuse;
    let model = match reuse.as_deref_mut() {
        Some(r) => r.build_model(source),
        None => Model::build(source),
    };
    let rules = settings.active_rules(path);
    // BuildKit's `# check=` options: the file's directive, and comments
    // above instructions.
    let file_check = pragma::file_check_options(&model)
        .and_then(|(r, _)| r.ok())
        .unwrap_or_default();
    let inline: Vec<Option<CheckOptions>> = model
        .instructions
        .iter()
        .map(|i| pragma::inline_check_options(i).map(|(o, _)| o))
        .collect();
    // Experimental checks the file switches on.
    let by_directive: Vec<&'static RuleEntry> = settings
        .switchable_rules(path)
        .into_iter()
        .filter(|e| {
            let Some(c) =
                buildkit::check_name(e.meta).filter(|_| buildkit::is_experimental(e.meta))
            else {
                return false;
            };
            file_check.enables_experimental(c)
                || inline.iter().flatten().any(|o| o.enables_experimental(c))
        })
        .collect();
    let mut checker = Checker::new(
        &model,
        &settings.options,
        context,
        settings.target.as_deref(),
    );
    let (stage_rules, file_rules): (Vec<&RuleEntry>, Vec<&RuleEntry>) = rules
        .iter()
        .chain(&by_directive)
        .copied()
        .partition(|e| e.scope == Scope::Stage);
    for entry in &file_rules {
        checker.run(entry);
    }
    // The stage rules run unit by unit (each unit's findings together, as
    // the reuse cache keeps them), here and in `Reuse::run` alike.
    match reuse {
        Some(r) => {
            let reused = r.run(&model, &stage_rules, &mut checker);
            // Near the end of the expansion budget, which expansions hit
            // it depends on their order: lint the whole file afresh.
            if model.budget_left() < crate::model::expand::FILE_BUDGET / 2 {
                *r = Reuse::default();
                if reused > 0 {
                    return lint(source, path, settings, context, None);
                }
            }
        }
        None => {
            for unit in Unit::all(&model) {
                for entry in &stage_rules {
                    checker.run_on(entry, unit);
                }
            }
        }
    }
    let mut diags = checker.into_diagnostics();
    diags.retain(|d| {
        d.sub_code
            .as_deref()
            .is_none_or(|c| settings.codes.allows(c))
    });
    let is_by_directive =
        |d: &Diagnostic| by_directive.iter().any(|e| std::ptr::eq(e.meta, d.rule));
    // A directive-enabled check reports where the file's directive, or the
    // comment above the instruction BuildKit consults, names it.
    diags.retain(|d| {
        if !is_by_directive(d) {
            return true;
        }
        let Some(c) = buildkit::check_name(d.rule) else {
            return false;
        };
        file_check.enables_experimental(c)
            || suppress::instruction_at(&model, d.span.start).is_some_and(|at| {
                let anchor = suppress::check_anchor(&model, d.rule, at);
                inline
                    .get(anchor)
                    .and_then(|o| o.as_ref())
                    .is_some_and(|o| o.enables_experimental(c))
            })
    });
    for d in diags.iter_mut() {
        // A configured severity wins; otherwise a rule may report another
        // severity than its default (ShellCheck's levels).
        let configured = settings.severity_of(d.rule);
        if configured != d.rule.severity {
            d.severity = configured;
        }
        // `# check=error=true`: BuildKit fails the build on its checks.
        if file_check.error && buildkit::is_check(d.rule) {
            d.severity = Severity::Error;
        }
        sanitize(d);
    }
    let sup = suppress::collect(&model);
    let before = diags.len();
    diags.retain(|d| {
        d.rule.name == "invalid-syntax"
            || !sup.suppresses(
                &model,
                d.rule,
                d.sub_code.as_deref(),
                d.span,
                is_by_directive(d),
            )
    });
    let suppressed = before - diags.len();
    diags.sort_by(|a, b| {
        (a.span.start, a.rule.code, a.span.end).cmp(&(b.span.start, b.rule.code, b.span.end))
    });
    Report {
        model,
        diagnostics: diags,
        suppressed,
    }
}

/// Messages quote Dockerfile text: no control character (a CRLF file's
/// `\r`, an ESC sequence) reaches a terminal or an editor raw.
fn sanitize(d: &mut Diagnostic) {
    let clean = |s: &mut String| {
        if let std::borrow::Cow::Owned(e) = crate::text::escape(s) {
            *s = e;
        }
    };
    clean(&mut d.message);
    for r in d.related.iter_mut() {
        clean(&mut r.message);
    }
    if let Some(f) = d.fix.as_mut() {
        clean(&mut f.title);
    }
}

/// The build context for a Dockerfile: `--context`/config first, else the
/// Dockerfile's directory. None for stdin without a context.
pub fn context_dir(dockerfile: Option<&Path>, settings: &Settings) -> Option<PathBuf> {
    if let Some(c) = &settings.context {
        return Some(c.clone());
    }
    let p = dockerfile?;
    let parent = p.parent()?;
    Some(if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent.to_path_buf()
    })
}

/// Loads the build context for a Dockerfile.
pub fn load_context(
    dockerfile: Option<&Path>,
    settings: &Settings,
    cache: &ContextCache,
) -> Option<BuildContext> {
    let dir = context_dir(dockerfile, settings)?;
    if !dir.is_dir() {
        return None;
    }
    Some(cache.load(&dir, dockerfile))
}
