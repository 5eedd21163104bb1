//! `constant-from-platform`: `FROM --platform=linux/amd64 …`, a platform
//! fixed in the file (`FromPlatformFlagConstDisallowed`, hadolint DL3029).
use super::from_args::GlobalScope;
use crate::diagnostic::Severity;
use crate::rules::buildkit::parse_platform;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D107",
    name: "constant-from-platform",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["FromPlatformFlagConstDisallowed", "DL3029"],
    summary:
        "`FROM --platform=` names a fixed platform instead of `$BUILDPLATFORM`/`$TARGETPLATFORM`",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let scope = GlobalScope::of(m);
    for st in &m.stages {
        let inst = &m.instructions[st.from];
        let Some(f) = inst.flag("platform") else {
            continue;
        };
        let value = f.value.as_deref().unwrap_or("");
        let t = scope.expand(value);
        if !t.matched.is_empty()
            || !t.unmatched.is_empty()
            || t.expanded.invalid
            || t.expanded.limited.is_some()
        {
            continue;
        }
        let Some((os, arch)) = parse_platform(&t.expanded.value) else {
            continue;
        };
        // A stage named for its platform (`AS build-amd64`) is meant to be.
        let name = st.name().map(str::to_lowercase).unwrap_or_default();
        if name.contains(&os) || name.contains(&arch) {
            continue;
        }
        let msg = format!(
            "`--platform={}` fixes the platform in the file: `docker build --platform` and multi-platform builds no longer choose it, and other machines emulate it. Use `--platform=$BUILDPLATFORM` for a stage that runs build tools, or leave the flag out; name the stage after the platform if it is meant for one (BuildKit warns, `FromPlatformFlagConstDisallowed`)",
            t.expanded.value
        );
        cx.report(crate::rules::buildkit::report_span(m, inst, f.span), msg);
    }
}
