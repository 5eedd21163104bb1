//! The package-manager rules on tricky cases: every spelling of options,
//! wrappers, heredocs, variables, ONBUILD triggers, stages. Each case
//! names the lines (1-based) a rule must report, and nothing else.

use dlint::analysis::analyze;
use dlint::rules::REGISTRY;
use dlint::settings::{hadolint_rules, resolve_selector, Settings};

/// The lines where `rule` reports in `src` (with only that rule on).
fn lines(rule: &str, src: &str) -> Vec<usize> {
    let mut settings = Settings::default();
    settings.select(&resolve_selector(rule).unwrap_or_else(|| panic!("no rule {rule}")));
    let report = analyze(src, None, &settings, None);
    let mut out: Vec<usize> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == rule)
        .map(|d| report.model.line_of(d.span.start))
        .collect();
    out.sort();
    out
}

fn messages(rule: &str, src: &str) -> Vec<String> {
    let mut settings = Settings::default();
    settings.select(&resolve_selector(rule).unwrap());
    analyze(src, None, &settings, None)
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect()
}

fn check(rule: &str, cases: &[(&str, &[usize])]) {
    let mut failures = Vec::new();
    for (src, want) in cases {
        let got = lines(rule, src);
        if got != *want {
            failures.push(format!("{rule}: want {want:?}, got {got:?} for\n{src}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn apt_pins() {
    check(
        "unpinned-apt-package",
        &[
            ("FROM debian:12\nRUN apt-get install -y curl=7.88 ./x.deb git/bookworm-backports\n", &[]),
            ("FROM debian:12\nRUN apt-get install -y curl\n", &[2]),
            ("FROM debian:12\nRUN sudo -E apt-get install -y curl=1 && env DEBIAN_FRONTEND=noninteractive apt-get install -y git\n", &[2]),
            ("FROM debian:12\nRUN /usr/bin/apt-get -qq install -y git\n", &[2]),
            ("FROM debian:12\nRUN apt install -y git && aptitude install -y vim\n", &[2, 2]),
            // Option values are no packages.
            ("FROM debian:12\nRUN apt-get -o Dpkg::Options::=--force-confnew -t bookworm-backports install -y curl=1\n", &[]),
            ("FROM debian:12\nRUN apt-get install -y --target-release=bookworm-backports curl\n", &[2]),
            // Variables: ENV and ARG defaults are read, build args and
            // command substitutions are not judged.
            ("FROM debian:12\nENV PKGS=\"curl git\"\nRUN apt-get install -y $PKGS\n", &[3]),
            ("FROM debian:12\nENV PKGS=\"curl=1 git=2\"\nRUN apt-get install -y $PKGS\n", &[]),
            ("FROM debian:12\nARG PKGS\nRUN apt-get install -y $PKGS \"$(cat /pkgs)\" curl=$V\n", &[]),
            ("FROM debian:12\nARG V=1\nRUN apt-get install -y \"curl=${V}\"\n", &[]),
            // An assignment before a special built-in stays set.
            ("FROM debian:12\nRUN deps='gcc make' set -x && apt-get install -y $deps\n", &[2]),
            ("FROM debian:12\nRUN export deps='gcc=1' && apt-get install -y $deps\n", &[]),
            ("FROM debian:12\nARG V=2\nRUN deps=\"gcc=$V\" && deps=\"$deps make\" && apt-get install -y $deps\n", &[3]),
            ("FROM debian:12\nRUN deps=\"$(cat /deps)\" && apt-get install -y $deps\n", &[]),
            ("FROM debian:12\nENV J=11-b1\nRUN deps=\"gcc $(command -v gpg || echo gnupg) jdk-${J%%-*}=1\" && apt-get install -y $deps\n", &[3]),
            // Heredocs and ONBUILD triggers.
            ("FROM debian:12\nRUN <<EOF\nset -e\napt-get install -y \\\n  curl\nEOF\n", &[5]),
            ("FROM debian:12\nONBUILD RUN apt-get install -y curl\n", &[2]),
            // Other subcommands.
            ("FROM debian:12\nRUN apt-get upgrade -y && apt-get remove -y curl && apt-get install -y -f\n", &[]),
            ("FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n", &[2]),
        ],
    );
    let m = messages(
        "unpinned-apt-package",
        "FROM debian:12\nENV P=\"a b c d e\"\nRUN apt-get install -y $P\n",
    );
    assert_eq!(m.len(), 1);
    assert!(m[0].contains("`a`, `b`, `c` and 2 more"), "{}", m[0]);
    assert!(m[0].contains("apt-cache policy a"), "{}", m[0]);
}

#[test]
fn apk_pins() {
    check(
        "unpinned-apk-package",
        &[
            (
                "FROM alpine:3\nRUN apk add --no-cache curl=8 git~2 'py3<4' 'x>1' y.apk\n",
                &[],
            ),
            (
                "FROM alpine:3\nRUN apk add --no-cache --virtual .deps -X http://r gcc=1\n",
                &[],
            ),
            (
                "FROM alpine:3\nRUN apk add -t .deps gcc && apk --no-cache add musl-dev\n",
                &[2, 2],
            ),
            ("FROM alpine:3\nRUN apk del curl && apk upgrade\n", &[]),
        ],
    );
    let m = messages(
        "unpinned-apk-package",
        "FROM alpine:3\nRUN apk add -t .deps gcc\n",
    );
    assert!(
        m[0].contains("`gcc` has no version") && !m[0].contains(".deps"),
        "{}",
        m[0]
    );
}

#[test]
fn rpm_pins() {
    check(
        "unpinned-dnf-package",
        &[
            ("FROM fedora:40\nRUN dnf install -y httpd-2.4.59 openssl-1:3.0.7 gcc-c++-13.2 git-core-2.45-1.fc40 x.rpm\n", &[]),
            ("FROM fedora:40\nRUN dnf install -y java-11-openjdk\n", &[2]),
            ("FROM fedora:40\nRUN dnf install -y gcc-toolset-13-gcc\n", &[2]),
            ("FROM fedora:40\nRUN dnf in -y tomcat && microdnf install -y x && tdnf install -y y\n", &[2, 2, 2]),
            ("FROM fedora:40\nRUN dnf install -y @core @nodejs:18 'perl(JSON)' /usr/bin/make\n", &[]),
            ("FROM fedora:40\nRUN dnf module install -y nodejs:18 && dnf -y group install 'Development Tools'\n", &[]),
            ("FROM fedora:40\nRUN dnf module install -y nodejs\n", &[2]),
            // ARG is scoped to its stage (BuildKit): not seen here.
            ("FROM fedora:40 AS a\nARG version=2.45-1\nFROM fedora:40\nRUN dnf install -y git-core-${version}\n", &[4]),
            ("FROM fedora:40 AS a\nENV version=2.45-1\nFROM a\nRUN dnf install -y git-core-${version}\n", &[]),
            ("FROM fedora:40\nRUN yum install -y tomcat\n", &[]),
        ],
    );
    check(
        "unpinned-yum-package",
        &[
            (
                "FROM centos:7\nRUN yum install -y tomcat && yum install -y tomcat-9.0.1\n",
                &[2],
            ),
            (
                "FROM centos:7\nENV PKG=x-1.2.rpm\nRUN yum install -y $PKG\n",
                &[],
            ),
            (
                "FROM centos:7\nRUN yum groupinstall -y 'Development Tools' && yum update -y\n",
                &[],
            ),
        ],
    );
    check(
        "unpinned-zypper-package",
        &[
            ("FROM opensuse/leap\nRUN zypper -n in vim=9 'git>=2' x.rpm\n", &[]),
            ("FROM opensuse/leap\nRUN zypper -n in -t pattern devel_basis && zypper install -y vim\n", &[2]),
        ],
    );
}

#[test]
fn language_pins() {
    check(
        "unpinned-pip-package",
        &[
            ("FROM python:3\nRUN pip install flask==3 'b>=1' c~=2 ./d e.whl f.tar.gz . git+https://h/o/r.git@v1 'g @ https://x/g.zip'\n", &[]),
            ("FROM python:3\nRUN pip install -r requirements.txt && pip install -e . && pip install --index-url https://x/simple a==1\n", &[]),
            ("FROM python:3\nRUN pip install -r requirements.txt gunicorn\n", &[2]),
            ("FROM python:3\nRUN pip install -c constraints.txt flask && pip install --no-index --find-links /w flask\n", &[]),
            ("FROM python:3\nENV PIP_CONSTRAINT=/c.txt\nRUN pip install flask\n", &[]),
            ("FROM python:3\nRUN python3 -m pip --no-cache-dir install radian && /venv/bin/pip install -U pip\n", &[2, 2]),
            ("FROM python:3\nRUN pip install git+ssh://git@github.com/o/r.git && pipx install black\n", &[2, 2]),
            ("FROM python:3\nRUN pipx install --python \"$(which python)\" poetry==1.8 && pipenv install black\n", &[]),
            ("FROM python:3\nRUN pip install --root-user-action=ignore mypkg\n", &[2]),
            ("FROM python:3\nRUN if [ \"$(uname -m)\" = x86_64 ]; then S=-cpu; else S=\"\"; fi && pip install \"tf${S}\"\n", &[2]),
            ("FROM python:3\nARG P=black\nRUN if true; then P=$(cat /p); else pip install $P; fi\n", &[3]),
        ],
    );
    check(
        "unpinned-npm-package",
        &[
            ("FROM node:20\nRUN npm install express@4 @s/p@^1 x.tgz ./f ~/g git+https://h/r.git#v1 u/r#abc\n", &[]),
            ("FROM node:20\nRUN npm install && npm ci && yarn && yarn install && pnpm install && npm run install\n", &[]),
            ("FROM node:20\nRUN npm i -g pm2@latest && yarn global add @vue/cli && pnpm add -D x\n", &[2, 2, 2]),
            ("FROM node:20\nRUN sudo -u node npm install -g bs-platform\n", &[2]),
            ("FROM node:20\nRUN npm install --registry https://r express && npm install --loglevel verbose sax@1\n", &[2]),
        ],
    );
    check(
        "unpinned-gem",
        &[
            ("FROM ruby:3\nRUN gem install bundler -v 2 && gem i rake:13 x.gem\n", &[]),
            ("FROM ruby:3\nRUN gem install nokogiri:1 -- --use-system-libraries && gem install a:1 --use-system-libraries true\n", &[]),
            ("FROM ruby:3\nRUN gem install --no-document bundler\n", &[2]),
        ],
    );
    check(
        "unpinned-go-package",
        &[
            ("FROM golang:1\nRUN go install ./cmd/x . std && go run main.go && go build ./... && go mod download\n", &[]),
            ("FROM golang:1\nRUN go install golang.org/x/tools/gopls@latest\n", &[2]),
            ("FROM golang:1\nRUN go run example.com/x@v1.2.3 --flag arg && go install -ldflags '-s -w' example.com/y@v2\n", &[]),
            ("FROM golang:1\nRUN go get -u github.com/a/b && go get -tool foobar\n", &[2, 2]),
        ],
    );
}

#[test]
fn cache_rules_follow_the_shipped_stages_and_triggers() {
    check(
        "apk-cache-kept",
        &[
            (
                "FROM alpine:3 AS build\nRUN apk add gcc\nFROM alpine:3\nRUN apk add curl\n",
                &[4],
            ),
            (
                "FROM alpine:3 AS base\nRUN apk add gcc\nFROM base\nRUN true\n",
                &[2],
            ),
            (
                "FROM alpine:3 AS build\nONBUILD RUN apk add gcc\nFROM alpine:3\n",
                &[2],
            ),
            (
                "FROM alpine:3\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
                &[],
            ),
            (
                "FROM alpine:3\nRUN apk add curl && rm -rf /var/cache/apk/*\n",
                &[],
            ),
            ("FROM alpine:3\nRUN apk --no-cache add curl && apk add --no-network --virtual .rundeps so:libc.so\n", &[]),
        ],
    );
    check(
        "pip-cache-kept",
        &[
            ("FROM python:3\nRUN pip install x\n", &[2]),
            ("FROM python:3 AS b\nENV PIP_NO_CACHE_DIR=1\nFROM b\nRUN pip install x\n", &[]),
            ("FROM python:3 AS b\nENV PIP_NO_CACHE_DIR=1\nFROM python:3\nRUN pip install x\n", &[4]),
            ("FROM python:3\nRUN PIP_NO_CACHE_DIR=off pip install x && export PIP_NO_CACHE_DIR=1 && pip install y\n", &[2]),
            ("FROM python:3\nRUN --mount=type=cache,target=/root/.cache pip install x && pipx install y\n", &[]),
            ("FROM python:3\nRUN python -m pip --no-cache-dir install x && pip install --no-cache y\n", &[]),
        ],
    );
    check(
        "dnf-cache-not-cleaned",
        &[
            ("FROM fedora:40\nRUN dnf install -y x && dnf clean all\n", &[]),
            ("FROM fedora:40\nRUN dnf install -y x && microdnf clean all\n", &[2]),
            ("FROM fedora:40\nRUN dnf clean all && dnf install -y x\n", &[2]),
            ("FROM fedora:40\nRUN dnf install -y x && yum clean all && dnf -y upgrade\n", &[2]),
            ("FROM fedora:40\nRUN microdnf install -y x && rm -rf /var/cache/yum\n", &[]),
            ("FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y x\n", &[]),
            ("FROM fedora:40 AS build\nRUN dnf install -y gcc\nFROM fedora:40\n", &[]),
            ("FROM fedora:40\nRUN tdnf install -y x\n", &[2]),
        ],
    );
    check(
        "yum-cache-not-cleaned",
        &[
            ("FROM centos:7\nRUN yum -y update\n", &[2]),
            (
                "FROM centos:7\nRUN yum install -y x && dnf clean all\n",
                &[],
            ),
            (
                "FROM centos:7\nRUN yum install -y x && rm -rf /var/cache/yum/*\n",
                &[],
            ),
        ],
    );
    check(
        "zypper-cache-not-cleaned",
        &[
            (
                "FROM opensuse/leap\nRUN zypper -n in x && zypper cc -a\n",
                &[],
            ),
            (
                "FROM opensuse/leap\nRUN zypper clean && zypper -n in x\n",
                &[2],
            ),
        ],
    );
    check(
        "yarn-cache-not-cleaned",
        &[
            ("FROM node:20\nRUN yarn --version && yarn global add x@1 && yarn cache clean\n", &[]),
            ("FROM node:20\nRUN yarn\n", &[2]),
            ("FROM node:20\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n", &[]),
        ],
    );
}

#[test]
fn apt_recommends_and_apt_command() {
    check(
        "apt-install-recommends",
        &[
            ("FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n", &[]),
            ("FROM debian:12\nRUN apt-get -o APT::Install-Recommends=0 install -y curl && apt-get -oAPT::Install-Recommends=false install -y x\n", &[]),
            ("FROM debian:12\nRUN aptitude install -R -y curl && sudo apt install -y curl\n", &[2]),
            ("FROM debian:12\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/no-rec\nRUN apt-get install -y curl\n", &[]),
            ("FROM debian:12\nONBUILD RUN apt-get install -y curl\n", &[2]),
        ],
    );
    check(
        "apt-instead-of-apt-get",
        &[
            (
                "FROM debian:12\nRUN apt-get update && apt-cache policy x && apt-mark hold y\n",
                &[],
            ),
            (
                "FROM debian:12\nRUN apt update && apt list --installed\n",
                &[2, 2],
            ),
        ],
    );
    check(
        "zypper-dist-upgrade",
        &[(
            "FROM opensuse/leap\nRUN zypper -n dup && zypper dist-upgrade && zypper up\n",
            &[2, 2],
        )],
    );
}

#[test]
fn onbuild_triggers_reach_the_older_rules() {
    check(
        "missing-assume-yes",
        &[("FROM debian:12\nONBUILD RUN apt-get install curl\n", &[2])],
    );
    check(
        "apt-lists-not-removed",
        &[
            ("FROM debian:12 AS a\nONBUILD RUN apt-get update && apt-get install -y x\nFROM scratch\n", &[2]),
            ("FROM scratch\nRUN aptitude update && aptitude install -y python\n", &[2]),
        ],
    );
    // The triggers run one after the other in a later build, apart from the
    // stage's own RUNs.
    check(
        "split-apt-layers",
        &[
            (
                "FROM debian:12\nONBUILD RUN apt-get update\nONBUILD RUN apt-get install -y x\n",
                &[2],
            ),
            (
                "FROM debian:12\nONBUILD RUN apt-get update\nRUN apt-get install -y x\n",
                &[],
            ),
        ],
    );
}

#[test]
fn apt_lists_of_an_update_with_nothing_installed_after_it() {
    check(
        "apt-lists-not-removed",
        &[
            // Nothing installs from the lists later: they stay in the layer.
            ("FROM debian:12\nRUN apt-get update && apt-get purge -y imagemagick\n", &[2]),
            ("FROM debian:12\nRUN apt-get update && bash /tmp/setup.sh\n", &[2]),
            ("FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n", &[2]),
            ("FROM debian:12\nRUN apt-get update\nCMD [\"bash\"]\n", &[2]),
            ("FROM debian:12\nRUN apt-get update && apt-get upgrade -y && rm -r /var/lib/apt/lists\n", &[]),
            // A later RUN installs from them (split-apt-layers), in the
            // stage or in a stage built on it.
            ("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n", &[]),
            ("FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y curl\n", &[]),
            // An install in another, unrelated stage does not count.
            ("FROM debian:12 AS tools\nRUN apt-get install -y curl\nFROM debian:12\nRUN apt-get update\n", &[4]),
            // A builder stage is not shipped.
            ("FROM debian:12 AS b\nRUN apt-get update && apt-get purge -y x\nFROM scratch\nCOPY --from=b /x /x\n", &[]),
        ],
    );
    let msg = messages(
        "apt-lists-not-removed",
        "FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n",
    );
    assert!(
        msg[0].starts_with("`apt-get update` and `apt-get upgrade` in the final image"),
        "{msg:?}"
    );
}

#[test]
fn sudo_in_onbuild_triggers() {
    check(
        "sudo-in-run",
        &[
            ("FROM debian:12\nONBUILD RUN sudo apt-get update\n", &[2]),
            (
                "FROM debian:12\nONBUILD RUN apt-get update && sudo apt-get install\n",
                &[2],
            ),
            (
                "FROM debian:12\nUSER app\nONBUILD RUN sudo -u app make\n",
                &[],
            ),
        ],
    );
    let msg = messages(
        "sudo-in-run",
        "FROM debian:12\nUSER app\nONBUILD RUN sudo make\n",
    );
    assert!(
        msg[0].contains("ONBUILD RUN runs as the user of the build FROM this image"),
        "{msg:?}"
    );
}

#[test]
fn hadolint_selector_is_hadolint_default_set() {
    let sel = hadolint_rules();
    let names: Vec<&str> = sel.iter().map(|&i| REGISTRY[i].meta.name).collect();
    // Off by default in dlint, on in hadolint.
    assert!(names.contains(&"unpinned-apt-package"), "{names:?}");
    assert!(names.contains(&"unpinned-apk-package"));
    // Off in hadolint unless configured.
    assert!(!names.contains(&"untrusted-registry"));
    // Only rules with a DL alias, and ShellCheck, which hadolint runs too.
    assert!(!names.contains(&"split-apt-layers"));
    assert!(names.contains(&"shellcheck"), "{names:?}");
    assert_eq!(resolve_selector("hadolint"), Some(sel.clone()));
    assert_eq!(resolve_selector("HADOLINT"), Some(sel));
}
