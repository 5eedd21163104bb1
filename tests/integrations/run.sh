#!/usr/bin/env bash
# Editors and integrations in CI: the Dockerfile self-lint, SARIF against the
# SARIF 2.1.0 schema and GitHub's requirements, action.yml (schema and a
# simulated run), the VS Code extension (npm ci, tsc, vsce package) and the
# pre-commit hooks (try-repo; the slowest: builds dlint with cargo install,
# ~1.5 min warm, ~4 min cold). The Neovim configs are tested by cargo test
# (tests/lsp_e2e.rs).
# Needs: Rust, Python 3, Node >= 20, git; the npm registry, PyPI and crates.io.
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci), DLINT_SKIP_PRECOMMIT=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
start=$SECONDS
step() { echo; echo "=== $1 ($((SECONDS - start)) s)"; }

cargo build --quiet
bin="$root/target/debug/dlint"

step "Dockerfile self-lint"
out=$("$bin" --color never Dockerfile) || { echo "$out"; echo "self-lint: dlint reports findings on its own Dockerfile" >&2; exit 1; }
echo "$out"

step "SARIF"
bash tests/integrations/sarif.sh "$bin"

step "GitHub Action"
bash tests/integrations/action.sh "$bin"

step "VS Code extension"
bash tests/editors/vscode.sh

if [ "${DLINT_SKIP_PRECOMMIT:-}" = 1 ]; then
  step "pre-commit: skipped (DLINT_SKIP_PRECOMMIT=1)"
else
  step "pre-commit"
  bash tests/integrations/pre_commit.sh
fi

echo
echo "integrations: all passed in $((SECONDS - start)) s"
