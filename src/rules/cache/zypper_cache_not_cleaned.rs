//! `zypper-cache-not-cleaned`: `zypper install` in a RUN that ends up in the
//! image, with no `zypper clean` after it: the repository metadata and the
//! downloaded packages stay in the layer.
use super::{check_cache, CacheSpec};
use crate::diagnostic::Severity;
use crate::model::package::{Op, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D309",
    name: "zypper-cache-not-cleaned",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3036"],
    summary:
        "A zypper install in the final image leaves its cache in /var/cache/zypp: no `zypper clean`",
    default_enabled: true,
};

static SPEC: CacheSpec = CacheSpec {
    tools: &[Tool::Zypper],
    mentions: &["zypper"],
    fills: |p| matches!(p.op, Op::Install | Op::Upgrade),
    cleans: |_, p| p.tool == Tool::Zypper && p.op == Op::Clean,
    dirs: &["/var/cache/zypp"],
    cleanup: |p| {
        format!(
            "{} clean --all",
            super::invocation(p).unwrap_or("zypper".into())
        )
    },
    message: |p, cleanup| {
        format!(
            "`{}` in the final image, and this RUN does not clean zypper's cache: the repository metadata stays in /var/cache/zypp in the layer. End the RUN with `&& {cleanup}`, or mount a cache at /var/cache/zypp",
            p.display()
        )
    },
    safe: true,
};

pub fn check(cx: &mut Checker) {
    check_cache(cx, &SPEC);
}
