//! `instruction-before-from`: an instruction other than ARG before the
//! first FROM.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D012",
    name: "instruction-before-from",
    category: Category::Syntax,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL3061"],
    summary: "An instruction other than ARG comes before the first FROM",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        match inst.kind {
            Kind::From => break,
            Kind::Arg => continue,
            _ => {}
        }
        let kw = inst.keyword.value.to_ascii_uppercase();
        let msg = format!(
            "`{kw}` comes before the first FROM: only ARG (and parser directives and comments) may, since there is no build stage yet. BuildKit stops with \"no build stage in current context\". Move it below the FROM"
        );
        cx.report(inst.keyword.span, msg);
    }
}
