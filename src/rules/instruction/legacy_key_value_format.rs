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

/// The edits that turn `key value` into `key=value`, and the result.
/// `spaced`: the value is what follows a spaced `=` (`ENV PATH = /usr/bin`
/// sets PATH to `= /usr/bin`; the fix writes `PATH=/usr/bin`, which changes
/// the value to the one meant); otherwise the result means the same to
/// BuildKit.
fn fix_edits(m: &Model, inst: &Instruction, spaced: bool) -> Option<(Vec<Edit>, String)> {
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
    let mut v = value.value.as_str();
    let mut sep = sep;
    if spaced {
        // The `=` and the blanks after it go too; the value must be the
        // text as written (on one line) for the offsets to hold.
        if m.text(value.span) != v {
            return None;
        }
        let rest = v.strip_prefix('=')?.trim_start_matches([' ', '\t']);
        sep = Span::new(sep.start, value.span.start + (v.len() - rest.len()));
        v = rest;
    }
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

/// Whether the legacy value starts with `=` (after the blank that ends the
/// key): `ENV PATH = /x` or `ENV PATH =/x`, a `key=value` meant with a
/// space before the `=`.
fn spaced_equals(inst: &Instruction) -> bool {
    inst.args[1].value.starts_with('=')
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        // BuildKit warns when it runs the instruction: in a stage, not in an
        // ONBUILD trigger.
        if inst.stage.is_none() || !is_legacy(m, inst) {
            continue;
        }
        let kw = inst.kind.as_str();
        let key = &inst.args[0];
        let spaced = spaced_equals(inst);
        let fix = fix_edits(m, inst, spaced);
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
        let msg = if spaced {
            format!(
                "`{kw} {} = …` sets `{}` to `{}`, the `=` included: with a blank before the `=`, this is the legacy form, where everything after the key is the value. Write {written} (BuildKit warns, `LegacyKeyValueFormat`)",
                key.value,
                key.value,
                short(&inst.args[1].value)
            )
        } else {
            format!(
                "`{kw} {} <value>` is the legacy form: one key per instruction, the value running to the end of the line, and easy to misread. Write {written} (BuildKit warns, `LegacyKeyValueFormat`)",
                key.value
            )
        };
        let fix = fix.map(|(edits, t)| {
            let title = format!("Write `{kw} {}`", short(&t));
            if spaced {
                // The value changes: to the one meant, without the `=`.
                Fix::unsafe_(format!("{title} (the value loses its leading `=`)"), edits)
            } else {
                Fix::safe(title, edits)
            }
        });
        cx.report(crate::rules::buildkit::report_span(m, inst, key.span), msg)
            .fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::diagnostic::Applicability;
    use crate::settings::{resolve_selector, Settings};

    /// Each finding's message and its fix (applicability, fixed text).
    fn fixed(src: &str) -> Vec<(String, Option<(Applicability, String)>)> {
        let mut s = Settings::default();
        s.select(&resolve_selector("legacy-key-value-format").unwrap());
        analyze(src, None, &s, None)
            .diagnostics
            .iter()
            .map(|d| {
                let fix = d.fix.as_ref().map(|f| {
                    let mut out = src.to_string();
                    for e in f.edits.iter().rev() {
                        out.replace_range(e.span.start..e.span.end, &e.text);
                    }
                    (f.applicability, out)
                });
                (d.message.clone(), fix)
            })
            .collect()
    }

    #[test]
    fn a_spaced_equals_is_reported_with_the_value_meant() {
        let f = fixed("FROM a:1\nLABEL org.opencontainers.image.source = \"https://x/y\"\n");
        assert_eq!(f.len(), 1);
        assert!(
            f[0].0.contains("to `= \"https://x/y\"`, the `=` included"),
            "{}",
            f[0].0
        );
        assert_eq!(
            f[0].1,
            Some((
                Applicability::Unsafe,
                "FROM a:1\nLABEL org.opencontainers.image.source=\"https://x/y\"\n".into()
            ))
        );
        for (src, want) in [
            (
                "FROM a:1\nENV PATH = /usr/bin\n",
                "FROM a:1\nENV PATH=/usr/bin\n",
            ),
            ("FROM a:1\nENV A  =\t1\n", "FROM a:1\nENV A=1\n"),
            ("FROM a:1\nENV D =x\n", "FROM a:1\nENV D=x\n"),
            (
                "FROM a:1\nENV B = two words\n",
                "FROM a:1\nENV B=\"two words\"\n",
            ),
            ("FROM a:1\nENV C =\n", "FROM a:1\nENV C=\n"),
        ] {
            let f = fixed(src);
            assert_eq!(f.len(), 1, "{src:?}");
            assert_eq!(
                f[0].1,
                Some((Applicability::Unsafe, want.to_string())),
                "{src:?}"
            );
        }
        // The value split over lines, or quoted with spaces: no fix.
        assert_eq!(fixed("FROM a:1\nENV A = \\\n  1\n")[0].1, None);
        assert_eq!(fixed("FROM a:1\nENV A = \"x\" y\n")[0].1, None);
        // Without a leading `=`, the safe fix as before.
        assert_eq!(
            fixed("FROM a:1\nENV A 1\n")[0].1,
            Some((Applicability::Safe, "FROM a:1\nENV A=1\n".into()))
        );
    }

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
