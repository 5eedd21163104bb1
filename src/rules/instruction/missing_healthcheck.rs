//! `missing-healthcheck`: the built image has no HEALTHCHECK.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::{leaf_stages, stage_chain};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D259",
    name: "missing-healthcheck",
    category: Category::Instruction,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3057"],
    summary: "The image has no HEALTHCHECK (not even `HEALTHCHECK NONE`)",
    default_enabled: false,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for leaf in leaf_stages(m, cx.target) {
        let has = stage_chain(m, leaf)
            .into_iter()
            .any(|s| m.stage_instructions(s).any(|i| i.kind == Kind::Healthcheck));
        if has {
            continue;
        }
        let from = &m.instructions[m.stages[leaf].from];
        cx.report(
            from.keyword.span,
            "The image this stage builds has no HEALTHCHECK, so Docker and orchestrators that read it cannot tell a hung container from a working one. Add `HEALTHCHECK CMD <command that fails when the service is down>`, or `HEALTHCHECK NONE` to say there is none (the base image's may still apply)",
        );
    }
}
