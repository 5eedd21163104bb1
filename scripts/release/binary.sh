#!/usr/bin/env bash
# Builds the release binary of dlint for a target triple with the `dist` profile (Cargo.toml: fat
# LTO, one codegen unit, stripped) and packages it with a SHA-256 file (package.sh):
# OUT/dlint-TARGET.tar.gz (or .zip) and OUT/dlint-TARGET.<ext>.sha256.
#
# .github/workflows/release.yml runs it on every platform; CI runs it for the native Linux target
# (tests/integrations/release.sh). For the host's own triple cargo builds without `--target`, into
# target/dist/, the directory maturin and .ci/run use too, so that build is shared. A Linux musl
# build must be static (no NEEDED entry).
# Usage: scripts/release/binary.sh TARGET [OUT]   (OUT default: dist)
set -euo pipefail
target="${1:?usage: binary.sh TARGET [OUT]}"
out="${2:-dist}"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
host="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${CARGO_TARGET_DIR:-target}"
exe=""
case "$target" in *windows*) exe=".exe" ;; esac

if [ "$target" = "$host" ]; then
  cargo build --profile dist --locked --bin dlint
  bin="$target_dir/dist/dlint$exe"
else
  cargo build --profile dist --locked --bin dlint --target "$target"
  bin="$target_dir/$target/dist/dlint$exe"
fi
test -f "$bin" || { echo "binary.sh: $bin was not built" >&2; exit 1; }
case "$target" in
  *-linux-musl*)
    if readelf -d "$bin" 2>/dev/null | grep -q '(NEEDED)'; then
      echo "binary.sh: $bin is not static:" >&2; readelf -d "$bin" | grep NEEDED >&2; exit 1
    fi ;;
esac
# Run it where it can run: the host's triple, or a static Linux build for the host's CPU.
case "$target" in
  "$host"|"$(uname -m)-unknown-linux-musl") "$bin" --version ;;
esac
echo "binary.sh: $bin: $(wc -c < "$bin" | tr -d ' ') bytes"
bash "$here/package.sh" "$bin" "$target" "$out"
