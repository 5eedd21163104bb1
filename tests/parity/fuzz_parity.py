#!/usr/bin/env python3
"""Differential fuzzing of dlint's BuildKit reader against BuildKit's parser.

Builds random Dockerfiles from fragments that stress the reader (escape
directives, continuations with comments and blank lines, heredocs, quotes,
flags, JSON forms, ENV/LABEL forms, ONBUILD, odd whitespace), runs BuildKit's
parser (PyPI `dockerfile`) and `dlint inspect --format json` on each, and
compares every instruction.

Accept/reject is compared both ways at parser level: a file BuildKit's
parser rejects must have a parser error in dlint (`errors`), and a file it
accepts must have none. These are the errors compared: parser directives
(duplicate, bad escape token), unterminated heredocs, ENV/LABEL without `=`
or without a value, JSON arrays holding non-strings, files without
instructions. The package only runs parser.Parse, so the errors of
BuildKit's instruction pass (unknown instructions, flags, argument counts,
stage names, COPY --from; dlint's `instruction_errors`) cannot be compared
here; the fragments still produce them, and dlint must not crash on them.

Multi-byte text (CJK, Hangul, emoji, U+0085, U+00A0, é) is mixed in,
also inside builder flags. BuildKit reads flags byte by byte, so there its
reading differs from the text (garbled flags, or strings Python cannot even
decode); dlint reads the text and reports the difference. For such files
dlint must report that (`byte by byte` in `instruction_errors`), and the
flags of those instructions are not compared.

Usage: fuzz_parity.py DLINT_BINARY [--count N] [--seed S]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import dockerfile

KEYWORDS = ["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
            "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK",
            "SHELL", "MAINTAINER", "from", "Run", "copy", "BOGUS"]
WORDS = ["alpine:3.20", "a", "b c", "'q x'", '"dq y"', "--from=build", "--chown=1:1",
         "--mount=type=cache,target=/x", "--link", "--", "AS", "x=y", "k=\"v w\"",
         "$VAR", "${A:-b}", "[\"a\", \"b\"]", "[1]", "[\"x\"] tail", "<<EOF", "<<-EOT",
         "<<'Q'", "2<<E2", "&&", "|", ";", "#notcomment", "\\\\", "é", "\t", "  ",
         "=", "a=", "NONE", "CMD", "--interval=5s", "[", "]", "\"", "'",
         "公", "저장소", "😀", "\u0085", "\u00a0", "é", "--frm=x", "--link=yes", "AS", "1bad"]
# Non-ASCII text inside builder flags: BuildKit garbles it (see above).
MB_FLAGS = ["--chown=公", "--from=é", "--mount=type=cache,target=/저장소", "--x=😀",
            "--from=a\u00a0b", "--chown=\u0085"]


def word(rng):
    return rng.choice(MB_FLAGS) if rng.random() < 0.02 else rng.choice(WORDS)


def gen(rng):
    lines = []
    if rng.random() < 0.2:
        lines.append(rng.choice(["# escape=`", "# escape=\\", "# syntax=docker/dockerfile:1",
                                 "# check=skip=all", "#escape = `", "# escape=x"]))
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if r < 0.1:
            lines.append(rng.choice(["", "   ", "# comment", "  # indented comment"]))
            continue
        kw = rng.choice(KEYWORDS)
        if kw.upper() == "ONBUILD":
            kw += " " + rng.choice(KEYWORDS)
        parts = [kw] + [word(rng) for _ in range(rng.randint(0, 5))]
        line = (" " * rng.randint(0, 2)) + " ".join(parts)
        # Continuations.
        esc = "`" if lines and lines[0].startswith("# escape=`") else "\\"
        for _ in range(rng.randint(0, 2) if rng.random() < 0.4 else 0):
            line += rng.choice([" " + esc, esc, " " + esc + "  "]) + "\n" + rng.choice(
                ["  more", "# inside", "", "  " + rng.choice(WORDS), "\t&& b"])
        lines.append(line)
        # Heredoc bodies when a marker was written.
        for m, name in (("<<EOF", "EOF"), ("<<-EOT", "EOT"), ("<<'Q'", "Q"), ("2<<E2", "E2")):
            if m in line and rng.random() < 0.8:
                lines.append("body " + rng.choice(WORDS))
                lines.append(("\t" if m == "<<-EOT" else "") + name)
    text = "\n".join(lines)
    if rng.random() < 0.8:
        text += "\n"
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.05:
        text = "\ufeff" + text
    return text


def expected(path):
    out = []
    for c in dockerfile.parse_file(path):
        out.append([(c.cmd or "").upper(), c.sub_cmd.upper() if c.sub_cmd else None, bool(c.json),
                    c.start_line, c.end_line, list(c.flags), list(c.value),
                    [(h.name, h.file_descriptor, h.content) for h in c.heredocs]])
    return out


def ours(inst):
    nul = lambda s: s.split("\0", 1)[0]
    return [inst["cmd"], inst["sub_cmd"], inst["json"], inst["start_line"], inst["end_line"],
            inst["flags"], [nul(v) for v in inst["value"]],
            [(h["name"], h["file_descriptor"], h["content"]) for h in inst["heredocs"]]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dlint")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i in range(a.count):
            p = os.path.join(d, f"f{i}.Dockerfile")
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(gen(rng))
            paths.append(p)
        mine = {}
        for i in range(0, len(paths), 500):
            r = subprocess.run([a.dlint, "inspect", "--format", "json", *paths[i:i + 500]],
                               capture_output=True, text=True)
            if "panicked" in r.stderr:
                print("PANIC:", r.stderr[:2000])
                sys.exit(1)
            for rep in json.loads(r.stdout):
                mine[rep["file"]] = rep
        accepted = rejected = byte_flags = with_inst_errors = 0
        for p in paths:
            rep = mine[p]
            misread = any("byte by byte" in e["message"] for e in rep["instruction_errors"])
            byte_flags += misread
            with_inst_errors += bool(rep["instruction_errors"])
            if misread:
                # BuildKit parses other text than was written there (its
                # garbled flags move the split into the arguments, which can
                # turn a valid instruction into a parser error or back), so
                # only the report of the misreading is checked.
                try:
                    want = expected(p)
                except Exception:
                    continue
                got = [ours(i) for i in rep["instructions"]]
                flags = lambda insts: [i[5] for i in insts]
                # (ONBUILD triggers' flags are not in the package's output.)
                if flags(got) == flags(want) and not any(i[1] for i in got):
                    bad += 1
                    if bad <= 5:
                        print("dlint says BuildKit misreads a flag, but BuildKit reads them as written:\n"
                              + repr(open(p, encoding="utf-8").read()))
                continue
            try:
                want = expected(p)
            except UnicodeDecodeError:
                # BuildKit's flag reader cut a UTF-8 char (the package hands
                # Python bytes it cannot decode), and dlint did not
                # say it misreads (the check above skips files where it did).
                rejected += 1
                bad += 1
                if bad <= 5:
                    print("BuildKit garbles a flag but dlint does not say so:\n"
                          + repr(open(p, encoding="utf-8").read()))
                continue
            except Exception as e:
                rejected += 1
                if not rep["errors"]:
                    bad += 1
                    if bad <= 5:
                        print(f"BuildKit rejects ({e}) but dlint reports no parser error:\n"
                              + repr(open(p, encoding="utf-8").read()))
                continue
            accepted += 1
            if rep["errors"]:
                bad += 1
                if bad <= 5:
                    print(f"BuildKit accepts, dlint reports {rep['errors'][0]}:\n"
                          + repr(open(p, encoding="utf-8").read()))
                continue
            got = [ours(i) for i in rep["instructions"]]
            if got != want:
                bad += 1
                if bad <= 5:
                    print("DIFF on:\n" + repr(open(p, encoding="utf-8").read()))
                    for k in range(max(len(got), len(want))):
                        g = got[k] if k < len(got) else None
                        w = want[k] if k < len(want) else None
                        if g != w:
                            print("  buildkit:", w)
                            print("  dlint:   ", g)
                            break
    print(f"fuzz parity: {a.count} files ({accepted} accepted, {rejected} rejected by BuildKit's parser), "
          f"{bad} differ; {byte_flags} with non-ASCII flags BuildKit misreads, "
          f"{with_inst_errors} with instruction-pass errors (not comparable)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
