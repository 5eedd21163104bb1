//! The syntax layer: the only part of dlint that sees tree-sitter nodes.
//!
//! * `buildkit` reads instructions the way BuildKit does (the reference for
//!   what a Dockerfile means);
//! * `tree` runs the tree-sitter-containerfile grammar over the file and
//!   checks, instruction by instruction, whether the tree agrees;
//! * `shell` parses RUN commands (shell form and heredoc bodies) with
//!   tree-sitter-bash into owned commands and words.
//!
//! Everything leaving this module is plain owned data with byte spans.

pub mod buildkit;
pub mod instructions;
pub mod shell;
pub mod tree;

use std::fmt;

/// A byte range in the source.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Moves positions after an edit: by the bytes and lines inserted (or, when
/// negative, removed) before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub bytes: isize,
    pub lines: isize,
}

impl Shift {
    pub fn offset(self, offset: &mut usize) {
        *offset = offset.wrapping_add_signed(self.bytes);
    }
    pub fn span(self, span: &mut Span) {
        self.offset(&mut span.start);
        self.offset(&mut span.end);
    }
    pub fn line(self, line: &mut usize) {
        *line = line.wrapping_add_signed(self.lines);
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Converts byte offsets to lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
    /// Every [`CHECKPOINT`] bytes: (characters, 4-byte characters) before
    /// that offset. A column is then found in constant time, however long
    /// the line (a 1 MB line with 50,000 findings). Empty for an ASCII
    /// text, where the counts are the offsets.
    counts: Vec<(usize, usize)>,
}

const CHECKPOINT: usize = 64;

/// (characters, 4-byte characters) starting in `bytes`: UTF-8 lead bytes
/// and ASCII count, continuation bytes do not, so any byte range works.
fn count_chars(bytes: &[u8]) -> (usize, usize) {
    let chars = bytes.iter().filter(|&&b| (b as i8) >= -0x40).count();
    let wide = bytes.iter().filter(|&&b| b >= 0xF0).count();
    (chars, wide)
}

/// A 0-based line and a 0-based column in the unit asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// How columns are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Unicode scalar values (what the CLI prints).
    Chars,
    Utf8,
    Utf16,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let bytes = src.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        // An ASCII text (most Dockerfiles) counts a character per byte: no
        // checkpoints (built on every keystroke in the editor).
        let counts = if src.is_ascii() {
            Vec::new()
        } else {
            let mut counts = Vec::with_capacity(bytes.len() / CHECKPOINT + 2);
            let mut acc = (0, 0);
            counts.push(acc);
            for chunk in bytes.chunks(CHECKPOINT) {
                let (c, w) = count_chars(chunk);
                acc = (acc.0 + c, acc.1 + w);
                counts.push(acc);
            }
            counts
        };
        LineIndex {
            starts,
            len: src.len(),
            counts,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset.min(self.len)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line)
            .copied()
            .unwrap_or(self.len)
            .min(self.len)
    }

    /// Start of the line after `line` (or the end of the text).
    pub fn line_end_with_newline(&self, line: usize) -> usize {
        self.starts.get(line + 1).copied().unwrap_or(self.len)
    }

    pub fn position(&self, src: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(src, offset.min(src.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = if unit == ColumnUnit::Utf8 {
            offset - start
        } else if src.len() == self.len {
            let (c1, w1) = self.counts_before(src, offset);
            let (c0, w0) = self.counts_before(src, start);
            match unit {
                ColumnUnit::Chars => c1 - c0,
                _ => (c1 + w1) - (c0 + w0),
            }
        } else {
            // Not the text the index was built from: count.
            let text = src.get(start..offset).unwrap_or("");
            match unit {
                ColumnUnit::Chars => text.chars().count(),
                _ => text.encode_utf16().count(),
            }
        };
        LineCol { line, col }
    }

    /// The byte offset of a line and column; out-of-range values are clamped
    /// to the end of the line or of the text.
    pub fn offset(&self, src: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        if pos.line >= self.starts.len() {
            return src.len();
        }
        let start = self.starts[pos.line];
        let end = self.line_end_with_newline(pos.line);
        let text = src.get(start..end).unwrap_or("");
        // The line's content: without its `\n`, and without the `\r` of a
        // CRLF. Any other `\r` is content (BuildKit reads lines at `\n`; a
        // lone `\r`, even the text's last byte, is a character of the line),
        // so every offset but the one inside a CRLF has a position that
        // leads back to it.
        let content_len = match text.strip_suffix('\n') {
            Some(t) => t.strip_suffix('\r').unwrap_or(t).len(),
            None => text.len(),
        };
        let mut counted = 0;
        for (i, c) in text.get(..content_len).unwrap_or("").char_indices() {
            if counted >= pos.col {
                return start + i;
            }
            counted += match unit {
                ColumnUnit::Utf8 => c.len_utf8(),
                ColumnUnit::Chars => 1,
                ColumnUnit::Utf16 => c.len_utf16(),
            };
        }
        start + content_len
    }
}

impl LineIndex {
    /// (characters, 4-byte characters) before byte `offset` of `src`.
    fn counts_before(&self, src: &str, offset: usize) -> (usize, usize) {
        if self.counts.is_empty() {
            // An ASCII text (see `new`).
            return (offset, 0);
        }
        let k = offset / CHECKPOINT;
        let (c, w) = self.counts.get(k).copied().unwrap_or_default();
        let from = (k * CHECKPOINT).min(offset);
        let (dc, dw) = count_chars(src.as_bytes().get(from..offset).unwrap_or_default());
        (c + dc, w + dw)
    }
}

/// Parses with tree-sitter within a time budget linear in the text's length
/// (250 ms plus 3 µs a byte): tree-sitter's error recovery is super-linear
/// on some hostile inputs (200,000 heredoc markers on one RUN line took
/// minutes). tree-sitter-bash reads ordinary scripts at 1.5 to 8 MB/s on a
/// loaded machine (0.12 to 0.7 µs a byte), so real scripts stay far below
/// the budget. None when the budget ran out; the parser is then reset for
/// its next use.
pub fn parse_bounded(parser: &mut tree_sitter::Parser, text: &str) -> Option<tree_sitter::Tree> {
    let budget = std::time::Duration::from_millis(250)
        + std::time::Duration::from_micros(3 * text.len() as u64);
    let deadline = std::time::Instant::now() + budget;
    let mut over = |_: &tree_sitter::ParseState| std::time::Instant::now() > deadline;
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut over);
    let bytes = text.as_bytes();
    let tree = parser.parse_with_options(
        &mut |i, _| bytes.get(i..).unwrap_or_default(),
        None,
        Some(options),
    );
    if tree.is_none() {
        parser.reset();
    }
    tree
}

pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A file as the syntax layer reads it.
#[derive(Debug, Clone)]
pub struct SyntaxDocument {
    pub parsed: buildkit::Parsed,
    /// The tree-sitter-containerfile tree (built for `inspect` and the
    /// editor; a lint run does not need it).
    pub tree: Option<tree::TreeSummary>,
    /// Per instruction, when the tree was built: the tree read it differently
    /// (or with an ERROR), so it was recovered from the source with
    /// BuildKit's rules.
    pub recovered: Vec<Option<bool>>,
    pub lines: LineIndex,
}

/// BuildKit's parser and its instruction pass: the instructions and every
/// error either raises.
pub fn parse_instructions(src: &str) -> buildkit::Parsed {
    let mut parsed = buildkit::parse(src);
    instructions::check(&mut parsed);
    parsed
}

/// Reads a Dockerfile: BuildKit's instruction structure, the tree-sitter
/// tree, and where the two disagree.
pub fn parse_document(src: &str) -> SyntaxDocument {
    if src.len() > MAX_TREE_SOURCE {
        // tree-sitter-containerfile's error recovery takes some 300 bytes
        // of memory a byte on hostile files (3 GB for 10 MB of `\` lines):
        // past this size, BuildKit's reading alone, as for linting.
        return parse_document_lite(src);
    }
    let parsed = parse_instructions(src);
    let tree = tree::parse(src);
    let recovered = parsed
        .instructions
        .iter()
        .map(|i| Some(!tree.agrees(&i.keyword.value, i.start_line, i.end_line)))
        .collect();
    SyntaxDocument {
        parsed,
        tree: Some(tree),
        recovered,
        lines: LineIndex::new(src),
    }
}

/// The largest file given to tree-sitter-containerfile (1 MiB: real
/// Dockerfiles are a few KB).
pub const MAX_TREE_SOURCE: usize = 1 << 20;

/// Reads a Dockerfile without building the tree-sitter-containerfile tree:
/// what linting needs (RUN bodies are still parsed with tree-sitter-bash).
pub fn parse_document_lite(src: &str) -> SyntaxDocument {
    let parsed = parse_instructions(src);
    let n = parsed.instructions.len();
    SyntaxDocument {
        parsed,
        tree: None,
        recovered: vec![None; n],
        lines: LineIndex::new(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_containerfile_tree_past_the_size_cap() {
        let small = "FROM a\nRUN x\n";
        assert!(parse_document(small).tree.is_some());
        let big = format!("FROM a\n{}", "\\\n".repeat(MAX_TREE_SOURCE / 2 + 1));
        let doc = parse_document(&big);
        assert!(doc.tree.is_none());
        assert_eq!(doc.recovered, vec![None; doc.parsed.instructions.len()]);
    }

    /// Every offset but the one inside a CRLF has a position that leads
    /// back to it, lone `\r`s (in a line, before a CRLF, as the last byte)
    /// included: an edit at the end of `RUN x\r` lands after the `\r`.
    #[test]
    fn positions_lead_back_to_their_offsets_with_lone_carriage_returns() {
        for src in [
            "FROM a\r\nRUN x\r",
            "a\rb\r\r\nc\r\r",
            "\r",
            "공\r😀\r\n\r\n\r",
            "RUN a \\\r\n  b\r\n",
        ] {
            let ix = LineIndex::new(src);
            for (off, _) in src.char_indices().chain([(src.len(), ' ')]) {
                let inside_crlf = off > 0
                    && src.as_bytes()[off - 1] == b'\r'
                    && src.as_bytes().get(off) == Some(&b'\n');
                if inside_crlf {
                    continue;
                }
                for unit in [ColumnUnit::Chars, ColumnUnit::Utf16, ColumnUnit::Utf8] {
                    let p = ix.position(src, off, unit);
                    assert_eq!(
                        ix.offset(src, p, unit),
                        off,
                        "{src:?} at {off} ({unit:?}, {p:?})"
                    );
                }
            }
            // Past a line's content: its end, before the CRLF's `\r`.
            let end = ix.offset(src, LineCol { line: 0, col: 999 }, ColumnUnit::Utf8);
            let first = src.split('\n').next().unwrap_or("");
            let crlf = src.len() > first.len() && first.ends_with('\r');
            assert_eq!(end, first.len() - usize::from(crlf), "{src:?}");
        }
    }

    #[test]
    fn columns_match_counting_at_every_offset() {
        let line = "RUN echo 日本語 Größe 보안 😀𝄞 end ";
        let src = format!("FROM a\n{}\n# 😀\n{}", line.repeat(9), line.repeat(3));
        let ix = LineIndex::new(&src);
        for off in 0..=src.len() {
            let o = floor_char_boundary(&src, off);
            let line = ix.line_of(o);
            let text = src.get(ix.line_start(line)..o).unwrap_or("");
            for (unit, want) in [
                (ColumnUnit::Chars, text.chars().count()),
                (ColumnUnit::Utf16, text.encode_utf16().count()),
                (ColumnUnit::Utf8, text.len()),
            ] {
                assert_eq!(
                    ix.position(&src, off, unit),
                    LineCol { line, col: want },
                    "offset {off} {unit:?}"
                );
            }
        }
    }
}
