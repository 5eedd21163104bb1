//! `invalid-description-comment`: the comment right above a named FROM or
//! an ARG does not start with the stage's or argument's name, so
//! `docker build --call=outline` reads a wrong description
//! (`InvalidDefinitionDescription`, experimental in BuildKit).
use crate::diagnostic::{Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D217",
    name: "invalid-description-comment",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["InvalidDefinitionDescription"],
    summary: "The comment above a named FROM or an ARG does not start with its name, as build descriptions must",
    default_enabled: false,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        let (what, keys): (&str, Vec<String>) = match inst.kind {
            Kind::From => match inst.stage.and_then(|s| m.stages[s].name()) {
                // BuildKit keeps stage names lowercase.
                Some(n) if inst.args.len() == 3 => ("FROM", vec![n.to_lowercase()]),
                _ => continue,
            },
            Kind::Arg => (
                "ARG",
                inst.args
                    .iter()
                    .map(|w| w.value.split('=').next().unwrap_or("").to_string())
                    .collect(),
            ),
            _ => continue,
        };
        let Some(last) = inst.raw.comments.last() else {
            continue;
        };
        if keys.is_empty() {
            continue;
        }
        let first_word = last.value.split(' ').next().unwrap_or("");
        if keys.iter().any(|k| k == first_word) {
            continue;
        }
        let example = if keys.len() > 1 {
            "<arg_key>"
        } else {
            keys[0].as_str()
        };
        let msg = format!(
            "The comment above this {what} is read as its description (`docker build --call=outline`), but does not start with `{example}`: write `# {example} <description>`, or put an empty `#` line between the comment and the {what} if it is no description (BuildKit, experimental `InvalidDefinitionDescription`)"
        );
        let span = inst.keyword.span;
        let d = cx.report(span, msg);
        d.related.push(crate::diagnostic::Related {
            span: last.span,
            message: "the comment read as the description".into(),
        });
        d.fix = Some(Fix::display_only(format!(
            "Start the comment with `{example}`, or separate it with an empty `#` line"
        )));
    }
}
