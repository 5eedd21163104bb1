//! `unpinned-go-package`: `go install <package>` (or `go get`, `go run`)
//! without `<package>@<version>`.
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::Tool;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D609",
    name: "unpinned-go-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3062"],
    summary: "`go install` names a module package without a version (`…@v1.2.3`); `@latest` is no version",
    default_enabled: true,
};

/// `example.com/x@v1.2.3`, a local package (`./cmd/x`, `.`, `/src/x`), a
/// file (`main.go`), a pattern of the main module or the standard library
/// (`std`, `all`, `./...`).
pub fn pinned(pkg: &str) -> bool {
    if let Some((_, v)) = pkg.rsplit_once('@') {
        return !v.is_empty() && v != "latest";
    }
    pkg.starts_with('.')
        || pkg.starts_with('/')
        || pkg.ends_with(".go")
        || matches!(pkg, "std" | "cmd" | "all" | "tool")
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Go],
    programs: &["go"],
    packages: |_, _, p| match p.subcommand() {
        Some("install" | "get") => Some(p.arguments().collect()),
        // `go run pkg args…`: only the first operand is a package.
        Some("run") => Some(p.arguments().take(1).collect()),
        _ => None,
    },
    pinned,
    hint: |pkg| {
        let path = pkg.split('@').next().unwrap_or(pkg);
        format!(
            "`{path}@<version>` (`go list -m -versions {path}` lists the versions of the module)"
        )
    },
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
