#!/usr/bin/env bash
# The SHA-256 of the sources a dlint binary is built from (Cargo.toml, Cargo.lock, build.rs, src/,
# rules/): a hash of each file's hash, in byte order of the paths. The release workflow publishes it
# as the release asset `dlint-source.sha256`; action.yml computes it over its own checkout and
# installs the release binary only when the two are equal (the binary was built from exactly the
# action's source), and uses it in its cache key. Runs with GNU or BSD tools (Linux, macOS, Git Bash).
# Usage: scripts/release/source-hash.sh [DIR]   (default: the repository)
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
# `sed`: Git Bash's sha256sum may mark binary mode with `*`; the hash must not depend on it.
find Cargo.toml Cargo.lock build.rs src rules -type f -print0 | LC_ALL=C sort -z \
  | xargs -0 "${sum[@]}" | sed 's/ [ *]/  /' | "${sum[@]}" | cut -c1-64
