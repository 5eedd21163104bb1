//! `empty-continuation-line`: an empty line inside a line continuation
//! (`NoEmptyContinuation`).
use crate::diagnostic::{Fix, Severity};
use crate::edit::delete_line;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D211",
    name: "empty-continuation-line",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["NoEmptyContinuation"],
    summary: "An instruction continued over lines has an empty line in the middle",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        let empty = &inst.raw.empty_continuation_lines;
        if empty.is_empty() {
            continue;
        }
        // BuildKit reports the last line of the continuation (before any
        // heredoc body).
        let last_line = match inst.heredocs.first() {
            Some(h) => m.line_of(h.content_span.start).saturating_sub(1),
            None => inst.end_line,
        }
        .max(inst.start_line);
        let at = m.lines.line_start(last_line - 1);
        let end = m.lines.line_end_with_newline(last_line - 1);
        let text = m.source.get(at..end).unwrap_or("");
        let content = text.trim_end_matches(['\n', '\r']);
        let lead = content.len() - content.trim_start().len();
        let span = Span::new(at + lead, at + content.len());
        let lines = empty
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let lines = if empty.len() == 1 {
            format!("an empty line (line {lines})")
        } else {
            format!("empty lines (lines {lines})")
        };
        let msg = format!(
            "This instruction continues over {lines}: Docker still joins the lines, but warns that empty continuation lines will become an error. Remove the empty line, or end the instruction before it (BuildKit warns, `NoEmptyContinuation`)"
        );
        let edits = empty
            .iter()
            .map(|&l| delete_line(m, m.lines.line_start(l - 1)))
            .collect();
        let d = cx.report(span, msg);
        for &l in empty {
            let s = m.lines.line_start(l - 1);
            d.related.push(crate::diagnostic::Related {
                span: Span::new(s, s),
                message: "empty line".into(),
            });
        }
        d.fix = Some(Fix::safe("Remove the empty continuation line", edits));
    }
}
