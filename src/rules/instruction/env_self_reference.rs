//! `env-self-reference`: an ENV uses a variable that the same ENV sets;
//! the whole instruction is expanded before it sets anything.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D258",
    name: "env-self-reference",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3044"],
    summary:
        "An ENV refers to a variable that the same ENV sets; it gets the value from before the ENV",
    default_enabled: true,
};

/// Whether `text` refers to `$name` or `${name…}` (not `$nameX`).
fn refers_to(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('$') {
        let at = i + off;
        if at > 0 && b[at - 1] == b'\\' {
            i = at + 1;
            continue;
        }
        let rest = &text[at + 1..];
        if let Some(inner) = rest.strip_prefix('{') {
            if inner
                .strip_prefix(name)
                .is_some_and(|r| r.starts_with(['}', ':', '-', '+', '?', '#', '%']))
            {
                return true;
            }
        } else if let Some(r) = rest.strip_prefix(name) {
            if !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                return true;
            }
        }
        i = at + 1;
    }
    false
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Env) {
        let pairs: Vec<_> = inst.args.chunks(2).filter(|p| p.len() == 2).collect();
        if pairs.len() < 2 {
            continue;
        }
        let mut reported: Vec<usize> = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            let name = &p[0].value;
            // `X=$X` keeps the value: a reference to X sees the same either way.
            let v = crate::model::unquote(&p[1].value);
            if v == format!("${name}") || v == format!("${{{name}}}") {
                continue;
            }
            // Set before to the very same text: no change either.
            if let Some(st) = inst.stage {
                let before = m.stages[st]
                    .env
                    .iter()
                    .rev()
                    .find(|(k, _, at)| k == name && *at < inst.index)
                    .map(|(_, val, _)| val.clone())
                    .or_else(|| {
                        m.stages[st]
                            .args
                            .iter()
                            .rev()
                            .find(|a| a.name == *name && a.instruction < inst.index)
                            .and_then(|a| a.default.clone())
                    });
                if before.as_deref() == Some(v.as_str()) {
                    continue;
                }
            }
            // Each later use of the name (a pair setting the same name again
            // uses it too: `PATH=/a:$PATH PATH=/b:$PATH`).
            for (j, user) in pairs.iter().enumerate() {
                if j == i || reported.contains(&j) || !refers_to(&user[1].value, name) {
                    continue;
                }
                if user[0].value == *name && j < i {
                    continue;
                }
                reported.push(j);
                let msg = if user[0].value == *name {
                    format!(
                        "`{name}` is set twice in this ENV and this value uses `${name}`: BuildKit expands the whole ENV first, so it gets `{name}` from before this line and the first value (`{}`) is lost. Set them in two ENV instructions",
                        p[1].value
                    )
                } else {
                    format!(
                        "`{}` uses `${name}`, which this same ENV sets: BuildKit expands the whole ENV first, so it gets the value `{name}` had before this line, not `{}`. Set `{name}` in an ENV of its own above this one",
                        user[0].value, p[1].value
                    )
                };
                cx.report(user[1].span, msg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert!(refers_to("${BLA}/x", "BLA"));
        assert!(refers_to("$BLA/x", "BLA"));
        assert!(refers_to("$BLA", "BLA"));
        assert!(refers_to("${BLA:-x}", "BLA"));
        assert!(!refers_to("${BLAFOO}/x", "BLA"));
        assert!(!refers_to("$BLAFOO/x", "BLA"));
        assert!(!refers_to("${FOOBLA}", "BLA"));
        assert!(!refers_to("BLA/$BLAFOO/BLA", "BLA"));
        assert!(refers_to("$BLA/$BLAFOO", "BLA"));
        assert!(!refers_to("\\$BLA", "BLA"));
    }
}
