//! Regression tests for issue 9 (sections 1 and 5): text that made the parser
//! panic, and files BuildKit refuses that dlint used to pass. Each case runs
//! the `dlint` binary twice, as a user would: `dlint` (the finding, exit 1)
//! and `dlint inspect --format json` (the error, at BuildKit's line).

mod common;

use common::{dlint as run, project, text};

/// Lints `src` with invalid-syntax only; returns exit code and messages.
fn lint(src: &str) -> (Option<i32>, Vec<(u64, String)>) {
    let d = project(&[("Dockerfile", src)]);
    let o = run(
        d.path(),
        &[
            "--isolated",
            "--select",
            "invalid-syntax",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "panic on {src:?}: {err}");
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}) for {src:?}: {}{err}", text(&o.stdout)));
    let msgs = v
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (o.status.code(), msgs)
}

/// `dlint inspect --format json`: (parser errors, instruction errors), each
/// as (line, message).
#[allow(clippy::type_complexity)]
fn inspect(src: &str) -> (Vec<(u64, String)>, Vec<(u64, String)>, serde_json::Value) {
    let d = project(&[("Dockerfile", src)]);
    let o = run(d.path(), &["inspect", "--format", "json", "Dockerfile"]);
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "panic on {src:?}: {err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rep = v[0].clone();
    let list = |k: &str| {
        rep[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    (list("errors"), list("instruction_errors"), rep)
}

/// The file is refused with one finding at `line` containing `needle`.
fn refused(src: &str, line: u64, needle: &str) {
    let (code, msgs) = lint(src);
    assert_eq!(code, Some(1), "{src:?}: {msgs:?}");
    assert!(
        msgs.iter().any(|(l, m)| *l == line && m.contains(needle)),
        "{src:?}: expected line {line} with {needle:?}, got {msgs:?}"
    );
    let (parse, inst, _) = inspect(src);
    assert!(
        parse
            .iter()
            .chain(inst.iter())
            .any(|(l, m)| *l == line && m.contains(needle)),
        "{src:?}: inspect lacks {needle:?}: {parse:?} {inst:?}"
    );
}

#[test]
fn multibyte_text_in_flags_does_not_panic() {
    // Each holds a char whose UTF-8 bytes include 0x85 or 0xA0, which
    // BuildKit's byte-wise flag reader takes for whitespace.
    for (src, flag) in [
        ("FROM a\nCOPY --chown=公 x y\n", "--chown=公"),
        (
            "FROM a\nRUN --mount=type=cache,target=/저장소 ls\n",
            "--mount=type=cache,target=/저장소",
        ),
        ("FROM --platform=🅰 a\n", "--platform=🅰"),
        (
            "FROM a\nHEALTHCHECK --公interval=5s CMD x\n",
            "--公interval=5s",
        ),
    ] {
        let (_, _, rep) = inspect(src);
        let inst = rep["instructions"].as_array().unwrap();
        let last = inst.last().unwrap();
        assert_eq!(last["flags"][0], flag, "{src:?}");
        // And the user is told BuildKit garbles it.
        refused(
            src,
            if src.starts_with("FROM --") { 1 } else { 2 },
            "byte by byte",
        );
    }
    // Between flags only ASCII whitespace separates: BuildKit sees the first
    // byte of U+00A0 (0xC2) as a char that starts the arguments.
    let (_, _, rep) = inspect("FROM a\nCOPY --from=a \u{a0}--link x y\n");
    assert_eq!(
        rep["instructions"][1]["flags"],
        serde_json::json!(["--from=a"])
    );
    assert_eq!(
        rep["instructions"][1]["value"],
        serde_json::json!(["--link", "x", "y"])
    );
    // Inside a flag, U+0085 and U+00A0 end it (after a garbled byte).
    let (_, _, rep) = inspect("FROM a\nCOPY --from=a\u{a0}x y\n");
    assert_eq!(rep["instructions"][1]["flags"][0], "--from=a");
    assert_eq!(rep["instructions"][1]["value"][0], "x");
    let (_, _, rep) = inspect("FROM a\nCOPY --from=a\u{85}x y\n");
    assert_eq!(rep["instructions"][1]["flags"][0], "--from=a");
    // ASCII flags followed by multi-byte arguments are read as BuildKit does.
    let (code, msgs) = lint("FROM alpine:3.20\nCOPY --chown=1:1 공 /저장소/\n");
    assert_eq!(code, Some(0), "{msgs:?}");
}

#[test]
fn the_repros_of_issue_9_are_refused() {
    refused(
        "FRM alpine\n",
        1,
        "unknown instruction: FRM (did you mean FROM?)",
    );
    refused(
        "frm alpine\n",
        1,
        "unknown instruction: frm (did you mean from?)",
    );
    refused("FROM\n", 1, "FROM requires either one or three arguments");
    refused(
        "FROM a b c\n",
        1,
        "FROM requires either one or three arguments",
    );
    refused(
        "FROM x AS\n",
        1,
        "FROM requires either one or three arguments",
    );
    refused("FROM a\nBOGUS x\n", 2, "unknown instruction: BOGUS");
    refused(
        "RUN echo hi\nFROM alpine\n",
        1,
        "no build stage in current context",
    );
    refused(
        "# comment\nENV A=1\nFROM alpine\n",
        2,
        "no build stage in current context",
    );
    refused("ARG A=1\n", 1, "dockerfile contains no stages to build");
    // ARG before FROM is fine.
    let (code, msgs) = lint("ARG V=3.20\nFROM alpine:$V\n");
    assert_eq!(code, Some(0), "{msgs:?}");
}

#[test]
fn instruction_pass_errors() {
    for (src, line, needle) in [
        (
            "FROM a\nCOPY --frm=x a b\n",
            2,
            "unknown flag: --frm (did you mean from?)",
        ),
        (
            "FROM a\nCOPY --from a b\n",
            2,
            "missing a value on flag: --from",
        ),
        (
            "FROM a\nCOPY --link=yes a b\n",
            2,
            "expecting boolean value for flag --link, not: yes",
        ),
        (
            "FROM a\nCOPY --link=false --link a b\n",
            2,
            "duplicate flag specified: --link",
        ),
        (
            "FROM a\nCOPY --chmod=64a a b\n",
            2,
            "invalid chmod parameter: '64a'",
        ),
        (
            "FROM a\nCOPY --chmod=10000 a b\n",
            2,
            "invalid chmod parameter: '10000'",
        ),
        (
            "FROM a\nCOPY x\n",
            2,
            "COPY requires at least two arguments",
        ),
        (
            "FROM a\nADD [\"x\"]\n",
            2,
            "ADD requires at least two arguments",
        ),
        (
            "FROM a\nCOPY <<EOF <<EOF2\nx\nEOF\ny\nEOF2\n",
            2,
            "COPY cannot accept a heredoc as a destination",
        ),
        (
            "FROM a\nCOPY https://example.com/a /a\n",
            2,
            "source can't be a URL for COPY",
        ),
        (
            "FROM a\nADD --checksum=sha256:abc a b /c/\n",
            2,
            "checksum can't be specified for multiple sources",
        ),
        ("FROM a\nWORKDIR --x=1 /a\n", 2, "unknown flag: --x"),
        ("FROM a\nENV --x=1 A=b\n", 2, "unknown flag: --x"),
        (
            "FROM --platfrom=linux/amd64 a\n",
            1,
            "unknown flag: --platfrom (did you mean platform?)",
        ),
        (
            "FROM a AS 1st\n",
            1,
            "invalid name for build stage: \"1st\"",
        ),
        ("FROM a AS my@stage\n", 1, "invalid name for build stage"),
        ("FROM a\nUSER\n", 2, "USER requires exactly one argument"),
        (
            "FROM a\nWORKDIR\n",
            2,
            "WORKDIR requires exactly one argument",
        ),
        (
            "FROM a\nSTOPSIGNAL\n",
            2,
            "STOPSIGNAL requires exactly one argument",
        ),
        ("FROM a\nSTOPSIGNAL SIGFOO\n", 2, "invalid signal: SIGFOO"),
        (
            "FROM a\nMAINTAINER\n",
            2,
            "MAINTAINER requires exactly one argument",
        ),
        ("FROM a\nENV\n", 2, "ENV requires at least one argument"),
        ("FROM a\nLABEL\n", 2, "LABEL requires at least one argument"),
        ("FROM a\nENV =x\n", 2, "ENV names can not be blank"),
        ("FROM a\nARG\n", 2, "ARG requires at least one argument"),
        ("FROM a\nARG =x\n", 2, "ARG names can not be blank"),
        (
            "FROM a\nEXPOSE\n",
            2,
            "EXPOSE requires at least one argument",
        ),
        (
            "FROM a\nVOLUME\n",
            2,
            "VOLUME requires at least one argument",
        ),
        (
            "FROM a\nVOLUME [\"\"]\n",
            2,
            "VOLUME specified can not be an empty string",
        ),
        (
            "FROM a\nONBUILD\n",
            2,
            "ONBUILD requires at least one argument",
        ),
        (
            "FROM a\nONBUILD ONBUILD RUN x\n",
            2,
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        ),
        (
            "FROM a\nONBUILD FROM b\n",
            2,
            "FROM isn't allowed as an ONBUILD trigger",
        ),
        (
            "FROM a\nONBUILD maintainer me\n",
            2,
            "MAINTAINER isn't allowed as an ONBUILD trigger",
        ),
        ("FROM a\nSHELL\n", 2, "SHELL requires at least one argument"),
        (
            "FROM a\nSHELL []\n",
            2,
            "SHELL requires at least one argument",
        ),
        (
            "FROM a\nSHELL sh -c\n",
            2,
            "SHELL requires the arguments to be in JSON form",
        ),
        (
            "FROM a\nHEALTHCHECK\n",
            2,
            "HEALTHCHECK requires at least one argument",
        ),
        (
            "FROM a\nHEALTHCHECK NONE x\n",
            2,
            "HEALTHCHECK NONE takes no arguments",
        ),
        (
            "FROM a\nHEALTHCHECK CMD\n",
            2,
            "Missing command after HEALTHCHECK CMD",
        ),
        (
            "FROM a\nHEALTHCHECK BLAH x\n",
            2,
            "Unknown type \"BLAH\" in HEALTHCHECK (try CMD)",
        ),
        (
            "FROM a\nHEALTHCHECK --interval=5 CMD x\n",
            2,
            "time: missing unit in duration \"5\"",
        ),
        (
            "FROM a\nHEALTHCHECK --timeout=1us CMD x\n",
            2,
            "Interval \"timeout\" cannot be less than 1ms",
        ),
        (
            "FROM a\nHEALTHCHECK --retries=-1 CMD x\n",
            2,
            "--retries cannot be negative (-1)",
        ),
        (
            "FROM a\nHEALTHCHECK --retires=3 CMD x\n",
            2,
            "unknown flag: --retires (did you mean retries?)",
        ),
        (
            "FROM a\nRUN --network=bridge ls\n",
            2,
            "invalid network mode \"bridge\"",
        ),
        (
            "FROM a\nRUN --security=unconfined ls\n",
            2,
            "security \"unconfined\" is not valid",
        ),
        (
            "FROM a\nRUN --mount=type=cahce,target=/x ls\n",
            2,
            "unsupported mount type \"cahce\" (did you mean cache?)",
        ),
        (
            "FROM a\nRUN --mount=type=cache,targte=/x ls\n",
            2,
            "unexpected key 'targte' in 'targte=/x' (did you mean target?)",
        ),
        (
            "FROM a\nRUN --mount=type=cache,sharing=maybe,target=/x ls\n",
            2,
            "unsupported sharing value \"maybe\"",
        ),
        (
            "FROM a\nRUN --mount=type=bind,mode=0755,target=/x ls\n",
            2,
            "mode not allowed for \"bind\" type mounts",
        ),
        (
            "FROM a\nRUN --mount=type=secret ls\n",
            2,
            "invalid secret mount. one of source, target required",
        ),
        (
            "FROM a\nRUN --mount=type=bind,from=$X,target=/x ls\n",
            2,
            "'from' doesn't support variable expansion",
        ),
        (
            "FROM a\nRUN --mount=type=cache,target=/x,nonsense ls\n",
            2,
            "invalid field 'nonsense' must be a key=value pair",
        ),
        (
            "FROM a\nRUN --mount=type=cache,target=/a\\\"b ls\n",
            2,
            "failed to parse csv mounts",
        ),
        (
            "FROM a\nRUN --mount=type=tmpfs,target=/t,size=lots ls\n",
            2,
            "invalid value for size: lots",
        ),
        (
            "FROM a\nRUN --mout=type=cache,target=/x ls\n",
            2,
            "unknown flag: --mout (did you mean mount?)",
        ),
    ] {
        refused(src, line, needle);
    }
}

#[test]
fn stage_resolution_errors() {
    for (src, line, needle) in [
        ("FROM Ubuntu\n", 1, "failed to parse stage name \"Ubuntu\": invalid reference format: repository name (library/Ubuntu) must be lowercase"),
        ("FROM alpine:3:20\n", 1, "failed to parse stage name \"alpine:3:20\": invalid reference format"),
        ("FROM alpine AS build\nFROM Build\n", 2, "failed to parse stage name \"Build\""),
        ("FROM a AS b\nCOPY --from=b x y\n", 2, "circular dependency detected on stage: b"),
        ("FROM a\nCOPY --from=0 x y\n", 2, "circular dependency detected on stage: stage-0"),
        ("FROM a\nCOPY --from=2 x y\n", 2, "invalid stage index 2"),
        ("FROM a\nCOPY --from=Builder x y\n", 2, "failed to parse stage name \"Builder\""),
        ("FROM a AS x\nCOPY --from=y a b\nFROM c AS y\nCOPY --from=x a b\n", 2, "circular dependency detected on stage: x"),
        ("FROM a AS x\nCOPY --from=y a b\nFROM c AS y\nFROM x\n", 2, "cannot copy from stage \"y\", it needs to be defined before current stage \"x\""),
    ] {
        refused(src, line, needle);
    }
    // A later stage the default build never reaches, variables, images and
    // exact stage names are fine.
    for ok in [
        "FROM a AS x\nCOPY --from=y a b\nFROM scratch AS y\n",
        "ARG S=b\nFROM a AS b\nFROM c\nCOPY --from=$S x y\n",
        "FROM a AS build\nFROM c\nCOPY --from=BUILD x y\nCOPY --from=nginx:1.27 /a /b\nCOPY --from=0 /x /y\n",
        "FROM alpine AS build\nFROM build\n",
        "FROM scratch\n",
        "ARG IMG=Ubuntu\nFROM $IMG\n",
    ] {
        let (code, msgs) = lint(ok);
        assert_eq!(code, Some(0), "{ok:?}: {msgs:?}");
    }
}

#[test]
fn valid_forms_are_not_refused() {
    for ok in [
        "FROM alpine:3.20\nRUN\nCMD\nENTRYPOINT\n",
        "FROM a\nCOPY --chmod=u+x,go-w --link a b\nCOPY --link=FALSE a b\n",
        "FROM a\nCOPY --chmod=0755 --chown=app:app --parents --exclude=*.md a b\n",
        "FROM a\nADD --keep-git-dir=true --unpack=false --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://example.com/x /x\n",
        "FROM a\nHEALTHCHECK NONE\nHEALTHCHECK --interval=1m30s --timeout=0 --start-period=1.5s --start-interval=5s --retries=0 CMD [\"true\"]\n",
        "FROM a\nSTOPSIGNAL 9\nSTOPSIGNAL sigrtmin+3\nSTOPSIGNAL $SIG\n",
        "FROM a\nRUN --mount=type=ssh,required --mount=type=secret,id=a,required=true --mount=type=secret,id=t,env=TOKEN --mount=type=cache,target=/c,uid=1000,mode=0700,sharing=private --mount=type=tmpfs,target=/t,size=64m --mount=type=bind,from=a,source=/x,target=/y,rw --network=host --security=insecure --device=nvidia.com/gpu=all x\n",
        "FROM a\nONBUILD RUN --mount=type=cache,target=/x make\nONBUILD COPY . /src\n",
        "FROM a\nSHELL [\"powershell\", \"-Command\"]\nVOLUME /data [\"/x\"]\nEXPOSE 80/tcp\n",
        "FROM a\nARG A B=2\nENV A=1 B=\"two words\"\nLABEL a=b\n",
    ] {
        let (code, msgs) = lint(ok);
        assert_eq!(code, Some(0), "{ok:?}: {msgs:?}");
    }
    // BuildKit cuts a flag at its first `=`: `false=x` is no boolean.
    refused(
        "FROM a\nCOPY --link=false=x a b\n",
        2,
        "expecting boolean value for flag --link, not: false=x",
    );
}

#[test]
fn other_rules_still_run_on_a_file_with_a_bad_instruction() {
    let d = project(&[(
        "Dockerfile",
        "FROM ubuntu\nFRM alpine\nRUN apt-get install curl\nADD app.py /app/\n",
    )]);
    let o = run(d.path(), &["--isolated", "--format", "json", "Dockerfile"]);
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v.iter().map(|d| d["name"].as_str().unwrap()).collect();
    for want in [
        "invalid-syntax",
        "untagged-image",
        "missing-assume-yes",
        "add-instead-of-copy",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert_eq!(
        names.iter().filter(|n| **n == "invalid-syntax").count(),
        1,
        "{names:?}"
    );
}

#[test]
fn one_finding_per_mistake_with_copy_from_unknown_stage() {
    let d = project(&[(
        "Dockerfile",
        "FROM golang:1.22 AS builder\nFROM alpine:3.20 AS final\nCOPY --from=final /a /a\nCOPY --from=5 /b /b\nCOPY --from=Buildr /c /c\nCOPY --from=buildr /d /d\nADD --from=builder /e /e\n",
    )]);
    let o = run(
        d.path(),
        &[
            "--isolated",
            "--select",
            "invalid-syntax,copy-from-unknown-stage",
            "--format",
            "json",
            "Dockerfile",
        ],
    );
    let v: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(u64, &str)> = v
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "invalid-syntax"),
            (4, "invalid-syntax"),
            (5, "invalid-syntax"),
            (6, "copy-from-unknown-stage"),
            (7, "invalid-syntax"),
        ],
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn long_lines_are_a_parser_error() {
    let long = format!("FROM a\nRUN echo {}\n", "x".repeat(70_000));
    let (parse, _, _) = inspect(&long);
    assert_eq!(
        parse,
        vec![(
            2,
            "dockerfile line greater than max allowed size of 65535".to_string()
        )]
    );
    // 65,535 bytes before the newline is still fine.
    let ok = format!("FROM a\nRUN {}\n", "x".repeat(65_535 - 4));
    let (parse, _, _) = inspect(&ok);
    assert!(parse.is_empty(), "{parse:?}");
}
