"""Checks a release tag against the repository and prints its release notes.

Usage: python3 scripts/release/notes.py TAG   (for example v0.1.0)

Fails (exit 1, one line saying why) unless TAG is `v` + the version in Cargo.toml, pyproject.toml
takes its version from Cargo.toml, editors/vscode/package.json has the same version, and
CHANGELOG.md has a non-empty `## [VERSION]` section; prints that section's body (the GitHub release
notes). The release workflow runs it first; tests/integrations/release.sh runs it in CI.
"""

import json
import os
import re
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def fail(msg):
    print(f"notes.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def cargo_version():
    text = read("Cargo.toml")
    if tomllib:
        return tomllib.loads(text)["package"]["version"]
    m = re.search(r'^\[package\]$.*?^version\s*=\s*"([^"]+)"', text, re.S | re.M)
    if not m:
        fail("no version in Cargo.toml")
    return m.group(1)


def section(changelog, version):
    lines = changelog.splitlines()
    head = re.compile(r"^## \[" + re.escape(version) + r"\](\s|$)")
    start = next((i for i, l in enumerate(lines) if head.match(l)), None)
    if start is None:
        fail(f"CHANGELOG.md has no `## [{version}]` section")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    body = lines[start + 1:end]
    # Link references at the end of the file are not part of the section.
    while body and (not body[-1].strip() or re.match(r"^\[[^\]]+\]: ", body[-1])):
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if not body:
        fail(f"CHANGELOG.md: the `## [{version}]` section is empty")
    return "\n".join(body) + "\n"


def main():
    if len(sys.argv) != 2:
        fail("usage: notes.py TAG")
    tag = sys.argv[1]
    version = cargo_version()
    if tag != f"v{version}":
        fail(f"tag {tag} is not v + Cargo.toml's version {version}")
    pyproject = read("pyproject.toml")
    if not re.search(r'^dynamic\s*=\s*\[[^\]]*"version"', pyproject, re.M):
        fail("pyproject.toml does not take its version from Cargo.toml (dynamic = [\"version\"])")
    ext = json.loads(read("editors/vscode/package.json"))["version"]
    if ext != version:
        fail(f"editors/vscode/package.json has version {ext}, Cargo.toml {version}")
    sys.stdout.write(section(read("CHANGELOG.md"), version))


if __name__ == "__main__":
    main()
