//! `legacy-key-value-format`: `ENV key value` / `LABEL key value`, the
//! legacy whitespace-separated form (`LegacyKeyValueFormat`).
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Instruction, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D209",
    name: "legacy-key-value-format",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["LegacyKeyValueFormat"],
    summary: "ENV or LABEL uses the legacy `key value` form instead of `key=value`",
    default_enabled: true,
};

/// Whether an ENV or LABEL is written in the legacy form: BuildKit's parser
/// made it one key and the rest of the line as its value.
pub fn is_legacy(m: &Model, inst: &Instruction) -> bool {
    if !matches!(inst.kind, Kind::Env | Kind::Label) || inst.args.len() != 2 || inst.json {
        return false;
    }
    let key = &inst.args[0];
    // In `key=value` the value starts right after the `=`.
    m.source.get(key.span.end..key.span.end + 1) != Some("=")
}

/// Whether `v` has whitespace outside quotes (BuildKit's word splitting);
/// None when a quote is not closed.
fn has_unquoted_space(v: &str, escape: char) -> Option<bool> {
    let mut quote: Option<char> = None;
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match quote {
            None if c == escape => {
                chars.next();
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => return Some(true),
            Some(q) if c == q => quote = None,
            Some('"') if c == escape => {
                chars.next();
            }
            _ => {}
        }
    }
    quote.is_none().then_some(false)
}

/// The edits that turn `key value` into `key=value`, when the result
/// means the same to BuildKit.
fn fix_edits(m: &Model, inst: &Instruction) -> Option<(Vec<Edit>, String)> {
    let (key, value) = (&inst.args[0], &inst.args[1]);
    // The separator must be plain whitespace on one line, and the key a
    // plain word (BuildKit split the key off at the first whitespace).
    let sep = Span::new(key.span.end, value.span.start);
    let sep_text = m.source.get(sep.start..sep.end)?;
    if sep_text.is_empty() || !sep_text.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    if m.text(key.span) != key.value || key.value.contains(['"', '\'', m.escape, '=']) {
        return None;
    }
    let v = value.value.as_str();
    if !has_unquoted_space(v, m.escape)? {
        // `key value` → `key=value`: BuildKit reads the same word.
        return Some((vec![Edit::replace(sep, "=")], format!("{}={v}", key.value)));
    }
    if v.contains(['"', '\'', m.escape]) {
        return None;
    }
    // Spaces in the value: quote it. Inside double quotes BuildKit still
    // expands variables, and the value has no quote or escape to change.
    Some((
        vec![
            Edit::replace(sep, "=\""),
            Edit::insert(value.span.end, "\""),
        ],
        format!("{}=\"{v}\"", key.value),
    ))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        // BuildKit warns when it runs the instruction: in a stage, not in an
        // ONBUILD trigger.
        if inst.stage.is_none() || !is_legacy(m, inst) {
            continue;
        }
        let kw = inst.kind.as_str();
        let key = &inst.args[0];
        let fix = fix_edits(m, inst);
        let short = |t: &str| -> String {
            if t.chars().count() <= 60 {
                t.to_string()
            } else {
                format!("{}…", t.chars().take(57).collect::<String>())
            }
        };
        let written = match &fix {
            Some((_, t)) => format!("`{kw} {}`", short(t)),
            None => format!("`{kw} {}=<value>`", key.value),
        };
        let msg = format!(
            "`{kw} {} <value>` is the legacy form: one key per instruction, the value running to the end of the line, and easy to misread. Write {written} (BuildKit warns, `LegacyKeyValueFormat`)",
            key.value
        );
        let fix = fix.map(|(edits, t)| Fix::safe(format!("Write `{kw} {}`", short(&t)), edits));
        cx.report(crate::rules::buildkit::report_span(m, inst, key.span), msg)
            .fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_space() {
        assert_eq!(has_unquoted_space("a b", '\\'), Some(true));
        assert_eq!(has_unquoted_space("\"a b\"", '\\'), Some(false));
        assert_eq!(has_unquoted_space("a\\ b", '\\'), Some(false));
        assert_eq!(has_unquoted_space("'a' b", '\\'), Some(true));
        assert_eq!(has_unquoted_space("日本語 값", '\\'), Some(true));
        assert_eq!(has_unquoted_space("it's open", '\\'), None);
    }
}
