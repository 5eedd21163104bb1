//! Conversions between dlint's byte spans and LSP positions (in the
//! negotiated encoding), and between `file:` URIs and paths.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, PositionEncodingKind, Range, Uri};

use crate::syntax::{ColumnUnit, LineCol, LineIndex, Span};

/// The position encoding agreed at initialize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it, else UTF-16 (the spec's default,
    /// which every client must support).
    pub fn negotiate(offered: &[String]) -> Encoding {
        if offered.iter().any(|e| e.eq_ignore_ascii_case("utf-8")) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf8 => ColumnUnit::Utf8,
            Encoding::Utf16 => ColumnUnit::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Clamps an `i32`-ish LSP number into `usize`.
fn to_usize(n: u32) -> usize {
    n as usize
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The position of a byte offset (clamped to the text).
pub fn position(src: &str, lines: &LineIndex, offset: usize, enc: Encoding) -> Position {
    let lc = lines.position(src, offset, enc.unit());
    Position::new(to_u32(lc.line), to_u32(lc.col))
}

/// The range of a byte span.
pub fn range(src: &str, lines: &LineIndex, span: Span, enc: Encoding) -> Range {
    let start = span.start.min(span.end);
    Range::new(
        position(src, lines, start, enc),
        position(src, lines, span.end.max(start), enc),
    )
}

/// The byte offset of a position. Out-of-range lines and columns are
/// clamped to the end of the text or of the line, as the spec asks.
pub fn offset(src: &str, lines: &LineIndex, pos: Position, enc: Encoding) -> usize {
    lines.offset(
        src,
        LineCol {
            line: to_usize(pos.line),
            col: to_usize(pos.character),
        },
        enc.unit(),
    )
}

/// The byte span of a range (start and end ordered).
pub fn span(src: &str, lines: &LineIndex, range: Range, enc: Encoding) -> Span {
    let a = offset(src, lines, range.start, enc);
    let b = offset(src, lines, range.end, enc);
    Span::new(a.min(b), a.max(b))
}

/// The end position of a text (for appending to a file).
pub fn end_position(text: &str, enc: Encoding) -> Position {
    let lines = LineIndex::new(text);
    position(text, &lines, text.len(), enc)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The local path of a `file:` URI; None for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri
        .strip_prefix("file://")
        .or_else(|| uri.strip_prefix("FILE://"))?;
    // Drop the authority (`localhost` or empty).
    let path = match rest.find('/') {
        Some(i) => rest.get(i..)?,
        None => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        // file:///C:/x → C:/x
        let s = s
            .strip_prefix('/')
            .filter(|t| t.as_bytes().get(1) == Some(&b':'))
            .map(str::to_string)
            .unwrap_or(s);
        Some(PathBuf::from(s))
    }
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let s = path.to_string_lossy();
    let s = s.replace('\\', "/");
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        let p = uri_to_path("file:///tmp/a%20b/Dockerfile").unwrap();
        assert_eq!(p, PathBuf::from("/tmp/a b/Dockerfile"));
        let u = path_to_uri(&p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20b/Dockerfile");
        assert_eq!(
            uri_to_path("file://localhost/x/y").unwrap(),
            PathBuf::from("/x/y")
        );
        assert!(uri_to_path("untitled:Untitled-1").is_none());
    }

    #[test]
    fn positions_in_both_encodings() {
        let src = "FROM a\nRUN echo é😀x\n";
        let lines = LineIndex::new(src);
        let x = src.find('x').unwrap();
        assert_eq!(
            position(src, &lines, x, Encoding::Utf16),
            Position::new(1, 12)
        );
        assert_eq!(
            position(src, &lines, x, Encoding::Utf8),
            Position::new(1, 15)
        );
        assert_eq!(
            offset(src, &lines, Position::new(1, 12), Encoding::Utf16),
            x
        );
        assert_eq!(offset(src, &lines, Position::new(1, 15), Encoding::Utf8), x);
        // Clamped.
        assert_eq!(
            offset(src, &lines, Position::new(0, 999), Encoding::Utf16),
            6
        );
        assert_eq!(
            offset(src, &lines, Position::new(99, 0), Encoding::Utf16),
            src.len()
        );
    }
}
