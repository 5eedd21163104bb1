//! `env-self-reference`: an ENV uses a variable that the same ENV sets;
//! the whole instruction is expanded before it sets anything.
use std::collections::HashMap;

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

/// The variables `text` refers to: `$NAME` and `${NAME}` (also
/// `${NAME:-…}` and the other operators), not escaped `\$NAME`. Names are
/// what BuildKit reads as one: letters, digits and `_`.
fn references(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let run = |from: usize| {
        from + b
            .get(from..)
            .map_or(0, |r| r.iter().take_while(|&&c| word(c)).count())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' || (i > 0 && b[i - 1] == b'\\') {
            i += 1;
            continue;
        }
        // `$` and `{` are ASCII and the names are ASCII: every offset here
        // is a char boundary.
        if b.get(i + 1) == Some(&b'{') {
            let end = run(i + 2);
            if end > i + 2
                && b.get(end)
                    .is_some_and(|c| matches!(c, b'}' | b':' | b'-' | b'+' | b'?' | b'#' | b'%'))
            {
                out.extend(text.get(i + 2..end));
            }
        } else {
            let end = run(i + 1);
            if end > i + 1 {
                out.extend(text.get(i + 1..end));
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
fn refers_to(text: &str, name: &str) -> bool {
    references(text).contains(&name)
}

/// The value a variable has in a stage before an instruction: its last ENV
/// there, else its last ARG's default. The ENVs of a file are asked about in
/// order, so each stage's definitions are read once (a look-up per pair
/// scanning the stage was quadratic over thousands of ENVs).
#[derive(Default)]
struct Before {
    env_next: usize,
    arg_next: usize,
    env: HashMap<String, String>,
    arg: HashMap<String, Option<String>>,
}

impl Before {
    fn advance(&mut self, st: &crate::model::Stage, to: usize) {
        while let Some((k, v, at)) = st.env.get(self.env_next) {
            if *at >= to {
                break;
            }
            self.env.insert(k.clone(), v.clone());
            self.env_next += 1;
        }
        while let Some(a) = st.args.get(self.arg_next) {
            if a.instruction >= to {
                break;
            }
            self.arg.insert(a.name.clone(), a.default.clone());
            self.arg_next += 1;
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .or_else(|| self.arg.get(name).and_then(|d| d.as_deref()))
    }
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let mut before: Vec<Before> = Vec::new();
    before.resize_with(m.stages.len(), Before::default);
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Env) {
        let pairs: Vec<_> = inst.args.chunks(2).filter(|p| p.len() == 2).collect();
        if pairs.len() < 2 {
            continue;
        }
        if let Some(st) = inst.stage {
            before[st].advance(&m.stages[st], inst.index);
        }
        // The pairs whose value the others may not see: name → their
        // indices, ascending.
        let mut setters: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in pairs.iter().enumerate() {
            let name = p[0].value.as_str();
            // `X=$X` keeps the value: a reference to X sees the same either way.
            let v = crate::model::unquote(&p[1].value);
            if v == format!("${name}") || v == format!("${{{name}}}") {
                continue;
            }
            // Set before to the very same text: no change either.
            if inst
                .stage
                .is_some_and(|st| before[st].value(name) == Some(v.as_str()))
            {
                continue;
            }
            setters.entry(name).or_default().push(i);
        }
        if setters.is_empty() {
            continue;
        }
        // Each later use of a name (a pair setting the same name again uses
        // it too: `PATH=/a:$PATH PATH=/b:$PATH`), reported once, for the
        // first pair it sees the old value of.
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (j, user) in pairs.iter().enumerate() {
            let first = references(&user[1].value)
                .into_iter()
                .filter_map(|name| {
                    let is = setters.get(name)?;
                    if user[0].value == name {
                        // Only an earlier pair setting it.
                        is.first().copied().filter(|&i| i < j)
                    } else {
                        is.iter().copied().find(|&i| i != j)
                    }
                })
                .min();
            if let Some(i) = first {
                found.push((i, j));
            }
        }
        found.sort_unstable();
        for (i, j) in found {
            let (p, user) = (pairs[i], pairs[j]);
            let name = crate::text::quote(&p[0].value, 60);
            let value = crate::text::quote(&p[1].value, 60);
            let user_name = crate::text::quote(&user[0].value, 60);
            let msg = if user[0].value == p[0].value {
                format!(
                    "`{name}` is set twice in this ENV and this value uses `${name}`: BuildKit expands the whole ENV first, so it gets `{name}` from before this line and the first value (`{value}`) is lost. Set them in two ENV instructions"
                )
            } else {
                format!(
                    "`{user_name}` uses `${name}`, which this same ENV sets: BuildKit expands the whole ENV first, so it gets the value `{name}` had before this line, not `{value}`. Set `{name}` in an ENV of its own above this one"
                )
            };
            cx.report(user[1].span, msg);
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
