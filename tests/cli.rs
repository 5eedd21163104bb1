//! End-to-end tests of the `dlint` binary: exit codes, bad input, discovery,
//! stdin, config files, formats and suppressions.

mod common;

use std::fs;
use std::path::Path;

use common::{codes, dlint, dlint_stdin, json, project, stderr, stdout};

const CLEAN: &str = "FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER 1000\n";
const DIRTY: &str = "FROM ubuntu\nADD app.py /app/\nUSER app\n";

#[test]
fn clean_file_exits_0() {
    let d = project(&[("Dockerfile", CLEAN)]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--ignore",
            "missing-dockerignore",
            "Dockerfile",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("No problems found in 1 file."));
}

#[test]
fn findings_exit_1_and_fail_level() {
    let d = project(&[("Dockerfile", DIRTY)]);
    let o = dlint(d.path(), &["--isolated", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(1));
    let o = dlint(
        d.path(),
        &["--isolated", "--fail-level", "error", "Dockerfile"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "warnings are below the error level"
    );
    let o = dlint(
        d.path(),
        &["--isolated", "--fail-level", "none", "Dockerfile"],
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn bad_inputs_are_named_and_others_still_linted() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(p.join("Dockerfile"), DIRTY).unwrap();
    fs::write(
        p.join("latin1.Dockerfile"),
        b"FROM alpine:3.20\nLABEL a=\xe9\n",
    )
    .unwrap();
    fs::write(p.join("bin.Dockerfile"), b"FROM \0\x01\x02").unwrap();
    fs::create_dir(p.join("empty")).unwrap();
    let o = dlint(
        p,
        &[
            "--isolated",
            "--format",
            "json",
            "missing.Dockerfile",
            "latin1.Dockerfile",
            "bin.Dockerfile",
            "empty",
            "Dockerfile",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("missing.Dockerfile: no such file"), "{err}");
    assert!(
        err.contains("latin1.Dockerfile: not UTF-8 (invalid byte at offset 25)"),
        "{err}"
    );
    assert!(err.contains("bin.Dockerfile: binary file"), "{err}");
    assert!(err.contains("empty: no Dockerfiles found"), "{err}");
    assert_eq!(err.lines().count(), 4, "one line per bad input: {err}");
    // The good file was still linted.
    let names = codes(&o);
    assert!(
        names.contains(&"add-instead-of-copy".to_string()),
        "{names:?}"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn directory_discovery_honours_gitignore_and_names() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::create_dir_all(p.join("svc/api")).unwrap();
    fs::create_dir_all(p.join("vendor")).unwrap();
    fs::create_dir_all(p.join(".git")).unwrap();
    fs::write(p.join(".gitignore"), "vendor/\n").unwrap();
    for f in [
        "Dockerfile",
        "svc/api/Dockerfile.prod",
        "svc/api/worker.Dockerfile",
        "svc/Containerfile",
        "vendor/Dockerfile",
        "notes.txt",
    ] {
        fs::write(p.join(f), "FROM ubuntu\n").unwrap();
    }
    let o = dlint(
        p,
        &[
            "--isolated",
            "--select",
            "untagged-image",
            "--format",
            "json",
            ".",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let files: Vec<String> = json(&o)
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        files,
        vec![
            "Dockerfile",
            "svc/Containerfile",
            "svc/api/Dockerfile.prod",
            "svc/api/worker.Dockerfile"
        ]
    );
}

#[test]
fn stdin_with_filename() {
    let d = tempfile::tempdir().unwrap();
    let o = dlint_stdin(
        d.path(),
        &[
            "--isolated",
            "--format",
            "json",
            "--stdin-filename",
            "web/Dockerfile",
            "-",
        ],
        b"FROM node:latest\n",
    );
    assert_eq!(o.status.code(), Some(1));
    let diags = json(&o);
    assert!(diags.iter().all(|d| d["file"] == "web/Dockerfile"));
    let names = codes(&o);
    assert!(names.contains(&"latest-tag".to_string()));
    // No context for stdin: context rules are skipped.
    assert!(!names.contains(&"missing-dockerignore".to_string()));
}

#[test]
fn json_fields() {
    let d = project(&[("Dockerfile", "FROM alpine:3.20\nADD a.txt /a\n")]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "DL3020",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let v = json(&o);
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f["code"], "D201");
    assert_eq!(f["name"], "add-instead-of-copy");
    assert_eq!(f["aliases"], serde_json::json!(["DL3020"]));
    assert_eq!(f["severity"], "warning");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(f["fix"]["applicability"], "safe");
}

#[test]
fn unknown_rule_on_cli_is_usage_error() {
    let d = project(&[("Dockerfile", CLEAN)]);
    let o = dlint(d.path(), &["--select", "no-such-rule", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule `no-such-rule`"));
    let o = dlint(d.path(), &["--format", "yaml", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn config_discovery_closest_wins_and_errors_name_the_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::create_dir_all(p.join("a/b")).unwrap();
    fs::write(p.join("dlint.toml"), "ignore = [\"untagged-image\"]\n").unwrap();
    fs::write(p.join("a/b/.dlint.toml"), "select = [\"latest-tag\"]\n").unwrap();
    fs::write(p.join("Dockerfile"), "FROM ubuntu\nFROM nginx:latest\n").unwrap();
    fs::write(p.join("a/b/Dockerfile"), "FROM ubuntu\nFROM nginx:latest\n").unwrap();
    let o = dlint(p, &["--format", "json", "Dockerfile", "a/b/Dockerfile"]);
    let v = json(&o);
    let top: Vec<_> = v
        .iter()
        .filter(|d| d["file"] == "Dockerfile")
        .map(|d| d["name"].clone())
        .collect();
    let deep: Vec<_> = v
        .iter()
        .filter(|d| d["file"] == "a/b/Dockerfile")
        .map(|d| d["name"].clone())
        .collect();
    assert!(
        !top.contains(&"untagged-image".into()) && top.contains(&"latest-tag".into()),
        "{top:?}"
    );
    assert_eq!(deep, vec![serde_json::json!("latest-tag")]);
    // --isolated ignores both.
    let o = dlint(p, &["--isolated", "--format", "json", "Dockerfile"]);
    assert!(codes(&o).contains(&"untagged-image".to_string()));
    // A bad key: one message naming file, line and key; exit 2.
    fs::write(
        p.join("dlint.toml"),
        "ignore = []\n\n[severity]\nlatest-tag = \"loud\"\n",
    )
    .unwrap();
    let o = dlint(p, &["Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("dlint.toml:4:"), "{err}");
    assert!(err.contains("severity.latest-tag"), "{err}");
    // --config with a missing file.
    let o = dlint(p, &["--config", "nope.toml", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml: cannot read: no such file"));
}

#[test]
fn hadolint_yaml_is_read_without_dlint_config() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(
        p.join(".hadolint.yaml"),
        "ignored:\n  - DL3006\n  - DL3008\nfailure-threshold: error\n",
    )
    .unwrap();
    fs::write(p.join("Dockerfile"), "FROM ubuntu\nFROM nginx:latest\n").unwrap();
    let o = dlint(p, &["--format", "json", "Dockerfile"]);
    let names = codes(&o);
    assert!(!names.contains(&"untagged-image".to_string()));
    assert!(names.contains(&"latest-tag".to_string()));
    assert_eq!(o.status.code(), Some(0), "failure-threshold: error");
}

#[test]
fn per_file_ignores() {
    let d = project(&[
        (
            "dlint.toml",
            "[per-file-ignores]\n\"test/*\" = [\"root-user\"]\n",
        ),
        // A CMD: an image without one is a base image, which root-user
        // leaves alone.
        ("test/Dockerfile", "FROM alpine:3.20\nCMD [\"/app\"]\n"),
        ("Dockerfile", "FROM alpine:3.20\nCMD [\"/app\"]\n"),
    ]);
    let p = d.path();
    let o = dlint(
        p,
        &[
            "--format",
            "json",
            "--select",
            "root-user",
            "Dockerfile",
            "test/Dockerfile",
        ],
    );
    let files: Vec<_> = json(&o).iter().map(|d| d["file"].clone()).collect();
    assert_eq!(files, vec![serde_json::json!("Dockerfile")]);
}

#[test]
fn suppression_comments() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    fs::write(
        p.join("Dockerfile"),
        "# dlint global ignore=root-user\n# hadolint ignore=DL3007,SC2086\nFROM nginx:latest\n# dlint ignore=untagged-image -- vendored base\nFROM ubuntu\nFROM debian\n# dlint ignore=not-a-rule\nFROM alpine:3.20\n",
    )
    .unwrap();
    let o = dlint(
        p,
        &[
            "--isolated",
            "--ignore",
            "missing-dockerignore",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let v = json(&o);
    let got: Vec<(String, u64)> = v
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("untagged-image".to_string(), 6),
            ("invalid-suppression".to_string(), 7)
        ]
    );
}

#[test]
fn github_format() {
    let d = project(&[("Dockerfile", "FROM alpine:latest\n")]);
    let o = dlint(
        d.path(),
        &[
            "--isolated",
            "--select",
            "latest-tag",
            "--format",
            "github",
            "Dockerfile",
        ],
    );
    let out = stdout(&o);
    assert!(
        out.starts_with("::warning file=Dockerfile,line=1,col=6,endLine=1,endColumn=19,title=dlint D102 (latest-tag)::"),
        "{out}"
    );
}

#[test]
fn rules_and_rule_commands() {
    let d = tempfile::tempdir().unwrap();
    let o = dlint(d.path(), &["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.len(), dlint::rules::REGISTRY.len());
    let o = dlint(d.path(), &["rule", "DL3007"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("# latest-tag (D102)"));
    let o = dlint(d.path(), &["rule", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inspect_json_matches_buildkit_shape() {
    let d = project(&[(
        "Dockerfile",
        "FROM alpine:3.20 AS base\nCOPY --from=base --chmod=755 a b /c/\nRUN <<EOF\necho hi\nEOF\nonbuild RUN make\n",
    )]);
    let o = dlint(d.path(), &["inspect", "--format", "json", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(0));
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let inst = &v[0]["instructions"];
    assert_eq!(
        inst[0]["value"],
        serde_json::json!(["alpine:3.20", "AS", "base"])
    );
    assert_eq!(
        inst[1]["flags"],
        serde_json::json!(["--from=base", "--chmod=755"])
    );
    assert_eq!(inst[2]["heredocs"][0]["content"], "echo hi\n");
    assert_eq!(
        (inst[2]["start_line"].as_u64(), inst[2]["end_line"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(inst[3]["cmd"], "ONBUILD");
    assert_eq!(inst[3]["sub_cmd"], "RUN");
}

#[test]
fn no_panic_on_hostile_input() {
    let d = tempfile::tempdir().unwrap();
    let inputs: Vec<&[u8]> = vec![
        b"",
        b"\n\n\n",
        b"\\",
        b"FROM",
        b"FROM \\\n",
        b"RUN <<",
        b"RUN <<EOF",
        b"COPY <<-EOF\n\tx",
        b"# escape=`\nRUN a`",
        b"FROM a AS\nCOPY --from= x\nUSER\nARG =\nENV =x\n",
        b"\xef\xbb\xbfFROM a:1\n",
        b"FROM ${a:-${b:-${c\nRUN $(((\n",
        b"ONBUILD ONBUILD ONBUILD\nHEALTHCHECK\nHEALTHCHECK CMD [1]\n",
        "FROM \u{a0}\u{85}é\nRUN --mount=type=bind,from=é true\n".as_bytes(),
    ];
    for (i, inp) in inputs.iter().enumerate() {
        let name = format!("f{i}.Dockerfile");
        fs::write(d.path().join(&name), inp).unwrap();
        let o = dlint(d.path(), &["--isolated", "--format", "json", &name]);
        assert!(
            matches!(o.status.code(), Some(0..=2)),
            "input {i}: {}",
            stderr(&o)
        );
        assert!(
            !stderr(&o).contains("panicked"),
            "input {i}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn rule_index_page_is_current() {
    let want = dlint::cli::rules_markdown();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let got = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

/// `root-user:strict` selects root-user with the strict judgement: a base
/// image that runs nothing is reported too, on the command line and in
/// dlint.toml.
#[test]
fn root_user_strict_form_is_selectable() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:12\nRUN apt-get update\n",
    )
    .unwrap();
    let base = ["--isolated", "--format", "json", "Dockerfile"];
    let with = |sel: &[&str]| codes(&dlint(dir.path(), &[sel, &base[..]].concat()));
    assert!(with(&["--select", "root-user"]).is_empty());
    assert_eq!(with(&["--select", "root-user:strict"]), ["root-user"]);
    assert_eq!(with(&["--select", "ROOT-USER:STRICT"]), ["root-user"]);
    assert!(with(&["--select", "root-user:strict", "--ignore", "root-user"]).is_empty());
    fs::write(
        dir.path().join("dlint.toml"),
        "select = [\"root-user:strict\"]\n",
    )
    .unwrap();
    let o = dlint(dir.path(), &["--format", "json", "Dockerfile"]);
    assert_eq!(codes(&o), ["root-user"], "{}", stderr(&o));
}
