//! Sets `DLINT_VERSION`, the text `dlint --version` prints: the package
//! version, and for a build from a git checkout of dlint the commit and its
//! date, as `0.1.0 (4006733 2026-12-01)`.
//!
//! `DLINT_COMMIT` (for example `4006733 2026-12-01`), when set, is used as is:
//! for builds from a source tree without `.git` (a container build, a
//! tarball) that still know their commit. Without it, `git` is asked only
//! when the package directory is the top of a git work tree (so a copy of
//! dlint vendored inside another repository does not report that
//! repository's commit); without git, or on any error, the version is the
//! package version alone. The script never fails the build.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DLINT_COMMIT");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = match env::var("DLINT_COMMIT") {
        Ok(c) if !c.trim().is_empty() => Some(c.trim().to_string()),
        _ => git_commit(&manifest_dir),
    };
    let full = match commit {
        Some(c) => format!("{version} ({c})"),
        None => version,
    };
    println!("cargo:rustc-env=DLINT_VERSION={full}");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// `<short hash> <commit date>` of HEAD, when `dir` is the top of a git work
/// tree. Also tells cargo to run this script again when HEAD moves.
fn git_commit(dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?);
    let same = match (top.canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    // Run again when HEAD, the branch it points to, or the packed refs change.
    // (Paths as git reports them: `.git` may be a file, as in a worktree.)
    // Only existing files: cargo takes a missing one as changed on every build.
    let watch = |git_path: &str| {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", git_path]) {
            let p = dir.join(p); // stays `p` when git printed an absolute path
            if p.is_file() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    };
    watch("HEAD");
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(&branch);
    }
    watch("packed-refs");
    git(
        dir,
        &[
            "log",
            "-1",
            "--no-show-signature",
            "--format=%h %cs",
            "HEAD",
        ],
    )
}
