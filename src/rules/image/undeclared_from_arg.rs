//! `undeclared-from-arg`: FROM uses a variable no ARG before the first FROM
//! declares (`UndefinedArgInFrom`).
use super::from_args::GlobalScope;
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::buildkit::Suggester;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D105",
    name: "undeclared-from-arg",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["UndefinedArgInFrom"],
    summary: "FROM uses a variable that no ARG before the first FROM declares",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let scope = GlobalScope::of(m);
    let known = scope.known();
    let known_set: std::collections::HashSet<&str> = known.iter().copied().collect();
    let mut suggester = Suggester::default();
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::From) {
        let image = inst.args.first();
        let platform = inst.flag("platform");
        let words = image
            .map(|w| (w.value.clone(), w.span))
            .into_iter()
            .chain(platform.map(|f| (f.value.clone().unwrap_or_default(), f.span)));
        for (text, span) in words {
            let t = scope.expand(&text);
            for var in &t.unmatched {
                if known_set.contains(var.as_str()) {
                    continue;
                }
                let hint = match suggester.suggest(var, known.iter().copied()) {
                    Some(s) => format!(" Did you mean `{s}`?"),
                    None => format!(
                        " Declare it before the first FROM (`ARG {var}=<default>`); an ARG inside a stage is not visible to FROM."
                    ),
                };
                let msg = format!(
                    "FROM uses `${var}`, which no ARG before the first FROM declares, so it expands to nothing.{hint} (BuildKit warns, `UndefinedArgInFrom`)"
                );
                cx.report(crate::rules::buildkit::report_span(m, inst, span), msg);
            }
        }
    }
}
