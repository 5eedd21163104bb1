//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! The driver lists every rule dlint has (not only those that fired), so
//! code scanning can show a rule's help for any alert. Columns are counted in
//! Unicode code points (`columnKind`), the unit `render::location` gives.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::gitlab::{fnv1a_64, line_keys, slash_path};
use super::{location, FileResult, Location, Outcome};
use crate::analysis::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{RuleEntry, DOCS_BASE, REGISTRY};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The project's home page: the repository the rule docs live in.
fn information_uri() -> &'static str {
    DOCS_BASE
        .strip_suffix("/blob/main/rules")
        .unwrap_or(DOCS_BASE)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// Percent-encodes what may not stand in a URI path as is (RFC 3986
/// `pchar` and `/`, without `:`, which could read as a scheme).
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@'
            | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `artifactLocation` of a file path as given: relative paths stay
/// relative to `%SRCROOT%`; absolute ones become `file:` URIs.
fn artifact_location(path: &str) -> Value {
    let p = path.replace('\\', "/");
    let bytes = p.as_bytes();
    if let Some(unc) = p.strip_prefix("//") {
        json!({ "uri": format!("file://{}", encode_path(unc)) })
    } else if p.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(&p)) })
    } else if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        json!({ "uri": format!("file:///{}:{}", &p[..1], encode_path(&p[2..])) })
    } else {
        json!({ "uri": encode_path(&slash_path(&p)), "uriBaseId": "%SRCROOT%" })
    }
}

fn region(l: Location) -> Value {
    json!({
        "startLine": l.line,
        "startColumn": l.column,
        "endLine": l.end_line,
        "endColumn": l.end_column,
    })
}

fn rule(entry: &RuleEntry) -> Value {
    let m = entry.meta;
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": { "text": m.summary },
        "fullDescription": { "text": m.summary },
        "help": { "text": entry.doc, "markdown": entry.doc },
        "helpUri": m.doc_url(),
        "defaultConfiguration": {
            "enabled": m.default_enabled,
            "level": level(m.severity),
        },
        "properties": {
            "tags": [m.category.as_str()],
            "precision": "high",
        },
    })
}

fn result(
    report: &Report,
    artifact: &Value,
    d: &Diagnostic,
    line_text: &str,
    occurrence: usize,
) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), d.rule.code.into());
    if let Some(i) = REGISTRY.iter().position(|e| e.meta.code == d.rule.code) {
        r.insert("ruleIndex".into(), i.into());
    }
    r.insert("level".into(), level(d.severity).into());
    r.insert("message".into(), json!({ "text": d.message }));
    r.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": artifact,
                "region": region(location(report, d.span)),
            }
        }]),
    );
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                json!({
                    "id": i,
                    "message": { "text": rel.message },
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": region(location(report, rel.span)),
                    },
                })
            })
            .collect();
        r.insert("relatedLocations".into(), related.into());
    }
    let hash = fnv1a_64(&[d.rule.code.as_bytes(), line_text.as_bytes()]);
    r.insert(
        "partialFingerprints".into(),
        json!({ "primaryLocationLineHash": format!("{hash:016x}:{}", occurrence + 1) }),
    );
    // Only fixes wholly inside the Dockerfile: a fix that also creates or
    // appends to another file would be incomplete here.
    if let Some(fix) = d
        .fix
        .as_ref()
        .filter(|f| !f.edits.is_empty() && f.files.is_empty())
    {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(location(report, e.span)),
                    "insertedContent": { "text": e.text },
                })
            })
            .collect();
        r.insert(
            "fixes".into(),
            json!([{
                "description": { "text": fix.title },
                "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": replacements,
                }],
                "properties": { "applicability": fix.applicability.as_str() },
            }]),
        );
    }
    Value::Object(r)
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let mut sarif_results = Vec::new();
    for r in results {
        let Outcome::Report(report) = &r.outcome else {
            continue;
        };
        let artifact = artifact_location(&r.path);
        for (d, (text, occurrence)) in report.diagnostics.iter().zip(line_keys(report)) {
            sarif_results.push(result(report, &artifact, d, text, occurrence));
        }
    }
    let version = env!("CARGO_PKG_VERSION");
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "dlint",
                    "informationUri": information_uri(),
                    "version": version,
                    "semanticVersion": version,
                    "rules": REGISTRY.iter().map(rule).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::tests::{diag, lint, push, unreadable};
    use crate::rules::find;
    use crate::syntax::Span;

    fn render_json(results: &[FileResult]) -> Value {
        let mut out = Vec::new();
        render(results, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn results_of(v: &Value) -> &Vec<Value> {
        v["runs"][0]["results"].as_array().unwrap()
    }

    #[test]
    fn log_and_driver() {
        let v = render_json(&[]);
        assert_eq!(v["$schema"], SCHEMA);
        assert_eq!(v["version"], "2.1.0");
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(run["results"], Value::Array(Vec::new()));
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "dlint");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            driver["informationUri"],
            "https://github.com/dlint-dev/dlint"
        );

        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), REGISTRY.len());
        for (rule, entry) in rules.iter().zip(REGISTRY) {
            let m = entry.meta;
            assert_eq!(rule["id"], m.code);
            assert_eq!(rule["name"], m.name);
            assert_eq!(rule["shortDescription"]["text"], m.summary);
            assert_eq!(rule["fullDescription"]["text"], m.summary);
            assert_eq!(rule["help"]["text"], entry.doc);
            assert_eq!(rule["help"]["markdown"], entry.doc);
            assert_eq!(rule["helpUri"], m.doc_url());
            assert_eq!(rule["defaultConfiguration"]["level"], level(m.severity));
            assert_eq!(rule["defaultConfiguration"]["enabled"], m.default_enabled);
            assert_eq!(rule["properties"]["tags"], json!([m.category.as_str()]));
            assert_eq!(rule["properties"]["precision"], "high");
        }
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Style), "note");
    }

    #[test]
    fn results_of_real_report() {
        let v = render_json(&[
            lint("./svc/Dockerfile", "FROM ubuntu\nADD a.txt /a\n"),
            unreadable("bad/Dockerfile"),
        ]);
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let results = results_of(&v);
        assert!(results.len() >= 2);
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(
                loc["artifactLocation"],
                json!({ "uri": "svc/Dockerfile", "uriBaseId": "%SRCROOT%" })
            );
            let fp = r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap();
            assert!(fp.ends_with(":1"), "{fp}");
        }

        let untagged = find("untagged-image").unwrap().meta;
        let u = results
            .iter()
            .find(|r| r["ruleId"] == untagged.code)
            .unwrap();
        assert_eq!(u["level"], level(untagged.severity));
        assert!(!u["message"]["text"].as_str().unwrap().is_empty());
        assert_eq!(
            u["locations"][0]["physicalLocation"]["region"],
            json!({ "startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 12 })
        );
        // A display-only fix has no edits: no SARIF fix.
        assert!(u.get("fixes").is_none());
        assert!(u.get("relatedLocations").is_none());

        let add = find("add-instead-of-copy").unwrap().meta;
        let a = results.iter().find(|r| r["ruleId"] == add.code).unwrap();
        let fix = &a["fixes"][0];
        assert!(fix["description"]["text"].as_str().is_some());
        assert_eq!(fix["properties"]["applicability"], "safe");
        let change = &fix["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "svc/Dockerfile");
        let rep = &change["replacements"][0];
        assert_eq!(
            rep["deletedRegion"],
            json!({ "startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 4 })
        );
        assert_eq!(rep["insertedContent"]["text"], "COPY");
    }

    #[test]
    fn related_locations_and_fix_with_other_files() {
        let mut f = lint("Dockerfile", "FROM ubuntu:22.04\nUSER app\n");
        let mut d = diag("latest-tag", Severity::Style, Span::new(18, 22), "m")
            .with_related(Span::new(0, 4), "first")
            .with_related(Span::new(5, 11), "second");
        d.fix = Some(crate::diagnostic::Fix {
            applicability: crate::diagnostic::Applicability::Safe,
            title: "t".into(),
            edits: vec![crate::diagnostic::Edit {
                span: Span::new(18, 22),
                text: "X".into(),
            }],
            files: vec![crate::diagnostic::FileChange::Create {
                path: "/ctx/.dockerignore".into(),
                content: "x".into(),
            }],
        });
        push(&mut f, d);
        let v = render_json(&[f]);
        let r = results_of(&v)
            .iter()
            .find(|r| r["message"]["text"] == "m")
            .unwrap();
        assert_eq!(r["level"], "note");
        let rel = r["relatedLocations"].as_array().unwrap();
        assert_eq!(rel.len(), 2);
        assert_eq!(rel[0]["id"], 0);
        assert_eq!(rel[0]["message"]["text"], "first");
        assert_eq!(
            rel[0]["physicalLocation"]["region"],
            json!({ "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 5 })
        );
        assert_eq!(rel[1]["id"], 1);
        assert_eq!(rel[1]["physicalLocation"]["region"]["startColumn"], 6);
        assert_eq!(
            rel[1]["physicalLocation"]["artifactLocation"]["uri"],
            "Dockerfile"
        );
        // Part of the fix is outside the Dockerfile: not offered in SARIF.
        assert!(r.get("fixes").is_none());
    }

    #[test]
    fn fingerprints() {
        let fps = |src: &str| -> Vec<String> {
            let v = render_json(&[lint("Dockerfile", src)]);
            let untagged = find("untagged-image").unwrap().meta.code;
            results_of(&v)
                .iter()
                .filter(|r| r["ruleId"] == untagged)
                .map(|r| {
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        let a = fps("FROM ubuntu\nFROM ubuntu\n");
        assert_eq!(a.len(), 2);
        let (h0, n0) = a[0].split_once(':').unwrap();
        assert_eq!(h0.len(), 16);
        assert!(h0.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(n0, "1");
        // Same rule, same text: same hash, next occurrence.
        assert_eq!(a[1], format!("{h0}:2"));
        // Stable when lines move; whitespace around the line does not count.
        assert_eq!(fps("# c\n\n  FROM ubuntu  \nFROM ubuntu\n"), a);
        // Another line text: another hash.
        let b = fps("FROM debian\n");
        assert_eq!(b.len(), 1);
        assert!(!b[0].starts_with(h0), "{b:?}");
    }

    #[test]
    fn uris() {
        assert_eq!(
            artifact_location("Dockerfile"),
            json!({ "uri": "Dockerfile", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location(".\\a b\\Dockerfile#1"),
            json!({ "uri": "a%20b/Dockerfile%231", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("x:y/é"),
            json!({ "uri": "x%3Ay/%C3%A9", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("/src/app/Dockerfile"),
            json!({ "uri": "file:///src/app/Dockerfile" })
        );
        assert_eq!(
            artifact_location("C:\\src\\Docker file"),
            json!({ "uri": "file:///C:/src/Docker%20file" })
        );
        assert_eq!(
            artifact_location("\\\\server\\share\\Dockerfile"),
            json!({ "uri": "file://server/share/Dockerfile" })
        );
    }
}
