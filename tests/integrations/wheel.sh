#!/usr/bin/env bash
# The Python wheel (pyproject.toml, maturin `bindings = "bin"`):
# - maturin from PyPI (the version release.yml pins) builds it with the
#   release workflow's command, `maturin build --locked --out DIR` (profile
#   `dist` from pyproject.toml), in cargo's own target dir (maturin honours
#   CARGO_TARGET_DIR), so the dist build is shared with .ci/run's corpus checks
#   and with scripts/release/binary.sh;
# - the wheel holds the `dlint` executable as a script and metadata naming
#   dlint-cli at the crate's version;
# - pip installs it into a fresh venv, run with a PATH that has no cargo, rustc
#   or rustup, and `dlint --version` and a lint of docs/examples/Dockerfile run
#   from the venv. Sizes and times are printed.
# Usage: tests/integrations/wheel.sh [OUT_DIR]
#   OUT_DIR: where the wheel is written (default: $DLINT_CI_CACHE/wheels, emptied first).
# Needs: Rust, Python 3 (venv), PyPI. Env: DLINT_CI_CACHE (default ~/.cache/dlint-ci).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${DLINT_CI_CACHE:-$HOME/.cache/dlint-ci}"
maturin_version="1.16.0"   # keep in step with .github/workflows/release.yml
venv="$cache/maturin-venv"
out="${1:-$cache/wheels}"
mkdir -p "$cache"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if ! "$venv/bin/maturin" --version 2>/dev/null | grep -qx "maturin $maturin_version"; then
  echo "== wheel: maturin $maturin_version venv ($venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi
"$venv/bin/maturin" --version

echo "== wheel: maturin build --locked --out $out (profile dist)"
rm -rf "$out"
mkdir -p "$out"
t0=$(now)
(cd "$root" && "$venv/bin/maturin" build --locked --out "$out" --color never 2>&1 | grep -v '^ *Compiling ' || true)
t1=$(now)
shopt -s nullglob
wheels=("$out"/*.whl)
shopt -u nullglob
if [ "${#wheels[@]}" != 1 ]; then echo "wheel: expected one wheel in $out, found ${#wheels[@]}" >&2; exit 1; fi
whl="${wheels[0]}"
echo "wheel: built $(basename "$whl") in $(secs "$t0" "$t1") s: $(du -k "$whl" | cut -f1) KiB ($(stat -c %s "$whl") bytes)"

version=$(cd "$root" && cargo metadata --no-deps --locked --format-version 1 \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
python3 - "$whl" "$version" "${CARGO_TARGET_DIR:-$root/target}/dist/dlint" <<'PY'
import hashlib, os, sys, zipfile
whl, version, built = sys.argv[1:]
z = zipfile.ZipFile(whl)
names = z.namelist()
data = f"dlint_cli-{version}.data/scripts/dlint"
if data not in names:
    sys.exit(f"wheel: no {data} in {names}")
meta = z.read(f"dlint_cli-{version}.dist-info/METADATA").decode()
fields = dict(l.split(": ", 1) for l in meta.splitlines() if ": " in l and not l.startswith(" "))
if fields.get("Name") != "dlint-cli" or fields.get("Version") != version:
    sys.exit(f"wheel: metadata names {fields.get('Name')} {fields.get('Version')}")
if fields.get("Requires-Dist"):
    sys.exit("wheel: the wheel has dependencies")
code = [n for n in names if n.endswith(".py") or n.endswith(".so")]
if code:
    sys.exit(f"wheel: unexpected code in the wheel: {code}")
info = z.getinfo(data)
if not (info.external_attr >> 16) & 0o111:
    sys.exit("wheel: the dlint script is not executable")
exe = z.read(data)
same = os.path.exists(built) and hashlib.sha256(open(built, "rb").read()).digest() == hashlib.sha256(exe).digest()
print(f"wheel: {len(names)} entries; the dlint executable: {len(exe)} bytes"
      f" ({'identical to' if same else 'differs from'} target/dist/dlint)")
PY

echo "== wheel: pip install into a fresh venv, no cargo on PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
bare="$tmp/venv/bin:/usr/bin:/bin"
for tool in cargo rustc rustup; do
  if PATH="$bare" command -v "$tool" >/dev/null; then echo "wheel: $tool is on the bare PATH" >&2; exit 1; fi
done
t0=$(now)
env -i HOME="$tmp" PATH="$bare" "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-index "$whl"
t1=$(now)
echo "wheel: pip install took $(secs "$t0" "$t1") s (local wheel, --no-index)"
run() { env -i HOME="$tmp" PATH="$bare" NO_COLOR=1 "$@"; }
test "$(run sh -c 'command -v dlint')" = "$tmp/venv/bin/dlint" || { echo "wheel: dlint is not the venv's" >&2; exit 1; }
got=$(run dlint --version)
echo "$got"
case "$got" in "dlint $version"|"dlint $version ("*")") ;; *) echo "wheel: unexpected --version: $got" >&2; exit 1 ;; esac
rc=0
(cd "$root" && run dlint --color never docs/examples/Dockerfile) > "$tmp/lint.out" 2>&1 || rc=$?
tail -n 1 "$tmp/lint.out"
if [ "$rc" != 1 ]; then cat "$tmp/lint.out" >&2; echo "wheel: lint of docs/examples/Dockerfile exited $rc, expected 1" >&2; exit 1; fi
grep -q 'D401/root-user' "$tmp/lint.out" || { echo "wheel: root-user not reported" >&2; exit 1; }
run dlint rules --format json > "$tmp/rules.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r) >= 19, len(r)' "$tmp/rules.json"
echo "wheel: OK ($whl)"
