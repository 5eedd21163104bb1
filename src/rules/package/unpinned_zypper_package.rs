//! `unpinned-zypper-package`: `zypper install <package>` without
//! `<package>=<version>`.
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D605",
    name: "unpinned-zypper-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3037"],
    summary: "`zypper install` names a package without a version (`httpd=<version>`)",
    default_enabled: false,
};

/// `httpd=2.4.57`, `httpd>=2.4`, `httpd<3`, a file or URL.
pub fn pinned(pkg: &str) -> bool {
    pkg.contains(['=', '<', '>', '/']) || pkg.ends_with(".rpm")
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Zypper],
    programs: &["zypper"],
    packages: |_, _, p| {
        if !matches!(p.subcommand(), Some("install" | "in")) {
            return None;
        }
        // Patterns, products and patches (`-t pattern devel_basis`) have no
        // version to pin.
        if p.value(&["type"], &['t']).is_some_and(|t| t != "package") {
            return None;
        }
        Some(p.arguments().filter(|w| !w.text().contains('(')).collect())
    },
    pinned,
    hint: |pkg| format!("`{pkg}=<version>` (`zypper search -s {pkg}` lists the versions)"),
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
