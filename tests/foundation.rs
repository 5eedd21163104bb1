//! Regression tests for the Foundation issue: every repro of a crash, hang,
//! leak or wrong answer is here, run through the `dlint` binary.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{dlint, dlint_env, dlint_stdin, json, project, stderr as err, stdout as out};

const DIRTY: &str = "FROM ubuntu\nADD app.py /app/\n";

#[test]
fn non_english_comments_never_crash_and_a_batch_keeps_every_file() {
    let d = tempfile::tempdir().unwrap();
    let comments = [
        "# 日本語のコメント",
        "# Größe prüfen",
        "# 보안을 위해 root가 아닌 사용자로 실행",
        "# sy😀ntax",
        "# dlint ignore=a보12",
        "# hadolint ignore=가나다",
        "# 中文注释：构建阶段",
    ];
    for (i, c) in comments.iter().enumerate() {
        fs::write(
            d.path().join(format!("{i}.Dockerfile")),
            format!("{c}\n{DIRTY}"),
        )
        .unwrap();
    }
    for format in ["text", "json", "sarif", "github", "checkstyle", "gitlab"] {
        let o = dlint(d.path(), &["--isolated", "--format", format, "."]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", err(&o));
        assert!(!out(&o).is_empty(), "{format}");
        assert!(!err(&o).contains("panicked"), "{}", err(&o));
    }
    let o = dlint(d.path(), &["--isolated", "--format", "json", "."]);
    let files: std::collections::BTreeSet<String> = json(&o)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), comments.len());
    // The unknown name with a multi-byte character is reported, at its place;
    // so is the hadolint comment hadolint cannot read (it suppresses nothing).
    let bad: Vec<_> = json(&o)
        .into_iter()
        .filter(|f| f["name"] == "invalid-suppression")
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    let of = |file: &str| {
        bad.iter()
            .find(|f| f["file"] == file)
            .unwrap_or_else(|| panic!("{file}: {bad:?}"))
    };
    assert!(of("4.Dockerfile")["message"]
        .as_str()
        .unwrap()
        .contains("a보12"));
    assert_eq!(of("4.Dockerfile")["column"], 16);
    assert!(of("5.Dockerfile")["message"]
        .as_str()
        .unwrap()
        .contains("가나다"));
    assert_eq!(of("5.Dockerfile")["column"], 1);
}

#[test]
fn a_panic_in_one_file_is_that_files_internal_error() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a.Dockerfile"), DIRTY).unwrap();
    fs::write(
        d.path().join("b.Dockerfile"),
        "# dlint-test-panic\nFROM a:1\n",
    )
    .unwrap();
    fs::write(d.path().join("c.Dockerfile"), DIRTY).unwrap();
    let o = dlint_env(
        d.path(),
        &["--isolated", "--format", "json", "."],
        &[("DLINT_TEST_PANIC", "1")],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert_eq!(
        e.lines().filter(|l| l.contains("internal error")).count(),
        1,
        "{e}"
    );
    assert!(
        e.contains("dlint: internal error in b.Dockerfile: test panic requested by the file at src/analysis/mod.rs"),
        "{e}"
    );
    assert!(e.contains("please report"), "{e}");
    assert!(!e.contains("panicked at"), "the hook stays quiet: {e}");
    let files: std::collections::BTreeSet<String> = json(&o)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        vec!["a.Dockerfile", "c.Dockerfile"]
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_and_the_others_linted() {
    let d = project(&[("Dockerfile", DIRTY)]);
    let fifo = d.path().join("fifo.Dockerfile");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("/dev/zero", d.path().join("zero.Dockerfile")).unwrap();
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "Dockerfile",
            "fifo.Dockerfile",
            "zero.Dockerfile",
            "/dev/zero",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("fifo.Dockerfile: a FIFO (named pipe), not a regular file"),
        "{e}"
    );
    assert!(
        e.contains("zero.Dockerfile: a character device, not a regular file"),
        "{e}"
    );
    assert!(
        e.contains("/dev/zero: a character device, not a regular file"),
        "{e}"
    );
    assert!(out(&o).contains("Dockerfile:2:1"), "{}", out(&o));
}

#[test]
fn oversized_and_endless_input_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let big = "# x\n".repeat(3 * 1024 * 1024);
    fs::write(d.path().join("Dockerfile"), &big).unwrap();
    let o = dlint(d.path(), &["--isolated", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("Dockerfile: larger than 10 MiB"),
        "{}",
        err(&o)
    );
    // Standard input is capped too (it is read up to the cap, then refused).
    let o = dlint_stdin(d.path(), &["--isolated", "-"], big.as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("-: larger than 10 MiB"), "{}", err(&o));
}

#[test]
fn utf16_is_named_as_such() {
    let d = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend("FROM alpine:3\n".encode_utf16().flat_map(u16::to_le_bytes));
    fs::write(d.path().join("Dockerfile"), bytes).unwrap();
    let o = dlint(d.path(), &["--isolated", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("Dockerfile: UTF-16LE text; dlint reads UTF-8"),
        "{}",
        err(&o)
    );
}

#[test]
fn bom_does_not_shift_columns() {
    let d = project(&[("Dockerfile", "\u{feff}FROM ubuntu\n")]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "untagged-image",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    assert_eq!(json(&o)[0]["column"], 6, "{}", out(&o));
}

#[cfg(unix)]
#[test]
fn fix_writes_through_symlinks_and_keeps_hard_links() {
    use std::os::unix::fs::MetadataExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::create_dir(p.join("real")).unwrap();
    fs::write(p.join("real/Dockerfile"), DIRTY).unwrap();
    std::os::unix::fs::symlink("real/Dockerfile", p.join("Dockerfile")).unwrap();
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy",
            "--fix",
            "Dockerfile",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(fs::symlink_metadata(p.join("Dockerfile"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(p.join("real/Dockerfile"))
        .unwrap()
        .contains("COPY app.py"));
    // A hard link sees the fix too.
    fs::write(p.join("h1.Dockerfile"), DIRTY).unwrap();
    fs::hard_link(p.join("h1.Dockerfile"), p.join("h2.Dockerfile")).unwrap();
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy",
            "--fix",
            "h1.Dockerfile",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(fs::read_to_string(p.join("h2.Dockerfile"))
        .unwrap()
        .contains("COPY app.py"));
    assert_eq!(fs::metadata(p.join("h1.Dockerfile")).unwrap().nlink(), 2);
    // Owner and mode are kept (root can give the file to another owner).
    let f = p.join("owned.Dockerfile");
    fs::write(&f, DIRTY).unwrap();
    fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let root = is_root();
    if root {
        std::os::unix::fs::chown(&f, Some(4242), Some(4343)).unwrap();
    }
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy",
            "--fix",
            "owned.Dockerfile",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let m = fs::metadata(&f).unwrap();
    assert_eq!(m.mode() & 0o777, 0o640);
    if root {
        assert_eq!((m.uid(), m.gid()), (4242, 4343));
    }
    assert!(fs::read_to_string(&f).unwrap().contains("COPY app.py"));
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn a_fix_appended_after_an_open_continuation_starts_its_own_instruction() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("Dockerfile"),
        // The CMD comes first, so the user goes after the last RUN.
        "FROM debian:12\nCMD [\"app\"]\nRUN echo hi \\",
    )
    .unwrap();
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "root-user",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
    );
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}\n{fixed}", out(&o), err(&o));
    let i = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .args(["inspect", "--format", "json", "Dockerfile"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&i.stdout).unwrap();
    let cmds: Vec<String> = v[0]["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["cmd"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    assert_eq!(cmds.first().map(String::as_str), Some("from"));
    assert!(
        cmds.iter().filter(|c| *c == "run").count() >= 2,
        "{cmds:?}\n{fixed}"
    );
    assert_eq!(cmds.last().map(String::as_str), Some("user"), "{fixed}");
    let run = &v[0]["instructions"][2]["value"];
    assert_eq!(run[0], "echo hi", "{fixed}");
}

#[cfg(unix)]
#[test]
fn fix_in_a_read_only_directory_reports_the_findings_that_remain() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("ro");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("Dockerfile"), DIRTY).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    // Root ignores directory permissions: make the directory immutable.
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    let writable = fs::write(dir.join("probe"), "x").is_ok();
    if writable {
        let _ = fs::remove_file(dir.join("probe"));
    }
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy",
            "--fix",
            "ro/Dockerfile",
        ],
    );
    if immutable {
        let _ = Command::new("chattr").arg("-i").arg(&dir).status();
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    if writable {
        panic!("cannot make a directory read-only here (not even with chattr)");
    }
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        err(&o).contains("ro/Dockerfile: cannot write the fixed file"),
        "{}",
        err(&o)
    );
    let stdout = out(&o);
    assert!(!stdout.contains("No problems found"), "{stdout}");
    assert!(stdout.contains("add-instead-of-copy"), "{stdout}");
    assert!(stdout.contains("No fixes applied."), "{stdout}");
    assert_eq!(fs::read_to_string(dir.join("Dockerfile")).unwrap(), DIRTY);
}

#[test]
fn per_file_ignores_match_however_the_path_is_given() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::create_dir(p.join(".git")).unwrap();
    fs::create_dir_all(p.join("test/x")).unwrap();
    fs::write(
        p.join("dlint.toml"),
        "[per-file-ignores]\n\"test/**\" = [\"untagged-image\"]\n",
    )
    .unwrap();
    fs::write(p.join("test/x/Dockerfile"), "FROM ubuntu\nUSER 1000\n").unwrap();
    let args: [&[&str]; 4] = [
        &["--select", "untagged-image"],
        &["--select", "untagged-image", "."],
        &["--select", "untagged-image", "./test/x/Dockerfile"],
        &["--select", "untagged-image", "test/x/Dockerfile"],
    ];
    for a in args {
        let o = dlint(p, a);
        assert_eq!(o.status.code(), Some(0), "{a:?}: {}", out(&o));
    }
    let o = dlint(
        &p.join("test"),
        &["--select", "untagged-image", "x/Dockerfile"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let abs = p.join("test/x/Dockerfile");
    let o = dlint(
        Path::new("/"),
        &["--select", "untagged-image", abs.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn config_discovery_stops_at_the_repository_root_and_the_closest_wins() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Above the repository: never applies.
    fs::write(p.join("dlint.toml"), "ignore = [\"ALL\"]\n").unwrap();
    let repo = p.join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join("Dockerfile"), DIRTY).unwrap();
    let o = dlint(&repo, &["Dockerfile"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    // A nearer .hadolint.yaml beats a farther dlint.toml.
    fs::write(repo.join("dlint.toml"), "ignore = [\"ALL\"]\n").unwrap();
    fs::create_dir(repo.join("svc")).unwrap();
    fs::write(repo.join("svc/Dockerfile"), DIRTY).unwrap();
    fs::write(repo.join("svc/.hadolint.yaml"), "ignored: [DL3006]\n").unwrap();
    let o = dlint(&repo, &["--format", "json", "svc/Dockerfile"]);
    let names: Vec<String> = json(&o)
        .iter()
        .map(|f| f["name"].as_str().unwrap().into())
        .collect();
    assert!(
        names.contains(&"add-instead-of-copy".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"untagged-image".to_string()), "{names:?}");
    // And the repository's own dlint.toml applies at its root.
    let o = dlint(&repo, &["Dockerfile"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn a_config_cannot_point_the_context_outside_its_tree() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::create_dir(p.join(".git")).unwrap();
    fs::write(p.join("dlint.toml"), "context = \"/\"\n").unwrap();
    fs::write(p.join("Dockerfile"), DIRTY).unwrap();
    let o = dlint(p, &["--fix", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("outside this config's directory"),
        "{}",
        err(&o)
    );
    assert!(!Path::new("/.dockerignore").exists() || fs::read_to_string("/.dockerignore").is_ok());
    fs::write(p.join("dlint.toml"), "context = \"sub/..\"\n").unwrap();
    let o = dlint(p, &["Dockerfile"]);
    assert_ne!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn usage_errors_are_exit_2_with_one_line() {
    let d = project(&[("Dockerfile", "FROM a:1 AS build\nFROM b:1\n")]);
    let o = dlint(
        d.path(),
        &["--isolated", "--target", "nosuch", "Dockerfile"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o)
            .contains("Dockerfile: --target nosuch: no stage of that name (its stages are build)"),
        "{}",
        err(&o)
    );
    let o = dlint(d.path(), &["--isolated", "--target", "BUILD", "Dockerfile"]);
    assert_ne!(o.status.code(), Some(2), "{}", err(&o));
    let o = dlint(d.path(), &["--isolated", "--stdin-filename", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("give `-`"), "{}", err(&o));
    let o = dlint(
        d.path(),
        &["--isolated", "--select", "latest-tags", "Dockerfile"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("did you mean `latest-tag`"), "{}", err(&o));
}

#[test]
fn summary_counts_unsafe_fixes_and_statistics_replace_findings() {
    let d = project(&[("Dockerfile", "FROM debian:12\nADD a /a\nCMD [\"x\"]\n")]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy,root-user",
            "Dockerfile",
        ],
    );
    let s = out(&o);
    assert!(
        s.contains("1 fixable with `dlint --fix` (1 more with `--unsafe-fixes`)."),
        "{s}"
    );
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "add-instead-of-copy,root-user",
            "--statistics",
            "Dockerfile",
        ],
    );
    let s = out(&o);
    assert!(!s.contains("Dockerfile:2"), "{s}");
    assert!(s.contains("add-instead-of-copy"), "{s}");
}

#[test]
fn paths_are_shown_one_way_in_every_format() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("a")).unwrap();
    fs::write(d.path().join("a/Dockerfile"), DIRTY).unwrap();
    for format in ["text", "json", "sarif", "github", "checkstyle", "gitlab"] {
        let o = dlint(
            d.path(),
            &["--isolated", "--format", format, "./a/Dockerfile"],
        );
        let s = out(&o);
        assert!(s.contains("a/Dockerfile"), "{format}: {s}");
        assert!(!s.contains("./a/Dockerfile"), "{format}: {s}");
    }
}

#[test]
fn fix_scales_with_many_findings() {
    // 1,000 fixable findings in one file: fixed in few passes and every
    // instruction kept (the time is measured in examples/, not here).
    let mut src = String::from("FROM alpine:3.19\n");
    for i in 0..1000 {
        src.push_str(&format!("ADD src{i}.txt /app/dst{i}.txt\nRUN echo {i}\n"));
    }
    let settings = {
        let mut s = dlint::settings::Settings::default();
        s.select(&dlint::settings::resolve_selector("add-instead-of-copy").unwrap());
        s
    };
    let o = dlint::fix::fix_source(&src, None, &settings, None, Default::default());
    assert_eq!(o.applied.get("add-instead-of-copy"), Some(&1000));
    assert!(o.passes <= 2, "{}", o.passes);
    assert_eq!(o.fixed.matches("\nCOPY src").count(), 1000);
    assert_eq!(o.fixed.lines().count(), src.lines().count());
}

#[test]
fn a_mistyped_stage_is_one_finding_with_a_did_you_mean() {
    let d = project(&[(
        "Dockerfile",
        "FROM golang:1.22 AS builder\nRUN go build -o /app\nFROM alpine:3.19 AS b\nCOPY --from=build /app /app\nCOPY --from=b /x /x\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nCOPY --from=nginx /a /a\n",
    )]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "ALL",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let at = |line: i64| -> Vec<String> {
        json(&o)
            .iter()
            .filter(|f| f["line"] == line)
            .filter(|f| f["name"] != "root-user" && f["name"] != "missing-dockerignore")
            .map(|f| {
                format!(
                    "{}: {}",
                    f["name"].as_str().unwrap(),
                    f["message"].as_str().unwrap()
                )
            })
            .collect()
    };
    let l4 = at(4);
    assert_eq!(l4.len(), 1, "{l4:?}");
    assert!(l4[0].starts_with("copy-from-unknown-stage"), "{l4:?}");
    assert!(l4[0].contains("did you mean stage `builder`"), "{l4:?}");
    let l5 = at(5);
    assert_eq!(l5.len(), 1, "{l5:?}");
    assert!(l5[0].contains("names the stage this COPY is in"), "{l5:?}");
    // An image with a tag is an image: no finding of either rule.
    assert!(at(6).is_empty(), "{:?}", at(6));
    // A bare image name: one finding, which says how to write an image.
    let l7 = at(7);
    assert_eq!(l7.len(), 1, "{l7:?}");
    assert!(l7[0].contains("write it with a tag"), "{l7:?}");
}

#[test]
fn unknown_names_in_ignore_comments_get_a_did_you_mean() {
    let d = project(&[("Dockerfile", "# dlint ignore=untaged-image\nFROM ubuntu\n")]);
    let o = dlint(d.path(), &["--isolated", "--format", "json", "Dockerfile"]);
    let m: Vec<String> = json(&o)
        .iter()
        .filter(|f| f["name"] == "invalid-suppression")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(m.len(), 1);
    assert!(m[0].contains("did you mean `untagged-image`?"), "{m:?}");
}

#[test]
fn sudo_in_run_says_who_the_run_runs_as() {
    let d = project(&[(
        "Dockerfile",
        "FROM debian:12\nRUN sudo ls\nUSER jenkins\nRUN sudo make install\n",
    )]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "sudo-in-run",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let m: Vec<String> = json(&o)
        .iter()
        .map(|f| f["message"].as_str().unwrap().into())
        .collect();
    assert!(m[0].contains("runs as the base image's user"), "{m:?}");
    assert!(m[1].contains("already runs as `jenkins`"), "{m:?}");
}

/// A file name from an untrusted repository may hold terminal escapes: every
/// `dlint:` line on stderr and the text report show them escaped.
#[test]
fn file_names_with_control_characters_are_escaped_on_stderr_and_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "x\u{1b}]0;owned\u{7}\u{1b}[31m.Dockerfile";
    fs::write(dir.path().join(bad), DIRTY).unwrap();
    let missing = "gone\u{1b}[2J";
    let o = dlint(dir.path(), &["--isolated", bad, missing]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let (e, t) = (err(&o), out(&o));
    assert!(
        !e.contains('\u{1b}') && !t.contains('\u{1b}'),
        "raw ESC:\n{e}\n{t}"
    );
    assert!(e.contains(r"gone\u{1b}[2J: no such file"), "{e}");
    assert!(
        t.contains(r"x\u{1b}]0;owned\u{7}\u{1b}[31m.Dockerfile"),
        "{t}"
    );
}

/// The output docs/getting-started.md shows for the sample is what dlint
/// prints: every finding's first line (up to its `…`), every help line and
/// the summary.
#[test]
fn the_getting_started_excerpt_is_what_dlint_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join("docs/getting-started.md")).unwrap();
    let after = doc
        .split("On the sample in the repository")
        .nth(1)
        .expect("the sample's excerpt");
    let excerpt = after.split("```").nth(1).expect("a fenced block");
    let o = dlint(&root.join("docs/examples"), &["Dockerfile"]);
    let shown = out(&o);
    let mut checked = 0;
    for line in excerpt.lines() {
        let l = line.trim_end_matches('…').trim_end();
        let head = l.starts_with("warning[") || l.starts_with("note[") || l.starts_with("Found");
        if head || l.trim_start().starts_with("= help:") {
            assert!(
                shown.contains(l),
                "the excerpt's line is not printed: {l}\n{shown}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "{checked} lines checked");
}

/// missing-dockerignore says what is true for the Dockerfile: secrets reach
/// the image only through a COPY of the context or of a directory.
#[test]
fn missing_dockerignore_names_secrets_only_for_a_broad_copy() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.py"), "print(1)\n").unwrap();
    fs::write(dir.path().join(".env"), "TOKEN=x\n").unwrap();
    let message = |dockerfile: &str| {
        fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        let o = dlint(
            dir.path(),
            &[
                "--isolated",
                "--select",
                "missing-dockerignore",
                "--format",
                "json",
                "Dockerfile",
            ],
        );
        json(&o)[0]["message"].as_str().unwrap().to_string()
    };
    let named = message("FROM python:3.12\nCOPY app.py /app/\n");
    assert!(named.contains("Every COPY here names its files"), "{named}");
    assert!(!named.contains("can end up in the image"), "{named}");
    let broad = message("FROM python:3.12\nCOPY . /app/\n");
    assert!(broad.contains("can end up in the image"), "{broad}");
}
