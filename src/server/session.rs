//! The server's state and main loop.
//!
//! One thread handles messages in order. Before handling one, it drains
//! whatever else has arrived: `$/cancelRequest` for a request still queued
//! answers that request with `RequestCancelled` at once, and edits that
//! arrive in a burst are all applied before the document is linted again
//! (diagnostics are published when the queue is empty, or after at most
//! 100 ms under a steady stream of messages). A panic while handling a
//! message is caught: a request gets `InternalError`, the server goes on.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentDiagnosticParams, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    FullDocumentDiagnosticReport, HoverParams, MessageType, RelatedFullDocumentDiagnosticReport,
    RelatedUnchangedDocumentDiagnosticReport, UnchangedDocumentDiagnosticReport,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::actions::{self, EditCaps, FIX_ALL_KIND};
use super::convert::{self, Encoding};
use super::diagnostics;
use super::documents::{Analysis, Document};
use super::hover;
use super::settings::ClientSettings;
use crate::analysis::{analyze_reusing, load_context};
use crate::config::{ConfigCache, CONFIG_NAMES, HADOLINT_NAMES};
use crate::context::ContextCache;
use crate::settings::Settings;

type HandlerResult = Result<Value, (i32, String)>;

/// Where the server is in the LSP lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

/// Requests the server sent to the client, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    RegisterWatchers,
    Configuration,
    Refresh,
}

/// What the client said it supports.
#[derive(Debug, Clone, Copy)]
struct Caps {
    encoding: Encoding,
    /// textDocument/diagnostic (pull): then nothing is pushed.
    pull: bool,
    refresh: bool,
    configuration: bool,
    watch_dynamic: bool,
    edits: EditCaps,
    markdown: bool,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            encoding: Encoding::Utf16,
            pull: false,
            refresh: false,
            configuration: false,
            watch_dynamic: false,
            edits: EditCaps::default(),
            markdown: true,
        }
    }
}

fn flag(v: &Value, pointer: &str) -> bool {
    v.pointer(pointer).and_then(Value::as_bool).unwrap_or(false)
}

impl Caps {
    fn from_json(c: &Value) -> Caps {
        let offered: Vec<String> = c
            .pointer("/general/positionEncodings")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let resource_ops: Vec<&str> = c
            .pointer("/workspace/workspaceEdit/resourceOperations")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let hover_formats: Option<Vec<&str>> = c
            .pointer("/textDocument/hover/contentFormat")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        Caps {
            encoding: Encoding::negotiate(&offered),
            pull: c
                .pointer("/textDocument/diagnostic")
                .is_some_and(Value::is_object),
            refresh: flag(c, "/workspace/diagnostics/refreshSupport"),
            configuration: flag(c, "/workspace/configuration"),
            watch_dynamic: flag(c, "/workspace/didChangeWatchedFiles/dynamicRegistration"),
            edits: EditCaps {
                document_changes: flag(c, "/workspace/workspaceEdit/documentChanges"),
                create_files: resource_ops.contains(&"create"),
            },
            markdown: hover_formats.is_none_or(|f| f.is_empty() || f.contains(&"markdown")),
        }
    }
}

/// ShellCheck off the typing path: scripts a lint did not find in the cache
/// are checked on a thread, started once the client has sent nothing for
/// [`SHELLCHECK_QUIET`]; when it is done the documents waiting for them are
/// linted again (also after such a quiet). A document edit cancels a
/// running check (the new text's scripts are queued by its own lint) and a
/// pending re-lint of that document (its own lint reads the results).
struct ShellJobs {
    /// Non-blocking runners, by setting.
    runners: Vec<(
        crate::shellcheck::Setting,
        Arc<crate::shellcheck::ShellCheck>,
    )>,
    done_tx: crossbeam_channel::Sender<()>,
    done_rx: crossbeam_channel::Receiver<()>,
    running: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
    /// Documents linted without some ShellCheck results.
    waiting: HashSet<String>,
    /// Documents whose missing results have come: linted again when the
    /// client is quiet.
    follow_up: BTreeSet<String>,
}

impl Default for ShellJobs {
    fn default() -> Self {
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        ShellJobs {
            runners: Vec::new(),
            done_tx,
            done_rx,
            running: None,
            waiting: HashSet::new(),
            follow_up: BTreeSet::new(),
        }
    }
}

struct Server<'a> {
    /// Publish diagnostics as [`RAW_FRAME`]s (the stdio transport).
    raw_frames: bool,
    shell: ShellJobs,
    conn: &'a Connection,
    phase: Phase,
    caps: Caps,
    /// The workspace root (config for documents without a path).
    root: Option<PathBuf>,
    docs: HashMap<String, Document>,
    /// Documents whose diagnostics must be pushed.
    dirty: BTreeSet<String>,
    configs: ConfigCache,
    contexts: ContextCache,
    client: ClientSettings,
    /// Bumped when settings change (part of pull result ids).
    generation: u64,
    next_id: u64,
    pending: HashMap<RequestId, Pending>,
    queue: VecDeque<Message>,
    /// Warnings already shown (bad config, unknown rule names).
    warned: HashSet<String>,
    /// Lints of old texts, freed when the queue is empty.
    retired: Retired,
    /// Since when documents have waited for their diagnostics.
    dirty_since: Option<Instant>,
    /// When the last message from the client came.
    last_message: Instant,
}

/// Findings of old texts (their models go to the next lint). Hundreds of
/// findings take a while to free, so a thread of its own frees them, off
/// the path of the next edit.
#[derive(Default)]
struct Retired {
    old: Vec<Vec<crate::diagnostic::Diagnostic>>,
    /// To the freeing thread (started on first use; None before, or if
    /// it could not be started: then they are freed here).
    to_free: Option<crossbeam_channel::Sender<Vec<Vec<crate::diagnostic::Diagnostic>>>>,
    started: bool,
}

impl Retired {
    fn extend(&mut self, old: impl IntoIterator<Item = Vec<crate::diagnostic::Diagnostic>>) {
        self.old.extend(old);
    }

    fn free(&mut self) {
        if self.old.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.old);
        if !self.started {
            self.started = true;
            let (tx, rx) =
                crossbeam_channel::unbounded::<Vec<Vec<crate::diagnostic::Diagnostic>>>();
            let spawned = std::thread::Builder::new()
                .name("dlint-free".into())
                // Ends when the server drops its sender.
                .spawn(move || rx.iter().for_each(drop))
                .is_ok();
            self.to_free = spawned.then_some(tx);
        }
        // A failed send hands `old` back in the error, freed here.
        match &self.to_free {
            Some(tx) => drop(tx.send(old)),
            None => drop(old),
        }
    }
}

/// ShellCheck runs, and a re-lint for its results happens, only once the
/// client has sent nothing for this long. While someone types, each edit's
/// own lint publishes at once; a ShellCheck process started per keystroke
/// (and killed by the next) would take a core from those lints, and a
/// re-lint would hold the next edit up (it takes milliseconds on a
/// 1,000-line file).
const SHELLCHECK_QUIET: Duration = Duration::from_millis(30);

/// Under a steady stream of messages, diagnostics are still published at
/// least this often.
const PUBLISH_DELAY_MAX: Duration = Duration::from_millis(100);

/// Runs the server on a connection until `exit` (or the connection
/// closes). Returns the process exit code: 0 after `shutdown` then `exit`,
/// 1 otherwise.
pub fn run(connection: Connection) -> i32 {
    serve_connection(connection, false)
}

/// The method of a notification whose params are a whole JSON-RPC message,
/// already serialized (a string): the stdio writer writes it as the frame's
/// body. Only [`run_framed`]'s server sends it.
pub(crate) const RAW_FRAME: &str = "$/dlint/rawFrame";

/// [`run`] for the stdio transport: diagnostics are published as
/// [`RAW_FRAME`]s, serialized straight from dlint's diagnostics (a JSON
/// tree of a big file's diagnostics took as long to build, write and drop
/// as to lint a third of the file).
pub(crate) fn run_framed(connection: Connection) -> i32 {
    serve_connection(connection, true)
}

fn serve_connection(connection: Connection, raw_frames: bool) -> i32 {
    let mut server = Server {
        raw_frames,
        shell: ShellJobs::default(),
        conn: &connection,
        phase: Phase::Uninitialized,
        caps: Caps::default(),
        root: None,
        docs: HashMap::new(),
        dirty: BTreeSet::new(),
        configs: ConfigCache::default(),
        contexts: ContextCache::default(),
        client: ClientSettings::default(),
        generation: 0,
        next_id: 0,
        pending: HashMap::new(),
        queue: VecDeque::new(),
        warned: HashSet::new(),
        retired: Retired::default(),
        dirty_since: None,
        last_message: Instant::now(),
    };
    server.main_loop()
}

fn request_id(v: &Value) -> Option<RequestId> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map(RequestId::from),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}

fn parse<P: DeserializeOwned>(v: Value) -> Result<P, (i32, String)> {
    serde_json::from_value(v).map_err(|e| {
        (
            ErrorCode::InvalidParams as i32,
            format!("invalid params: {e}"),
        )
    })
}

impl Server<'_> {
    fn main_loop(&mut self) -> i32 {
        loop {
            let idle = self.queue.is_empty();
            // Diagnostics go out when nothing else is waiting, and at
            // least every PUBLISH_DELAY_MAX under a steady stream.
            let overdue = self
                .dirty_since
                .is_some_and(|t| t.elapsed() >= PUBLISH_DELAY_MAX);
            if idle || overdue {
                self.publish_dirty();
                self.dirty_since = None;
                if idle {
                    self.retired.free();
                }
            }
            self.start_shell_job();
            if self.queue.is_empty() {
                // Waits for a message, ShellCheck, or the quiet that lets
                // a queued ShellCheck job or a follow-up re-lint go.
                let wake = if self.shell.follow_up.is_empty() && !self.shell_queued() {
                    crossbeam_channel::never()
                } else {
                    crossbeam_channel::after(
                        SHELLCHECK_QUIET.saturating_sub(self.last_message.elapsed()),
                    )
                };
                crossbeam_channel::select! {
                    recv(self.conn.receiver) -> m => match m {
                        Ok(m) => self.enqueue(m),
                        Err(_) => return self.exit_code(),
                    },
                    recv(self.shell.done_rx) -> _ => self.shell_job_done(),
                    recv(wake) -> _ => {}
                }
            }
            if self.queue.is_empty()
                && !self.shell.follow_up.is_empty()
                && self.last_message.elapsed() >= SHELLCHECK_QUIET
            {
                self.dirty.append(&mut self.shell.follow_up);
                if self.dirty_since.is_none() {
                    self.dirty_since = Some(Instant::now());
                }
                continue;
            }
            while let Ok(()) = self.shell.done_rx.try_recv() {
                self.shell_job_done();
            }
            while let Ok(m) = self.conn.receiver.try_recv() {
                self.enqueue(m);
            }
            let Some(msg) = self.queue.pop_front() else {
                continue;
            };
            if let Message::Notification(n) = &msg {
                if n.method == "exit" {
                    return self.exit_code();
                }
            }
            self.handle_guarded(msg);
            if !self.dirty.is_empty() && self.dirty_since.is_none() {
                self.dirty_since = Some(Instant::now());
            }
        }
    }

    fn exit_code(&self) -> i32 {
        if self.phase == Phase::ShutDown {
            0
        } else {
            1
        }
    }

    /// Queues a message; a `$/cancelRequest` answers the queued request it
    /// names right away.
    fn enqueue(&mut self, m: Message) {
        self.last_message = Instant::now();
        if let Message::Notification(n) = &m {
            if n.method == "$/cancelRequest" {
                if let Some(id) = n.params.get("id").and_then(request_id) {
                    let pos = self
                        .queue
                        .iter()
                        .position(|q| matches!(q, Message::Request(r) if r.id == id));
                    if let Some(pos) = pos {
                        self.queue.remove(pos);
                        self.respond_err(
                            id,
                            ErrorCode::RequestCanceled as i32,
                            "request cancelled".into(),
                        );
                    }
                }
                return;
            }
        }
        self.queue.push_back(m);
    }

    fn send(&self, m: impl Into<Message>) {
        // A closed connection ends the main loop on the next receive.
        let _ = self.conn.sender.send(m.into());
    }

    fn respond_err(&self, id: RequestId, code: i32, message: String) {
        self.send(Response::new_err(id, code, message));
    }

    fn notify(&self, method: &str, params: Value) {
        // Built directly: `Notification::new` would serialize the Value again.
        self.send(Notification {
            method: method.to_string(),
            params,
        });
    }

    fn log(&self, typ: MessageType, message: impl Into<String>) {
        self.notify(
            "window/logMessage",
            json!({"type": typ, "message": message.into()}),
        );
    }

    /// Shows a warning once (until settings change).
    fn warn_once(&mut self, message: String) {
        if self.warned.insert(message.clone()) {
            self.notify(
                "window/showMessage",
                json!({"type": MessageType::WARNING, "message": message}),
            );
            self.log(MessageType::WARNING, message);
        }
    }

    fn request_client(&mut self, method: &str, params: Value, kind: Pending) {
        self.next_id += 1;
        let id = RequestId::from(format!("dlint-{}", self.next_id));
        self.pending.insert(id.clone(), kind);
        self.send(Request {
            id,
            method: method.to_string(),
            params,
        });
    }

    /// Handles a message; a panic inside becomes an InternalError answer
    /// (for a request) and the server goes on.
    fn handle_guarded(&mut self, msg: Message) {
        let id = match &msg {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        let method = match &msg {
            Message::Request(r) => r.method.clone(),
            Message::Notification(n) => n.method.clone(),
            Message::Response(_) => "response".into(),
        };
        let result = catch_unwind(AssertUnwindSafe(|| self.handle(msg)));
        if result.is_err() {
            self.log(
                MessageType::ERROR,
                format!("dlint: internal error while handling {method}"),
            );
            if let Some(id) = id {
                self.respond_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("internal error in {method}"),
                );
            }
        }
    }

    fn handle(&mut self, msg: Message) {
        match msg {
            Message::Request(r) => {
                let id = r.id.clone();
                let result = self.on_request(r);
                match result {
                    Ok(v) => self.send(Response {
                        id,
                        result: Some(v),
                        error: None,
                    }),
                    Err((code, message)) => self.respond_err(id, code, message),
                }
            }
            Message::Notification(n) => self.on_notification(n),
            Message::Response(r) => self.on_response(r),
        }
    }

    fn on_request(&mut self, r: Request) -> HandlerResult {
        match self.phase {
            Phase::Uninitialized => {
                if r.method == "initialize" {
                    return self.initialize(r.params);
                }
                return Err((
                    ErrorCode::ServerNotInitialized as i32,
                    format!("{}: the server is not initialized", r.method),
                ));
            }
            Phase::ShutDown => {
                return Err((
                    ErrorCode::InvalidRequest as i32,
                    format!("{}: the server is shut down", r.method),
                ));
            }
            Phase::Running => {}
        }
        match r.method.as_str() {
            "initialize" => Err((
                ErrorCode::InvalidRequest as i32,
                "initialize: already initialized".into(),
            )),
            "shutdown" => {
                self.phase = Phase::ShutDown;
                Ok(Value::Null)
            }
            "textDocument/hover" => self.hover(parse(r.params)?),
            "textDocument/codeAction" => self.code_action(parse(r.params)?),
            "textDocument/diagnostic" => self.pull_diagnostics(parse(r.params)?),
            m => Err((
                ErrorCode::MethodNotFound as i32,
                format!("method not found: {m}"),
            )),
        }
    }

    fn on_notification(&mut self, n: Notification) {
        if self.phase != Phase::Running {
            // Before initialize and after shutdown, notifications are dropped.
            return;
        }
        let method = n.method.clone();
        let result: Result<(), (i32, String)> = (|| {
            match method.as_str() {
                "initialized" => self.initialized(),
                "textDocument/didOpen" => self.did_open(parse(n.params)?),
                "textDocument/didChange" => self.did_change(parse(n.params)?),
                "textDocument/didSave" => self.did_save(parse(n.params)?),
                "textDocument/didClose" => self.did_close(parse(n.params)?),
                "workspace/didChangeConfiguration" => self.did_change_configuration(n.params),
                "workspace/didChangeWatchedFiles" => {
                    self.did_change_watched_files(parse(n.params)?)
                }
                _ => {}
            }
            Ok(())
        })();
        if let Err((_, e)) = result {
            self.log(MessageType::WARNING, format!("dlint: {method}: {e}"));
        }
    }

    fn on_response(&mut self, r: Response) {
        let Some(kind) = self.pending.remove(&r.id) else {
            return;
        };
        match kind {
            Pending::RegisterWatchers => {
                if let Some(e) = r.error {
                    self.log(
                        MessageType::INFO,
                        format!(
                            "dlint: the client refused to watch config files ({}); \
                             changes to dlint.toml and .dockerignore are seen when a Dockerfile is saved",
                            e.message
                        ),
                    );
                }
            }
            Pending::Configuration => {
                let given = r
                    .result
                    .as_ref()
                    .and_then(|v| v.as_array())
                    .and_then(|a| a.first())
                    .and_then(ClientSettings::from_json);
                // The editor's current settings replace earlier ones.
                if let Some(s) = given {
                    if s != self.client {
                        self.client = s;
                        self.settings_changed();
                    }
                }
            }
            Pending::Refresh => {}
        }
    }

    // ---------------------------------------------------------------
    // Lifecycle

    fn initialize(&mut self, params: Value) -> HandlerResult {
        let caps_json = params.get("capabilities").cloned().unwrap_or(Value::Null);
        if !params.is_object() {
            return Err((
                ErrorCode::InvalidParams as i32,
                "initialize: params must be an object".into(),
            ));
        }
        self.caps = Caps::from_json(&caps_json);
        let root_uri = params
            .get("rootUri")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                params
                    .pointer("/workspaceFolders/0/uri")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        self.root = root_uri
            .as_deref()
            .and_then(convert::uri_to_path)
            .or_else(|| {
                params
                    .get("rootPath")
                    .and_then(Value::as_str)
                    .map(PathBuf::from)
            });
        if let Some(s) = params
            .get("initializationOptions")
            .and_then(ClientSettings::from_json)
        {
            self.client = s;
        }
        self.phase = Phase::Running;
        let mut caps = json!({
            "positionEncoding": self.caps.encoding.kind(),
            "textDocumentSync": {
                "openClose": true,
                "change": 2,
                "save": {"includeText": false}
            },
            "hoverProvider": true,
            "codeActionProvider": {
                "codeActionKinds": ["quickfix", FIX_ALL_KIND],
                "resolveProvider": false
            }
        });
        if self.caps.pull {
            caps["diagnosticProvider"] = json!({
                "identifier": "dlint",
                "interFileDependencies": false,
                "workspaceDiagnostics": false
            });
        }
        Ok(json!({
            "capabilities": caps,
            "serverInfo": {"name": "dlint", "version": env!("CARGO_PKG_VERSION")}
        }))
    }

    fn initialized(&mut self) {
        if self.caps.watch_dynamic {
            let mut watchers: Vec<Value> = Vec::new();
            for n in CONFIG_NAMES.iter().chain(HADOLINT_NAMES) {
                watchers.push(json!({"globPattern": format!("**/{n}")}));
            }
            watchers.push(json!({"globPattern": "**/.dockerignore"}));
            watchers.push(json!({"globPattern": "**/*.dockerignore"}));
            self.request_client(
                "client/registerCapability",
                json!({"registrations": [{
                    "id": "dlint-watched-files",
                    "method": "workspace/didChangeWatchedFiles",
                    "registerOptions": {"watchers": watchers}
                }]}),
                Pending::RegisterWatchers,
            );
        }
        self.fetch_configuration();
    }

    fn fetch_configuration(&mut self) {
        if self.caps.configuration {
            self.request_client(
                "workspace/configuration",
                json!({"items": [{"section": "dlint"}]}),
                Pending::Configuration,
            );
        }
    }

    /// Settings or config files changed: everything is linted again.
    fn settings_changed(&mut self) {
        self.generation += 1;
        self.warned.clear();
        for (key, doc) in self.docs.iter_mut() {
            doc.invalidate();
            if doc.lint && !self.caps.pull {
                self.dirty.insert(key.clone());
            }
        }
        if self.caps.pull && self.caps.refresh {
            self.request_client(
                "workspace/diagnostic/refresh",
                Value::Null,
                Pending::Refresh,
            );
        }
    }

    // ---------------------------------------------------------------
    // Documents

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let item = p.text_document;
        let key = item.uri.as_str().to_string();
        let doc = Document::new(item.uri, &item.language_id, item.version, item.text);
        if doc.lint && !self.caps.pull {
            self.dirty.insert(key.clone());
        }
        self.docs.insert(key, doc);
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let key = p.text_document.uri.as_str().to_string();
        let enc = self.caps.encoding;
        match self.docs.get_mut(&key) {
            Some(doc) => {
                let old = doc.apply_changes(p.text_document.version, p.content_changes, enc);
                if let Some((cancel, _)) = &self.shell.running {
                    cancel.store(true, Ordering::Relaxed);
                }
                // This edit's lint reads what came in.
                self.shell.follow_up.remove(&key);
                // Dropped after the diagnostics are out (a big model takes
                // a while to free).
                self.retired.extend(old);
                if doc.lint && !self.caps.pull {
                    self.dirty.insert(key);
                }
            }
            None => self.log(
                MessageType::WARNING,
                format!("dlint: didChange for a document that is not open: {key}"),
            ),
        }
    }

    fn did_save(&mut self, p: DidSaveTextDocumentParams) {
        let key = p.text_document.uri.as_str().to_string();
        if self.docs.get(&key).is_some_and(|d| d.lint) {
            // Its config and context (.dockerignore) may have changed
            // meanwhile: clients without file watching see such changes on
            // save. The context listing is read again too.
            self.configs = ConfigCache::default();
            self.contexts = ContextCache::default();
            if let Some(doc) = self.docs.get_mut(&key) {
                doc.invalidate();
            }
            if !self.caps.pull {
                self.dirty.insert(key);
            }
        }
    }

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let key = p.text_document.uri.as_str().to_string();
        self.dirty.remove(&key);
        self.shell.follow_up.remove(&key);
        if let Some(doc) = self.docs.remove(&key) {
            if doc.lint && !self.caps.pull {
                self.publish(&doc, Vec::new(), None);
            }
        }
    }

    fn did_change_configuration(&mut self, params: Value) {
        if self.caps.configuration {
            self.fetch_configuration();
            return;
        }
        if let Some(s) = params.get("settings").and_then(ClientSettings::from_json) {
            self.client = s;
            self.settings_changed();
        }
    }

    fn did_change_watched_files(&mut self, p: DidChangeWatchedFilesParams) {
        let relevant = p.changes.iter().any(|c| {
            let u = c.uri.as_str();
            let name = u.rsplit('/').next().unwrap_or(u);
            CONFIG_NAMES.contains(&name)
                || HADOLINT_NAMES.contains(&name)
                || name.ends_with(".dockerignore")
        });
        if relevant {
            self.configs = ConfigCache::default();
            self.contexts = ContextCache::default();
            self.settings_changed();
        }
    }

    // ---------------------------------------------------------------
    // Linting

    /// The settings for a document: its dlint.toml (as the CLI finds it)
    /// with the editor's settings on top.
    fn settings_for(&mut self, path: Option<&Path>) -> Settings {
        let dir = path
            .and_then(Path::parent)
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .or_else(|| self.root.clone());
        let base = match dir.and_then(|d| self.configs.for_dir(&d)) {
            None => Settings::default(),
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                self.warn_once(format!(
                    "dlint: bad config: {e} (using the default settings)"
                ));
                Settings::default()
            }
        };
        let (mut s, unknown) = self.client.apply(base);
        if !unknown.is_empty() {
            self.warn_once(format!(
                "dlint: unknown rule(s) in the editor settings: {}",
                unknown.join(", ")
            ));
        }
        s.options.shellcheck_runner = self.shell_runner(&s);
        s
    }

    /// The language server's non-blocking ShellCheck for these settings.
    fn shell_runner(&mut self, s: &Settings) -> Option<Arc<crate::shellcheck::ShellCheck>> {
        let on = s
            .active_rules(None)
            .iter()
            .any(|e| e.meta.name == "shellcheck");
        if !on {
            return None;
        }
        let setting = &s.options.shellcheck;
        if let Some((_, r)) = self.shell.runners.iter().find(|(k, _)| k == setting) {
            return Some(r.clone());
        }
        match crate::shellcheck::ShellCheck::get(setting) {
            Ok(r) => {
                let nb = Arc::new(r.non_blocking());
                self.shell.runners.push((setting.clone(), nb.clone()));
                Some(nb)
            }
            Err(crate::shellcheck::Unavailable::Off) => None,
            Err(why) => {
                self.warn_once(format!("dlint: {}", why.describe()));
                None
            }
        }
    }

    /// Whether scripts wait for a ShellCheck job that has not started.
    fn shell_queued(&self) -> bool {
        self.shell.running.is_none() && self.shell.runners.iter().any(|(_, r)| r.has_pending())
    }

    /// Starts checking the scripts lints queued, one job at a time, once
    /// the client is quiet.
    fn start_shell_job(&mut self) {
        if self.shell.running.is_some() || self.last_message.elapsed() < SHELLCHECK_QUIET {
            return;
        }
        for (_, runner) in &self.shell.runners {
            let texts = runner.take_pending();
            if texts.is_empty() {
                continue;
            }
            let cancel = Arc::new(AtomicBool::new(false));
            let (r, c, tx) = (runner.clone(), cancel.clone(), self.shell.done_tx.clone());
            let handle = std::thread::spawn(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let _ = crate::panic::catch(|| r.prefetch_cancellable(&refs, &c));
                let _ = tx.send(());
            });
            self.shell.running = Some((cancel, handle));
            return;
        }
    }

    /// ShellCheck results are in: lint the documents that waited again.
    fn shell_job_done(&mut self) {
        if let Some((_, h)) = self.shell.running.take() {
            let _ = h.join();
        }
        let waiting: Vec<String> = self.shell.waiting.drain().collect();
        let mut any = false;
        for key in waiting {
            if let Some(doc) = self.docs.get_mut(&key) {
                doc.invalidate_analysis();
                any = true;
                if doc.lint && !self.caps.pull {
                    self.shell.follow_up.insert(key);
                }
            }
        }
        if any && self.caps.pull && self.caps.refresh {
            self.request_client(
                "workspace/diagnostic/refresh",
                Value::Null,
                Pending::Refresh,
            );
        }
    }

    fn ensure_analysis(&mut self, key: &str) -> Option<&Document> {
        let (lint, needs_settings, path) = {
            let d = self.docs.get(key)?;
            (d.lint, d.settings.is_none(), d.path.clone())
        };
        if !lint {
            return None;
        }
        if needs_settings {
            let s = self.settings_for(path.as_deref());
            self.docs.get_mut(key)?.settings = Some(s);
        }
        let contexts = &self.contexts;
        let doc = self.docs.get_mut(key)?;
        if doc.analysis.is_none() {
            let settings = doc.settings.as_ref()?;
            if doc.context.is_none() {
                doc.context = Some(load_context(doc.path.as_deref(), settings, contexts));
            }
            let context = doc.context.as_ref().and_then(|c| c.as_ref());
            let report = analyze_reusing(
                &doc.text,
                doc.path.as_deref(),
                settings,
                context,
                &mut doc.reuse,
            );
            doc.analysis = Some(Analysis {
                version: doc.version,
                report,
            });
            let waits = settings
                .options
                .shellcheck_runner
                .as_ref()
                .is_some_and(|r| r.has_pending());
            if waits {
                self.shell.waiting.insert(key.to_string());
            }
        }
        self.docs.get(key)
    }

    fn publish(&self, doc: &Document, diagnostics: Vec<diagnostics::Part>, version: Option<i32>) {
        if self.raw_frames {
            let body = diagnostics::publish_frame(doc.uri.as_str(), &diagnostics, version);
            self.notify(RAW_FRAME, Value::String(body));
            return;
        }
        // Built by hand: `json!` would copy the diagnostics' Value tree
        // (it serializes every value it is given).
        let mut params = serde_json::Map::new();
        params.insert("uri".into(), Value::String(doc.uri.as_str().to_string()));
        params.insert("diagnostics".into(), diagnostics::to_json(diagnostics));
        if let Some(v) = version {
            params.insert("version".into(), Value::from(v));
        }
        self.notify("textDocument/publishDiagnostics", Value::Object(params));
    }

    /// Pushes the diagnostics of every document that changed.
    fn publish_dirty(&mut self) {
        if self.caps.pull {
            self.dirty.clear();
            return;
        }
        while let Some(key) = self.dirty.pop_first() {
            let enc = self.caps.encoding;
            let linted = crate::panic::catch(|| {
                self.ensure_analysis(&key)
                    .and_then(|d| d.analysis.as_ref().map(|a| (d.lsp_parts(enc), a.version)))
            });
            match linted {
                Ok(Some((diags, version))) => {
                    if let Some(doc) = self.docs.get(&key) {
                        self.publish(doc, diags, Some(version));
                    }
                }
                Ok(None) => {}
                Err(msg) => {
                    self.log(
                        MessageType::ERROR,
                        format!("dlint: internal error while linting {key}: {msg}"),
                    );
                    // Replace the stale findings: they no longer match the text.
                    if let Some(doc) = self.docs.get(&key) {
                        let version = Some(doc.version);
                        self.publish(
                            doc,
                            vec![(diagnostics::internal_error(&msg), None)],
                            version,
                        );
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------
    // Requests

    fn hover(&mut self, p: HoverParams) -> HandlerResult {
        let key = p
            .text_document_position_params
            .text_document
            .uri
            .as_str()
            .to_string();
        let pos = p.text_document_position_params.position;
        let enc = self.caps.encoding;
        let markdown = self.caps.markdown;
        let Some(doc) = self.ensure_analysis(&key) else {
            return Ok(Value::Null);
        };
        let Some(a) = &doc.analysis else {
            return Ok(Value::Null);
        };
        let offset = convert::offset(&doc.text, &doc.lines, pos, enc);
        Ok(hover::hover(&a.report, offset, enc, markdown)
            .and_then(|h| serde_json::to_value(h).ok())
            .unwrap_or(Value::Null))
    }

    fn code_action(&mut self, p: CodeActionParams) -> HandlerResult {
        let key = p.text_document.uri.as_str().to_string();
        let (enc, caps, unsafe_fixes) = (
            self.caps.encoding,
            self.caps.edits,
            self.client.unsafe_fixes(),
        );
        let Some(doc) = self.ensure_analysis(&key) else {
            return Ok(Value::Null);
        };
        let actions = actions::code_actions(doc, &p, caps, unsafe_fixes, enc);
        Ok(serde_json::to_value(actions).unwrap_or(Value::Null))
    }

    fn pull_diagnostics(&mut self, p: DocumentDiagnosticParams) -> HandlerResult {
        let key = p.text_document.uri.as_str().to_string();
        let generation = self.generation;
        let full = |result_id: Option<String>, items| {
            DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
                RelatedFullDocumentDiagnosticReport {
                    related_documents: None,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id,
                        items,
                    },
                },
            ))
        };
        let result = match self.docs.get(&key).filter(|d| d.lint).map(|d| d.version) {
            None => full(None, Vec::new()),
            Some(version) => {
                let result_id = format!("{generation}-{version}");
                if p.previous_result_id.as_deref() == Some(result_id.as_str()) {
                    DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Unchanged(
                        RelatedUnchangedDocumentDiagnosticReport {
                            related_documents: None,
                            unchanged_document_diagnostic_report:
                                UnchangedDocumentDiagnosticReport { result_id },
                        },
                    ))
                } else {
                    let enc = self.caps.encoding;
                    let items = crate::panic::catch(|| {
                        self.ensure_analysis(&key)
                            .map(|d| d.lsp_diagnostics(enc))
                            .unwrap_or_default()
                    })
                    .unwrap_or_else(|msg| vec![diagnostics::internal_error(&msg)]);
                    full(Some(result_id), items)
                }
            }
        };
        Ok(serde_json::to_value(result).unwrap_or(Value::Null))
    }
}
