//! The hadolint-parity rules outside the package managers (shell, labels,
//! instruction checks): a snapshot per rule (bad and good Dockerfile, the
//! rendered findings), regression tests for the tricky cases, and the fixes
//! before and after (each fix applied alone, then checked to be stable).

use std::fs;
use std::path::Path;

use dlint::analysis::analyze;
use dlint::context::BuildContext;
use dlint::fix::{fix_source, FixOptions};
use dlint::render::{self, FileResult, Format, Outcome, RenderOptions};
use dlint::settings::{resolve_selector, Settings};

fn settings_for(rule: &str) -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector(rule).unwrap_or_else(|| panic!("no rule {rule}")));
    s
}

/// The findings of one rule: (line, message) pairs.
fn findings(rule: &str, src: &str) -> Vec<(usize, String)> {
    let s = settings_for(rule);
    let r = analyze(src, None, &s, None);
    r.diagnostics
        .iter()
        .map(|d| (r.model.line_of(d.span.start), d.message.clone()))
        .collect()
}

fn lines(rule: &str, src: &str) -> Vec<usize> {
    findings(rule, src).into_iter().map(|(l, _)| l).collect()
}

fn render_text(rule: &str, src: &str) -> (String, usize) {
    let s = settings_for(rule);
    let report = analyze(src, Some(Path::new("Dockerfile")), &s, None);
    let n = report.diagnostics.len();
    let results = vec![FileResult {
        path: "Dockerfile".into(),
        outcome: Outcome::Report(Box::new(report)),
    }];
    let mut out = Vec::new();
    render::render(Format::Text, &results, &RenderOptions::default(), &mut out).unwrap();
    (String::from_utf8(out).unwrap(), n)
}

fn snap(name: &str, value: String) {
    insta::with_settings!({
        snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, value);
    });
}

fn snapshot(rule: &str, bad: &str, good: &str) {
    let (bad_out, n_bad) = render_text(rule, bad);
    let (good_out, n_good) = render_text(rule, good);
    assert!(n_bad > 0, "{rule}: bad example not flagged:\n{bad}");
    assert_eq!(n_good, 0, "{rule}: good example flagged:\n{good_out}");
    snap(
        &format!("rule-{rule}"),
        format!("--- bad ---\n{bad}\n--- findings ---\n{bad_out}\n--- good ---\n{good}\n--- findings ---\n{good_out}"),
    );
}

/// Applies `rule`'s fixes (unsafe ones too when asked) and checks that the
/// result is stable and that BuildKit's reading keeps every stage.
fn fixed(rule: &str, src: &str, unsafe_fixes: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    fs::write(&df, src).unwrap();
    let s = settings_for(rule);
    let ctx = BuildContext::load(dir.path(), Some(&df));
    let opts = FixOptions { unsafe_fixes };
    let o = fix_source(src, Some(&df), &s, Some(&ctx), opts);
    assert!(o.dropped.is_empty(), "{rule}: dropped {:?}", o.dropped);
    let again = fix_source(&o.fixed, Some(&df), &s, Some(&ctx), opts);
    assert_eq!(
        again.fixed, o.fixed,
        "{rule}: a second --fix changed the file"
    );
    let before = dlint::model::Model::build(src);
    let after = dlint::model::Model::build(&o.fixed);
    assert_eq!(before.stages.len(), after.stages.len());
    assert!(after.errors.len() <= before.errors.len(), "{}", o.fixed);
    o.fixed
}

fn before_after(name: &str, rule: &str, src: &str, unsafe_fixes: bool) {
    let out = fixed(rule, src, unsafe_fixes);
    assert_ne!(out, src, "{name}: nothing was fixed");
    snap(
        &format!("fix-{name}"),
        format!("--- before ---\n{src}--- after ---\n{out}"),
    );
}

// ---------------------------------------------------------------- pipefail

#[test]
fn missing_pipefail_snapshot() {
    snapshot(
        "missing-pipefail",
        "FROM debian:12-slim\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\nFROM alpine:3.20\nRUN wget -qO- https://example.com/i.sh | sh\nONBUILD RUN find / -name x | xargs rm\n",
        "FROM debian:12-slim\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\nFROM alpine:3.20\nRUN set -o pipefail && wget -qO- https://example.com/i.sh | sh\nRUN echo \"$SUM  x.tgz\" | sha256sum -c -\n",
    );
}

#[test]
fn missing_pipefail_shells() {
    let r = "missing-pipefail";
    // Any shell with -o pipefail, in any spelling.
    for sh in [
        r#"["/bin/bash", "-eo", "pipefail", "-c"]"#,
        r#"["/bin/bash", "-e", "-o", "pipefail", "-c"]"#,
        r#"["/bin/bash", "-o", "errexit", "-o", "pipefail", "-c"]"#,
        r#"["/usr/local/bin/zsh", "-o", "pipefail", "-c"]"#,
        r#"["/bin/ash", "-exo", "pipefail", "-c"]"#,
        r#"["pwsh", "-c"]"#,
        r#"["cmd", "/S", "/C"]"#,
    ] {
        let src = format!("FROM debian:12\nSHELL {sh}\nRUN a | b\n");
        assert!(lines(r, &src).is_empty(), "{sh}");
    }
    // Without it: the default, plain sh, bash without the option.
    for sh in [r#"["/bin/sh", "-c"]"#, r#"["/bin/bash", "-c"]"#] {
        let src = format!("FROM debian:12\nSHELL {sh}\nRUN a | b\n");
        assert_eq!(lines(r, &src), [3], "{sh}");
    }
    // The SHELL of a stage reaches the stages built on it, not others.
    let src = "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\nFROM debian:12\nRUN a | b\n";
    assert_eq!(lines(r, src), [6]);
    // A later SHELL without pipefail turns the check back on.
    let src = "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n";
    assert_eq!(lines(r, src), [5]);
    // Windows images run cmd; a shell pragma names PowerShell.
    assert!(lines(
        r,
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a | b\n"
    )
    .is_empty());
    assert!(lines(
        r,
        "# hadolint shell=powershell\nFROM debian:12\nRUN a | b\n"
    )
    .is_empty());
    // Pipes dlint does not count: quoted, `||`, case patterns, exec form.
    let src = "FROM debian:12\nRUN echo 'a|b' && x || y\nRUN case $a in x|y) z ;; esac\nRUN [\"sh\", \"-c\", \"a | b\"]\n";
    assert!(lines(r, src).is_empty());
    // A group is as risky as its riskiest command; a `$( )` counts.
    let src = "FROM debian:12\nRUN { echo a; curl -fsS x; } | tee f\nRUN v=$(curl -fsS x | jq .v) && echo $v\nRUN set -o pipefail; a | b\nRUN a | b; set -o pipefail\n";
    assert_eq!(lines(r, src), [2, 3, 5]);
    // Heredoc scripts are checked like inline ones.
    let src = "FROM debian:12\nRUN <<EOF\ncurl -fsS x | sh\nEOF\n";
    assert_eq!(lines(r, src), [2]);
}

#[test]
fn missing_pipefail_fixes() {
    let r = "missing-pipefail";
    before_after(
        "missing-pipefail-debian",
        r,
        "FROM debian:12-slim\nRUN apt-get update\n# download\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\nRUN find / -name '*.pyc' | xargs rm -f\n",
        true,
    );
    before_after(
        "missing-pipefail-alpine",
        r,
        "FROM alpine:3.20\n    RUN wget -qO- https://example.com/x.tgz | tar -xz\n",
        true,
    );
    before_after(
        "missing-pipefail-own-shell",
        r,
        "FROM ubuntu:24.04\nSHELL [\"/bin/bash\", \"-x\", \"-c\"]\nRUN curl -fsSL https://example.com/x.tgz | tar -xz\n",
        true,
    );
    // Safe --fix does nothing: the fix is unsafe.
    let src = "FROM debian:12\nRUN curl -fsS x | sh\n";
    assert_eq!(fixed(r, src, false), src);
    // No fix where dlint does not know a shell with pipefail, or where
    // pipefail would break a pipe that works today.
    for src in [
        "FROM gcr.io/distroless/base-debian12:debug\nRUN a | b\n",
        "FROM example.com/team/base:1\nRUN a | b\n",
        "FROM busybox:1.36\nRUN a | b\n",
        "FROM debian:12\nRUN curl -fsS x | sh\nRUN yes | apt-get install x\n",
        "FROM debian:12\nRUN curl -fsS x | sh\nRUN find / | head -1\n",
        "FROM debian:12\nRUN curl -fsS x | sh\nRUN dpkg -l | grep -q foo\n",
        "FROM debian:12 AS a\nRUN curl -fsS x | sh\nFROM a\nRUN ls | head -n1\n",
    ] {
        assert_eq!(fixed(r, src, true), src, "{src}");
    }
    // Bash installed by the stage makes the bash fix possible on Alpine too.
    let out = fixed(
        r,
        "FROM alpine:3.20\nRUN apk add --no-cache bash curl\nRUN curl -fsS x | sh\n",
        true,
    );
    assert!(
        out.contains("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl"),
        "{out}"
    );
}

// ---------------------------------------------------------------- cd

#[test]
fn cd_instead_of_workdir_snapshot() {
    snapshot(
        "cd-instead-of-workdir",
        "FROM node:22-bookworm-slim\nCOPY . /app\nRUN cd /app && npm ci --omit=dev\nRUN set -e; cd /tmp; make\n",
        "FROM node:22-bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nRUN (cd /tmp && make) && for d in a b; do cd $d && make && cd ..; done\nRUN if [ -d /x ]; then cd /x; fi\nRUN [\"cd\", \"/x\"]\n",
    );
}

#[test]
fn cd_instead_of_workdir_fixes() {
    let r = "cd-instead-of-workdir";
    // Known directory: restored after the RUN.
    before_after(
        "cd-instead-of-workdir-restore",
        r,
        "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\n# build the tool\nRUN cd cmd/tool && \\\n    go build -o /out/tool .\nRUN go vet ./...\n",
        true,
    );
    // Unknown directory, nothing after it depends on it (a builder stage
    // copied from, with a WORKDIR next).
    before_after(
        "cd-instead-of-workdir-nothing-after",
        r,
        "FROM debian:12 AS fetch\nRUN cd /opt && curl -fsSLO https://example.com/x.tgz\nWORKDIR /opt\nFROM debian:12\nCOPY --from=fetch /opt/x.tgz /x.tgz\n",
        true,
    );
    // Same directory: the cd goes.
    let out = fixed(
        r,
        "FROM debian:12\nWORKDIR /app\nRUN cd /app && make\nCMD [\"./app\"]\n",
        true,
    );
    assert_eq!(
        out,
        "FROM debian:12\nWORKDIR /app\nRUN make\nCMD [\"./app\"]\n"
    );
    // No fix: unknown directory that later instructions use; `cd -`;
    // a variable path; `;` instead of `&&`; not the first command.
    for src in [
        "FROM debian:12\nRUN cd /opt && make\nRUN ./run\n",
        "FROM debian:12\nRUN cd /opt && make\nCMD [\"./run\"]\n",
        "FROM scratch\nRUN cd /opt && make && cd - && ls\n",
        "FROM scratch\nRUN cd $HOME && make\n",
        "FROM scratch\nRUN cd /opt; make\n",
        "FROM scratch\nRUN make && cd /opt && ls\n",
        "FROM scratch\nRUN cd /opt && \\\n# a comment\n    make\n",
    ] {
        assert_eq!(fixed(r, src, true), src, "{src}");
    }
}

// ---------------------------------------------------------------- wget

#[test]
fn wget_without_progress_snapshot() {
    snapshot(
        "wget-without-progress",
        "FROM debian:12-slim\nRUN wget -O /tmp/x.tgz https://example.com/x.tgz && sudo wget https://example.com/y\nFROM alpine:3.20\nRUN wget https://example.com/z\n",
        "FROM debian:12-slim\nRUN wget --progress=dot:giga https://example.com/a && wget -qO- https://example.com/b && wget -nv https://example.com/c\nRUN wget -o /log https://example.com/d && wget --no-verbose https://example.com/e\n",
    );
}

#[test]
fn wget_fix_only_for_gnu_wget() {
    let r = "wget-without-progress";
    before_after(
        "wget-without-progress",
        r,
        "FROM debian:12-slim\nRUN wget -O /tmp/x.tgz https://example.com/x.tgz \\\n    && sudo wget https://example.com/y\n",
        false,
    );
    for src in [
        "FROM alpine:3.20\nRUN wget https://example.com/z\n",
        "FROM example.com/base:1\nRUN wget https://example.com/z\n",
        "FROM debian:12\nONBUILD RUN wget https://example.com/z\n",
    ] {
        assert_eq!(fixed(r, src, false), src, "{src}");
    }
    let out = fixed(
        r,
        "FROM alpine:3.20\nRUN apk add --no-cache wget\nRUN wget https://example.com/z\n",
        false,
    );
    assert!(out.contains("wget --progress=dot:giga https"), "{out}");
    // The BusyBox message says -q, not --progress.
    let f = findings(r, "FROM alpine:3.20\nRUN wget https://example.com/z\n");
    assert!(
        f[0].1.contains("BusyBox") && f[0].1.contains("-q"),
        "{}",
        f[0].1
    );
}

// ---------------------------------------------------------------- curl+wget

#[test]
fn curl_and_wget_snapshot() {
    snapshot(
        "curl-and-wget",
        "FROM debian:12\nRUN wget https://example.com/a\nRUN curl -fsSLO https://example.com/b\nRUN echo hi\nRUN wget https://example.com/c\n",
        "FROM debian:12\nRUN wget https://example.com/a\nFROM debian:12\nRUN curl -fsSLO https://example.com/b\nONBUILD RUN wget https://example.com/c\n",
    );
}

#[test]
fn curl_and_wget_counts_like_hadolint() {
    let r = "curl-and-wget";
    assert_eq!(lines(r, "FROM a:1\nRUN wget x && curl y\n"), [2]);
    assert_eq!(
        lines(
            r,
            "FROM a:1\nRUN wget x\nRUN curl x\nRUN echo\nRUN wget y\n"
        ),
        [3, 5]
    );
    assert_eq!(
        lines(
            r,
            "FROM a:1\nRUN wget x\nRUN curl x\nFROM b:1\nRUN curl x\n"
        ),
        [3]
    );
}

// ---------------------------------------------------------------- useradd

#[test]
fn useradd_snapshot_and_fix() {
    snapshot(
        "useradd-without-no-log-init",
        "FROM debian:12\nRUN useradd -m -u 1234567 app\nARG UID=1000\nRUN useradd --uid=\"$UID\" dev\n",
        "FROM debian:12\nRUN useradd -l -m -u 1234567 app && useradd -u 1000 b && useradd c\nENV SVC_UID=2000\nRUN useradd --no-log-init -u 123456 d && useradd -u $SVC_UID e\n",
    );
    before_after(
        "useradd-without-no-log-init",
        "useradd-without-no-log-init",
        "FROM debian:12\nRUN groupadd -g 123456 app && useradd -m -u 123456 -g app app\n",
        false,
    );
}

// ---------------------------------------------------------------- others

#[test]
fn pointless_command_snapshot() {
    snapshot(
        "pointless-command",
        "FROM debian:12\nRUN service nginx start\nRUN vim /etc/hosts && ps aux\n",
        "FROM debian:12\nRUN apt-get install -y vim openssh-client && command -v ps\nRUN --mount=type=ssh ssh -T git@github.com || true\nRUN ssh-keyscan github.com >> /etc/ssh/ssh_known_hosts\n",
    );
}

#[test]
fn relink_bin_sh_snapshot() {
    snapshot(
        "relink-bin-sh",
        "FROM debian:12\nRUN ln -sf /bin/bash /bin/sh\nONBUILD RUN ln -s /busybox/sh /bin/sh\n",
        "FROM debian:12\nRUN ln -sf /bin/true /sbin/initctl && ln -s /bin/sh /usr/local/bin/sh\n",
    );
}

#[test]
fn consecutive_run_snapshot() {
    snapshot(
        "consecutive-run",
        "FROM nginx:1.27\nRUN ln -sf /dev/stdout /var/log/nginx/access.log\n# errors too\nRUN ln -sf /dev/stderr /var/log/nginx/error.log\nRUN export A=1\n",
        "FROM nginx:1.27\nRUN a && b\nRUN c\nRUN --mount=type=secret,id=x d\nRUN e\nWORKDIR /\nRUN f\nRUN g; h\n",
    );
}

#[test]
fn consecutive_run_counts_like_hadolint() {
    let r = "consecutive-run";
    assert_eq!(lines(r, "FROM a:1\nRUN a && b\nRUN c\nRUN d\n"), [4]);
    assert_eq!(
        lines(r, "FROM a:1\nRUN a | b\nRUN c\n"),
        Vec::<usize>::new()
    );
    // `export` counts as a command (as in ShellCheck), `[ … ]` does not.
    assert!(lines(r, "FROM a:1\nRUN x\nRUN export A=1 && y\n").is_empty());
    assert_eq!(lines(r, "FROM a:1\nRUN x\nRUN [ -e /f ] && y\n"), [3]);
    assert_eq!(
        lines(
            r,
            "FROM a:1\nRUN --mount=type=cache,target=/c a\nRUN --mount=type=cache,target=/c b\n"
        ),
        [3]
    );
    // Windows: not counted.
    assert!(lines(
        r,
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a\nRUN b\n"
    )
    .is_empty());
}

#[test]
fn consecutive_run_fixes() {
    let r = "consecutive-run";
    before_after(
        "consecutive-run",
        r,
        "FROM nginx:1.27\n  RUN ln -sf /dev/stdout /var/log/nginx/access.log\n  RUN ln -sf /dev/stderr /var/log/nginx/error.log\n\n  RUN chmod 644 /etc/nginx/nginx.conf\n",
        true,
    );
    let out = fixed(r, "# escape=`\nFROM debian:12\nRUN a\nRUN b\n", true);
    assert_eq!(out, "# escape=`\nFROM debian:12\nRUN a `\n    && b\n");
    let out = fixed(r, "FROM debian:12\r\nRUN a\r\nRUN b\r\n", true);
    assert_eq!(out, "FROM debian:12\r\nRUN a \\\r\n    && b\r\n");
    for src in [
        "FROM debian:12\nRUN cd /x\nRUN make\n",
        "FROM debian:12\nRUN export A=1\nRUN make\n",
        "FROM debian:12\nRUN a # note\nRUN b\n",
        "FROM debian:12\nRUN a\n# why\nRUN b\n",
        "FROM debian:12\nRUN [\"a\"]\nRUN b\n",
        "FROM debian:12\nRUN cat <<EOF > /f\nx\nEOF\nRUN b\n",
    ] {
        assert_eq!(fixed(r, src, true), src, "{src}");
    }
}

#[test]
fn non_numeric_user_snapshot() {
    snapshot(
        "non-numeric-user",
        "FROM debian:12 AS base\nRUN useradd -u 10001 app\nUSER app\nFROM base\nRUN true\n",
        "FROM debian:12 AS build\nUSER builder\nFROM debian:12\nUSER app\nUSER 10001:10001\n",
    );
}

#[test]
fn non_numeric_user_only_for_the_image_user() {
    let r = "non-numeric-user";
    assert!(lines(r, "FROM a:1\nUSER root\n").is_empty());
    assert!(lines(r, "FROM a:1\nARG U\nUSER $U\n").is_empty());
    assert_eq!(lines(r, "FROM a:1\nARG U=app\nUSER ${U}\n"), [3]);
    assert!(lines(r, "FROM a:1\nARG U=1000\nUSER ${U}:${U}\n").is_empty());
    assert!(lines(
        r,
        "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n"
    )
    .is_empty());
}
