//! `dnf-cache-not-cleaned`: `dnf install` (or microdnf, tdnf) in a RUN that
//! ends up in the image, with no `dnf clean all` after it: the repository
//! metadata stays in the layer.
use super::{check_cache, yum_cache_not_cleaned::cleans_rpm, CacheSpec};
use crate::diagnostic::Severity;
use crate::model::package::{Op, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D308",
    name: "dnf-cache-not-cleaned",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3040"],
    summary:
        "A dnf install in the final image leaves its cache in /var/cache/dnf: no `dnf clean all`",
    default_enabled: true,
};

static SPEC: CacheSpec = CacheSpec {
    tools: &[Tool::Dnf, Tool::Microdnf, Tool::Tdnf],
    mentions: &["dnf", "microdnf", "tdnf", "dnf5", "dnf-3"],
    fills: |p| matches!(p.op, Op::Install | Op::Upgrade),
    cleans: cleans_rpm,
    dirs: &[
        "/var/cache/dnf",
        "/var/cache/yum",
        "/var/cache/libdnf5",
        "/var/cache/tdnf",
    ],
    cleanup: |p| {
        let prog = p.tool.name();
        format!("{} clean all", super::invocation(p).unwrap_or(prog.into()))
    },
    message: |p, cleanup| {
        let (tool, dir) = match p.tool {
            Tool::Microdnf => ("microdnf", "/var/cache/yum"),
            Tool::Tdnf => ("tdnf", "/var/cache/tdnf"),
            _ => ("dnf", "/var/cache/dnf"),
        };
        format!(
            "`{}` in the final image, and this RUN does not clean {tool}'s cache: the repository metadata (often 50-200 MB) stays in {dir} in the layer. End the RUN with `&& {cleanup}`, or mount a cache at {dir}",
            p.display()
        )
    },
    safe: true,
};

pub fn check(cx: &mut Checker) {
    check_cache(cx, &SPEC);
}
