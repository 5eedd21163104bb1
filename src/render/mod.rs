//! Renderers: translate analysis reports into output formats. They hold no
//! lint logic.

pub mod checkstyle;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};

use crate::analysis::Findings;
use crate::diagnostic::Diagnostic;
use crate::syntax::{ColumnUnit, Span};

/// Output formats of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Sarif,
    Checkstyle,
    Gitlab,
}

/// One linted file: its report, or why it could not be linted.
#[derive(Debug)]
pub struct FileResult {
    /// The path as given (or the stdin filename).
    pub path: String,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    /// Linted: its text and findings.
    Linted(Box<Findings>),
    /// Unreadable, not UTF-8, binary, a directory…: one line naming why.
    Error(String),
}

/// Options shared by renderers.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// Print a per-rule count after the findings (text only).
    pub statistics: bool,
    /// Print only findings, no summary (text only).
    pub quiet: bool,
}

/// 1-based line and column (columns in characters) of a span's start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Where a span is, in 1-based lines and character columns.
pub fn location(report: &Findings, span: Span) -> Location {
    let src = report.source();
    let s = report.lines.position(src, span.start, ColumnUnit::Chars);
    let e = report.lines.position(src, span.end, ColumnUnit::Chars);
    // A UTF-8 byte order mark is no character an editor shows: line 1's
    // columns count from after it.
    let bom = usize::from(src.starts_with('\u{feff}'));
    let col = |p: crate::syntax::LineCol| {
        if p.line == 0 {
            p.col.saturating_sub(bom)
        } else {
            p.col
        }
    };
    Location {
        line: s.line + 1,
        column: col(s) + 1,
        end_line: e.line + 1,
        end_column: col(e) + 1,
    }
}

/// The findings of all files, in input order, with their report.
pub fn findings(
    results: &[FileResult],
) -> impl Iterator<Item = (&FileResult, &Findings, &Diagnostic)> {
    results.iter().flat_map(|r| match &r.outcome {
        Outcome::Linted(rep) => rep
            .diagnostics
            .iter()
            .map(move |d| (r, rep.as_ref(), d))
            .collect::<Vec<_>>(),
        Outcome::Error(_) => Vec::new(),
    })
}

/// Renders `results` in `format`.
pub fn render(
    format: Format,
    results: &[FileResult],
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Buffered: stdout is line-buffered, and a pretty JSON report of 100,000
    // findings is millions of lines (a write each).
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    let out: &mut dyn Write = &mut buf;
    match format {
        Format::Text => text::render(results, opts, out),
        Format::Json => json::render(results, out),
        Format::Github => github::render(results, out),
        Format::Sarif => sarif::render(results, out),
        Format::Checkstyle => checkstyle::render(results, out),
        Format::Gitlab => gitlab::render(results, out),
    }?;
    buf.flush()
}
