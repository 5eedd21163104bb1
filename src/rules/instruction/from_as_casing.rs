//! `from-as-casing`: `FROM … as name` where `as` is not cased like `FROM`
//! (`FromAsCasing`).
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D208",
    name: "from-as-casing",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["FromAsCasing"],
    summary: "The `AS` of a FROM is not cased like its `FROM` keyword",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx
        .unit()
        .instructions()
        .iter()
        .filter(|i| i.kind == Kind::From)
    {
        let Some(as_word) = inst.args.get(1) else {
            continue;
        };
        if inst.args.len() < 3 || !as_word.value.eq_ignore_ascii_case("as") {
            continue;
        }
        let from = inst.keyword.value.as_str();
        // A mixed-case FROM is inconsistent-instruction-casing's finding.
        let want = if from == from.to_lowercase() {
            "as"
        } else if from == from.to_uppercase() {
            "AS"
        } else {
            continue;
        };
        if as_word.value == want {
            continue;
        }
        let msg = format!(
            "`{}` is not cased like `{from}`: write `{from} … {want} {}` (BuildKit warns, `FromAsCasing`)",
            as_word.value, inst.args[2].value
        );
        let fix = (m.text(as_word.span) == as_word.value).then(|| {
            Fix::safe(
                format!("Write `{want}`"),
                vec![Edit::replace(as_word.span, want)],
            )
        });
        cx.report(
            crate::rules::buildkit::report_span(m, inst, as_word.span),
            msg,
        )
        .fix = fix;
    }
}
