//! dlint findings as LSP diagnostics. Each carries, in `data`, the document
//! version it was computed for and ready-made edits (its fix, and the
//! "ignore" comment), so a code action needs no second lint and can refuse
//! edits made for an older text.

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, Position, Range, TextEdit, Uri,
};
use serde::{Deserialize, Serialize};

use super::convert::{self, Encoding};
use crate::analysis::Report;
use crate::diagnostic::{self as dl, Applicability, FileChange, Severity};
use crate::model::Model;
use crate::syntax::{LineIndex, Span};

pub const SOURCE: &str = "dlint";

/// What travels in `Diagnostic.data`. Edits are compact arrays (a publish
/// of a big file carries many of them on every keystroke):
///
/// ```json
/// {"version": 3, "rule": "add-instead-of-copy",
///  "fix": {"title": "Replace ADD with COPY", "safe": true, "edits": [[1, 0, 1, 3, "COPY"]]},
///  "ignore": [1, 0, "# dlint ignore=add-instead-of-copy\n"]}
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiagData {
    /// The document version the edits apply to.
    pub version: i32,
    /// The rule's name.
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<IgnoreEdit>,
}

/// `[start line, start character, end line, end character, new text]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompactEdit(pub u32, pub u32, pub u32, pub u32, pub String);

impl CompactEdit {
    pub fn new(range: Range, text: String) -> CompactEdit {
        CompactEdit(
            range.start.line,
            range.start.character,
            range.end.line,
            range.end.character,
            text,
        )
    }

    pub fn text_edit(&self) -> TextEdit {
        TextEdit::new(
            Range::new(Position::new(self.0, self.1), Position::new(self.2, self.3)),
            self.4.clone(),
        )
    }
}

/// The "ignore" edit: insert `[line, character, text]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IgnoreEdit(pub u32, pub u32, pub String);

impl IgnoreEdit {
    pub fn text_edit(&self) -> TextEdit {
        let at = Position::new(self.0, self.1);
        TextEdit::new(Range::new(at, at), self.2.clone())
    }

    pub fn title(&self, rule: &str) -> String {
        if self.2.contains("global ignore=") {
            format!("Ignore {rule} for this file")
        } else {
            format!("Ignore {rule} for this instruction")
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FixData {
    pub title: String,
    /// Safe fixes are preferred; unsafe ones are offered, not preferred.
    pub safe: bool,
    pub edits: Vec<CompactEdit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileOp>,
}

/// A change to another file than the document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FileOp {
    Create {
        uri: Uri,
        content: String,
    },
    Append {
        uri: Uri,
        at: Position,
        content: String,
    },
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Style => DiagnosticSeverity::HINT,
    }
}

/// Tags that fit a rule.
fn tags(rule: &str) -> Option<Vec<DiagnosticTag>> {
    match rule {
        // A suppression naming no rule does nothing: faded out.
        "invalid-suppression" => Some(vec![DiagnosticTag::UNNECESSARY]),
        _ => None,
    }
}

/// Converts file changes into file operations (Append needs the end of the
/// file on disk).
pub fn file_ops(files: &[FileChange], enc: Encoding) -> Option<Vec<FileOp>> {
    files
        .iter()
        .map(|f| match f {
            // Never through a symbolic link (see `fix::apply_file_change`).
            _ if crate::files::is_symlink(f.path()) => None,
            FileChange::Create { path, content } => Some(FileOp::Create {
                uri: convert::path_to_uri(path)?,
                content: content.clone(),
            }),
            FileChange::Append { path, content } => {
                let old = crate::files::read_text(path, crate::files::MAX_FILE).ok()?;
                Some(FileOp::Append {
                    uri: convert::path_to_uri(path)?,
                    at: convert::end_position(&old, enc),
                    content: content.clone(),
                })
            }
        })
        .collect()
}

/// The edit that silences a rule for the instruction holding `span`: a
/// `# dlint ignore=NAME` line above it (with its indentation), or NAME added
/// to such a comment already there. For findings outside any instruction, a
/// `# dlint global ignore=NAME` line after the parser directives.
pub fn ignore_edit(
    model: &Model,
    rule: &str,
    span: Span,
    crlf: bool,
) -> Option<(String, Span, String)> {
    if rule == "invalid-syntax" {
        // Not suppressible.
        return None;
    }
    let src = model.source.as_str();
    let lines = &model.lines;
    let nl = if crlf { "\r\n" } else { "\n" };
    match crate::suppress::instruction_at(model, span.start) {
        Some(i) => {
            let inst = &model.instructions[i];
            let line = lines.line_of(inst.span.start);
            let line_start = lines.line_start(line);
            // A `# dlint ignore=…` comment on the line just above: extend it.
            if line > 0 {
                let above = lines.line_start(line - 1);
                // Comments are in file order: a binary search, not a scan
                // per finding.
                let first = model.comments.partition_point(|c| c.span.start < above);
                if let Some(c) = model
                    .comments
                    .get(first..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|c| c.span.start < line_start)
                    .find(|c| c.span.end <= line_start)
                {
                    if let Some(at) = ignore_list_end(model.text(c.span)) {
                        let at = c.span.start + at;
                        return Some((
                            format!("Ignore {rule} for this instruction"),
                            Span::new(at, at),
                            format!(",{rule}"),
                        ));
                    }
                }
            }
            let indent: String = src
                .get(line_start..inst.span.start)
                .unwrap_or("")
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            Some((
                format!("Ignore {rule} for this instruction"),
                Span::new(line_start, line_start),
                format!("{indent}# dlint ignore={rule}{nl}"),
            ))
        }
        None => {
            // After the BOM and the parser directives.
            let mut at = if model.bom { '\u{feff}'.len_utf8() } else { 0 };
            if let Some(d) = model.directives.iter().max_by_key(|d| d.span.end) {
                at = lines.line_end_with_newline(lines.line_of(d.span.end));
            }
            let prefix = if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
                nl
            } else {
                ""
            };
            Some((
                format!("Ignore {rule} for this file"),
                Span::new(at, at),
                format!("{prefix}# dlint global ignore={rule}{nl}"),
            ))
        }
    }
}

/// In the text of a `# dlint ignore=a,b` comment (not `global`), the byte
/// offset just after its list of names.
fn ignore_list_end(comment: &str) -> Option<usize> {
    let rest = comment.strip_prefix('#')?.trim_start();
    let after_tool = strip_word(rest, "dlint")?;
    if !after_tool.starts_with(char::is_whitespace) {
        return None;
    }
    let t = strip_word(after_tool.trim_start(), "ignore")?;
    let list = t.trim_start().strip_prefix('=')?.trim_start();
    let len = list.find(char::is_whitespace).unwrap_or(list.len());
    (len > 0).then(|| comment.len() - list.len() + len)
}

fn strip_word<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    let head = s.get(..w.len())?;
    if head.eq_ignore_ascii_case(w) {
        s.get(w.len()..)
    } else {
        None
    }
}

/// An LSP diagnostic and its `data` (kept typed until it is serialized:
/// the stdio publish writes it without a JSON tree).
pub type Part = (Diagnostic, Option<DiagData>);

/// Converts a report to LSP diagnostics for document `uri` at `version`.
pub fn to_lsp(
    report: &Report,
    uri: &Uri,
    version: i32,
    enc: Encoding,
    with_files: bool,
) -> Vec<Diagnostic> {
    to_lsp_parts(report, uri, version, enc, with_files)
        .into_iter()
        .map(|(mut d, data)| {
            d.data = data.and_then(|x| serde_json::to_value(x).ok());
            d
        })
        .collect()
}

/// [`to_lsp`], each diagnostic's `data` apart.
pub fn to_lsp_parts(
    report: &Report,
    uri: &Uri,
    version: i32,
    enc: Encoding,
    with_files: bool,
) -> Vec<Part> {
    let model = &report.model;
    let src = model.source.as_str();
    let lines: &LineIndex = &model.lines;
    let crlf = crate::edit::uses_crlf(src);
    let mut hrefs: Vec<(&'static str, Option<Uri>)> = Vec::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let rule = d.rule;
            let fix = d
                .fix
                .as_ref()
                .and_then(|f| fix_data(f, src, lines, enc, crlf, with_files));
            let ignore = ignore_edit(model, rule.name, d.span, crlf).map(|(_, span, text)| {
                let at = convert::position(src, lines, span.start, enc);
                IgnoreEdit(at.line, at.character, text)
            });
            let data = DiagData {
                version,
                rule: rule.name.to_string(),
                fix,
                ignore,
            };
            let related: Vec<DiagnosticRelatedInformation> = d
                .related
                .iter()
                .map(|r: &dl::Related| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), convert::range(src, lines, r.span, enc)),
                    message: r.message.clone(),
                })
                .collect();
            let diag = Diagnostic {
                range: convert::range(src, lines, d.span, enc),
                severity: Some(severity(d.severity)),
                code: Some(NumberOrString::String(d.code().to_string())),
                code_description: match &d.sub_code {
                    Some(_) => d
                        .doc_url()
                        .parse::<Uri>()
                        .ok()
                        .map(|href| CodeDescription { href }),
                    None => href(&mut hrefs, rule),
                },
                source: Some(SOURCE.to_string()),
                message: d.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                tags: tags(rule.name),
                data: None,
            };
            (diag, Some(data))
        })
        .collect()
}

/// The rule's doc URL, parsed once per lint.
fn href(
    cache: &mut Vec<(&'static str, Option<Uri>)>,
    rule: &'static crate::rules::RuleMeta,
) -> Option<CodeDescription> {
    let uri = match cache.iter().find(|(n, _)| *n == rule.name) {
        Some((_, u)) => u.clone(),
        None => {
            let u = rule.doc_url().parse::<Uri>().ok();
            cache.push((rule.name, u.clone()));
            u
        }
    };
    uri.map(|href| CodeDescription { href })
}

/// A whole `publishDiagnostics` notification, serialized straight from the
/// diagnostics: the same JSON as [`to_json`] in the params, without the
/// `Value` tree.
pub fn publish_frame(uri: &str, diagnostics: &[Part], version: Option<i32>) -> String {
    #[derive(Serialize)]
    struct Frame<'a> {
        jsonrpc: &'static str,
        method: &'static str,
        params: Params<'a>,
    }
    #[derive(Serialize)]
    struct Params<'a> {
        uri: &'a str,
        #[serde(serialize_with = "parts")]
        diagnostics: &'a [Part],
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<i32>,
    }
    /// One diagnostic with its data (the diagnostic's own `data` is None).
    #[derive(Serialize)]
    struct WithData<'a> {
        #[serde(flatten)]
        diag: &'a Diagnostic,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<&'a DiagData>,
    }
    fn parts<S: serde::Serializer>(parts: &&[Part], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(parts.iter().map(|(diag, data)| WithData {
            diag,
            data: data.as_ref(),
        }))
    }
    let frame = Frame {
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: Params {
            uri,
            diagnostics,
            version,
        },
    };
    // Serializing plain data into a String cannot fail.
    serde_json::to_string(&frame).unwrap_or_default()
}

/// Diagnostics as JSON, moving each `data` value in rather than copying it
/// (publishing is on the typing path).
pub fn to_json(diagnostics: Vec<Part>) -> serde_json::Value {
    let items = diagnostics
        .into_iter()
        .map(|(d, data)| {
            let mut v = serde_json::to_value(&d).unwrap_or(serde_json::Value::Null);
            let data = data.and_then(|x| serde_json::to_value(x).ok());
            if let (Some(data), Some(o)) = (data, v.as_object_mut()) {
                o.insert("data".into(), data);
            }
            v
        })
        .collect();
    serde_json::Value::Array(items)
}

fn fix_data(
    f: &dl::Fix,
    src: &str,
    lines: &LineIndex,
    enc: Encoding,
    crlf: bool,
    with_files: bool,
) -> Option<FixData> {
    if f.applicability == Applicability::DisplayOnly {
        return None;
    }
    if f.edits.is_empty() && f.files.is_empty() {
        return None;
    }
    let files = if f.files.is_empty() {
        Vec::new()
    } else if with_files {
        file_ops(&f.files, enc)?
    } else {
        return None;
    };
    Some(FixData {
        title: f.title.clone(),
        safe: f.applicability == Applicability::Safe,
        edits: f
            .edits
            .iter()
            .map(|e| {
                CompactEdit::new(
                    convert::range(src, lines, e.span, enc),
                    crate::edit::with_line_endings(&e.text, crlf),
                )
            })
            .collect(),
        files,
    })
}

/// What an editor shows for a document whose lint failed with an internal
/// error: one error at the top, instead of stale findings.
pub fn internal_error(msg: &str) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range: lsp_types::Range::default(),
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        code: Some(lsp_types::NumberOrString::String("internal-error".into())),
        source: Some("dlint".into()),
        message: format!(
            "dlint could not lint this file (internal error: {msg}); please report it at {}",
            crate::panic::REPORT_URL
        ),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_list_end_finds_the_list() {
        let c = "# dlint ignore=latest-tag -- pinned";
        let at = ignore_list_end(c).unwrap();
        assert_eq!(&c[..at], "# dlint ignore=latest-tag");
        assert!(ignore_list_end("# dlint global ignore=x").is_none());
        assert!(ignore_list_end("# hadolint ignore=DL3007").is_none());
        assert!(ignore_list_end("# just a comment").is_none());
        let c = "#dlint ignore = a,b";
        assert_eq!(&c[..ignore_list_end(c).unwrap()], "#dlint ignore = a,b");
    }

    #[test]
    fn ignore_edit_matches_indentation_and_extends() {
        let m = Model::build("FROM a:1\n  ADD x /x\n");
        let add = m.instructions[1].keyword.span;
        let (title, span, text) = ignore_edit(&m, "add-instead-of-copy", add, false).unwrap();
        assert_eq!(title, "Ignore add-instead-of-copy for this instruction");
        assert_eq!(span, Span::new(9, 9));
        assert_eq!(text, "  # dlint ignore=add-instead-of-copy\n");
        let m = Model::build("FROM a:1\n# dlint ignore=root-user -- why\nADD x /x\n");
        let add = m.instructions[1].keyword.span;
        let (_, span, text) = ignore_edit(&m, "add-instead-of-copy", add, false).unwrap();
        assert_eq!(
            &m.source[..span.start],
            "FROM a:1\n# dlint ignore=root-user"
        );
        assert_eq!(text, ",add-instead-of-copy");
        assert!(ignore_edit(&m, "invalid-syntax", add, false).is_none());
    }
}
