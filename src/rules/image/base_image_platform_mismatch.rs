//! `base-image-platform-mismatch`: the base image exists only for another
//! platform than the stage is built for (`InvalidBaseImagePlatform`). Needs
//! the registry: it reports only with `--check-base-platforms`, which asks
//! each base image's registry for its platforms.
use super::from_args::GlobalScope;
use crate::diagnostic::Severity;
use crate::model::Base;
use crate::rules::buildkit::{parse_platform, Platform, Platforms};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D108",
    name: "base-image-platform-mismatch",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["InvalidBaseImagePlatform"],
    summary: "A base image has no variant for the platform the stage is built for (needs `--check-base-platforms`)",
    default_enabled: true,
};

/// The platform BuildKit builds for by default: the builder's own.
pub fn host_platform() -> Platform {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        a => a,
    };
    ("linux".into(), arch.into())
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let Some(facts) = cx.options.base_platforms.clone() else {
        return;
    };
    let scope = GlobalScope::of(m);
    for st in &m.stages {
        if !matches!(st.base, Base::Image(_)) {
            continue;
        }
        let (Some(reference), Some(word)) = (&st.image_expanded, &st.image) else {
            continue;
        };
        let Some(found) = facts.get(reference) else {
            continue;
        };
        let inst = &m.instructions[st.from];
        let expected = match inst.flag("platform") {
            Some(f) => {
                let t = scope.expand(f.value.as_deref().unwrap_or(""));
                match parse_platform(&t.expanded.value) {
                    Some(p) if t.unmatched.is_empty() => p,
                    _ => continue,
                }
            }
            None => host_platform(),
        };
        let want = format!("{}/{}", expected.0, expected.1);
        let msg = match found {
            Platforms::Single(p) if *p != expected => format!(
                "The base image `{reference}` is only built for `{}/{}`, but this stage is built for `{want}`: BuildKit pulls it anyway, and its programs run under emulation or not at all. Use a multi-platform tag, or set `--platform` to what the stage means (BuildKit warns, `InvalidBaseImagePlatform`)",
                p.0, p.1
            ),
            Platforms::Index(list) if !list.is_empty() && !list.contains(&expected) => {
                let has = list
                    .iter()
                    .map(|(o, a)| format!("`{o}/{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "The base image `{reference}` has no `{want}` variant (it has {has}), so building this stage for `{want}` fails. Pick a tag built for `{want}`, or set `--platform`"
                )
            }
            _ => continue,
        };
        cx.report(crate::rules::buildkit::report_span(m, inst, word.span), msg);
    }
}
