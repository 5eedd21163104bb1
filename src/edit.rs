//! Text edits and the helpers rules use to build them.
//!
//! Below the rules and the fixer in the data flow: rules build edits from the
//! model with these helpers, the fixer and the language server apply them.

use serde::Serialize;

use crate::model::{Instruction, Model};
use crate::syntax::Span;

/// Replace `span` of the Dockerfile with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

impl Edit {
    pub fn replace(span: Span, text: impl Into<String>) -> Edit {
        Edit {
            span,
            text: text.into(),
        }
    }
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: Span::new(at, at),
            text: text.into(),
        }
    }
    pub fn delete(span: Span) -> Edit {
        Edit {
            span,
            text: String::new(),
        }
    }
}

/// Whether the text mostly uses CRLF line endings.
pub fn uses_crlf(src: &str) -> bool {
    let b = src.as_bytes();
    let (mut crlf, mut lf) = (0usize, 0usize);
    for i in memchr::memchr_iter(b'\n', b) {
        lf += 1;
        if i > 0 && b[i - 1] == b'\r' {
            crlf += 1;
        }
    }
    crlf > 0 && crlf * 2 >= lf
}

/// Converts inserted `\n` to `\r\n` for CRLF files.
pub fn with_line_endings(text: &str, crlf: bool) -> String {
    if !crlf {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Applies edits (non-overlapping, any order) to `src`. None when edits
/// overlap, leave the text or split a character.
pub fn apply_edits(src: &str, edits: &[Edit]) -> Option<String> {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut pos = 0;
    for e in edits {
        if e.span.start < pos || e.span.end > src.len() || e.span.start > e.span.end {
            return None;
        }
        if !src.is_char_boundary(e.span.start) || !src.is_char_boundary(e.span.end) {
            return None;
        }
        out.push_str(src.get(pos..e.span.start)?);
        out.push_str(&e.text);
        pos = e.span.end;
    }
    out.push_str(src.get(pos..)?);
    Some(out)
}

/// The start of the line holding `offset`.
pub fn line_start(m: &Model, offset: usize) -> usize {
    m.lines.line_start(m.lines.line_of(offset))
}

/// The end of the line holding `offset`, after its line ending.
pub fn line_end_after_newline(m: &Model, offset: usize) -> usize {
    m.lines.line_end_with_newline(m.lines.line_of(offset))
}

/// The indentation before an instruction's keyword.
pub fn indentation(m: &Model, inst: &Instruction) -> String {
    let ls = line_start(m, inst.span.start);
    m.source
        .get(ls..inst.span.start)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// An edit deleting an instruction's whole lines.
pub fn delete_instruction(m: &Model, inst: &Instruction) -> Edit {
    Edit::delete(Span::new(
        line_start(m, inst.span.start),
        line_end_after_newline(m, inst.span.end),
    ))
}

/// An edit inserting whole lines (each ending in `\n`) before an instruction.
pub fn insert_before(m: &Model, inst: &Instruction, lines: &str) -> Edit {
    Edit::insert(line_start(m, inst.span.start), lines)
}

/// Edits inserting whole lines after an instruction, so that they start an
/// instruction of their own: at the end of a file that stops inside an open
/// continuation (`RUN echo hi \` and no newline), BuildKit would read the
/// new lines as part of that instruction, so the dangling escape, which
/// BuildKit drops at the end of the file anyway, is removed first.
pub fn insert_after(m: &Model, inst: &Instruction, lines: &str) -> Vec<Edit> {
    let at = line_end_after_newline(m, inst.span.end);
    if at < m.source.len() || m.source.ends_with('\n') {
        return vec![Edit::insert(at, lines)];
    }
    // The file ends on this instruction's last line, with no newline. BuildKit
    // continues a line ending in `([^E])E[ \t]*$|^E[ \t]*$`.
    let Some(body) = m.source.get(..at) else {
        return vec![Edit::insert(at, format!("\n{lines}"))];
    };
    let last_line_start = body.rfind('\n').map_or(0, |i| i + 1);
    let line = body.get(last_line_start..).unwrap_or("");
    let trimmed = line.trim_end_matches([' ', '\t', '\r']);
    if let Some(before) = trimmed.strip_suffix(m.escape) {
        if before.is_empty() || !before.ends_with(m.escape) {
            let esc = last_line_start + before.trim_end_matches([' ', '\t']).len();
            return vec![
                Edit::delete(Span::new(esc, at)),
                Edit::insert(at, format!("\n{lines}")),
            ];
        }
    }
    vec![Edit::insert(at, format!("\n{lines}"))]
}

/// Deletes the line holding an offset, with its line ending.
pub fn delete_line(m: &Model, offset: usize) -> Edit {
    Edit::delete(Span::new(
        line_start(m, offset),
        line_end_after_newline(m, offset),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_detection_and_conversion() {
        assert!(uses_crlf("a\r\nb\r\n"));
        assert!(!uses_crlf("a\nb\n"));
        assert_eq!(with_line_endings("x\ny\r\n", true), "x\r\ny\r\n");
    }

    #[test]
    fn edits_apply_in_order_and_reject_overlap() {
        let e = |s, e, t: &str| Edit::replace(Span::new(s, e), t);
        assert_eq!(
            apply_edits("abcdef", &[e(4, 5, "E"), e(0, 1, "A")]).unwrap(),
            "AbcdEf"
        );
        assert!(apply_edits("abcdef", &[e(0, 3, ""), e(2, 4, "")]).is_none());
        // Never inside a character.
        assert!(apply_edits("a공b", &[e(2, 2, "x")]).is_none());
    }

    #[test]
    fn insert_after_an_open_continuation_at_the_end_starts_a_new_instruction() {
        let m = Model::build("FROM a:1\nRUN echo hi \\");
        let edits = insert_after(&m, &m.instructions[1], "USER app\n");
        let text = apply_edits(&m.source, &edits).unwrap();
        let after = Model::build(&text);
        assert_eq!(after.instructions.len(), 3, "{text:?}");
        assert_eq!(after.text(after.instructions[2].span), "USER app");
        // A file ending with a newline or a closed line: a plain insertion.
        let m = Model::build("FROM a:1\nRUN echo hi");
        let text = apply_edits(
            &m.source,
            &insert_after(&m, &m.instructions[1], "USER app\n"),
        );
        assert_eq!(text.unwrap(), "FROM a:1\nRUN echo hi\nUSER app\n");
        // An escaped escape is no continuation.
        let m = Model::build("FROM a:1\nRUN echo hi \\\\");
        let edits = insert_after(&m, &m.instructions[1], "USER app\n");
        assert_eq!(edits.len(), 1);
    }
}
