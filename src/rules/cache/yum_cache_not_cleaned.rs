//! `yum-cache-not-cleaned`: `yum install` in a RUN that ends up in the image,
//! with no `yum clean all` after it: the repository metadata stays in the
//! layer.
use super::{check_cache, CacheSpec};
use crate::diagnostic::Severity;
use crate::model::package::{Op, PackageCommand, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D307",
    name: "yum-cache-not-cleaned",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3032"],
    summary:
        "A yum install in the final image leaves its cache in /var/cache/yum: no `yum clean all`",
    default_enabled: true,
};

/// Whether `clean` empties the cache `filler` filled: `clean all` of the
/// same tool; yum and dnf share theirs (yum is dnf on RHEL 8 and later),
/// microdnf and tdnf keep their own.
pub fn cleans_rpm(filler: &PackageCommand, clean: &PackageCommand) -> bool {
    let group = |t: Tool| match t {
        Tool::Yum | Tool::Dnf => 0,
        Tool::Microdnf => 1,
        _ => 2,
    };
    clean.tool.family() == filler.tool.family()
        && group(clean.tool) == group(filler.tool)
        && clean.op == Op::Clean
        && clean.arguments().any(|w| w.text() == "all")
}

static SPEC: CacheSpec = CacheSpec {
    tools: &[Tool::Yum],
    mentions: &["yum"],
    fills: |p| matches!(p.op, Op::Install | Op::Upgrade),
    cleans: cleans_rpm,
    // On RHEL 8 and later yum is dnf, with the dnf cache directory.
    dirs: &["/var/cache/yum", "/var/cache/dnf"],
    cleanup: |p| format!("{} clean all", super::invocation(p).unwrap_or("yum".into())),
    message: |p, cleanup| {
        format!(
            "`{}` in the final image, and this RUN does not clean yum's cache: the repository metadata (often 50-200 MB) stays in /var/cache/yum in the layer. End the RUN with `&& {cleanup}`, or mount a cache at /var/cache/yum",
            p.display()
        )
    },
    safe: true,
};

pub fn check(cx: &mut Checker) {
    check_cache(cx, &SPEC);
}
