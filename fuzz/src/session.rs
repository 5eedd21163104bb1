//! Target `server`: drives the language server in process over
//! `lsp_server::Connection::memory()`, as an editor does.
//!
//! The input is `TEXT [\0 OPS]`: the text is opened as a document, then
//! OPS (decoded with `arbitrary`) are incremental edits with arbitrary
//! ranges (out of bounds, reversed, between the halves of a surrogate
//! pair, inside a CRLF), whole-text replacements, diagnostic pulls, hovers
//! and code actions at arbitrary places. The client keeps its own copy of
//! the text ([`crate::mirror`]). At the end:
//!
//! * the edited document has the same diagnostics as a document opened
//!   with the client's copy of the text (so the server applied the edits
//!   where the client meant them);
//! * every position the server sends (diagnostic ranges, related
//!   locations, fix and ignore edits) names a real place in the text;
//! * each quick fix applies cleanly to the client's text, and fix-all,
//!   applied by the client, gives exactly what `dlint --fix` gives;
//! * no request fails, nothing is logged as an internal error, and
//!   `shutdown` then `exit` end the server with exit code 0.

use std::thread::JoinHandle;
use std::time::Duration;

use arbitrary::{Result as ArbResult, Unstructured};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::{Diagnostic, Position, Range, TextEdit};
use serde_json::{json, Value};

use crate::mirror;
use dlint::fix::{fix_source, FixOptions};

/// The server must answer within this (a hang is a failure).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Text fragments edits insert: multi-byte characters, line endings,
/// continuations, and pieces of instructions.
const SNIPPETS: &[&str] = &[
    "😀",
    "공",
    "公",
    "é",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "e\u{301}",
    "\u{feff}",
    "\r\n",
    "\n",
    "\r",
    "\\\n",
    "\\\r\n",
    " ",
    "\t",
    "#",
    "# dlint ignore=all\n",
    "# syntax=docker/dockerfile:1\n",
    "# escape=`\n",
    "FROM alpine:3.19 AS build\n",
    "RUN apt-get install -y curl\n",
    "RUN --mount=type=cache,target=/root/.cache pip install x\n",
    "COPY --from=build --chown=1:1 /a /b\n",
    "ADD http://x/y.tar.gz /\n",
    "RUN <<EOF\necho 공\nEOF\n",
    "ARG V=1\n",
    "ENV A=${V:-x}\n",
    "CMD [\"a\", \"😀\"]\n",
    "ONBUILD RUN x\n",
    "USER root\n",
    "HEALTHCHECK CMD true\n",
];

#[derive(Debug)]
enum Op {
    Change(Range, String),
    Replace(String),
    Pull,
    Hover(Position),
    Action(Range),
    Save,
}

/// A position near the text: mostly inside it, sometimes far out.
fn position(u: &mut Unstructured, text: &str) -> ArbResult<Position> {
    let lines = mirror::line_count(text) as u32;
    let line = match u.int_in_range(0u8..=15)? {
        0 => u32::MAX,
        1 => lines + u32::from(u.arbitrary::<u8>()?),
        _ => u.int_in_range(0..=lines.saturating_sub(1))?,
    };
    let character = match u.int_in_range(0u8..=15)? {
        0 => u32::MAX,
        1 => u32::from(u.arbitrary::<u16>()?),
        _ => u32::from(u.int_in_range(0u8..=120)?),
    };
    Ok(Position::new(line, character))
}

fn range(u: &mut Unstructured, text: &str) -> ArbResult<Range> {
    let start = position(u, text)?;
    let end = match u.int_in_range(0u8..=3)? {
        0 => start,
        1 => Position::new(start.line, start.character.saturating_add(1)),
        _ => position(u, text)?,
    };
    Ok(Range::new(start, end))
}

fn new_text(u: &mut Unstructured) -> ArbResult<String> {
    let n = u.int_in_range(0u8..=3)?;
    let mut s = String::new();
    for _ in 0..n {
        if u.arbitrary::<bool>()? {
            s.push_str(u.choose(SNIPPETS)?);
        } else {
            let t: &str = u.arbitrary()?;
            s.extend(t.chars().take(40));
        }
    }
    Ok(s)
}

fn op(u: &mut Unstructured, text: &str) -> ArbResult<Op> {
    Ok(match u.int_in_range(0u8..=11)? {
        0..=5 => Op::Change(range(u, text)?, new_text(u)?),
        6 => Op::Replace(new_text(u)?),
        7 => Op::Pull,
        8 => Op::Hover(position(u, text)?),
        9 | 10 => Op::Action(range(u, text)?),
        _ => Op::Save,
    })
}

/// An editor talking to the server.
struct Client {
    conn: Connection,
    server: Option<JoinHandle<i32>>,
    next_id: i32,
}

impl Client {
    fn start() -> Client {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || dlint::server::run(server));
        Client {
            conn: client,
            server: Some(handle),
            next_id: 0,
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification {
                method: method.into(),
                params,
            }))
            .expect("server alive");
    }

    /// Sends a request and waits for its answer, checking the messages
    /// that arrive meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn
            .sender
            .send(Message::Request(Request {
                id: id.clone(),
                method: method.into(),
                params,
            }))
            .expect("server alive");
        loop {
            let msg = self
                .conn
                .receiver
                .recv_timeout(ANSWER_TIMEOUT)
                .unwrap_or_else(|e| panic!("no answer to {method}: {e}"));
            match msg {
                Message::Response(r) if r.id == id => {
                    if let Some(e) = r.error {
                        panic!("{method} failed: {} {}", e.code, e.message);
                    }
                    return r.result.unwrap_or(Value::Null);
                }
                Message::Response(r) => panic!("answer to an unknown request {:?}", r.id),
                Message::Notification(n) => check_notification(&n),
                Message::Request(r) => {
                    // Not offered in our capabilities, but answer anyway.
                    let _ = self
                        .conn
                        .sender
                        .send(Message::Response(Response::new_ok(r.id, Value::Null)));
                }
            }
        }
    }

    fn finish(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let code = self
            .server
            .take()
            .expect("server thread")
            .join()
            .expect("server thread panicked");
        assert_eq!(code, 0, "exit code after shutdown and exit");
        // Nothing may be left unsaid as an internal error.
        while let Ok(m) = self.conn.receiver.try_recv() {
            if let Message::Notification(n) = m {
                check_notification(&n);
            }
        }
    }
}

fn check_notification(n: &Notification) {
    if n.method == "window/logMessage" || n.method == "window/showMessage" {
        let msg = n
            .params
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("");
        assert!(!msg.contains("internal error"), "server logged: {msg}");
    }
}

fn pull(client: &mut Client, uri: &str) -> Vec<Diagnostic> {
    let r = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(r["kind"], "full", "{r}");
    serde_json::from_value(r["items"].clone()).expect("diagnostics")
}

/// The parts of a diagnostic that depend on the text only.
fn comparable(d: &Diagnostic) -> Value {
    let mut data = d.data.clone().unwrap_or(Value::Null);
    if let Some(o) = data.as_object_mut() {
        o.remove("version");
    }
    json!({
        "range": d.range,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "related": d.related_information.as_ref().map(|r| r
            .iter()
            .map(|i| json!([i.location.range, i.message]))
            .collect::<Vec<_>>()),
        "data": data,
    })
}

/// Fix edits and the ignore edit a diagnostic carries.
fn carried_edits(d: &Diagnostic) -> (Vec<TextEdit>, Option<TextEdit>) {
    let data = d.data.clone().unwrap_or(Value::Null);
    let edit = |e: &Value| -> TextEdit {
        let n = |i: usize| e[i].as_u64().expect("edit position") as u32;
        TextEdit::new(
            Range::new(Position::new(n(0), n(1)), Position::new(n(2), n(3))),
            e[4].as_str().expect("edit text").to_string(),
        )
    };
    let fix = data["fix"]["edits"]
        .as_array()
        .map(|a| a.iter().map(edit).collect())
        .unwrap_or_default();
    let ignore = data["ignore"].as_array().map(|a| {
        let n = |i: usize| a[i].as_u64().expect("ignore position") as u32;
        let at = Position::new(n(0), n(1));
        TextEdit::new(Range::new(at, at), a[2].as_str().unwrap_or("").to_string())
    });
    (fix, ignore)
}

fn check_diagnostics(text: &str, diags: &[Diagnostic], utf16: bool) {
    for d in diags {
        let where_ = |what: &str, e: String| format!("{what} of {:?}: {e}\n{text:?}", d.code);
        mirror::check_range(text, d.range, utf16)
            .unwrap_or_else(|e| panic!("{}", where_("range", e)));
        for r in d.related_information.iter().flatten() {
            mirror::check_range(text, r.location.range, utf16)
                .unwrap_or_else(|e| panic!("{}", where_("related", e)));
        }
        let (fix, ignore) = carried_edits(d);
        mirror::apply_edits(text, &fix, utf16).unwrap_or_else(|e| panic!("{}", where_("fix", e)));
        if let Some(ig) = ignore {
            mirror::apply_edits(text, &[ig], utf16)
                .unwrap_or_else(|e| panic!("{}", where_("ignore edit", e)));
        }
    }
}

/// The text edits of a code action on `uri`, whichever form the edit has.
fn action_edits(action: &Value, uri: &str) -> Vec<TextEdit> {
    let edit = &action["edit"];
    let mut out: Vec<TextEdit> = Vec::new();
    if let Some(e) = edit["changes"][uri].as_array() {
        out.extend(
            e.iter()
                .map(|t| serde_json::from_value(t.clone()).expect("text edit")),
        );
    }
    for op in edit["documentChanges"].as_array().into_iter().flatten() {
        if op["textDocument"]["uri"] == uri {
            for t in op["edits"].as_array().into_iter().flatten() {
                out.push(serde_json::from_value(t.clone()).expect("text edit"));
            }
        }
    }
    out
}

const URI_A: &str = "untitled:fuzz-a";
const URI_B: &str = "untitled:fuzz-b";

/// Runs one session; see the module doc.
pub fn check_session(data: &[u8]) {
    if data.len() > crate::MAX_LEN {
        return;
    }
    let (text_part, ops_part) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Some(text) = crate::text(text_part) else {
        return;
    };
    let mut u = Unstructured::new(ops_part);
    let flags: u8 = u.arbitrary().unwrap_or(0);
    let utf16 = flags & 1 == 0;
    let document_changes = flags & 2 != 0;
    let unsafe_fixes = flags & 4 != 0;

    let mut client = Client::start();
    client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": null,
            "capabilities": {
                "general": {"positionEncodings": [if utf16 { "utf-16" } else { "utf-8" }]},
                "textDocument": {"diagnostic": {}},
                "workspace": {"workspaceEdit": {"documentChanges": document_changes}}
            },
            // ShellCheck is a separate program whose findings arrive when it
            // is done (an edited and a fresh document would differ by when
            // it answered): this target exercises dlint's own code.
            "initializationOptions": {"select": ["ALL"], "ignore": ["shellcheck"], "unsafeFixes": unsafe_fixes}
        }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI_A, "languageId": "dockerfile", "version": 1, "text": text}}),
    );

    let mut mirror_text = text;
    let mut version = 1;
    let mut last: Vec<Diagnostic> = Vec::new();
    for _ in 0..24 {
        if u.is_empty() {
            break;
        }
        let Ok(op) = op(&mut u, &mirror_text) else {
            break;
        };
        match op {
            Op::Change(r, t) => {
                if mirror_text.len() + t.len() > crate::MAX_LEN {
                    continue;
                }
                version += 1;
                mirror::apply_change(&mut mirror_text, Some(r), &t, utf16);
                client.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI_A, "version": version},
                           "contentChanges": [{"range": r, "text": t}]}),
                );
            }
            Op::Replace(t) => {
                version += 1;
                mirror::apply_change(&mut mirror_text, None, &t, utf16);
                client.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI_A, "version": version},
                           "contentChanges": [{"text": t}]}),
                );
            }
            Op::Pull => {
                last = pull(&mut client, URI_A);
                check_diagnostics(&mirror_text, &last, utf16);
            }
            Op::Hover(p) => {
                client.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": URI_A}, "position": p}),
                );
            }
            Op::Action(r) => {
                // With the diagnostics of the last pull (maybe of an older
                // version: the server must refuse their edits).
                let actions = client.request(
                    "textDocument/codeAction",
                    json!({"textDocument": {"uri": URI_A}, "range": r,
                           "context": {"diagnostics": last}}),
                );
                let fresh = last.iter().all(|d| {
                    d.data.as_ref().and_then(|v| v["version"].as_i64()) == Some(version.into())
                });
                if fresh {
                    for a in actions.as_array().into_iter().flatten() {
                        let edits = action_edits(a, URI_A);
                        mirror::apply_edits(&mirror_text, &edits, utf16)
                            .unwrap_or_else(|e| panic!("action {}: {e}", a["title"]));
                    }
                }
            }
            Op::Save => client.notify(
                "textDocument/didSave",
                json!({"textDocument": {"uri": URI_A}}),
            ),
        }
    }

    // The edited document reads as the client's copy does.
    let edited = pull(&mut client, URI_A);
    check_diagnostics(&mirror_text, &edited, utf16);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI_B, "languageId": "dockerfile", "version": 1, "text": mirror_text}}),
    );
    let fresh = pull(&mut client, URI_B);
    let a: Vec<Value> = edited.iter().map(comparable).collect();
    let b: Vec<Value> = fresh.iter().map(comparable).collect();
    assert!(
        a == b,
        "the edited document and the same text opened afresh differ\ntext: {mirror_text:?}\nedited: {a:#?}\nfresh: {b:#?}"
    );

    // Fix-all, applied by the client, is what `dlint --fix` writes.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI_A},
               "range": Range::default(),
               "context": {"diagnostics": [], "only": ["source.fixAll.dlint"]}}),
    );
    let expected = fix_source(
        &mirror_text,
        None,
        &crate::all_rules(),
        None,
        FixOptions { unsafe_fixes },
    )
    .fixed;
    let got = match actions.as_array().and_then(|a| a.first()) {
        Some(a) => mirror::apply_edits(&mirror_text, &action_edits(a, URI_A), utf16)
            .unwrap_or_else(|e| panic!("fix-all: {e}")),
        None => mirror_text.clone(),
    };
    assert!(
        got == expected,
        "fix-all applied by the client differs from dlint --fix\ntext: {mirror_text:?}\nclient: {got:?}\n--fix: {expected:?}"
    );
    client.finish();
}
