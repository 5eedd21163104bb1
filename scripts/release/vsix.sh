#!/usr/bin/env bash
# Packages the VS Code extension (editors/vscode) for one VS Code platform with that platform's
# dlint binary in bundled/ (the extension runs it unless `dlint.path` is set), or, for `universal`,
# without a binary (the extension then runs `dlint` from PATH):
#
#   OUT/dlint-VSCODE_TARGET-VERSION.vsix
#
# VSCODE_TARGET: linux-x64, linux-arm64, alpine-x64, alpine-arm64, darwin-x64, darwin-arm64,
# win32-x64, ... or universal. ARCHIVE: a release archive from binary.sh / package.sh (empty for
# universal). The release workflow runs it per platform; tests/editors/vscode.sh runs it for
# linux-x64 with the binary CI built.
# Usage: scripts/release/vsix.sh VSCODE_TARGET ARCHIVE OUT
set -euo pipefail
vtarget="${1:?usage: vsix.sh VSCODE_TARGET ARCHIVE OUT}"
archive="${2-}"
out="${3:?usage: vsix.sh VSCODE_TARGET ARCHIVE OUT}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
ext="$root/editors/vscode"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -n "$archive" ]; then archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"; fi
cd "$ext"
rm -rf bundled
trap 'rm -rf "$ext/bundled"' EXIT
if [ "$vtarget" != universal ]; then
  test -f "$archive" || { echo "vsix.sh: $vtarget needs a release archive" >&2; exit 2; }
  mkdir bundled
  tmp="$(mktemp -d)"
  case "$archive" in
    *.zip) (cd "$tmp" && unzip -q "$archive") ;;
    *.tar.gz) tar -xzf "$archive" -C "$tmp" ;;
    *) echo "vsix.sh: unknown archive $archive" >&2; exit 2 ;;
  esac
  exe="dlint"
  case "$vtarget" in win32-*) exe="dlint.exe" ;; esac
  found=$(find "$tmp" -type f -name "$exe" | head -n 1)
  test -n "$found" || { echo "vsix.sh: no $exe in $archive" >&2; exit 1; }
  cp "$found" "bundled/$exe"
  chmod 755 "bundled/$exe"
  rm -rf "$tmp"
elif [ -n "$archive" ]; then
  echo "vsix.sh: universal takes no archive" >&2; exit 2
fi
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; fi
version=$(node -p 'require("./package.json").version')
vsix="$out/dlint-$vtarget-$version.vsix"
rm -f "$vsix"
if [ "$vtarget" = universal ]; then
  npx --no-install @vscode/vsce package --no-dependencies -o "$vsix" </dev/null
else
  npx --no-install @vscode/vsce package --no-dependencies --target "$vtarget" -o "$vsix" </dev/null
fi
echo "vsix.sh: $vsix ($(wc -c < "$vsix" | tr -d ' ') bytes)"
