#!/usr/bin/env bash
# The pre-commit hooks (.pre-commit-hooks.yaml) with the real pre-commit from
# PyPI: `pre-commit try-repo <clone of HEAD> dlint --all-files` must fail
# with dlint's findings for a bad Dockerfile (and none for a clean one), and
# `... dlint-fix --all-files` must fix the bad file (ADD -> COPY).
#
# `language: rust` makes pre-commit `cargo install --path .` the hook repo
# (against crates.io; without --locked, so cargo resolves the newest
# compatible dependencies, as it will for users). try-repo uses a throw-away
# store, so every try-repo builds; CARGO_TARGET_DIR points at a cache so only
# the dlint crate itself is rebuilt after the first run (~40 s, ~3.5 min cold).
#
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci): the venv and cargo target
# cache. Only committed files are tested (a clone of HEAD).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
venv="$cache/precommit-venv"
pc_version="4.7.0"
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

# The hook repository: a clone of HEAD (what users get).
git clone --quiet --no-hardlinks "$root" "$tmp/dlint"
git -C "$tmp/dlint" log -1 --format='hook repo: %h %s'
test -f "$tmp/dlint/.pre-commit-hooks.yaml" || { echo "pre-commit: .pre-commit-hooks.yaml is not committed" >&2; exit 1; }

# A sample project: a bad Dockerfile and a clean one (with its .dockerignore).
proj="$tmp/project"
mkdir -p "$proj/web" "$proj/api"
cd "$proj"
git init --quiet
printf 'FROM node:20-bookworm-slim\nWORKDIR /app\nADD server.js /app/\nUSER node\nCMD ["node", "/app/server.js"]\n' > web/Dockerfile
printf '.git\nnode_modules\n.env\n' > web/.dockerignore
echo 'console.log("hi")' > web/server.js
printf 'FROM alpine:3.20\nCOPY run.sh /usr/local/bin/run.sh\nUSER nobody\nCMD ["/usr/local/bin/run.sh"]\n' > api/Containerfile
printf '.git\n' > api/.dockerignore
printf '#!/bin/sh\necho ok\n' > api/run.sh
echo "not a Dockerfile" > README.md
git add -A
git commit --quiet -m sample

run() { # name, expected rc, args...
  local name="$1" want="$2"; shift 2
  local t0=$SECONDS rc=0
  "$venv/bin/pre-commit" try-repo "$tmp/dlint" "$@" --all-files --color never >"$tmp/$name.out" 2>&1 || rc=$?
  echo "-- $name: rc=$rc in $((SECONDS - t0)) s"
  sed -n '/^====/,$p' "$tmp/$name.out" | grep -v '^Using config\|^====\|^repos:\|^-   repo\|^    rev\|^    hooks\|^    -   id' || true
  if [ "$rc" != "$want" ]; then
    echo "pre-commit: $name: expected exit $want, got $rc" >&2
    cat "$tmp/$name.out" >&2
    exit 1
  fi
}

echo "== pre-commit try-repo dlint --all-files (expect findings)"
run lint 1 dlint
grep -q 'web/Dockerfile:3:1' "$tmp/lint.out" || { echo "pre-commit: no finding for web/Dockerfile line 3" >&2; exit 1; }
grep -q 'add-instead-of-copy' "$tmp/lint.out" || { echo "pre-commit: add-instead-of-copy not reported" >&2; exit 1; }
if grep -q 'api/Containerfile:' "$tmp/lint.out"; then echo "pre-commit: the clean Containerfile has findings" >&2; exit 1; fi
if grep -q 'README' "$tmp/lint.out"; then echo "pre-commit: README.md was passed to dlint" >&2; exit 1; fi

echo "== pre-commit try-repo dlint-fix --all-files (expect the file fixed)"
run fix 1 dlint-fix
grep -q 'files were modified by this hook' "$tmp/fix.out" || { echo "pre-commit: dlint-fix modified nothing" >&2; exit 1; }
grep -q '^COPY server.js /app/$' web/Dockerfile || { echo "pre-commit: ADD was not fixed:" >&2; cat web/Dockerfile >&2; exit 1; }
if grep -q '^ADD' web/Dockerfile; then echo "pre-commit: ADD left in web/Dockerfile" >&2; exit 1; fi
grep -q 'No problems found in 2 files' "$tmp/fix.out" || { echo "pre-commit: findings left after dlint-fix" >&2; exit 1; }
git diff --stat
git diff --quiet -- api/ || { echo "pre-commit: dlint-fix changed the clean Containerfile" >&2; exit 1; }
echo "pre-commit: OK"
