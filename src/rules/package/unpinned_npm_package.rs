//! `unpinned-npm-package`: `npm install <package>` (or `yarn add`, `pnpm
//! add`) without `<package>@<version>`.
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::{Op, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D607",
    name: "unpinned-npm-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3016"],
    summary: "`npm install` names a package without a version (`express@<version>`)",
    default_enabled: true,
};

/// `express@4.19.2`, `@scope/pkg@^1`, a tarball (`x.tgz`), a folder
/// (`./x`, `/x`, `~/x`), a URL, or a git URL with a ref (`…#v1.0`).
/// `@latest` is no pin.
pub fn pinned(pkg: &str) -> bool {
    let git = [
        "git://",
        "git+ssh://",
        "git+http://",
        "git+https://",
        "github:",
        "gitlab:",
        "bitbucket:",
    ];
    if git.iter().any(|g| pkg.starts_with(g)) {
        return pkg.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| pkg.ends_with(s))
        || [
            "/", "./", "../", "~/", "file:", "link:", "http://", "https://", "npm:",
        ]
        .iter()
        .any(|p| pkg.starts_with(p))
        || pkg == "."
        || pkg == ".."
    {
        return true;
    }
    let name = match pkg.strip_prefix('@') {
        // `@scope/name@1`: the version is after the scope's `/`.
        Some(rest) => rest.split_once('/').map_or("", |(_, n)| n),
        None => pkg,
    };
    match name.split_once('@') {
        Some((_, v)) => !v.is_empty() && v != "latest",
        // `user/repo` (GitHub) needs a `#ref`.
        None => name.contains('/') && pkg.contains('#'),
    }
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Npm, Tool::Yarn, Tool::Pnpm],
    programs: &["npm", "yarn", "yarnpkg", "pnpm"],
    packages: |_, _, p| (p.op == Op::Install).then(|| p.arguments().collect()),
    pinned,
    hint: |pkg| {
        let name = pkg
            .rsplit_once('@')
            .filter(|(n, _)| !n.is_empty())
            .map_or(pkg, |(n, _)| n);
        format!("`{name}@<version>` (`npm view {name} version` shows the latest)")
    },
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
