//! `unpinned-gem`: `gem install <gem>` without `<gem>:<version>` or
//! `-v <version>`.
use super::{check_pins, install_args, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D608",
    name: "unpinned-gem",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3028"],
    summary: "`gem install` names a gem without a version (`rails:<version>`, `-v <version>`)",
    default_enabled: true,
};

/// `rails:7.1.3`, a gem file (`x.gem`), a path.
pub fn pinned(pkg: &str) -> bool {
    pkg.contains(':') || pkg.ends_with(".gem") || pkg.contains('/')
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Gem],
    programs: &["gem"],
    packages: |_, _, p| {
        // `-v` applies to the gems of the command.
        if p.has(&["version"], &['v']) {
            return None;
        }
        install_args(p, &["install", "i"])
    },
    pinned,
    hint: |pkg| {
        format!("`{pkg}:<version>` or `-v <version>` (`gem list --remote --exact {pkg}` shows the latest)")
    },
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
