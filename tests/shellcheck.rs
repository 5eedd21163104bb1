//! The `shellcheck` rule through the binary, with a real ShellCheck
//! (`tests/setup.sh` installs it; without it these tests fail, or skip with
//! `DLINT_ALLOW_SKIP=1` outside CI).

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn have_shellcheck(test: &str) -> bool {
    if common::which("shellcheck").is_some() {
        return true;
    }
    common::missing(test, "shellcheck is not on PATH");
    false
}

/// dlint without the persistent ShellCheck cache, so that every test runs
/// ShellCheck itself.
fn dlint(dir: &Path, args: &[&str]) -> Output {
    common::dlint_env(dir, args, &[("DLINT_NO_CACHE", "1")])
}

fn findings(dir: &Path, args: &[&str]) -> Vec<(String, i64, i64)> {
    let o = dlint(dir, args);
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    v.iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_i64().unwrap(),
                f["column"].as_i64().unwrap(),
            )
        })
        .collect()
}

const ARGS: &[&str] = &["--isolated", "--select", "shellcheck", "--format", "json"];

fn with(args: &[&str], more: &[&'static str]) -> Vec<String> {
    args.iter().chain(more).map(|s| s.to_string()).collect()
}

fn run(dir: &Path, more: &[&'static str]) -> Vec<(String, i64, i64)> {
    let a = with(ARGS, more);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    findings(dir, &a)
}

#[test]
fn positions_are_exact_through_continuations_heredocs_crlf_and_onbuild() {
    if !have_shellcheck("positions_are_exact") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(
        p.join("Dockerfile"),
        "FROM debian:12\nARG KNOWN=1\nRUN echo $KNOWN && \\\n    echo 공 $a\nRUN <<EOF\n  echo $b\nEOF\nONBUILD RUN echo $c\nRUN [\"sh\", \"-c\", \"echo $d\"]\nFROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN echo $e\n",
    )
    .unwrap();
    let f = run(p, &["Dockerfile"]);
    let sc2154: Vec<(i64, i64)> = f
        .iter()
        .filter(|x| x.0 == "SC2154")
        .map(|x| (x.1, x.2))
        .collect();
    // $a on line 4 after `    echo 공 `, $b in the heredoc, $c in ONBUILD;
    // not $KNOWN (an ARG), not the exec form, not after SHELL pwsh (in a
    // stage of its own: an ONBUILD trigger runs with its stage's last shell).
    assert_eq!(sc2154, vec![(4, 12), (6, 8), (8, 18)], "{f:?}");
    // CRLF and a backtick escape.
    fs::write(
        p.join("crlf.Dockerfile"),
        "# escape=`\r\nFROM debian:12\r\nRUN echo $x `\r\n  && echo $y\r\n",
    )
    .unwrap();
    let f = run(p, &["crlf.Dockerfile"]);
    let at: Vec<(i64, i64)> = f
        .iter()
        .filter(|x| x.0 == "SC2154")
        .map(|x| (x.1, x.2))
        .collect();
    assert_eq!(at, vec![(3, 10), (4, 11)], "{f:?}");
}

#[test]
fn suppression_select_and_ignore_work_per_code() {
    if !have_shellcheck("suppression_select_and_ignore_work_per_code") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let src = "FROM debian:12\n# hadolint ignore=SC2086\nRUN echo $v1\n# dlint ignore=SC2154\nRUN echo $v2\nRUN echo $v3\nRUN <<EOF\n# shellcheck disable=SC2086,SC2154\necho $v4\nEOF\n";
    fs::write(p.join("Dockerfile"), src).unwrap();
    let f = run(p, &["Dockerfile"]);
    let has = |code: &str, line: i64| f.iter().any(|x| x.0 == code && x.1 == line);
    assert!(!has("SC2086", 3) && has("SC2154", 3), "{f:?}");
    assert!(has("SC2086", 5) && !has("SC2154", 5), "{f:?}");
    assert!(has("SC2086", 6) && has("SC2154", 6), "{f:?}");
    assert!(!f.iter().any(|x| x.1 == 9), "{f:?}");
    // --ignore one code; --select one code.
    let f = run(p, &["--ignore", "SC2086", "Dockerfile"]);
    assert!(f.iter().all(|x| x.0 != "SC2086") && f.iter().any(|x| x.0 == "SC2154"));
    let a = [
        "--isolated",
        "--select",
        "SC2086",
        "--format",
        "json",
        "Dockerfile",
    ];
    let f = findings(p, &a);
    assert!(!f.is_empty() && f.iter().all(|x| x.0 == "SC2086"), "{f:?}");
    // Config: ignore a code; and shellcheck = false.
    fs::create_dir(p.join(".git")).unwrap();
    fs::write(
        p.join("dlint.toml"),
        "select = [\"shellcheck\"]\nignore = [\"SC2154\"]\n",
    )
    .unwrap();
    let f = findings(p, &["--format", "json", "Dockerfile"]);
    assert!(
        f.iter().all(|x| x.0 != "SC2154") && f.iter().any(|x| x.0 == "SC2086"),
        "{f:?}"
    );
    fs::write(
        p.join("dlint.toml"),
        "select = [\"shellcheck\"]\nshellcheck = false\n",
    )
    .unwrap();
    let o = dlint(p, &["--format", "json", "Dockerfile"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("note"));
}

#[test]
fn a_missing_shellcheck_is_said_once_and_the_rest_works() {
    let d = common::project(&[
        ("dlint.toml", "shellcheck = \"/nonexistent/shellcheck\"\n"),
        ("a.Dockerfile", "FROM debian:12\nADD x /x\nRUN echo $a\n"),
        ("b.Dockerfile", "FROM debian:12\nRUN echo $b\n"),
    ]);
    let p = d.path();
    fs::create_dir(p.join(".git")).unwrap();
    let o = dlint(p, &["--format", "json", "."]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.matches("shell analysis (ShellCheck) skipped").count(),
        1,
        "{err}"
    );
    assert!(err.contains("apt-get install shellcheck"), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("add-instead-of-copy"), "{out}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn shellchecks_fix_is_unsafe_and_applies() {
    if !have_shellcheck("shellchecks_fix_is_unsafe_and_applies") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(
        p.join("Dockerfile"),
        "FROM debian:12\nRUN x=$(date); echo $x\n",
    )
    .unwrap();
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "shellcheck",
            "--fix",
            "Dockerfile",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("No fixes applied."));
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "shellcheck",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
    );
    let fixed = fs::read_to_string(p.join("Dockerfile")).unwrap();
    assert_eq!(
        fixed, "FROM debian:12\nRUN x=$(date); echo \"$x\"\n",
        "{:?}",
        o
    );
}

#[test]
fn results_are_kept_on_disk_and_used_again() {
    if !have_shellcheck("results_are_kept_on_disk_and_used_again") {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let cache = p.join("cache");
    fs::write(
        p.join("Dockerfile"),
        "FROM debian:12\nRUN echo $a \\\n  && echo 공 $b\nRUN <<EOF\necho $c\nEOF\n",
    )
    .unwrap();
    let lint = |extra: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dlint"));
        c.args(ARGS)
            .arg("Dockerfile")
            .current_dir(p)
            .env_remove("DLINT_NO_CACHE")
            .env("DLINT_CACHE_DIR", &cache);
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().expect("run dlint")
    };
    let entries = || {
        fs::read_dir(cache.join("shellcheck"))
            .map(|r| {
                r.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .map(|e| e.path())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    // Off: nothing written.
    let off = lint(&[("DLINT_NO_CACHE", "1")]);
    assert!(entries().is_empty());
    let cold = lint(&[]);
    assert_eq!(entries().len(), 2, "one entry per script");
    let warm = lint(&[]);
    assert_eq!(cold.stdout, off.stdout);
    assert_eq!(warm.stdout, cold.stdout);
    let found = String::from_utf8_lossy(&warm.stdout);
    assert!(
        found.contains("SC2154") && found.contains("\"line\": 3"),
        "{found}"
    );
    // An entry is used only for its exact text: a damaged one is checked
    // again (and rewritten), not believed.
    for e in entries() {
        fs::write(&e, b"{\"key\": \"x\", \"text\": \"y\", \"comments\": []}").unwrap();
    }
    let again = lint(&[]);
    assert_eq!(again.stdout, cold.stdout);
    assert_eq!(lint(&[]).stdout, cold.stdout);
}
