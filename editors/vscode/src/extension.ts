// The dlint VS Code extension: starts `dlint server` (stdio LSP) for
// Dockerfiles, passes the dlint.* settings to it, applies fixes on save and
// offers "dlint: Fix all".

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  CodeActionRequest,
  DocumentSelector,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TextEdit as LspTextEdit,
  TransportKind,
} from "vscode-languageclient/node";

const FIX_ALL_KIND = "source.fixAll.dlint";
const DOCKERFILE_GLOB =
  "**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile,Containerfile.*,*.Containerfile}";

/** The documents dlint lints: the dockerfile language and Dockerfile-named files. */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: "file", language: "dockerfile" },
  { scheme: "untitled", language: "dockerfile" },
  { scheme: "file", pattern: DOCKERFILE_GLOB },
];

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;

/** The settings sent to the server (initializationOptions and workspace/configuration). */
interface ServerSettings {
  select: string[] | null;
  ignore: string[] | null;
  unsafeFixes: boolean;
}

function serverSettings(scope?: vscode.ConfigurationScope): ServerSettings {
  const cfg = vscode.workspace.getConfiguration("dlint", scope);
  const list = (key: string): string[] | null => {
    const v = cfg.get<unknown>(key);
    if (!Array.isArray(v)) {
      return null;
    }
    const names = v.filter((x): x is string => typeof x === "string" && x.trim() !== "");
    // An empty list means "not set": an empty `select` would select nothing.
    return names.length > 0 ? names : null;
  };
  return {
    select: list("select"),
    ignore: list("ignore"),
    unsafeFixes: cfg.get<boolean>("unsafeFixes", false),
  };
}

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform !== "win32") {
      fs.accessSync(p, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** `name` searched on PATH (with PATHEXT on Windows). */
function which(name: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  const exts =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";").filter((e) => e !== "")]
      : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

class NotFound extends Error {}

/** Where a dlint executable came from (logged, and shown in errors). */
export type ExecutableSource = "dlint.path" | "bundled" | "PATH";

/**
 * The dlint executable: `dlint.path` when it is set; else the binary bundled in a
 * platform-specific .vsix (`<extension>/bundled/dlint[.exe]`); else `dlint` on PATH.
 * Pure but for file-system look-ups, so tests/editors/vscode.sh can call it.
 */
export function findExecutable(opts: {
  configured: string;
  extensionPath: string;
  workspaceFolder?: string;
}): { path: string; source: ExecutableSource } {
  const configured = opts.configured.trim();
  if (configured !== "") {
    const folder = opts.workspaceFolder;
    let p = configured.replace(/\$\{workspaceFolder\}/g, folder ?? "");
    if (p === "~" || p.startsWith("~/") || p.startsWith("~\\")) {
      p = path.join(os.homedir(), p.slice(1));
    }
    if (!path.isAbsolute(p)) {
      if (p.includes("/") || p.includes("\\")) {
        p = path.resolve(folder ?? process.cwd(), p);
      } else {
        // A bare command name: look it up on PATH.
        const found = which(p);
        if (found === undefined) {
          throw new NotFound(`dlint.path is "${configured}", but no such executable is on PATH.`);
        }
        return { path: found, source: "dlint.path" };
      }
    }
    if (!isExecutableFile(p)) {
      throw new NotFound(
        `dlint.path is "${configured}", but ${p} does not exist or is not an executable file.`,
      );
    }
    return { path: p, source: "dlint.path" };
  }
  const bundled = path.join(opts.extensionPath, "bundled", process.platform === "win32" ? "dlint.exe" : "dlint");
  if (fs.existsSync(bundled)) {
    if (process.platform !== "win32" && !isExecutableFile(bundled)) {
      // An installer that dropped the mode bits: the file is ours, make it executable again.
      try {
        fs.chmodSync(bundled, 0o755);
      } catch {
        // reported below
      }
    }
    if (isExecutableFile(bundled)) {
      return { path: bundled, source: "bundled" };
    }
  }
  const found = which("dlint");
  if (found === undefined) {
    throw new NotFound(
      "This build of the extension bundles no dlint binary for this platform, and the dlint executable was not found on PATH.",
    );
  }
  return { path: found, source: "PATH" };
}

let extensionPath = "";

function resolveExecutable(): { path: string; source: ExecutableSource } {
  return findExecutable({
    configured: vscode.workspace.getConfiguration("dlint").get<string>("path", ""),
    extensionPath,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  });
}

async function reportNotFound(message: string): Promise<void> {
  const openSettings = "Open Settings";
  const howTo = "Installation";
  const choice = await vscode.window.showErrorMessage(
    `dlint: ${message} Install dlint (for example \`pipx install dlint-cli\`, or a release binary) ` +
      "or set `dlint.path` to the executable, then run “dlint: Restart server”.",
    openSettings,
    howTo,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "dlint.path");
  } else if (choice === howTo) {
    await vscode.env.openExternal(
      vscode.Uri.parse("https://github.com/dlint-dev/dlint/blob/main/docs/getting-started.md"),
    );
  }
}

async function startClient(): Promise<void> {
  let command: string;
  let source: ExecutableSource;
  try {
    ({ path: command, source } = resolveExecutable());
  } catch (e) {
    if (e instanceof NotFound) {
      outputChannel?.appendLine(`dlint: ${e.message}`);
      void reportNotFound(e.message);
      return;
    }
    throw e;
  }
  outputChannel?.appendLine(`dlint: starting ${command} server (from ${source})`);

  const run = { command, args: ["server"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = {
    run,
    debug: { ...run, options: { env: { ...process.env, RUST_BACKTRACE: "1" } } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel,
    initializationOptions: serverSettings(),
    // Sends workspace/didChangeConfiguration when dlint.* changes; the
    // server then asks for the settings with workspace/configuration.
    synchronize: { configurationSection: "dlint" },
    middleware: {
      workspace: {
        // Answer workspace/configuration with what the server understands
        // (and never an empty `select`).
        configuration: async (params, token, next) => {
          const answers: unknown[] = [];
          for (const item of params.items) {
            if (item.section === undefined || item.section === "dlint") {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              answers.push(serverSettings(scope));
            } else {
              const r = await next({ items: [item] }, token);
              answers.push(Array.isArray(r) ? r[0] : null);
            }
          }
          return answers;
        },
      },
    },
  };

  client = new LanguageClient("dlint", "dlint", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(
      `dlint: could not start \`${command} server\`: ${msg}. Is it a dlint with the \`server\` command? See the dlint output for details.`,
    );
    client = undefined;
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c !== undefined && c.state !== State.Stopped) {
    try {
      await c.stop();
    } catch {
      // already gone
    }
  }
}

function isDlintDocument(doc: vscode.TextDocument): boolean {
  return vscode.languages.match(DOCUMENT_SELECTOR as vscode.DocumentSelector, doc) > 0;
}

/** The fix-all edits for `doc` itself (file creations are left out). */
async function fixAllTextEdits(
  doc: vscode.TextDocument,
  token: vscode.CancellationToken,
): Promise<vscode.TextEdit[]> {
  const c = client;
  if (c === undefined || c.state !== State.Running) {
    return [];
  }
  const version = doc.version;
  const uri = c.code2ProtocolConverter.asUri(doc.uri);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  const result = await c.sendRequest(
    CodeActionRequest.type,
    {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: end.line, character: end.character } },
      context: { diagnostics: [], only: [FIX_ALL_KIND] },
    },
    token,
  );
  if (!result || token.isCancellationRequested || doc.version !== version) {
    return [];
  }
  const edits: LspTextEdit[] = [];
  for (const item of result) {
    if (!("kind" in item) || item.kind !== FIX_ALL_KIND || item.edit === undefined) {
      continue;
    }
    const we = item.edit;
    if (we.documentChanges) {
      for (const change of we.documentChanges) {
        if ("textDocument" in change && change.textDocument.uri === uri) {
          for (const e of change.edits) {
            if ("newText" in e) {
              edits.push({ range: e.range, newText: e.newText });
            }
          }
        }
      }
    } else if (we.changes?.[uri]) {
      edits.push(...we.changes[uri]);
    }
    break;
  }
  return c.protocol2CodeConverter.asTextEdits(edits, token);
}

/** "dlint: Fix all": runs the source.fixAll.dlint code action on the active document. */
async function fixAllCommand(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    void vscode.window.showInformationMessage("dlint: open a Dockerfile first.");
    return;
  }
  const doc = editor.document;
  if (!isDlintDocument(doc)) {
    void vscode.window.showInformationMessage("dlint: the active file is not a Dockerfile.");
    return;
  }
  if (client === undefined || client.state !== State.Running) {
    void vscode.window.showErrorMessage("dlint: the language server is not running (see the dlint output).");
    return;
  }
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    "vscode.executeCodeActionProvider",
    doc.uri,
    new vscode.Range(new vscode.Position(0, 0), end),
    FIX_ALL_KIND,
  );
  const fixAll = (actions ?? []).find(
    (a) => a.kind !== undefined && vscode.CodeActionKind.SourceFixAll.append("dlint").contains(a.kind),
  );
  if (fixAll === undefined) {
    void vscode.window.setStatusBarMessage("dlint: nothing to fix", 3000);
    return;
  }
  if (fixAll.edit !== undefined) {
    const ok = await vscode.workspace.applyEdit(fixAll.edit);
    if (!ok) {
      void vscode.window.showErrorMessage("dlint: the fixes could not be applied (the file changed meanwhile?).");
      return;
    }
  }
  if (fixAll.command !== undefined) {
    await vscode.commands.executeCommand(fixAll.command.command, ...(fixAll.command.arguments ?? []));
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  outputChannel = vscode.window.createOutputChannel("dlint");
  context.subscriptions.push(outputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand("dlint.fixAll", fixAllCommand),
    vscode.commands.registerCommand("dlint.restart", async () => {
      await stopClient();
      await startClient();
    }),
    vscode.commands.registerCommand("dlint.showOutput", () => outputChannel?.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("dlint.path")) {
        await stopClient();
        await startClient();
      }
    }),
    vscode.workspace.onWillSaveTextDocument((e) => {
      if (e.reason !== vscode.TextDocumentSaveReason.Manual && e.reason !== vscode.TextDocumentSaveReason.AfterDelay) {
        return;
      }
      const doc = e.document;
      if (!isDlintDocument(doc)) {
        return;
      }
      if (!vscode.workspace.getConfiguration("dlint", doc.uri).get<boolean>("fixOnSave", false)) {
        return;
      }
      const cts = new vscode.CancellationTokenSource();
      // VS Code gives willSave participants a limited time; give up first.
      const timer = setTimeout(() => cts.cancel(), 1500);
      e.waitUntil(
        fixAllTextEdits(doc, cts.token)
          .catch((err: unknown) => {
            outputChannel?.appendLine(`dlint: fix on save failed: ${String(err)}`);
            return [] as vscode.TextEdit[];
          })
          .finally(() => {
            clearTimeout(timer);
            cts.dispose();
          }),
      );
    }),
  );

  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
