//! Diagnostics and fixes: what rules report.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::syntax::Span;

/// How serious a finding is. Ordered: `Style < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "style" => Some(Severity::Style),
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Rule families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The file cannot be read as Docker reads it.
    Syntax,
    /// Base images and image references.
    Image,
    /// Instruction choice and form.
    Instruction,
    /// Layers and the build cache.
    Cache,
    /// Which packages are installed, and how: version pins and
    /// package-manager usage.
    Package,
    /// What the container runs as.
    Security,
    /// The build context.
    Context,
    /// What makes the shipped image big: toolchains, sources, development
    /// dependencies and full base images in the final stage.
    Size,
    /// The shell code inside RUN: ShellCheck's findings and what the
    /// commands themselves do.
    Shell,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Image => "image",
            Category::Instruction => "instruction",
            Category::Cache => "cache",
            Category::Package => "package",
            Category::Security => "security",
            Category::Context => "context",
            Category::Size => "size",
            Category::Shell => "shell",
        }
    }
}

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// What a rule declares about itself.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Short code, e.g. `D101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `untagged-image`.
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// Other linters' names for this rule (hadolint `DL3006`, BuildKit
    /// `StageNameCasing`).
    pub aliases: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Off unless selected (or configured).
    pub default_enabled: bool,
}

impl RuleMeta {
    /// Whether `name` (code, name or alias, any case) names this rule.
    pub fn is_named(&self, name: &str) -> bool {
        self.code.eq_ignore_ascii_case(name)
            || self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// The URL of the rule's documentation.
    pub fn doc_url(&self) -> String {
        format!("{DOCS_BASE}/{}.md", self.name)
    }
}

/// Where rule docs are published: the `rules/` folder of the repository
/// named by Cargo.toml's `repository` field (the one place to change it).
/// `dlint rule NAME` and the editor's hover use the copies embedded in the
/// binary and need no network.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/rules");

/// When a fix may be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown to the user, never applied.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: it may change what the build does.
    Unsafe,
    /// Applied by `--fix`: the build means the same, or what the rule asks.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

pub use crate::edit::Edit;

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Span", 2)?;
        st.serialize_field("start", &self.start)?;
        st.serialize_field("end", &self.end)?;
        st.end()
    }
}

/// A change to another file than the Dockerfile (paths are absolute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FileChange {
    /// Create the file; never overwrite one that exists.
    Create { path: PathBuf, content: String },
    /// Append to the file.
    Append { path: PathBuf, content: String },
}

impl FileChange {
    pub fn path(&self) -> &std::path::Path {
        match self {
            FileChange::Create { path, .. } | FileChange::Append { path, .. } => path,
        }
    }
}

/// A fix: edits to the Dockerfile and, rarely, other files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub title: String,
    pub edits: Vec<Edit>,
    pub files: Vec<FileChange>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            title: title.into(),
            edits,
            files: Vec::new(),
        }
    }
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Unsafe,
            title: title.into(),
            edits,
            files: Vec::new(),
        }
    }
    pub fn display_only(title: impl Into<String>) -> Fix {
        Fix {
            applicability: Applicability::DisplayOnly,
            title: title.into(),
            edits: Vec::new(),
            files: Vec::new(),
        }
    }
}

/// Another place that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    /// A finer code than the rule's, for rules that report another tool's
    /// findings (`SC2086` for the `shellcheck` rule).
    pub sub_code: Option<String>,
}

impl Diagnostic {
    /// The code shown for the finding: the sub-code, else the rule's.
    pub fn code(&self) -> &str {
        self.sub_code.as_deref().unwrap_or(self.rule.code)
    }

    /// The page that explains the finding.
    pub fn doc_url(&self) -> String {
        match self.sub_code.as_deref().and_then(|c| c.strip_prefix("SC")) {
            Some(n) => format!("https://www.shellcheck.net/wiki/SC{n}"),
            None => self.rule.doc_url(),
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }
}
