//! `duplicate-stage-name`: two stages with the same name.
use crate::diagnostic::Severity;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D204",
    name: "duplicate-stage-name",
    category: Category::Instruction,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL3024", "DuplicateStageName"],
    summary: "Two stages have the same name, so `--from` and `--target` cannot tell them apart",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for (i, st) in m.stages.iter().enumerate() {
        let Some(alias) = &st.alias else { continue };
        if alias.value.contains('$') {
            continue;
        }
        let Some(first) = m
            .stage_named(&alias.value)
            .filter(|&f| f < i)
            .map(|f| &m.stages[f])
        else {
            continue;
        };
        let first_line = m.instructions[first.from].start_line;
        let msg = format!(
            "The stage name `{}` is already used by the stage on line {first_line}: BuildKit refuses the file (stage names are case-insensitive). Rename one of them",
            alias.value
        );
        let span = alias.span;
        let first_span = first.alias.as_ref().map(|a| a.span).unwrap_or(span);
        cx.report(span, msg)
            .related
            .push(crate::diagnostic::Related {
                span: first_span,
                message: "first defined here".into(),
            });
    }
}
