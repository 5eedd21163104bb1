"""Runs action.yml's composite steps the way the GitHub runner does, for a
few input sets, with a prebuilt dlint standing in for the cached binary and
for the release binary.

Usage: action_sim.py REPO_ROOT DLINT_BIN SCHEMA

It checks: every `run` step uses `shell: bash` and no `${{ }}` inside the
script (inputs go through `env`, so they cannot inject shell code); the
cache step caches the path the later steps run; inputs reach dlint; the
action fails exactly when dlint fails; annotations are printed; outputs are
set; the SARIF file is written and valid (sarif_check.py). The install step,
on a cache miss with no cargo on PATH, against a local HTTP server standing
in for the GitHub releases (DLINT_RELEASES_URL; archives made by
scripts/release/package.sh, the source hash by source-hash.sh): the release
binary is installed when the release's source hash is the action's; a wrong
SHA-256 fails; another source hash, no release, `install: source` fall back
to building (which here fails clearly for want of cargo); `install: release`
fails without a matching release.
"""

import functools
import json
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

from ruamel.yaml import YAML

ROOT, BIN, SCHEMA = sys.argv[1], sys.argv[2], sys.argv[3]
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def fail(msg):
    print(f"action: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


action = YAML(typ="safe").load(open(os.path.join(ROOT, "action.yml"), encoding="utf-8"))
if action["runs"]["using"] != "composite":
    fail("not a composite action")
steps = action["runs"]["steps"]
for st in steps:
    if "run" in st:
        if st.get("shell") != "bash":
            fail(f"step {st.get('name')!r} has no `shell: bash`")
        if "${{" in st["run"]:
            fail(f"step {st.get('name')!r} expands an expression inside its script (use env)")


def run_action(inputs, workspace, cache_hit, path_env=None, releases_url=None):
    """Returns (exit code, outputs, stdout, the installed binary's path)."""
    given = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    for k in inputs:
        if k not in given:
            fail(f"unknown input {k}")
    given.update(inputs)
    outputs = {}
    home = tempfile.mkdtemp()
    cargo_home = os.path.join(home, ".cargo")
    os.makedirs(os.path.join(cargo_home, "bin"))

    def ev(expr):
        if expr.startswith("inputs."):
            return given[expr[len("inputs."):]]
        m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if m:
            return outputs.get(m.group(1), {}).get(m.group(2), "")
        if expr == "runner.os":
            return "Linux"
        if expr == "runner.arch":
            return "X64"
        m = re.fullmatch(r"(.+?)\s*(==|!=)\s*'([^']*)'", expr)
        if m:
            left = ev(m.group(1))
            return (left == m.group(3)) == (m.group(2) == "==")
        fail(f"expression not understood by the simulator: {expr}")

    def sub(text):
        return EXPR.sub(lambda m: str(ev(m.group(1))), str(text))

    out_all = ""
    for st in steps:
        sid = st.get("id", st.get("name"))
        cond = st.get("if")
        if cond is not None and not ev(EXPR.sub(lambda m: m.group(1), cond).strip()):
            continue
        if "uses" in st:
            if not st["uses"].startswith("actions/cache@"):
                fail(f"unexpected action {st['uses']}")
            path = sub(st["with"]["path"])
            key = sub(st["with"]["key"])
            if not re.fullmatch(r"dlint-Linux-X64-ubuntu24-[a-z]+-[0-9a-f]{64}", key):
                fail(f"cache key {key!r}")
            if cache_hit:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                shutil.copy(BIN, path)
            outputs[sid] = {"cache-hit": "true" if cache_hit else "false"}
            continue
        out_file = os.path.join(home, f"output-{len(outputs)}")
        open(out_file, "w").close()
        env = dict(os.environ)
        env.pop("DLINT_RELEASES_URL", None)
        env.update({
            "HOME": home,
            "CARGO_HOME": cargo_home,
            "GITHUB_ACTION_PATH": ROOT,
            "GITHUB_OUTPUT": out_file,
            "GITHUB_PATH": os.path.join(home, "github-path"),
            "GITHUB_WORKSPACE": workspace,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "ImageOS": "ubuntu24",
        })
        if releases_url is not None:
            env["DLINT_RELEASES_URL"] = releases_url
        if path_env is not None:
            env["PATH"] = path_env
        for k, v in (st.get("env") or {}).items():
            env[k] = sub(v)
        cwd = os.path.join(workspace, sub(st.get("working-directory", ".")))
        script = os.path.join(home, "step.sh")
        open(script, "w").write(st["run"])
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                           cwd=cwd, env=env, capture_output=True, text=True)
        out_all += p.stdout
        if p.stderr.strip():
            print(p.stderr, file=sys.stderr, end="")
        vals = {}
        for line in open(out_file):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                vals[k] = v
        outputs[sid] = vals
        if p.returncode != 0:
            return (p.returncode, {k: sub(v["value"]) for k, v in action["outputs"].items()}, out_all + p.stderr,
                    outputs.get("source", {}).get("bin"))
    bin_path = outputs["source"]["bin"]
    on_path = open(os.path.join(home, "github-path")).read().split()
    if on_path != [os.path.dirname(bin_path)]:
        fail(f"GITHUB_PATH has {on_path}, expected the directory of {bin_path}")
    return 0, {k: sub(v["value"]) for k, v in action["outputs"].items()}, out_all, bin_path


ws = tempfile.mkdtemp()
shutil.copytree(os.path.join(ROOT, "docs"), os.path.join(ws, "docs"))
os.makedirs(os.path.join(ws, "clean"))
open(os.path.join(ws, "clean", "Containerfile"), "w").write('FROM alpine:3.20\nUSER 65534:65534\nCMD ["true"]\n')


def case(name, inputs, want_rc, check=None, cache_hit=True, path_env=None, releases_url=None, says=None):
    rc, outs, out, _ = run_action(inputs, ws, cache_hit, path_env, releases_url)
    if says is not None and says not in out:
        print(out)
        fail(f"{name}: the output does not say {says!r}")
    annotations = [l for l in out.splitlines() if l.startswith("::")]
    print(f"-- {name}: exit {rc}, {len(annotations)} annotations, outputs {outs}")
    if rc != want_rc:
        print(out)
        fail(f"{name}: exit {rc}, expected {want_rc}")
    if cache_hit and outs["exit-code"] != str(want_rc):
        fail(f"{name}: output exit-code {outs['exit-code']!r}")
    if check:
        check(annotations, outs)


def example_annotations(annotations, outs):
    if not any(l.startswith("::warning file=docs/examples/Dockerfile,line=3,") for l in annotations):
        fail("no warning annotation for docs/examples/Dockerfile line 3")


def with_sarif(annotations, outs):
    example_annotations(annotations, outs)
    path = os.path.join(ws, "reports", "dlint.sarif")
    if outs["sarif-file"] != "reports/dlint.sarif" or not os.path.exists(path):
        fail(f"SARIF not written: {outs}")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests/integrations/sarif_check.py"), SCHEMA, path,
                    "--min-results", "5"], check=True)


case("findings fail", {"paths": "docs/examples/Dockerfile"}, 1, example_annotations)
case("sarif-file", {"paths": "docs/examples/Dockerfile", "sarif-file": "reports/dlint.sarif"}, 1, with_sarif)
case("fail-level none", {"paths": "docs/examples/Dockerfile", "fail-level": "none"}, 0, example_annotations)
case("fail-level error", {"paths": "docs/examples/Dockerfile", "fail-level": "error"}, 0)
# Every rule the example breaks, named in two `--ignore` flags: the action
# must pass both through, so nothing is left and the run succeeds.
example_rules = sorted({f["name"] for f in json.loads(subprocess.run(
    [BIN, "--format", "json", "docs/examples/Dockerfile"], cwd=ws,
    capture_output=True, text=True).stdout)})
if len(example_rules) < 2:
    fail(f"the example breaks fewer than 2 rules: {example_rules}")
half = len(example_rules) // 2
case("args", {"paths": "docs/examples/Dockerfile",
              "args": f"--ignore {','.join(example_rules[:half])} --ignore {','.join(example_rules[half:])}"},
     0, lambda a, o: a and fail(f"annotations left: {a}"))
case("sarif-file with --fail-level in args", {"paths": "docs/examples/Dockerfile", "sarif-file": "reports/dlint.sarif",
                                               "args": "--fail-level none"}, 0, with_sarif)
case("paths on lines", {"paths": "clean/Containerfile\ndocs/examples/Dockerfile\n"}, 1, example_annotations)
case("clean", {"paths": "clean"}, 0, lambda a, o: a and fail(f"annotations for a clean file: {a}"))
case("bad config", {"paths": "docs/examples/Dockerfile", "args": "--config /nonexistent/dlint.toml"}, 2)
# Cache misses on a runner without cargo: the install step, against a local "releases" server.
bare = "/usr/bin:/bin"
for tool in ("cargo", "rustc"):
    if shutil.which(tool, path=bare) is not None:
        fail(f"{tool} is on {bare}: the install cases need a PATH without it")
for tool in ("curl", "tar", "sha256sum"):
    if shutil.which(tool, path=bare) is None:
        fail(f"{tool} is not on {bare}")

version = re.search(r'^version = "(.*)"$', open(os.path.join(ROOT, "Cargo.toml")).read(), re.M).group(1)
source_hash = subprocess.run(["bash", os.path.join(ROOT, "scripts/release/source-hash.sh"), ROOT],
                             check=True, capture_output=True, text=True).stdout.strip()
if not re.fullmatch(r"[0-9a-f]{64}", source_hash):
    fail(f"source-hash.sh printed {source_hash!r}")
serve = tempfile.mkdtemp()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=serve)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}"


def release(name, source=source_hash, corrupt_sum=False):
    """A release directory <name>/v<version>/ as the release workflow uploads it."""
    d = os.path.join(serve, name, f"v{version}")
    os.makedirs(d)
    subprocess.run(["bash", os.path.join(ROOT, "scripts/release/package.sh"), BIN, "x86_64-unknown-linux-musl", d],
                   check=True, capture_output=True)
    open(os.path.join(d, "dlint-source.sha256"), "w").write(source + "\n")
    if corrupt_sum:
        p = os.path.join(d, "dlint-x86_64-unknown-linux-musl.tar.gz.sha256")
        open(p, "w").write("0" * 64 + "  dlint-x86_64-unknown-linux-musl.tar.gz\n")
    return f"{url}/{name}"


good = release("good")
rc, outs, out, installed = run_action({"paths": "docs/examples/Dockerfile"}, ws, False, bare, good)
print(f"-- release binary: exit {rc}, outputs {outs}")
if rc != 1 or outs["exit-code"] != "1" or "installed the release binary dlint-x86_64-unknown-linux-musl.tar.gz" not in out:
    print(out)
    fail("release binary: not installed and run")
if open(installed, "rb").read() != open(BIN, "rb").read():
    fail("release binary: the installed file is not the released one")
case("release binary, install: release", {"paths": "clean", "install": "release"}, 0, cache_hit=False,
     path_env=bare, releases_url=good, says="installed the release binary")
case("release binary, wrong SHA-256", {"paths": "clean"}, 2, cache_hit=False, path_env=bare,
     releases_url=release("corrupt", corrupt_sum=True), says="does not match the release's")
case("release of other sources", {"paths": "clean"}, 2, cache_hit=False, path_env=bare,
     releases_url=release("other", source="f" * 64), says="built from other sources than this action's")
case("no release", {"paths": "clean"}, 2, cache_hit=False, path_env=bare, releases_url=f"{url}/none",
     says=f"cargo not found, and no release v{version}")
case("no release, install: release", {"paths": "clean", "install": "release"}, 2, cache_hit=False,
     path_env=bare, releases_url=f"{url}/none", says="install: release, but no release")
case("install: source", {"paths": "clean", "install": "source"}, 2, cache_hit=False, path_env=bare,
     releases_url=good, says="cargo not found, and install: source")
case("install: bad", {"paths": "clean", "install": "binary"}, 2, cache_hit=False, path_env=bare,
     releases_url=good, says="install must be auto, release or source")
server.shutdown()
print("action: OK")
