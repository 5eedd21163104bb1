//! `invalid-syntax`: what BuildKit refuses to build.
use crate::diagnostic::Severity;
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

pub fn check(cx: &mut Checker) {
    for e in &cx.model.errors {
        let msg = format!("BuildKit cannot parse this: {}", e.message);
        cx.report(e.span, msg);
    }
}
