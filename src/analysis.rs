//! The one analysis entry point: the CLI, the fixer and the language server
//! all call `analyze`.

use std::path::{Path, PathBuf};

use crate::context::{BuildContext, ContextCache};
use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::rules::Checker;
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

/// Lints `source`. `path` is used for per-file ignores; `context` is the build
/// context for context-aware rules (None: those rules are skipped).
pub fn analyze(
    source: &str,
    path: Option<&Path>,
    settings: &Settings,
    context: Option<&BuildContext>,
) -> Report {
    // Debug builds only: lets the tests prove that a panic while linting one
    // file is that file's internal error (CLI and server) and nothing else.
    #[cfg(debug_assertions)]
    if std::env::var_os("DLINT_TEST_PANIC").is_some() && source.contains("dlint-test-panic") {
        panic!("test panic requested by the file");
    }
    let model = Model::build(source);
    let rules = settings.active_rules(path);
    let mut checker = Checker::new(
        &model,
        &settings.options,
        context,
        settings.target.as_deref(),
    );
    for entry in rules {
        checker.run(entry);
    }
    let mut diags = checker.into_diagnostics();
    diags.retain(|d| {
        d.sub_code
            .as_deref()
            .is_none_or(|c| settings.codes.allows(c))
    });
    for d in diags.iter_mut() {
        // A configured severity wins; otherwise a rule may report another
        // severity than its default (ShellCheck's levels).
        let configured = settings.severity_of(d.rule);
        if configured != d.rule.severity {
            d.severity = configured;
        }
        sanitize(d);
    }
    let sup = suppress::collect(&model);
    let before = diags.len();
    diags.retain(|d| {
        d.rule.name == "invalid-syntax"
            || !sup.suppresses(&model, d.rule.name, d.sub_code.as_deref(), d.span)
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
