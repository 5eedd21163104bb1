//! `expansion-limit`: a word whose variable expansion grows past what dlint
//! expands (1 MiB per value, 32 MiB per file, `${…}` 32 deep), as a file of
//! `ARG A1=${A0}${A0}` lines that doubles a value 34 times does.
use crate::diagnostic::Severity;
use crate::model::expand::Limit;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D003",
    name: "expansion-limit",
    category: Category::Syntax,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "A variable expansion grows past dlint's limits, so dlint does not know the value",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for hit in &m.expansion_limits {
        let Some(inst) = m.instructions.get(hit.instruction) else {
            continue;
        };
        let consequence = match hit.limit {
            Limit::Value | Limit::Budget => {
                "`docker build` expands it in full and can run out of memory"
            }
            Limit::Depth | Limit::Pattern => "this is almost certainly not what was meant",
        };
        let msg = format!(
            "`{}`: {}; dlint stops expanding it and treats the value as unknown, so checks that \
             need it are skipped. {consequence}",
            m.quote(inst.span, 60),
            hit.limit.describe(),
        );
        cx.report(hit.span, msg);
    }
}
