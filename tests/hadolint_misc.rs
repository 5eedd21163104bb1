//! The hadolint-parity rules outside the package managers (shell, labels,
//! instruction checks): a snapshot per rule (bad and good Dockerfile, the
//! rendered findings), regression tests for the tricky cases, and the fixes
//! before and after (each fix applied alone, then checked to be stable).

mod common;

use std::path::Path;

use common::snap;
use dlint::analysis::analyze;
use dlint::settings::{resolve_selector, Settings};

fn settings_for(rule: &str) -> Settings {
    let mut s = common::settings_for(rule);
    use dlint::rules::LabelType;
    s.options.label_schema = vec![
        ("org.opencontainers.image.source".into(), LabelType::Url),
        ("org.opencontainers.image.licenses".into(), LabelType::Spdx),
        ("org.opencontainers.image.version".into(), LabelType::Semver),
        ("org.opencontainers.image.revision".into(), LabelType::Hash),
        (
            "org.opencontainers.image.created".into(),
            LabelType::Rfc3339,
        ),
        ("maintainer".into(), LabelType::Email),
    ];
    s.options.strict_labels = true;
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
    (common::render_text("Dockerfile", report), n)
}

fn snapshot(rule: &str, bad: &str, good: &str) {
    let (bad_out, n_bad) = render_text(rule, bad);
    let (good_out, n_good) = render_text(rule, good);
    assert!(n_bad > 0, "{rule}: bad example not flagged:\n{bad}");
    assert_eq!(n_good, 0, "{rule}: good example flagged:\n{good_out}");
    snap!(
        &format!("rule-{rule}"),
        format!("--- bad ---\n{bad}\n--- findings ---\n{bad_out}\n--- good ---\n{good}\n--- findings ---\n{good_out}"),
    );
}

/// Applies `rule`'s fixes (unsafe ones too when asked) and checks that the
/// result is stable and that BuildKit's reading keeps every stage.
fn fixed(rule: &str, src: &str, unsafe_fixes: bool) -> String {
    let (o, again) = common::fix_in(&settings_for(rule), src, &[], unsafe_fixes);
    assert!(o.dropped.is_empty(), "{rule}: dropped {:?}", o.dropped);
    assert_eq!(again, o.fixed, "{rule}: a second --fix changed the file");
    let before = dlint::model::Model::build(src);
    let after = dlint::model::Model::build(&o.fixed);
    assert_eq!(before.stages.len(), after.stages.len());
    assert!(after.errors.len() <= before.errors.len(), "{}", o.fixed);
    o.fixed
}

fn before_after(name: &str, rule: &str, src: &str, unsafe_fixes: bool) {
    let out = fixed(rule, src, unsafe_fixes);
    assert_ne!(out, src, "{name}: nothing was fixed");
    snap!(
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

// .NET Framework images are Windows images although their tags (`4.8.1`)
// name no Windows version: no root user there (corpus audit: the
// dotnet-framework-docker samples were reported as running as root).
#[test]
fn dotnet_framework_images_are_windows() {
    let src = "FROM mcr.microsoft.com/dotnet/framework/runtime:4.8.1\nCOPY app /app\nENTRYPOINT [\"app.exe\"]\n";
    assert!(lines("root-user", src).is_empty());
    assert!(lines("non-numeric-user", &format!("{src}USER ContainerUser\n")).is_empty());
    assert!(lines(
        "consecutive-run",
        "FROM mcr.microsoft.com/dotnet/framework/sdk:4.8.1\nRUN a\nRUN b\n"
    )
    .is_empty());
    // Other Microsoft .NET images are Linux ones.
    assert_eq!(
        lines(
            "root-user",
            "FROM mcr.microsoft.com/dotnet/runtime:8.0\nENTRYPOINT [\"dotnet\", \"app.dll\"]\n"
        ),
        [1]
    );
}

// Docker-in-Docker needs root: root-user still reports it, but says why a
// USER cannot simply be added (and offers no USER fix); the rootless
// variant runs as `rootless` (corpus audit: docker-library/docker's dind
// images were told to add a USER).
#[test]
fn root_user_docker_in_docker() {
    let s = settings_for("root-user");
    for src in [
        "FROM docker:29-cli\nCOPY dockerd-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"dockerd-entrypoint.sh\"]\nCMD []\n",
        "FROM docker:29-dind\nCOPY daemon.json /etc/docker/\n",
    ] {
        let r = analyze(src, None, &s, None);
        assert_eq!(r.diagnostics.len(), 1, "{src}");
        let d = &r.diagnostics[0];
        assert!(d.message.contains("dockerd needs root"), "{}", d.message);
        assert!(d.fix.is_none(), "{src}");
    }
    assert!(lines(
        "root-user",
        "FROM docker:29-dind-rootless\nCOPY daemon.json /etc/docker/\n"
    )
    .is_empty());
}

// ---------------------------------------------------------------- instruction checks

#[test]
fn instruction_rule_snapshots() {
    snapshot(
        "copy-then-extract-archive",
        "FROM debian:12\nCOPY app.tar.gz /tmp/app.tar.gz\nRUN tar -xzf /tmp/app.tar.gz -C /opt\nCOPY b.tgz /tmp/\nRUN cd /tmp && tar xf b.tgz\n",
        "FROM debian:12\nCOPY app.zip /tmp/\nRUN unzip /tmp/app.zip\nCOPY --from=build /out/c.tar /tmp/\nRUN tar -xf /tmp/c.tar\nCOPY d.tar /srv/\n",
    );
    snapshot(
        "invalid-expose-port",
        "FROM nginx:1.27\nEXPOSE 80 80800\nEXPOSE 40000-80000/tcp\n",
        "FROM nginx:1.27\nEXPOSE 80 65535/udp 40000-60000/tcp ${PORT} 1-${MAX}\n",
    );
    snapshot(
        "copy-multiple-sources-to-file",
        "FROM python:3.12-slim\nCOPY a.txt b.txt /app\nADD x y \"/opt/z\"\nARG D=/srv\nCOPY c d $D\n",
        "FROM python:3.12-slim\nCOPY a.txt b.txt /app/\nCOPY a.txt /app\nARG D=/srv/\nCOPY c d $D\nCOPY e f $UNSET\n",
    );
    snapshot(
        "copy-relative-without-workdir",
        "FROM python:3.12-slim\nCOPY requirements.txt .\nADD app.py app/\n",
        "FROM python:3.12-slim AS base\nCOPY a /abs/\nCOPY b $HOME/b\nCOPY c C:\\x\nWORKDIR /app\nCOPY d .\nFROM base\nCOPY e .\n",
    );
    snapshot(
        "copy-entire-filesystem",
        "FROM docker:27-cli AS docker\nFROM python:3.12-slim\nCOPY --from=docker / /\nCOPY --from=docker \"/\" \"/\"\n",
        "FROM docker:27-cli AS docker\nFROM python:3.12-slim\nCOPY / /\nCOPY --from=docker / /app\nCOPY --from=docker /usr /\n",
    );
    snapshot(
        "env-self-reference",
        "FROM debian:12\nENV APP_HOME=/app APP_BIN=$APP_HOME/bin\nENV A=1 B=\"${A:-x}\"\nENV PATH=/a:${PATH} PATH=/b:${PATH}\n",
        "FROM debian:12\nENV PATH=/x:$PATH\nENV A=1\nENV B=$A\nENV C=1 D=$CD\nARG V=1\nENV V=1 W=$V\nENV X=$X Y=$X\n",
    );
    snapshot(
        "missing-healthcheck",
        "FROM nginx:1.27 AS build\nRUN true\nFROM build\nCOPY site /usr/share/nginx/html\nFROM alpine:3.20 AS other\n",
        "FROM nginx:1.27 AS base\nHEALTHCHECK NONE\nFROM base\nCOPY site /x\n",
    );
}

#[test]
fn label_rule_snapshots() {
    snapshot(
        "invalid-label-key",
        "FROM alpine:3.20\nLABEL Version=1 com.docker.x=y a..b=c\nLABEL invalid$character=\"foo\"\n",
        "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.0.0 build_id=7 ${KEY}=x\n",
    );
    snapshot(
        "missing-label",
        "FROM alpine:3.20 AS base\nLABEL org.opencontainers.image.source=https://x.org/a\nFROM base\nFROM alpine:3.20\n",
        "FROM alpine:3.20 AS base\nLABEL org.opencontainers.image.source=https://x.org/a org.opencontainers.image.licenses=MIT org.opencontainers.image.version=1.0.0 org.opencontainers.image.revision=abcdef0 org.opencontainers.image.created=2024-05-01T12:00:00Z maintainer=ops@example.com\nFROM base\nCOPY --from=base /x /x\n",
    );
    snapshot(
        "superfluous-label",
        "FROM alpine:3.20\nLABEL maintainer=ops@example.com team=payments owner=me\n",
        "FROM alpine:3.20\nLABEL maintainer=ops@example.com org.opencontainers.image.version=1.0.0\n",
    );
    snapshot(
        "empty-label",
        "FROM alpine:3.20\nLABEL org.opencontainers.image.version=\"\" maintainer=\n",
        "FROM alpine:3.20\nARG V\nLABEL org.opencontainers.image.version=$V other=\"\"\n",
    );
    snapshot(
        "invalid-label-value",
        "FROM alpine:3.20\nLABEL org.opencontainers.image.source=github.com/x org.opencontainers.image.version=v1.4 org.opencontainers.image.revision=ABC org.opencontainers.image.created=yesterday org.opencontainers.image.licenses=MITT maintainer=\"Jane <jane@x.org>\"\n",
        "FROM alpine:3.20\nARG VERSION\nLABEL org.opencontainers.image.source=https://github.com/x org.opencontainers.image.version=2.0.1-rc1 org.opencontainers.image.revision=43c572f1272b6b3171dd1db9e41b7027128ce080 org.opencontainers.image.created=2021-03-10T10:26:33.5+01:00 org.opencontainers.image.licenses=\"Apache-2.0 OR MIT\" maintainer=jane@x.org\nLABEL org.opencontainers.image.version=\"${VERSION}\"\n",
    );
}

#[test]
fn syntax_rule_snapshots() {
    snapshot(
        "inline-ignore",
        "FROM alpine:3.20\n# hadolint ignore=DL3018\nRUN apk add curl\n# dlint ignore=latest-tag -- why\nFROM alpine:latest\n",
        "# hadolint global ignore=DL3018\n# hadolint shell=bash\nFROM alpine:3.20\n# hadolint ignore=crazy\nRUN apk add curl\n",
    );
    snapshot(
        "invalid-onbuild-trigger",
        "FROM node:22\nONBUILD ONBUILD RUN x\nONBUILD FROM debian:12\nONBUILD MAINTAINER me\n",
        "FROM node:22\nONBUILD RUN x\nONBUILD COPY . /app\nONBUILD HEALTHCHECK NONE\n",
    );
    snapshot(
        "instruction-before-from",
        "# syntax=docker/dockerfile:1\nLABEL a=b\nARG V=1\nRUN echo\nFROM alpine:3.20\n",
        "# syntax=docker/dockerfile:1\nARG V=1\n# a comment\nFROM alpine:3.20\nLABEL a=b\n",
    );
}

#[test]
fn copy_multiple_sources_windows_directory() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY a.dll b.dll C:\\Windows\\System32\\\n";
    assert!(lines("copy-multiple-sources-to-file", src).is_empty());
}

#[test]
fn copy_multiple_sources_fix() {
    let r = "copy-multiple-sources-to-file";
    let out = fixed(
        r,
        "FROM a:1\nCOPY a b /app\nADD x y \"/opt/z\"\nCOPY [\"c\", \"d\", \"/srv\"]\n",
        false,
    );
    // The JSON form is reported, not fixed.
    assert_eq!(
        out,
        "FROM a:1\nCOPY a b /app/\nADD x y \"/opt/z/\"\nCOPY [\"c\", \"d\", \"/srv\"]\n"
    );
}

// ---------------------------------------------------------------- pragmas and selectors

#[test]
fn hadolint_pragmas_as_hadolint_reads_them() {
    let r = "invalid-expose-port";
    // A stage ignore covers the stage below it, FROM line included.
    let src = "# hadolint stage ignore=DL3011\nFROM a:1\nEXPOSE 80000\nFROM b:1\nEXPOSE 80000\n";
    assert_eq!(lines(r, src), [5]);
    let src = "# dlint stage ignore=invalid-expose-port\nFROM a:1\nEXPOSE 80000\n";
    assert!(lines(r, src).is_empty());
    // A trailing `# comment` is fine; other text drops the whole comment.
    assert!(lines(
        r,
        "FROM a:1\n# hadolint ignore=DL3011 # port from the template\nEXPOSE 80000\n"
    )
    .is_empty());
    for dropped in [
        "# hadolint ignore=DL3011 -- reason",
        "# hadolint ignore=crazy,DL3011",
        "# hadolint ignore=dl3011",
        "# HADOLINT ignore=DL3011",
    ] {
        let src = format!("FROM a:1\n{dropped}\nEXPOSE 80000\n");
        assert_eq!(lines(r, &src), [3], "{dropped}");
        let f = findings("invalid-suppression", &src);
        assert_eq!(f.len(), 1, "{dropped}: {f:?}");
        assert!(f[0].1.contains("suppresses nothing"), "{}", f[0].1);
    }
    // dlint's own comments apply their known names and report the unknown.
    let src = "FROM a:1\n# dlint ignore=bogus,DL3011 -- reason\nEXPOSE 80000\n";
    assert!(lines(r, src).is_empty());
    assert_eq!(lines("invalid-suppression", src), [2]);
    // Codes dlint does not implement and ShellCheck codes are fine.
    let src = "FROM a:1\n# hadolint ignore=DL3011,DL9999,SC2086\nEXPOSE 80000\n";
    assert!(lines(r, src).is_empty());
    assert!(lines("invalid-suppression", src).is_empty());
    // A stage ignore not above a FROM suppresses nothing, and says so.
    let src = "FROM a:1\n# hadolint stage ignore=DL3011\nEXPOSE 80000\n";
    assert_eq!(lines(r, src), [3]);
    assert_eq!(lines("invalid-suppression", src), [2]);
}

#[test]
fn select_hadolint_is_hadolints_default_set() {
    let sel = resolve_selector("hadolint").unwrap();
    let names: Vec<&str> = sel
        .iter()
        .map(|&i| dlint::rules::REGISTRY[i].meta.name)
        .collect();
    for n in [
        "missing-pipefail",
        "cd-instead-of-workdir",
        "consecutive-run",
        "latest-tag",
        "invalid-label-key",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    // hadolint runs these only when asked.
    for n in [
        "missing-healthcheck",
        "inline-ignore",
        "untrusted-registry",
        "missing-dockerignore",
    ] {
        assert!(!names.contains(&n), "{n} in --select hadolint");
    }
}
