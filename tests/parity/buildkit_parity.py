#!/usr/bin/env python3
"""Compare `dlint inspect --format json` with Docker's BuildKit parser.

BuildKit's parser comes from the PyPI package `dockerfile` (3.4.0), which
wraps BuildKit's Go parser. For every file BuildKit accepts, each instruction
must match on keyword, ONBUILD trigger, exec form, start and end line, flags,
arguments and heredocs (name, file descriptor, content).

Accept/reject must agree too: a file BuildKit's parser accepts has no
parser error in dlint (`errors`), a file it rejects has one.

dlint's instruction-pass errors (`instruction_errors`: unknown instructions,
flags, argument counts, stage references; what `docker build` refuses after
parsing) cannot be compared here, since the package only runs parser.Parse:
they are counted and, with --list-instruction-errors FILE, written out for
review.

Usage: buildkit_parity.py DLINT_BINARY CORPUS_DIR [--show N] [--min-files N]
                          [--list-instruction-errors FILE]
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
    ap.add_argument("--list-instruction-errors")
    a = ap.parse_args()
    files_dir = os.path.join(a.corpus, "files")
    names = sorted(os.listdir(files_dir))
    paths = [os.path.join(files_dir, n) for n in names]

    accepted = {}
    rejected = []
    for p in paths:
        try:
            accepted[p] = buildkit(p)
        except Exception:
            rejected.append(p)

    mine = {}
    batch = 400
    plist = list(accepted) + rejected
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
    # Accept/reject agreement at parser level.
    disagree = []
    for p in rejected:
        if not mine.get(p, {}).get("errors"):
            disagree.append((p, "BuildKit's parser rejects it, dlint reports no parser error"))
    for p in accepted:
        errs = mine.get(p, {}).get("errors")
        if errs:
            disagree.append((p, f"BuildKit's parser accepts it, dlint reports {errs[0]}"))
    for p, why in disagree[: a.show]:
        print(f"ACCEPT/REJECT {p}: {why}")
    inst_files = [p for p in paths if mine.get(p, {}).get("instruction_errors")]
    inst_total_errors = sum(len(mine[p]["instruction_errors"]) for p in inst_files)
    if a.list_instruction_errors:
        with open(a.list_instruction_errors, "w", encoding="utf-8") as f:
            for p in inst_files:
                for e in mine[p]["instruction_errors"]:
                    f.write(f"{os.path.basename(p)}:{e['line']}: {e['message']}\n")
    print(f"files BuildKit rejects: {len(rejected)}")
    print(f"parser accept/reject disagreements: {len(disagree)}")
    print(f"files with instruction-pass errors (not comparable here): {len(inst_files)} ({inst_total_errors} errors)")
    print(f"files identical: {files_ok} / {len(accepted)}")
    print(f"instructions identical: {inst_ok} / {inst_total}")
    print(f"instructions the tree-sitter tree read differently (recovered): {recovered}")
    if len(accepted) < a.min_files:
        print(f"expected at least {a.min_files} files", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if not bad_files and not disagree else 1)


if __name__ == "__main__":
    main()
