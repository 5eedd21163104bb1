//! `unpinned-dnf-package`: `dnf install <package>` (or microdnf, tdnf)
//! without `<package>-<version>`.
use super::unpinned_yum_package::{pinned, rpm_packages};
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D604",
    name: "unpinned-dnf-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3041"],
    summary: "`dnf install` names a package without a version (`httpd-<version>`)",
    default_enabled: false,
};

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Dnf, Tool::Microdnf, Tool::Tdnf],
    programs: &["dnf", "microdnf", "tdnf", "dnf5", "dnf-3"],
    packages: |_, _, p| rpm_packages(p),
    pinned,
    hint: |pkg| format!("`{pkg}-<version>` (`dnf list --showduplicates {pkg}` lists the versions)"),
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
