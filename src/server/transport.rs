//! The stdio transport.
//!
//! lsp-server's own `Connection::stdio()` (0.7.9) ends its reader thread on
//! the first frame whose body is not valid JSON (`Message::read` returns an
//! `InvalidData` error), which closes the channel: the server would see the
//! client as gone and exit. This reader answers such a frame with a JSON-RPC
//! `ParseError` (id null), a JSON value that is no message with
//! `InvalidRequest`, skips header lines it cannot read, and goes on with the
//! next frame. Messages are handed to the server over lsp-server's
//! in-memory channels, so the server itself is the same as in tests.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{json, Value};

/// Bodies larger than this are skipped (answered with a ParseError).
const MAX_BODY: usize = 256 << 20;
/// Header lines longer than this are skipped.
const MAX_HEADER_LINE: usize = 8192;

enum Frame {
    Body(Vec<u8>),
    /// A frame that could not be read; the reason.
    Bad(String),
}

/// Reads one line (up to `\n`), at most MAX_HEADER_LINE bytes kept.
fn read_line(r: &mut dyn BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") && line.len() >= MAX_HEADER_LINE {
        // Discard the rest of an overlong line.
        let mut sink = Vec::new();
        loop {
            sink.clear();
            let m = r
                .take(MAX_HEADER_LINE as u64)
                .read_until(b'\n', &mut sink)?;
            if m == 0 || sink.ends_with(b"\n") {
                break;
            }
        }
    }
    Ok(Some(line))
}

/// Reads the next frame; None at the end of the input.
fn read_frame(r: &mut dyn BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    let mut junk: Option<String> = None;
    loop {
        let Some(line) = read_line(r)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !saw_header {
                // Stray blank line between frames.
                continue;
            }
            break;
        }
        saw_header = true;
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length: {:?}", value.trim())),
                );
            }
            Some((name, _)) if !name.trim().is_empty() && !name.contains(' ') => {}
            _ => junk = Some(format!("malformed header line: {text:?}")),
        }
    }
    match length {
        Some(Ok(n)) if n <= MAX_BODY => {
            let mut body = vec![0; n];
            match r.read_exact(&mut body) {
                Ok(()) => Ok(Some(Frame::Body(body))),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                Err(e) => Err(e),
            }
        }
        Some(Ok(n)) => {
            io::copy(&mut r.take(n as u64), &mut io::sink())?;
            Ok(Some(Frame::Bad(format!("message too large ({n} bytes)"))))
        }
        Some(Err(e)) => Ok(Some(Frame::Bad(e))),
        None => {
            Ok(Some(Frame::Bad(junk.unwrap_or_else(|| {
                "missing Content-Length header".into()
            }))))
        }
    }
}

/// Decodes a body into a message, or the error answer to send back.
fn decode(body: &[u8]) -> Result<Message, Option<Value>> {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(Some(error(
                Value::Null,
                ErrorCode::ParseError,
                format!("parse error: {e}"),
            )))
        }
    };
    let id = v
        .get("id")
        .filter(|i| i.is_number() || i.is_string())
        .cloned()
        .unwrap_or(Value::Null);
    let has = |k: &str| v.get(k).is_some();
    let invalid = |e: String| {
        Some(error(
            id.clone(),
            ErrorCode::InvalidRequest,
            format!("invalid request: {e}"),
        ))
    };
    if has("method") {
        let parsed = if has("id") {
            serde_json::from_value::<lsp_server::Request>(v.clone()).map(Message::Request)
        } else {
            serde_json::from_value::<lsp_server::Notification>(v.clone()).map(Message::Notification)
        };
        return parsed.map_err(|e| invalid(e.to_string()));
    }
    if has("result") || has("error") {
        // A malformed response from the client gets no answer.
        return serde_json::from_value::<lsp_server::Response>(v)
            .map(Message::Response)
            .map_err(|_| None);
    }
    Err(invalid(
        "neither a request, a notification nor a response".into(),
    ))
}

fn error(id: Value, code: ErrorCode, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

fn write_frame(out: &Mutex<Box<dyn Write + Send>>, text: &str) -> io::Result<()> {
    let mut w = out.lock().unwrap_or_else(|e| e.into_inner());
    write!(w, "Content-Length: {}\r\n\r\n", text.len())?;
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// Runs the server over a byte stream pair (stdin/stdout in `dlint server`).
/// Returns the exit code.
pub fn serve(input: Box<dyn BufRead + Send>, output: Box<dyn Write + Send>) -> i32 {
    let out: Arc<Mutex<Box<dyn Write + Send>>> = Arc::new(Mutex::new(output));
    let (server_side, io_side) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = io_side;

    let writer_out = out.clone();
    let writer = thread::Builder::new()
        .name("dlint-lsp-writer".into())
        .spawn(move || {
            for msg in from_server {
                let written = match &msg {
                    Message::Notification(n) if n.method == super::session::RAW_FRAME => {
                        match &n.params {
                            Value::String(body) => write_frame(&writer_out, body),
                            _ => Ok(()),
                        }
                    }
                    _ => {
                        let mut w = writer_out.lock().unwrap_or_else(|e| e.into_inner());
                        msg.write(&mut *w)
                    }
                };
                if written.is_err() {
                    break;
                }
            }
        })
        .expect("spawn the writer thread");

    let reader_out = out;
    thread::Builder::new()
        .name("dlint-lsp-reader".into())
        .spawn(move || {
            let mut input = input;
            loop {
                let frame = match read_frame(&mut *input) {
                    Ok(Some(f)) => f,
                    // End of input or a read error: the client is gone.
                    Ok(None) | Err(_) => return,
                };
                let answer = match frame {
                    Frame::Body(body) => match decode(&body) {
                        Ok(msg) => {
                            let exit =
                                matches!(&msg, Message::Notification(n) if n.method == "exit");
                            if to_server.send(msg).is_err() || exit {
                                return;
                            }
                            continue;
                        }
                        Err(answer) => answer,
                    },
                    Frame::Bad(reason) => Some(error(Value::Null, ErrorCode::ParseError, reason)),
                };
                if let Some(a) = answer {
                    eprintln!(
                        "dlint server: {}",
                        a["error"]["message"].as_str().unwrap_or("")
                    );
                    if write_frame(&reader_out, &a.to_string()).is_err() {
                        return;
                    }
                }
            }
        })
        .expect("spawn the reader thread");

    let code = super::session::run_framed(server_side);
    // The server's sender is dropped: the writer drains and stops. The
    // reader may be blocked on input; the process exit ends it.
    let _ = writer.join();
    code
}

/// `dlint server`: the language server on stdin/stdout.
pub fn run_stdio() -> i32 {
    serve(
        Box::new(io::BufReader::new(io::stdin())),
        Box::new(io::stdout()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Result<Vec<u8>, String>> {
        let mut r = io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        while let Some(f) = read_frame(&mut r).unwrap() {
            out.push(match f {
                Frame::Body(b) => Ok(b),
                Frame::Bad(e) => Err(e),
            });
        }
        out
    }

    #[test]
    fn frames_and_recovery() {
        let got = frames(
            b"Content-Length: 2\r\n\r\n{}\r\n\r\ngarbage line\r\nContent-Length: 4\r\n\r\nnull\
              Content-Type: x\r\n\r\nContent-Length: abc\r\n\r\nContent-Length: 1\n\n[",
        );
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], Ok(b"{}".to_vec()));
        assert_eq!(got[1], Ok(b"null".to_vec()));
        assert!(got[2].as_ref().unwrap_err().contains("Content-Length"));
        assert!(got[3].as_ref().unwrap_err().contains("bad Content-Length"));
        assert_eq!(got[4], Ok(b"[".to_vec()));
    }

    #[test]
    fn decode_errors() {
        let e = decode(b"{not json").unwrap_err().unwrap();
        assert_eq!(e["error"]["code"], -32700);
        assert_eq!(e["id"], Value::Null);
        let e = decode(br#"{"jsonrpc":"2.0","id":7,"method":5}"#)
            .unwrap_err()
            .unwrap();
        assert_eq!(e["error"]["code"], -32600);
        assert_eq!(e["id"], 7);
        assert!(decode(br#"{"jsonrpc":"2.0","id":null,"result":1}"#)
            .unwrap_err()
            .is_none());
        assert!(decode(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
    }
}
