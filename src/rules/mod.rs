//! The rule engine: rule metadata, the registry table and the checker every
//! rule reports through.
//!
//! A rule is one file under `src/rules/<category>/` with a `META` constant and
//! a `check` function; its documentation is `rules/<name>.md`, embedded in the
//! binary. `REGISTRY` below is the one list of rules.

pub mod cache;
pub mod context;
pub mod image;
pub mod instruction;
pub mod security;
pub mod syntax;

use serde::Serialize;

use crate::context::BuildContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Model;
use crate::settings::RuleOptions;
use crate::syntax::Span;

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
    /// What the container runs as.
    Security,
    /// The build context.
    Context,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Image => "image",
            Category::Instruction => "instruction",
            Category::Cache => "cache",
            Category::Security => "security",
            Category::Context => "context",
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

/// Where rule docs are published.
pub const DOCS_BASE: &str = "https://github.com/dlint-dev/dlint/blob/main/rules";

/// A registry row.
pub struct RuleEntry {
    pub meta: &'static RuleMeta,
    pub check: fn(&mut Checker),
    /// rules/<name>.md
    pub doc: &'static str,
}

macro_rules! rule {
    ($module:path, $doc:literal) => {{
        use $module as m;
        RuleEntry {
            meta: &m::META,
            check: m::check,
            doc: include_str!(concat!("../../rules/", $doc, ".md")),
        }
    }};
}

/// Every rule dlint has, in code order.
pub static REGISTRY: &[RuleEntry] = &[
    rule!(syntax::invalid_syntax, "invalid-syntax"),
    rule!(syntax::invalid_suppression, "invalid-suppression"),
    rule!(image::untagged_image, "untagged-image"),
    rule!(image::latest_tag, "latest-tag"),
    rule!(image::untrusted_registry, "untrusted-registry"),
    rule!(instruction::add_instead_of_copy, "add-instead-of-copy"),
    rule!(instruction::relative_workdir, "relative-workdir"),
    rule!(
        instruction::copy_from_unknown_stage,
        "copy-from-unknown-stage"
    ),
    rule!(instruction::duplicate_stage_name, "duplicate-stage-name"),
    rule!(instruction::multiple_cmd, "multiple-cmd"),
    rule!(instruction::maintainer_deprecated, "maintainer-deprecated"),
    rule!(cache::split_apt_layers, "split-apt-layers"),
    rule!(cache::cache_busting_copy, "cache-busting-copy"),
    rule!(cache::missing_assume_yes, "missing-assume-yes"),
    rule!(cache::apt_lists_not_removed, "apt-lists-not-removed"),
    rule!(security::root_user, "root-user"),
    rule!(security::sudo_in_run, "sudo-in-run"),
    rule!(context::missing_dockerignore, "missing-dockerignore"),
    rule!(context::dockerignore_gaps, "dockerignore-gaps"),
];

/// Finds a rule by code, name or alias.
pub fn find(name: &str) -> Option<&'static RuleEntry> {
    REGISTRY.iter().find(|e| e.meta.is_named(name))
}

/// Whether a name is a ShellCheck code (accepted and ignored in hadolint
/// directives).
pub fn is_shellcheck_code(name: &str) -> bool {
    name.len() == 6
        && name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("SC"))
        && name[2..].chars().all(|c| c.is_ascii_digit())
}

/// What rules see while they run.
pub struct Checker<'a> {
    pub model: &'a Model,
    pub options: &'a RuleOptions,
    /// The build context, when one is known (not for stdin without --context).
    pub context: Option<&'a BuildContext>,
    /// The stage that is built (`--target`).
    pub target: Option<&'a str>,
    rule: &'static RuleMeta,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(
        model: &'a Model,
        options: &'a RuleOptions,
        context: Option<&'a BuildContext>,
        target: Option<&'a str>,
    ) -> Self {
        Checker {
            model,
            options,
            context,
            target,
            rule: REGISTRY[0].meta,
            diagnostics: Vec::new(),
        }
    }

    /// Runs one rule.
    pub fn run(&mut self, entry: &RuleEntry) {
        self.rule = entry.meta;
        (entry.check)(self);
    }

    /// Reports a finding of the running rule.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            rule: self.rule,
            severity: self.rule.severity,
            message: message.into(),
            span,
            related: Vec::new(),
            fix: None,
        });
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}
