//! `invalid-default-base-image`: with only the ARG defaults, a FROM names
//! no valid image (`FROM busybox:$VERSION` with `ARG VERSION` and no
//! default), so a plain `docker build` fails (`InvalidDefaultArgInFrom`).
use super::from_args::GlobalScope;
use crate::diagnostic::Severity;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D104",
    name: "invalid-default-base-image",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["InvalidDefaultArgInFrom"],
    summary:
        "With only the ARG defaults, a FROM names no valid image, so a plain `docker build` fails",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let invalid = super::from_args::invalid_default_bases_once(cx);
    if !cx.unit().stages().any(|s| invalid.0[s]) {
        return;
    }
    let scope = GlobalScope::of(m);
    for st in &m.stages[cx.unit().stages()] {
        if !invalid.0[st.index] {
            continue;
        }
        let Some(w) = &st.image else { continue };
        let t = scope.expand(&w.value);
        let value = t.expanded.value;
        let without: Vec<String> = t
            .unmatched
            .iter()
            .filter(|v| scope.is_declared(v))
            .map(|v| format!("`{v}`"))
            .collect();
        let why = if value.is_empty() {
            "nothing".to_string()
        } else {
            format!("`{value}`, which is no valid image reference")
        };
        let hint = if without.is_empty() {
            "Fix the image name or the ARG defaults".to_string()
        } else {
            format!(
                "Give {} a default (a pinned tag), so the file builds without `--build-arg`",
                without.join(", ")
            )
        };
        let msg = format!(
            "With the ARG defaults, `FROM {}` names {why}: `docker build` without `--build-arg` fails. {hint} (BuildKit warns, `InvalidDefaultArgInFrom`)",
            w.value
        );
        let inst = &m.instructions[st.from];
        cx.report(crate::rules::buildkit::report_span(m, inst, w.span), msg);
    }
}
