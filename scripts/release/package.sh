#!/usr/bin/env bash
# Packages a built dlint executable for a target triple, with a SHA-256 file:
#
#   OUT/dlint-TARGET.tar.gz          dlint-TARGET/{dlint,LICENSE,README.md,CHANGELOG.md}
#   OUT/dlint-TARGET.zip             the same for Windows targets (dlint.exe)
#   OUT/dlint-TARGET.<ext>.sha256    "<hex>  dlint-TARGET.<ext>" (sha256sum -c / shasum -a 256 -c)
#
# The layout action.yml and the VS Code packaging (vsix.sh) unpack. Called by binary.sh, and by
# tests/integrations/action_sim.py to serve a release to the simulated action.
# Usage: scripts/release/package.sh EXECUTABLE TARGET OUT
set -euo pipefail
bin="${1:?usage: package.sh EXECUTABLE TARGET OUT}"
target="${2:?usage: package.sh EXECUTABLE TARGET OUT}"
out="${3:?usage: package.sh EXECUTABLE TARGET OUT}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe=""
case "$target" in *windows*) exe=".exe" ;; esac
name="dlint-$target"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" "$stage/$name/dlint$exe"
chmod 755 "$stage/$name/dlint$exe"
cp "$root/LICENSE" "$root/README.md" "$root/CHANGELOG.md" "$stage/$name/"
if [ -n "$exe" ]; then
  archive="$name.zip"
  rm -f "$out/$archive"
  if command -v 7z >/dev/null; then
    (cd "$stage" && 7z a -tzip -bd "$out/$archive" "$name" >/dev/null)
  else
    (cd "$stage" && zip -qr "$out/$archive" "$name")
  fi
else
  archive="$name.tar.gz"
  (cd "$stage" && tar -czf "$out/$archive" "$name")
fi
if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
(cd "$out" && "${sum[@]}" "$archive" | sed 's/ [ *]/  /' > "$archive.sha256")
echo "package.sh: $out/$archive ($(wc -c < "$out/$archive" | tr -d ' ') bytes)"
