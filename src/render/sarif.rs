//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! The driver lists every rule dlint has (not only those that fired), so
//! code scanning can show a rule's help for any alert. Columns are counted in
//! Unicode code points (`columnKind`), the unit `render::location` gives.

use std::io::{self, Write};

use serde::Serialize;

use super::gitlab::{fnv1a_64, line_keys, slash_path};
use super::{location, FileResult, Location, Outcome};
use crate::analysis::Findings;
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
fn artifact_location(path: &str) -> ArtifactLocation {
    let p = path.replace('\\', "/");
    let bytes = p.as_bytes();
    let absolute = |uri: String| ArtifactLocation {
        uri,
        uri_base_id: None,
    };
    if let Some(unc) = p.strip_prefix("//") {
        absolute(format!("file://{}", encode_path(unc)))
    } else if p.starts_with('/') {
        absolute(format!("file://{}", encode_path(&p)))
    } else if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        absolute(format!(
            "file:///{}:{}",
            p.get(..1).unwrap_or(""),
            encode_path(p.get(2..).unwrap_or(""))
        ))
    } else {
        ArtifactLocation {
            uri: encode_path(&slash_path(&p)),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

fn region(l: Location) -> Region {
    Region {
        start_line: l.line,
        start_column: l.column,
        end_line: l.end_line,
        end_column: l.end_column,
    }
}

// The log, as structs so the output keeps SARIF's usual key order.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text<'static>,
    full_description: Text<'static>,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 1],
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [SarifLocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: &'a ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: &'a ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: &'static str,
}

fn rule(entry: &'static RuleEntry) -> Rule {
    let m = entry.meta;
    Rule {
        id: m.code,
        name: m.name,
        short_description: Text { text: m.summary },
        full_description: Text { text: m.summary },
        help: Help {
            text: entry.doc,
            markdown: entry.doc,
        },
        help_uri: m.doc_url(),
        default_configuration: Configuration {
            enabled: m.default_enabled,
            level: level(m.severity),
        },
        properties: RuleProperties {
            tags: [m.category.as_str()],
            precision: "high",
        },
    }
}

fn result<'a>(
    report: &Findings,
    artifact: &'a ArtifactLocation,
    d: &'a Diagnostic,
    line_hash: u64,
    occurrence: usize,
) -> SarifResult<'a> {
    let related_locations = d
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| SarifLocation {
            id: Some(i),
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region: region(location(report, rel.span)),
            },
            message: Some(Text { text: &rel.message }),
        })
        .collect();
    let hash = line_hash;
    // Only fixes wholly inside the Dockerfile: a fix that also creates or
    // appends to another file would be incomplete here.
    let fixes = d
        .fix
        .as_ref()
        .filter(|f| !f.edits.is_empty() && f.files.is_empty())
        .map(|fix| SarifFix {
            description: Text { text: &fix.title },
            artifact_changes: [ArtifactChange {
                artifact_location: artifact,
                replacements: fix
                    .edits
                    .iter()
                    .map(|e| Replacement {
                        deleted_region: region(location(report, e.span)),
                        inserted_content: Text { text: &e.text },
                    })
                    .collect(),
            }],
            properties: FixProperties {
                applicability: fix.applicability.as_str(),
            },
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: d.rule.code,
        rule_index: REGISTRY.iter().position(|e| e.meta.code == d.rule.code),
        level: level(d.severity),
        message: Text { text: &d.message },
        locations: [SarifLocation {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region: region(location(report, d.span)),
            },
            message: None,
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: format!("{hash:016x}:{}", occurrence + 1),
        },
        fixes,
    }
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let files: Vec<(&Findings, ArtifactLocation)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Linted(report) => Some((report.as_ref(), artifact_location(&r.path))),
            Outcome::Error(_) => None,
        })
        .collect();
    let mut sarif_results = Vec::new();
    for (report, artifact) in &files {
        // (rule, line) → the hash of the rule and the line's text, once.
        let mut hashes: std::collections::HashMap<(&str, usize), u64> = Default::default();
        for (d, (text, occurrence, line)) in report.diagnostics.iter().zip(line_keys(report)) {
            let h = *hashes
                .entry((d.rule.code, line))
                .or_insert_with(|| fnv1a_64(&[d.rule.code.as_bytes(), text.as_bytes()]));
            sarif_results.push(result(report, artifact, d, h, occurrence));
        }
    }
    let version = env!("CARGO_PKG_VERSION");
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "dlint",
                    information_uri: information_uri(),
                    version,
                    semantic_version: version,
                    rules: REGISTRY.iter().map(rule).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: sarif_results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

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
        let mut f = lint("Dockerfile", "FROM ubuntu:22.04\nUSER 10001\n");
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

    fn al(path: &str) -> Value {
        serde_json::to_value(artifact_location(path)).unwrap()
    }

    #[test]
    fn key_order() {
        let mut out = Vec::new();
        render(&[lint("Dockerfile", "FROM ubuntu\n")], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let at = |text: &str, k: &str| {
            text.find(&format!("\"{k}\": "))
                .unwrap_or_else(|| panic!("{k}"))
        };
        assert!(at(&text, "$schema") < at(&text, "version"));
        assert!(at(&text, "version") < at(&text, "runs"));
        assert!(at(&text, "tool") < at(&text, "columnKind"));
        assert!(at(&text, "columnKind") < at(&text, "results"));
        let rule = &text[at(&text, "rules")..at(&text, "results")];
        assert!(at(rule, "id") < at(rule, "name"));
        assert!(at(rule, "name") < at(rule, "shortDescription"));
        let result = &text[at(&text, "results")..];
        assert!(at(result, "ruleId") < at(result, "level"));
        assert!(at(result, "level") < at(result, "message"));
        assert!(at(result, "message") < at(result, "locations"));
        assert!(at(result, "startLine") < at(result, "startColumn"));
        assert!(at(result, "startColumn") < at(result, "endLine"));
    }

    #[test]
    fn uris() {
        assert_eq!(
            al("Dockerfile"),
            json!({ "uri": "Dockerfile", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            al(".\\a b\\Dockerfile#1"),
            json!({ "uri": "a%20b/Dockerfile%231", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            al("x:y/é"),
            json!({ "uri": "x%3Ay/%C3%A9", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            al("/src/app/Dockerfile"),
            json!({ "uri": "file:///src/app/Dockerfile" })
        );
        assert_eq!(
            al("C:\\src\\Docker file"),
            json!({ "uri": "file:///C:/src/Docker%20file" })
        );
        assert_eq!(
            al("\\\\server\\share\\Dockerfile"),
            json!({ "uri": "file://server/share/Dockerfile" })
        );
    }
}
