//! `missing-label`: an image lacks a label the label schema asks for.
use crate::diagnostic::Severity;
use crate::rules::instruction::{label_pairs, leaf_stages, stage_chain};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D261",
    name: "missing-label",
    category: Category::Instruction,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3049"],
    summary: "An image lacks a label that the configured label schema asks for",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let schema = &cx.options.label_schema;
    if schema.is_empty() {
        return;
    }
    for leaf in leaf_stages(m, cx.target) {
        // Labels are inherited from the stages an image is built on.
        let keys: Vec<String> = stage_chain(m, leaf)
            .into_iter()
            .flat_map(|s| m.stage_instructions(s))
            .flat_map(|i| label_pairs(m, i))
            .map(|p| p.key)
            .collect();
        let from = &m.instructions[m.stages[leaf].from];
        for (name, _) in schema {
            if keys.iter().any(|k| k == name) {
                continue;
            }
            let msg = format!(
                "The image this stage builds has no label `{name}`, which the label schema asks for. Add `LABEL {name}=…` to the stage"
            );
            cx.report(from.keyword.span, msg);
        }
    }
}
