//! End-to-end tests of `dlint server` with real LSP clients over stdio:
//! pytest-lsp (tests/lsp/test_pytest_lsp.py) and headless Neovim
//! (tests/lsp/nvim_e2e.lua), each of which sees the diagnostics of a sample
//! Dockerfile, applies a quick fix and sees the diagnostic go; and the two
//! Neovim configs users copy from editors/nvim: the legacy one on Neovim
//! 0.7.2 (tests/editors/nvim_legacy_test.lua) and lsp/dlint.lua on Neovim
//! 0.12 (tests/editors/nvim_config_test.lua, with a Korean buffer).
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

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// editors/nvim/lua/dlint_legacy.lua on Neovim 0.7 to 0.10: `setup()`
/// starts the client with the configured cmd when a Dockerfile opens, the
/// `settings` reach the server, diagnostics and a quick fix arrive.
#[test]
fn neovim_legacy_config_attaches_and_gets_diagnostics() {
    let nvim = match common::nvim_legacy() {
        Ok(n) => n,
        Err(e) => return common::missing("neovim_legacy_config_attaches_and_gets_diagnostics", &e),
    };
    let d = tempfile::tempdir().unwrap();
    let svc = d.path().join("proj/svc");
    std::fs::create_dir_all(d.path().join("proj/.git")).unwrap();
    std::fs::create_dir_all(&svc).unwrap();
    std::fs::write(
        svc.join("Dockerfile"),
        "FROM node\nADD app.js /app/\nCMD [\"node\", \"/app/app.js\"]\n",
    )
    .unwrap();
    std::fs::write(svc.join("app.js"), "console.log(1)\n").unwrap();
    let mut cmd = Command::new(&nvim.bin);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!(
            "luafile {}",
            repo().join("tests/editors/nvim_legacy_test.lua").display()
        ))
        .current_dir(&svc)
        .env("DLINT_REPO", repo())
        .env("DLINT_BIN", env!("CARGO_BIN_EXE_dlint"));
    nvim_env(&mut cmd, d.path());
    let o = run(cmd);
    let out = format!("{}\n{}", nvim.banner, show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(stdout.lines().any(|l| l == "RESULT ok"), "{out}");
    // The quick fix for the ADD line and the fix-all action were offered.
    assert!(
        stdout.contains("code action: Replace ADD with COPY (quickfix)"),
        "{out}"
    );
    eprintln!("{out}");
}

/// A Dockerfile with Korean comments and Korean text in ordinary
/// instructions (none inside a `--flag`).
const KOREAN: &str = "\
# 베이스 이미지: 보안을 위해 버전을 고정합니다
FROM node
# 앱 파일을 복사합니다 (한국어 주석)
ADD app.js /app/
# 패키지 설치 — 캐시를 남기지 않습니다
RUN echo \"안녕하세요\" && apt-get install curl
CMD [\"node\", \"/app/app.js\"]
";

/// editors/nvim/lsp/dlint.lua, as users of Neovim 0.11+ copy it, on a
/// current Neovim, with `encoding` the only position encoding the client
/// offers (None: Neovim's default, UTF-8 first).
fn neovim_config(test: &str, encoding: Option<&str>) {
    let nvim = match common::nvim_current() {
        Ok(n) => n,
        Err(e) => return common::missing(test, &e),
    };
    let d = tempfile::tempdir().unwrap();
    let proj = d.path().join("proj");
    let ko = proj.join("한국어");
    std::fs::create_dir_all(proj.join(".git")).unwrap();
    std::fs::create_dir_all(&ko).unwrap();
    let text = std::fs::read_to_string(lsp_dir().join("Dockerfile.sample")).unwrap();
    std::fs::write(proj.join("Dockerfile"), text).unwrap();
    std::fs::write(proj.join("app.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::write(ko.join("Dockerfile"), KOREAN).unwrap();
    std::fs::write(ko.join("app.js"), "console.log(1)\n").unwrap();
    for dir in [&proj, &ko] {
        std::fs::write(dir.join(".dockerignore"), ".git\n").unwrap();
    }
    // The config's own cmd, `dlint server`, found on PATH.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_dlint")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut cmd = Command::new(&nvim.bin);
    cmd.args(["--headless", "--clean", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!(
            "luafile {}",
            repo().join("tests/editors/nvim_config_test.lua").display()
        ))
        .current_dir(&proj)
        .env("PATH", path)
        .env("DLINT_REPO", repo());
    if let Some(e) = encoding {
        cmd.env("DLINT_NVIM_ENCODING", e);
    }
    nvim_env(&mut cmd, d.path());
    let o = run(cmd);
    let out = format!("{}\n{}", nvim.banner, show(&o));
    assert!(o.status.success(), "{out}");
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l == "NVIM-CONFIG OK"),
        "{out}"
    );
    // The edits stay in the buffer: the server never writes the file.
    let saved = std::fs::read_to_string(ko.join("Dockerfile")).unwrap();
    assert_eq!(saved, KOREAN, "{out}");
    eprintln!("{out}");
}

#[test]
fn neovim_0_11_config_attaches_diagnoses_and_fixes_korean_buffers() {
    neovim_config(
        "neovim_0_11_config_attaches_diagnoses_and_fixes_korean_buffers",
        None,
    );
}

#[test]
fn neovim_0_11_config_with_utf16_positions() {
    neovim_config("neovim_0_11_config_with_utf16_positions", Some("utf-16"));
}
