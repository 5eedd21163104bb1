#!/usr/bin/env bash
# The pre-commit hooks with the real pre-commit from PyPI, on a sample project:
# `pre-commit try-repo <hook repo> dlint --all-files` must fail with dlint's
# findings for a bad Dockerfile (and none for a clean one), and
# `... dlint-fix --all-files` must fix the bad file (ADD -> COPY). Two hook
# repositories:
#
# 1. The `language: python` hooks of the dlint-pre-commit repository, written
#    by scripts/release/pre-commit-mirror.sh as the release workflow publishes
#    it: pre-commit `pip install`s it, which installs the dlint-cli wheel.
#    With a wheel directory (the first argument; tests/integrations/wheel.sh
#    writes one) pip is pointed at it alone (PIP_NO_INDEX, PIP_FIND_LINKS,
#    plus the flit-core wheel the shim package builds with), as if the wheel
#    were published, and pre-commit runs with no cargo on PATH. The time of the
#    first run (hook environment created and installed) is printed. (The
#    python hooks cannot live in this repository's .pre-commit-hooks.yaml:
#    pre-commit runs `pip install .` in the hook repository, and this one's
#    pyproject.toml builds dlint from source with maturin and cargo.)
# 2. This repository's `language: rust` hooks (.pre-commit-hooks.yaml), on a
#    clone of HEAD.
#
# `language: rust` makes pre-commit `cargo install --path .` the hook repo
# (against crates.io; without --locked, so cargo resolves the newest
# compatible dependencies, as it will for users). try-repo uses a throw-away
# store, so every try-repo builds; CARGO_TARGET_DIR points at a cache so only
# the dlint crate itself is rebuilt after the first run (~40 s, ~3.5 min cold).
#
# Usage: tests/integrations/pre_commit.sh [WHEEL_DIR]
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci): the venv and cargo target
# cache. Only committed files are tested (a clone of HEAD).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
venv="$cache/precommit-venv"
pc_version="4.7.0"
flit_core_version="4.2.0"
wheels="${1:-}"
if [ -n "$wheels" ]; then wheels="$(cd "$wheels" && pwd)"; fi
mkdir -p "$cache"

echo "== pre-commit: venv ($venv)"
if ! "$venv/bin/pre-commit" --version 2>/dev/null | grep -q "pre-commit $pc_version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$pc_version"
fi
"$venv/bin/pre-commit" --version

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== pre-commit validate-manifest, validate-config (docs/ci.md examples)"
"$venv/bin/pre-commit" validate-manifest "$root/.pre-commit-hooks.yaml"
"$venv/bin/python" - "$root/docs/ci.md" "$tmp" <<'PY'
import re, sys
blocks = [b for b in re.findall(r"```yaml\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), re.S) if b.startswith("repos:")]
if len(blocks) < 2:
    sys.exit("docs/ci.md: expected 2 pre-commit configs")
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}/pc-config-{i}.yaml", "w").write(b)
PY
"$venv/bin/pre-commit" validate-config "$tmp"/pc-config-*.yaml
export PRE_COMMIT_HOME="$cache/pre-commit-home"
export CARGO_TARGET_DIR="$cache/pre-commit-target"
export CARGO_TERM_COLOR=never
export GIT_AUTHOR_NAME=dlint-ci GIT_AUTHOR_EMAIL=ci@dlint.invalid
export GIT_COMMITTER_NAME=dlint-ci GIT_COMMITTER_EMAIL=ci@dlint.invalid

# A sample project: a bad Dockerfile and a clean one (with its .dockerignore).
proj="$tmp/project"
mkdir -p "$proj/web" "$proj/api"
cd "$proj"
git init --quiet
printf 'FROM node:20-bookworm-slim\nWORKDIR /app\nADD server.js /app/\nUSER 1000:1000\nCMD ["node", "/app/server.js"]\n' > web/Dockerfile
printf '.git\nnode_modules\n.env\n' > web/.dockerignore
echo 'console.log("hi")' > web/server.js
printf 'FROM alpine:3.20\nCOPY run.sh /usr/local/bin/run.sh\nUSER 65534:65534\nCMD ["/usr/local/bin/run.sh"]\n' > api/Containerfile
printf '.git\n' > api/.dockerignore
printf '#!/bin/sh\necho ok\n' > api/run.sh
echo "not a Dockerfile" > README.md
git add -A
git commit --quiet -m sample

run() { # hook repo, name, expected rc, args...
  local repo="$1" name="$2" want="$3"; shift 3
  local t0=$SECONDS rc=0
  "$venv/bin/pre-commit" try-repo "$repo" "$@" --all-files --color never >"$tmp/$name.out" 2>&1 || rc=$?
  echo "-- $name: rc=$rc in $((SECONDS - t0)) s"
  sed -n '/^====/,$p' "$tmp/$name.out" | grep -v '^Using config\|^====\|^repos:\|^-   repo\|^    rev\|^    hooks\|^    -   id' || true
  if [ "$rc" != "$want" ]; then
    echo "pre-commit: $name: expected exit $want, got $rc" >&2
    cat "$tmp/$name.out" >&2
    exit 1
  fi
}

hooks() { # hook repo, label
  # One try-repo runs both hooks, in .pre-commit-hooks.yaml's order (one hook environment, so
  # one build for the rust hooks): `dlint` reports the ADD, then `dlint-fix` fixes it.
  local repo="$1" label="$2"
  git checkout --quiet -- .
  echo "== pre-commit ($label): try-repo (dlint, then dlint-fix) --all-files (expect findings, then the file fixed)"
  run "$repo" "$label" 1
  local out="$tmp/$label.out" lint="$tmp/$label-lint.out" fix="$tmp/$label-fix.out"
  # Each hook's part of the output: from its status line to the next hook's.
  awk '/^dlint \(fix\)\.\.\./{exit} /^dlint\.\.\./{on=1} on' "$out" >"$lint"
  awk '/^dlint \(fix\)\.\.\./{on=1} on' "$out" >"$fix"
  grep -q '^dlint\.\.\..*Failed' "$lint" || { echo "pre-commit: the dlint hook did not fail" >&2; exit 1; }
  grep -q 'web/Dockerfile:3:1' "$lint" || { echo "pre-commit: no finding for web/Dockerfile line 3" >&2; exit 1; }
  grep -q 'add-instead-of-copy' "$lint" || { echo "pre-commit: add-instead-of-copy not reported" >&2; exit 1; }
  if grep -q 'api/Containerfile:' "$lint"; then echo "pre-commit: the clean Containerfile has findings" >&2; exit 1; fi
  if grep -q 'README' "$out"; then echo "pre-commit: README.md was passed to dlint" >&2; exit 1; fi

  grep -q 'files were modified by this hook' "$fix" || { echo "pre-commit: dlint-fix modified nothing" >&2; exit 1; }
  grep -q '^COPY server.js /app/$' web/Dockerfile || { echo "pre-commit: ADD was not fixed:" >&2; cat web/Dockerfile >&2; exit 1; }
  if grep -q '^ADD' web/Dockerfile; then echo "pre-commit: ADD left in web/Dockerfile" >&2; exit 1; fi
  grep -q 'No problems found in 2 files' "$fix" || { echo "pre-commit: findings left after dlint-fix" >&2; exit 1; }
  git diff --stat
  git diff --quiet -- api/ || { echo "pre-commit: dlint-fix changed the clean Containerfile" >&2; exit 1; }
}

if [ -n "$wheels" ]; then
  # 1. The python hooks: the hook repository as released, the wheel as if published.
  version=$(cd "$root" && cargo metadata --no-deps --locked --format-version 1 \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
  ls "$wheels"/dlint_cli-"$version"-*.whl >/dev/null || { echo "pre-commit: no dlint_cli-$version wheel in $wheels" >&2; exit 1; }
  links="$tmp/links"
  mkdir -p "$links"
  cp "$wheels"/dlint_cli-"$version"-*.whl "$links/"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$links" "flit-core==$flit_core_version"
  bash "$root/scripts/release/pre-commit-mirror.sh" "$version" "$tmp/dlint-pre-commit"
  "$venv/bin/pre-commit" validate-manifest "$tmp/dlint-pre-commit/.pre-commit-hooks.yaml"
  bare="$venv/bin:/usr/local/bin:/usr/bin:/bin"
  for tool in cargo rustc rustup; do
    if PATH="$bare" command -v "$tool" >/dev/null; then echo "pre-commit: $tool is on the bare PATH $bare" >&2; exit 1; fi
  done
  (
    export PATH="$bare" PIP_NO_INDEX=1 PIP_FIND_LINKS="$links" PIP_DISABLE_PIP_VERSION_CHECK=1
    # try-repo uses a throw-away store: each run below creates the hook environment (a first run).
    # The only dlint pip can install there is the wheel in $links.
    hooks "$tmp/dlint-pre-commit" python
  )
elif [ "${CI:-}" = true ]; then
  echo "pre-commit: CI=true but no wheel directory given: the python hooks would go untested" >&2
  exit 1
else
  echo "== pre-commit: python hooks not tested (no wheel directory given)"
fi

# 2. The rust hooks of this repository: a clone of HEAD (what users get).
git clone --quiet --no-hardlinks "$root" "$tmp/dlint"
git -C "$tmp/dlint" log -1 --format='hook repo: %h %s'
test -f "$tmp/dlint/.pre-commit-hooks.yaml" || { echo "pre-commit: .pre-commit-hooks.yaml is not committed" >&2; exit 1; }
hooks "$tmp/dlint" rust
echo "pre-commit: OK"
