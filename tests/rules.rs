//! Snapshot tests of every rule on bad and good Dockerfiles: the rendered
//! findings (message, excerpt, related location, fix title) are reviewed in
//! snapshots/ and must not change unnoticed.

mod common;

use common::snap;

/// Lints `dockerfile` with only `rule` enabled, in a temp context holding
/// `files`, and renders the text output with the temp path replaced.
fn lint(rule: &str, dockerfile: &str, files: &[(&str, &str)]) -> (String, usize) {
    let mut settings = common::settings_for(rule);
    if rule == "untrusted-registry" {
        settings.options.trusted_registries = vec!["docker.io".into()];
    }
    if rule == "base-image-platform-mismatch" {
        // What `--check-base-platforms` would have learnt from the registries.
        use dlint::rules::buildkit::{BasePlatforms, Platforms};
        let p = |o: &str, a: &str| (o.to_string(), a.to_string());
        let mut b = BasePlatforms::default();
        for (image, found) in [
            ("vendor/tool:1.0", Platforms::Single(p("linux", "arm64"))),
            (
                "vendor/tool:1.1",
                Platforms::Index(vec![p("linux", "amd64"), p("linux", "arm64")]),
            ),
            ("vendor/arm:1", Platforms::Index(vec![p("linux", "arm64")])),
            ("win/app:1", Platforms::Single(p("windows", "amd64"))),
        ] {
            b.images.insert(image.into(), Ok(found));
        }
        settings.options.base_platforms = Some(std::sync::Arc::new(b));
    }
    let (text, diagnostics) = common::lint_in(&settings, dockerfile, files);
    (text, diagnostics.len())
}

fn snapshot(
    rule: &str,
    bad: &str,
    good: &str,
    files: &[(&str, &str)],
    good_files: &[(&str, &str)],
) {
    snapshot_named(rule, rule, bad, good, files, good_files)
}

fn snapshot_named(
    name: &str,
    rule: &str,
    bad: &str,
    good: &str,
    files: &[(&str, &str)],
    good_files: &[(&str, &str)],
) {
    let (bad_out, n_bad) = lint(rule, bad, files);
    let (good_out, n_good) = lint(rule, good, good_files);
    assert!(n_bad > 0, "{rule}: bad example not flagged:\n{bad}");
    assert_eq!(n_good, 0, "{rule}: good example flagged:\n{good_out}");
    let doc = format!(
        "--- bad ---\n{bad}\n--- findings ---\n{bad_out}\n--- good ---\n{good}\n--- findings ---\n{good_out}"
    );
    snap!(&format!("rule-{name}"), doc);
}

#[test]
fn untagged_image() {
    snapshot(
        "untagged-image",
        "ARG BASE\nFROM ubuntu\nFROM localhost:5000/team/app AS app\nFROM $BASE\nCOPY --from=docker.io/nginx /etc/nginx /etc/nginx\n",
        "ARG PY=python:3.12-slim\nFROM $PY AS build\nFROM build\nFROM scratch\nFROM alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCOPY --from=build /a /a\n",
        &[],
        &[],
    );
}

#[test]
fn latest_tag() {
    snapshot(
        "latest-tag",
        "FROM docker.io/library/nginx:latest\nRUN --mount=type=bind,from=alpine:latest,target=/x true\n",
        "FROM nginx:1.27\nFROM registry:5000/latest\n",
        &[],
        &[],
    );
}

#[test]
fn untrusted_registry() {
    snapshot(
        "untrusted-registry",
        "FROM quay.io/prometheus/busybox:1.36\n",
        "FROM docker.io/library/busybox:1.36\nFROM busybox:1.36\n",
        &[],
        &[],
    );
}

#[test]
fn add_instead_of_copy() {
    snapshot(
        "add-instead-of-copy",
        "FROM alpine:3.20\nADD --chown=app:app config/ /etc/app/\nadd app.py /app/\n",
        "FROM alpine:3.20\nADD https://example.com/tool.tar.gz /tmp/\nADD vendor.tar.gz /opt/\nADD git@github.com:moby/buildkit.git /src\nADD --checksum=sha256:abc https://example.com/x /x\nCOPY app.py /app/\n",
        &[],
        &[],
    );
}

#[test]
fn split_apt_layers() {
    snapshot(
        "split-apt-layers",
        "FROM debian:12\nRUN set -e; sudo apt-get update\nRUN apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nFROM alpine:3.20\nRUN apk update\nRUN apk add git\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update\nRUN apt-get update && apt-get install -y git\nFROM alpine:3.20\nRUN apk update\nRUN apk add --no-cache git\n",
        &[],
        &[],
    );
}

#[test]
fn cache_busting_copy() {
    snapshot(
        "cache-busting-copy",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nFROM python:3.12\nCOPY src/ /src/\nRUN pip install -r /src/requirements.txt\n",
        "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nFROM golang:1.22 AS go\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\nFROM alpine:3.20\nCOPY --from=go /go/bin /bin\n",
        &[("package.json", "{}"), ("package-lock.json", "{}")],
        &[("package.json", "{}")],
    );
}

#[test]
fn root_user() {
    snapshot(
        "root-user",
        "FROM golang:1.22 AS build\nUSER app\nFROM debian:12\nUSER root\n",
        "FROM golang:1.22 AS build\nRUN go build\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\n",
        &[],
        &[],
    );
}

#[test]
fn root_user_implicit() {
    snapshot_named(
        "root-user-implicit",
        "root-user",
        "FROM python:3.12-slim\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n",
        "FROM python:3.12-slim AS base\nRUN useradd -r app\nUSER app\nFROM base\nCMD [\"python\", \"app.py\"]\n",
        &[],
        &[],
    );
}

#[test]
fn missing_dockerignore() {
    snapshot(
        "missing-dockerignore",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        &[
            ("package.json", "{}"),
            (".env", "TOKEN=x"),
            ("node_modules/x/index.js", ""),
        ],
        &[
            (".dockerignore", "node_modules\n.env\n"),
            ("package.json", "{}"),
        ],
    );
}

#[test]
fn dockerignore_gaps() {
    snapshot(
        "dockerignore-gaps",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        &[
            (".dockerignore", "*.md\n"),
            ("package.json", "{}"),
            (".env", "TOKEN=x"),
            ("node_modules/x/index.js", ""),
            (".git/HEAD", "ref: refs/heads/main\n"),
        ],
        &[
            (".dockerignore", ".git\n**/node_modules\n.env*\n"),
            ("package.json", "{}"),
            (".env", "TOKEN=x"),
            ("node_modules/x/index.js", ""),
            (".git/HEAD", "ref: refs/heads/main\n"),
        ],
    );
}

#[test]
fn invalid_syntax() {
    snapshot(
        "invalid-syntax",
        concat!(
            "RUN echo before any stage\n",
            "FROM alpine:3.20 AS build\n",
            "FRM alpine\n",
            "BOGUS x\n",
            "FROM x AS\n",
            "FROM a b c\n",
            "FROM alpine AS 1st\n",
            "FROM Ubuntu\n",
            "FROM alpine:3.20 AS app\n",
            "COPY --frm=build /a /b\n",
            "COPY --from build /a /b\n",
            "COPY --link=yes /a /b\n",
            "COPY --chmod=64a /a /b\n",
            "COPY onlyone\n",
            "COPY --from=app /a /b\n",
            "COPY --from=7 /a /b\n",
            "COPY --from=Builder /a /b\n",
            "COPY https://example.com/x /x\n",
            "WORKDIR --x=1 /a\n",
            "USER\n",
            "ENV\n",
            "ARG =x\n",
            "SHELL sh -c\n",
            "ONBUILD FROM x\n",
            "HEALTHCHECK --interval=5 CMD true\n",
            "HEALTHCHECK BLAH x\n",
            "STOPSIGNAL SIGFOO\n",
            "RUN --mount=type=cahce,target=/x ls\n",
            "RUN --network=bridge ls\n",
            "COPY --chown=公 x y\n",
            "ENV ONLYKEY\n",
            "RUN <<EOF\necho never closed\n",
        ),
        concat!(
            "ARG BASE=alpine:3.20\n",
            "FROM $BASE AS build\n",
            "FROM build AS app\n",
            "# a comment in 日本語 and 한국어\n",
            "ENV KEY=value\n",
            "COPY --from=build --chmod=u+x,go-w --link /a /b\n",
            "COPY --parents --exclude=*.tmp src/ /dst/\n",
            "ADD --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://example.com/x /x\n",
            "RUN --mount=type=cache,target=/root/.cache,sharing=locked --network=none pip install x\n",
            "RUN --mount=type=secret,id=token,required cat /run/secrets/token\n",
            "RUN\n",
            "HEALTHCHECK --interval=30s --retries=3 CMD true\n",
            "HEALTHCHECK NONE\n",
            "SHELL [\"/bin/bash\", \"-c\"]\n",
            "ONBUILD RUN echo hi\n",
            "STOPSIGNAL SIGTERM\n",
            "USER app\n",
            "COPY --from=later /c /c\n",
            "FROM scratch AS later\n",
            "RUN <<EOF\necho closed\nEOF\n",
        ),
        &[],
        &[],
    );
}

#[test]
fn invalid_suppression() {
    snapshot(
        "invalid-suppression",
        "# dlint ignore=latest-tagg\nFROM alpine:latest\n",
        "# dlint ignore=latest-tag -- pinned by renovate\n# hadolint ignore=DL3999,SC2086\nFROM alpine:latest\n",
        &[],
        &[],
    );
}

#[test]
fn relative_workdir() {
    snapshot(
        "relative-workdir",
        "FROM node:20-slim\nWORKDIR app\nWORKDIR src\nFROM debian:12 AS build\nWORKDIR \"./build\"\n",
        "FROM node:20-slim AS base\nWORKDIR /app\nWORKDIR src\nFROM base\nWORKDIR web\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\\\app\nWORKDIR $HOME/x\nFROM alpine:3.20\nWORKDIR ${DIR}\n",
        &[],
        &[],
    );
}

#[test]
fn sudo_in_run() {
    snapshot(
        "sudo-in-run",
        "FROM ubuntu:24.04\nRUN sudo -E apt-get update && \\\n    if true; then /usr/bin/sudo make install; fi\nRUN [\"sudo\", \"ls\"]\n",
        "FROM ubuntu:24.04\nRUN apt-get install -y sudo && echo sudo && visudo -c && sudo -u app make\nUSER root\nRUN make install\n",
        &[],
        &[],
    );
}

#[test]
fn missing_assume_yes() {
    snapshot(
        "missing-assume-yes",
        "FROM debian:12\nRUN apt-get update && sudo apt-get -o Dpkg::Options::=--force-confold install -q curl\nRUN apt install git\nFROM fedora:40\nRUN yum install -q make && microdnf install gzip\nFROM opensuse/leap:15.6\nRUN zypper --quiet in vim\n",
        "FROM debian:12\nRUN apt-get install -y curl && apt-get -qq install git && apt-get install -qy x && apt-get install --assume-yes y\nRUN apt-get -o APT::Get::Assume-Yes=true install z && yes | apt-get install w && apt-get install -s v && apt-get -q -q install u\nFROM fedora:40\nRUN yum -y install make && dnf install --assumeyes gcc && microdnf -y install gzip && dnf --setopt=assumeyes=True install x\nRUN dnf upgrade\nFROM opensuse/leap:15.6\nRUN zypper -n in vim && zypper install -y git && zypper --non-interactive install z\n",
        &[],
        &[],
    );
}

#[test]
fn apt_lists_not_removed() {
    snapshot(
        "apt-lists-not-removed",
        "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12-slim AS base\nRUN apt-get update && apt-get install -y curl\nFROM base\nRUN <<EOF\nset -e\napt update\nif true; then apt install -y git; fi\nEOF\n",
        "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12-slim\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y git\nRUN apt-get update\nRUN apt-get install -y z\nRUN apt-get update && apt-get install -y x && apt-get dist-clean\nCOPY --from=build /usr/bin/gcc /usr/bin/\n",
        &[],
        &[],
    );
}

#[test]
fn copy_from_unknown_stage() {
    snapshot(
        "copy-from-unknown-stage",
        "FROM golang:1.22 AS builder\nRUN go build -o /out/app .\nFROM alpine:3.20 AS final\nCOPY --from=buidler /out/app /app\nCOPY --from=final /etc/hosts /x\nCOPY --from=5 /a /a\nCOPY --from=tools /b /b\n",
        "ARG SRC=builder\nFROM golang:1.22 AS builder\nRUN go build -o /out/app .\nFROM alpine\nCOPY --from=BUILDER /out/app /app\nCOPY --from=0 /a /a\nCOPY --from=$SRC /b /b\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nCOPY --from=alpine /etc/apk /x\nCOPY --from=later /c /c\nFROM scratch AS later\n",
        &[],
        &[],
    );
}

#[test]
fn duplicate_stage_name() {
    snapshot(
        "duplicate-stage-name",
        "FROM golang:1.22 AS build\nFROM node:20 AS Build\nFROM alpine:3.20\nCOPY --from=build /a /a\n",
        "FROM golang:1.22 AS build-api\nFROM node:20 AS build-web\nARG N=x\nFROM alpine:3.20 AS ${N}\nFROM alpine:3.20 AS ${N}\n",
        &[],
        &[],
    );
}

#[test]
fn multiple_cmd() {
    snapshot(
        "multiple-cmd",
        "FROM python:3.12-slim\nCMD [\"a\"]\nENTRYPOINT [\"x\"]\nCMD [\"b\"]\nHEALTHCHECK CMD true\nHEALTHCHECK NONE\nCMD [\"c\"]\n",
        "FROM golang:1.22 AS build\nCMD [\"go\", \"test\"]\nFROM alpine:3.20\nONBUILD CMD [\"x\"]\nCMD [\"app\"]\nENTRYPOINT [\"/bin/sh\", \"-c\"]\n",
        &[],
        &[],
    );
}

#[test]
fn maintainer_deprecated() {
    snapshot(
        "maintainer-deprecated",
        "FROM alpine:3.20\nMAINTAINER Jane \"JD\" Doe <jane@example.com>\nmaintainer $USER\n",
        "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_apt_package() {
    snapshot(
        "unpinned-apt-package",
        "FROM debian:12\nENV BUILD_DEPS=\"gcc make\"\nRUN apt-get update && sudo apt-get install -y --no-install-recommends \\\n      curl=7.88.1-10 \\\n      $BUILD_DEPS \\\n      git\nONBUILD RUN apt install -y vim\n",
        "FROM debian:12\nARG EXTRA\nRUN apt-get install -y curl=7.88.1-10 ./local.deb git/bookworm-backports $EXTRA $(cat /pkgs)\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_apk_package() {
    snapshot(
        "unpinned-apk-package",
        "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev=1.2.5-r0\n",
        "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc=13.2.1_git20240309-r0 musl-dev~1.2 'curl>8'\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_yum_package() {
    snapshot(
        "unpinned-yum-package",
        "FROM centos:7\nRUN yum install -y httpd java-11-openjdk && yum clean all\n",
        "FROM centos:7\nRUN yum install -y httpd-2.4.6-99.el7 java-11-openjdk-11.0.23 @development /tmp/x.rpm && yum clean all\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_dnf_package() {
    snapshot(
        "unpinned-dnf-package",
        "FROM fedora:40\nRUN dnf install -y gcc-toolset-13-gcc && microdnf module install -y nodejs && dnf clean all\n",
        "FROM fedora:40\nRUN dnf install -y gcc-toolset-13-gcc-13.2.1 && dnf module install -y nodejs:20 && dnf group install -y 'Development Tools'\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_zypper_package() {
    snapshot(
        "unpinned-zypper-package",
        "FROM opensuse/leap:15.6\nRUN zypper -n in apache2 && zypper clean --all\n",
        "FROM opensuse/leap:15.6\nRUN zypper -n in apache2=2.4.58 'vim>=9' && zypper -n in -t pattern devel_basis\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_pip_package() {
    snapshot(
        "unpinned-pip-package",
        "FROM python:3.12\nRUN python3 -m pip install --no-cache-dir -U pip setuptools && pip install git+https://github.com/o/r.git\n",
        "FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt flask==3.0.3 ./src git+https://github.com/o/r.git@v1.0 && pip install -c constraints.txt gunicorn\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_npm_package() {
    snapshot(
        "unpinned-npm-package",
        "FROM node:20\nRUN npm install -g typescript pm2@latest && yarn global add @vue/cli\n",
        "FROM node:20\nRUN npm ci && npm install -g typescript@5.4.5 @vue/cli@5.0.8 ./local git+https://github.com/o/r.git#v1\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_gem() {
    snapshot(
        "unpinned-gem",
        "FROM ruby:3.3\nRUN gem install --no-document bundler rake:13.2.1\n",
        "FROM ruby:3.3\nRUN gem install bundler:2.5.10 && gem install nokogiri -v 1.16.5 -- --use-system-libraries\n",
        &[],
        &[],
    );
}

#[test]
fn unpinned_go_package() {
    snapshot(
        "unpinned-go-package",
        "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@latest && go run github.com/a/b/cmd/c -v\n",
        "FROM golang:1.22\nRUN go install -ldflags '-s -w' golang.org/x/tools/gopls@v0.16.1 ./cmd/... std && go run example.com/x@v1.2.3 arg\n",
        &[],
        &[],
    );
}

#[test]
fn apt_install_recommends() {
    snapshot(
        "apt-install-recommends",
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nONBUILD RUN apt install -y git\n",
        "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl && apt-get -o APT::Install-Recommends=0 install -y git\n",
        &[],
        &[],
    );
}

#[test]
fn zypper_dist_upgrade() {
    snapshot(
        "zypper-dist-upgrade",
        "FROM opensuse/leap:15.6\nRUN zypper -n dup\n",
        "FROM opensuse/leap:15.6\nRUN zypper -n patch && zypper -n update\n",
        &[],
        &[],
    );
}

#[test]
fn apt_instead_of_apt_get() {
    snapshot(
        "apt-instead-of-apt-get",
        "FROM ubuntu:24.04\nRUN apt update && apt full-upgrade -y && apt install -y curl && apt list --installed\n",
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl && apt-cache policy curl\n",
        &[],
        &[],
    );
}

#[test]
fn apk_cache_kept() {
    snapshot(
        "apk-cache-kept",
        "FROM alpine:3.20 AS build\nRUN apk add gcc\nFROM alpine:3.20\nRUN apk add curl\nRUN apk update && apk add git\n",
        "FROM alpine:3.20\nRUN apk add --no-cache curl\nRUN --mount=type=cache,target=/var/cache/apk apk add git\n",
        &[],
        &[],
    );
}

#[test]
fn pip_cache_kept() {
    snapshot(
        "pip-cache-kept",
        "FROM python:3.12\nRUN pip install -r requirements.txt\nONBUILD RUN python -m pip install .\n",
        "FROM python:3.12 AS build\nRUN pip install -r requirements.txt\nFROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3\nRUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn==22.0.0\n",
        &[],
        &[],
    );
}

#[test]
fn yum_cache_not_cleaned() {
    snapshot(
        "yum-cache-not-cleaned",
        "FROM centos:7\nRUN yum -y update && sudo yum install -y httpd\n",
        "FROM centos:7\nRUN yum -y update && yum install -y httpd && yum clean all\n",
        &[],
        &[],
    );
}

#[test]
fn dnf_cache_not_cleaned() {
    snapshot(
        "dnf-cache-not-cleaned",
        "FROM fedora:40\nRUN dnf install -y httpd && microdnf clean all\nRUN microdnf install -y x\n",
        "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\nRUN microdnf install -y x && rm -rf /var/cache/yum\n",
        &[],
        &[],
    );
}

#[test]
fn zypper_cache_not_cleaned() {
    snapshot(
        "zypper-cache-not-cleaned",
        "FROM opensuse/leap:15.6\nRUN zypper -n in apache2\n",
        "FROM opensuse/leap:15.6\nRUN zypper -n in apache2 && zypper cc -a\n",
        &[],
        &[],
    );
}

#[test]
fn yarn_cache_not_cleaned() {
    snapshot(
        "yarn-cache-not-cleaned",
        "FROM node:20\nRUN yarn install --frozen-lockfile\n",
        "FROM node:20\nRUN yarn install --frozen-lockfile && yarn cache clean\nRUN yarn --version\n",
        &[],
        &[],
    );
}

#[test]
fn inconsistent_instruction_casing() {
    snapshot(
        "inconsistent-instruction-casing",
        "arg V=1\nFROM alpine:3.20 AS base\ncopy a /a\nRun echo hi\nONBUILD run x\nFROM base\nCOPY b /b\n",
        "arg V=1\nfrom alpine:3.20\ncopy a /a\nrun echo hi\nonbuild RUN x\n",
        &[],
        &[],
    );
}

#[test]
fn from_as_casing() {
    snapshot(
        "from-as-casing",
        "FROM golang:1.22 as build\nfrom alpine:3.20 AS final\n",
        "FROM golang:1.22 AS build\nfrom alpine:3.20 as final\nFrom debian:12 as mixed\nFROM scratch\n",
        &[],
        &[],
    );
}

#[test]
fn legacy_key_value_format() {
    snapshot(
        "legacy-key-value-format",
        "FROM alpine:3.20\nENV A 1\nENV MSG hello  world\nLABEL description \"API server\"\nENV Q it's \"quoted\" text\nENV PATH /opt/bin:$PATH\n",
        "FROM alpine:3.20\nENV A=1 B=\"two words\"\nLABEL description=\"API server\"\nONBUILD ENV X y\n",
        &[],
        &[],
    );
}

#[test]
fn shell_form_cmd() {
    snapshot(
        "shell-form-cmd",
        "FROM node:20-slim\nCMD node server.js --port=8080\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\nFROM alpine:3.20\nENTRYPOINT /entrypoint.sh\nCMD [\"run\"]\n",
        "FROM node:20-slim AS base\nCMD [\"node\", \"server.js\"]\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://localhost/\"]\nHEALTHCHECK NONE\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 AS win\nSHELL [\"powershell\", \"-Command\"]\nFROM win\nCMD Write-Host hi\n",
        &[],
        &[],
    );
}

#[test]
fn empty_continuation_line() {
    snapshot(
        "empty-continuation-line",
        "FROM debian:12\nRUN apt-get update && \\\n\n    apt-get install -y curl \\\n   \n    git\n",
        "FROM debian:12\nRUN apt-get update && \\\n    # comment lines are fine\n    apt-get install -y curl\n\nRUN true\n",
        &[],
        &[],
    );
}

#[test]
fn expose_protocol_casing() {
    snapshot(
        "expose-protocol-casing",
        "FROM nginx:1.27\nARG P=53/UDP\nEXPOSE 80/TcP 443/tcp $P\n",
        "FROM nginx:1.27\nEXPOSE 80/tcp 53/udp 8080 $UNKNOWN\n",
        &[],
        &[],
    );
}

#[test]
fn expose_host_mapping() {
    snapshot(
        "expose-host-mapping",
        "FROM nginx:1.27\nEXPOSE 127.0.0.1:80:80 [::1]:8080:8080/udp 5000:5000 8000\n",
        "FROM nginx:1.27\nEXPOSE 80 443/tcp 8000-8010 ${PORT}\n",
        &[],
        &[],
    );
}

#[test]
fn stage_name_casing() {
    snapshot(
        "stage-name-casing",
        "FROM golang:1.22 AS Build\nRUN go build -o /app .\nFROM Build AS Test\nRUN --mount=type=cache,from=Build,target=/x go test\nFROM alpine:3.20\nCOPY --from=Build /app /app\n",
        "FROM golang:1.22 AS build\nFROM build AS test_1.x\nFROM alpine:3.20\nCOPY --from=BUILD /app /app\n",
        &[],
        &[],
    );
}

#[test]
fn reserved_stage_name() {
    snapshot(
        "reserved-stage-name",
        "FROM alpine:3.20 AS Scratch\nFROM alpine:3.20 AS context\n",
        "FROM alpine:3.20 AS scratchpad\nFROM scratch\n",
        &[],
        &[],
    );
}

#[test]
fn undefined_variable() {
    snapshot(
        "undefined-variable",
        "ARG VERSION=1\nFROM alpine:3.20 AS base\nENV PATH=/opt/bin:$PAHT A=1 B=$A\nCOPY $SRC /app/\nLABEL v=$VERSION arch=$TARGETARCH\nARG LATE=x\nFROM base\nWORKDIR /$LATE\nFROM eclipse-temurin:21\nENV PATH=$JAVA_HOME/bin:$PATH LD_LIBRARY_PATH=/opt/lib:$LD_LIBRARY_PATH\nCOPY <<EOF /etc/motd\nhello $WHO\nEOF\n",
        "ARG VERSION=1\nFROM alpine:3.20\nARG VERSION\nARG TARGETARCH\nARG NOVALUE\nENV A=1\nENV B=$A PATH=/x:$PATH\nCOPY $NOVALUE /app/\nLABEL v=$VERSION arch=$TARGETARCH q='$NOPE' e=\\$NOPE\nRUN echo $UNSET\nCOPY <<'EOF' /etc/motd\nhello $WHO\nEOF\nFROM eclipse-temurin:21\nENV PATH=$JAVA_HOME/bin:$PATH\n",
        &[],
        &[],
    );
}

#[test]
fn invalid_description_comment() {
    snapshot(
        "invalid-description-comment",
        "# check=experimental=InvalidDefinitionDescription\n# Pin the version here\nARG VERSION=1.2.3\n# BasE this is the base\nFROM alpine:3.20 AS base\n# the build\n\nARG A=1 B=2\n",
        "# syntax=docker/dockerfile:1\nARG FIRST=1\n# VERSION is the release\nARG VERSION=1.2.3\n# a note\n#\nARG OTHER=x\n# base is the base image\nFROM alpine:3.20 AS base\n# not read\nRUN true\n",
        &[],
        &[],
    );
}

#[test]
fn invalid_default_base_image() {
    snapshot(
        "invalid-default-base-image",
        "ARG NODE_VERSION\nARG IMAGE\nARG SFX=\"box:\"\nFROM node:${NODE_VERSION}-alpine\nFROM $IMAGE\nFROM busy${SFX}\nFROM MyImage\n",
        "ARG NODE_VERSION=20\nARG VARIANT\nFROM node:${NODE_VERSION}-alpine AS n\nFROM busybox:stable${VARIANT}\nFROM n\n",
        &[],
        &[],
    );
}

#[test]
fn undeclared_from_arg() {
    snapshot(
        "undeclared-from-arg",
        "ARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox:1.36\nFROM --platform=$BULIDPLATFORM alpine:${TAG}\n",
        "ARG MY_ARCH=amd64\nARG TAG\nFROM --platform=linux/${MY_ARCH} busybox:1.36\nFROM --platform=$BUILDPLATFORM alpine:3${TAG}\n",
        &[],
        &[],
    );
}

#[test]
fn redundant_target_platform() {
    snapshot(
        "redundant-target-platform",
        "FROM --platform=$TARGETPLATFORM alpine:3.20\nFROM --platform=\"${TARGETPLATFORM}\" debian:12 AS d\n",
        "FROM --platform=$BUILDPLATFORM alpine:3.20\nFROM --platform=${TARGETPLATFORM}-x debian:12\nFROM --platform=$FOO debian:12\n",
        &[],
        &[],
    );
}

#[test]
fn constant_from_platform() {
    snapshot(
        "constant-from-platform",
        "FROM --platform=linux/amd64 golang:1.22 AS build\nFROM --platform=linux debian:12\n",
        "FROM --platform=linux/amd64 golang:1.22 AS build-amd64\nFROM --platform=$BUILDPLATFORM debian:12\nFROM --platform=foobar debian:12\nFROM --platform=linux/arm64 scratch AS arm64\n",
        &[],
        &[],
    );
}

#[test]
fn secret_in_arg_or_env() {
    snapshot(
        "secret-in-arg-or-env",
        "ARG GITHUB_TOKEN\nFROM node:20-slim\nARG NPM_TOKEN db_password=x\nENV AWS_SECRET_ACCESS_KEY=abc \\\n    API_KEY=def\n",
        "ARG PUBLIC_KEY\nFROM node:20-slim\nARG PASSWORD_FILE\nENV KEYBOARD=us MONKEY=1 AUTH_MODULE_VERSION=2\nONBUILD ENV TOKEN=x\nENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D\nENV RABBITMQ_PGP_KEY_IDS=\"0x0A9AF2115F4687BD29803A206B73A36E6026DFCA 0x8657ABB260F056B1\"\n",
        &[],
        &[],
    );
}

#[test]
fn copy_ignored_file() {
    snapshot(
        "copy-ignored-file",
        "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/\nADD docs/guide.md \\\n    secret.key /srv/\n",
        "FROM nginx:1.27 AS base\nCOPY app.conf /etc/nginx/\nCOPY --from=base /etc/nginx/nginx.conf /x\nADD https://example.com/a.conf /y\nCOPY /nginx.conf /z\nCOPY keep/ /k/\n",
        &[(".dockerignore", "*.conf\n!app.conf\ndocs\n*.key\nkeep\n!keep/x\n")],
        &[(".dockerignore", "*.conf\n!app.conf\ndocs\n*.key\nkeep\n!keep/x\n")],
    );
}

#[test]
fn base_image_platform_mismatch() {
    snapshot(
        "base-image-platform-mismatch",
        "ARG P=linux/amd64\nFROM --platform=$P vendor/tool:1.0 AS a\nFROM --platform=linux/amd64 vendor/arm:1\nFROM --platform=linux/amd64 win/app:1\n",
        "FROM --platform=linux/amd64 vendor/tool:1.1\nFROM --platform=linux/arm64 vendor/tool:1.0\nFROM --platform=$UNKNOWN vendor/tool:1.0\nFROM other/image:2\nFROM scratch\n",
        &[],
        &[],
    );
}

#[test]
fn expansion_limit() {
    // issue 9: 34 doubling ARGs made a 16 GiB value (24 GB RSS, then killed).
    let mut bad = String::from("ARG A0=x\n");
    for i in 1..34 {
        bad.push_str(&format!("ARG A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
    }
    bad.push_str("FROM alpine:3\n");
    snapshot(
        "expansion-limit",
        &bad,
        "ARG VERSION=3.20\nARG IMAGE=alpine:${VERSION}\nFROM ${IMAGE}\nENV A=${IMAGE}${IMAGE}\n",
        &[],
        &[],
    );
}
