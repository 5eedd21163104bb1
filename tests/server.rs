//! In-process tests of the language server over lsp_server's in-memory
//! connection (plus two over the real binary's stdio for framing errors).

mod common;

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dlint::syntax::{ColumnUnit, LineCol, LineIndex};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(20);

/// What the fake client answers to the server's own requests.
type ServerRequestPolicy = Box<dyn FnMut(&Request) -> Response + Send>;

struct Client {
    conn: Connection,
    server: Option<JoinHandle<i32>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    inbox: VecDeque<Notification>,
    /// Responses received while waiting for another one.
    responses: Vec<Response>,
    policy: ServerRequestPolicy,
    /// Requests the server sent us (method names).
    server_requests: Vec<String>,
    /// UTF-8 when negotiated (for local position conversions).
    utf8: bool,
}

fn default_policy() -> ServerRequestPolicy {
    Box::new(|r: &Request| match r.method.as_str() {
        // Like a client without dynamic registration: refused.
        "client/registerCapability" => Response::new_err(r.id.clone(), -32601, "nope".into()),
        "workspace/configuration" => Response::new_ok(r.id.clone(), json!([null])),
        _ => Response::new_ok(r.id.clone(), Value::Null),
    })
}

impl Client {
    /// Starts a server; `before` may queue messages before it runs.
    fn start_with(before: impl FnOnce(&Connection)) -> Client {
        let (server, client) = Connection::memory();
        before(&client);
        let handle = std::thread::spawn(move || dlint::server::run(server));
        Client {
            conn: client,
            server: Some(handle),
            next_id: 1000,
            inbox: VecDeque::new(),
            responses: Vec::new(),
            policy: default_policy(),
            server_requests: Vec::new(),
            utf8: false,
        }
    }

    fn start() -> Client {
        Client::start_with(|_| {})
    }

    /// Starts and initializes with these capabilities and options.
    fn init(caps: Value, options: Value) -> Client {
        let mut c = Client::start();
        let r = c.initialize(caps, options);
        assert!(r.error.is_none(), "{r:?}");
        c
    }

    fn initialize(&mut self, caps: Value, options: Value) -> Response {
        let r = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": caps, "initializationOptions": options}),
        );
        if let Some(res) = &r.result {
            self.utf8 = res["capabilities"]["positionEncoding"] == "utf-8";
        }
        self.notify("initialized", json!({}));
        r
    }

    fn send(&self, m: impl Into<Message>) {
        self.conn.sender.send(m.into()).expect("server alive");
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.into(), params));
    }

    fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.into(), params));
        id
    }

    /// The next message, answering the server's requests on the way.
    fn recv(&mut self, deadline: Instant) -> Option<Message> {
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.conn.receiver.recv_timeout(left) {
                Ok(Message::Request(r)) => {
                    self.server_requests.push(r.method.clone());
                    let resp = (self.policy)(&r);
                    self.send(resp);
                }
                Ok(m) => return Some(m),
                Err(_) => return None,
            }
        }
    }

    fn response(&mut self, id: &RequestId) -> Response {
        if let Some(i) = self.responses.iter().position(|r| &r.id == id) {
            return self.responses.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.recv(deadline) {
                Some(Message::Response(r)) if &r.id == id => return r,
                Some(Message::Response(r)) => self.responses.push(r),
                Some(Message::Notification(n)) => self.inbox.push_back(n),
                Some(Message::Request(_)) => {}
                None => panic!("no response to {id:?}"),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Response {
        let id = self.send_request(method, params);
        self.response(&id)
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        assert!(r.error.is_none(), "{method}: {:?}", r.error);
        r.result.unwrap_or(Value::Null)
    }

    /// Waits for a notification matching `pred`, which is taken out; others
    /// stay in the inbox.
    fn wait_for(
        &mut self,
        method: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let hit = |n: &Notification| n.method == method && pred(&n.params);
        if let Some(i) = self.inbox.iter().position(hit) {
            return self.inbox.remove(i).map(|n| n.params);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv(deadline)? {
                Message::Notification(n) if hit(&n) => return Some(n.params),
                Message::Notification(n) => self.inbox.push_back(n),
                Message::Response(r) => self.responses.push(r),
                Message::Request(_) => {}
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let p = self
            .wait_for("textDocument/publishDiagnostics", TIMEOUT, |p| {
                p["uri"] == uri && p["version"] == version
            })
            .unwrap_or_else(|| panic!("no diagnostics for {uri} v{version}"));
        p["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
        );
    }

    fn change(&self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    fn shutdown_and_exit(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert!(r.error.is_none());
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }

    fn exit_code(mut self) -> i32 {
        self.server.take().unwrap().join().unwrap()
    }
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["data"]["rule"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn offset(text: &str, pos: &Value, utf8: bool) -> usize {
    let lines = LineIndex::new(text);
    let unit = if utf8 {
        ColumnUnit::Utf8
    } else {
        ColumnUnit::Utf16
    };
    lines.offset(
        text,
        LineCol {
            line: pos["line"].as_u64().unwrap() as usize,
            col: pos["character"].as_u64().unwrap() as usize,
        },
        unit,
    )
}

/// The text edits of a workspace edit for `uri`, and the versions they name.
fn edits_for(edit: &Value, uri: &str) -> (Vec<Value>, Vec<Value>) {
    let mut edits = Vec::new();
    let mut versions = Vec::new();
    if let Some(dc) = edit["documentChanges"].as_array() {
        for c in dc {
            if c["textDocument"]["uri"] == uri {
                versions.push(c["textDocument"]["version"].clone());
                edits.extend(c["edits"].as_array().unwrap().iter().cloned());
            }
        }
    }
    if let Some(ch) = edit["changes"][uri].as_array() {
        edits.extend(ch.iter().cloned());
    }
    (edits, versions)
}

/// Applies a workspace edit to `text` (the client's copy) and sends the same
/// edits to the server as an incremental change.
fn apply_and_sync(c: &Client, uri: &str, text: &mut String, edit: &Value, version: i64) {
    let (mut edits, _) = edits_for(edit, uri);
    assert!(!edits.is_empty(), "no edits for {uri} in {edit}");
    // Last first, so earlier ranges stay valid.
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64().unwrap(),
            e["range"]["start"]["character"].as_u64().unwrap(),
        ))
    });
    let mut changes = Vec::new();
    for e in &edits {
        let s = offset(text, &e["range"]["start"], c.utf8);
        let t = offset(text, &e["range"]["end"], c.utf8);
        text.replace_range(s..t, e["newText"].as_str().unwrap());
        changes.push(json!({"range": e["range"], "text": e["newText"]}));
    }
    c.change(uri, version, Value::Array(changes));
}

fn uri_of(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// A build context with a .dockerignore, so only the Dockerfile's own
/// findings show.
fn project(dockerfile: &str) -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    fs::write(d.path().join("app.sh"), "#!/bin/sh\n").unwrap();
    fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    let uri = uri_of(&d.path().join("Dockerfile"));
    (d, uri)
}

const SAMPLE: &str = "FROM alpine:3.20\nADD app.sh /app/app.sh\nUSER 1000\n";

fn quickfix_caps() -> Value {
    json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}})
}

// ---------------------------------------------------------------------
// Lifecycle

#[test]
fn initialize_negotiates_position_encoding() {
    let mut c = Client::start();
    let r = c.initialize(json!({}), Value::Null);
    let caps = &r.result.as_ref().unwrap()["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["hoverProvider"], true);
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap()
        .contains(&json!("source.fixAll.dlint")));
    assert!(caps.get("diagnosticProvider").is_none(), "push-only client");
    assert_eq!(c.shutdown_and_exit(), 0);

    let mut c = Client::start();
    let r = c.initialize(
        json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}, "textDocument": {"diagnostic": {}}}),
        Value::Null,
    );
    let caps = &r.result.as_ref().unwrap()["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["diagnosticProvider"]["identifier"], "dlint");
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn utf8_and_utf16_columns() {
    let text = "FROM alpine:3.20\n# dlint ignore=ééé,bogus\nUSER 1000\n";
    for (encodings, col) in [(json!(["utf-16"]), 19), (json!(["utf-8", "utf-16"]), 22)] {
        let (_d, uri) = project(text);
        let mut c = Client::init(
            json!({"general": {"positionEncodings": encodings}}),
            Value::Null,
        );
        c.open(&uri, text);
        let diags = c.diagnostics(&uri, 1);
        let bogus = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains("bogus"))
            .unwrap_or_else(|| panic!("{diags:?}"));
        assert_eq!(
            bogus["range"]["start"],
            json!({"line": 1, "character": col})
        );
        assert_eq!(bogus["tags"], json!([1]), "unnecessary");
        c.shutdown_and_exit();
    }
}

#[test]
fn lifecycle_errors_and_exit_codes() {
    // Requests before initialize: ServerNotInitialized.
    let mut c = Client::start();
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r.error.unwrap().code, -32002);
    c.initialize(json!({}), Value::Null);
    // A second initialize is invalid.
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert_eq!(r.error.unwrap().code, -32600);
    let r = c.request("shutdown", Value::Null);
    assert!(r.error.is_none());
    // After shutdown, requests are invalid.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r.error.unwrap().code, -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);

    // exit without shutdown: 1.
    let c = Client::init(json!({}), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);

    // The client goes away without exit: 1.
    let c = Client::init(json!({}), Value::Null);
    let Client { conn, server, .. } = c;
    drop(conn);
    assert_eq!(server.unwrap().join().unwrap(), 1);
}

// ---------------------------------------------------------------------
// Diagnostics

#[test]
fn diagnostics_published_on_open() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(codes(&diags), vec!["add-instead-of-copy"]);
    let d = &diags[0];
    assert_eq!(d["code"], "D201");
    assert_eq!(d["source"], "dlint");
    assert_eq!(d["severity"], 2);
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/add-instead-of-copy.md"));
    assert_eq!(
        d["range"],
        json!({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}})
    );
    assert_eq!(d["data"]["version"], 1);
    assert_eq!(d["data"]["fix"]["safe"], true);
    c.shutdown_and_exit();
}

#[test]
fn related_information_and_context_rules() {
    // No .dockerignore: missing-dockerignore; split apt layers carry the
    // install RUN as related information.
    let d = tempfile::tempdir().unwrap();
    let text =
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /src\nUSER 1000\n";
    fs::write(d.path().join("Dockerfile"), text).unwrap();
    let uri = uri_of(&d.path().join("Dockerfile"));
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, 1);
    let names = codes(&diags);
    assert!(
        names.contains(&"missing-dockerignore".to_string()),
        "{names:?}"
    );
    let split = diags
        .iter()
        .find(|d| d["data"]["rule"] == "split-apt-layers")
        .unwrap_or_else(|| panic!("{names:?}"));
    let rel = &split["relatedInformation"][0];
    assert_eq!(rel["location"]["uri"], uri.as_str());
    assert_eq!(rel["location"]["range"]["start"]["line"], 2);

    // The .dockerignore fix creates the file.
    let missing = diags
        .iter()
        .find(|d| d["data"]["rule"] == "missing-dockerignore")
        .unwrap();
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": missing["range"], "context": {"diagnostics": [missing]}}),
    );
    let create = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Create"))
        .unwrap_or_else(|| panic!("{actions:#}"));
    let ops = create["edit"]["documentChanges"].as_array().unwrap();
    assert!(ops
        .iter()
        .any(|o| o["kind"] == "create" && o["uri"].as_str().unwrap().ends_with("/.dockerignore")));

    // A .dockerignore appears: the watched-files event re-checks the document.
    fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&d.path().join(".dockerignore")), "type": 1}]}),
    );
    // The document is linted again with the new context. (A publish queued
    // before the event, such as the one after ShellCheck's results came in,
    // may still name the old finding: the last one counts, as for a client.)
    let gone = c.wait_for("textDocument/publishDiagnostics", TIMEOUT, |p| {
        p["uri"] == uri.as_str()
            && !p["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["data"]["rule"] == "missing-dockerignore")
    });
    assert!(gone.is_some(), "missing-dockerignore is still published");
    c.shutdown_and_exit();
}

#[test]
fn incremental_edits_update_diagnostics() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["add-instead-of-copy"]);
    // ADD -> COPY
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}, "text": "COPY"}]),
    );
    assert!(c.diagnostics(&uri, 2).is_empty());
    // Two changes in one notification: a latest tag, then an ADD back.
    c.change(
        &uri,
        3,
        json!([
            {"range": {"start": {"line": 0, "character": 12}, "end": {"line": 0, "character": 16}}, "text": "latest"},
            {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 4}}, "text": "ADD"}
        ]),
    );
    let mut got = codes(&c.diagnostics(&uri, 3));
    got.sort();
    assert_eq!(got, vec!["add-instead-of-copy", "latest-tag"]);
    // A full replacement.
    c.change(&uri, 4, json!([{"text": "FROM alpine:3.20\nUSER 1000\n"}]));
    assert!(c.diagnostics(&uri, 4).is_empty());
    c.shutdown_and_exit();
}

#[test]
fn dockerfile_named_documents_and_others() {
    let mut c = Client::init(json!({}), Value::Null);
    // Named like a Dockerfile, language plaintext: linted.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/app.Dockerfile", "languageId": "plaintext", "version": 1, "text": "FROM alpine:latest\n"}}),
    );
    let diags = c.diagnostics("file:///nowhere/app.Dockerfile", 1);
    assert!(codes(&diags).contains(&"latest-tag".to_string()));
    // Another file: ignored, and requests on it get empty answers.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/main.py", "languageId": "python", "version": 1, "text": "FROM alpine:latest\n"}}),
    );
    assert!(c
        .wait_for(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300),
            |p| p["uri"] == "file:///nowhere/main.py"
        )
        .is_none());
    let h = c.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/main.py"}, "position": {"line": 0, "character": 1}}),
    );
    assert!(h.is_null());
    c.shutdown_and_exit();
}

#[test]
fn close_clears_diagnostics() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    assert_eq!(c.diagnostics(&uri, 1).len(), 1);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let p = c
        .wait_for("textDocument/publishDiagnostics", TIMEOUT, |p| {
            p["uri"] == uri.as_str()
        })
        .unwrap();
    assert_eq!(p["diagnostics"], json!([]));
    c.shutdown_and_exit();
}

#[test]
fn pull_diagnostics_when_the_client_supports_them() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(
        json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}, "workspace": {"diagnostics": {"refreshSupport": true}}}),
        Value::Null,
    );
    c.open(&uri, SAMPLE);
    // Not pushed.
    assert!(c
        .wait_for(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300),
            |_| true
        )
        .is_none());
    let r = c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(r["kind"], "full");
    assert_eq!(
        codes(r["items"].as_array().unwrap()),
        vec!["add-instead-of-copy"]
    );
    let id = r["resultId"].clone();
    let r = c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}, "previousResultId": id}),
    );
    assert_eq!(r["kind"], "unchanged");
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}, "text": "COPY"}]),
    );
    let r = c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}, "previousResultId": id}),
    );
    assert_eq!(r["kind"], "full");
    assert_eq!(r["items"], json!([]));
    // Unknown documents: an empty report.
    let r = c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": "file:///nope/Dockerfile"}}),
    );
    assert_eq!(r["items"], json!([]));
    // Settings change: the client is asked to pull again.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dlint": {"ignore": ["latest-tag"]}}}),
    );
    c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(
        c.server_requests
            .iter()
            .any(|m| m == "workspace/diagnostic/refresh"),
        "{:?}",
        c.server_requests
    );
    c.shutdown_and_exit();
}

// ---------------------------------------------------------------------
// Code actions

fn actions(c: &mut Client, uri: &str, diag: &Value) -> Vec<Value> {
    c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}}),
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

#[test]
fn quickfix_applies_and_the_diagnostic_goes() {
    for caps in [quickfix_caps(), json!({})] {
        let (_d, uri) = project(SAMPLE);
        let mut c = Client::init(caps, Value::Null);
        c.open(&uri, SAMPLE);
        let diags = c.diagnostics(&uri, 1);
        let acts = actions(&mut c, &uri, &diags[0]);
        let fix = acts
            .iter()
            .find(|a| a["title"] == "Replace ADD with COPY")
            .unwrap_or_else(|| panic!("{acts:#?}"));
        assert_eq!(fix["kind"], "quickfix");
        assert_eq!(fix["isPreferred"], true);
        assert_eq!(fix["diagnostics"][0]["data"]["rule"], "add-instead-of-copy");
        let (_, versions) = edits_for(&fix["edit"], &uri);
        if fix["edit"].get("documentChanges").is_some() {
            assert_eq!(versions, vec![json!(1)]);
        }
        let mut text = SAMPLE.to_string();
        apply_and_sync(&c, &uri, &mut text, &fix["edit"], 2);
        assert_eq!(
            text,
            "FROM alpine:3.20\nCOPY app.sh /app/app.sh\nUSER 1000\n"
        );
        assert!(c.diagnostics(&uri, 2).is_empty());
        c.shutdown_and_exit();
    }
}

#[test]
fn unsafe_and_display_only_fixes() {
    // latest-tag has a display-only suggestion: no edit offered for it.
    let text = "FROM alpine:latest\nUSER 1000\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, 1);
    let acts = actions(&mut c, &uri, &diags[0]);
    let titles: Vec<&str> = acts.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        vec!["Ignore latest-tag for this instruction"],
        "{acts:#?}"
    );
    c.shutdown_and_exit();

    // root-user's fix is unsafe: offered, not preferred.
    let text = "FROM debian:12\nRUN echo hi\nCMD [\"app\"]\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, 1);
    let root = diags
        .iter()
        .find(|d| d["data"]["rule"] == "root-user")
        .expect("root-user");
    let acts = actions(&mut c, &uri, root);
    let fix = acts
        .iter()
        .find(|a| !a["title"].as_str().unwrap().starts_with("Ignore"))
        .unwrap_or_else(|| panic!("{acts:#?}"));
    assert_eq!(fix["isPreferred"], false);
    c.shutdown_and_exit();
}

#[test]
fn ignore_action_inserts_a_comment_with_the_indentation() {
    let text = "FROM alpine:3.20\n  ADD app.sh /app/app.sh\nUSER 1000\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, 1);
    let acts = actions(&mut c, &uri, &diags[0]);
    let ignore = acts
        .iter()
        .find(|a| a["title"] == "Ignore add-instead-of-copy for this instruction")
        .unwrap_or_else(|| panic!("{acts:#?}"));
    assert_eq!(ignore["isPreferred"], false);
    let mut t = text.to_string();
    apply_and_sync(&c, &uri, &mut t, &ignore["edit"], 2);
    assert_eq!(
        t,
        "FROM alpine:3.20\n  # dlint ignore=add-instead-of-copy\n  ADD app.sh /app/app.sh\nUSER 1000\n"
    );
    assert!(c.diagnostics(&uri, 2).is_empty());

    // With a dlint ignore comment already above: the name is added to it.
    let t3 =
        "FROM alpine:latest\n# dlint ignore=latest-tag -- ok\nADD app.sh /app/app.sh\nUSER 1000\n";
    c.change(&uri, 3, json!([{"text": t3}]));
    let diags = c.diagnostics(&uri, 3);
    let add = diags
        .iter()
        .find(|d| d["data"]["rule"] == "add-instead-of-copy")
        .unwrap();
    let acts = actions(&mut c, &uri, add);
    let ignore = acts
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Ignore"))
        .unwrap();
    let mut t = t3.to_string();
    apply_and_sync(&c, &uri, &mut t, &ignore["edit"], 4);
    assert!(
        t.contains("# dlint ignore=latest-tag,add-instead-of-copy -- ok\n"),
        "{t}"
    );
    assert_eq!(codes(&c.diagnostics(&uri, 4)), vec!["latest-tag"]);
    c.shutdown_and_exit();
}

#[test]
fn fix_all_matches_the_cli_fixer() {
    let text = "FROM alpine:3.20\nADD app.sh /app/app.sh\nADD run.sh /app/run.sh\nUSER 1000\n";
    let (d, uri) = project(text);
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.open(&uri, text);
    assert_eq!(c.diagnostics(&uri, 1).len(), 2);
    let acts = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let acts = acts.as_array().unwrap();
    assert_eq!(acts.len(), 1, "{acts:#?}");
    assert_eq!(acts[0]["kind"], "source.fixAll.dlint");
    let mut t = text.to_string();
    apply_and_sync(&c, &uri, &mut t, &acts[0]["edit"], 2);
    // The same text the CLI's fixer gives.
    let path = d.path().join("Dockerfile");
    let settings = dlint::settings::Settings::default();
    let ctx = dlint::analysis::load_context(Some(&path), &settings, &Default::default());
    let cli = dlint::fix::fix_source(
        text,
        Some(&path),
        &settings,
        ctx.as_ref(),
        Default::default(),
    );
    assert_eq!(t, cli.fixed);
    assert!(c.diagnostics(&uri, 2).is_empty());
    // Nothing left to fix: no action.
    let acts = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.dlint"]}}),
    );
    assert_eq!(acts, json!([]));
    c.shutdown_and_exit();
}

#[test]
fn stale_version_is_refused() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    let old = c.diagnostics(&uri, 1)[0].clone();
    // The document moves on (a line inserted above), but the client asks
    // with the old diagnostic.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# hi\n"}]),
    );
    let acts = actions(&mut c, &uri, &old);
    assert!(
        acts.iter().all(|a| a["kind"] != "quickfix"),
        "stale edits offered: {acts:#?}"
    );
    // With the current diagnostic, the fix is there again.
    let cur = c.diagnostics(&uri, 2)[0].clone();
    assert_eq!(cur["range"]["start"]["line"], 2);
    let acts = actions(&mut c, &uri, &cur);
    assert!(acts.iter().any(|a| a["title"] == "Replace ADD with COPY"));
    c.shutdown_and_exit();
}

#[test]
fn code_actions_without_context_use_the_current_lint() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    c.diagnostics(&uri, 1);
    let acts = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 1}, "end": {"line": 1, "character": 1}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = acts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Replace ADD with COPY"), "{titles:?}");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Fix all dlint problems")),
        "{titles:?}"
    );
    c.shutdown_and_exit();
}

// ---------------------------------------------------------------------
// Hover

fn hover(c: &mut Client, uri: &str, line: u32, character: u32) -> Value {
    c.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    )
}

#[test]
fn hover_on_diagnostic_keyword_and_rule_names() {
    let text = "# dlint ignore=latest-tag\nFROM alpine:latest\n# hadolint ignore=DL3020\nADD app.sh /app/app.sh\nUSER 1000\nFROM alpine:3.20\nCOPY --from=0 /a /a\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, text);
    c.diagnostics(&uri, 1);

    // A rule name in a dlint ignore comment.
    let h = hover(&mut c, &uri, 0, 18);
    assert_eq!(h["contents"]["kind"], "markdown");
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("# latest-tag (D102)"),
        "{h}"
    );
    assert_eq!(
        h["range"],
        json!({"start": {"line": 0, "character": 15}, "end": {"line": 0, "character": 25}})
    );
    // A hadolint alias.
    let h = hover(&mut c, &uri, 2, 20);
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("add-instead-of-copy"),
        "{h}"
    );

    // A keyword without a finding: the instruction's description.
    let h = hover(&mut c, &uri, 1, 1);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.starts_with("**FROM**"), "{v}");
    assert!(v.contains("build stage"), "{v}");
    let h = hover(&mut c, &uri, 6, 2);
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**COPY**"));

    // The root-user finding spans the final stage... hover on the USER-less
    // stage's diagnostic; here: missing nothing. Use a finding's range:
    c.change(
        &uri,
        2,
        json!([{"text": "FROM alpine:3.20\nADD app.sh /app/app.sh\nUSER 1000\n"}]),
    );
    c.diagnostics(&uri, 2);
    let h = hover(&mut c, &uri, 1, 1);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.contains("**D201** (add-instead-of-copy)"), "{v}");
    assert!(v.contains("# add-instead-of-copy (D201)"), "{v}");
    // The keyword description follows the rule doc.
    assert!(v.contains("**ADD**"), "{v}");
    // Nothing under the cursor.
    let h = hover(&mut c, &uri, 0, 10);
    assert!(h.is_null(), "{h}");
    c.shutdown_and_exit();
}

// ---------------------------------------------------------------------
// Settings and config

#[test]
fn settings_from_initialization_options_and_configuration() {
    let text = "FROM alpine:latest\nADD app.sh /app/app.sh\nUSER 1000\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(json!({}), json!({"ignore": ["add-instead-of-copy"]}));
    c.open(&uri, text);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["latest-tag"]);
    c.shutdown_and_exit();

    // workspace/configuration answers override.
    let mut c = Client::start();
    c.policy = Box::new(|r: &Request| match r.method.as_str() {
        "workspace/configuration" => {
            Response::new_ok(r.id.clone(), json!([{"select": ["add-instead-of-copy"]}]))
        }
        _ => Response::new_ok(r.id.clone(), Value::Null),
    });
    c.initialize(
        json!({"workspace": {"configuration": true, "didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        json!({"ignore": ["add-instead-of-copy"]}),
    );
    c.open(&uri, text);
    // Eventually only what the configuration selects.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let p = c
            .wait_for("textDocument/publishDiagnostics", TIMEOUT, |p| {
                p["uri"] == uri.as_str()
            })
            .unwrap();
        if codes(p["diagnostics"].as_array().unwrap()) == vec!["add-instead-of-copy"] {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    assert!(c
        .server_requests
        .contains(&"client/registerCapability".to_string()));
    c.shutdown_and_exit();
}

#[test]
fn config_file_reload_on_watched_files() {
    let (d, uri) = project(SAMPLE);
    let mut c = Client::init(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        Value::Null,
    );
    c.open(&uri, SAMPLE);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["add-instead-of-copy"]);
    // The registration was refused (default policy): the server goes on.
    assert!(c
        .server_requests
        .contains(&"client/registerCapability".to_string()));
    fs::write(
        d.path().join("dlint.toml"),
        "ignore = [\"add-instead-of-copy\"]\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&d.path().join("dlint.toml")), "type": 1}]}),
    );
    assert!(c.diagnostics(&uri, 1).is_empty());
    // A broken config: a warning, and the defaults.
    fs::write(d.path().join("dlint.toml"), "bogus = 1\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&d.path().join("dlint.toml")), "type": 2}]}),
    );
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["add-instead-of-copy"]);
    let shown = c.wait_for("window/showMessage", Duration::from_secs(2), |p| {
        p["message"].as_str().unwrap().contains("bogus")
    });
    assert!(shown.is_some(), "{:?}", c.inbox);
    c.shutdown_and_exit();
}

/// An edit re-lints the stage it touches and reuses the other stages'
/// findings (src/analysis/reuse.rs); a config change drops what was
/// kept, so a rule turned off stays off in the untouched stages too.
#[test]
fn edits_reuse_other_stages_findings_until_the_config_changes() {
    let text = "FROM alpine:3.20 AS a\nADD app.sh /a.sh\nUSER 1000\nFROM alpine:3.20 AS b\nADD app.sh /b.sh\nUSER 1000\n";
    let (d, uri) = project(text);
    let config = |trusted: &str| {
        fs::write(
            d.path().join("dlint.toml"),
            format!("extend-select = [\"untrusted-registry\"]\n[rules.untrusted-registry]\ntrusted-registries = [\"{trusted}\"]\n"),
        )
        .unwrap();
    };
    config("docker.io");
    let mut c = Client::init(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        Value::Null,
    );
    let lines = |diags: &[Value]| -> Vec<(String, u64)> {
        diags
            .iter()
            .map(|d| {
                (
                    d["data"]["rule"].as_str().unwrap_or("").to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let add = |l: u64| ("add-instead-of-copy".to_string(), l);
    let registry = |l: u64| ("untrusted-registry".to_string(), l);
    c.open(&uri, text);
    assert_eq!(lines(&c.diagnostics(&uri, 1)), vec![add(1), add(4)]);
    // Typing in stage b; stage a's finding is reused.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 4, "character": 16}, "end": {"line": 4, "character": 16}}, "text": "x"}]),
    );
    assert_eq!(lines(&c.diagnostics(&uri, 2)), vec![add(1), add(4)]);
    // A new line in stage a moves stage b's finding.
    c.change(
        &uri,
        3,
        json!([{"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "text": "ADD app.sh /c.sh\n"}]),
    );
    assert_eq!(lines(&c.diagnostics(&uri, 3)), vec![add(1), add(2), add(5)]);
    // The same rules with another option: nothing kept may survive.
    config("ghcr.io");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&d.path().join("dlint.toml")), "type": 2}]}),
    );
    let want = vec![registry(0), add(1), add(2), registry(4), add(5)];
    assert_eq!(lines(&c.diagnostics(&uri, 3)), want);
    c.change(
        &uri,
        4,
        json!([{"range": {"start": {"line": 5, "character": 17}, "end": {"line": 5, "character": 17}}, "text": "y"}]),
    );
    assert_eq!(lines(&c.diagnostics(&uri, 4)), want);
    c.shutdown_and_exit();
}

// ---------------------------------------------------------------------
// Robustness

#[test]
fn unknown_methods_and_bad_params() {
    let mut c = Client::init(json!({}), Value::Null);
    let r = c.request("textDocument/definitelyNot", json!({}));
    assert_eq!(r.error.unwrap().code, -32601);
    let r = c.request("$/customRequest", json!({}));
    assert_eq!(r.error.unwrap().code, -32601);
    // Unknown notifications are ignored.
    c.notify("$/somethingElse", json!({}));
    c.notify("textDocument/didOpen", json!({"bad": true}));
    let r = c.request("textDocument/hover", json!({"textDocument": 5}));
    assert_eq!(r.error.unwrap().code, -32602);
    // Still serving.
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///x/Dockerfile"}, "position": {"line": 0, "character": 0}}));
    assert!(r.error.is_none());
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn unknown_documents() {
    let mut c = Client::init(json!({}), Value::Null);
    let u = "file:///not/open/Dockerfile";
    assert!(hover(&mut c, u, 0, 0).is_null());
    let r = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert!(r.is_null() || r == json!([]));
    c.change(u, 2, json!([{"text": "FROM x\n"}]));
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": u}}));
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn out_of_range_positions_are_clamped() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    c.diagnostics(&uri, 1);
    let h = hover(&mut c, &uri, 9999, 9999);
    assert!(h.is_null() || h.get("contents").is_some());
    let h = hover(&mut c, &uri, 1, 4000);
    assert!(h.is_null() || h.get("contents").is_some());
    let r = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 500, "character": 0}, "end": {"line": 400, "character": 99}}, "context": {"diagnostics": []}}),
    );
    assert!(r.is_array());
    // An edit past the end appends.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 100, "character": 5}, "end": {"line": 200, "character": 0}}, "text": "ADD x.sh /x.sh\n"}]),
    );
    let diags = c.diagnostics(&uri, 2);
    assert_eq!(
        codes(&diags),
        vec!["add-instead-of-copy", "add-instead-of-copy"]
    );
    assert_eq!(diags[1]["range"]["start"]["line"], 3);
    c.shutdown_and_exit();
}

fn big_dockerfile(lines: usize) -> String {
    let mut s = String::from("FROM alpine:3.20\n");
    let mut i = 1;
    while i < lines - 1 {
        s.push_str(&format!("RUN echo step {i} && touch /tmp/f{i}\n"));
        i += 1;
    }
    s.push_str("USER 1000\n");
    s
}

#[test]
fn ten_thousand_line_document() {
    let text = big_dockerfile(10_000);
    assert_eq!(text.lines().count(), 10_000);
    let (_d, uri) = project(&text);
    let mut c = Client::init(json!({}), Value::Null);
    let t = Instant::now();
    c.open(&uri, &text);
    let diags = c.diagnostics(&uri, 1);
    eprintln!(
        "10,000 lines: {} diagnostics in {:?}",
        diags.len(),
        t.elapsed()
    );
    // An edit at the end, a hover there.
    c.change(
        &uri,
        2,
        json!([{"range": {"start": {"line": 9999, "character": 0}, "end": {"line": 9999, "character": 0}}, "text": "ADD app.sh /app.sh\n"}]),
    );
    let diags = c.diagnostics(&uri, 2);
    assert_eq!(codes(&diags), vec!["add-instead-of-copy"]);
    assert_eq!(diags[0]["range"]["start"]["line"], 9999);
    let h = hover(&mut c, &uri, 9999, 1);
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("add-instead-of-copy"));
    c.shutdown_and_exit();
}

#[test]
fn thousand_rapid_edits() {
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    let mut text = "FROM alpine:3.20\nUSER 1000\n".to_string();
    c.open(&uri, &text);
    // Type a comment one character at a time at the start of line 1, then
    // turn it into an ADD.
    for v in 2..=1001i64 {
        let col = (v - 2) as u32;
        let ch = if v == 2 { "#" } else { "x" };
        c.change(
            &uri,
            v,
            json!([{"range": {"start": {"line": 1, "character": col}, "end": {"line": 1, "character": col}}, "text": ch}]),
        );
        text.insert_str(17 + col as usize, ch);
    }
    c.change(
        &uri,
        1002,
        json!([{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 1000}}, "text": "ADD app.sh /a\n"}]),
    );
    let diags = c.diagnostics(&uri, 1002);
    assert_eq!(codes(&diags), vec!["add-instead-of-copy"]);
    assert_eq!(diags[0]["range"]["start"]["line"], 1);
    // Fewer publishes than edits: bursts are linted once.
    c.shutdown_and_exit();
}

#[test]
fn cancelled_request_is_answered_with_request_cancelled() {
    // Everything is queued before the server runs, so the cancel arrives
    // before the request is handled.
    let mut c = Client::start_with(|conn| {
        let send = |m: Message| conn.sender.send(m).unwrap();
        send(Request::new(1.into(), "initialize".into(), json!({"capabilities": {}})).into());
        send(Notification::new("initialized".into(), json!({})).into());
        send(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": "file:///c/Dockerfile", "languageId": "dockerfile", "version": 1, "text": "FROM a:1\n"}}),
        )
        .into());
        send(Request::new(
            2.into(),
            "textDocument/hover".into(),
            json!({"textDocument": {"uri": "file:///c/Dockerfile"}, "position": {"line": 0, "character": 1}}),
        )
        .into());
        send(Notification::new("$/cancelRequest".into(), json!({"id": 2})).into());
        // A cancel for something unknown is ignored.
        send(Notification::new("$/cancelRequest".into(), json!({"id": 99})).into());
        send(Request::new(
            3.into(),
            "textDocument/hover".into(),
            json!({"textDocument": {"uri": "file:///c/Dockerfile"}, "position": {"line": 0, "character": 1}}),
        )
        .into());
    });
    let r = c.response(&1.into());
    assert!(r.error.is_none());
    let r = c.response(&2.into());
    assert_eq!(r.error.unwrap().code, -32800);
    let r = c.response(&3.into());
    assert!(r.result.unwrap()["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("FROM"));
    assert_eq!(c.shutdown_and_exit(), 0);
}

// ---------------------------------------------------------------------
// Over the real binary's stdio

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_message(r: &mut impl BufRead) -> Value {
    let mut len = 0;
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).unwrap() > 0, "server closed stdout");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// lsp-server's own reader gives up on a malformed body, which is why
/// `dlint server` has its own (src/server/transport.rs).
#[test]
fn lsp_server_reader_fails_on_malformed_json() {
    let mut input = std::io::Cursor::new(frame("{this is not json"));
    assert!(Message::read(&mut input).is_err());
}

/// `dlint server` in `dir`, with its stdin and (buffered) stdout.
fn stdio_server(
    dir: &Path,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    BufReader<std::process::ChildStdout>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .arg("server")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, stdin, out)
}

#[test]
fn stdio_survives_malformed_input() {
    let (mut child, mut stdin, mut out) = stdio_server(Path::new("."));
    // Malformed JSON body.
    stdin
        .write_all(&frame("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": "))
        .unwrap();
    stdin.flush().unwrap();
    let m = read_message(&mut out);
    assert_eq!(m["error"]["code"], -32700, "{m}");
    assert_eq!(m["id"], Value::Null);
    // Valid JSON, not a message.
    stdin.write_all(&frame("[1, 2]")).unwrap();
    stdin
        .write_all(&frame("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":7}"))
        .unwrap();
    stdin.flush().unwrap();
    assert_eq!(read_message(&mut out)["error"]["code"], -32600);
    let m = read_message(&mut out);
    assert_eq!(
        (m["error"]["code"].clone(), m["id"].clone()),
        (json!(-32600), json!(5))
    );
    // Header garbage and a bad Content-Length.
    stdin
        .write_all(b"hello there\r\n\r\nContent-Length: x\r\n\r\n")
        .unwrap();
    stdin.flush().unwrap();
    assert_eq!(read_message(&mut out)["error"]["code"], -32700);
    assert_eq!(read_message(&mut out)["error"]["code"], -32700);
    // Then a normal session.
    stdin
        .write_all(&frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        ))
        .unwrap();
    stdin.flush().unwrap();
    let m = read_message(&mut out);
    assert_eq!(m["id"], 1);
    assert_eq!(m["result"]["capabilities"]["positionEncoding"], "utf-16");
    stdin
        .write_all(&frame(
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        ))
        .unwrap();
    stdin
        .write_all(&frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#))
        .unwrap();
    stdin.flush().unwrap();
    let m = read_message(&mut out);
    assert_eq!(m["id"], 2);
    assert_eq!(m["result"], Value::Null);
    stdin
        .write_all(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#))
        .unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Over stdio, diagnostics are serialized straight from dlint's (no JSON
/// tree, src/server/transport.rs): what a client gets is what the
/// in-memory server publishes, field for field.
#[test]
fn stdio_publishes_what_the_in_memory_server_publishes() {
    // Fixes, related information, a file fix, non-ASCII text, CRLF.
    let text = "FROM debian\r\n# 설치 — ü\r\nRUN apt-get update && apt-get install curl git\r\nADD app.sh /app/app.sh\r\nENV A 1\r\nrun echo $UNDEFINED_가\r\n";
    let (d, uri) = project(text);
    fs::write(d.path().join("dlint.toml"), "select = [\"ALL\"]\n").unwrap();
    let open = json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 3, "text": text}});
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.notify("textDocument/didOpen", open.clone());
    let in_memory = c.diagnostics(&uri, 3);
    assert!(in_memory.len() >= 5, "{in_memory:#?}");
    assert!(in_memory
        .iter()
        .any(|d| d.get("relatedInformation").is_some()));
    assert!(in_memory.iter().any(|d| d["data"].get("fix").is_some()));
    assert_eq!(c.shutdown_and_exit(), 0);

    let (mut child, mut stdin, mut out) = stdio_server(d.path());
    let send = |stdin: &mut std::process::ChildStdin, v: Value| {
        stdin.write_all(&frame(&v.to_string())).unwrap();
        stdin.flush().unwrap();
    };
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": quickfix_caps()}}),
    );
    assert_eq!(read_message(&mut out)["id"], 1);
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": open}),
    );
    // The first publish is the open's (ShellCheck's findings would follow).
    let published = loop {
        let m = read_message(&mut out);
        if m["method"] == "textDocument/publishDiagnostics" {
            break m;
        }
    };
    assert_eq!(published["params"]["version"], 3);
    assert_eq!(published["jsonrpc"], "2.0");
    assert_eq!(published["params"]["uri"], uri.as_str());
    assert_eq!(published["params"]["diagnostics"], Value::Array(in_memory));
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    );
    assert_eq!(read_message(&mut out)["id"], 2);
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"}));
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn stdio_exit_without_shutdown_is_1() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(&frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        ))
        .unwrap();
    stdin
        .write_all(&frame(r#"{"jsonrpc":"2.0","method":"exit"}"#))
        .unwrap();
    stdin.flush().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1));
    // End of input without exit: 1 as well.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dlint"))
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn unsafe_fixes_setting_extends_fix_all() {
    let text = "FROM debian:12\nRUN echo hi\nCMD [\"app\"]\n";
    let (d, uri) = project(text);
    let fix_all = |c: &mut Client| {
        c.result(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": [], "only": ["source.fixAll.dlint"]}}),
        )
    };
    // Safe fixes only: root-user's fix is unsafe, so nothing to do.
    let mut c = Client::init(quickfix_caps(), Value::Null);
    c.open(&uri, text);
    c.diagnostics(&uri, 1);
    assert_eq!(fix_all(&mut c), json!([]));
    // Only quick fixes asked for: no fix-all.
    let acts = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert!(acts
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["kind"] == "quickfix"));
    c.shutdown_and_exit();

    let mut c = Client::init(quickfix_caps(), json!({"unsafeFixes": true}));
    c.open(&uri, text);
    c.diagnostics(&uri, 1);
    let acts = fix_all(&mut c);
    let acts = acts.as_array().unwrap();
    assert_eq!(acts.len(), 1, "{acts:#?}");
    let mut t = text.to_string();
    apply_and_sync(&c, &uri, &mut t, &acts[0]["edit"], 2);
    let path = d.path().join("Dockerfile");
    let settings = dlint::settings::Settings::default();
    let ctx = dlint::analysis::load_context(Some(&path), &settings, &Default::default());
    let cli = dlint::fix::fix_source(
        text,
        Some(&path),
        &settings,
        ctx.as_ref(),
        dlint::fix::FixOptions { unsafe_fixes: true },
    );
    assert_ne!(cli.fixed, text);
    assert_eq!(t, cli.fixed);
    assert!(!codes(&c.diagnostics(&uri, 2)).contains(&"root-user".to_string()));
    c.shutdown_and_exit();
}

#[test]
fn config_and_context_are_read_again_on_save() {
    // A client without file watching (Neovim 0.7): saving the document
    // picks up a new dlint.toml and .dockerignore.
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("app.sh"), "#!/bin/sh\n").unwrap();
    fs::write(d.path().join("Dockerfile"), SAMPLE).unwrap();
    let uri = uri_of(&d.path().join("Dockerfile"));
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    let mut got = codes(&c.diagnostics(&uri, 1));
    got.sort();
    assert_eq!(got, vec!["add-instead-of-copy", "missing-dockerignore"]);
    fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    fs::write(
        d.path().join("dlint.toml"),
        "ignore = [\"add-instead-of-copy\"]\n",
    )
    .unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(c.diagnostics(&uri, 1).is_empty());
    c.shutdown_and_exit();
}

#[test]
fn korean_comments_get_diagnostics_push_and_pull() {
    let text = "# 보안을 위해 root가 아닌 사용자로 실행\nFROM ubuntu:22.04\n# 日本語のコメント\nADD app.py /app/  \n";
    let (_d, uri) = project(text);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, text);
    let diags = c.diagnostics(&uri, 1);
    assert!(
        codes(&diags).contains(&"add-instead-of-copy".to_string()),
        "{diags:?}"
    );
    c.shutdown_and_exit();
    let mut c = Client::init(
        json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}}),
        Value::Null,
    );
    c.open(&uri, text);
    let r = c.result(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    let items = r["items"].as_array().unwrap().clone();
    assert!(
        codes(&items).contains(&"add-instead-of-copy".to_string()),
        "{r}"
    );
    c.shutdown_and_exit();
}

#[test]
fn a_panic_while_linting_replaces_stale_diagnostics_with_an_internal_error() {
    // Debug builds panic on this marker when DLINT_TEST_PANIC is set (see
    // src/analysis/mod.rs); no other test's text contains it.
    std::env::set_var("DLINT_TEST_PANIC", "1");
    let (_d, uri) = project(SAMPLE);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, SAMPLE);
    assert_eq!(codes(&c.diagnostics(&uri, 1)), vec!["add-instead-of-copy"]);
    let text = format!("# dlint-test-panic\n{SAMPLE}");
    c.change(&uri, 2, json!([{"text": text}]));
    let diags = c.diagnostics(&uri, 2);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "internal-error");
    assert_eq!(diags[0]["severity"], 1);
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("test panic requested by the file"));
    // The server goes on: a fixed text lints again.
    c.change(&uri, 3, json!([{"text": SAMPLE}]));
    assert_eq!(codes(&c.diagnostics(&uri, 3)), vec!["add-instead-of-copy"]);
    c.shutdown_and_exit();
}

#[test]
fn shellcheck_findings_follow_dlints_own() {
    if dlint::shellcheck::ShellCheck::get(&Default::default()).is_err() {
        common::missing(
            "shellcheck_findings_follow_dlints_own",
            "shellcheck is not on PATH",
        );
        return;
    }
    // A script no other test uses, so the process-wide cache is cold.
    let text = "FROM debian:12\nADD a /a\nRUN echo $only_in_this_test_1 \\\n  && echo 공 $only_in_this_test_2\n";
    let (_d, uri) = project(text);
    let mut c = Client::init(json!({}), Value::Null);
    c.open(&uri, text);
    let sc = |p: &Value| {
        p["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "SC2154")
    };
    let first = c
        .wait_for("textDocument/publishDiagnostics", TIMEOUT, |p| {
            p["uri"] == uri
        })
        .expect("diagnostics");
    let firsts = first["diagnostics"].as_array().unwrap().clone();
    assert!(codes(&firsts).contains(&"add-instead-of-copy".to_string()));
    let with_sc = if sc(&first) {
        first
    } else {
        c.wait_for(
            "textDocument/publishDiagnostics",
            Duration::from_secs(60),
            |p| p["uri"] == uri && sc(p),
        )
        .expect("ShellCheck's findings follow")
    };
    let d = with_sc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["code"] == "SC2154"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("only_in_this_test_2")
        })
        .cloned()
        .expect("SC2154 for the second variable");
    // Line 3 (0-based), after `  && echo 공 ` (UTF-16 columns).
    assert_eq!(d["range"]["start"], json!({"line": 3, "character": 12}));
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/SC2154"));
    c.shutdown_and_exit();
}
