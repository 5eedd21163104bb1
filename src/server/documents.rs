//! Open documents: their text, version and line index, and incremental
//! changes.

use std::path::PathBuf;

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::convert::{self, Encoding};
use crate::analysis::Report;
use crate::context::BuildContext;
use crate::diagnostic::Diagnostic;
use crate::settings::Settings;
use crate::syntax::LineIndex;

/// Whether a document is a Dockerfile: language `dockerfile` (or
/// `containerfile`), or a file named like one (`Dockerfile`,
/// `Dockerfile.dev`, `app.Dockerfile`, `Containerfile`, …).
pub fn is_dockerfile(uri: &str, language_id: &str) -> bool {
    if language_id.eq_ignore_ascii_case("dockerfile")
        || language_id.eq_ignore_ascii_case("containerfile")
    {
        return true;
    }
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    ["dockerfile", "containerfile"].iter().any(|base| {
        name == *base
            || name.starts_with(&format!("{base}."))
            || name.ends_with(&format!(".{base}"))
    })
}

/// The lint of one version of a document.
pub struct Analysis {
    pub version: i32,
    pub report: Report,
}

pub struct Document {
    pub uri: Uri,
    pub path: Option<PathBuf>,
    pub text: String,
    pub version: i32,
    pub lines: LineIndex,
    /// Whether dlint lints it (a Dockerfile).
    pub lint: bool,
    /// Settings resolved for it (cleared when config changes).
    pub settings: Option<Settings>,
    /// Its build context, once loaded (`Some(None)`: it has none).
    pub context: Option<Option<BuildContext>>,
    /// The lint of the current text, once computed.
    pub analysis: Option<Analysis>,
    /// What the last lint leaves for the next (per-stage findings); valid
    /// while `settings` and `context` stay.
    pub reuse: crate::analysis::Reuse,
}

impl Document {
    pub fn new(uri: Uri, language_id: &str, version: i32, text: String) -> Document {
        let path = convert::uri_to_path(uri.as_str());
        let lint = is_dockerfile(uri.as_str(), language_id);
        Document {
            lines: LineIndex::new(&text),
            uri,
            path,
            text,
            version,
            lint,
            settings: None,
            context: None,
            analysis: None,
            reuse: Default::default(),
        }
    }

    /// Applies content changes in order (ranges clamped to the text).
    /// The old text's model goes to `reuse` (the next lint builds its model
    /// from it); its findings are returned, for the caller to drop when it
    /// has time.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) -> Option<Vec<Diagnostic>> {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let span = convert::span(&self.text, &self.lines, range, enc);
                    self.text.replace_range(span.start..span.end, &change.text);
                }
            }
            self.lines = LineIndex::new(&self.text);
        }
        self.version = version;
        let old = self.analysis.take()?.report;
        self.reuse.keep_model(old.model);
        Some(old.diagnostics)
    }

    /// The LSP diagnostics of the current lint (none before it ran).
    pub fn lsp_diagnostics(&self, enc: Encoding) -> Vec<lsp_types::Diagnostic> {
        match &self.analysis {
            Some(a) => super::diagnostics::to_lsp(&a.report, &self.uri, a.version, enc, true),
            None => Vec::new(),
        }
    }

    /// [`Self::lsp_diagnostics`], their data apart (for publishing).
    pub fn lsp_parts(&self, enc: Encoding) -> Vec<super::diagnostics::Part> {
        match &self.analysis {
            Some(a) => super::diagnostics::to_lsp_parts(&a.report, &self.uri, a.version, enc, true),
            None => Vec::new(),
        }
    }

    /// Drops cached settings, context and lint (config changed).
    pub fn invalidate(&mut self) {
        self.settings = None;
        self.context = None;
        self.analysis = None;
        self.reuse = Default::default();
    }

    /// Lint again with the same settings and context (new ShellCheck
    /// results came in).
    pub fn invalidate_analysis(&mut self) {
        if let Some(old) = self.analysis.take() {
            self.reuse.keep_model(old.report.model);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};
    use std::str::FromStr;

    #[test]
    fn dockerfile_names() {
        for u in [
            "file:///a/Dockerfile",
            "file:///a/Dockerfile.dev",
            "file:///a/app.Dockerfile",
            "file:///a/Containerfile",
            "file:///a/prod.dockerfile",
        ] {
            assert!(is_dockerfile(u, "plaintext"), "{u}");
        }
        assert!(is_dockerfile("untitled:1", "dockerfile"));
        assert!(!is_dockerfile("file:///a/main.rs", "rust"));
        assert!(!is_dockerfile("file:///a/Dockerfiles/x.txt", "plaintext"));
    }

    #[test]
    fn incremental_changes_clamp() {
        let mut d = Document::new(
            Uri::from_str("file:///x/Dockerfile").unwrap(),
            "dockerfile",
            1,
            "FROM a\nRUN b\n".into(),
        );
        let ch = |r: Option<Range>, t: &str| TextDocumentContentChangeEvent {
            range: r,
            range_length: None,
            text: t.into(),
        };
        let r =
            |a: u32, b: u32, c: u32, d: u32| Range::new(Position::new(a, b), Position::new(c, d));
        d.apply_changes(
            2,
            vec![
                ch(Some(r(0, 5, 0, 6)), "alpine:3"),
                ch(Some(r(1, 0, 1, 3)), "CMD"),
            ],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "FROM alpine:3\nCMD b\n");
        // Out of range: clamped to the end.
        d.apply_changes(
            3,
            vec![ch(Some(r(50, 0, 60, 9)), "USER 1\n")],
            Encoding::Utf16,
        );
        assert_eq!(d.text, "FROM alpine:3\nCMD b\nUSER 1\n");
        // Reversed range.
        d.apply_changes(4, vec![ch(Some(r(1, 5, 1, 4)), "c")], Encoding::Utf16);
        assert_eq!(d.text, "FROM alpine:3\nCMD c\nUSER 1\n");
        d.apply_changes(5, vec![ch(None, "FROM z\n")], Encoding::Utf8);
        assert_eq!((d.text.as_str(), d.version), ("FROM z\n", 5));
    }

    /// An edit hands the old lint's model to the next lint and returns its
    /// findings to be freed.
    #[test]
    fn an_edit_keeps_the_old_model_for_the_next_lint() {
        let text = "FROM a\nRUN b\n";
        let mut d = Document::new(
            Uri::from_str("file:///x/Dockerfile").unwrap(),
            "dockerfile",
            1,
            text.into(),
        );
        let settings = Settings::default();
        let report = crate::analysis::analyze_reusing(text, None, &settings, None, &mut d.reuse);
        let found = report.diagnostics.len();
        assert!(found > 0);
        d.analysis = Some(Analysis { version: 1, report });
        assert!(!d.reuse.holds_model());
        let change = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "FROM a\nRUN c\n".into(),
        };
        let freed = d.apply_changes(2, vec![change], Encoding::Utf16);
        assert_eq!(freed.map(|f| f.len()), Some(found));
        assert!(d.reuse.holds_model());
        let next = crate::analysis::analyze_reusing(&d.text, None, &settings, None, &mut d.reuse);
        assert!(!d.reuse.holds_model(), "taken by the lint");
        assert_eq!(next.model.source, "FROM a\nRUN c\n");
    }
}
