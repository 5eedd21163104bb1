//! Human output: codespan-reporting excerpts with labels, the fix title as
//! help, and a summary.

use std::collections::BTreeMap;
use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};

use super::{FileResult, Outcome, RenderOptions};
use crate::analysis::Findings;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::syntax::ColumnUnit;

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

/// A label's range, cut to its first line.
fn first_line(src: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let s = clamp(src, start);
    let e = clamp(src, end).max(s);
    let e = src
        .get(s..e)
        .and_then(|t| t.find('\n'))
        .map(|i| s + i)
        .unwrap_or(e);
    s..e
}

fn to_cs(d: &Diagnostic, src: &str) -> CsDiagnostic<()> {
    // Long multi-line spans: underline the first line only.
    let mut labels = vec![Label::primary(
        (),
        first_line(src, d.span.start, d.span.end),
    )];
    for r in &d.related {
        labels.push(
            Label::secondary((), first_line(src, r.span.start, r.span.end))
                .with_message(r.message.clone()),
        );
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
        let Outcome::Linted(rep) = &r.outcome else {
            continue;
        };
        if rep.diagnostics.is_empty() {
            continue;
        }
        files_with += 1;
        // A file name is foreign text too (a discovered file may be named
        // with an escape sequence).
        let name = crate::text::escape(&r.path);
        let file = SimpleFile::new(name.as_ref(), rep.source());
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
            // Lines that are long or hold control characters are shown as
            // an escaped window around each label: a 1 MB line with 50,000
            // findings would otherwise be printed 50,000 times, and an ESC
            // in the source would reach the terminal.
            let excerpt = Excerpt::needed(rep, &cs).then(|| Excerpt::new(&name, rep, &cs));
            match &excerpt {
                Some((ex, cs)) => emit(&mut buf, opts.color, &config, ex, cs),
                None => emit(&mut buf, opts.color, &config, &file, &cs),
            }
            .map_err(|e| io::Error::other(e.to_string()))?;
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
            .filter(|r| matches!(r.outcome, Outcome::Linted(_)))
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

fn emit<'f, F: codespan_reporting::files::Files<'f, FileId = ()>>(
    buf: &mut Vec<u8>,
    color: bool,
    config: &term::Config,
    files: &'f F,
    cs: &CsDiagnostic<()>,
) -> Result<(), codespan_reporting::files::Error> {
    if color {
        term::emit_to_write_style(&mut termcolor::Ansi::new(buf), config, files, cs)
    } else {
        term::emit_to_write_style(&mut termcolor::NoColor::new(buf), config, files, cs)
    }
}

/// Lines longer than this (bytes) are shown as a window.
const LONG_LINE: usize = 400;
/// Bytes shown on each side of a label in a window.
const CONTEXT: usize = 60;

type Range = std::ops::Range<usize>;
type FilesError = codespan_reporting::files::Error;

/// The lines a diagnostic points at, cut to windows around its labels and
/// escaped, reporting the real line and column numbers.
struct Excerpt<'r> {
    name: &'r str,
    report: &'r Findings,
    text: String,
    segments: Vec<Segment>,
}

/// One excerpt line: a window of one source line.
struct Segment {
    /// Range in the excerpt text (without its `\n`).
    range: Range,
    /// 0-based source line.
    line: usize,
    /// Source range shown.
    source: Range,
    /// (source offset, excerpt offset) where the byte-for-byte mapping
    /// starts again (the window's start, after each escaped character).
    marks: Vec<(usize, usize)>,
}

impl Segment {
    fn to_excerpt(&self, off: usize) -> usize {
        let off = off.clamp(self.source.start, self.source.end);
        let i = self.marks.partition_point(|m| m.0 <= off).saturating_sub(1);
        let (s, e) = self.marks[i];
        (e + (off - s)).min(self.range.end)
    }

    fn to_source(&self, ex: usize) -> usize {
        let i = self.marks.partition_point(|m| m.1 <= ex).saturating_sub(1);
        let (s, e) = self.marks[i];
        (s + ex.saturating_sub(e)).min(self.source.end)
    }
}

/// A source line without its line ending.
fn line_range(rep: &Findings, line: usize) -> Range {
    let lines = &rep.lines;
    let (a, b) = (lines.line_start(line), lines.line_end_with_newline(line));
    let text = rep.source().get(a..b).unwrap_or("");
    a..a + text.trim_end_matches(['\n', '\r']).len()
}

fn shown_raw(c: char) -> bool {
    c == '\t' || !crate::text::is_unsafe(c)
}

impl<'r> Excerpt<'r> {
    /// Whether a label's line is too long, or holds characters that must
    /// not reach a terminal.
    #[allow(clippy::string_slice)] // line ranges start and end at '\n' or the ends
    fn needed(rep: &Findings, cs: &CsDiagnostic<()>) -> bool {
        cs.labels.iter().any(|l| {
            let r = line_range(rep, rep.lines.line_of(l.range.start));
            r.len() > LONG_LINE || !rep.source()[r].chars().all(shown_raw)
        })
    }

    /// The excerpt, and the diagnostic with its labels moved into it.
    #[allow(clippy::string_slice)] // windows are whole lines or clamped to char boundaries (clamp, ceil)
    fn new(name: &'r str, report: &'r Findings, cs: &CsDiagnostic<()>) -> (Self, CsDiagnostic<()>) {
        let src = report.source();
        let lines = &report.lines;
        // A window per label, merged on a line when they meet.
        let mut windows: Vec<(usize, Range)> = cs
            .labels
            .iter()
            .map(|l| {
                let line = lines.line_of(l.range.start);
                let whole = line_range(report, line);
                let w = if whole.len() <= LONG_LINE {
                    whole
                } else {
                    let a = l.range.start.saturating_sub(CONTEXT).max(whole.start);
                    let b = (l.range.end.min(l.range.start + CONTEXT) + CONTEXT).min(whole.end);
                    clamp(src, a)..ceil(src, b)
                };
                (line, w)
            })
            .collect();
        windows.sort_by_key(|(line, r)| (*line, r.start));
        let mut merged: Vec<(usize, Range)> = Vec::new();
        for (line, r) in windows {
            match merged.last_mut() {
                Some((l, m)) if *l == line && r.start <= m.end => m.end = m.end.max(r.end),
                _ => merged.push((line, r)),
            }
        }
        let mut text = String::new();
        let mut segments = Vec::new();
        for (line, r) in merged {
            let whole = line_range(report, line);
            let start = text.len();
            if r.start > whole.start {
                text.push('…');
            }
            let mut marks = vec![(r.start, text.len())];
            for (i, c) in src[r.clone()].char_indices() {
                if shown_raw(c) {
                    text.push(c);
                } else {
                    text.push_str(&crate::text::escape(c.encode_utf8(&mut [0; 4])));
                    marks.push((r.start + i + c.len_utf8(), text.len()));
                }
            }
            if r.end < whole.end {
                text.push('…');
            }
            segments.push(Segment {
                range: start..text.len(),
                line,
                source: r,
                marks,
            });
            text.push('\n');
        }
        let ex = Excerpt {
            name,
            report,
            text,
            segments,
        };
        let mut moved = cs.clone();
        for l in moved.labels.iter_mut() {
            let line = lines.line_of(l.range.start);
            l.range = match ex.segments.iter().find(|s| {
                s.line == line && s.source.start <= l.range.start && l.range.start <= s.source.end
            }) {
                Some(s) => s.to_excerpt(l.range.start)..s.to_excerpt(l.range.end),
                None => 0..0,
            };
        }
        (ex, moved)
    }

    fn segment(&self, li: usize) -> Result<&Segment, FilesError> {
        self.segments.get(li).ok_or(FilesError::LineTooLarge {
            given: li,
            max: self.segments.len().saturating_sub(1),
        })
    }
}

/// The first char boundary at or after `i`.
fn ceil(src: &str, mut i: usize) -> usize {
    i = i.min(src.len());
    while !src.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl<'a> codespan_reporting::files::Files<'a> for Excerpt<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _: ()) -> Result<&'a str, FilesError> {
        Ok(self.name)
    }

    fn source(&'a self, _: ()) -> Result<&'a str, FilesError> {
        Ok(&self.text)
    }

    fn line_index(&'a self, _: (), byte: usize) -> Result<usize, FilesError> {
        Ok(self
            .segments
            .partition_point(|s| s.range.start <= byte)
            .saturating_sub(1))
    }

    fn line_number(&'a self, _: (), li: usize) -> Result<usize, FilesError> {
        Ok(self.segment(li)?.line + 1)
    }

    fn column_number(&'a self, _: (), li: usize, byte: usize) -> Result<usize, FilesError> {
        let off = self.segment(li)?.to_source(byte);
        let m = &self.report;
        Ok(m.lines.position(&m.source, off, ColumnUnit::Chars).col + 1)
    }

    fn line_range(&'a self, _: (), li: usize) -> Result<Range, FilesError> {
        let s = self.segment(li)?;
        Ok(s.range.start..s.range.end + 1)
    }
}
