//! `unpinned-apt-package`: `apt-get install <package>` without
//! `<package>=<version>`.
use super::{check_pins, install_args, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D601",
    name: "unpinned-apt-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3008"],
    summary: "`apt-get install` names a package without a version (`curl=<version>`)",
    default_enabled: false,
};

/// `curl=7.88.1-10`, a release (`curl/bookworm-backports`), a file
/// (`./x.deb`).
pub fn pinned(pkg: &str) -> bool {
    pkg.contains('=') || pkg.contains('/') || pkg.ends_with(".deb")
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::AptGet, Tool::Apt, Tool::Aptitude],
    programs: &["apt-get", "apt", "aptitude"],
    packages: |_, _, p| install_args(p, &["install"]),
    pinned,
    hint: |pkg| format!("`{pkg}=<version>` (`apt-cache policy {pkg}` shows the candidate version)"),
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
