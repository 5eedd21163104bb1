//! `--format gitlab`: a GitLab Code Quality report (a subset of the Code
//! Climate issue format that GitLab reads).
//!
//! Also holds the fingerprint helpers the SARIF renderer shares: a finding is
//! identified by its rule, the trimmed text of its first line and how many
//! earlier findings of the file have the same rule and text, so fingerprints
//! survive lines being added above or below.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{location, FileResult, Outcome};
use crate::analysis::Findings;
use crate::diagnostic::Severity;

/// FNV-1a, 64 bits: the same value on every platform and Rust version.
pub(crate) fn fnv1a_64(parts: &[&[u8]]) -> u64 {
    fnv1a_64_extend(0xcbf2_9ce4_8422_2325, parts, false)
}

/// FNV-1a from state `h`: `fnv1a_64_extend(fnv1a_64(a), b, true)` is
/// `fnv1a_64(a ++ b)`, so a long part hashed once serves many findings.
pub(crate) fn fnv1a_64_extend(mut h: u64, parts: &[&[u8]], after_parts: bool) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 || after_parts {
            // A separator byte that UTF-8 text never holds, so ("ab", "c")
            // and ("a", "bc") differ.
            h ^= 0xff;
            h = h.wrapping_mul(PRIME);
        }
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// Per finding of `report`, in order: the trimmed text of the line its span
/// starts on, its occurrence index (0-based) among the file's findings of
/// the same rule on a line with the same text, and the line (0-based).
/// Each line's text is hashed once, not once per finding (a 1 MB line with
/// 50,000 findings).
pub(crate) fn line_keys(report: &Findings) -> Vec<(&str, usize, usize)> {
    let src = report.source();
    let lines = &report.lines;
    // Line → an id shared by lines of the same text.
    let mut line_id: HashMap<usize, (&str, usize)> = HashMap::new();
    let mut text_id: HashMap<&str, usize> = HashMap::new();
    let mut seen: HashMap<(&str, usize), usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let line = lines.line_of(d.span.start);
            let (text, id) = *line_id.entry(line).or_insert_with(|| {
                let start = lines.line_start(line);
                let end = lines.line_end_with_newline(line).max(start);
                let text = src.get(start..end).unwrap_or("").trim();
                let n = text_id.len();
                (text, *text_id.entry(text).or_insert(n))
            });
            let n = seen.entry((d.rule.code, id)).or_insert(0);
            let occurrence = *n;
            *n += 1;
            (text, occurrence, line)
        })
        .collect()
}

/// A path as given, with forward slashes and without leading `./`.
pub(crate) fn slash_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut rest = p.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r.trim_start_matches('/');
    }
    if rest.is_empty() {
        p
    } else {
        rest.to_string()
    }
}

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Style => "info",
    }
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let mut issues = Vec::new();
    for r in results {
        let Outcome::Linted(report) = &r.outcome else {
            continue;
        };
        let path = slash_path(&r.path);
        let keys = line_keys(report);
        // (rule, line) → the hash of path, rule and line text.
        let mut prefix: HashMap<(&str, usize), u64> = HashMap::new();
        for (d, (text, occurrence, line)) in report.diagnostics.iter().zip(keys) {
            let h = *prefix.entry((d.rule.code, line)).or_insert_with(|| {
                fnv1a_64(&[path.as_bytes(), d.rule.code.as_bytes(), text.as_bytes()])
            });
            let hash = fnv1a_64_extend(h, &[occurrence.to_string().as_bytes()], true);
            issues.push(Issue {
                description: &d.message,
                check_name: d.rule.name,
                fingerprint: format!("{hash:016x}"),
                severity: severity(d.severity),
                location: IssueLocation {
                    path: path.clone(),
                    lines: Lines {
                        begin: location(report, d.span).line,
                    },
                },
            });
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::*;
    use crate::render::json::tests::{diag, lint, push, unreadable};
    use crate::syntax::Span;

    fn render_json(results: &[FileResult]) -> Value {
        let mut out = Vec::new();
        render(results, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn fnv1a_known_values() {
        // Reference values of FNV-1a 64.
        assert_eq!(fnv1a_64(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(&[b"foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a_64(&[b"ab", b"c"]), fnv1a_64(&[b"a", b"bc"]));
        assert_eq!(
            fnv1a_64_extend(fnv1a_64(&[b"a", b"b"]), &[b"c", b"d"], true),
            fnv1a_64(&[b"a", b"b", b"c", b"d"])
        );
    }

    #[test]
    fn slash_paths() {
        assert_eq!(slash_path("./a/Dockerfile"), "a/Dockerfile");
        assert_eq!(slash_path(".\\a\\Dockerfile"), "a/Dockerfile");
        assert_eq!(slash_path("Dockerfile"), "Dockerfile");
        assert_eq!(slash_path("../x/Dockerfile"), "../x/Dockerfile");
    }

    #[test]
    fn issues_of_real_report() {
        let v = render_json(&[
            lint("./svc/Dockerfile", "FROM ubuntu\nADD a.txt /a\n"),
            unreadable("bad/Dockerfile"),
        ]);
        let arr = v.as_array().unwrap();
        assert!(arr.len() >= 2, "{v}");
        let names: Vec<&str> = arr
            .iter()
            .map(|i| i["check_name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"untagged-image"), "{names:?}");
        assert!(names.contains(&"add-instead-of-copy"), "{names:?}");
        for i in arr {
            assert_eq!(i["location"]["path"], "svc/Dockerfile");
            assert!(!i["description"].as_str().unwrap().is_empty());
            let fp = i["fingerprint"].as_str().unwrap();
            assert_eq!(fp.len(), 16);
            assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
            assert!(["major", "minor", "info"].contains(&i["severity"].as_str().unwrap()));
        }
        let add = arr
            .iter()
            .find(|i| i["check_name"] == "add-instead-of-copy")
            .unwrap();
        assert_eq!(add["location"]["lines"]["begin"], 2);
        let untagged = arr
            .iter()
            .find(|i| i["check_name"] == "untagged-image")
            .unwrap();
        assert_eq!(untagged["location"]["lines"]["begin"], 1);
        let fps: HashSet<&str> = arr
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        assert_eq!(fps.len(), arr.len());
    }

    #[test]
    fn severities() {
        let src = "FROM ubuntu:22.04\nUSER 10001\n";
        let mut f = lint("Dockerfile", src);
        for (i, s) in [
            Severity::Error,
            Severity::Warning,
            Severity::Info,
            Severity::Style,
        ]
        .into_iter()
        .enumerate()
        {
            push(
                &mut f,
                diag("latest-tag", s, Span::new(0, 4), &format!("m{i}")),
            );
        }
        let v = render_json(&[f]);
        let sev = |m: &str| {
            v.as_array()
                .unwrap()
                .iter()
                .find(|i| i["description"] == m)
                .unwrap()["severity"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(sev("m0"), "major");
        assert_eq!(sev("m1"), "minor");
        assert_eq!(sev("m2"), "info");
        assert_eq!(sev("m3"), "info");
    }

    #[test]
    fn fingerprints_are_stable_and_unique() {
        // The same line twice: two findings, two fingerprints.
        let a = "FROM ubuntu\nFROM ubuntu\n";
        let v = render_json(&[lint("Dockerfile", a)]);
        let fp_of = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .filter(|i| i["check_name"] == "untagged-image")
                .map(|i| i["fingerprint"].as_str().unwrap().to_string())
                .collect()
        };
        let first = fp_of(&v);
        assert_eq!(first.len(), 2);
        assert_ne!(first[0], first[1]);
        // Lines added above move the findings, not their fingerprints.
        let b = "# comment\n\nFROM ubuntu\nFROM ubuntu\n";
        assert_eq!(fp_of(&render_json(&[lint("Dockerfile", b)])), first);
        // Another file: other fingerprints.
        let other = fp_of(&render_json(&[lint("other/Dockerfile", a)]));
        assert!(other.iter().all(|f| !first.contains(f)));
    }

    #[test]
    fn empty_input() {
        let v = render_json(&[]);
        assert_eq!(v, Value::Array(Vec::new()));
    }
}
