//! `superfluous-label`: with `strict-labels`, a LABEL sets a key the label
//! schema does not name.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::label_pairs;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D262",
    name: "superfluous-label",
    category: Category::Instruction,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3050"],
    summary: "With `strict-labels`, a LABEL sets a key that the label schema does not name",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    if !cx.options.strict_labels {
        return;
    }
    let schema = &cx.options.label_schema;
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Label) {
        let extra: Vec<_> = label_pairs(m, inst)
            .into_iter()
            .filter(|p| !schema.iter().any(|(k, _)| *k == p.key))
            .collect();
        let Some(first) = extra.first() else { continue };
        let names: Vec<String> = extra.iter().map(|p| format!("`{}`", p.key)).collect();
        let msg = format!(
            "{} {} not in the label schema, and `strict-labels` allows only the labels it names. Remove {}, or add {} to the schema",
            names.join(", "),
            if extra.len() == 1 { "is" } else { "are" },
            if extra.len() == 1 { "it" } else { "them" },
            if extra.len() == 1 { "it" } else { "them" },
        );
        cx.report(first.key_span, msg);
    }
}
