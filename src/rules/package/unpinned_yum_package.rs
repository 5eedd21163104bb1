//! `unpinned-yum-package`: `yum install <package>` without
//! `<package>-<version>`.
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::{PackageCommand, Tool};
use crate::model::ShellWord;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D603",
    name: "unpinned-yum-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3033"],
    summary: "`yum install` names a package without a version (`httpd-<version>`)",
    default_enabled: false,
};

/// The packages of an rpm-family install (`install`, `in`, `module
/// install`), with what is not a package to pin left out: groups
/// (`@core`, `group install`), files, URLs and capabilities (`/usr/bin/x`,
/// `perl(Foo)`).
pub fn rpm_packages<'a>(p: &PackageCommand<'a>) -> Option<Vec<&'a ShellWord>> {
    let sub = p.subcommand_text();
    let module = sub == "module install";
    if !(module || matches!(sub.as_str(), "install" | "in")) {
        return None;
    }
    Some(
        p.arguments()
            .filter(|w| {
                let t = w.text();
                if module {
                    return true;
                }
                // `@group`, but `@module:stream` is a module with a stream.
                let group = t.starts_with('@') && !t.contains(':');
                !group && !t.contains('(')
            })
            .collect(),
    )
}

fn is_version_part(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+' | '*')
        })
}

/// `httpd-2.4.57`, `httpd-2.4.57-5.el9`, `openssl-1:3.0.7`, a module
/// stream (`nodejs:18`), a comparison (`httpd >= 2.4`), a file or URL
/// (`x.rpm`, `/tmp/x`). The version is the last one or two `-` parts, each
/// starting with a digit: `java-11-openjdk` has none.
pub fn pinned(pkg: &str) -> bool {
    if pkg.ends_with(".rpm") || pkg.contains(['/', '=', '<', '>']) {
        return true;
    }
    if pkg.starts_with('@') || !pkg.contains('-') {
        // A module (`@nodejs:18`, `nodejs:18` after `module install`).
        return pkg.contains(':');
    }
    let parts: Vec<&str> = pkg.split('-').collect();
    let n = parts.len();
    (n >= 2 && is_version_part(parts[n - 1]) && parts[..n - 1].iter().all(|p| !p.is_empty()))
        || (n >= 3 && is_version_part(parts[n - 1]) && is_version_part(parts[n - 2]))
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Yum],
    programs: &["yum"],
    packages: |_, _, p| rpm_packages(p),
    pinned,
    hint: |pkg| format!("`{pkg}-<version>` (`yum list --showduplicates {pkg}` lists the versions)"),
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
