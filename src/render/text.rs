//! Human output: codespan-reporting excerpts with labels, the fix title as
//! help, and a summary.

use std::collections::BTreeMap;
use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};

use super::{FileResult, Outcome, RenderOptions};
use crate::diagnostic::{Applicability, Diagnostic, Severity};

fn cs_severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
        Severity::Style => CsSeverity::Help,
    }
}

fn clamp(src: &str, mut i: usize) -> usize {
    i = i.min(src.len());
    while i > 0 && !src.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn to_cs(d: &Diagnostic, src: &str) -> CsDiagnostic<()> {
    let start = clamp(src, d.span.start);
    let end = clamp(src, d.span.end).max(start);
    // Long multi-line spans: underline the first line only.
    let first_line_end = src
        .get(start..end)
        .and_then(|t| t.find('\n'))
        .map(|i| start + i)
        .unwrap_or(end);
    let mut labels = vec![Label::primary((), start..first_line_end.max(start))];
    for r in &d.related {
        let s = clamp(src, r.span.start);
        let e = clamp(src, r.span.end).max(s);
        let e = src
            .get(s..e)
            .and_then(|t| t.find('\n'))
            .map(|i| s + i)
            .unwrap_or(e);
        labels.push(Label::secondary((), s..e).with_message(r.message.clone()));
    }
    let mut notes = Vec::new();
    if let Some(fix) = &d.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "fix available with --fix",
            Applicability::Unsafe => "fix available with --fix --unsafe-fixes",
            Applicability::DisplayOnly => "suggestion",
        };
        notes.push(format!("help: {} ({kind})", fix.title));
    }
    CsDiagnostic::new(cs_severity(d.severity))
        .with_code(format!("{}/{}", d.code(), d.rule.name))
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

pub fn render(results: &[FileResult], opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let config = term::Config::default();
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut per_rule: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let mut fixable = 0;
    let mut unsafe_fixable = 0;
    let mut files_with = 0;
    for r in results {
        let Outcome::Report(rep) = &r.outcome else {
            continue;
        };
        if rep.diagnostics.is_empty() {
            continue;
        }
        files_with += 1;
        let file = SimpleFile::new(r.path.as_str(), rep.source());
        for d in &rep.diagnostics {
            *counts.entry(d.severity).or_default() += 1;
            *per_rule
                .entry((d.code().to_string(), d.rule.name))
                .or_default() += 1;
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => fixable += 1,
                Some(Applicability::Unsafe) => unsafe_fixable += 1,
                _ => {}
            }
            if opts.statistics {
                // Statistics replace the findings, as ruff's do.
                continue;
            }
            let cs = to_cs(d, rep.source());
            let mut buf = Vec::new();
            if opts.color {
                let mut w = termcolor::Ansi::new(&mut buf);
                term::emit_to_write_style(&mut w, &config, &file, &cs)
                    .map_err(|e| io::Error::other(e.to_string()))?;
            } else {
                let mut w = termcolor::NoColor::new(&mut buf);
                term::emit_to_write_style(&mut w, &config, &file, &cs)
                    .map_err(|e| io::Error::other(e.to_string()))?;
            }
            out.write_all(&buf)?;
        }
    }
    if opts.statistics && !per_rule.is_empty() {
        writeln!(out, "{:>5}  {:<6} rule", "count", "code")?;
        let mut rows: Vec<_> = per_rule.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for ((code, name), n) in rows {
            writeln!(out, "{n:>5}  {code:<6} {name}")?;
        }
    }
    if !opts.quiet {
        let total: usize = counts.values().sum();
        let linted = results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Report(_)))
            .count();
        if total == 0 && linted == 0 {
            // Nothing was linted (every input failed): the errors say why.
        } else if total == 0 {
            writeln!(
                out,
                "No problems found in {linted} file{}.",
                if linted == 1 { "" } else { "s" }
            )?;
        } else {
            let parts: Vec<String> = [
                Severity::Error,
                Severity::Warning,
                Severity::Info,
                Severity::Style,
            ]
            .iter()
            .filter_map(|s| {
                counts.get(s).map(|n| {
                    let word = match (s, *n == 1) {
                        (Severity::Error, false) => "errors",
                        (Severity::Warning, false) => "warnings",
                        (Severity::Info, _) => "info",
                        (Severity::Style, _) => "style",
                        (s, true) => s.as_str(),
                    };
                    format!("{n} {word}")
                })
            })
            .collect();
            write!(
                out,
                "Found {total} problem{} ({}) in {files_with} of {linted} file{}.",
                if total == 1 { "" } else { "s" },
                parts.join(", "),
                if linted == 1 { "" } else { "s" }
            )?;
            match (fixable, unsafe_fixable) {
                (0, 0) => {}
                (n, 0) => write!(out, " {n} fixable with `dlint --fix`.")?,
                (0, u) => write!(out, " {u} fixable with `dlint --fix --unsafe-fixes`.")?,
                (n, u) => write!(
                    out,
                    " {n} fixable with `dlint --fix` ({u} more with `--unsafe-fixes`)."
                )?,
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
