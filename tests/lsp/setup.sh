#!/usr/bin/env bash
# Installs the two real LSP clients the end-to-end tests (tests/lsp_e2e.rs)
# drive: pytest-lsp in a venv, and Neovim (Debian's package, 0.7.2 here).
# Idempotent and quick when both are already there.
#
#   DLINT_LSP_VENV   the venv (default: ~/.cache/dlint-lsp-venv); the tests
#                    read the same variable.
set -euo pipefail
cd "$(dirname "$0")"

venv=${DLINT_LSP_VENV:-$HOME/.cache/dlint-lsp-venv}
if ! "$venv/bin/python" -c 'import pytest_lsp' 2>/dev/null; then
  echo "setup: installing pytest-lsp into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
fi

if ! command -v nvim >/dev/null 2>&1; then
  echo "setup: installing neovim"
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq neovim >/dev/null
fi

echo "setup: $("$venv/bin/python" -c 'import importlib.metadata as m; print("pytest-lsp", m.version("pytest-lsp"), "pygls", m.version("pygls"))'); $(nvim --version | head -n1)"
