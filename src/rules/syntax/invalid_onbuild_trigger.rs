//! `invalid-onbuild-trigger`: `ONBUILD ONBUILD`, `ONBUILD FROM` or
//! `ONBUILD MAINTAINER`, which BuildKit refuses.
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D011",
    name: "invalid-onbuild-trigger",
    category: Category::Syntax,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL3043"],
    summary: "ONBUILD wraps ONBUILD, FROM or MAINTAINER, which are not allowed as triggers",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Onbuild) {
        let Some(t) = &inst.trigger else { continue };
        if !matches!(t.kind, Kind::Onbuild | Kind::From | Kind::Maintainer) {
            continue;
        }
        let kw = t.kind.as_str();
        let msg = format!(
            "`ONBUILD {kw}` is not allowed: BuildKit refuses {kw} as an ONBUILD trigger, so every image built FROM this one fails. Remove it, or put the {kw} in the child Dockerfile"
        );
        cx.report(t.keyword.span, msg);
    }
}
