//! Hostile and odd inputs (issue 9 §2, §3, §6): dlint stays bounded in time
//! and memory, never blocks on a special file, never writes through a
//! symlink, and never echoes control characters into a message.

use dlint::analysis::analyze;
use dlint::diagnostic::Diagnostic;
use dlint::settings::{resolve_selector, Settings};

fn all_rules() -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector("ALL").unwrap());
    s
}

/// Every text of a finding that reaches a terminal or an editor.
fn texts(d: &Diagnostic) -> Vec<&str> {
    let mut v = vec![d.message.as_str()];
    v.extend(d.related.iter().map(|r| r.message.as_str()));
    v.extend(d.fix.iter().map(|f| f.title.as_str()));
    v
}

fn assert_no_controls(diags: &[Diagnostic]) {
    for d in diags {
        for t in texts(d) {
            assert!(
                !t.chars().any(dlint::text::is_unsafe),
                "{}: control character in {t:?}",
                d.rule.name
            );
        }
    }
}

#[test]
fn crlf_messages_have_no_raw_line_endings() {
    // issue 9 §6: messages quoting a CRLF file contained raw `\r\n`.
    let src = "FROM ubuntu:22.04\r\nRUN apt-get \\\r\n    update\r\nRUN apt-get install -y \\\r\n    curl\r\nCOPY . /app\r\nRUN npm \\\r\n  ci\r\nUSER root\r\n";
    let r = analyze(src, None, &all_rules(), None);
    let names: Vec<&str> = r.diagnostics.iter().map(|d| d.rule.name).collect();
    for want in ["split-apt-layers", "cache-busting-copy", "root-user"] {
        assert!(names.contains(&want), "{want} not reported: {names:?}");
    }
    assert_no_controls(&r.diagnostics);
    let split = r
        .diagnostics
        .iter()
        .find(|d| d.rule.name == "split-apt-layers")
        .unwrap();
    // The continuation is joined, not escaped.
    assert!(
        split
            .message
            .starts_with("`apt-get update` runs in its own RUN"),
        "{}",
        split.message
    );
}

#[test]
fn escape_sequences_in_quoted_text_are_escaped() {
    // A terminal escape (OSC: set the window title) and a bidi override in
    // the quoted COPY.
    let src = "FROM node:20\nCOPY . /app/\u{1b}]0;pwned\u{7}\u{202e}x\nRUN npm ci\n";
    let r = analyze(src, None, &all_rules(), None);
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule.name == "cache-busting-copy")
        .expect("cache-busting-copy");
    assert!(
        d.message
            .contains("`COPY . /app/\\u{1b}]0;pwned\\u{7}\\u{202e}x`"),
        "{}",
        d.message
    );
    assert_no_controls(&r.diagnostics);
}
