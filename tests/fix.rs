//! `--fix` / `--diff`: every fix before and after (snapshots), idempotence,
//! CRLF, BOM, backtick escape, file mode, unwritable files, stdin, and the
//! generated .dockerignore that is never overwritten.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{dlint as run, dlint_stdin, snap};
use dlint::analysis::analyze;
use dlint::settings::Settings;

/// Fixes `src` in a temp context with `files`; checks the fixed diagnostics
/// are gone and that fixing again changes nothing. Returns the fixed text.
fn fix(src: &str, files: &[(&str, &str)], unsafe_fixes: bool) -> (String, Vec<String>) {
    let (o, again) = common::fix_in(&Settings::default(), src, files, unsafe_fixes);
    assert!(o.dropped.is_empty(), "dropped fixes: {:?}", o.dropped);
    // Fixed diagnostics are gone.
    for rule in o.applied.keys() {
        if o.files.is_empty() {
            assert!(
                !o.report
                    .diagnostics
                    .iter()
                    .any(|d| d.rule.name == *rule
                        && d.fix.as_ref().is_some_and(|f| !f.edits.is_empty())),
                "{rule} still reported after its fix:\n{}",
                o.fixed
            );
        }
    }
    // Idempotent.
    assert_eq!(again, o.fixed, "second --fix changed the file");
    let applied: Vec<String> = o.applied.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    (o.fixed, applied)
}

fn before_after(name: &str, src: &str, files: &[(&str, &str)], unsafe_fixes: bool) {
    let (fixed, applied) = fix(src, files, unsafe_fixes);
    assert_ne!(fixed, src, "{name}: nothing was fixed");
    snap!(
        &format!("fix-{name}"),
        format!(
            "--- before ---\n{src}--- after ---\n{fixed}--- applied ---\n{}\n",
            applied.join("\n")
        ),
    );
}

#[test]
fn add_to_copy_keeps_flags() {
    before_after(
        "add-instead-of-copy",
        "FROM alpine:3.20\nADD --chown=app:app --chmod=644 config/ /etc/app/\nadd app.py /app/\nADD https://example.com/x.tar.gz /opt/\nUSER app\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn split_apt_merge_keeps_continuations() {
    before_after(
        "split-apt-layers",
        "FROM debian:12\n# refresh the index\nRUN apt-get update\n# tools\nRUN apt-get install -y --no-install-recommends \\\n      curl \\\n      git\nFROM alpine:3.20\nRUN apk update\nRUN apk add git\nUSER 1000\n",
        &[],
        false,
    );
}

#[test]
fn split_apk_update_becomes_no_cache() {
    // The Alpine idiom: no separate `apk update`, `apk add --no-cache`.
    let ctx = [(".dockerignore", ".git\n")];
    let (fixed, _) = fix(
        "FROM alpine:3.20\nRUN apk update\nRUN apk add --virtual .deps curl\nUSER 1000\n",
        &ctx,
        false,
    );
    assert_eq!(
        fixed,
        "FROM alpine:3.20\nRUN apk add --no-cache --virtual .deps curl\nUSER 1000\n"
    );
    // An update with options of its own (another repository) is moved,
    // not dropped (apk-cache-kept adds the `--no-cache`).
    let (fixed, _) = fix(
        "FROM alpine:3.20\nRUN apk --repository http://r/x update\nRUN apk add curl\nUSER 1000\n",
        &ctx,
        false,
    );
    assert_eq!(
        fixed,
        "FROM alpine:3.20\nRUN apk --repository http://r/x update && apk add --no-cache curl\nUSER 1000\n"
    );
}

#[test]
fn split_apt_with_instructions_between_is_unsafe() {
    let src = "FROM debian:12\nRUN apt-get update\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get install -y curl\nUSER 1000\n";
    let (safe, _) = fix(src, &[], false);
    assert_eq!(safe, src, "unsafe merge applied without --unsafe-fixes");
    before_after("split-apt-layers-unsafe", src, &[], true);
}

#[test]
fn cache_busting_reorder_is_unsafe() {
    let src = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nUSER node\n";
    let files = [
        ("package.json", "{}"),
        ("package-lock.json", "{}"),
        (".dockerignore", "node_modules\n"),
    ];
    let (safe, _) = fix(src, &files, false);
    assert_eq!(safe, src);
    before_after("cache-busting-copy", src, &files, true);
}

#[test]
fn root_user_adds_user() {
    before_after(
        "root-user-node",
        "FROM node:20-alpine\nCMD [\"node\", \"app.js\"]\n",
        &[],
        true,
    );
    before_after(
        "root-user-debian",
        "FROM python:3.12-slim\nRUN pip install flask\nEXPOSE 5000\nCMD [\"flask\", \"run\"]\n",
        &[],
        true,
    );
    // A CMD before the last RUN: the user goes after the RUN, at the end
    // of a file without a final newline.
    before_after(
        "root-user-alpine",
        "FROM alpine:3.20\nCMD [\"/app\"]\nRUN apk add --no-cache curl",
        &[],
        true,
    );
}

#[test]
fn crlf_bom_and_backtick_are_kept() {
    let src = "\u{feff}FROM debian:12\r\nRUN apt-get update\r\nRUN apt-get install -y curl `\r\n    git\r\nADD a.txt /a\r\nUSER 1000\r\n";
    let src = src.replacen("FROM", "# escape=`\r\nFROM", 1);
    let (fixed, _) = fix(&src, &[], false);
    assert!(fixed.starts_with('\u{feff}'), "BOM lost");
    assert!(
        !fixed.replace("\r\n", "").contains('\n'),
        "LF introduced into a CRLF file: {fixed:?}"
    );
    assert!(fixed.contains("COPY a.txt /a\r\n"));
    assert!(fixed.contains("apt-get update && apt-get install -y curl `\r\n    git && rm -rf /var/lib/apt/lists/*\r\n"), "{fixed:?}");
    // Still valid for BuildKit's reading, with the escape kept.
    let m = dlint::model::Model::build(&fixed);
    assert!(m.errors.is_empty());
    assert_eq!(m.escape, '`');
}

#[test]
fn cli_fix_writes_atomically_and_keeps_mode() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("Dockerfile");
    fs::write(&p, "FROM alpine:3.20\nADD a.txt /a\nUSER 1000\n").unwrap();
    fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let o = run(d.path(), &["--isolated", "--fix", "Dockerfile"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("Applied 1 fix (add-instead-of-copy: 1)."));
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        "FROM alpine:3.20\nCOPY a.txt /a\nUSER 1000\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
    // No temp files left behind.
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Second run: nothing to do.
    let o = run(d.path(), &["--isolated", "--fix", "Dockerfile"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("No fixes applied."));
}

/// Makes a directory unwritable: permissions for a normal user; as root
/// (where permissions do not stop writes) the immutable attribute.
#[cfg(unix)]
struct ReadOnlyDir(std::path::PathBuf, bool);

#[cfg(unix)]
impl ReadOnlyDir {
    fn new(p: &Path) -> Option<ReadOnlyDir> {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(p, fs::Permissions::from_mode(0o555)).unwrap();
        let probe = p.join(".probe");
        if fs::write(&probe, "x").is_err() {
            return Some(ReadOnlyDir(p.to_path_buf(), false));
        }
        let _ = fs::remove_file(&probe);
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(p)
            .status()
            .is_ok_and(|s| s.success());
        if ok && fs::write(&probe, "x").is_err() {
            return Some(ReadOnlyDir(p.to_path_buf(), true));
        }
        let _ = fs::remove_file(&probe);
        None
    }
}

#[cfg(unix)]
impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.1 {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

#[cfg(unix)]
#[test]
fn unwritable_file_is_left_untouched() {
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("ro");
    fs::create_dir(&sub).unwrap();
    let p = sub.join("Dockerfile");
    let src = "FROM alpine:3.20\nADD a.txt /a\nUSER 1000\n";
    fs::write(&p, src).unwrap();
    fs::write(sub.join(".dockerignore"), ".git\n").unwrap();
    let Some(guard) = ReadOnlyDir::new(&sub) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot make a directory unwritable here (no permissions, no chattr)"
        );
        eprintln!("skipped: cannot make a directory unwritable on this machine");
        return;
    };
    let o = run(d.path(), &["--isolated", "--fix", "ro/Dockerfile"]);
    drop(guard);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ro/Dockerfile: cannot write the fixed file"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(fs::read_to_string(&p).unwrap(), src);
    // No temporary file left behind.
    let names: Vec<_> = fs::read_dir(&sub)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn diff_writes_nothing_and_exits_1() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("Dockerfile");
    let src = "FROM alpine:3.20\nADD a.txt /a\nUSER 1000\n";
    fs::write(&p, src).unwrap();
    let o = run(d.path(), &["--isolated", "--diff", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("-ADD a.txt /a\n+COPY a.txt /a\n"), "{out}");
    assert!(out.contains("+++ b/.dockerignore"), "{out}");
    assert_eq!(fs::read_to_string(&p).unwrap(), src);
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn generated_dockerignore_is_created_never_overwritten() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join(".git")).unwrap();
    fs::create_dir_all(d.path().join("node_modules/x")).unwrap();
    fs::write(d.path().join("package.json"), "{}").unwrap();
    fs::write(d.path().join(".env"), "SECRET=1").unwrap();
    fs::write(
        d.path().join("Dockerfile"),
        "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nUSER 1000\n",
    )
    .unwrap();
    let o = run(d.path(), &["--isolated", "--fix", "Dockerfile"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let ig = fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    for l in [".git", "**/node_modules", ".env*"] {
        assert!(ig.lines().any(|x| x == l), "{l} missing from:\n{ig}");
    }
    // The generated file is honoured: the rule is quiet now.
    let o = run(d.path(), &["--isolated", "--format", "json", "Dockerfile"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    // An existing file is never overwritten by create.
    let fc = dlint::diagnostic::FileChange::Create {
        path: d.path().join(".dockerignore"),
        content: "x".into(),
    };
    assert!(dlint::fix::apply_file_change(&fc).is_err());
    assert_eq!(
        fs::read_to_string(d.path().join(".dockerignore")).unwrap(),
        ig
    );
}

#[test]
fn stdin_fix_prints_fixed_text() {
    let d = tempfile::tempdir().unwrap();
    let o = dlint_stdin(
        d.path(),
        &["--isolated", "--fix", "-"],
        b"FROM alpine:3.20\nADD a /a\nUSER 1000\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "FROM alpine:3.20\nCOPY a /a\nUSER 1000\n"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("Applied 1 fix"));
}

#[test]
fn display_only_suggestions_are_never_applied() {
    let src = "FROM ubuntu\nFROM nginx:latest\nUSER 1000\n";
    let (fixed, applied) = fix(src, &[(".dockerignore", "")], true);
    assert_eq!(fixed, src);
    assert!(applied.is_empty());
    let r = analyze(src, None, &Settings::default(), None);
    assert!(r.diagnostics.iter().any(|d| d
        .fix
        .as_ref()
        .is_some_and(|f| f.applicability == dlint::diagnostic::Applicability::DisplayOnly)));
}

#[test]
fn missing_assume_yes_inserts_y() {
    before_after(
        "missing-assume-yes",
        "FROM debian:12\nRUN apt-get update \\\n    && apt-get install --no-install-recommends \\\n      curl \\\n    && rm -rf /var/lib/apt/lists/*\nFROM opensuse/leap:15.6\nRUN zypper install vim && sudo dnf install x\nUSER 1000\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn apt_lists_cleanup_appended() {
    before_after(
        "apt-lists-not-removed",
        "FROM debian:12-slim\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n      curl # tools\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git\nEOF\nUSER 1000\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn maintainer_becomes_an_oci_label() {
    before_after(
        "maintainer-deprecated",
        "FROM alpine:3.20\nMAINTAINER Jane \"JD\" Doe <jane@example.com> $HOME\nUSER 1000\n",
        &[(".dockerignore", "")],
        false,
    );
    // The label keeps the exact text.
    let (fixed, _) = fix(
        "FROM alpine:3.20\nMAINTAINER a \"b\" $c \\d\nUSER 1000\n",
        &[],
        false,
    );
    let m = dlint::model::Model::build(&fixed);
    let label = m
        .instructions
        .iter()
        .find(|i| i.kind == dlint::model::Kind::Label)
        .unwrap();
    assert_eq!(label.args[1].value, "\"a \\\"b\\\" \\$c \\\\d\"");
}

#[test]
fn package_cache_flags_inserted() {
    before_after(
        "package-cache-flags",
        "FROM python:3.12-alpine\nRUN apk add curl \\\n    git\nRUN python3 -m pip install -r requirements.txt && pip3 install --user x==1\nONBUILD RUN apk add jq\nUSER 1000\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn rpm_and_zypper_cleanup_appended() {
    before_after(
        "package-cleanup",
        "FROM opensuse/leap:15.6 AS base\nRUN zypper -n in vim=9 \\\n    && echo done\nFROM base\nRUN dnf install -y httpd-2.4.59\nRUN sudo microdnf install -y x-1 # a comment\nRUN <<EOF\nset -e\nyum install -y y-1\nEOF\nRUN if true; then dnf install -y z-1; fi\nUSER 1000\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn unsafe_package_fixes() {
    // Only unsafe fixes apply here: nothing changes without --unsafe-fixes.
    let src = "FROM node:20\nRUN apt install -y --no-install-recommends curl && yarn install && rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y git\nONBUILD RUN apt full-upgrade -y\nUSER 1000\n";
    let (safe, applied) = fix(src, &[(".dockerignore", ".git\n")], false);
    assert_eq!(
        safe, src,
        "unsafe fixes applied without --unsafe-fixes: {applied:?}"
    );
    before_after("package-unsafe", src, &[(".dockerignore", ".git\n")], true);
}

#[test]
fn buildkit_check_fixes() {
    // Casing, legacy ENV/LABEL, EXPOSE and empty continuation lines: all
    // safe, applied together, and BuildKit reads the same instructions.
    before_after(
        "buildkit-checks",
        "FROM alpine:3.20 as Base\nEnv A 1\nLABEL description \"API server\"\nENV MSG hello  world\nEXPOSE 127.0.0.1:8080:80/TCP 53/UDP\nRUN echo a && \\\n\n    echo b\nFROM --platform=$TARGETPLATFORM Base\nCOPY --from=Base /etc/hosts /x\nRUN --mount=type=cache,from=Base,target=/c true\nUSER app\n",
        &[(".dockerignore", ".git\n")],
        false,
    );
}

#[test]
fn shell_form_cmd_to_exec_form_is_unsafe() {
    let src = "FROM node:20-slim\nUSER node\nCMD node server.js --port=8080\nHEALTHCHECK CMD curl -f http://localhost/\n";
    let files = [(".dockerignore", ".git\n")];
    let (safe, _) = fix(src, &files, false);
    assert_eq!(safe, src, "exec form applied without --unsafe-fixes");
    before_after("shell-form-cmd", src, &files, true);
    // Shell syntax is never converted.
    let src = "FROM node:20-slim\nUSER node\nCMD node server.js > /log 2>&1\n";
    let (fixed, _) = fix(src, &files, true);
    assert_eq!(fixed, src);
}
