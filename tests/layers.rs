//! `dlint layers`: the layer stack per stage, what each COPY/ADD depends on
//! after .dockerignore, and what `--changed PATH` re-runs. Text output is
//! snapshotted (snapshots/layers-*.snap); JSON is parsed and asserted.

mod common;

use std::fs;
use std::path::Path;

use common::{dlint as run, project, snap};
use serde_json::Value;

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

const NODE: &str = "\
FROM node:20-alpine
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000
USER node
CMD [\"node\", \"dist/server.js\"]
";

fn node_project() -> tempfile::TempDir {
    project(&[
        ("Dockerfile", NODE),
        (".dockerignore", "node_modules\n.git\n*.md\n"),
        ("package.json", "{\"name\":\"app\"}\n"),
        ("package-lock.json", "{}\n"),
        ("src/app.js", "console.log('app')\n"),
        ("src/util.js", "module.exports = {}\n"),
        ("README.md", "# app\n"),
        ("node_modules/left-pad/index.js", "module.exports = 1\n"),
        (".git/HEAD", "ref: refs/heads/main\n"),
    ])
}

const GO: &str = "\
# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd/ ./cmd/
COPY internal ./internal
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM build AS test
RUN go test ./...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
COPY configs/app.yaml /etc/app.yaml
USER nonroot
ENTRYPOINT [\"/app\"]
";

fn go_project() -> tempfile::TempDir {
    project(&[
        ("Dockerfile", GO),
        (".dockerignore", "docs\n"),
        ("go.mod", "module example.com/app\n"),
        ("go.sum", "\n"),
        ("cmd/app/main.go", "package main\n"),
        ("internal/db/db.go", "package db\n"),
        ("internal/db/db_test.go", "package db\n"),
        ("configs/app.yaml", "port: 8080\n"),
        ("docs/index.md", "# docs\n"),
    ])
}

#[test]
fn layers_node_changed_app_js() {
    let d = node_project();
    let out = ok(
        d.path(),
        &["layers", "Dockerfile", "--changed", "src/app.js"],
    );
    // The install stays cached: the change is copied after it.
    assert!(
        out.contains("the dependency install `npm ci --omit=dev` (line 4) stays cached"),
        "{out}"
    );
    snap!("layers-node-changed-app-js", out);
}

#[test]
fn layers_node_changed_package_json() {
    let d = node_project();
    let out = ok(
        d.path(),
        &["layers", "Dockerfile", "--changed", "package.json"],
    );
    assert!(
        out.contains("re-runs `npm ci --omit=dev` (line 4): the dependency install"),
        "{out}"
    );
    snap!("layers-node-changed-package-json", out);
}

#[test]
fn layers_go_multistage() {
    let d = go_project();
    let out = ok(d.path(), &["layers", "Dockerfile"]);
    snap!("layers-go-multistage", out);
}

#[test]
fn layers_go_changed_source() {
    let d = go_project();
    let out = ok(
        d.path(),
        &[
            "layers",
            "Dockerfile",
            "--changed",
            "internal/db/db.go",
            "--changed",
            "docs/index.md",
        ],
    );
    snap!("layers-go-changed-source", out);
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(&ok(dir, &a)).unwrap()
}

fn layer(v: &Value, stage: usize, line: u64) -> &Value {
    v["stages"][stage]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == line)
        .unwrap_or_else(|| panic!("no line {line} in stage {stage}"))
}

#[test]
fn layers_json_node() {
    let d = node_project();
    let v = json(
        d.path(),
        &["layers", "Dockerfile", "--changed", "package.json"],
    );
    assert_eq!(v["file"], "Dockerfile");
    assert_eq!(v["context"], ".");
    assert_eq!(v["dockerignore"], ".dockerignore");
    // Dockerfile, .dockerignore, package.json, package-lock.json, src/*.
    assert_eq!(v["context_files"], 6);
    let stages = v["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 1);
    let s = &stages[0];
    assert_eq!(s["index"], 0);
    assert_eq!(s["name"], Value::Null);
    assert_eq!(s["base"], "node:20-alpine");
    assert_eq!(s["base_kind"], "image");
    assert_eq!(s["layers_added"], 4);
    assert_eq!(s["invalidated_from"], 3);
    let layers = s["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 10);
    let kinds: Vec<(&str, bool, bool)> = layers
        .iter()
        .map(|l| {
            (
                l["keyword"].as_str().unwrap(),
                l["creates_layer"].as_bool().unwrap(),
                l["invalidated"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("FROM", true, false),
            ("WORKDIR", false, false),
            ("COPY", true, true),
            ("RUN", true, true),
            ("COPY", true, true),
            ("RUN", true, true),
            ("ENV", false, true),
            ("EXPOSE", false, true),
            ("USER", false, true),
            ("CMD", false, true),
        ]
    );
    let from = layer(&v, 0, 1);
    assert_eq!(from["role"], "base");
    assert_eq!(from["depends_on"][0]["kind"], "image");
    assert_eq!(from["depends_on"][0]["image"], "node:20-alpine");
    let manifests = layer(&v, 0, 3);
    assert_eq!(manifests["instruction"], "COPY package*.json ./");
    assert_eq!(manifests["role"], "layer");
    let dep = &manifests["depends_on"][0];
    assert_eq!(dep["kind"], "context");
    assert_eq!(dep["source"], "package*.json");
    assert_eq!(dep["whole_context"], false);
    assert_eq!(
        dep["files"],
        serde_json::json!(["package-lock.json", "package.json"])
    );
    let install = layer(&v, 0, 4);
    assert_eq!(install["installs"][0]["command"], "npm ci --omit=dev");
    assert_eq!(install["installs"][0]["ecosystem"], "npm");
    let all = &layer(&v, 0, 5)["depends_on"][0];
    assert_eq!(all["whole_context"], true);
    // node_modules, .git and README.md are left out by .dockerignore.
    assert_eq!(
        all["files"],
        serde_json::json!([
            ".dockerignore",
            "Dockerfile",
            "package-lock.json",
            "package.json",
            "src/app.js",
            "src/util.js"
        ])
    );
    let meta = layer(&v, 0, 7);
    assert_eq!(meta["role"], "metadata");
    assert_eq!(meta["depends_on"], serde_json::json!([]));

    let c = &v["changes"][0];
    assert_eq!(c["path"], "package.json");
    assert_eq!(c["exists"], true);
    assert_eq!(c["excluded"], false);
    assert_eq!(c["invalidated"][0]["stage"], 0);
    assert_eq!(c["invalidated"][0]["line"], 3);
    assert_eq!(c["invalidated"][0]["layers_rebuilt"], 4);
    assert_eq!(c["reruns_installs"][0]["line"], 4);
    assert_eq!(c["reruns_installs"][0]["command"], "npm ci --omit=dev");
    assert_eq!(c["cached_installs"], serde_json::json!([]));
}

#[test]
fn layers_json_go_stage_dependencies() {
    let d = go_project();
    let v = json(
        d.path(),
        &["layers", "Dockerfile", "--changed", "cmd/app/main.go"],
    );
    assert_eq!(v["globals"][0]["keyword"], "ARG");
    let names: Vec<&Value> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["name"])
        .collect();
    assert_eq!(names, [&Value::from("build"), &"test".into(), &Value::Null]);
    assert_eq!(v["stages"][0]["base"], "golang:1.22");
    assert_eq!(v["stages"][1]["base_kind"], "stage");
    assert_eq!(v["stages"][1]["base_stage"], 0);
    assert_eq!(
        v["stages"][2]["base"],
        "gcr.io/distroless/static-debian12:nonroot"
    );
    // COPY --from=build depends on the stage, not on the context.
    let copy_from = layer(&v, 2, 15);
    assert_eq!(
        copy_from["depends_on"],
        serde_json::json!([{"kind": "stage", "stage": 0, "name": "build"}])
    );
    // A directory source takes the files under it.
    assert_eq!(
        layer(&v, 0, 7)["depends_on"][0]["files"],
        serde_json::json!(["cmd/app/main.go"])
    );
    // cmd/app/main.go: stage 0 from line 7, the final stage from its COPY
    // --from. The test stage is not built for the default target (the last
    // stage does not read it), so nothing of it re-runs.
    assert_eq!(v["target"], "2");
    assert_eq!(v["stages"][1]["built"], false);
    assert_eq!(v["stages"][0]["built"], true);
    assert_eq!(v["stages"][0]["invalidated_from"], 7);
    assert_eq!(v["stages"][1]["invalidated_from"], Value::Null);
    assert_eq!(v["stages"][2]["invalidated_from"], 15);
    assert_eq!(layer(&v, 2, 14)["invalidated"], false);
    let inv = v["changes"][0]["invalidated"].as_array().unwrap();
    assert_eq!(inv.len(), 2);
    assert!(inv[1]["reason"]
        .as_str()
        .unwrap()
        .contains("stage 0 (build)"));
    assert_eq!(
        v["changes"][0]["cached_installs"][0]["command"],
        "go mod download"
    );
    // A single file.
    let single = &layer(&v, 2, 16)["depends_on"][0];
    assert_eq!(single["files"], serde_json::json!(["configs/app.yaml"]));
}

#[test]
fn layers_excluded_and_untouched_paths_keep_the_cache() {
    let d = node_project();
    let v = json(
        d.path(),
        &[
            "layers",
            "Dockerfile",
            "--changed",
            "README.md",
            "--changed",
            "node_modules/left-pad/index.js",
        ],
    );
    for c in v["changes"].as_array().unwrap() {
        assert_eq!(c["excluded"], true, "{c}");
        assert_eq!(c["invalidated"], serde_json::json!([]), "{c}");
    }
    assert_eq!(v["stages"][0]["invalidated_from"], Value::Null);
    let text = ok(
        d.path(),
        &["layers", "Dockerfile", "--changed", "README.md"],
    );
    assert!(
        text.contains("Changing README.md: excluded by .dockerignore, so no step depends on it and the cache holds."),
        "{text}"
    );
}

#[test]
fn layers_dockerignore_exceptions_mounts_urls_and_heredocs() {
    let d = project(&[
        (
            "Dockerfile",
            "FROM python:3.12-slim\n\
             ADD https://example.com/tool.tar.gz /opt/\n\
             COPY <<EOF /etc/app.conf\nkey=value\nEOF\n\
             RUN --mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt\n\
             COPY docs/ /docs/\n\
             COPY missing.txt /\n",
        ),
        // Per-Dockerfile ignore file wins over .dockerignore.
        ("Dockerfile.dockerignore", "docs\n!docs/README.md\n"),
        (".dockerignore", "*\n"),
        ("requirements.txt", "flask\n"),
        ("docs/README.md", "# r\n"),
        ("docs/internal.md", "# i\n"),
    ]);
    let v = json(
        d.path(),
        &["layers", "Dockerfile", "--changed", "requirements.txt"],
    );
    assert_eq!(v["dockerignore"], "Dockerfile.dockerignore");
    assert_eq!(layer(&v, 0, 2)["depends_on"][0]["kind"], "url");
    assert_eq!(layer(&v, 0, 3)["depends_on"][0]["kind"], "heredoc");
    let mount = &layer(&v, 0, 6)["depends_on"][0];
    assert_eq!(mount["kind"], "context");
    assert_eq!(mount["mount"], true);
    assert_eq!(mount["files"], serde_json::json!(["requirements.txt"]));
    // The exception brings docs/README.md back; docs/internal.md stays out.
    let docs = &layer(&v, 0, 7)["depends_on"][0];
    assert_eq!(docs["files"], serde_json::json!(["docs/README.md"]));
    assert_eq!(docs["excluded"], true);
    // A source the context does not have.
    let missing = &layer(&v, 0, 8)["depends_on"][0];
    assert_eq!(missing["files"], serde_json::json!([]));
    assert_eq!(missing["excluded"], false);
    // requirements.txt is read by the RUN's bind mount: the install re-runs.
    assert_eq!(v["stages"][0]["invalidated_from"], 6);
    assert_eq!(
        v["changes"][0]["reruns_installs"][0]["command"],
        "pip install -r /tmp/r.txt"
    );
}

#[test]
fn layers_context_option_and_paths_from_the_current_directory() {
    let d = project(&[
        ("docker/Dockerfile", "FROM alpine:3.20\nCOPY app/ /app/\n"),
        ("app/main.sh", "echo hi\n"),
    ]);
    // --changed relative to the current directory (the repo root), context
    // given with --context.
    let v = json(
        d.path(),
        &[
            "layers",
            "docker/Dockerfile",
            "--context",
            ".",
            "--changed",
            "app/main.sh",
        ],
    );
    assert_eq!(v["context"], ".");
    assert_eq!(v["stages"][0]["invalidated_from"], 2);
    // From inside docker/, the context is the parent and the path is given
    // relative to the current directory.
    let v = json(
        &d.path().join("docker"),
        &[
            "layers",
            "Dockerfile",
            "--context",
            "..",
            "--changed",
            "../app/main.sh",
        ],
    );
    assert_eq!(v["changes"][0]["path"], "app/main.sh");
    assert_eq!(v["changes"][0]["exists"], true);
    assert_eq!(v["stages"][0]["invalidated_from"], 2);
}

#[test]
fn layers_errors() {
    let d = project(&[("bad", "FROM a\n\u{0}")]);
    fs::write(d.path().join("latin1"), b"FROM a\nLABEL x=\xe9\n").unwrap();
    for (args, needle) in [
        (
            vec!["layers", "missing/Dockerfile"],
            "missing/Dockerfile: no such file",
        ),
        (vec!["layers", "latin1"], "latin1: not UTF-8"),
        (
            vec!["layers", "bad", "--format", "json"],
            "bad: binary file",
        ),
        (
            vec!["layers", "latin1", "--context", "nowhere"],
            "latin1: not UTF-8",
        ),
    ] {
        let out = run(d.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    fs::write(d.path().join("Dockerfile"), "FROM a\n").unwrap();
    let out = run(d.path(), &["layers", "Dockerfile", "--context", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere is not a directory"));
}
