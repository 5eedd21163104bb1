//! `empty-label`: a label the label schema asks for is set to nothing.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::label_pairs;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D263",
    name: "empty-label",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3051"],
    summary: "A label of the configured label schema is set to an empty value",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let schema = &cx.options.label_schema;
    if schema.is_empty() {
        return;
    }
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Label) {
        for p in label_pairs(m, inst) {
            if p.value.as_deref() != Some("") || !schema.iter().any(|(k, _)| *k == p.key) {
                continue;
            }
            let msg = format!(
                "The label `{}` is required by the label schema but set to an empty value here",
                p.key
            );
            cx.report(p.value_span.cover(p.key_span), msg);
        }
    }
}
