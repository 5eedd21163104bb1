//! `dlint --version`: the package version, and for a build from a git
//! checkout of dlint the commit and its date (build.rs), and the release
//! metadata that must agree with it (CHANGELOG.md, pyproject.toml).

use std::path::Path;
use std::process::Command;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(manifest_dir())
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

/// What build.rs should have found: `<hash> <date>` when the package is the
/// top of a git work tree, else nothing.
fn expected_commit() -> Option<String> {
    if let Some(c) = option_env!("DLINT_COMMIT").filter(|c| !c.trim().is_empty()) {
        return Some(c.trim().to_string());
    }
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != manifest_dir().canonicalize().ok()? {
        return None;
    }
    git(&[
        "log",
        "-1",
        "--no-show-signature",
        "--format=%h %cs",
        "HEAD",
    ])
}

#[test]
fn version_names_the_commit_of_a_checkout() {
    let out = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .arg("--version")
        .output()
        .expect("run dlint --version");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let want = match expected_commit() {
        Some(c) => format!("dlint {} ({c})\n", env!("CARGO_PKG_VERSION")),
        None => format!("dlint {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(text, want);
    // A commit, when there is one, is a short hash and an ISO date.
    if let Some(inner) = text.trim_end().strip_suffix(')') {
        let (_, c) = inner.split_once(" (").expect("`(` before the commit");
        let (hash, date) = c.split_once(' ').expect("hash and date");
        assert!(
            hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hash}"
        );
        assert_eq!(date.len(), 10, "{date}");
    }
}

#[test]
fn changelog_has_a_section_for_this_version() {
    let text = std::fs::read_to_string(manifest_dir().join("CHANGELOG.md")).unwrap();
    let heading = format!("## [{}]", env!("CARGO_PKG_VERSION"));
    assert!(
        text.lines().any(|l| l.starts_with(&heading)),
        "CHANGELOG.md has no `{heading}` section"
    );
    assert!(text.lines().any(|l| l == "## [Unreleased]"));
}

#[test]
fn pyproject_takes_name_and_version_from_cargo() {
    let py = std::fs::read_to_string(manifest_dir().join("pyproject.toml")).unwrap();
    let py: toml::Table = toml::from_str(&py).unwrap();
    let project = py["project"].as_table().unwrap();
    assert_eq!(project["name"].as_str(), Some(env!("CARGO_PKG_NAME")));
    // The wheel's version is the crate's (maturin reads Cargo.toml).
    let dynamic = project["dynamic"].as_array().unwrap();
    assert!(dynamic.iter().any(|v| v.as_str() == Some("version")));
    assert!(!project.contains_key("version"));
    let maturin = py["tool"]["maturin"].as_table().unwrap();
    assert_eq!(maturin["bindings"].as_str(), Some("bin"));
    assert_eq!(maturin["profile"].as_str(), Some("dist"));
}

/// build.rs compiled on its own and run as cargo would, outside a git work
/// tree, with no `git` on PATH, and inside a work tree it is not the top of
/// (a vendored copy): the version alone, or `DLINT_COMMIT` when set.
#[test]
fn build_script_falls_back_without_git() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("build-script");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let st = Command::new(rustc)
        .args(["--edition", "2021", "-o"])
        .arg(&exe)
        .arg(manifest_dir().join("build.rs"))
        .status()
        .expect("run rustc");
    assert!(st.success());
    let run = |dir: &Path, path: &str, commit: Option<&str>| {
        let mut cmd = Command::new(&exe);
        cmd.env("CARGO_PKG_VERSION", "9.8.7")
            .env("CARGO_MANIFEST_DIR", dir)
            .env("PATH", path)
            .env_remove("DLINT_COMMIT");
        if let Some(c) = commit {
            cmd.env("DLINT_COMMIT", c);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("cargo:rustc-env=DLINT_VERSION="))
            .expect("DLINT_VERSION set")
            .to_string()
    };
    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    // No git on PATH.
    assert_eq!(run(&plain, "", None), "9.8.7");
    assert_eq!(
        run(&plain, "", Some("abc1234 2026-01-02")),
        "9.8.7 (abc1234 2026-01-02)"
    );
    // A directory that is no work tree, with git on PATH (when the machine has git).
    assert_eq!(run(&plain, &path, None), "9.8.7");
    // A subdirectory of dlint's own checkout (as a vendored copy would be): not its commit.
    if expected_commit().is_some() && option_env!("DLINT_COMMIT").is_none() {
        assert_eq!(run(&manifest_dir().join("src"), &path, None), "9.8.7");
        assert!(run(manifest_dir(), &path, None).starts_with("9.8.7 ("));
    }
}

/// Every "Rust 1.NN" a document states is the `rust-version` of Cargo.toml.
#[test]
fn docs_state_the_minimum_rust_of_cargo_toml() {
    let cargo = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let msrv = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("rust-version in Cargo.toml");
    let re = regex::Regex::new(r"Rust (1\.[0-9]+)").unwrap();
    let mut docs = vec![manifest_dir().join("README.md")];
    for dir in ["docs", "editors/nvim", "editors/vscode"] {
        for e in std::fs::read_dir(manifest_dir().join(dir))
            .unwrap()
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "md") {
                docs.push(e.path());
            }
        }
    }
    let mut seen = 0;
    for d in docs {
        let text = std::fs::read_to_string(&d).unwrap();
        for c in re.captures_iter(&text) {
            seen += 1;
            assert_eq!(&c[1], msrv, "{} says Rust {}", d.display(), &c[1]);
        }
    }
    assert!(
        seen >= 3,
        "the README and guides state the minimum Rust ({seen} found)"
    );
}
