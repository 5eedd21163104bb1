"""End-to-end: `dlint server` driven by pytest-lsp over stdio.

Run by tests/lsp_e2e.rs with DLINT_BIN (the built binary) and DLINT_DOCKERFILE
(a sample Dockerfile in a scratch build context) set.

* VS Code 1.65 capabilities: push diagnostics, UTF-16, dynamic registration
  of the watched config files. (pytest-lsp's default client has no handler
  for client/registerCapability and fails the test on the error it raises
  itself; the server's side of a refusal is tested in tests/server.rs.)
* Neovim 0.11 capabilities: pull diagnostics, UTF-8.

Each sees the sample's diagnostics, applies the quick fix for
add-instead-of-copy and sees the diagnostic go.
"""

import os
import pathlib

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

SERVER = [os.environ["DLINT_BIN"], "server"]
DOCKERFILE = pathlib.Path(os.environ["DLINT_DOCKERFILE"])
URI = DOCKERFILE.as_uri()


def offset(text: str, pos: types.Position) -> int:
    """Byte-free offset for an ASCII sample (UTF-8 and UTF-16 agree)."""
    lines = text.split("\n")
    line = min(pos.line, len(lines) - 1)
    start = sum(len(x) + 1 for x in lines[:line])
    return start + min(pos.character, len(lines[line]))


def apply(text: str, edits) -> str:
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s, t = offset(text, e.range.start), offset(text, e.range.end)
        text = text[:s] + e.new_text + text[t:]
    return text


def edits_of(action: types.CodeAction):
    edit = action.edit
    assert edit is not None, action
    if edit.document_changes:
        out = []
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit), change
            assert change.text_document.uri == URI
            out.extend(change.edits)
        return out
    return edit.changes[URI]


def did_change(client: LanguageClient, version: int, edits):
    # Last edit first, so earlier ranges stay valid.
    changes = [
        types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
            content_changes=changes,
        )
    )


def open_sample(client: LanguageClient) -> str:
    text = DOCKERFILE.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="dockerfile", version=1, text=text)
        )
    )
    return text


async def quick_fix(client: LanguageClient, diag: types.Diagnostic) -> types.CodeAction:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions, "no code actions"
    titles = [a.title for a in actions]
    assert "Ignore add-instead-of-copy for this instruction" in titles, titles
    fix = next(a for a in actions if a.title == "Replace ADD with COPY")
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred is True
    return fix


def client_accepting_registrations() -> LanguageClient:
    client = make_test_lsp_client()
    client.registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        client.registrations.extend(params.registrations)

    return client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=client_accepting_registrations))
async def vscode(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=DOCKERFILE.parent.as_uri(),
        )
    )
    assert result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)
    assert result.capabilities.diagnostic_provider is None
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def nvim011(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("neovim@v0.11.0"),
            root_uri=DOCKERFILE.parent.as_uri(),
        )
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert result.capabilities.diagnostic_provider is not None
    yield
    await lsp_client.shutdown_session()


async def test_push_diagnostics_and_quick_fix(vscode: LanguageClient):
    client = vscode
    text = open_sample(client)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    diags = client.diagnostics[URI]
    add = next(d for d in diags if d.code == "D201")
    assert add.source == "dlint"
    assert add.severity == types.DiagnosticSeverity.Warning
    assert add.code_description.href.endswith("/add-instead-of-copy.md")
    assert add.range.start == types.Position(line=1, character=0)

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=1, character=1))
    )
    assert "add-instead-of-copy" in hover.contents.value

    fix = await quick_fix(client, add)
    text = apply(text, edits_of(fix))
    assert "COPY app.sh /app/app.sh" in text
    did_change(client, 2, edits_of(fix))
    for _ in range(5):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if not any(d.code == "D201" for d in client.diagnostics[URI]):
            break
    assert not any(d.code == "D201" for d in client.diagnostics[URI]), client.diagnostics[URI]
    # The config files are watched.
    methods = [r.method for r in client.registrations]
    assert methods == ["workspace/didChangeWatchedFiles"], methods


async def test_pull_diagnostics_and_quick_fix(nvim011: LanguageClient):
    client = nvim011
    text = open_sample(client)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert report.kind == "full"
    add = next(d for d in report.items if d.code == "D201")
    fix = await quick_fix(client, add)
    text = apply(text, edits_of(fix))
    did_change(client, 2, edits_of(fix))
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=URI), previous_result_id=report.result_id
        )
    )
    assert report.kind == "full"
    assert not any(d.code == "D201" for d in report.items), report.items
    # Nothing was pushed.
    assert URI not in client.diagnostics
