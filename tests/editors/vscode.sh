#!/usr/bin/env bash
# The VS Code extension (editors/vscode): install the pinned dependencies
# (npm ci), type-check (tsc), package a .vsix with @vscode/vsce, then check
# what the .vsix holds and that the bundle loads and exports activate.
# Needs Node >= 20 and the npm registry only.
set -euo pipefail
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
echo "vscode: OK ($vsix)"
