//! `redundant-target-platform`: `FROM --platform=$TARGETPLATFORM`, which is
//! what FROM does anyway (`RedundantTargetPlatform`, hadolint DL3065).
use super::from_args::GlobalScope;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D106",
    name: "redundant-target-platform",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["RedundantTargetPlatform", "DL3065"],
    summary: "`FROM --platform=$TARGETPLATFORM` repeats what FROM does by default",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let scope = GlobalScope::of(m);
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::From) {
        let Some(f) = inst.flag("platform") else {
            continue;
        };
        let value = f.value.as_deref().unwrap_or("");
        let t = scope.expand(value);
        if t.matched.len() != 1 || !t.unmatched.is_empty() || t.matched[0] != "TARGETPLATFORM" {
            continue;
        }
        if Some(t.expanded.value.as_str()) != scope.get("TARGETPLATFORM") {
            continue;
        }
        let msg = format!(
            "`--platform={value}` is redundant: FROM already pulls the base image for the target platform. Remove the flag (BuildKit warns, `RedundantTargetPlatform`)"
        );
        // Remove the flag and the whitespace after it, when on one line.
        let after = m.source.get(f.span.end..).unwrap_or("");
        let end = f.span.end + (after.len() - after.trim_start_matches([' ', '\t']).len());
        let fix = (m.text(f.span).starts_with("--")
            && !m.text(Span::new(f.span.start, end)).contains('\n'))
        .then(|| {
            Fix::safe(
                "Remove `--platform`",
                vec![Edit::delete(Span::new(f.span.start, end))],
            )
        });
        cx.report(crate::rules::buildkit::report_span(m, inst, f.span), msg)
            .fix = fix;
    }
}
