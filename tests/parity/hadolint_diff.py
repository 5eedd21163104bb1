"""Differential check of dlint's hadolint-compatible rules against hadolint.

Usage: hadolint_diff.py DLINT HADOLINT CORPUS [--codes DL3008,DL4006] [--samples N]
                        [--json OUT] [--all-repos]

Runs hadolint (`--no-fail -f json`, no config file) and dlint
(`--isolated --select hadolint --format json`) on every corpus file outside
the parser-fixture and deliberately invalid repositories (CORPUS/README.md:
moby/buildkit, containers/buildah, GoogleContainerTools/kaniko, moby/moby;
`--all-repos` keeps them) and compares, per hadolint code, the findings at
(file, instruction): both, hadolint only, dlint only. hadolint reports an
instruction's first line and dlint the line of what is wrong inside it, so
both are mapped to the instruction that holds the line, with BuildKit's
parser (PyPI `dockerfile`: run this script with a Python that has it). A dlint finding counts for a
code when the code is one of its aliases. ShellCheck's codes (SC2086) are
compared the same way (dlint's `shellcheck` rule reports them as its code;
hadolint has ShellCheck built in, dlint runs the `shellcheck` on PATH: put
the same version first on PATH). DL1000
(hadolint's parse error) is left out: dlint does not reject what BuildKit
accepts.

Prints the table, then up to N examples (default 8) of each disagreement
bucket per code: the file, the line, its text and both messages, for a person
to judge. `--json OUT` writes every finding pair for further reading.
"""

import argparse
import bisect
import collections
import json
import os
import random
import subprocess
import sys

import dockerfile

FIXTURE_REPOS = {"moby/buildkit", "containers/buildah", "GoogleContainerTools/kaniko", "moby/moby"}
BATCH = 150


def corpus_files(corpus, all_repos):
    rows = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            if all_repos or row["repo"] not in FIXTURE_REPOS:
                rows.append(os.path.join(corpus, row["file"]))
    return sorted(rows)


def instruction_starts(path, cache={}):
    """The first line of each instruction, in order (1-based)."""
    if path not in cache:
        try:
            cache[path] = sorted({c.start_line for c in dockerfile.parse_file(path)})
        except Exception:
            cache[path] = []
    return cache[path]


def at_instruction(path, line):
    starts = instruction_starts(path)
    i = bisect.bisect_right(starts, line) - 1
    return starts[i] if i >= 0 else line


def run_hadolint(bin_, files):
    found = collections.defaultdict(set)  # (code) -> {(file, line)}
    messages = {}
    for i in range(0, len(files), BATCH):
        batch = files[i:i + BATCH]
        out = subprocess.run([bin_, "--no-fail", "-f", "json", *batch], capture_output=True, text=True,
                             cwd="/", env={**os.environ, "NO_COLOR": "1", "HOME": "/nonexistent"})
        try:
            results = json.loads(out.stdout or "[]")
        except json.JSONDecodeError:
            sys.exit(f"hadolint printed no JSON for a batch starting at {batch[0]}: {out.stderr[:500]}")
        for r in results:
            code = r["code"]
            if not code.startswith(("DL", "SC")) or code == "DL1000":
                continue
            path = os.path.abspath(r["file"])
            key = (path, at_instruction(path, int(r["line"])))
            found[code].add(key)
            messages[(code, *key)] = r["message"]
    return found, messages


def run_dlint(bin_, files, hl):
    """dlint's findings by code. A rule with several DL aliases (one rule
    for apt's, yum's and zypper's `-y`) counts under those of its aliases
    hadolint reports at the same instruction, and under all of them joined
    (`DL3014/DL3030`) when hadolint reports none there."""
    found = collections.defaultdict(set)
    messages = {}
    for i in range(0, len(files), BATCH):
        batch = files[i:i + BATCH]
        out = subprocess.run([bin_, "--isolated", "--select", "hadolint", "--format", "json", *batch],
                             capture_output=True, text=True, env={**os.environ, "DLINT_NO_CACHE": "1"})
        if out.returncode not in (0, 1, 2):
            sys.exit(f"dlint exited {out.returncode} on a batch starting at {batch[0]}: {out.stderr[:500]}")
        if "shellcheck" in out.stderr.lower() and "skipped" in out.stderr:
            sys.exit(f"dlint ran without ShellCheck: {out.stderr[-300:]}")
        for r in json.loads(out.stdout or "[]"):
            codes = [r["code"]] if r["code"].startswith("SC") else r.get("aliases", [])
            codes = [c for c in codes if c.startswith(("DL", "SC"))]
            if not codes:
                continue
            path = os.path.abspath(r["file"])
            key = (path, at_instruction(path, int(r["line"])))
            if len(codes) > 1:
                codes = [c for c in codes if key in hl.get(c, ())] or ["/".join(codes)]
            for code in codes:
                found[code].add(key)
                messages[(code, *key)] = f'{r["name"]}: {r["message"]}'
    return found, messages


def line_text(path, line, cache={}):
    if path not in cache:
        with open(path, encoding="utf-8", errors="replace") as f:
            cache[path] = f.read().splitlines()
    lines = cache[path]
    return lines[line - 1].strip()[:160] if 0 < line <= len(lines) else "<no such line>"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlint")
    ap.add_argument("hadolint")
    ap.add_argument("corpus")
    ap.add_argument("--codes", default="")
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--json")
    ap.add_argument("--all-repos", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hadolint-cache", help="keep hadolint's findings in this file and read them from it "
                    "on later runs (hadolint takes minutes; dlint a second)")
    args = ap.parse_args()

    files = [os.path.abspath(f) for f in corpus_files(args.corpus, args.all_repos)]
    if args.hadolint_cache and os.path.exists(args.hadolint_cache):
        with open(args.hadolint_cache, encoding="utf-8") as f:
            saved = json.load(f)
        hl = collections.defaultdict(set, {c: {tuple(k) for k in v} for c, v in saved["found"].items()})
        hl_msg = {(c, p, n): m for c, p, n, m in saved["messages"]}
    else:
        hl, hl_msg = run_hadolint(args.hadolint, files)
        if args.hadolint_cache:
            with open(args.hadolint_cache, "w", encoding="utf-8") as f:
                json.dump({"found": {c: sorted(v) for c, v in hl.items()},
                           "messages": [[c, p, n, m] for (c, p, n), m in hl_msg.items()]}, f)
    dl, dl_msg = run_dlint(args.dlint, files, hl)
    codes = sorted(set(hl) | set(dl))
    if args.codes:
        wanted = set(args.codes.split(","))
        codes = [c for c in codes if c in wanted]

    rng = random.Random(args.seed)
    print(f"{len(files)} files; per code at (file, line)")
    print(f"{'code':8} {'both':>6} {'hadolint only':>14} {'dlint only':>11} {'files (hl/dl)':>14}")
    dump = {}
    for code in codes:
        h, d = hl.get(code, set()), dl.get(code, set())
        both, h_only, d_only = h & d, sorted(h - d), sorted(d - h)
        hf, df = len({f for f, _ in h}), len({f for f, _ in d})
        print(f"{code:8} {len(both):6} {len(h_only):14} {len(d_only):11} {hf:>6}/{df:<7}")
        dump[code] = {"both": sorted(both), "hadolint_only": h_only, "dlint_only": d_only}
    corpus = os.path.abspath(args.corpus)
    for code in codes:
        for bucket, keys, msgs in (("hadolint only", dump[code]["hadolint_only"], hl_msg),
                                   ("dlint only", dump[code]["dlint_only"], dl_msg)):
            if not keys or args.samples == 0:
                continue
            print(f"\n## {code} {bucket}: {len(keys)}")
            for f, line in sorted(rng.sample(keys, min(args.samples, len(keys)))):
                print(f"  {os.path.relpath(f, corpus)}:{line}: {line_text(f, line)}")
                print(f"      {msgs[(code, f, line)][:200]}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({c: {b: [[os.path.relpath(p, corpus), n] for p, n in v] for b, v in d.items()}
                       for c, d in dump.items()}, f, indent=1)


if __name__ == "__main__":
    main()
