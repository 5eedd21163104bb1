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

#![deny(clippy::string_slice)]

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
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex {
            starts,
            len: src.len(),
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
        let text = src.get(start..offset).unwrap_or("");
        let col = match unit {
            ColumnUnit::Utf8 => text.len(),
            ColumnUnit::Chars => text.chars().count(),
            ColumnUnit::Utf16 => text.encode_utf16().count(),
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
        let content_len = text.trim_end_matches(['\n', '\r']).len();
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
