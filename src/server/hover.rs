//! Hover: a rule name inside a suppression comment or a `check=skip=`
//! directive shows the rule's documentation; a finding's range shows the
//! finding and its rule's documentation; an instruction keyword shows what
//! the instruction does.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::convert::{self, Encoding};
use super::instructions;
use crate::analysis::Report;
use crate::model::{Instruction, Model};
use crate::rules::{self, RuleEntry};
use crate::syntax::Span;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The word (rule-name characters) at `offset` in `text`, as a span relative
/// to `text`.
fn word_at(text: &str, offset: usize) -> Option<Span> {
    let b = text.as_bytes();
    if offset > b.len() {
        return None;
    }
    let mut start = offset;
    while start > 0 && is_name_byte(b[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < b.len() && is_name_byte(b[end]) {
        end += 1;
    }
    (start < end).then_some(Span::new(start, end))
}

/// Where the list of rule names starts in a suppression comment
/// (`# dlint ignore=`, `# dlint global ignore=`, `# hadolint ignore=`, …) or
/// a `# check=skip=` directive line; None for other comments.
fn names_start(comment: &str) -> Option<usize> {
    let body = comment.strip_prefix('#')?;
    let t = body.trim_start().to_ascii_lowercase();
    let lead = comment.len() - t.len();
    let is_suppression = (t.starts_with("dlint") || t.starts_with("hadolint"))
        && t.contains("ignore")
        && t.contains('=');
    if is_suppression {
        return t.find('=').map(|i| lead + i + 1);
    }
    if t.starts_with("check") {
        return t.find("skip=").map(|i| lead + i + 5);
    }
    None
}

/// The rule named under `offset` in a suppression comment or directive.
fn rule_in_comment(model: &Model, offset: usize) -> Option<(Span, &'static RuleEntry)> {
    let spans = model
        .comments
        .iter()
        .map(|c| c.span)
        .chain(model.directives.iter().map(|d| d.span));
    for span in spans {
        if !(span.start <= offset && offset <= span.end) {
            continue;
        }
        let text = model.text(span);
        let Some(list_at) = names_start(text) else {
            continue;
        };
        let rel = offset - span.start;
        if rel < list_at {
            continue;
        }
        let w = word_at(text, rel)?;
        let entry = rules::find(text.get(w.start..w.end)?)?;
        return Some((Span::new(span.start + w.start, span.start + w.end), entry));
    }
    None
}

fn keyword_at(model: &Model, offset: usize) -> Option<&Instruction> {
    let i = crate::suppress::instruction_at(model, offset)?;
    let inst = &model.instructions[i];
    let hit = |k: Span| k.start <= offset && offset < k.end;
    if hit(inst.keyword.span) {
        return Some(inst);
    }
    inst.trigger.as_deref().filter(|t| hit(t.keyword.span))
}

fn rule_doc(entry: &RuleEntry) -> String {
    format!(
        "{}\n\n[{} documentation]({})",
        entry.doc.trim_end(),
        entry.meta.name,
        entry.meta.doc_url()
    )
}

/// The hover at byte `offset` of a linted document.
pub fn hover(report: &Report, offset: usize, enc: Encoding, markdown: bool) -> Option<Hover> {
    let model = &report.model;
    let src = model.source.as_str();
    let mut parts: Vec<String> = Vec::new();
    let mut range_span: Option<Span> = None;

    if let Some((span, entry)) = rule_in_comment(model, offset) {
        parts.push(rule_doc(entry));
        range_span = Some(span);
    } else {
        let mut seen: Vec<&str> = Vec::new();
        for d in &report.diagnostics {
            let inside = d.span.start <= offset
                && (offset < d.span.end || d.span.is_empty() && offset == d.span.start);
            if !inside {
                continue;
            }
            range_span.get_or_insert(d.span);
            let header = format!("**{}** ({}): {}", d.rule.code, d.rule.name, d.message);
            if seen.contains(&d.rule.name) {
                parts.push(header);
                continue;
            }
            seen.push(d.rule.name);
            match rules::find(d.rule.name) {
                Some(entry) => parts.push(format!("{header}\n\n{}", rule_doc(entry))),
                None => parts.push(header),
            }
        }
        if let Some(inst) = keyword_at(model, offset) {
            let kw = inst
                .trigger
                .as_deref()
                .filter(|t| t.keyword.span.start <= offset && offset < t.keyword.span.end)
                .map(|t| &t.keyword)
                .unwrap_or(&inst.keyword);
            if let Some(text) = instructions::describe(&kw.value) {
                parts.push(text);
                range_span.get_or_insert(kw.span);
            }
        }
    }
    if parts.is_empty() {
        return None;
    }
    let value = parts.join("\n\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value,
        }),
        range: range_span.map(|s| convert::range(src, &model.lines, s, enc)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_comments() {
        assert_eq!(names_start("# dlint ignore=a"), Some(15));
        assert_eq!(names_start("# hadolint global ignore=DL3007"), Some(25));
        assert_eq!(names_start("# check=skip=StageNameCasing"), Some(13));
        assert_eq!(names_start("# just words"), None);
        let m = Model::build("# dlint ignore=latest-tag,DL3006\nFROM a:latest\n");
        let (span, e) = rule_in_comment(&m, 17).unwrap();
        assert_eq!(e.meta.name, "latest-tag");
        assert_eq!(m.text(span), "latest-tag");
        let (_, e) = rule_in_comment(&m, 28).unwrap();
        assert_eq!(e.meta.name, "untagged-image");
        assert!(rule_in_comment(&m, 4).is_none());
    }
}
