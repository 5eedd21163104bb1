#!/usr/bin/env bash
# Editors and integrations in CI: the Dockerfile self-lint, SARIF against the
# SARIF 2.1.0 schema and GitHub's requirements, the release (actionlint on the
# workflows, the native Linux release binary built and packaged as the release
# workflow does), the Python wheel (built with maturin, installed and run
# without cargo), action.yml (schema and a simulated run, also installing the
# release binary from a local server), the VS Code extension (npm ci, tsc, vsce package, and the
# linux-x64 .vsix with the release binary) and the pre-commit hooks (try-repo:
# the python hooks with the wheel, seconds; the rust hooks, the slowest: builds
# dlint with cargo install, ~1.5 min warm, ~4 min cold).
# The release binary and the wheel use the `dist` profile in target/: one build
# of the host target shared with .ci/run's corpus checks (DLINT_CI_MUSL=1
# builds the static musl release binary instead, a second whole build).
# The Neovim configs are tested by cargo test (tests/lsp_e2e.rs).
# Needs: Rust, Python 3, Node >= 20, git; the npm registry, PyPI and crates.io.
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci), DLINT_SKIP_PRECOMMIT=1,
# DLINT_CI_MUSL=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
start=$SECONDS
step() { echo; echo "=== $1 ($((SECONDS - start)) s)"; }

cargo build --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/debug/dlint"

step "Dockerfile self-lint"
out=$("$bin" --color never Dockerfile) || { echo "$out"; echo "self-lint: dlint reports findings on its own Dockerfile" >&2; exit 1; }
echo "$out"

step "SARIF"
bash tests/integrations/sarif.sh "$bin"

cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
step "Release workflow: actionlint, notes, the native Linux release binary"
bash tests/integrations/release.sh "$cache/dist"
archive=$(ls "$cache"/dist/dlint-*-linux-*.tar.gz)

step "Python wheel"
bash tests/integrations/wheel.sh "$cache/wheels"

step "GitHub Action"
bash tests/integrations/action.sh "$bin"

step "VS Code extension"
bash tests/editors/vscode.sh "$archive"

if [ "${DLINT_SKIP_PRECOMMIT:-}" = 1 ]; then
  step "pre-commit: skipped (DLINT_SKIP_PRECOMMIT=1)"
else
  step "pre-commit"
  bash tests/integrations/pre_commit.sh "$cache/wheels"
fi

echo
echo "integrations: all passed in $((SECONDS - start)) s"
