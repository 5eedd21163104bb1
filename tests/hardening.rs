//! Hostile and odd inputs (issue 9 §2, §3, §6): dlint stays bounded in time
//! and memory, never blocks on a special file, never writes through a
//! symlink, and never echoes control characters into a message.

mod common;

use dlint::analysis::analyze;
use dlint::diagnostic::Diagnostic;
use dlint::settings::{resolve_selector, Settings};

/// Every rule of dlint's own: ShellCheck is a separate program (its input is
/// capped: see `dlint::shellcheck::MAX_SCRIPT_BYTES`), tested in
/// tests/shellcheck.rs.
fn all_rules() -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector("ALL").unwrap());
    s.ignore(&resolve_selector("shellcheck").unwrap());
    s
}

/// Every text of a finding that reaches a terminal or an editor.
fn texts(d: &Diagnostic) -> Vec<&str> {
    let mut v = vec![d.message.as_str()];
    v.extend(d.related.iter().map(|r| r.message.as_str()));
    v.extend(d.fix.iter().map(|f| f.title.as_str()));
    v
}

fn assert_no_controls(diags: &[Diagnostic]) {
    for d in diags {
        for t in texts(d) {
            assert!(
                !t.chars().any(dlint::text::is_unsafe),
                "{}: control character in {t:?}",
                d.rule.name
            );
        }
    }
}

#[test]
fn crlf_messages_have_no_raw_line_endings() {
    // issue 9 §6: messages quoting a CRLF file contained raw `\r\n`.
    let src = "FROM ubuntu:22.04\r\nRUN apt-get \\\r\n    update\r\nRUN apt-get install -y \\\r\n    curl\r\nCOPY . /app\r\nRUN npm \\\r\n  ci\r\nUSER root\r\n";
    let r = analyze(src, None, &all_rules(), None);
    let names: Vec<&str> = r.diagnostics.iter().map(|d| d.rule.name).collect();
    for want in ["split-apt-layers", "cache-busting-copy", "root-user"] {
        assert!(names.contains(&want), "{want} not reported: {names:?}");
    }
    assert_no_controls(&r.diagnostics);
    let split = r
        .diagnostics
        .iter()
        .find(|d| d.rule.name == "split-apt-layers")
        .unwrap();
    // The continuation is joined, not escaped.
    assert!(
        split
            .message
            .starts_with("`apt-get update` runs in its own RUN"),
        "{}",
        split.message
    );
}

#[test]
fn escape_sequences_in_quoted_text_are_escaped() {
    // A terminal escape (OSC: set the window title) and a bidi override in
    // the quoted COPY.
    let src = "FROM node:20\nCOPY . /app/\u{1b}]0;pwned\u{7}\u{202e}x\nRUN npm ci\n";
    let r = analyze(src, None, &all_rules(), None);
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.name == "cache-busting-copy")
        .expect("cache-busting-copy");
    assert!(
        d.message
            .contains("`COPY . /app/\\u{1b}]0;pwned\\u{7}\\u{202e}x`"),
        "{}",
        d.message
    );
    assert_no_controls(&r.diagnostics);
}

// ---------------------------------------------------------------------------
// Variable expansion and other super-linear paths (issue 9 §2).

use dlint::model::expand::{Limit, MAX_VALUE};
use dlint::model::Model;
use std::time::{Duration, Instant};

fn doubling_args(n: usize) -> String {
    let mut s = String::from("ARG A0=x\n");
    for i in 1..n {
        s.push_str(&format!("ARG A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
    }
    s.push_str("FROM alpine:3\n");
    s
}

#[test]
fn exponential_expansion_is_capped_and_reported() {
    // issue 9: 34 lines, 687 bytes, 2^33-byte values: 24 GB RSS, then killed.
    let src = doubling_args(34);
    assert_eq!(src.len(), 687);
    // Strict root-user: the file runs nothing (a base image), and the
    // finding below shows the base image was read past the expansion.
    let mut settings = all_rules();
    settings.options.root_user_strict = true;
    let t = Instant::now();
    let r = analyze(&src, None, &settings, None);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    for a in &r.model.global_args {
        let len = a.default.as_ref().map_or(0, String::len);
        assert!(len <= MAX_VALUE, "{} is {len} bytes", a.name);
    }
    let hits: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == "expansion-limit")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    // 2^20 bytes fit; A21 (2^21) is the first past the cap.
    assert_eq!(r.model.line_of(hits[0].span.start), 22);
    assert!(
        hits[0].message.contains("past 1 MiB"),
        "{}",
        hits[0].message
    );
    // The base image is still read.
    assert!(r.diagnostics.iter().any(|d| d.rule.name == "root-user"));
}

#[test]
fn each_expansion_bound_has_its_finding() {
    let big = "b".repeat(600 << 10);
    let deep = format!("{}x{}", "${U:-".repeat(40), "}".repeat(40));
    let src = format!(
        "FROM alpine:3\nARG BIG={big}\nENV TWO=$BIG$BIG\nENV DEEP={deep}\nARG P={}\nUSER ${{P#{}}}\nRUN true\n",
        "a".repeat(5000),
        "?".repeat(5000)
    );
    let m = Model::build(&src);
    let kinds: Vec<(usize, Limit)> = m
        .expansion_limits
        .iter()
        .map(|l| (m.line_of(l.span.start), l.limit))
        .collect();
    assert_eq!(
        kinds,
        vec![(3, Limit::Value), (4, Limit::Depth), (6, Limit::Pattern)]
    );
    // Past a bound the word stands for itself: not a value the rules trust.
    let st = &m.stages[0];
    assert_eq!(st.env[0].1, "$BIG$BIG");
    assert_eq!(st.users[0].2, format!("${{P#{}}}", "?".repeat(5000)));
}

#[test]
fn the_file_budget_is_reported_once() {
    // 40 values of 900 KiB: 36 MB pasted in all, past the 32 MiB budget.
    let mut src = format!("ARG BIG={}\n", "c".repeat(900 << 10));
    for i in 0..40 {
        src.push_str(&format!("ARG X{i}=$BIG\n"));
    }
    src.push_str("FROM alpine:3\n");
    let m = Model::build(&src);
    let budget: Vec<_> = m
        .expansion_limits
        .iter()
        .filter(|l| l.limit == Limit::Budget)
        .collect();
    assert_eq!(budget.len(), 1, "{:?}", m.expansion_limits);
    let first = m.line_of(budget[0].span.start);
    assert!((36..=39).contains(&first), "line {first}");
    // Later ARGs keep the word as written.
    assert_eq!(m.global_args[40].default.as_deref(), Some("$BIG"));
}

/// Sources that were quadratic (or worse) in the model, the rules or the
/// renderers. Each is sized so the old code took minutes or crashed (stack
/// overflow, memory); all now run in well under a second each in release.
fn hostile_sources() -> Vec<(&'static str, String)> {
    let n = 30_000;
    let mut v = Vec::new();
    // duplicate-stage-name compared every stage with every earlier one;
    // missing-healthcheck (leaf stages) every stage with every other.
    v.push((
        "many stages",
        (0..n).map(|i| format!("FROM alpine:3 AS s{i}\n")).collect(),
    ));
    // FROM chains: stage look-ups by name, ENV inherited along the chain.
    let mut chain = String::from("FROM alpine:3 AS s0\n");
    for i in 0..n {
        chain.push_str(&format!("FROM s{i} AS s{}\nENV E{}=$E{i}\n", i + 1, i + 1));
    }
    v.push(("FROM chain", chain));
    // ARG look-ups scanned every earlier ARG.
    let mut args = String::from("FROM alpine:3\nARG A0=x\n");
    for i in 0..n {
        args.push_str(&format!("ARG A{}=$A{i}\n", i + 1));
    }
    v.push(("many ARGs", args));
    // A `&&` chain is a tree-sitter-bash tree that deep: stack overflow.
    v.push((
        "long && chain",
        format!(
            "FROM alpine:3\nRUN {}\n",
            vec!["apt-get install x"; n].join(" && ")
        ),
    ));
    // Each ONBUILD level copied the rest of the line: quadratic memory.
    v.push((
        "deep ONBUILD",
        format!("FROM alpine:3\n{}RUN x\n", "ONBUILD ".repeat(100_000)),
    ));
    // Each argument's field was looked up from the command's first child.
    v.push((
        "many arguments",
        format!(
            "FROM debian:12\nRUN apt-get install -y {}\n",
            "a ".repeat(150_000)
        ),
    ));
    // Every finding was checked against every suppression comment.
    v.push((
        "suppressions",
        format!(
            "FROM alpine:3\n{}",
            "# dlint ignore=sudo-in-run\nRUN sudo x\n".repeat(n)
        ),
    ));
    // copy-from-unknown-stage scanned every stage (and computed a
    // did-you-mean against each) per finding.
    v.push((
        "unknown --from",
        (0..n / 2)
            .map(|i| format!("FROM alpine:3 AS s{i}\nCOPY --from=nosuch{i} /a /b\n"))
            .collect(),
    ));
    // graph_errors: every stage's cycle check walked the whole graph, and
    // each `--from` and FROM name was looked up by scanning the stages.
    v.push((
        "COPY --from chain",
        (0..n)
            .map(|i| {
                format!(
                    "FROM s{} AS s{i}\nCOPY --from=s{} /a /b\n",
                    i.max(1) - 1,
                    i / 2
                )
            })
            .collect(),
    ));
    // The global scope of FROM (undeclared-from-arg and the other BuildKit
    // checks on FROM) looked every ARG up in a list.
    let mut globals = String::from("ARG A0=x\n");
    for i in 0..n {
        globals.push_str(&format!("ARG A{}=$A{i}\n", i + 1));
    }
    globals.push_str("FROM alpine:3\n");
    v.push(("global ARG chain", globals));
    // undefined-variable: a did-you-mean against every ENV per unknown
    // name, and the stage scanned per finding for a later definition.
    let mut undefined = String::from("FROM debian:12\n");
    for i in 0..n / 2 {
        undefined.push_str(&format!("ENV V{i:05}=1\n"));
    }
    for i in 0..n / 2 {
        undefined.push_str(&format!("ENV X{i}=$U{i:05}\n"));
    }
    v.push(("undefined variables", undefined));
    // undefined-variable: the line searched once per unknown name.
    v.push((
        "variables on one line",
        format!(
            "FROM alpine:3\nENV X={}\n",
            (0..n).map(|i| format!("$u{i}")).collect::<String>()
        ),
    ));
    // stage-name-casing compared every stage with every other one, and
    // renamed each through every instruction.
    v.push((
        "uppercase stages",
        (0..n / 2)
            .map(|i| format!("FROM alpine:3 AS S{i}\nCOPY --from=S{i} /a /b\n"))
            .collect(),
    ));
    // shell-form-cmd looked for a SHELL through the stage per CMD.
    v.push((
        "shell-form CMDs",
        format!("FROM alpine:3\n{}", "CMD run x\n".repeat(n)),
    ));
    // split-apt-layers counted the stage's instructions per finding.
    v.push((
        "split updates",
        format!(
            "FROM debian:12\n{}",
            "RUN apt-get update\nRUN apt-get install -y x\n".repeat(n / 2)
        ),
    ));
    // apt-lists-not-removed looked through every later RUN (and its
    // stage's bases) for an install, per update-only RUN.
    v.push((
        "update-only RUNs",
        format!("FROM debian:12\n{}", "RUN apt-get update\n".repeat(n)),
    ));
    // cd-instead-of-workdir's fix scanned the rest of the stage per RUN for
    // an instruction that depends on the directory.
    v.push((
        "cd RUNs",
        format!("FROM debian:12\n{}", "RUN cd /x && make\n".repeat(n)),
    ));
    // wget-without-progress looked for a wget install before each RUN.
    v.push((
        "many wget RUNs",
        format!("FROM debian:12\n{}", "RUN wget http://x/y\n".repeat(n)),
    ));
    // missing-pipefail and consecutive-run walked the stage for the SHELL
    // before each RUN; the fix looked for the shell region's fix in a list.
    v.push((
        "SHELL regions",
        format!(
            "FROM debian:12\n{}",
            "SHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n".repeat(n / 2)
        ),
    ));
    // env-self-reference scanned the stage's ENVs per pair.
    v.push((
        "self-referencing ENVs",
        format!(
            "FROM debian:12\n{}",
            (0..n)
                .map(|i| format!("ENV A{i}=$A{i} B{i}=$A{i}\n"))
                .collect::<String>()
        ),
    ));
    // cd-instead-of-workdir followed FROM <stage> recursively (a stack
    // overflow on a long chain) and walked the stage per RUN.
    let mut cd = String::from("FROM scratch AS s0\n");
    for i in 0..n / 2 {
        cd.push_str(&format!("FROM s{i} AS s{}\nRUN cd /x && make\n", i + 1));
    }
    v.push(("cd in a FROM chain", cd));
    v
}

#[test]
fn hostile_shapes_stay_near_linear() {
    for (name, src) in hostile_sources() {
        let t = Instant::now();
        let r = analyze(&src, None, &all_rules(), None);
        // Columns of every finding (the JSON renderer's work).
        for d in &r.diagnostics {
            let _ = r.model.lines.position(
                &r.model.source,
                d.span.start,
                dlint::syntax::ColumnUnit::Utf16,
            );
        }
        let took = t.elapsed();
        eprintln!("{name}: {} bytes, {took:?}", src.len());
        // Unoptimized test build on a shared machine: generous, but far
        // below what the quadratic versions took.
        assert!(took < Duration::from_secs(60), "{name}: {took:?}");
    }
}

/// The language server's lint of the next version (`analyze_reusing`,
/// which keeps per-stage findings between lints) on the same shapes: the
/// first lint fills its cache, the second, after an edit at the end,
/// reuses it. Neither may turn quadratic (per-unit links, per-unit rule
/// calls), and the second must equal a fresh lint.
#[test]
fn hostile_shapes_stay_near_linear_when_findings_are_reused() {
    let settings = all_rules();
    for (name, src) in hostile_sources() {
        let mut reuse = dlint::analysis::Reuse::default();
        let edited = format!("{src}RUN x\n");
        for (k, text) in [&src, &edited].into_iter().enumerate() {
            let t = Instant::now();
            let r = dlint::analysis::analyze_reusing(text, None, &settings, None, &mut reuse);
            let took = t.elapsed();
            eprintln!("{name} (lint {k}, reusing): {} bytes, {took:?}", text.len());
            assert!(took < Duration::from_secs(60), "{name}: {took:?}");
            if k == 1 {
                let fresh = analyze(text, None, &settings, None);
                assert_eq!(r.diagnostics.len(), fresh.diagnostics.len(), "{name}");
                for (a, b) in r.diagnostics.iter().zip(&fresh.diagnostics) {
                    assert_eq!((a.span, &a.message), (b.span, &b.message), "{name}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The binary, with a deadline: a hang is a failure, not a stuck test run.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `dlint args` in `dir`, killed after `limit` (a failure). `mem_kib`
/// caps its address space (`ulimit -v`), so a blow-up fails fast instead of
/// taking the machine down.
fn dlint_within(dir: &Path, args: &[&str], limit: Duration, mem_kib: Option<u64>) -> Output {
    let bin = env!("CARGO_BIN_EXE_dlint");
    let mut cmd = match mem_kib {
        Some(kib) => {
            let mut c = Command::new("bash");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(bin)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(bin);
            c.args(args);
            c
        }
    };
    let mut child = cmd
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dlint");
    // Drained while it runs: a full pipe would block it.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "dlint {args:?} still running after {limit:?} (killed)\nstderr: {}",
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn json_of(o: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "bad json ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn exponential_file_in_cli_and_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), doubling_args(34)).unwrap();
    // 2 GiB of address space: the uncapped expansion needs 16 GiB.
    let o = dlint_within(
        dir.path(),
        &["--format", "json", "Dockerfile"],
        Duration::from_secs(60),
        Some(2 << 20),
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let names: Vec<String> = json_of(&o)
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"expansion-limit".to_string()), "{names:?}");
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

const COPY_ALL: &str = "FROM node:20\nCOPY . /app\nRUN npm ci\nUSER node\n";

/// The `missing-dockerignore` finding of a JSON run.
fn finding<'a>(all: &'a [serde_json::Value], rule: &str) -> Option<&'a serde_json::Value> {
    all.iter().find(|d| d["name"] == rule)
}

#[cfg(unix)]
#[test]
fn special_ignore_files_are_refused_not_read() {
    // issue 9 §2: a `.dockerignore` that is a FIFO or a link to /dev/zero
    // hung the CLI and the server for good.
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "fifo",
            Box::new(|p: &Path| mkfifo(p)),
            "a FIFO (named pipe), not a regular file",
        ),
        (
            "dev-zero",
            Box::new(|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
            "a character device, not a regular file",
        ),
        (
            "oversized",
            Box::new(|p: &Path| {
                let f = std::fs::File::create(p).unwrap();
                f.set_len(dlint::files::MAX_FILE + 1).unwrap();
            }),
            "larger than 10 MiB",
        ),
    ];
    for (name, make, reason) in cases {
        for per_dockerfile in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("Dockerfile"), COPY_ALL).unwrap();
            std::fs::write(dir.path().join(".env"), "SECRET=1\n").unwrap();
            let ignore = if per_dockerfile {
                "Dockerfile.dockerignore"
            } else {
                ".dockerignore"
            };
            make(&dir.path().join(ignore));
            for args in [
                &["--format", "json", "Dockerfile"][..],
                &["--format", "json", "--fix", "Dockerfile"][..],
            ] {
                let o = dlint_within(dir.path(), args, Duration::from_secs(30), None);
                let all = json_of(&o);
                let d = finding(&all, "missing-dockerignore")
                    .unwrap_or_else(|| panic!("{name}: no finding in {all:?}"));
                let msg = d["message"].as_str().unwrap();
                assert!(
                    msg.contains(&format!("`{ignore}` was not read")) && msg.contains(reason),
                    "{name}: {msg}"
                );
                assert!(d["fix"].is_null(), "{name}: {d}");
                // Nothing else assumes an empty ignore file.
                assert!(finding(&all, "dockerignore-gaps").is_none(), "{name}");
            }
            // Still what it was.
            let m = std::fs::symlink_metadata(dir.path().join(ignore)).unwrap();
            assert!(!m.file_type().is_file() || m.len() > dlint::files::MAX_FILE);
        }
    }
}

#[cfg(unix)]
#[test]
fn special_config_files_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), COPY_ALL).unwrap();
    let cfg = dir.path().join("cfg.toml");
    mkfifo(&cfg);
    let o = dlint_within(
        dir.path(),
        &["--config", "cfg.toml", "Dockerfile"],
        Duration::from_secs(30),
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("cfg.toml: cannot read: a FIFO"),
        "the message says what the file is: {stderr}"
    );
    // The loader itself refuses (discovery checks `is_file` first; this is
    // the layer below it).
    for name in ["dlint.toml", ".hadolint.yaml"] {
        let p = dir.path().join(name);
        mkfifo(&p);
        let e = dlint::config::load(&p).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_dockerignore_is_never_written_through() {
    // issue 9 §3: the dockerignore-gaps fix read the link's target and wrote
    // it, plus the new lines, as a regular `.dockerignore`: a link to a
    // secret put the secret in the repository.
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, "node_modules\nTOKEN=hunter2\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), COPY_ALL).unwrap();
    std::fs::write(dir.path().join(".env"), "SECRET=1\n").unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join(".dockerignore")).unwrap();
    let o = dlint_within(
        dir.path(),
        &["--format", "json", "Dockerfile"],
        Duration::from_secs(30),
        None,
    );
    let all = json_of(&o);
    let d = finding(&all, "dockerignore-gaps").expect("dockerignore-gaps");
    assert_eq!(d["fix"]["applicability"], "display-only", "{d}");
    let title = d["fix"]["title"].as_str().unwrap();
    assert!(title.contains("symbolic link"), "{title}");
    for args in [
        &["--fix", "Dockerfile"][..],
        &["--fix", "--unsafe-fixes", "Dockerfile"][..],
    ] {
        dlint_within(dir.path(), args, Duration::from_secs(30), None);
        let link = dir.path().join(".dockerignore");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(&secret).unwrap(),
            "node_modules\nTOKEN=hunter2\n"
        );
    }
    // No stray copy of the secret anywhere in the context.
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && !p.ends_with(".dockerignore") {
            let t = std::fs::read_to_string(&p).unwrap_or_default();
            assert!(!t.contains("hunter2"), "{} holds the secret", p.display());
        }
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_dockerignore_link_is_not_created_through() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("planted");
    std::fs::write(dir.path().join("Dockerfile"), COPY_ALL).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(".dockerignore")).unwrap();
    let o = dlint_within(
        dir.path(),
        &["--format", "json", "Dockerfile"],
        Duration::from_secs(30),
        None,
    );
    let all = json_of(&o);
    let d = finding(&all, "missing-dockerignore").expect("missing-dockerignore");
    assert_eq!(d["fix"]["applicability"], "display-only", "{d}");
    assert!(
        d["message"].as_str().unwrap().contains("symbolic link"),
        "{d}"
    );
    dlint_within(
        dir.path(),
        &["--fix", "Dockerfile"],
        Duration::from_secs(30),
        None,
    );
    assert!(!target.exists(), "created through the link");
}

#[cfg(unix)]
#[test]
fn the_writer_refuses_links_too() {
    use dlint::diagnostic::FileChange;
    use dlint::fix::apply_file_change;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::write(&real, "a\n").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let e = apply_file_change(&FileChange::Append {
        path: link.clone(),
        content: "b\n".into(),
    })
    .unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "a\n");
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(apply_file_change(&FileChange::Create {
        path: dangling,
        content: "x\n".into(),
    })
    .is_err());
    assert!(!dir.path().join("nowhere").exists());
    // Appending to a FIFO: refused, not blocked.
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let e = apply_file_change(&FileChange::Append {
        path: fifo,
        content: "b\n".into(),
    })
    .unwrap_err();
    assert!(e.to_string().contains("FIFO"), "{e}");
    // A regular file still works.
    apply_file_change(&FileChange::Append {
        path: real.clone(),
        content: "b\n".into(),
    })
    .unwrap();
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "a\nb\n");
}

// ---------------------------------------------------------------------------
// The language server on the same inputs: it answers, and shuts down.

#[cfg(unix)]
#[test]
fn server_survives_hostile_documents_and_ignore_files() {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join(".dockerignore"));
    let docs = [
        ("Dockerfile", COPY_ALL.to_string(), "missing-dockerignore"),
        ("exp.Dockerfile", doubling_args(34), "expansion-limit"),
    ];
    let (server, client) = Connection::memory();
    let handle = std::thread::spawn(move || dlint::server::run(server));
    let deadline = Instant::now() + Duration::from_secs(60);
    let recv = |want: &dyn Fn(&Message) -> bool| -> Message {
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("the server did not answer in time");
            match client.receiver.recv_timeout(left) {
                Ok(Message::Request(r)) => client
                    .sender
                    .send(lsp_server::Response::new_ok(r.id, json!(null)).into())
                    .unwrap(),
                Ok(m) if want(&m) => return m,
                Ok(_) => {}
                Err(e) => panic!("the server did not answer: {e}"),
            }
        }
    };
    let id = RequestId::from(1);
    client
        .sender
        .send(
            Request::new(
                id.clone(),
                "initialize".into(),
                json!({"processId": null, "rootUri": null, "capabilities": {}}),
            )
            .into(),
        )
        .unwrap();
    recv(&|m| matches!(m, Message::Response(r) if r.id == id));
    client
        .sender
        .send(Notification::new("initialized".into(), json!({})).into())
        .unwrap();
    for (name, text, rule) in &docs {
        let uri = format!("file://{}/{name}", dir.path().display());
        client
            .sender
            .send(
                Notification::new(
                    "textDocument/didOpen".into(),
                    json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
                )
                .into(),
            )
            .unwrap();
        let m = recv(&|m| {
            matches!(m, Message::Notification(n) if n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == json!(uri))
        });
        let Message::Notification(n) = m else {
            unreachable!()
        };
        let codes: Vec<String> = n.params["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].to_string())
            .collect();
        assert!(
            codes.iter().any(
                |c| c.contains(rule) || c.contains(dlint::rules::find(rule).unwrap().meta.code)
            ),
            "{name}: {codes:?}"
        );
    }
    let id = RequestId::from(2);
    client
        .sender
        .send(Request::new(id.clone(), "shutdown".into(), json!(null)).into())
        .unwrap();
    recv(&|m| matches!(m, Message::Response(r) if r.id == id));
    client
        .sender
        .send(Notification::new("exit".into(), json!(null)).into())
        .unwrap();
    let code = handle.join().unwrap();
    assert_eq!(code, 0);
}

// ---------------------------------------------------------------------------
// --pin-digests against a registry that accepts connections and never
// answers (issue 9 §2: 8 s per image, one after another). No
// docker-registry needed: a local TCP listener.

#[test]
fn pin_digests_has_one_deadline_for_the_whole_run() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for f in 0..3 {
        let mut src = String::new();
        for i in 0..6 {
            src.push_str(&format!("FROM 127.0.0.1:{port}/f{f}i{i}:1 AS s{i}\n"));
        }
        src.push_str("USER 1000\n");
        let name = format!("f{f}.Dockerfile");
        std::fs::write(dir.path().join(&name), &src).unwrap();
        files.push((name, src));
    }
    let mut args = vec!["--fix", "--pin-digests", "--pin-timeout", "2"];
    args.extend(files.iter().map(|(n, _)| n.as_str()));
    let start = Instant::now();
    // 18 images: 144 s one after another with 8 s each.
    let o = dlint_within(dir.path(), &args, Duration::from_secs(30), None);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no answer within the --pin-digests deadline of 2s"),
        "{err}"
    );
    for (name, src) in &files {
        assert_eq!(
            &std::fs::read_to_string(dir.path().join(name)).unwrap(),
            src
        );
    }
    // A bad value is a usage error.
    let o = dlint_within(
        dir.path(),
        &[
            "--fix",
            "--pin-digests",
            "--pin-timeout",
            "NaN",
            "f0.Dockerfile",
        ],
        Duration::from_secs(30),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--pin-timeout"));
}

// ---------------------------------------------------------------------------
// The text renderer: excerpts of long lines are windows, and source text
// is escaped there too.

/// The text output and how many findings it shows.
fn render_text(path: &str, src: &str) -> (String, usize) {
    let r = analyze(src, None, &all_rules(), None);
    let findings = r.diagnostics.len();
    (common::render_text(path, r), findings)
}

#[test]
fn long_lines_are_shown_as_windows() {
    // 3,000 findings on one 60 KB line: printing the line for each was
    // 180 MB of output (a 200 KB line with 10,000 findings: 3 GB, 4 min).
    let n = 3000;
    let src = format!(
        "FROM alpine:3\nRUN {}\nUSER 1000\n",
        vec!["apt-get install 한글"; n].join(" && ")
    );
    let t = Instant::now();
    let (out, findings) = render_text("Dockerfile", &src);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    // Several rules fire on each command: the bound is per finding.
    assert!(findings >= n, "{findings} findings");
    assert!(
        out.len() < findings * 1500,
        "{} bytes for {findings} findings",
        out.len()
    );
    // The real line and column of the 1000th command, and its text.
    let col = 5 + 999 * "apt-get install 한글 && ".chars().count();
    assert!(
        out.contains(&format!("┌─ Dockerfile:2:{col}\n")),
        "no 2:{col}"
    );
    // Windows start and end with an ellipsis, inside the line.
    let window = out
        .lines()
        .find(|l| l.starts_with("2 │ …"))
        .expect("a window");
    // (Where the window ends depends on the label: a package name's
    // window ends mid-word.)
    assert!(window.ends_with('…'), "{window}");
    assert!(window.contains("한글 && apt-get install 한글"), "{window}");
    assert!(window.chars().count() < 200, "{window}");
}

#[test]
fn control_characters_in_excerpts_are_escaped() {
    let src = "FROM node:20\nCOPY . /app/\u{1b}]0;pwned\u{7}\u{202e}x\nRUN npm ci\n";
    let (out, _) = render_text("bad\u{1b}[2Jname", src);
    assert!(
        !out.chars().any(|c| c != '\n' && dlint::text::is_unsafe(c)),
        "{out:?}"
    );
    assert!(
        out.contains("2 │ COPY . /app/\\u{1b}]0;pwned\\u{7}\\u{202e}x\n"),
        "{out}"
    );
    assert!(out.contains("bad\\u{1b}[2Jname:2:1"), "{out}");
    // The underline still spans the whole (escaped) COPY.
    assert!(out.contains(&format!("  │ {}\n", "^".repeat(40))), "{out}");
}

#[test]
fn config_errors_quoting_the_file_are_escaped() {
    // A TOML escape: the parsed name holds a real ESC.
    let e = dlint::config::parse_toml(Path::new("dlint.toml"), "select = [\"x\\u001b[2J\"]\n")
        .unwrap_err();
    let shown = e.to_string();
    assert!(!shown.chars().any(dlint::text::is_unsafe), "{shown:?}");
    assert!(shown.contains("\\u{1b}[2J"), "{shown}");
}

/// Hostile files of about 0.5 MB for every command that reads a Dockerfile.
fn hostile_files() -> Vec<(&'static str, String)> {
    let mb = 1 << 19;
    vec![
        // Each `$(` level's words held the text of every level inside:
        // 22 GB for 1 MB, 5 GB for this (`dlint layers`; lint too once the RUN mentions
        // a package manager).
        (
            "nested substitutions",
            format!(
                "FROM alpine:3\nRUN apt-get install {}x{}\n",
                "$(".repeat(mb / 4),
                ")".repeat(mb / 4)
            ),
        ),
        // tree-sitter-bash's recovery on 50,000 heredoc markers without
        // bodies: about a minute (200,000: minutes).
        (
            "heredoc markers",
            format!(
                "FROM alpine:3\nRUN {}\n{}",
                (0..50_000).map(|i| format!("<<E{i} ")).collect::<String>(),
                (0..50_000)
                    .map(|i| format!("x\nE{i}\n"))
                    .collect::<String>()
            ),
        ),
        // tree-sitter-containerfile (`inspect`, the editor) on unterminated
        // `${`.
        (
            "unterminated braces",
            format!("FROM alpine:3\nENV X={}\n", "${".repeat(mb / 2)),
        ),
        // `dlint layers` scanned every stage edge per step.
        (
            "COPY --from",
            format!(
                "FROM alpine:3 AS b\nFROM alpine:3\n{}",
                "COPY --from=b /a /b\n".repeat(mb / 20)
            ),
        ),
        // `dlint layers` listed every base-stage ONBUILD trigger in every
        // stage built FROM it: K² steps (5,000 each: 7 GB).
        (
            "ONBUILD fan-out",
            format!(
                "FROM alpine:3 AS b\n{}{}",
                "ONBUILD RUN x\n".repeat(mb / 42),
                "FROM b\n".repeat(mb / 42)
            ),
        ),
        (
            "one long word",
            format!("FROM alpine:3\nRUN echo {}\n", "a ".repeat(mb / 2)),
        ),
    ]
}

#[test]
fn hostile_files_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for (name, src) in hostile_files() {
        std::fs::write(dir.path().join("Dockerfile"), &src).unwrap();
        for args in [
            &["--format", "json", "Dockerfile"][..],
            &["layers", "Dockerfile"][..],
            &["inspect", "Dockerfile"][..],
        ] {
            let t = Instant::now();
            // 3 GiB of address space, 60 s: far above what these need now.
            let o = dlint_within(dir.path(), args, Duration::from_secs(60), Some(3 << 20));
            eprintln!("{name} {args:?}: {:?}", t.elapsed());
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{name} {args:?}: {:?}\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn every_format_is_linear_on_a_long_line_with_many_findings() {
    use dlint::render::{self, FileResult, Format, Outcome, RenderOptions};
    // SARIF and GitLab hashed the whole line per finding (fingerprints),
    // JSON and GitHub counted its characters per finding (columns).
    let n = 20_000;
    let src = format!(
        "FROM alpine:3\nRUN {}\nUSER 1000\n",
        vec!["apt-get install x"; n].join(" && ")
    );
    let r = analyze(&src, None, &all_rules(), None);
    // Several rules fire on each command: the bound is per finding.
    let findings = r.diagnostics.len();
    assert!(findings >= n);
    let results = vec![FileResult {
        path: "Dockerfile".into(),
        outcome: Outcome::Linted(Box::new(r.into())),
    }];
    for f in [
        Format::Json,
        Format::Github,
        Format::Sarif,
        Format::Gitlab,
        Format::Checkstyle,
        Format::Text,
    ] {
        let t = Instant::now();
        let mut out = Vec::new();
        render::render(f, &results, &RenderOptions::default(), &mut out).unwrap();
        let took = t.elapsed();
        assert!(took < Duration::from_secs(20), "{f:?}: {took:?}");
        assert!(
            out.len() < findings * 4000,
            "{f:?}: {} bytes for {findings} findings",
            out.len()
        );
    }
}
