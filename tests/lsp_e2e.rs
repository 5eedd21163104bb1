//! End-to-end tests of `dlint server` with real LSP clients over stdio:
//! pytest-lsp (tests/lsp/test_pytest_lsp.py) and headless Neovim
//! (tests/lsp/nvim_e2e.lua), each of which sees the diagnostics of a sample
//! Dockerfile, applies a quick fix and sees the diagnostic go.
//!
//! `tests/setup.sh` installs the clients; the tests never do. When one is
//! missing the test fails and names that script (tests/common/mod.rs).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(180);

fn lsp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp")
}

/// A build context with the sample Dockerfile.
fn sample() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(lsp_dir().join("Dockerfile.sample")).unwrap();
    std::fs::write(d.path().join("Dockerfile"), text).unwrap();
    std::fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    std::fs::write(d.path().join("app.sh"), "#!/bin/sh\necho hi\n").unwrap();
    let p = d.path().join("Dockerfile");
    (d, p)
}

/// Runs a command with a time limit; kills it when the limit passes.
fn run(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn show(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Keeps Neovim's state, cache and logs out of the home directory.
fn nvim_env(cmd: &mut Command, dir: &Path) {
    cmd.env("XDG_STATE_HOME", dir.join(".state"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("XDG_DATA_HOME", dir.join(".data"))
        .env("XDG_CONFIG_HOME", dir.join(".config"));
}

#[test]
fn pytest_lsp_sees_diagnostics_and_applies_a_quick_fix() {
    let python = common::lsp_venv().join("bin/python");
    let has = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        return common::missing(
            "pytest_lsp_sees_diagnostics_and_applies_a_quick_fix",
            &format!("pytest-lsp is not installed in {}", python.display()),
        );
    }
    let (_d, dockerfile) = sample();
    let mut cmd = Command::new(&python);
    cmd.args([
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "test_pytest_lsp.py",
    ])
    .current_dir(lsp_dir())
    .env("DLINT_BIN", env!("CARGO_BIN_EXE_dlint"))
    .env("DLINT_DOCKERFILE", &dockerfile)
    .env("PYTHONDONTWRITEBYTECODE", "1");
    let o = run(cmd);
    let out = show(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("2 passed"),
        "{out}"
    );
    eprintln!("{out}");
}

#[test]
fn neovim_sees_diagnostics_and_applies_a_quick_fix() {
    let nvim = match common::nvim_legacy() {
        Ok(n) => n,
        Err(e) => return common::missing("neovim_sees_diagnostics_and_applies_a_quick_fix", &e),
    };
    let first = nvim.banner;
    let (d, dockerfile) = sample();
    let mut cmd = Command::new(&nvim.bin);
    cmd.args(["--headless", "--clean", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!(
            "luafile {}",
            lsp_dir().join("nvim_e2e.lua").display()
        ))
        .current_dir(d.path())
        .env("DLINT_BIN", env!("CARGO_BIN_EXE_dlint"))
        .env("DLINT_DOCKERFILE", &dockerfile);
    nvim_env(&mut cmd, d.path());
    let o = run(cmd);
    let out = show(&o);
    assert!(o.status.success(), "{first}\n{out}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("NVIM-E2E OK"),
        "{first}\n{out}"
    );
    eprintln!("{first}\n{out}");
}
