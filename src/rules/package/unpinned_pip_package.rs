//! `unpinned-pip-package`: `pip install <package>` without
//! `<package>==<version>`, a requirements file or a constraints file.
use super::{check_pins, PinSpec};
use crate::diagnostic::Severity;
use crate::model::package::{self, Op, Tool, VarValue};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D606",
    name: "unpinned-pip-package",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3013"],
    summary: "`pip install` names a package without a version (`flask==<version>`)",
    default_enabled: true,
};

const VCS: &[&str] = &["git+", "hg+", "svn+", "bzr+", "git://", "svn://"];

/// `flask==3.0.3`, `flask>=3,<4`, `flask~=3.0`, a file (`x.whl`,
/// `x.tar.gz`), a path or URL (`./pkg`, `.`, `https://…/x.zip`), a VCS URL
/// with a ref after the path (`git+https://host/repo.git@v1.0`).
pub fn pinned(pkg: &str) -> bool {
    if VCS.iter().any(|v| pkg.starts_with(v)) {
        let url = pkg.split('#').next().unwrap_or(pkg);
        let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
        // The ref follows the path: `host/org/repo.git@v1`; an `@` in the
        // host part is a user (`git@github.com`).
        return after_scheme
            .split_once('/')
            .is_some_and(|(_, path)| path.contains('@'));
    }
    ["==", ">=", "<=", "!=", "~=", ">", "<", "@"]
        .iter()
        .any(|s| pkg.contains(s))
        || [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar.xz"]
            .iter()
            .any(|s| pkg.ends_with(s))
        || pkg.contains('/')
        || pkg.starts_with('.')
        || pkg.starts_with("file:")
}

static SPEC: PinSpec = PinSpec {
    tools: &[Tool::Pip, Tool::Pipx],
    programs: &["pip"],
    packages: |m, inst, p| {
        if p.op != Op::Install || p.subcommand() != Some("install") {
            return None;
        }
        // A constraints file pins what is installed; `--no-index` installs
        // from local files only.
        if p.has(&["constraint", "no-index"], &['c'])
            || matches!(package::variable(m, inst, "PIP_CONSTRAINT"), VarValue::Known(v) if !v.is_empty())
            || p.cmd
                .assignments
                .iter()
                .any(|a| a.text().starts_with("PIP_CONSTRAINT="))
        {
            return None;
        }
        // `name @ https://…` (PEP 508, unquoted): a direct reference.
        let args: Vec<_> = p.arguments().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < args.len() {
            if args.get(i + 1).is_some_and(|w| w.text() == "@") {
                i += 3;
                continue;
            }
            out.push(args[i]);
            i += 1;
        }
        Some(out)
    },
    pinned,
    hint: |pkg| {
        format!("`{pkg}==<version>`, or install from a requirements file with pinned versions (`pip index versions {pkg}` lists them)")
    },
};

pub fn check(cx: &mut Checker) {
    check_pins(cx, &SPEC);
}
