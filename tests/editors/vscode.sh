#!/usr/bin/env bash
# The VS Code extension (editors/vscode): install the pinned dependencies
# (npm ci), type-check (tsc), package a .vsix with @vscode/vsce, then check
# what the .vsix holds and that the bundle loads and exports activate; how the
# extension picks its executable (dlint.path, else the bundled binary, else
# PATH). With a release archive (scripts/release/binary.sh), also package the
# linux-x64 .vsix with that binary bundled (scripts/release/vsix.sh, as the
# release workflow does) and check it holds the binary, executable.
# Usage: tests/editors/vscode.sh [dlint-x86_64-unknown-linux-*.tar.gz]
# Needs Node >= 20 and the npm registry only.
set -euo pipefail
archive="${1:-}"
if [ -n "$archive" ]; then archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"; fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
ext="$root/editors/vscode"
cd "$ext"

echo "== vscode: npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "== vscode: tsc -p ."
npx --no-install tsc -p .

echo "== vscode: vsce package --no-dependencies"
version=$(node -p 'require("./package.json").version')
vsix="$ext/dlint-$version.vsix"
rm -f "$vsix"
npx --no-install @vscode/vsce package --no-dependencies -o "$vsix" </dev/null
test -s "$vsix" || { echo "vscode: $vsix was not written" >&2; exit 1; }

echo "== vscode: check the .vsix"
node - "$vsix" <<'JS'
// Checks the .vsix (a zip) with Node alone: the entries and the manifest.
const fs = require("fs");
const zlib = require("zlib");
const buf = fs.readFileSync(process.argv[2]);
// Read the central directory.
const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
if (eocd < 0) throw new Error("not a zip file");
const count = buf.readUInt16LE(eocd + 10);
let off = buf.readUInt32LE(eocd + 16);
const entries = {};
for (let i = 0; i < count; i++) {
  const method = buf.readUInt16LE(off + 10);
  const csize = buf.readUInt32LE(off + 20);
  const nlen = buf.readUInt16LE(off + 28), xlen = buf.readUInt16LE(off + 30), clen = buf.readUInt16LE(off + 32);
  const local = buf.readUInt32LE(off + 42);
  const name = buf.toString("utf8", off + 46, off + 46 + nlen);
  const lnlen = buf.readUInt16LE(local + 26), lxlen = buf.readUInt16LE(local + 28);
  const data = buf.subarray(local + 30 + lnlen + lxlen, local + 30 + lnlen + lxlen + csize);
  entries[name] = method === 8 ? zlib.inflateRawSync(data) : data;
  off += 46 + nlen + xlen + clen;
}
const need = ["extension/package.json", "extension/dist/extension.js", "extension.vsixmanifest"];
for (const n of need) if (!entries[n]) throw new Error(`missing ${n}; entries: ${Object.keys(entries)}`);
if (Object.keys(entries).some((n) => n.startsWith("extension/node_modules/") || n.startsWith("extension/src/")))
  throw new Error("node_modules or src packaged");
const pkg = JSON.parse(entries["extension/package.json"]);
const cmds = pkg.contributes.commands.map((c) => c.command);
if (!cmds.includes("dlint.fixAll")) throw new Error("no dlint.fixAll command");
const props = Object.keys(pkg.contributes.configuration.properties);
for (const k of ["dlint.path", "dlint.select", "dlint.ignore", "dlint.fixOnSave", "dlint.unsafeFixes"])
  if (!props.includes(k)) throw new Error(`no setting ${k}`);
if (!pkg.activationEvents.includes("onLanguage:dockerfile")) throw new Error("not activated on dockerfile");
// The bundle loads (with a stub for the `vscode` module) and exports activate/deactivate.
const Module = require("module");
const orig = Module._load;
Module._load = function (req, ...rest) {
  if (req === "vscode") return new Proxy({}, { get: () => new Proxy(function () {}, { get: () => ({}) }) });
  return orig.call(this, req, ...rest);
};
const m = new Module("extension.js");
m.paths = Module._nodeModulePaths(process.cwd());
m._compile(entries["extension/dist/extension.js"].toString("utf8"), "extension.js");
if (typeof m.exports.activate !== "function" || typeof m.exports.deactivate !== "function")
  throw new Error("the bundle does not export activate/deactivate");
console.log(`vsix ok: ${Object.keys(entries).length} entries, ${cmds.length} commands, ${props.length} settings`);
JS

echo "== vscode: which executable the extension runs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node - "$ext/dist/extension.js" "$tmp" <<'JS'
// findExecutable from the bundle (with a stub `vscode` module): dlint.path, else bundled/, else PATH.
const fs = require("fs");
const path = require("path");
const Module = require("module");
const orig = Module._load;
Module._load = function (req, ...rest) {
  if (req === "vscode") return new Proxy({}, { get: () => new Proxy(function () {}, { get: () => ({}) }) });
  return orig.call(this, req, ...rest);
};
const { findExecutable } = require(process.argv[2]);
const tmp = process.argv[3];
const exe = (dir, name = "dlint") => {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, name);
  fs.writeFileSync(p, "#!/bin/sh\n");
  fs.chmodSync(p, 0o755);
  return p;
};
const eq = (got, want, what) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};
const throws = (f, re, what) => {
  try { f(); } catch (e) { if (!re.test(e.message)) throw new Error(`${what}: ${e.message}`); return; }
  throw new Error(`${what}: no error`);
};
const withBundle = path.join(tmp, "ext-platform"), universal = path.join(tmp, "ext-universal");
const bundled = exe(path.join(withBundle, "bundled"));
fs.mkdirSync(universal);
const onPath = exe(path.join(tmp, "bin"));
const mine = exe(path.join(tmp, "mine"), "my-dlint");
process.env.PATH = path.join(tmp, "bin");
eq(findExecutable({ configured: "", extensionPath: withBundle }), { path: bundled, source: "bundled" }, "bundled first");
eq(findExecutable({ configured: " " + mine, extensionPath: withBundle }), { path: mine, source: "dlint.path" }, "dlint.path wins");
eq(findExecutable({ configured: "mine/my-dlint", extensionPath: withBundle, workspaceFolder: tmp }), { path: mine, source: "dlint.path" }, "relative dlint.path");
eq(findExecutable({ configured: "", extensionPath: universal }), { path: onPath, source: "PATH" }, "universal: PATH");
throws(() => findExecutable({ configured: path.join(tmp, "nope"), extensionPath: withBundle }), /does not exist/, "bad dlint.path");
fs.chmodSync(bundled, 0o644);   // mode bits lost by an installer: made executable again
eq(findExecutable({ configured: "", extensionPath: withBundle }), { path: bundled, source: "bundled" }, "bundled, mode restored");
process.env.PATH = path.join(tmp, "empty");
throws(() => findExecutable({ configured: "", extensionPath: universal }), /bundles no dlint binary.*not found on PATH/, "nothing found");
console.log("executable choice ok: dlint.path > bundled > PATH");
JS

if [ -n "$archive" ]; then
  echo "== vscode: linux-x64 .vsix with the bundled binary (scripts/release/vsix.sh)"
  bash "$root/scripts/release/vsix.sh" linux-x64 "$archive" "$tmp/vsix"
  pvsix=$(ls "$tmp"/vsix/dlint-linux-x64-*.vsix)
  mkdir "$tmp/unpacked"
  (cd "$tmp/unpacked" && unzip -q "$pvsix")
  tar -xzf "$archive" -C "$tmp"
  bin=$(find "$tmp" -path "$tmp/unpacked" -prune -o -type f -name dlint -path '*dlint-x86_64-*' -print | head -n 1)
  cmp "$tmp/unpacked/extension/bundled/dlint" "$bin" || { echo "vscode: the bundled binary is not the release binary" >&2; exit 1; }
  grep -q 'TargetPlatform="linux-x64"' "$tmp/unpacked/extension.vsixmanifest" || { echo "vscode: the .vsix is not for linux-x64" >&2; exit 1; }
  zipinfo "$pvsix" extension/bundled/dlint | grep -q '^-rwx' || { echo "vscode: bundled/dlint is not executable in the .vsix" >&2; zipinfo "$pvsix" extension/bundled/dlint >&2; exit 1; }
  "$tmp/unpacked/extension/bundled/dlint" --version
  echo "vscode: platform vsix OK ($(basename "$pvsix"), $(wc -c < "$pvsix") bytes)"
fi
echo "vscode: OK ($vsix)"
