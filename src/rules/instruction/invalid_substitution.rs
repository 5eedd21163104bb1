//! `invalid-substitution`: a `${…}` BuildKit cannot expand, in a word it
//! expands (`${templateOption:imageVariant}`, `${X:=default}`, `${}`), so
//! `docker build` fails at that instruction.
use crate::diagnostic::Severity;
use crate::model::expand::substitution_error;
use crate::model::{Instruction, Kind, Model};
use crate::rules::instruction::undefined_variable::expanded_words;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D265",
    name: "invalid-substitution",
    category: Category::Instruction,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "A `${…}` that BuildKit cannot expand (an unsupported modifier such as `${X:=y}`, `${}`, a missing `}`): the build fails there",
    default_enabled: true,
};

/// The words of an instruction that BuildKit expands when it builds it,
/// with where each is written: undefined-variable's, and the ARG defaults,
/// FROM (and `--platform`), EXPOSE, and COPY/ADD's `--chmod` and `--from`.
fn expanded(inst: &Instruction) -> Vec<(&str, Span)> {
    let mut out = expanded_words(inst);
    fn flags<'a>(inst: &'a Instruction, out: &mut Vec<(&'a str, Span)>, names: &[&str]) {
        for f in inst.flags.iter() {
            if names.iter().any(|n| f.name.eq_ignore_ascii_case(n)) {
                out.extend(f.value.as_deref().map(|v| (v, f.span)));
            }
        }
    }
    match inst.kind {
        Kind::Expose => out.extend(inst.args.iter().map(|w| (w.value.as_str(), w.span))),
        Kind::Arg => {
            // The defaults (`NAME=default`); the name is not expanded.
            for w in &inst.args {
                if let Some((name, d)) = w.value.split_once('=') {
                    let at = (w.span.start + name.len() + 1).min(w.span.end);
                    out.push((d, Span::new(at, w.span.end)));
                }
            }
        }
        Kind::From => {
            out.extend(inst.args.first().map(|w| (w.value.as_str(), w.span)));
            flags(inst, &mut out, &["platform"]);
        }
        Kind::Copy => flags(inst, &mut out, &["chmod", "from"]),
        Kind::Add => flags(inst, &mut out, &["chmod"]),
        _ => {}
    }
    out
}

pub fn check(cx: &mut Checker) {
    let m: &Model = cx.model;
    for inst in cx.unit().instructions() {
        // ONBUILD triggers are expanded in the build of another image.
        for (word, span) in expanded(inst) {
            // A word without `${` has nothing to reject.
            if !word.contains("${") {
                continue;
            }
            let Some(e) = substitution_error(word, m.escape) else {
                continue;
            };
            // The `$` itself when the word is written as read (one line).
            let at = if m.text(span) == word {
                let start = span.start + e.offset;
                Span::new(start, (start + 2).min(span.end))
            } else {
                span
            };
            let shown = crate::text::quote(word, 60);
            let template =
                e.message.starts_with("unsupported modifier") && word.contains("${templateOption:");
            let hint = if template {
                " It looks like a template placeholder (a dev container template's `${templateOption:…}`): fill it in before building"
            } else {
                " Write `${NAME}`, `${NAME:-default}`, `${NAME:+alt}`, `${NAME:?message}`, `${NAME#prefix}`, `${NAME%suffix}` or `${NAME/from/to}`, or escape the `$`"
            };
            let msg = format!(
                "BuildKit cannot expand {shown} in this {}: {} (`docker build` fails here).{hint}",
                inst.kind.as_str(),
                e.message
            );
            cx.report(crate::rules::buildkit::report_span(m, inst, at), msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::settings::{resolve_selector, Settings};

    fn findings(src: &str) -> Vec<(usize, String)> {
        let mut s = Settings::default();
        s.select(&resolve_selector("invalid-substitution").unwrap());
        let r = analyze(src, None, &s, None);
        r.diagnostics
            .iter()
            .map(|d| (r.model.line_of(d.span.start), d.message.clone()))
            .collect()
    }

    #[test]
    fn what_buildkit_rejects() {
        for (word, want) in [
            (
                "${templateOption:imageVariant}",
                Some("unsupported modifier (:i) in substitution"),
            ),
            ("${X:=y}", Some("unsupported modifier (:=) in substitution")),
            ("a${X!}b", Some("unsupported modifier (!) in substitution")),
            ("${#X}", Some("unsupported modifier (X) in substitution")),
            ("${}", Some("syntax error: bad substitution")),
            ("${:x}", Some("syntax error: bad substitution")),
            ("${X", Some("syntax error: missing '}'")),
            ("${X:-${Y}", Some("syntax error: missing '}'")),
            ("${X/a", Some("syntax error: missing '/' in ${}")),
            (
                "x${Y:-${Z:y}}",
                Some("unsupported modifier (:y) in substitution"),
            ),
            (
                "\"${A:x}\"",
                Some("unsupported modifier (:x) in substitution"),
            ),
            ("${X}", None),
            ("$X ${X:-a} ${X-a} ${X:+a} ${X+a} ${X:?m} ${X?m}", None),
            (
                "${X#a} ${X##a} ${X%a} ${X%%a} ${X:#a} ${X:%a} ${X/a/b} ${X//a/b}",
                None,
            ),
            ("${X:-${Y:-z}}", None),
            ("'${X:x}'", None),
            ("\\${X:x}", None),
            ("${1} ${@} ${0}", None),
            ("'open", None),
        ] {
            let got = substitution_error(word, '\\').map(|e| e.message);
            assert_eq!(got.as_deref(), want, "{word:?}");
        }
        // The escape character: with `, a backslash is literal.
        assert!(substitution_error("`${X:x}", '`').is_none());
        assert!(substitution_error("\\${X:x}", '`').is_some());
        let e = substitution_error("ab${X:x}", '\\').unwrap();
        assert_eq!(e.offset, 2);
        // Byte offsets through non-ASCII text; a Unicode name is a name.
        let e = substitution_error("공\"ü\"${이름:x}", '\\').unwrap();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (7, "unsupported modifier (:x) in substitution")
        );
        assert!(substitution_error("${이름}", '\\').is_none());
        // Deep nesting ends the scan instead of overflowing the stack; a
        // long flat word is one pass.
        let deep = "${X:-".repeat(100_000);
        assert!(substitution_error(&deep, '\\').is_none());
        let flat = "${X}".repeat(200_000) + "${Y:z}";
        assert!(substitution_error(&flat, '\\').is_some());
    }

    #[test]
    fn words_buildkit_expands() {
        let f = findings(
            "ARG B=${templateOption:imageVariant}\nFROM debian:${B}\nARG INSTALL=\"${templateOption:installZsh}\"\nENV A=${X:=1}\nCOPY ${S:x} /dst/\nRUN echo ${X:=1}\nLABEL l=\"${X:-ok}\"\nWORKDIR /app/${}\nONBUILD ENV Q=${Q:=1}\n",
        );
        let lines: Vec<usize> = f.iter().map(|(l, _)| *l).collect();
        // RUN is the shell's to expand, ONBUILD another build's; line 7 is fine.
        assert_eq!(lines, vec![1, 3, 4, 5, 8], "{f:#?}");
        assert!(f[0].1.contains("template placeholder"), "{}", f[0].1);
        assert!(f[2].1.contains("unsupported modifier (:=)"), "{}", f[2].1);
        assert!(f[2].1.contains("`docker build` fails here"), "{}", f[2].1);
    }
}
