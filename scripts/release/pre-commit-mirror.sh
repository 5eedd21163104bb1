#!/usr/bin/env bash
# Writes the pre-commit hook repository for a release (pre-commit/ with @VERSION@ replaced) into
# DIR and commits and tags it `vVERSION`. DIR may be a clone of dlint-dev/dlint-pre-commit (the
# release workflow pushes the new commit and tag from it) or a new directory (CI's try-repo test).
# Usage: scripts/release/pre-commit-mirror.sh VERSION DIR
set -euo pipefail
version="${1:?usage: pre-commit-mirror.sh VERSION DIR}"
dir="${2:?usage: pre-commit-mirror.sh VERSION DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "$version" in v*) echo "pre-commit-mirror.sh: VERSION without the v" >&2; exit 2 ;; esac
mkdir -p "$dir"
if [ ! -e "$dir/.git" ]; then git -C "$dir" init --quiet -b main; fi
for f in pyproject.toml .pre-commit-hooks.yaml README.md; do
  sed "s/@VERSION@/$version/g" "$root/pre-commit/$f" > "$dir/$f"
done
cp "$root/LICENSE" "$dir/LICENSE"
cp "$root/pre-commit/dlint_pre_commit.py" "$dir/"
git -C "$dir" add pyproject.toml .pre-commit-hooks.yaml README.md LICENSE dlint_pre_commit.py
if git -C "$dir" diff --cached --quiet 2>/dev/null && git -C "$dir" rev-parse -q --verify HEAD >/dev/null; then
  echo "pre-commit-mirror.sh: nothing changed"
else
  git -C "$dir" commit --quiet -m "dlint v$version"
fi
git -C "$dir" tag -f "v$version" >/dev/null
git -C "$dir" log -1 --format="pre-commit-mirror.sh: %h %s (tag v$version)"
