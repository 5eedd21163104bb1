//! Latency of the language server: replays 500 edits on a 1,000-line
//! Dockerfile and reports the time from sending each `didChange` to
//! receiving the `publishDiagnostics` for that version (p50, p90, p99, max).
//!
//!     cargo run --release --example lsp_latency
//!     cargo run --release --example lsp_latency -- --stdio target/release/dlint
//!     cargo run --release --example lsp_latency -- --all-rules
//!
//! `--all-rules` writes a `dlint.toml` with `select = ["ALL"]` beside the
//! file, so every rule runs (the off-by-default ones too). `--no-shellcheck`
//! adds `shellcheck = false` to it, to tell the lint's own cost from the
//! ShellCheck runs that share the cores with it.
//!
//! The default runs the server in process over lsp_server's in-memory
//! connection (what the server itself costs); `--stdio PATH` spawns
//! `PATH server` and talks JSON-RPC over its stdin/stdout (adds framing,
//! serialization and the pipe). Edits are sent one at a time, each after
//! the previous one's diagnostics arrived, so none are coalesced.
//!
//! Over stdio the client reads each frame's method, id and version and
//! counts the diagnostics without building a JSON tree of them (serde's
//! `IgnoredAny` still reads every byte): building serde_json's `Value` of a
//! 96 KB publish takes this client about 0.5 ms, its own cost, not the
//! server's. The slowest edits are printed too.

// The allocator of the dlint binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

const EDITS: usize = 500;

// `LINES` and `dockerfile()`: the benchmark document (examples/alloc_counts.rs
// reads it too).
include!("common/bench_doc.rs");

/// What the client reads of a message from the server.
struct Received {
    /// A notification's method.
    method: Option<String>,
    /// A response's id.
    id: Option<i64>,
    /// A publish's version and number of diagnostics.
    version: Option<i64>,
    diagnostics: usize,
}

impl Received {
    fn of(m: Message) -> Received {
        match m {
            Message::Notification(n) => Received {
                version: n.params["version"].as_i64(),
                diagnostics: n.params["diagnostics"].as_array().map_or(0, Vec::len),
                method: Some(n.method),
                id: None,
            },
            Message::Response(r) => Received {
                method: None,
                id: r.id.to_string().parse().ok(),
                version: None,
                diagnostics: 0,
            },
            Message::Request(_) => Received {
                method: None,
                id: None,
                version: None,
                diagnostics: 0,
            },
        }
    }
}

/// A frame as the stdio client reads it.
#[derive(Deserialize)]
struct Frame {
    method: Option<String>,
    id: Option<Value>,
    params: Option<FrameParams>,
}

#[derive(Deserialize)]
struct FrameParams {
    version: Option<i64>,
    #[serde(default)]
    diagnostics: Vec<IgnoredAny>,
}

trait Transport {
    fn send(&mut self, m: Message);
    fn recv(&mut self) -> Received;
}

struct InProcess {
    conn: Connection,
}

impl Transport for InProcess {
    fn send(&mut self, m: Message) {
        self.conn.sender.send(m).unwrap();
    }
    fn recv(&mut self) -> Received {
        Received::of(
            self.conn
                .receiver
                .recv_timeout(Duration::from_secs(30))
                .expect("server answered"),
        )
    }
}

struct Stdio_ {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Transport for Stdio_ {
    fn send(&mut self, m: Message) {
        let stdin = self.child.stdin.as_mut().unwrap();
        m.write(stdin).unwrap();
    }
    fn recv(&mut self) -> Received {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            self.out.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.out.read_exact(&mut body).unwrap();
        let f: Frame = serde_json::from_slice(&body).unwrap();
        Received {
            method: f.method,
            id: f.id.and_then(|i| i.as_i64()),
            version: f.params.as_ref().and_then(|p| p.version),
            diagnostics: f.params.map_or(0, |p| p.diagnostics.len()),
        }
    }
}

fn wait_response(t: &mut dyn Transport, id: i64) {
    while t.recv().id != Some(id) {}
}

/// Waits for the diagnostics of `version`; returns when they arrived and
/// how many there were.
fn wait_publish(t: &mut dyn Transport, version: i64) -> (Instant, usize) {
    loop {
        let r = t.recv();
        let at = Instant::now();
        if r.method.as_deref() == Some("textDocument/publishDiagnostics")
            && r.version == Some(version)
        {
            return (at, r.diagnostics);
        }
    }
}

// `cpu_ticks()` and `steal_percent()`: the steal share of a run (a VM's
// slow spells are partly steal: docs/benchmark.md).
include!("common/steal.rs");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stdio = args
        .iter()
        .position(|a| a == "--stdio")
        .and_then(|i| args.get(i + 1).cloned());
    let dir = std::env::temp_dir().join(format!("dlint-lsp-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".dockerignore"), ".git\n").unwrap();
    let no_shellcheck = args.iter().any(|a| a == "--no-shellcheck");
    let mut config = String::new();
    if args.iter().any(|a| a == "--all-rules") {
        config.push_str("select = [\"ALL\"]\n");
    }
    if no_shellcheck {
        config.push_str("shellcheck = false\n");
    }
    if !config.is_empty() {
        std::fs::write(dir.join("dlint.toml"), config).unwrap();
    }
    let text = dockerfile();
    assert_eq!(text.lines().count(), LINES);
    let path = dir.join("Dockerfile");
    std::fs::write(&path, &text).unwrap();
    let uri = format!("file://{}", path.display());

    let mut server_thread = None;
    let (mut transport, mode): (Box<dyn Transport>, String) = match &stdio {
        Some(bin) => {
            let mut child = Command::new(bin)
                .arg("server")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn the server");
            let out = BufReader::new(child.stdout.take().unwrap());
            (
                Box::new(Stdio_ { child, out }),
                format!("stdio ({bin} server)"),
            )
        }
        None => {
            let (server, client) = Connection::memory();
            server_thread = Some(std::thread::spawn(move || dlint::server::run(server)));
            (
                Box::new(InProcess { conn: client }),
                "in process".to_string(),
            )
        }
    };
    let t = transport.as_mut();
    t.send(Request::new(1.into(), "initialize".into(), json!({"capabilities": {}})).into());
    wait_response(t, 1);
    t.send(Notification::new("initialized".into(), json!({})).into());
    let open = Instant::now();
    t.send(
        Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
        )
        .into(),
    );
    let (at, n) = wait_publish(t, 1);
    println!(
        "open: {LINES} lines, {n} diagnostics, first publish after {:.2} ms",
        (at - open).as_secs_f64() * 1e3
    );

    // Type a word into a RUN line in the middle and delete it again, one
    // character per edit.
    let line = text
        .lines()
        .enumerate()
        .skip(LINES / 2)
        .find(|(_, l)| l.starts_with("RUN echo"))
        .map(|(i, _)| i)
        .unwrap();
    let col = text.lines().nth(line).unwrap().len() as u32;
    let ticks_before = cpu_ticks();
    // In edit order, to say which edits were the slowest.
    let mut samples = Vec::with_capacity(EDITS);
    let mut typed = 0u32;
    let mut start_last = Instant::now();
    for k in 0..EDITS {
        let version = k as i64 + 2;
        let typing = (k / 10) % 2 == 0;
        let change = if typing {
            let c = col + typed;
            typed += 1;
            json!({"range": {"start": {"line": line, "character": c}, "end": {"line": line, "character": c}}, "text": "x"})
        } else {
            typed -= 1;
            let c = col + typed;
            json!({"range": {"start": {"line": line, "character": c}, "end": {"line": line, "character": c + 1}}, "text": ""})
        };
        let start = Instant::now();
        t.send(
            Notification::new(
                "textDocument/didChange".into(),
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
            )
            .into(),
        );
        let (at, _) = wait_publish(t, version);
        samples.push(at - start);
        start_last = start;
    }
    let steal = steal_percent(ticks_before, cpu_ticks());
    // With ShellCheck on PATH, its findings follow dlint's own in a second
    // publish. One more edit makes a script no run has seen (ShellCheck's
    // results are cached by script, on disk too), then both publishes of
    // that version are awaited.
    let shellcheck = !no_shellcheck
        && std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("shellcheck").is_file()));
    let followed = shellcheck.then(|| {
        let version = EDITS as i64 + 2;
        let unique = format!(
            " $u{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let c = col + typed;
        start_last = Instant::now();
        t.send(
            Notification::new(
                "textDocument/didChange".into(),
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [
                    {"range": {"start": {"line": line, "character": c}, "end": {"line": line, "character": c}}, "text": unique}
                ]}),
            )
            .into(),
        );
        wait_publish(t, version);
        wait_publish(t, version)
    });
    let mut by_time: Vec<(usize, Duration)> = samples.iter().copied().enumerate().collect();
    by_time.sort_by_key(|&(_, d)| std::cmp::Reverse(d));
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    println!(
        "{EDITS} edits, didChange -> publishDiagnostics, {mode}:\n  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  mean {:.2} ms",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.90)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap()),
        mean,
    );
    let slowest: Vec<String> = by_time
        .iter()
        .take(8)
        .map(|(k, d)| format!("{:.2} (edit {})", ms(*d), k + 1))
        .collect();
    println!("  slowest 8 edits: {} ms", slowest.join(", "));
    if let Some(st) = steal {
        println!("  CPU steal during the edits: {st:.1}% of the machine's time");
    }
    match followed {
        Some((at, n)) => println!(
            "ShellCheck on: its findings for an edit with a new script followed {:.1} ms after the edit ({n} diagnostics then)",
            ms(at - start_last)
        ),
        None if no_shellcheck => println!("ShellCheck off (--no-shellcheck)"),
        None => println!("ShellCheck off (no `shellcheck` on PATH)"),
    }

    t.send(Request::new(2.into(), "shutdown".into(), Value::Null).into());
    wait_response(t, 2);
    t.send(Notification::new("exit".into(), Value::Null).into());
    if let Some(h) = server_thread {
        assert_eq!(h.join().unwrap(), 0);
    }
    drop(transport);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::io::stdout().flush();
}
