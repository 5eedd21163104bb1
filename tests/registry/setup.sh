#!/usr/bin/env bash
# Installs what tests/pin.rs needs: Debian's `docker-registry` (the CNCF
# Distribution registry), which the test starts itself on 127.0.0.1.
# Idempotent: does nothing when the command is already there.
set -euo pipefail

if command -v docker-registry >/dev/null 2>&1; then
  echo "docker-registry: already installed ($(command -v docker-registry))"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  # -n: never prompt for a password (this runs from tests too).
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "docker-registry: not installed, and not root (no password-less sudo): cannot install" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# --no-install-recommends: only the binary is needed; tests/pin.rs starts
# its own instance with its own config.
$sudo apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
if command -v docker-registry >/dev/null 2>&1; then
  echo "docker-registry: installed ($(command -v docker-registry))"
else
  echo "docker-registry: apt-get install finished but the command is missing" >&2
  exit 1
fi
