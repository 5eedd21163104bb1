#!/usr/bin/env python3
"""Run `dlint --fix` on a temporary copy of the corpus and check the result.

For safe fixes, and again with --unsafe-fixes:
  * files changed and fixes applied, per rule (each rule fixed alone);
  * after fixing everything: re-linting reports no finding that still
    carries an applicable fix, a second --fix changes nothing, and BuildKit's
    parser (PyPI `dockerfile`) parses every fixed file that it parsed before,
    with the same stages (FROM instructions).

Usage: fix_check.py DLINT_BINARY CORPUS_DIR
Exits 1 on any failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import dockerfile

FIXABLE = ["add-instead-of-copy", "split-apt-layers", "cache-busting-copy", "missing-assume-yes",
           "apt-lists-not-removed", "maintainer-deprecated",
           "root-user", "missing-dockerignore", "dockerignore-gaps",
           "apk-cache-kept", "pip-cache-kept", "yum-cache-not-cleaned", "dnf-cache-not-cleaned",
           "zypper-cache-not-cleaned", "yarn-cache-not-cleaned", "apt-install-recommends",
           "apt-instead-of-apt-get",
           "missing-pipefail", "cd-instead-of-workdir", "wget-without-progress", "useradd-without-no-log-init",
           "consecutive-run", "copy-multiple-sources-to-file"]


def stages(path):
    return [c.value for c in dockerfile.parse_file(path) if c.cmd.upper() == "FROM"]


def copy_corpus(src_files, dst):
    os.makedirs(dst)
    for n in src_files:
        shutil.copy2(os.path.join(CORPUS, n), os.path.join(dst, n))


def run(args, cwd):
    return subprocess.run([DLINT, "--isolated", *args], cwd=cwd, capture_output=True, text=True)


def applied(stdout_or_err):
    m = re.search(r"Applied (\d+) fix(?:es)? \(([^)]*)\)", stdout_or_err)
    out = {}
    if m:
        for part in m.group(2).split(", "):
            k, v = part.split(": ")
            out[k] = int(v)
    return out


def main():
    global DLINT, CORPUS
    DLINT = os.path.abspath(sys.argv[1])
    CORPUS = os.path.join(sys.argv[2], "files")
    names = sorted(os.listdir(CORPUS))
    accepted = {}
    for n in names:
        try:
            accepted[n] = stages(os.path.join(CORPUS, n))
        except Exception:
            pass
    failures = 0
    for mode in (["--fix"], ["--fix", "--unsafe-fixes"]):
        label = " ".join(mode)
        print(f"== {label}")
        # Per rule, on a fresh copy each.
        for rule in FIXABLE:
            with tempfile.TemporaryDirectory() as t:
                d = os.path.join(t, "c")
                copy_corpus(names, d)
                r = run([*mode, "--select", rule, "--fail-level", "none", "--format", "json", *names], d)
                if r.returncode not in (0, 1):
                    print(f"  {rule}: dlint exited {r.returncode}: {r.stderr[:500]}")
                    failures += 1
                changed = sum(1 for n in names
                              if open(os.path.join(d, n), "rb").read() != open(os.path.join(CORPUS, n), "rb").read())
                extra = sorted(set(os.listdir(d)) - set(names))
                n_applied = applied(r.stderr).get(rule, 0)
                dropped = r.stderr.count("fix not applied")
                print(f"  {rule:22} fixes applied {n_applied:5}  files changed {changed:5}  new files {len(extra)}  dropped {dropped}")
        # Everything at once, then the checks.
        with tempfile.TemporaryDirectory() as t:
            d = os.path.join(t, "c")
            copy_corpus(names, d)
            r = run([*mode, "--fail-level", "none", "--format", "json", *names], d)
            print(f"  all rules: {applied(r.stderr)}")
            drops = [l for l in r.stderr.splitlines() if "fix not applied" in l]
            for l in drops[:10]:
                print(f"  dropped: {l}")
            # Re-lint: no finding may still carry an applicable fix.
            r2 = run(["--format", "json", "--fail-level", "none", *names], d)
            left = [x for x in json.loads(r2.stdout)
                    if x["fix"] and (x["fix"]["applicability"] == "safe"
                                     or ("--unsafe-fixes" in mode and x["fix"]["applicability"] == "unsafe"))]
            # Fixes the fixer refused stay reported; they are not failures of
            # this check but are listed above.
            if len(left) > len(drops):
                failures += 1
                print(f"  FAIL: {len(left)} findings still carry an applicable fix, e.g. {left[0]}")
            # Idempotent.
            r3 = run(["--diff", *mode[1:], "--fail-level", "none", *names], d)
            if r3.stdout.strip():
                failures += 1
                print("  FAIL: a second --fix would change files:\n" + r3.stdout[:1500])
            # BuildKit still parses every fixed file, with the same stages.
            broken = 0
            for n, want in accepted.items():
                try:
                    got = stages(os.path.join(d, n))
                except Exception as e:
                    broken += 1
                    if broken <= 5:
                        print(f"  FAIL: BuildKit cannot parse fixed {n}: {e}")
                    continue
                if got != want:
                    broken += 1
                    if broken <= 5:
                        print(f"  FAIL: stages changed in {n}: {want} -> {got}")
            failures += broken
            print(f"  BuildKit parses {len(accepted) - broken} / {len(accepted)} fixed files with the same stages")
    print("fix check:", "FAILED" if failures else "ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
