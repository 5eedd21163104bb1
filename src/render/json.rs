//! `--format json`: one JSON array of findings. The shape is a stable
//! contract, documented in `docs/json-output.md`.

use std::io::{self, Write};

use serde::Serialize;

use super::{findings, location, FileResult, Location};
use crate::analysis::Findings;
use crate::diagnostic::{Diagnostic, FileChange, Fix};

#[derive(Serialize)]
struct Finding<'a> {
    file: &'a str,
    code: &'a str,
    name: &'static str,
    aliases: &'static [&'static str],
    severity: &'static str,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    fix: Option<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    title: &'a str,
    edits: Vec<JsonEdit<'a>>,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    kind: &'static str,
    path: String,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

fn finding<'a>(file: &'a str, report: &Findings, d: &'a Diagnostic) -> Finding<'a> {
    let Location {
        line,
        column,
        end_line,
        end_column,
    } = location(report, d.span);
    Finding {
        file,
        code: d.code(),
        name: d.rule.name,
        aliases: d.rule.aliases,
        severity: d.severity.as_str(),
        message: &d.message,
        line,
        column,
        end_line,
        end_column,
        fix: d.fix.as_ref().map(|f| fix(report, f)),
        related: d
            .related
            .iter()
            .map(|r| {
                let l = location(report, r.span);
                JsonRelated {
                    line: l.line,
                    column: l.column,
                    end_line: l.end_line,
                    end_column: l.end_column,
                    message: &r.message,
                }
            })
            .collect(),
    }
}

fn fix<'a>(report: &Findings, f: &'a Fix) -> JsonFix<'a> {
    JsonFix {
        applicability: f.applicability.as_str(),
        title: &f.title,
        edits: f
            .edits
            .iter()
            .map(|e| {
                let l = location(report, e.span);
                JsonEdit {
                    line: l.line,
                    column: l.column,
                    end_line: l.end_line,
                    end_column: l.end_column,
                    content: &e.text,
                }
            })
            .collect(),
        files: f
            .files
            .iter()
            .map(|c| match c {
                FileChange::Create { path, content } => JsonFile {
                    kind: "create",
                    path: path.to_string_lossy().into_owned(),
                    content,
                },
                FileChange::Append { path, content } => JsonFile {
                    kind: "append",
                    path: path.to_string_lossy().into_owned(),
                    content,
                },
            })
            .collect(),
    }
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let items: Vec<Finding> = findings(results)
        .map(|(r, rep, d)| finding(&r.path, rep, d))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;
    use crate::analysis::analyze;
    use crate::diagnostic::{Diagnostic, Edit, Fix, Related, Severity};
    use crate::render::Outcome;
    use crate::rules::find;
    use crate::settings::Settings;
    use crate::syntax::Span;

    /// A linted file.
    pub(crate) fn lint(path: &str, source: &str) -> FileResult {
        FileResult {
            path: path.to_string(),
            outcome: Outcome::Linted(Box::new(
                analyze(source, None, &Settings::default(), None).into(),
            )),
        }
    }

    /// A file that could not be linted.
    pub(crate) fn unreadable(path: &str) -> FileResult {
        FileResult {
            path: path.to_string(),
            outcome: Outcome::Error("not UTF-8".to_string()),
        }
    }

    /// Adds a hand-made finding to a linted file.
    pub(crate) fn push(file: &mut FileResult, d: Diagnostic) {
        match &mut file.outcome {
            Outcome::Linted(r) => r.diagnostics.push(d),
            Outcome::Error(_) => panic!("not a report"),
        }
    }

    /// A finding of `rule` on `span` with `message`.
    pub(crate) fn diag(rule: &str, severity: Severity, span: Span, message: &str) -> Diagnostic {
        Diagnostic {
            rule: find(rule).expect("rule exists").meta,
            severity,
            message: message.to_string(),
            span,
            related: Vec::new(),
            fix: None,
            sub_code: None,
        }
    }

    fn render_json(results: &[FileResult]) -> Value {
        let mut out = Vec::new();
        render(results, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn empty_input_is_empty_array() {
        let mut out = Vec::new();
        render(&[], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().trim(), "[]");
        // A file without findings and an unreadable file add nothing.
        let v = render_json(&[
            lint("ok/Dockerfile", "FROM ubuntu:22.04\nUSER 10001\n"),
            unreadable("x"),
        ]);
        assert_eq!(v, Value::Array(Vec::new()));
    }

    #[test]
    fn findings_of_real_report() {
        let v = render_json(&[lint("a/Dockerfile", "FROM ubuntu\nADD a.txt /a\n")]);
        let arr = v.as_array().unwrap();
        let codes: Vec<&str> = arr.iter().map(|f| f["code"].as_str().unwrap()).collect();
        let untagged = find("untagged-image").unwrap().meta;
        let add = find("add-instead-of-copy").unwrap().meta;
        assert!(codes.contains(&untagged.code), "{codes:?}");
        assert!(codes.contains(&add.code), "{codes:?}");

        let u = arr.iter().find(|f| f["code"] == untagged.code).unwrap();
        assert_eq!(u["file"], "a/Dockerfile");
        assert_eq!(u["name"], "untagged-image");
        assert_eq!(u["severity"], untagged.severity.as_str());
        let aliases: Vec<&str> = u["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(aliases, untagged.aliases);
        assert!(!u["message"].as_str().unwrap().is_empty());
        assert_eq!(u["line"], 1);
        assert_eq!(u["end_line"], 1);
        assert_eq!(u["related"], Value::Array(Vec::new()));
        // The field order is part of the contract: check it in the text.
        let mut out = Vec::new();
        render(
            &[lint("a/Dockerfile", "FROM ubuntu\nADD a.txt /a\n")],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let first = &text[..text.find("\n  },").unwrap()];
        let order = [
            "file",
            "code",
            "name",
            "aliases",
            "severity",
            "message",
            "line",
            "column",
            "end_line",
            "end_column",
            "fix",
            "related",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|k| {
                first
                    .find(&format!("\n    \"{k}\": "))
                    .unwrap_or_else(|| panic!("{k} missing"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
        assert_eq!(u.as_object().unwrap().len(), order.len());

        let a = arr.iter().find(|f| f["code"] == add.code).unwrap();
        assert_eq!(a["line"], 2);
        assert_eq!(a["column"], 1);
        assert_eq!(a["end_column"], 4, "ADD is three characters");
        let fix = &a["fix"];
        assert_eq!(fix["applicability"], "safe");
        assert!(fix["title"].as_str().is_some());
        let edits = fix["edits"].as_array().unwrap();
        assert!(!edits.is_empty());
        assert_eq!(edits[0]["line"], 2);
        assert_eq!(edits[0]["content"], "COPY");
        assert_eq!(fix["files"], Value::Array(Vec::new()));
    }

    #[test]
    fn positions_count_characters_and_include_related_and_files() {
        // "é" is two bytes: y=1 starts at character column 13, byte column 14.
        let src = "FROM ubuntu:22.04\nLABEL x=\"é\" y=1\nUSER 10001\n";
        let mut file = lint("Dockerfile", src);
        let y = src.find("y=1").unwrap();
        let mut d = diag("latest-tag", Severity::Style, Span::new(y, y + 3), "m");
        d.related.push(Related {
            span: Span::new(0, 4),
            message: "see FROM".to_string(),
        });
        d.fix = Some(Fix {
            applicability: crate::diagnostic::Applicability::Unsafe,
            title: "t".to_string(),
            edits: vec![Edit {
                span: Span::new(y, y + 3),
                text: "z=2".to_string(),
            }],
            files: vec![
                FileChange::Create {
                    path: PathBuf::from("/ctx/.dockerignore"),
                    content: ".git\n".to_string(),
                },
                FileChange::Append {
                    path: PathBuf::from("/ctx/other"),
                    content: "x\n".to_string(),
                },
            ],
        });
        push(&mut file, d);
        let v = render_json(&[file]);
        let f = v
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"] == "m")
            .unwrap();
        assert_eq!(f["severity"], "style");
        assert_eq!(
            (&f["line"], &f["column"], &f["end_line"], &f["end_column"]),
            (
                &Value::from(2),
                &Value::from(13),
                &Value::from(2),
                &Value::from(16)
            )
        );
        let r = &f["related"][0];
        assert_eq!(
            (&r["line"], &r["column"], &r["end_column"]),
            (&Value::from(1), &Value::from(1), &Value::from(5))
        );
        assert_eq!(r["message"], "see FROM");
        assert_eq!(f["fix"]["applicability"], "unsafe");
        assert_eq!(f["fix"]["edits"][0]["column"], 13);
        assert_eq!(f["fix"]["edits"][0]["content"], "z=2");
        let files = f["fix"]["files"].as_array().unwrap();
        assert_eq!(files[0]["kind"], "create");
        assert_eq!(files[0]["path"], "/ctx/.dockerignore");
        assert_eq!(files[0]["content"], ".git\n");
        assert_eq!(files[1]["kind"], "append");
        assert_eq!(files[1]["path"], "/ctx/other");
    }

    #[test]
    fn findings_of_several_files_in_input_order() {
        let v = render_json(&[
            lint("b/Dockerfile", "FROM ubuntu\n"),
            unreadable("c/Dockerfile"),
            lint("a/Dockerfile", "FROM alpine\n"),
        ]);
        let files: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        let first_a = files.iter().position(|f| *f == "a/Dockerfile").unwrap();
        assert!(files[..first_a].iter().all(|f| *f == "b/Dockerfile"));
        assert!(files[first_a..].iter().all(|f| *f == "a/Dockerfile"));
        assert!(!files.contains(&"c/Dockerfile"));
    }
}
