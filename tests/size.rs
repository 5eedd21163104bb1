//! The image-size and cache lessons: `inline-comment`, `build-in-final-stage`,
//! `heavy-base-image`, `dev-dependencies-in-image` (snapshots of bad and good
//! files, regression cases), the optimizer's changes to `cache-busting-copy`,
//! `root-user` and the generated `.dockerignore`, `dlint layers` with
//! `--target`, `COPY --exclude`/`--parents` and ONBUILD triggers, and the
//! course notes' two Node examples (tests/fixtures/node-*) before and after
//! `--fix`.

mod common;

use std::fs;
use std::path::Path;

use common::{dlint as run, project as context, settings_for, snap};
use dlint::analysis::analyze;
use dlint::context::BuildContext;
use dlint::model::Model;
use dlint::settings::Settings;

/// Lints with only `rule`, in a context holding `files`: the rendered text
/// (temp path replaced) and the findings' messages.
fn lint(rule: &str, dockerfile: &str, files: &[(&str, &str)]) -> (String, Vec<String>) {
    lint_with(&settings_for(rule), dockerfile, files)
}

fn lint_with(
    settings: &Settings,
    dockerfile: &str,
    files: &[(&str, &str)],
) -> (String, Vec<String>) {
    let (text, diagnostics) = common::lint_in(settings, dockerfile, files);
    let messages = diagnostics.iter().map(|d| d.message.clone()).collect();
    (text, messages)
}

fn rule_snapshot(rule: &str, bad: &str, good: &str, files: &[(&str, &str)]) {
    let (bad_out, bad_n) = lint(rule, bad, files);
    let (good_out, good_n) = lint(rule, good, files);
    assert!(!bad_n.is_empty(), "{rule}: bad example not flagged:\n{bad}");
    assert!(
        good_n.is_empty(),
        "{rule}: good example flagged:\n{good_out}"
    );
    snap!(
        &format!("rule-{rule}"),
        format!("--- bad ---\n{bad}\n--- findings ---\n{bad_out}\n--- good ---\n{good}\n--- findings ---\n{good_out}"),
    );
}

/// Fixes with only `rule` (and its unsafe fixes when asked); checks that no
/// fix was dropped, that fixing again changes nothing and that the rule's
/// fixable findings are gone. Returns the fixed text.
fn fix_with(rule: &str, src: &str, files: &[(&str, &str)], unsafe_fixes: bool) -> String {
    let (o, again) = common::fix_in(&settings_for(rule), src, files, unsafe_fixes);
    assert!(o.dropped.is_empty(), "dropped: {:?}\n{src}", o.dropped);
    assert_eq!(again, o.fixed, "a second --fix changed the file");
    assert!(
        !o.report
            .diagnostics
            .iter()
            .any(|d| d.fix.as_ref().is_some_and(|f| !f.edits.is_empty())
                && (unsafe_fixes || f_is_safe(d.fix.as_ref().unwrap()))),
        "fixable findings left:\n{}",
        o.fixed
    );
    o.fixed
}

fn f_is_safe(f: &dlint::diagnostic::Fix) -> bool {
    f.applicability == dlint::diagnostic::Applicability::Safe
}

/// The stages and instruction keywords as BuildKit's reading (the model)
/// sees them: a fix must keep the stages.
fn stages(src: &str) -> Vec<String> {
    let m = Model::build(src);
    m.stages
        .iter()
        .map(|s| {
            s.image
                .as_ref()
                .map(|w| w.value.clone())
                .unwrap_or_default()
        })
        .collect()
}

// ------------------------------------------------------------ inline-comment

#[test]
fn inline_comment() {
    rule_snapshot(
        "inline-comment",
        "FROM node:18-alpine AS build  # 빌드 단계\nWORKDIR /app\nCOPY . /app  # copy everything\nENV NODE_ENV production  # 운영\nEXPOSE 3000 # http\nONBUILD COPY . /src # 전부\nCMD [\"node\", \"app.js\"]  # start\n",
        "FROM node:18-alpine AS build\nWORKDIR /app\n# copy everything\nCOPY . /app\nENV NODE_ENV production\nRUN npm ci # the shell drops this comment\nLABEL color=#fff title=\"a # b\"\nCMD node app.js # so does this one\n",
        &[],
    );
}

#[test]
fn inline_comment_fixes() {
    let cases: &[(&str, &str)] = &[
        (
            "korean",
            "FROM node:18-alpine\nCOPY --from=builder /app/dist ./dist  # 빌드 결과만 복사\n",
        ),
        (
            "exec form",
            "FROM node:18\nCMD [\"node\",\"app.js\"]  # start\n",
        ),
        (
            "indented ONBUILD",
            "FROM node:18\n\tONBUILD COPY . /app # 모두\n",
        ),
        (
            "comment on a continued line",
            "FROM alpine:3.20\nENV A=1 # first \\\n    B=2\nCOPY a \\\n     b /x/ # last\n",
        ),
        (
            "CRLF",
            "FROM alpine:3.20\r\nWORKDIR /app # dir\r\nUSER app\r\n",
        ),
        ("no final newline", "FROM alpine:3.20\nUSER 1000 # non-root"),
        (
            "heredoc",
            "FROM alpine:3.20\nCOPY <<EOF /etc/app.conf # the config\nkey=value\nEOF\n",
        ),
        (
            "two comments",
            "FROM alpine:3.20\nARG A=1 # one \\\n    B=2 # two\n",
        ),
    ];
    let mut out = String::new();
    for (name, src) in cases {
        let fixed = fix_with("inline-comment", src, &[], false);
        assert_ne!(&fixed, src, "{name}: nothing fixed");
        assert_eq!(stages(src).len(), stages(&fixed).len(), "{name}");
        let m = Model::build(&fixed);
        assert!(m.errors.is_empty(), "{name}: {:?}\n{fixed}", m.errors);
        assert!(
            m.comments.iter().any(|c| !c.text.is_empty()),
            "{name}: comment lost:\n{fixed}"
        );
        if src.contains("\r\n") {
            assert!(
                !fixed.replace("\r\n", "").contains('\n'),
                "{name}: LF in a CRLF file"
            );
        }
        out.push_str(&format!(
            "=== {name}\n--- before ---\n{src}\n--- after ---\n{fixed}\n"
        ));
    }
    snap!("fix-inline-comment", out);
}

#[test]
fn inline_comment_without_a_fix() {
    // The comment is the only argument; a COPY that would keep one word; a
    // comment that would read as a parser directive at the top.
    for src in [
        "FROM alpine:3.20\nWORKDIR # where\n",
        "FROM alpine:3.20\nCOPY . # everything to /app\n",
        "FROM alpine:3.20 # escape=`\n",
        "FROM alpine:3.20\nCMD [\"a\"] # c \\\n  more\n",
    ] {
        let (text, messages) = lint("inline-comment", src, &[]);
        assert_eq!(messages.len(), 1, "{src}\n{text}");
        assert!(
            !text.contains("help:"),
            "a fix was offered for:\n{src}\n{text}"
        );
    }
}

// ------------------------------------------------------- the size rules

const SINGLE_STAGE_GO: &str = "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/server ./cmd/server\nUSER 65532\nCMD [\"/out/server\"]\n";

#[test]
fn build_in_final_stage() {
    rule_snapshot(
        "build-in-final-stage",
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n",
        "FROM python:3.12 AS wheels\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev\nCOPY requirements.txt .\nRUN pip wheel --wheel-dir /wheels -r requirements.txt\nFROM python:3.12-slim\nCOPY --from=wheels /wheels /wheels\nRUN pip install /wheels/*\nCOPY . .\nCMD [\"gunicorn\", \"app:app\"]\n",
        &[],
    );
}

#[test]
fn build_in_final_stage_cases() {
    let fires = |src: &str| !lint("build-in-final-stage", src, &[]).1.is_empty();
    // The single-stage Go build, with its advice.
    let (_, m) = lint("build-in-final-stage", SINGLE_STAGE_GO, &[]);
    assert!(m[0].contains("`FROM golang:1.22 AS build`"), "{}", m[0]);
    assert!(m[0].contains("distroless/static-debian12"), "{}", m[0]);
    // A build in the stage the final one is built FROM counts.
    assert!(fires("FROM node:20 AS base\nCOPY . .\nRUN npm ci && npm run build\nFROM base\nCMD [\"node\", \"dist/main.js\"]\n"));
    // Official images that compile a downloaded release: nothing from the context.
    assert!(!fires("FROM debian:12-slim\nRUN apt-get update && apt-get install -y gcc make \\\n && curl -fsSL https://example.org/x.tar.gz | tar xz && make -C x install \\\n && apt-get purge -y gcc make\nCMD [\"x\"]\n"));
    // Compilers removed in the same RUN.
    assert!(!fires("FROM python:3.12-slim\nCOPY requirements.txt .\nRUN apt-get update && apt-get install -y gcc && pip install -r requirements.txt && apt-get purge -y gcc\nCMD [\"python\", \"app.py\"]\n"));
    // Headers alone are not a toolchain.
    assert!(!fires("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y libxcb1-dev\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n"));
    // Base and tool images, dev stages, test images, dev containers.
    assert!(!fires("FROM golang:1.22\nCOPY . .\nRUN go build ./...\n"));
    assert!(!fires(
        "FROM golang:1.22 AS dev\nCOPY . .\nRUN go build ./...\nCMD [\"app\"]\n"
    ));
    assert!(!fires(
        "FROM node:20\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npx\", \"jest\"]\n"
    ));
    assert!(!fires("FROM mcr.microsoft.com/devcontainers/go:1.22\nCOPY . .\nRUN go build ./...\nCMD [\"sleep\", \"infinity\"]\n"));
    // --target picks the image.
    let src = "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\nFROM gcr.io/distroless/static-debian12 AS final\nCOPY --from=build /app /app\nCMD [\"/app\"]\n";
    assert!(!fires(src));
    let dir = context(&[]);
    let df = dir.path().join("Dockerfile");
    fs::write(&df, src).unwrap();
    let mut s = settings_for("build-in-final-stage");
    s.target = Some("build".into());
    let r = analyze(src, Some(&df), &s, None);
    assert_eq!(r.diagnostics.len(), 1);
}

#[test]
fn heavy_base_image() {
    rule_snapshot(
        "heavy-base-image",
        "FROM node:18-bookworm\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        "FROM node:18-bookworm-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        &[],
    );
}

#[test]
fn heavy_base_image_cases() {
    let msg = |src: &str| lint("heavy-base-image", src, &[]).1;
    let app = "COPY . /app\nCMD [\"sh\", \"-c\", \"exec /app/run\"]\n";
    let m = msg(&format!("FROM python:3.12\n{app}"));
    assert!(
        m[0].contains("`python:3.12-slim`") && m[0].contains("`python:3.12-alpine`"),
        "{m:?}"
    );
    assert!(m[0].contains("musl"), "{m:?}");
    let m = msg(&format!("FROM eclipse-temurin:21-jdk-jammy\n{app}"));
    assert!(m[0].contains("`eclipse-temurin:21-jre`"), "{m:?}");
    let m = msg(&format!("FROM openjdk:17\n{app}"));
    assert!(
        m[0].contains("`eclipse-temurin:17-jre`") && m[0].contains("deprecated"),
        "{m:?}"
    );
    let m = msg(&format!("FROM maven:3.9-eclipse-temurin-17\n{app}"));
    assert!(m[0].contains("`eclipse-temurin:17-jre`"), "{m:?}");
    let m = msg(&format!("FROM php:8.3-fpm-bookworm\n{app}"));
    assert!(m[0].contains("`php:8.3-fpm-alpine`"), "{m:?}");
    // No -apache-alpine exists.
    assert!(msg(&format!("FROM php:8.3-apache\n{app}")).is_empty());
    for small in [
        "node:18-slim",
        "node:18-alpine",
        "python:3.12-slim-bookworm",
        "eclipse-temurin:21-jre",
        "debian:12",
        "node@sha256:0123",
    ] {
        assert!(msg(&format!("FROM {small}\n{app}")).is_empty(), "{small}");
    }
    // A toolchain image that builds is build-in-final-stage's.
    assert!(msg(SINGLE_STAGE_GO).is_empty());
    // Through FROM <stage>.
    let m = msg(&format!("FROM ruby:3.3 AS base\nFROM base\n{app}"));
    assert!(m[0].contains("`ruby:3.3-slim`"), "{m:?}");
    // The application installed from a language registry and run: nothing
    // comes from the context, but it is no base image.
    for (image, install, run) in [
        ("haskell:9.6", "cabal update && cabal install brok", "brok"),
        ("node:20", "npm install -g serve@14", "serve"),
        (
            "python:3.12",
            "pip install --no-cache-dir httpie==3.2",
            "http",
        ),
        (
            "python:3.12",
            "pip install --no-cache-dir httpie==3.2",
            "httpie",
        ),
        ("ruby:3.3", "gem install mailcatcher", "mailcatcher"),
    ] {
        let m = msg(&format!("FROM {image}\nRUN {install}\nCMD [\"{run}\"]\n"));
        assert_eq!(
            m.len(),
            usize::from(run != "http"),
            "{image} {install} {run}: {m:?}"
        );
    }
    // Suggested tags exist: `slim` before the codename for Python and
    // Haskell, after it for Node; Haskell 8.x has no `-slim` variant.
    let haskell = |image: &str| {
        msg(&format!(
            "FROM {image}\nRUN cabal update && cabal install brok\nCMD [\"brok\"]\n"
        ))
    };
    assert!(haskell("haskell:8.8").is_empty());
    assert!(haskell("haskell:9.6-bullseye")[0].contains("`haskell:9.6-slim-bullseye`"));
    let m = msg(&format!("FROM python:3.12-bookworm\n{app}"));
    assert!(m[0].contains("`python:3.12-slim-bookworm`"), "{m:?}");
    let m = msg(&format!("FROM node:18-bookworm\n{app}"));
    assert!(m[0].contains("`node:18-bookworm-slim`"), "{m:?}");
    // An official image's own Dockerfile (nextcloud:fpm) copies only its
    // scripts and configuration and downloads the software.
    assert!(msg("FROM php:8.3-fpm-trixie\nRUN curl -fsSL -o n.tar.bz2 https://download.nextcloud.com/n.tar.bz2\nCOPY *.sh upgrade.exclude /\nCOPY config/* /usr/src/nextcloud/config/\nENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"php-fpm\"]\n").is_empty());
    // With the application's sources it is an application.
    let m = msg("FROM php:8.3-fpm-trixie\nCOPY entrypoint.sh /\nCOPY src/ /var/www/html/\nCMD [\"php-fpm\"]\n");
    assert_eq!(m.len(), 1, "{m:?}");
    // A base image that installs a tool but runs something else, or
    // installs requirements: still a base or tool image.
    assert!(
        msg("FROM python:3.12\nRUN pip install -r requirements.txt\nCMD [\"requirements\"]\n")
            .is_empty()
    );
    assert!(msg("FROM node:20\nRUN npm install -g yarn\nCMD [\"node\"]\n").is_empty());
}

#[test]
fn dev_dependencies_in_image() {
    rule_snapshot(
        "dev-dependencies-in-image",
        "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        "FROM node:20-slim\nWORKDIR /app\nENV NODE_ENV=production\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        &[],
    );
}

#[test]
fn dev_dependencies_cases() {
    let msg = |src: &str| lint("dev-dependencies-in-image", src, &[]).1;
    let tail = "COPY . .\nCMD [\"node\", \"server.js\"]\n";
    // ARG is in RUN's environment too.
    assert!(msg(&format!(
        "FROM node:20\nARG NODE_ENV=production\nCOPY package.json .\nRUN npm ci\n{tail}"
    ))
    .is_empty());
    // Pruned later.
    assert!(msg(&format!(
        "FROM node:20\nCOPY . .\nRUN npm ci && npm run build && npm prune --omit=dev\n{tail}"
    ))
    .is_empty());
    // Needed later: said, and no fix.
    let (text, m) = lint(
        "dev-dependencies-in-image",
        &format!("FROM node:20\nCOPY . .\nRUN npm ci\nRUN npm run build\n{tail}"),
        &[],
    );
    assert!(m[0].contains("needs them"), "{m:?}");
    assert!(!text.contains("help:"), "{text}");
    // Other managers.
    assert_eq!(
        msg("FROM php:8.3-apache\nCOPY . /var/www/html\nRUN composer install\n").len(),
        1
    );
    assert!(
        msg("FROM php:8.3-apache\nCOPY . /var/www/html\nRUN composer install --no-dev\n")
            .is_empty()
    );
    assert_eq!(
        msg("FROM ruby:3.3-slim\nCOPY . .\nRUN bundle install\nCMD [\"rails\", \"server\"]\n")
            .len(),
        1
    );
    assert!(msg("FROM ruby:3.3-slim\nENV BUNDLE_WITHOUT=development:test\nCOPY . .\nRUN bundle install\nCMD [\"rails\", \"server\"]\n").is_empty());
    assert_eq!(msg("FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements-dev.txt\nCMD [\"python\", \"app.py\"]\n").len(), 1);
    // Test images and base images are left alone.
    assert!(msg("FROM node:20\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"test\"]\n").is_empty());
    assert!(msg("FROM node:20\nCOPY . .\nRUN npm ci\n").is_empty());
}

#[test]
fn dev_dependencies_fixes() {
    let cases: &[(&str, &str)] = &[
        ("npm on node 20", "FROM node:20\nCOPY package.json .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"),
        ("npm on node 14", "FROM node:14-alpine\nCOPY package.json .\nRUN npm install\nCMD [\"node\", \"server.js\"]\n"),
        ("pnpm", "FROM node:20\nCOPY . .\nRUN pnpm install --frozen-lockfile\nCMD [\"node\", \"server.js\"]\n"),
        ("composer", "FROM php:8.3-fpm\nCOPY . .\nRUN composer install --optimize-autoloader\n"),
        ("uv", "FROM python:3.12-slim\nCOPY . .\nRUN uv sync --frozen\nCMD [\"uv\", \"run\", \"app.py\"]\n"),
    ];
    let mut out = String::new();
    for (name, src) in cases {
        let safe = fix_with("dev-dependencies-in-image", src, &[], false);
        assert_eq!(&safe, src, "{name}: the fix is unsafe");
        let fixed = fix_with("dev-dependencies-in-image", src, &[], true);
        assert_ne!(&fixed, src, "{name}");
        out.push_str(&format!(
            "=== {name}\n--- before ---\n{src}--- after ---\n{fixed}"
        ));
    }
    snap!("fix-dev-dependencies-in-image", out);
    // npm on an image whose npm version is unknown: no fix.
    let src = "FROM ubuntu:24.04\nRUN apt-get install -y npm\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";
    let (text, m) = lint("dev-dependencies-in-image", src, &[]);
    assert_eq!(m.len(), 1);
    assert!(!text.contains("help:"), "{text}");
}

// ---------------------------------------------------------- root-user

#[test]
fn root_user_judges_base_images_and_servers() {
    let msg = |src: &str| lint("root-user", src, &[]).1;
    // Base and tool images: no CMD, a REPL, an entrypoint script with a
    // REPL, ONBUILD triggers.
    for src in [
        "FROM debian:12\nRUN apt-get update\n",
        "FROM debian:12\nCMD [\"bash\"]\n",
        "FROM debian:12\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"python3\"]\n",
        "FROM node:20\nONBUILD COPY . /app\nCMD [\"npm\", \"start\"]\n",
        // Never run: scratch without CMD/ENTRYPOINT (an OLM bundle).
        "FROM scratch\nCOPY manifests /manifests/\nLABEL operators.operatorframework.io.bundle.mediatype.v1=registry+v1\n",
        // Drops root itself.
        "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "FROM php:8.3-fpm\nCOPY . /var/www/html\n",
    ] {
        assert!(msg(src).is_empty(), "{src}\n{:?}", msg(src));
    }
    // Runs something: reported.
    assert_eq!(
        msg("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n").len(),
        1
    );
    assert_eq!(
        msg("FROM debian:12\nCMD [\"python3\", \"app.py\"]\n").len(),
        1
    );
    // A service base image runs as is.
    let m = msg("FROM nginx:1.27-alpine\nCOPY dist/ /usr/share/nginx/html/\n");
    assert!(
        m[0].contains("`nginxinc/nginx-unprivileged:1.27-alpine`"),
        "{m:?}"
    );
    let (text, m) = lint(
        "root-user",
        "FROM httpd:2.4\nCOPY site/ /usr/local/apache2/htdocs/\n",
        &[],
    );
    assert!(m[0].contains("port 80"), "{m:?}");
    assert!(!text.contains("help:"), "no USER fix for httpd:\n{text}");
    // The server images' own Dockerfiles.
    let (text, _) = lint("root-user", "FROM debian:12-slim\nRUN apt-get install -y nginx\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n", &[]);
    assert!(
        text.contains("port 80") && !text.contains("help:"),
        "{text}"
    );
    // The strict option reports base images too.
    let mut s = settings_for("root-user");
    s.options.root_user_strict = true;
    assert_eq!(
        lint_with(&s, "FROM debian:12\nRUN apt-get update\n", &[])
            .1
            .len(),
        1
    );
    assert!(lint_with(&s, "FROM scratch\nCOPY x /x\n", &[]).1.is_empty());
}

#[test]
fn root_user_fix_goes_before_the_command() {
    let src = "FROM python:3.12-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nEXPOSE 8000\nCMD [\"gunicorn\", \"app:app\"]\nLABEL x=y\n";
    let fixed = fix_with("root-user", src, &[], true);
    assert!(
        fixed.contains("EXPOSE 8000\nRUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --no-create-home app\nUSER 10001:10001\nCMD"),
        "{fixed}"
    );
    let node = fix_with(
        "root-user",
        "FROM node:20\nCOPY . .\nENTRYPOINT [\"node\"]\nCMD [\"server.js\"]\n",
        &[],
        true,
    );
    assert!(
        node.contains("COPY . .\nUSER 1000:1000\nENTRYPOINT"),
        "{node}"
    );
}

// ---------------------------------------------------- cache-busting-copy

#[test]
fn cache_busting_copy_builds() {
    let msg = |src: &str, files: &[(&str, &str)]| lint("cache-busting-copy", src, files).1;
    // A build is never moved above COPY . .: it gets a dependency step.
    let pom = [("pom.xml", "<project></project>")];
    let m = msg(
        "FROM maven:3.9-eclipse-temurin-21 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -B package\n",
        &pom,
    );
    assert!(
        m[0].contains("no step before it downloads the dependencies"),
        "{m:?}"
    );
    assert!(m[0].contains("`mvn -B dependency:go-offline`"), "{m:?}");
    let m = msg(
        "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n",
        &[],
    );
    assert!(
        m[0].contains("cargo fetch") && m[0].contains("src/main.rs"),
        "{m:?}"
    );
    let m = msg(
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
        &[("go.mod", "module x\n"), ("go.sum", "\n")],
    );
    assert!(m[0].contains("`go mod download`"), "{m:?}");
    let m = msg("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . ./\nRUN dotnet publish -c Release -o /out\n", &[]);
    assert!(m[0].contains("`dotnet restore`"), "{m:?}");
    let m = msg("FROM mcr.microsoft.com/dotnet/framework/sdk:4.8\nCOPY . ./\nRUN nuget restore app.sln\nRUN msbuild app.sln\n", &[]);
    assert!(m[0].contains("nuget restore"), "{m:?}");
    // Nothing to download, or downloads kept in a cache mount.
    assert!(msg(
        "FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\n",
        &[("go.mod", "module x\n")]
    )
    .is_empty());
    assert!(msg(
        "FROM maven:3.9\nCOPY . .\nRUN --mount=type=cache,target=/root/.m2 mvn -B package\n",
        &[]
    )
    .is_empty());
    assert!(msg(
        "FROM golang:1.22\nCOPY . /go/src/github.com/x/y\nRUN go build\n",
        &[]
    )
    .is_empty());
    assert!(msg(
        "FROM golang:1.22\nCOPY . .\nRUN go install golang.org/x/tools/gopls@latest\n",
        &[]
    )
    .is_empty());
    // A restore after the broad copy is reported once, not again for the build.
    assert_eq!(msg("FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet restore\nRUN dotnet publish -c Release\n", &[]).len(), 1);
}

#[test]
fn cache_busting_copy_directories() {
    let src = "FROM golang:1.22\nWORKDIR /w\nCOPY api/ api/\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./cmd/x\n";
    let (text, m) = lint("cache-busting-copy", src, &[]);
    assert!(m[0].contains("copies the directory `api/`"), "{m:?}");
    assert!(m[0].contains("any change in `api/`"), "{m:?}");
    assert!(
        m[0].contains("already copied on their own (line 4)"),
        "{m:?}"
    );
    assert!(!m[0].contains("build context"), "{m:?}");
    assert!(!text.contains("help:"), "{text}");
}

#[test]
fn cache_busting_copy_fixes() {
    type Files<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(&str, &str, Files)] = &[
        ("maven", "FROM maven:3.9-eclipse-temurin-21 AS build\nWORKDIR /src\nCOPY . .\nRUN mvn -B package -DskipTests\n", &[("pom.xml", "<project></project>")]),
        ("maven wrapper", "FROM eclipse-temurin:21-jdk AS build\nWORKDIR /src\nCOPY . .\nRUN ./mvnw -B package\n", &[("pom.xml", "<project></project>"), ("mvnw", "#!/bin/sh\n"), (".mvn/wrapper/maven-wrapper.properties", "")]),
        ("gradle", "FROM gradle:8-jdk21 AS build\nWORKDIR /src\nCOPY . .\nRUN gradle build --no-daemon\n", &[("build.gradle", "plugins {}\n"), ("settings.gradle", "rootProject.name = 'x'\n")]),
        ("cargo", "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n", &[("Cargo.toml", "[package]\nname = \"x\"\n"), ("Cargo.lock", "")]),
        ("go", "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n", &[("go.mod", "module x\n"), ("go.sum", "\n")]),
        ("dotnet", "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . ./\nRUN dotnet publish -c Release -r linux-x64 -o /out\n", &[("app.csproj", "<Project/>")]),
        ("npm reorder", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n", &[("package.json", "{}"), ("package-lock.json", "{}")]),
    ];
    let mut out = String::new();
    for (name, src, files) in cases {
        let fixed = fix_with("cache-busting-copy", src, files, true);
        assert_ne!(&fixed, src, "{name}: nothing fixed");
        assert_eq!(stages(src), stages(&fixed), "{name}");
        // The build stays after the sources.
        let build_line = src.lines().last().unwrap();
        let (copy_at, build_at) = (
            fixed.find("COPY . ").unwrap(),
            fixed.find(build_line).unwrap(),
        );
        assert!(
            copy_at < build_at || *name == "npm reorder",
            "{name}:\n{fixed}"
        );
        out.push_str(&format!(
            "=== {name}\n--- before ---\n{src}--- after ---\n{fixed}"
        ));
    }
    snap!("fix-cache-busting-copy-builds", out);
    // Not offered: a multi-module Maven build, a Go module with a local
    // replace, a build after `cd`, Composer with its scripts, and the cases
    // below.
    for (src, files) in [
        (
            "FROM maven:3.9\nCOPY . .\nRUN mvn -B package\n",
            &[(
                "pom.xml",
                "<project><modules><module>a</module></modules></project>",
            )][..],
        ),
        (
            "FROM golang:1.22\nCOPY . .\nRUN go build .\n",
            &[("go.mod", "module x\nreplace y => ./y\n"), ("go.sum", "\n")][..],
        ),
        (
            "FROM golang:1.22\nCOPY . .\nRUN cd cmd && go build .\n",
            &[("go.mod", "module x\n"), ("go.sum", "\n")][..],
        ),
        (
            "FROM php:8.3\nCOPY . .\nRUN composer install\n",
            &[("composer.json", "{}")][..],
        ),
        // A RUN between the COPY and the install may set up what the
        // install needs (corpus, opentelemetry-demo: npm 10 fails this
        // `npm ci`, hence the upgrade); one before the build too.
        (
            "FROM node:22\nCOPY . .\nRUN npm install -g npm@11\nRUN npm ci\n",
            &[("package.json", "{}"), ("package-lock.json", "{}")][..],
        ),
        (
            "FROM alpine:3.20\nCOPY . .\nRUN apk add go\nRUN go build .\n",
            &[("go.mod", "module x\n"), ("go.sum", "\n")][..],
        ),
        // The install names a file the fix would not copy: another project,
        // a solution (it names project directories), a manifest in a
        // directory, a manifest read from elsewhere.
        (
            "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet restore cartservice.csproj\n",
            &[("app.csproj", "<Project/>")][..],
        ),
        (
            "FROM mcr.microsoft.com/dotnet/framework/sdk:4.8\nCOPY . ./\nRUN nuget restore App.sln\n",
            &[("packages.config", ""), ("App.sln", "")][..],
        ),
        (
            "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements/prod.txt\n",
            &[("requirements.txt", ""), ("requirements/prod.txt", "")][..],
        ),
        (
            "FROM node:22\nCOPY . .\nRUN npm ci --prefix web\n",
            &[("package.json", "{}"), ("package-lock.json", "{}")][..],
        ),
    ] {
        let (text, m) = lint("cache-busting-copy", src, files);
        assert_eq!(m.len(), 1, "{src}");
        assert!(!text.contains("help:"), "a fix was offered:\n{src}\n{text}");
    }
}

// ------------------------------------------------------ .dockerignore

#[test]
fn generated_dockerignore_and_node_modules() {
    let generated = |src: &str, files: &[(&str, &str)]| -> String {
        let dir = context(files);
        let df = dir.path().join("Dockerfile");
        fs::write(&df, src).unwrap();
        let ctx = BuildContext::load(dir.path(), Some(&df));
        dlint::rules::context::missing_dockerignore::generated_ignore(&ctx, &Model::build(src))
    };
    let node = [("package.json", "{}")];
    // A Node project that installs in the image: listed before the folder exists.
    let g = generated("FROM node:20\nCOPY . .\nRUN npm ci\n", &node);
    assert!(g.lines().any(|l| l == "**/node_modules"), "{g}");
    // No install in the image: the image runs with the context's node_modules.
    let g = generated(
        "FROM node:20\nCOPY . .\nCMD [\"node\", \"app.js\"]\n",
        &[("package.json", "{}"), ("node_modules/x/i.js", "")],
    );
    assert!(!g.contains("node_modules"), "{g}");
    // What the Dockerfile copies by name stays in the context.
    let g = generated(
        "FROM nginx:1.27\nCOPY dist/ /usr/share/nginx/html/\nCOPY .git /src/.git\n",
        &[("package.json", "{}"), ("dist/index.html", "")],
    );
    assert!(!g.lines().any(|l| l == "dist" || l == ".git"), "{g}");
}

// ------------------------------------------------------ dlint layers

fn layers_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(
        dir,
        &[&["layers", "Dockerfile", "--format", "json"], args].concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn layers_target_exclude_parents_and_onbuild() {
    let d = context(&[
        ("Dockerfile", "FROM node:20 AS base\nWORKDIR /app\nONBUILD COPY package.json ./\nONBUILD RUN npm ci\nFROM base AS app\nCOPY --exclude=*.test.js src/ ./src/\nCOPY --parents ./docs/./*.md /d/\nCMD [\"node\", \"src/a.js\"]\nFROM base AS other\nRUN true\n"),
        ("package.json", "{}"),
        ("src/a.js", ""),
        ("src/a.test.js", ""),
        ("docs/x.md", ""),
    ]);
    let v = layers_json(
        d.path(),
        &[
            "--target",
            "app",
            "--changed",
            "src/a.test.js",
            "--changed",
            "package.json",
        ],
    );
    assert_eq!(v["target"], "1 (app)");
    assert_eq!(v["stages"][2]["built"], false);
    // The ONBUILD triggers run in the stage built FROM base, after its FROM.
    let app = v["stages"][1]["layers"].as_array().unwrap();
    assert_eq!(app[1]["onbuild_from"], 3);
    assert_eq!(app[1]["keyword"], "COPY");
    assert_eq!(app[2]["installs"][0]["command"], "npm ci");
    // --exclude leaves the test file out of the copy and of the invalidation.
    assert_eq!(
        app[3]["depends_on"][0]["files"],
        serde_json::json!(["src/a.js"])
    );
    assert_eq!(
        app[3]["depends_on"][0]["exclude"],
        serde_json::json!(["*.test.js"])
    );
    assert_eq!(app[4]["depends_on"][0]["parents"], true);
    assert_eq!(
        app[4]["depends_on"][0]["files"],
        serde_json::json!(["docs/x.md"])
    );
    assert!(v["changes"][0]["invalidated"]
        .as_array()
        .unwrap()
        .is_empty());
    // package.json re-runs the triggers in the target only.
    let inv = v["changes"][1]["invalidated"].as_array().unwrap();
    assert_eq!(inv.len(), 1, "{inv:?}");
    assert_eq!(inv[0]["stage"], 1);
    // An unknown target is an error.
    let out = run(d.path(), &["layers", "Dockerfile", "--target", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target nope names no stage"));
}

#[test]
fn layers_onbuild_fan_out_is_bounded_and_said() {
    // Every stage FROM base runs all of base's triggers: 101 triggers and
    // 100 child stages are 10,100 trigger steps, 100 past the limit of
    // 10,000 (K triggers and K children of a hostile file are K² steps).
    let src = format!(
        "FROM alpine:3 AS base\n{}{}",
        "ONBUILD RUN x\n".repeat(101),
        "FROM base\n".repeat(100)
    );
    let d = context(&[("Dockerfile", &src)]);
    let v = layers_json(d.path(), &[]);
    let stages = v["stages"].as_array().unwrap();
    let listed: usize = stages
        .iter()
        .flat_map(|s| s["layers"].as_array().unwrap())
        .filter(|l| !l["onbuild_from"].is_null())
        .count();
    assert_eq!(listed, 10_000);
    assert_eq!(stages[99]["onbuild_omitted"], 0);
    assert_eq!(stages[99]["layers_added"], 101);
    assert_eq!(stages[100]["onbuild_omitted"], 100);
    assert_eq!(stages[100]["layers_added"], 1);
    let text = run(d.path(), &["layers", "Dockerfile"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.matches("… and 100 more steps from the base stage's ONBUILD triggers, not listed")
            .count(),
        1,
        "{text}"
    );
}

// ------------------------------------- the course notes' Node examples

/// `dlint` (all default rules, no config) on a copy of the fixture, before
/// and after `--fix` and `--fix --unsafe-fixes`: the full output.
fn course_example(name: &str) -> String {
    let src_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let mut out = String::new();
    for mode in [&["--fix"][..], &["--fix", "--unsafe-fixes"][..]] {
        let d = tempfile::tempdir().unwrap();
        for e in fs::read_dir(&src_dir).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), d.path().join(e.file_name())).unwrap();
        }
        let before = run(d.path(), &["--isolated", "--color", "never", "Dockerfile"]);
        if mode.len() == 1 {
            out.push_str(&format!(
                "$ dlint Dockerfile\n{}{}\n",
                String::from_utf8_lossy(&before.stdout),
                String::from_utf8_lossy(&before.stderr)
            ));
        }
        let fixed = run(
            d.path(),
            &[&["--isolated", "--color", "never"], mode, &["Dockerfile"]].concat(),
        );
        let text = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
        assert!(Model::build(&text).errors.is_empty(), "{text}");
        let after = run(d.path(), &["--isolated", "--color", "never", "Dockerfile"]);
        let ignore = fs::read_to_string(d.path().join(".dockerignore")).unwrap_or_default();
        out.push_str(&format!(
            "$ dlint {} Dockerfile\n{}{}\n--- Dockerfile after ---\n{text}\n--- .dockerignore after ---\n{ignore}\n$ dlint Dockerfile\n{}{}\n",
            mode.join(" "),
            String::from_utf8_lossy(&fixed.stdout),
            String::from_utf8_lossy(&fixed.stderr),
            String::from_utf8_lossy(&after.stdout),
            String::from_utf8_lossy(&after.stderr)
        ));
    }
    out
}

#[test]
fn course_notes_single_stage_node() {
    let out = course_example("node-single-stage");
    for rule in [
        "build-in-final-stage",
        "heavy-base-image",
        "dev-dependencies-in-image",
        "cache-busting-copy",
        "root-user",
        "missing-dockerignore",
    ] {
        assert!(out.contains(rule), "{rule} not reported:\n{out}");
    }
    snap!("course-notes-node-single-stage", out);
}

#[test]
fn course_notes_node_inline_comments() {
    let out = course_example("node-course-notes");
    assert!(out.contains("inline-comment"), "{out}");
    assert!(
        out.contains("# 빌드 결과만 복사\nCOPY --from=builder /app/dist ./dist\n"),
        "{out}"
    );
    assert!(out.contains("# copy everything\nCOPY . /app\n"), "{out}");
    snap!("course-notes-node-inline-comments", out);
}
