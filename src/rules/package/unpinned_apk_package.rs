//! `unpinned-apk-package`: `apk add <package>` without
//! `<package>=<version>` (or `~<version>`).
use super::{check_pins, install_args, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D602",
    name: "unpinned-apk-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3018"],
    summary: "`apk add` names a package without a version (`curl=<version>`, `curl~<version>`)",
    default_enabled: false,
};

/// `curl=8.5.0-r0`, `curl~8.5`, `curl>8`, `curl<9`, a file (`x.apk`).
pub fn pinned(pkg: &str) -> bool {
    pkg.contains(['=', '~', '<', '>']) || pkg.ends_with(".apk")
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Apk],
    programs: &["apk"],
    packages: |_, _, p| install_args(p, &["add"]),
    pinned,
    hint: |pkg| {
        format!("`{pkg}=<version>`, or `{pkg}~<major.minor>` to take fixes (`apk policy {pkg}` lists the versions)")
    },
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
