//! The client's copy of a document: LSP positions and edits, written
//! independently of the server's code, with the semantics the server
//! documents (src/server/convert.rs, src/syntax/mod.rs `LineIndex`):
//!
//! * lines end at `\n` only (as BuildKit reads them);
//! * a column counts UTF-16 code units or UTF-8 bytes;
//! * a column past the line's content (the line without its `\n` and the
//!   `\r` of a CRLF; a lone `\r`, even the text's last byte, is content)
//!   means the content's end; a column inside a character (between the two
//!   halves of a surrogate pair, inside a UTF-8 sequence) means that
//!   character's end; a line past the last means the text's end; a
//!   reversed range is ordered.

use lsp_types::{Position, Range, TextEdit};

fn units(c: char, utf16: bool) -> usize {
    if utf16 {
        c.len_utf16()
    } else {
        c.len_utf8()
    }
}

/// The lines of a text: (start offset, text without the `\n`).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |l| {
        let s = start;
        start += l.len() + 1;
        (s, l)
    })
}

/// A line's content: without the `\r` of a CRLF (a lone `\r`, also at the
/// very end of the text, is content).
fn content(text: &str, start: usize, line: &str) -> usize {
    let crlf = text.as_bytes().get(start + line.len()) == Some(&b'\n') && line.ends_with('\r');
    line.len() - usize::from(crlf)
}

pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// The byte offset of a position.
pub fn offset(text: &str, pos: Position, utf16: bool) -> usize {
    let Some((start, line)) = lines(text).nth(pos.line as usize) else {
        return text.len();
    };
    let content = &line[..content(text, start, line)];
    let want = pos.character as usize;
    let mut at = 0;
    for (i, c) in content.char_indices() {
        if at >= want {
            return start + i;
        }
        at += units(c, utf16);
    }
    start + content.len()
}

/// The byte span of a range, ordered.
pub fn span(text: &str, range: Range, utf16: bool) -> (usize, usize) {
    let a = offset(text, range.start, utf16);
    let b = offset(text, range.end, utf16);
    (a.min(b), a.max(b))
}

/// Applies one incremental change (None: the whole text).
pub fn apply_change(text: &mut String, range: Option<Range>, new: &str, utf16: bool) {
    match range {
        None => *text = new.to_string(),
        Some(r) => {
            let (a, b) = span(text, r, utf16);
            text.replace_range(a..b, new);
        }
    }
}

/// Whether a position the server sends names a real place: an existing
/// line, a column at a character boundary of it, not past its end (`\r`
/// counted, as the server counts it).
pub fn check_position(text: &str, pos: Position, utf16: bool) -> Result<(), String> {
    let Some((_, line)) = lines(text).nth(pos.line as usize) else {
        return Err(format!(
            "line {} of a {}-line text",
            pos.line,
            line_count(text)
        ));
    };
    let want = pos.character as usize;
    let mut at = 0;
    for c in line.chars() {
        if at == want {
            return Ok(());
        }
        at += units(c, utf16);
        if at > want {
            return Err(format!(
                "character {want} of line {} is inside {c:?}",
                pos.line
            ));
        }
    }
    if at == want {
        Ok(())
    } else {
        Err(format!(
            "character {want} past the end ({at}) of line {}",
            pos.line
        ))
    }
}

pub fn check_range(text: &str, r: Range, utf16: bool) -> Result<(), String> {
    check_position(text, r.start, utf16)?;
    check_position(text, r.end, utf16)?;
    if r.start > r.end {
        return Err(format!("reversed range {r:?}"));
    }
    Ok(())
}

/// Applies a set of edits as a client does: every range refers to the
/// original text; they must not overlap.
pub fn apply_edits(text: &str, edits: &[TextEdit], utf16: bool) -> Result<String, String> {
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    for e in edits {
        check_range(text, e.range, utf16)?;
        let (a, b) = span(text, e.range, utf16);
        spans.push((a, b, e.new_text.as_str()));
    }
    // Stable: inserts at one place keep their order.
    spans.sort_by_key(|&(a, b, _)| (a, b));
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(format!("overlapping edits {:?} {:?}", w[0], w[1]));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (a, b, t) in spans {
        out.push_str(&text[pos..a]);
        out.push_str(t);
        pos = b;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let t = "ab😀c\r\nx";
        let p = |l, c| Position::new(l, c);
        assert_eq!(offset(t, p(0, 2), true), 2);
        assert_eq!(offset(t, p(0, 3), true), 6);
        assert_eq!(offset(t, p(0, 4), true), 6);
        assert_eq!(offset(t, p(0, 99), true), 7);
        assert_eq!(offset(t, p(1, 0), true), 9);
        assert_eq!(offset(t, p(5, 0), true), t.len());
        assert!(check_position(t, p(0, 3), true).is_err());
        assert!(check_position(t, p(0, 4), true).is_ok());
        assert!(check_position(t, p(0, 6), true).is_ok());
        assert!(check_position(t, p(0, 7), true).is_err());
        assert!(check_position(t, p(2, 0), true).is_err());
        assert!(check_position(t, p(0, 3), false).is_err());
        assert!(check_position(t, p(0, 6), false).is_ok());
    }
}
