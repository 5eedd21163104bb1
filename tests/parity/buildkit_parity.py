#!/usr/bin/env python3
"""Compare `dlint inspect --format json` with Docker's BuildKit parser.

BuildKit's parser comes from the PyPI package `dockerfile` (3.4.0), which
wraps BuildKit's Go parser. For every file BuildKit accepts, each instruction
must match on keyword, ONBUILD trigger, exec form, start and end line, flags,
arguments and heredocs (name, file descriptor, content).

Usage: buildkit_parity.py DLINT_BINARY CORPUS_DIR [--show N] [--min-files N]
Exits 1 when any file differs (or fewer files than --min-files were compared).
"""
import argparse
import json
import os
import subprocess
import sys

import dockerfile


def buildkit(path):
    out = []
    for c in dockerfile.parse_file(path):
        out.append({
            "cmd": (c.cmd or "").upper(),
            "sub_cmd": c.sub_cmd.upper() if c.sub_cmd else None,
            "json": bool(c.json),
            "start_line": c.start_line,
            "end_line": c.end_line,
            "flags": list(c.flags),
            "value": list(c.value),
            "heredocs": [
                {"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}
                for h in c.heredocs
            ],
        })
    return out


def nul(s):
    # The `dockerfile` package hands Go strings to Python through C strings,
    # so a JSON "\u0000" escape cuts the value there (BuildKit itself keeps
    # it). Compare our values the same way.
    return s.split("\0", 1)[0]


def ours(inst):
    return {
        "cmd": inst["cmd"],
        "sub_cmd": inst["sub_cmd"],
        "json": inst["json"],
        "start_line": inst["start_line"],
        "end_line": inst["end_line"],
        "flags": inst["flags"],
        "value": [nul(v) for v in inst["value"]],
        "heredocs": [
            {"name": h["name"], "file_descriptor": h["file_descriptor"], "content": h["content"]}
            for h in inst["heredocs"]
        ],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlint")
    ap.add_argument("corpus")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--min-files", type=int, default=0)
    a = ap.parse_args()
    files_dir = os.path.join(a.corpus, "files")
    names = sorted(os.listdir(files_dir))
    paths = [os.path.join(files_dir, n) for n in names]

    accepted = {}
    rejected = 0
    for p in paths:
        try:
            accepted[p] = buildkit(p)
        except Exception:
            rejected += 1

    mine = {}
    batch = 400
    plist = list(accepted)
    for i in range(0, len(plist), batch):
        chunk = plist[i:i + batch]
        r = subprocess.run([a.dlint, "inspect", "--format", "json", *chunk],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            print(r.stderr, file=sys.stderr)
            sys.exit(2)
        for rep in json.loads(r.stdout):
            mine[rep["file"]] = rep

    files_ok = 0
    inst_ok = 0
    inst_total = 0
    recovered = 0
    shown = 0
    bad_files = []
    for p, want in accepted.items():
        rep = mine.get(p)
        got = [ours(i) for i in rep["instructions"]] if rep else []
        recovered += sum(1 for i in (rep["instructions"] if rep else []) if i["recovered"])
        inst_total += len(want)
        same = 0
        first_diff = None
        for k, w in enumerate(want):
            g = got[k] if k < len(got) else None
            if g == w:
                same += 1
            elif first_diff is None:
                first_diff = (k, w, g)
        inst_ok += same
        if same == len(want) and len(got) == len(want):
            files_ok += 1
        else:
            bad_files.append(p)
            if shown < a.show:
                shown += 1
                print(f"DIFF {p}: {len(want)} BuildKit instructions, {len(got)} dlint")
                if first_diff:
                    k, w, g = first_diff
                    print(f"  #{k} buildkit: {json.dumps(w)[:400]}")
                    print(f"  #{k} dlint:    {json.dumps(g)[:400]}")
    print(f"files BuildKit rejects: {rejected}")
    print(f"files identical: {files_ok} / {len(accepted)}")
    print(f"instructions identical: {inst_ok} / {inst_total}")
    print(f"instructions the tree-sitter tree read differently (recovered): {recovered}")
    if len(accepted) < a.min_files:
        print(f"expected at least {a.min_files} files", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if not bad_files else 1)


if __name__ == "__main__":
    main()
