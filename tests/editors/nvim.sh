#!/usr/bin/env bash
# editors/nvim/lua/dlint_legacy.lua on a real headless Neovim (0.7+) against
# `dlint server`: the client starts with the right cmd, attaches to a
# dockerfile buffer and receives diagnostics. Skipped when nvim is missing.
# Usage: tests/editors/nvim.sh [path/to/dlint]   (default: target/debug/dlint, built)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v nvim >/dev/null; then
  echo "nvim: not installed (apt-get install -y neovim): skipped"
  exit 0
fi
bin="${1:-}"
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --quiet)
  bin="$root/target/debug/dlint"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/proj/.git" "$tmp/proj/svc"
printf 'FROM node\nADD app.js /app/\nCMD ["node", "/app/app.js"]\n' > "$tmp/proj/svc/Dockerfile"
echo 'console.log(1)' > "$tmp/proj/svc/app.js"
cd "$tmp/proj/svc"
echo "== nvim $(nvim --version | head -1): dlint_legacy.lua"
set +e
DLINT_REPO="$root" DLINT_BIN="$bin" timeout 60 nvim --headless -u NONE \
  -c "luafile $root/tests/editors/nvim_legacy_test.lua" >"$tmp/out" 2>&1
rc=$?
set -e
cat "$tmp/out"; echo
grep -q '^RESULT ok' "$tmp/out" && [ $rc -eq 0 ] || { echo "nvim: FAILED (rc=$rc)" >&2; exit 1; }
echo "nvim: OK"
