//! `inline-ignore`: a suppression comment for one instruction
//! (`# hadolint ignore=…`, `# dlint ignore=…`), for setups that allow
//! ignores only in the configuration.
use crate::diagnostic::Severity;
use crate::model::pragma::{pragmas, Scope, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D010",
    name: "inline-ignore",
    category: Category::Syntax,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL1001"],
    summary: "An inline `# dlint ignore=` / `# hadolint ignore=` comment; the policy is to ignore rules in the configuration only",
    default_enabled: false,
};

pub fn check(cx: &mut Checker) {
    for p in pragmas(cx.model) {
        if !matches!(p.tool, Tool::Dlint | Tool::Hadolint)
            || !matches!(p.scope, Some(Scope::Instruction(_)))
            || p.rejected.is_some()
        {
            continue;
        }
        cx.report(
            p.span,
            "This comment turns a rule off for one instruction. Inline ignores are not allowed here: fix the finding, or ignore the rule in the configuration (`ignore` or `per-file-ignores` in dlint.toml, `ignored` in .hadolint.yaml)",
        );
    }
}
