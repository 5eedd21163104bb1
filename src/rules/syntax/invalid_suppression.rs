//! `invalid-suppression`: a suppression comment that suppresses nothing: a
//! `# dlint ignore=` name that is no rule, a `# hadolint ignore=` comment
//! hadolint cannot read (so neither hadolint nor dlint applies it), a
//! `stage ignore=` that is not above a FROM.
use crate::diagnostic::Severity;
use crate::model::pragma::{pragmas, Tool};
use crate::rules::{find, is_shellcheck_code, Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D002",
    name: "invalid-suppression",
    category: Category::Syntax,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "A suppression comment names a rule that does not exist, or cannot be read",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let model = cx.model;
    for p in pragmas(model) {
        if let Some(why) = &p.rejected {
            let tool = match p.tool {
                Tool::Hadolint => "hadolint",
                _ => "dlint",
            };
            let msg = format!("This `# {tool}` comment suppresses nothing: {why}");
            cx.report(p.span, msg);
            continue;
        }
        if p.tool != Tool::Dlint {
            continue;
        }
        for n in &p.names {
            if find(&n.text).is_some() || is_shellcheck_code(&n.text) {
                continue;
            }
            let hint = crate::rules::did_you_mean(&n.text)
                .map(|r| format!("; did you mean `{r}`?"))
                .unwrap_or_else(|| " (see `dlint rules`)".to_string());
            let msg = format!(
                "`{}` is not a dlint rule, code or alias, so this comment suppresses nothing for it{hint}",
                n.text
            );
            cx.report(n.span, msg);
        }
    }
}
