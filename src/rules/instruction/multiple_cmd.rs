//! `multiple-cmd`: more than one CMD, ENTRYPOINT or HEALTHCHECK in a stage;
//! only the last one counts.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D205",
    name: "multiple-cmd",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[
        "DL4003",
        "DL4004",
        "DL3012",
        "MultipleInstructionsDisallowed",
    ],
    summary:
        "A stage has more than one CMD, ENTRYPOINT or HEALTHCHECK; all but the last are ignored",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for st in &m.stages {
        for kind in [Kind::Cmd, Kind::Entrypoint, Kind::Healthcheck] {
            let all: Vec<_> = m
                .stage_instructions(st.index)
                .filter(|i| i.kind == kind)
                .collect();
            let Some(last) = all.last() else { continue };
            for inst in &all[..all.len() - 1] {
                let msg = format!(
                    "This {} is overridden by the {} on line {}: only the last one in a stage takes effect, so this line does nothing. Remove it, or combine the two",
                    kind.as_str(),
                    kind.as_str(),
                    last.start_line
                );
                let span = inst.keyword.span;
                let last_span = last.keyword.span;
                cx.report(span, msg)
                    .related
                    .push(crate::diagnostic::Related {
                        span: last_span,
                        message: "this one takes effect".into(),
                    });
            }
        }
    }
}
