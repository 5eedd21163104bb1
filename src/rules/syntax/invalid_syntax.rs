//! `invalid-syntax`: what BuildKit refuses to build.
use crate::diagnostic::Severity;
use crate::model::Phase;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D001",
    name: "invalid-syntax",
    category: Category::Syntax,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL1000"],
    summary: "The file has an error that makes BuildKit refuse to build it",
    default_enabled: true,
};

/// Reports the errors the syntax layer and the model found: BuildKit's
/// parser errors, then those of its instruction pass and conversion.
pub fn check(cx: &mut Checker) {
    for e in &cx.model.errors {
        let msg = match e.phase {
            Phase::Parse => format!("BuildKit cannot parse this: {}", e.message),
            Phase::Instruction => format!("BuildKit refuses this: {}", e.message),
        };
        cx.report(e.span, msg);
    }
}
