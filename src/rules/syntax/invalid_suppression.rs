//! `invalid-suppression`: a `# dlint ignore=` comment names no rule.
use crate::diagnostic::Severity;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D002",
    name: "invalid-suppression",
    category: Category::Syntax,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "A dlint suppression comment names a rule that does not exist",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let s = crate::suppress::collect(cx.model);
    for u in s.unknown {
        let msg = format!(
            "`{}` is not a dlint rule, code or alias, so this comment suppresses nothing for it (see `dlint rules`)",
            u.name
        );
        cx.report(u.span, msg);
    }
}
