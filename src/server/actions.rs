//! Code actions: a quickfix per fixable finding, "Ignore NAME for this
//! instruction", and `source.fixAll.dlint`.
//!
//! Quick fixes and ignore edits come from the diagnostic's `data` (computed
//! with the lint): no second lint. They are refused (left out) when the data
//! was made for another version of the document than the one the server
//! has. Fix-all runs the CLI's fixer on the current text.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CreateFile, Diagnostic,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    Range, ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::{self, Encoding};
use super::diagnostics::{self, DiagData, FileOp, SOURCE};
use super::documents::Document;
use crate::fix::{fix_source, FixOptions};
use crate::syntax::Span;

pub const FIX_ALL_KIND: &str = "source.fixAll.dlint";

/// What the client can apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditCaps {
    pub document_changes: bool,
    pub create_files: bool,
}

/// Whether an action of `kind` is asked for by `only`.
fn wanted(only: Option<&Vec<CodeActionKind>>, kind: &str) -> bool {
    match only {
        None => true,
        Some(only) => only.iter().any(|o| {
            let o = o.as_str();
            o.is_empty()
                || kind == o
                || kind
                    .strip_prefix(o)
                    .is_some_and(|rest| rest.starts_with('.'))
        }),
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// A workspace edit for `edits` to the document (at `version`) and `files`.
/// None when the client cannot apply it (file creation unsupported).
pub fn workspace_edit(
    uri: &Uri,
    version: i32,
    edits: Vec<TextEdit>,
    files: &[FileOp],
    caps: EditCaps,
) -> Option<WorkspaceEdit> {
    let creates = files.iter().any(|f| matches!(f, FileOp::Create { .. }));
    if creates && !(caps.document_changes && caps.create_files) {
        return None;
    }
    if edits.is_empty() && files.is_empty() {
        return None;
    }
    if caps.document_changes {
        let mut ops = Vec::new();
        if !edits.is_empty() {
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: Some(version),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }));
        }
        for f in files {
            let (furi, edit) = match f {
                FileOp::Create { uri, content } => {
                    ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                        CreateFile {
                            uri: uri.clone(),
                            options: None,
                            annotation_id: None,
                        },
                    )));
                    (uri, TextEdit::new(Range::default(), content.clone()))
                }
                FileOp::Append { uri, at, content } => {
                    (uri, TextEdit::new(Range::new(*at, *at), content.clone()))
                }
            };
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: furi.clone(),
                    version: None,
                },
                edits: vec![OneOf::Left(edit)],
            }));
        }
        return Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..Default::default()
        });
    }
    // lsp-types keys `changes` by Uri (whose hash is its text).
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    if !edits.is_empty() {
        changes.insert(uri.clone(), edits);
    }
    for f in files {
        if let FileOp::Append { uri, at, content } = f {
            changes
                .entry(uri.clone())
                .or_default()
                .push(TextEdit::new(Range::new(*at, *at), content.clone()));
        }
    }
    Some(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// The smallest single replacement turning `old` into `new`; never splits a
/// character or a CRLF pair.
pub fn minimal_edit(old: &str, new: &str) -> Option<(Span, String)> {
    if old == new {
        return None;
    }
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while p > 0
        && (!old.is_char_boundary(p)
            || !new.is_char_boundary(p)
            || (a[p - 1] == b'\r' && a.get(p) == Some(&b'\n')))
    {
        p -= 1;
    }
    let max_s = a.len().min(b.len()) - p;
    let mut s = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_s)
        .take_while(|(x, y)| x == y)
        .count();
    while s > 0 {
        let (eo, en) = (a.len() - s, b.len() - s);
        let split_crlf = eo > 0 && a[eo - 1] == b'\r' && a[eo] == b'\n';
        if old.is_char_boundary(eo) && new.is_char_boundary(en) && !split_crlf {
            break;
        }
        s -= 1;
    }
    Some((
        Span::new(p, a.len() - s),
        new.get(p..b.len() - s)?.to_string(),
    ))
}

/// The document's own diagnostics for an action request: those the client
/// sent back with our data, or, when it sent none, the server's current ones
/// in the range.
fn request_diagnostics(
    doc: &Document,
    params: &CodeActionParams,
    enc: Encoding,
) -> Vec<(Diagnostic, DiagData)> {
    let ours = |d: &Diagnostic| -> Option<(Diagnostic, DiagData)> {
        if d.source.as_deref() != Some(SOURCE) {
            return None;
        }
        let data: DiagData = serde_json::from_value(d.data.clone()?).ok()?;
        Some((d.clone(), data))
    };
    let sent: Vec<_> = params.context.diagnostics.iter().filter_map(ours).collect();
    if !sent.is_empty() || !params.context.diagnostics.is_empty() {
        return sent;
    }
    doc.lsp_diagnostics(enc)
        .iter()
        .filter(|d| overlaps(&d.range, &params.range))
        .filter_map(ours)
        .collect()
}

/// The code actions for a request.
pub fn code_actions(
    doc: &Document,
    params: &CodeActionParams,
    caps: EditCaps,
    unsafe_fixes: bool,
    enc: Encoding,
) -> Vec<CodeActionOrCommand> {
    let only = params.context.only.as_ref();
    let mut out: Vec<CodeAction> = Vec::new();
    if wanted(only, "quickfix") {
        let mut ignores: Vec<CodeAction> = Vec::new();
        for (diag, data) in request_diagnostics(doc, params, enc) {
            if data.version != doc.version {
                // Made for another text: refused.
                continue;
            }
            if let Some(fix) = &data.fix {
                if let Some(edit) = workspace_edit(
                    &doc.uri,
                    data.version,
                    fix.edits.iter().map(|e| e.text_edit()).collect(),
                    &fix.files,
                    caps,
                ) {
                    let action = CodeAction {
                        title: fix.title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diag.clone()]),
                        edit: Some(edit),
                        is_preferred: Some(fix.safe),
                        ..Default::default()
                    };
                    if !out
                        .iter()
                        .any(|a| a.title == action.title && a.edit == action.edit)
                    {
                        out.push(action);
                    }
                }
            }
            if let Some(ig) = &data.ignore {
                let edit = workspace_edit(&doc.uri, data.version, vec![ig.text_edit()], &[], caps);
                let action = CodeAction {
                    title: ig.title(&data.rule),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag.clone()]),
                    edit,
                    is_preferred: Some(false),
                    ..Default::default()
                };
                match ignores
                    .iter_mut()
                    .find(|a| a.title == action.title && a.edit == action.edit)
                {
                    Some(a) => a.diagnostics.get_or_insert_with(Vec::new).push(diag),
                    None => ignores.push(action),
                }
            }
        }
        out.extend(ignores);
    }
    if wanted(only, FIX_ALL_KIND) {
        // Without `only`, offer it when some finding has an applicable fix.
        let worth = only.is_some()
            || doc.analysis.as_ref().is_some_and(|a| {
                a.report.diagnostics.iter().any(|d| {
                    d.fix.as_ref().is_some_and(|f| match f.applicability {
                        crate::diagnostic::Applicability::Safe => true,
                        crate::diagnostic::Applicability::Unsafe => unsafe_fixes,
                        crate::diagnostic::Applicability::DisplayOnly => false,
                    })
                })
            });
        if worth {
            if let Some(a) = fix_all(doc, caps, unsafe_fixes, enc) {
                out.push(a);
            }
        }
    }
    out.into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// `source.fixAll.dlint`: every safe fix (and unsafe ones when asked),
/// through the same fixer as `dlint --fix`.
pub fn fix_all(
    doc: &Document,
    caps: EditCaps,
    unsafe_fixes: bool,
    enc: Encoding,
) -> Option<CodeAction> {
    let settings = doc.settings.as_ref()?;
    let context = doc.context.as_ref().and_then(|c| c.as_ref());
    let outcome = fix_source(
        &doc.text,
        doc.path.as_deref(),
        settings,
        context,
        FixOptions { unsafe_fixes },
    );
    if !outcome.changed() {
        return None;
    }
    let mut edits = Vec::new();
    if let Some((span, text)) = minimal_edit(&doc.text, &outcome.fixed) {
        edits.push(TextEdit::new(
            convert::range(&doc.text, &doc.lines, span, enc),
            text,
        ));
    }
    let mut files = diagnostics::file_ops(&outcome.files, enc).unwrap_or_default();
    if !(caps.document_changes && caps.create_files) {
        files.retain(|f| !matches!(f, FileOp::Create { .. }));
    }
    let edit = workspace_edit(&doc.uri, doc.version, edits, &files, caps)?;
    let n = outcome.total_applied();
    Some(CodeAction {
        title: format!(
            "Fix all dlint problems ({n} fix{})",
            if n == 1 { "" } else { "es" }
        ),
        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
        edit: Some(edit),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &str, e: &(Span, String)) -> String {
        format!("{}{}{}", &old[..e.0.start], e.1, &old[e.0.end..])
    }

    #[test]
    fn minimal_edits() {
        for (a, b) in [
            ("FROM a\nADD x /x\n", "FROM a\nCOPY x /x\n"),
            ("abc", "abc"),
            ("", "x"),
            ("x", ""),
            ("aé", "aè"),
            ("a\r\nb\r\n", "a\r\nc\r\nb\r\n"),
            ("aaa", "aa"),
        ] {
            match minimal_edit(a, b) {
                None => assert_eq!(a, b),
                Some(e) => {
                    assert_eq!(apply(a, &e), b, "{a:?} -> {b:?}");
                    let (s, t) = (e.0.start, e.0.end);
                    let crlf_split = |i: usize| {
                        i > 0 && a.as_bytes()[i - 1] == b'\r' && a.as_bytes().get(i) == Some(&b'\n')
                    };
                    assert!(!crlf_split(s) && !crlf_split(t), "{a:?} -> {b:?}");
                }
            }
        }
        let e = minimal_edit("FROM a\nADD x /x\n", "FROM a\nCOPY x /x\n").unwrap();
        assert!(e.1.len() <= 4, "{e:?}");
    }

    #[test]
    fn only_filter() {
        let q = vec![CodeActionKind::QUICKFIX];
        assert!(wanted(Some(&q), "quickfix"));
        assert!(!wanted(Some(&q), FIX_ALL_KIND));
        let s = vec![CodeActionKind::SOURCE_FIX_ALL];
        assert!(wanted(Some(&s), FIX_ALL_KIND));
        assert!(!wanted(
            Some(&vec![CodeActionKind::new("source.fix")]),
            FIX_ALL_KIND
        ));
        assert!(wanted(None, "quickfix"));
    }
}
