//! `shellcheck`: ShellCheck's findings on the shell code of every RUN, as
//! dlint findings with ShellCheck's code (`SC2086`), message and level, at
//! the exact place in the Dockerfile, with ShellCheck's own fix where it has
//! one. See `crate::shellcheck` for which scripts are checked and how.
use crate::diagnostic::{Edit, Fix, Severity};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::shellcheck::{self, Comment, Outcome, ShellCheck, ShellScript};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D901",
    name: "shellcheck",
    category: Category::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    // Every ShellCheck code (`SC2086`) names this rule's findings of that
    // code (a sub-code); `SC*` names them all, as hadolint's tests do.
    aliases: &["SC*"],
    summary: "ShellCheck's findings in the shell code of RUN (codes SC1000-SC9999)",
    default_enabled: true,
};

fn severity(level: &str) -> Severity {
    match level {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        _ => Severity::Style,
    }
}

pub fn check(cx: &mut Checker) {
    let runner = match &cx.options.shellcheck_runner {
        Some(r) => r.clone(),
        None => match ShellCheck::get(&cx.options.shellcheck) {
            Ok(r) => r,
            // Said once by the CLI (and the server), not per file.
            Err(_) => return,
        },
    };
    let model = cx.model;
    let scripts = shellcheck::scripts_cached(model, runner.script_cache());
    // One batch for the file's scripts not checked yet (the CLI checked
    // every file's scripts in one batch before linting).
    if runner.is_blocking() {
        let texts: Vec<&str> = scripts.iter().map(|s| &*s.text).collect();
        runner.prefetch(&texts);
    }
    for script in scripts {
        match runner.check(&script.text) {
            None => {}
            Some(Outcome::Failed(why)) => {
                let span = model.instructions[script.instruction].keyword.span;
                let d = cx.report(span, format!("ShellCheck could not check this RUN: {why}"));
                d.severity = Severity::Info;
            }
            Some(Outcome::Comments(comments)) => {
                for c in comments.iter() {
                    report(cx, &script, c);
                }
            }
        }
    }
}

fn report(cx: &mut Checker, script: &ShellScript, c: &Comment) {
    let model = cx.model;
    let (Some(start), Some(end)) = (
        script.offset_of(c.line, c.column),
        script.offset_of(c.end_line, c.end_column),
    ) else {
        return;
    };
    let (s, e) = (script.to_source(start), script.to_source(end.max(start)));
    let span = if e > s && model.source.is_char_boundary(s) && model.source.is_char_boundary(e) {
        Span::new(s, e)
    } else {
        // A finding on text dlint added (the shebang, the header): the RUN.
        model.instructions[script.instruction].keyword.span
    };
    let fix = c.fix.as_ref().and_then(|f| {
        let mut edits = Vec::new();
        for r in &f.replacements {
            let a = script.offset_of(r.line, r.column)?;
            let b = script.offset_of(r.end_line, r.end_column)?;
            // Only where the script is a plain copy of the Dockerfile (not
            // across a continuation, not in text dlint added).
            if b < a || !script.contiguous(a, b) {
                return None;
            }
            let sa = script.to_source(a);
            edits.push(Edit::replace(
                Span::new(sa, sa + (b - a)),
                r.replacement.clone(),
            ));
        }
        (!edits.is_empty())
            .then(|| Fix::unsafe_(format!("Apply ShellCheck's fix for SC{}", c.code), edits))
    });
    let d = cx.report(span, c.message.clone());
    d.severity = severity(&c.level);
    d.sub_code = Some(format!("SC{}", c.code));
    d.fix = fix;
}
