//! A line-level Dockerfile reader that follows BuildKit's parser
//! (`frontend/dockerfile/parser`) rule for rule: parser directives, the escape
//! token, line continuations, comment and empty lines inside continuations,
//! heredocs, builder flags and the per-instruction argument splitting.
//!
//! No Rust library reproduces these rules, and the tree-sitter grammar cannot
//! (it leaves ERROR nodes in about a quarter of real files), so this module is
//! what decides where an instruction starts and ends and what its arguments
//! are. Every offset it returns is a byte offset into the original source.

use super::{Shift, Span};

/// A string together with the place in the source it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub value: String,
    pub span: Span,
}

/// One heredoc attached to an instruction (`<<EOF`, `<<-EOF`, `<<"EOF"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    pub file_descriptor: u32,
    /// `false` when the delimiter was quoted: the body is taken literally.
    pub expand: bool,
    /// `<<-`: leading tabs are removed from the body and the terminator.
    pub chomp: bool,
    /// The body exactly as written, every line with its line ending.
    pub content: String,
    /// Where the body sits in the source (start of the first body line to the
    /// end of the last one).
    pub content_span: Span,
    /// The `<<EOF` marker on the instruction line.
    pub marker_span: Span,
    /// The terminator line.
    pub terminator_span: Span,
}

impl Word {
    pub fn shift(&mut self, by: Shift) {
        by.span(&mut self.span);
    }
}

impl Heredoc {
    pub fn shift(&mut self, by: Shift) {
        by.span(&mut self.content_span);
        by.span(&mut self.marker_span);
        by.span(&mut self.terminator_span);
    }
}

/// An error BuildKit would stop the build with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    pub line: usize,
    pub phase: Phase,
    pub kind: ErrorKind,
    /// The instruction (index in the file) the error is about.
    pub instruction: Option<usize>,
}

impl ParseError {
    /// An error of BuildKit's parser (`parser.Parse`).
    pub fn parse(message: impl Into<String>, span: Span, line: usize) -> Self {
        ParseError {
            message: message.into(),
            span,
            line,
            phase: Phase::Parse,
            kind: ErrorKind::Parse,
            instruction: None,
        }
    }
}

impl ParseError {
    pub fn shift(&mut self, by: Shift) {
        by.span(&mut self.span);
        by.line(&mut self.line);
    }
}

/// Which part of BuildKit's Dockerfile frontend raises an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `parser.Parse`: the file cannot be split into instructions.
    Parse,
    /// `instructions.Parse` and the conversion to LLB (`dockerfile2llb`):
    /// an instruction's arguments, flags or place are wrong.
    Instruction,
}

/// What an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Raised by the parser (directives, heredocs, ENV/LABEL forms, JSON).
    Parse,
    UnknownInstruction,
    /// Wrong number or form of arguments.
    Arguments,
    /// Unknown, duplicate, misplaced or badly valued builder flags.
    Flag,
    /// `RUN --mount` options.
    Mount,
    /// `FROM ... AS name` with a name BuildKit refuses.
    StageName,
    /// An instruction before the first FROM, or no FROM at all.
    NoStage,
    /// `FROM` names an image reference BuildKit cannot parse.
    BaseImage,
    /// `COPY --from` (or `RUN --mount=from=`) names what BuildKit refuses.
    FromFlag,
    /// Non-ASCII text where BuildKit reads bytes (builder flags).
    ByteReading,
}

/// Maps offsets in a logical (continuation-joined) line back to the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineMap {
    /// (offset in the logical line, offset in the source), ascending.
    pieces: Vec<(usize, usize)>,
    len: usize,
    /// Where the line starts in the source: what every offset maps to
    /// when the line is empty (a lone continuation, `\` at the end).
    anchor: usize,
}

impl LineMap {
    /// An empty map of a logical line that starts at `anchor`.
    fn starting_at(anchor: usize) -> LineMap {
        LineMap {
            anchor,
            ..LineMap::default()
        }
    }

    fn push(&mut self, source_start: usize, len: usize) {
        if len == 0 {
            return;
        }
        self.pieces.push((self.len, source_start));
        self.len += len;
    }

    /// The index of the piece holding a logical offset (the first piece
    /// for an offset before it).
    fn piece_at(&self, logical: usize) -> usize {
        match self.pieces.binary_search_by(|p| p.0.cmp(&logical)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    /// The source offset of a logical offset. An offset at a piece boundary
    /// maps to the start of the later piece, except at the very end.
    pub fn to_source(&self, logical: usize) -> usize {
        if self.pieces.is_empty() {
            return self.anchor;
        }
        let idx = self.piece_at(logical);
        let (l, s) = self.pieces[idx];
        s + (logical - l)
    }

    /// The pieces of the logical range `from..to`: (logical start, source
    /// start, length), in order; what [`Self::to_source`] gives offset by
    /// offset, in one pass.
    pub fn segments(
        &self,
        from: usize,
        to: usize,
    ) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let first = self.piece_at(from);
        let pieces = self.pieces.get(first..).unwrap_or(&[]);
        pieces
            .iter()
            .enumerate()
            .take_while(move |(_, p)| p.0 < to)
            .filter_map(move |(k, &(l, s))| {
                let end = pieces.get(k + 1).map_or(usize::MAX, |p| p.0).min(to);
                let start = l.max(from);
                (start < end).then(|| (start, s + (start - l), end - start))
            })
    }

    pub fn shift(&mut self, by: Shift) {
        for p in &mut self.pieces {
            by.offset(&mut p.1);
        }
        by.offset(&mut self.anchor);
    }

    /// Whether the map has no pieces (an empty logical line).
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The logical offset where the piece (one physical line's part of the
    /// logical line) holding `logical` ends.
    pub fn piece_end(&self, logical: usize) -> usize {
        let idx = self.piece_at(logical);
        self.pieces.get(idx + 1).map_or(self.len, |p| p.0)
    }

    /// The source span of a logical span; the end maps to just after the last
    /// character, so a word split over two lines covers both.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.to_source(start);
        let e = if end > start {
            self.to_source(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e.max(s))
    }
}

/// The kind of argument list BuildKit builds for an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawInstruction {
    /// The keyword as written.
    pub keyword: Word,
    /// 1-based lines, as BuildKit counts them.
    pub start_line: usize,
    pub end_line: usize,
    /// The whole instruction in the source, from the keyword to the end of its
    /// last line (heredoc terminator included), without the final newline.
    pub span: Span,
    /// The logical line: physical lines joined with continuations removed.
    pub line: String,
    pub map: LineMap,
    /// Builder flags (`--from=build`), as BuildKit reports them.
    pub flags: Vec<Word>,
    /// Where the arguments (after the flags) start in the logical line.
    pub args_offset: usize,
    /// The arguments as BuildKit's line parser splits them.
    pub args: Vec<Word>,
    /// Exec (JSON array) form.
    pub json: bool,
    pub heredocs: Vec<Heredoc>,
    /// ONBUILD's trigger instruction.
    pub sub: Option<Box<RawInstruction>>,
    /// The comment lines above the instruction as BuildKit collects them
    /// (`Node.PrevComment`): since the previous instruction, blank lines
    /// included, an empty `#` line starting over; the text is the line without
    /// its first character, trimmed.
    pub comments: Vec<Word>,
    /// An argument error BuildKit would refuse the file for.
    pub error: Option<String>,
    /// BuildKit reads the builder flags (and HEALTHCHECK's type) byte by
    /// byte and so garbles non-ASCII text there; dlint reads chars. What
    /// BuildKit reads instead, when the two differ.
    pub byte_misread: Option<String>,
    /// An empty line inside a continuation (deprecated by BuildKit).
    pub empty_continuation_lines: Vec<usize>,
}

impl RawInstruction {
    /// Moves every position (spans, lines, the map) by `by`.
    pub fn shift(&mut self, by: Shift) {
        let RawInstruction {
            keyword,
            start_line,
            end_line,
            span,
            line: _,
            map,
            flags,
            args_offset: _,
            args,
            json: _,
            heredocs,
            sub,
            comments,
            error: _,
            byte_misread: _,
            empty_continuation_lines,
        } = self;
        keyword.shift(by);
        by.line(start_line);
        by.line(end_line);
        by.span(span);
        map.shift(by);
        flags
            .iter_mut()
            .chain(args.iter_mut())
            .chain(comments.iter_mut())
            .for_each(|w| w.shift(by));
        heredocs.iter_mut().for_each(|h| h.shift(by));
        if let Some(sub) = sub {
            sub.shift(by);
        }
        empty_continuation_lines.iter_mut().for_each(|l| by.line(l));
    }

    /// The arguments text (after keyword and flags) in the logical line.
    pub fn args_text(&self) -> &str {
        self.line.get(self.args_offset..).unwrap_or("")
    }
}

/// A parser directive at the top of the file (`# syntax=`, `# escape=`, `# check=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub line: usize,
    pub span: Span,
}

/// A comment line anywhere in the file (also inside continuations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    pub line: usize,
    pub span: Span,
}

impl Comment {
    pub fn shift(&mut self, by: Shift) {
        by.line(&mut self.line);
        by.span(&mut self.span);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub instructions: Vec<RawInstruction>,
    pub directives: Vec<Directive>,
    pub comments: Vec<Comment>,
    pub escape: char,
    /// Errors that make BuildKit reject the file.
    pub errors: Vec<ParseError>,
    pub bom: bool,
}

struct PhysLine {
    /// Start of the line in the source.
    start: usize,
    /// End of the content (before any trailing `\r`/`\n` run).
    content_end: usize,
    /// End including the line ending.
    end: usize,
}

/// The physical lines of `src` from `start` (a line start) on.
fn split_lines(src: &str, start: usize) -> Vec<PhysLine> {
    let bytes = src.as_bytes();
    let mut start = start.min(bytes.len());
    let rest = &bytes[start..];
    let mut out = Vec::with_capacity(rest.iter().filter(|&&b| b == b'\n').count() + 1);
    while start < bytes.len() {
        let end = match memchr(b'\n', &bytes[start..]) {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let mut content_end = end;
        while content_end > start && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        out.push(PhysLine {
            start,
            content_end,
            end,
        });
        start = end;
    }
    out
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Go's `unicode.IsSpace` and Rust's `char::is_whitespace` agree.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn trim_leading_ws(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// `[\t\v\f\r ]`
fn is_token_ws(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

fn is_comment(line: &str) -> bool {
    trim_leading_ws(line).starts_with('#')
}

struct Directives {
    escape: char,
    done: bool,
    seen: Vec<String>,
}

impl Directives {
    /// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
    fn parse(line: &str) -> Option<(String, String)> {
        let rest = line.strip_prefix('#')?;
        let rest = rest.trim_start_matches(is_perl_space);
        let name_len = rest
            .char_indices()
            .take_while(|(i, c)| {
                if *i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if name_len == 0 {
            return None;
        }
        let (name, rest) = rest.split_at_checked(name_len)?;
        let rest = rest.trim_start_matches(is_perl_space);
        let rest = rest.strip_prefix('=')?;
        let value = rest.trim_matches(is_perl_space);
        if value.is_empty() {
            return None;
        }
        Some((name.to_string(), value.to_string()))
    }

    fn possible(&mut self, line: &str) -> Result<Option<(String, String)>, String> {
        if self.done {
            return Ok(None);
        }
        let Some((name, value)) = Self::parse(line) else {
            self.done = true;
            return Ok(None);
        };
        let key = name.to_ascii_lowercase();
        if !matches!(key.as_str(), "escape" | "syntax" | "check") {
            self.done = true;
            return Ok(None);
        }
        if self.seen.contains(&key) {
            return Err(format!("only one {key} parser directive can be used"));
        }
        self.seen.push(key.clone());
        if key == "escape" {
            match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => {
                    return Err(format!(
                        "invalid escape token '{value}' does not match ` or \\"
                    ))
                }
            }
        }
        Ok(Some((key, value)))
    }
}

/// RE2's `\s`: `[\t\n\f\r ]`.
fn is_perl_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ')
}

/// `([^E])E[ \t]*$|^E[ \t]*$`: returns the length to keep when the line ends
/// with a continuation.
fn continuation(line: &str, escape: char) -> Option<usize> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let before = trimmed.strip_suffix(escape)?;
    if before.is_empty() {
        return Some(0);
    }
    if before.ends_with(escape) {
        return None;
    }
    Some(before.len())
}

/// `bufio.MaxScanTokenSize - 1`: the longest line BuildKit reads.
const MAX_LINE: usize = 64 * 1024 - 1;

/// Parses a Dockerfile the way BuildKit does.
pub fn parse(src: &str) -> Parsed {
    let lines = split_lines(src, 0);
    let mut out = Parsed {
        escape: '\\',
        // At most one instruction per line (reserved up to 4,096: a bigger
        // file grows the vector as it needs).
        instructions: Vec::with_capacity(lines.len().min(1 << 12)),
        ..Parsed::default()
    };
    // bufio.Scanner with BuildKit's buffer: a line of 64 KiB or more before
    // its `\n` stops the scan (BuildKit stops reading there; dlint reads on).
    if let Some(n) = lines.iter().position(|pl| too_long(src, pl)) {
        out.errors.push(ParseError::parse(
            LONG_LINE_MESSAGE,
            Span::new(lines[n].start, lines[n].start),
            n + 1,
        ));
    }
    let mut reader = Reader {
        src,
        lines: &lines,
        base: 0,
        d: Directives {
            escape: '\\',
            done: false,
            seen: Vec::new(),
        },
        comments: Vec::new(),
    };
    reader.read(0, &mut out, &mut |_, _| false);
    if out.instructions.is_empty() {
        out.errors.push(ParseError::parse(
            "file with no instructions",
            Span::new(0, 0),
            lines.len(),
        ));
    }
    out
}

/// The message of the error for a line longer than BuildKit reads.
pub const LONG_LINE_MESSAGE: &str = "dockerfile line greater than max allowed size of 65535";

/// Whether a line is longer than BuildKit's scanner reads ([`MAX_LINE`]
/// bytes before its `\n`).
fn too_long(src: &str, pl: &PhysLine) -> bool {
    let before_newline = if src.as_bytes().get(pl.end.wrapping_sub(1)) == Some(&b'\n') {
        pl.end - 1 - pl.start
    } else {
        pl.end - pl.start
    };
    before_newline > MAX_LINE
}

/// A stretch of a file read again after an edit: see [`reparse`].
#[derive(Debug, Default)]
pub struct Reparsed {
    pub instructions: Vec<RawInstruction>,
    pub comments: Vec<Comment>,
    pub errors: Vec<ParseError>,
    /// Where the reading ended: the start of a line (or the end of the
    /// text), as a byte offset and a 0-based line.
    pub end: usize,
    pub end_line: usize,
    /// A line it read is longer than BuildKit reads ([`parse`] reports the
    /// first such line of the file before any other error).
    pub long_line: bool,
}

/// Reads `src` on from `start`, the start of the 0-based line `line`, as
/// [`parse`] reads it when it gets there between two instructions, with no
/// comment collected for the next one, past the parser directives (which
/// set `escape`). Before every line where it is in that state again, it
/// calls `stop(offset, line)`, and stops there on true. The language server
/// reads an edited stretch this way, up to where the rest of the file reads
/// as before.
pub fn reparse(
    src: &str,
    start: usize,
    line: usize,
    escape: char,
    stop: &mut dyn FnMut(usize, usize) -> bool,
) -> Reparsed {
    let lines = split_lines(src, start);
    let mut out = Parsed {
        escape,
        ..Parsed::default()
    };
    let mut reader = Reader {
        src,
        lines: &lines,
        base: line,
        d: Directives {
            escape,
            done: true,
            seen: Vec::new(),
        },
        comments: Vec::new(),
    };
    let i = reader.read(0, &mut out, stop);
    let (end, end_line) = match lines.get(i) {
        Some(pl) => (pl.start, line + i),
        None => (src.len(), line + lines.len()),
    };
    Reparsed {
        instructions: out.instructions,
        comments: out.comments,
        errors: out.errors,
        end,
        end_line,
        long_line: lines[..i].iter().any(|pl| too_long(src, pl)),
    }
}

/// BuildKit's reader between lines: the directives read so far and the
/// comments collected for the next instruction.
struct Reader<'a> {
    src: &'a str,
    /// The physical lines from where reading starts.
    lines: &'a [PhysLine],
    /// The 0-based line of `lines[0]`.
    base: usize,
    d: Directives,
    comments: Vec<Word>,
}

impl Reader<'_> {
    /// Reads instructions from `lines[i]` to the end, or to a line where
    /// `stop` (asked when between instructions with no comment collected)
    /// says so. Returns the index of the line it stopped at.
    fn read(
        &mut self,
        mut i: usize,
        out: &mut Parsed,
        stop: &mut dyn FnMut(usize, usize) -> bool,
    ) -> usize {
        let (src, lines, base) = (self.src, self.lines, self.base);
        let d = &mut self.d;
        let comments = &mut self.comments;
        while i < lines.len() {
            let pl = &lines[i];
            if comments.is_empty() && d.done && stop(pl.start, base + i) {
                return i;
            }
            let mut first_start = pl.start;
            if base + i == 0 && src.starts_with('\u{feff}') {
                first_start += 3;
                out.bom = true;
            }
            let raw = src.get(first_start..pl.content_end).unwrap_or("");
            let line_no = base + i + 1;
            i += 1;
            let stripped = trim_leading_ws(raw);
            let stripped_start = pl.content_end - stripped.len();
            let mut is_directive = false;
            match d.possible(stripped) {
                Ok(Some((name, value))) => {
                    is_directive = true;
                    out.directives.push(Directive {
                        name,
                        value,
                        line: line_no,
                        span: Span::new(stripped_start, pl.content_end),
                    })
                }
                Ok(None) => {}
                Err(e) => out.errors.push(ParseError::parse(
                    e,
                    Span::new(stripped_start, pl.content_end),
                    line_no,
                )),
            }
            if is_comment(raw) {
                let text = stripped
                    .strip_prefix('#')
                    .unwrap_or(stripped)
                    .trim_matches(is_space)
                    .to_string();
                let span = Span::new(stripped_start, pl.content_end);
                out.comments.push(Comment {
                    text,
                    line: line_no,
                    span,
                });
                // BuildKit's `PrevComment`: the line minus its first character,
                // trimmed (an indented comment keeps its `#`); an empty comment
                // forgets the comments collected so far; a parser directive is
                // no comment.
                let mut rest = raw.chars();
                rest.next();
                let prev = rest.as_str().trim_matches(is_space);
                if is_directive {
                } else if prev.is_empty() {
                    comments.clear();
                } else {
                    comments.push(Word {
                        value: prev.to_string(),
                        span,
                    });
                }
            }
            let escape = d.escape;
            out.escape = escape;
            // trimComments: a line starting with '#' is dropped entirely.
            let content = if stripped.starts_with('#') {
                ""
            } else {
                stripped
            };
            let mut map = LineMap::starting_at(stripped_start);
            let mut line = String::new();
            let mut end_of_line = true;
            match continuation(content, escape) {
                Some(keep) => {
                    end_of_line = false;
                    line.push_str(content.get(..keep).unwrap_or(content));
                    map.push(stripped_start, keep);
                }
                None => {
                    line.push_str(content);
                    map.push(stripped_start, content.len());
                }
            }
            if end_of_line && line.is_empty() {
                comments_reset_on_blank(comments, raw);
                continue;
            }
            let start_line = line_no;
            let mut last_line = line_no;
            let mut empty_continuation_lines = Vec::new();
            while !end_of_line && i < lines.len() {
                let pl = &lines[i];
                let raw = src.get(pl.start..pl.content_end).unwrap_or("");
                let no = base + i + 1;
                i += 1;
                last_line = no;
                if let Err(e) = d.possible(raw) {
                    out.errors.push(ParseError::parse(
                        e,
                        Span::new(pl.start, pl.content_end),
                        no,
                    ));
                }
                if is_comment(raw) {
                    let stripped = trim_leading_ws(raw);
                    let s = pl.content_end - stripped.len();
                    out.comments.push(Comment {
                        text: stripped
                            .strip_prefix('#')
                            .unwrap_or(stripped)
                            .trim_matches(is_space)
                            .to_string(),
                        line: no,
                        span: Span::new(s, pl.content_end),
                    });
                    continue;
                }
                if trim_leading_ws(raw).is_empty() {
                    empty_continuation_lines.push(no);
                    continue;
                }
                match continuation(raw, escape) {
                    Some(keep) => {
                        line.push_str(raw.get(..keep).unwrap_or(raw));
                        map.push(pl.start, keep);
                    }
                    None => {
                        end_of_line = true;
                        line.push_str(raw);
                        map.push(pl.start, raw.len());
                    }
                }
            }
            let mut inst = new_node_from_line(line, map, escape);
            inst.start_line = start_line;
            inst.comments = std::mem::take(comments);
            inst.empty_continuation_lines = empty_continuation_lines;
            let mut end_offset = lines[last_line - 1 - base].content_end;

            if can_contain_heredoc(&inst) {
                let docs = heredocs_from_line(&inst.line, &inst.map);
                let target_is_sub = inst.sub.is_some();
                let mut found = Vec::new();
                for (mut doc, marker_span) in docs {
                    let body_start = if i < lines.len() {
                        lines[i].start
                    } else {
                        src.len()
                    };
                    let mut terminated = false;
                    let mut body_end = body_start;
                    while i < lines.len() {
                        let pl = &lines[i];
                        i += 1;
                        last_line = base + i;
                        let text = src.get(pl.start..pl.content_end).unwrap_or("");
                        let candidate = if doc.chomp {
                            text.trim_start_matches('\t')
                        } else {
                            text
                        };
                        if candidate == doc.name {
                            terminated = true;
                            doc.terminator_span = Span::new(pl.start, pl.content_end);
                            end_offset = pl.content_end;
                            break;
                        }
                        doc.content
                            .push_str(src.get(pl.start..pl.end).unwrap_or(""));
                        body_end = pl.end;
                        end_offset = pl.content_end;
                    }
                    doc.content_span = Span::new(body_start, body_end.max(body_start));
                    doc.marker_span = marker_span;
                    if !terminated {
                        out.errors.push(ParseError::parse(
                            "unterminated heredoc",
                            Span::new(inst.keyword.span.start, end_offset),
                            start_line,
                        ));
                        doc.terminator_span = Span::new(end_offset, end_offset);
                        found.push(doc);
                        break;
                    }
                    found.push(doc);
                }
                if target_is_sub {
                    if let Some(sub) = inst.sub.as_mut() {
                        sub.heredocs = found;
                    }
                } else {
                    inst.heredocs = found;
                }
            }
            inst.end_line = last_line;
            inst.span = Span::new(
                inst.keyword.span.start,
                end_offset.max(inst.keyword.span.start),
            );
            if let Some(sub) = inst.sub.as_mut() {
                sub.start_line = inst.start_line;
                sub.end_line = inst.end_line;
                sub.span = Span::new(sub.keyword.span.start, inst.span.end);
            }
            if let Some(e) = &inst.error {
                out.errors
                    .push(ParseError::parse(e.clone(), inst.span, start_line));
            }
            out.instructions.push(inst);
        }
        i
    }
}

/// BuildKit keeps collecting comment lines above an instruction; a blank
/// line does not reset them in current versions, so only comments count.
fn comments_reset_on_blank(_comments: &mut [Word], _raw: &str) {}

fn can_contain_heredoc(inst: &RawInstruction) -> bool {
    let is = |i: &RawInstruction, k: &str| i.keyword.value.eq_ignore_ascii_case(k);
    let target = match &inst.sub {
        Some(sub) if is(inst, "onbuild") => sub.as_ref(),
        _ => inst,
    };
    ["add", "copy", "run"].iter().any(|k| is(target, k)) && !target.json
}

/// The keyword in lowercase: BuildKit's name of the instruction (no copy)
/// when it is one, else a lowercased copy. Every instruction's keyword is
/// read this way, in each of the language server's lints.
pub fn keyword_lower(s: &str) -> std::borrow::Cow<'static, str> {
    match super::instructions::INSTRUCTIONS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(s))
    {
        Some(k) => std::borrow::Cow::Borrowed(k),
        None => std::borrow::Cow::Owned(s.to_ascii_lowercase()),
    }
}

/// `splitCommand` + the dispatch table.
/// How many `ONBUILD` triggers deep the reader goes.
const MAX_ONBUILD_DEPTH: usize = 4;

thread_local! {
    static ONBUILD_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs a closure when dropped.
struct OnExit<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnExit<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// Reads one logical line (taking it and its map: the instruction keeps both).
fn new_node_from_line(line_owned: String, map_owned: LineMap, escape: char) -> RawInstruction {
    let line = line_owned.as_str();
    let map = &map_owned;
    let lead = line.len() - trim_leading_ws(line).len();
    let trimmed = line.trim_matches(is_space);
    let kw_len = trimmed.find(is_token_ws).unwrap_or(trimmed.len());
    let kw_start = lead;
    let kw_end = lead + kw_len;
    let keyword = Word {
        value: trimmed.get(..kw_len).unwrap_or("").to_string(),
        span: map.span(kw_start, kw_end),
    };
    let mut flags = Vec::new();
    let mut args_offset = kw_end;
    // The arguments, trimmed: a range of `line`.
    let mut rest_range = (0, 0);
    let mut byte_misread = None;
    if kw_len < trimmed.len() {
        // Skip the whitespace run after the keyword.
        let after = trimmed.get(kw_len..).unwrap_or("");
        let skip = after.len() - after.trim_start_matches(is_token_ws).len();
        let rest_start = kw_end + skip;
        let rest = line.get(rest_start..lead + trimmed.len()).unwrap_or("");
        let (consumed, fl) = extract_builder_flags(rest);
        let region = rest.get(..consumed.unwrap_or(rest.len())).unwrap_or(rest);
        if !region.is_ascii() {
            byte_misread = Some(describe_byte_misread(rest));
        }
        for (v, s, e) in fl {
            flags.push(Word {
                value: v,
                span: map.span(rest_start + s, rest_start + e),
            });
        }
        match consumed {
            Some(c) => {
                let args = rest.get(c..).unwrap_or("");
                let t = args.trim_matches(is_space);
                let l = args.len() - args.trim_start_matches(is_space).len();
                args_offset = rest_start + c + l;
                rest_range = (args_offset, args_offset + t.len());
            }
            None => {
                args_offset = lead + trimmed.len();
            }
        }
    }
    let mut inst = RawInstruction {
        keyword,
        start_line: 0,
        end_line: 0,
        span: Span::default(),
        // Moved in at the end (`line` and `map` are borrowed until then).
        line: String::new(),
        map: LineMap::default(),
        flags,
        args_offset,
        args: Vec::new(),
        json: false,
        heredocs: Vec::new(),
        sub: None,
        comments: Vec::new(),
        error: None,
        byte_misread,
        empty_continuation_lines: Vec::new(),
    };
    let rest = line.get(rest_range.0..rest_range.1).unwrap_or("");
    let base = args_offset;
    let kw = keyword_lower(&inst.keyword.value);
    let mk = |v: &str, s: usize, e: usize| Word {
        value: v.to_string(),
        span: map.span(base + s, base + e),
    };
    match &*kw {
        "add" | "copy" | "volume" => match parse_json(rest) {
            JsonResult::Ok(vals) => {
                inst.json = true;
                let sp = (0, rest.len());
                inst.args = vals.iter().map(|v| mk(v, sp.0, sp.1)).collect();
            }
            JsonResult::NotStrings => {
                inst.error = Some(NOT_STRING_ARRAY.into());
            }
            JsonResult::NotJson => {
                if !rest.is_empty() {
                    inst.args = split_ws(rest)
                        .map(|(s, e)| mk(rest.get(s..e).unwrap_or(""), s, e))
                        .collect();
                }
            }
        },
        "run" | "cmd" | "entrypoint" | "shell" => {
            if !rest.is_empty() {
                parse_maybe_json(rest, &mut inst, &mk);
            }
        }
        "from" | "expose" => {
            if !rest.is_empty() {
                inst.args = split_ws(rest)
                    .map(|(s, e)| mk(rest.get(s..e).unwrap_or(""), s, e))
                    .collect();
            }
        }
        "workdir" | "maintainer" | "stopsignal" | "user" => {
            if !rest.is_empty() {
                inst.args = vec![mk(rest, 0, rest.len())];
            }
        }
        "arg" => {
            inst.args = parse_words(rest, escape)
                .into_iter()
                .map(|(value, s, e)| Word {
                    value,
                    span: map.span(base + s, base + e),
                })
                .collect();
        }
        "env" | "label" => {
            let key = if kw == "env" { "ENV" } else { "LABEL" };
            let words = parse_words(rest, escape);
            if words.is_empty() {
            } else if !words[0].0.contains('=') {
                // Legacy form: KEY name value
                let mut parts = split_ws_n2(rest);
                if parts.len() < 2 {
                    inst.error = Some(format!("{key} must have two arguments"));
                    if let Some((s, e)) = parts.pop() {
                        inst.args = vec![mk(rest.get(s..e).unwrap_or(""), s, e)];
                    }
                } else {
                    inst.args = parts
                        .into_iter()
                        .map(|(s, e)| mk(rest.get(s..e).unwrap_or(""), s, e))
                        .collect();
                }
            } else {
                for (mut w, s, e) in words {
                    match w.find('=') {
                        Some(eq) => {
                            // The word's own string becomes the key.
                            let value = mk(w.get(eq + 1..).unwrap_or(""), s + eq + 1, e);
                            w.truncate(eq);
                            inst.args.push(Word {
                                value: w,
                                span: map.span(base + s, base + s + eq),
                            });
                            inst.args.push(value);
                        }
                        None => {
                            inst.error = Some(format!(
                                "Syntax error - can't find = in {}. Must be of the form: name=value",
                                go_quote(&w)
                            ));
                            break;
                        }
                    }
                }
            }
        }
        "healthcheck" => {
            // `parseHealthConfig`: the type is the text up to the first
            // byte that is whitespace as a Latin-1 char, the command starts
            // after the whitespace bytes that follow. That is exact in chars
            // unless a whitespace byte (0x85, 0xA0) lies inside a UTF-8
            // char: then BuildKit cuts the char, dlint reads chars (up to
            // the first whitespace char) and reports the difference.
            let b = rest.as_bytes();
            let byte_space = |x: u8| is_space(char::from(x));
            let mut sep = b.iter().position(|&x| byte_space(x)).unwrap_or(b.len());
            let mut next = sep + b.iter().skip(sep).take_while(|&&x| byte_space(x)).count();
            let exact = b.get(sep).is_none_or(|x| x.is_ascii())
                && rest.is_char_boundary(sep)
                && rest.is_char_boundary(next);
            if !exact {
                sep = rest.find(is_space).unwrap_or(rest.len());
                let after = rest.get(sep..).unwrap_or("");
                next = sep + (after.len() - after.trim_start_matches(is_space).len());
                if inst.byte_misread.is_none() {
                    inst.byte_misread = Some(format!(
                        "BuildKit reads HEALTHCHECK's type byte by byte and cuts `{}` inside a character: write the type (`CMD` or `NONE`) and the space after it in ASCII",
                        rest.get(..next).unwrap_or(rest).trim_end_matches(is_space)
                    ));
                }
            }
            if sep > 0 {
                let typ = rest.get(..sep).unwrap_or("").to_string();
                let cmd = rest.get(next..).unwrap_or("").to_string();
                inst.args.push(mk(&typ, 0, sep));
                let mut tmp = inst.clone();
                tmp.args.clear();
                let base2 = base + next;
                let mk2 = |v: &str, s: usize, e: usize| Word {
                    value: v.to_string(),
                    span: map.span(base2 + s, base2 + e),
                };
                if !cmd.is_empty() {
                    parse_maybe_json(&cmd, &mut tmp, &mk2);
                }
                inst.json = tmp.json;
                inst.error = tmp.error;
                inst.args.extend(tmp.args);
            }
        }
        "onbuild" => {
            // Triggers of triggers are read a few levels deep only: BuildKit
            // refuses `ONBUILD ONBUILD` anyway, and each level copies the
            // rest of the line (a line of 1,000,000 `ONBUILD` would take
            // quadratic memory and overflow the stack).
            let depth = ONBUILD_DEPTH.with(|d| d.get());
            if !rest.is_empty() && depth < MAX_ONBUILD_DEPTH {
                ONBUILD_DEPTH.with(|d| d.set(depth + 1));
                let _restore = OnExit(|| ONBUILD_DEPTH.with(|d| d.set(depth)));
                let sub_line = rest.to_string();
                // The trigger's own map: offsets shifted by `base`.
                let mut sub_map = LineMap::starting_at(map.to_source(base));
                let mut pos = 0;
                while pos < sub_line.len() {
                    // Map each byte run that stays contiguous in the source.
                    let src = map.to_source(base + pos);
                    let mut len = 1;
                    while pos + len < sub_line.len() && map.to_source(base + pos + len) == src + len
                    {
                        len += 1;
                    }
                    sub_map.push(src, len);
                    pos += len;
                }
                let sub = new_node_from_line(sub_line, sub_map, escape);
                if let Some(e) = &sub.error {
                    inst.error = Some(e.clone());
                }
                if inst.byte_misread.is_none() {
                    inst.byte_misread.clone_from(&sub.byte_misread);
                }
                // BuildKit's ONBUILD node carries its trigger's arguments; a
                // nested ONBUILD with a trigger of its own shows one empty
                // value (its trigger hangs below it), without one none.
                inst.args = if keyword_lower(&sub.keyword.value) == "onbuild" {
                    sub.sub
                        .as_ref()
                        .map(|_| Word {
                            value: String::new(),
                            span: map.span(base, base),
                        })
                        .into_iter()
                        .collect()
                } else {
                    sub.args.clone()
                };
                inst.json = sub.json;
                inst.sub = Some(Box::new(sub));
            }
        }
        _ => {
            // Unknown instruction: BuildKit keeps one empty value.
            inst.args = vec![Word {
                value: String::new(),
                span: map.span(base, base),
            }];
        }
    }
    inst.line = line_owned;
    inst.map = map_owned;
    inst
}

const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

fn parse_maybe_json(
    rest: &str,
    inst: &mut RawInstruction,
    mk: &dyn Fn(&str, usize, usize) -> Word,
) {
    match parse_json(rest) {
        JsonResult::Ok(vals) => {
            inst.json = true;
            inst.args = vals.iter().map(|v| mk(v, 0, rest.len())).collect();
        }
        JsonResult::NotStrings => inst.error = Some(NOT_STRING_ARRAY.into()),
        JsonResult::NotJson => inst.args = vec![mk(rest, 0, rest.len())],
    }
}

/// Go's `%q` for the common printable case.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

enum JsonResult {
    Ok(Vec<String>),
    NotStrings,
    NotJson,
}

/// `parseJSON`: a JSON array of strings at the start of `rest`; like Go's
/// json.Decoder, text after the first complete value is ignored.
fn parse_json(rest: &str) -> JsonResult {
    let r = rest.trim_start_matches(is_space);
    if !r.starts_with('[') {
        return JsonResult::NotJson;
    }
    let mut stream = serde_json::Deserializer::from_str(r).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(serde_json::Value::Array(items))) => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    serde_json::Value::String(s) => out.push(s),
                    _ => return JsonResult::NotStrings,
                }
            }
            JsonResult::Ok(out)
        }
        _ => JsonResult::NotJson,
    }
}

/// Where the text after the JSON array at the start of `rest` begins (an
/// offset into `rest`), when `rest` starts (after whitespace) with a JSON
/// array of strings. BuildKit before v0.15 (the Dockerfile frontend before
/// 1.9) ignored that text; since moby/buildkit#5107 it makes the line
/// shell form (`json.Unmarshal` rejects trailing data).
pub fn json_array_end(rest: &str) -> Option<usize> {
    let r = rest.trim_start_matches(is_space);
    if !r.starts_with('[') {
        return None;
    }
    let lead = rest.len() - r.len();
    let mut stream = serde_json::Deserializer::from_str(r).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(serde_json::Value::Array(items)))
            if items
                .iter()
                .all(|v| matches!(v, serde_json::Value::String(_))) =>
        {
            Some(lead + stream.byte_offset())
        }
        _ => None,
    }
}

/// `reWhitespace.Split(rest, -1)` with offsets.
fn split_ws(rest: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_ws = false;
    let mut ws_start = 0;
    for (i, c) in rest.char_indices() {
        if is_token_ws(c) {
            if !in_ws {
                in_ws = true;
                ws_start = i;
            }
        } else if in_ws {
            out.push((start, ws_start));
            start = i;
            in_ws = false;
        }
    }
    if in_ws {
        out.push((start, ws_start));
        out.push((rest.len(), rest.len()));
    } else {
        out.push((start, rest.len()));
    }
    out.into_iter()
}

/// `reWhitespace.Split(rest, 2)` with offsets.
fn split_ws_n2(rest: &str) -> Vec<(usize, usize)> {
    match rest.find(is_token_ws) {
        None => vec![(0, rest.len())],
        Some(i) => {
            let after = rest.get(i..).unwrap_or("");
            let skip = after.len() - after.trim_start_matches(is_token_ws).len();
            vec![(0, i), (i + skip, rest.len())]
        }
    }
}

/// `parseWords`: words split on whitespace, quotes and escapes kept. One
/// pass over the chars (ENV, LABEL and ARG lines on every lint).
fn parse_words(rest: &str, escape: char) -> Vec<(String, usize, usize)> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut chars = rest.char_indices();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut word_start = 0;
    let mut last_end = 0;
    loop {
        let next = chars.next();
        let at_end = next.is_none();
        let (pos, ch) = next.unwrap_or((rest.len(), '\0'));
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push((std::mem::take(&mut word), word_start, last_end));
            }
            break;
        }
        let (mut at, mut ch) = (pos, ch);
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), word_start, last_end));
                }
                word.clear();
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                // An escape as the last char is dropped.
                let Some((p, c)) = chars.next() else {
                    continue;
                };
                word.push(ch);
                (at, ch) = (p, c);
            }
            word.push(ch);
            last_end = at + ch.len_utf8();
            continue;
        }
        // In a quote.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            let Some((p, c)) = chars.next() else {
                phase = Phase::Word;
                continue;
            };
            word.push(ch);
            (at, ch) = (p, c);
        }
        word.push(ch);
        last_end = at + ch.len_utf8();
    }
    words
}

/// The first `parse_words` (indexing a Vec of the chars): the tests hold
/// the one-pass version to it.
#[cfg(test)]
fn parse_words_reference(rest: &str, escape: char) -> Vec<(String, usize, usize)> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut word_start = 0;
    let mut last_end = 0;
    let mut k = 0;
    loop {
        let at_end = k >= chars.len();
        let (pos, ch) = if at_end { (rest.len(), '\0') } else { chars[k] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                k += 1;
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push((std::mem::take(&mut word), word_start, last_end));
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), word_start, last_end));
                }
                word.clear();
                blank_ok = false;
                k += 1;
                continue;
            }
            let mut ch = ch;
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if k + 1 == chars.len() {
                    k += 1;
                    continue;
                }
                word.push(ch);
                k += 1;
                ch = chars[k].1;
            }
            word.push(ch);
            last_end = chars[k].0 + ch.len_utf8();
            k += 1;
            continue;
        }
        // In a quote.
        let mut ch = ch;
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if k + 1 == chars.len() {
                phase = Phase::Word;
                k += 1;
                continue;
            }
            k += 1;
            word.push(ch);
            ch = chars[k].1;
        }
        word.push(ch);
        last_end = chars[k].0 + ch.len_utf8();
        k += 1;
    }
    words
}

/// `extractBuilderFlags`: leading `--flag[=value]` words. Returns where the
/// arguments start (None when the line held only flags) and the flags with
/// their offsets in `line`; every offset is a char boundary of `line`.
///
/// BuildKit reads this part of the line byte by byte, each byte taken as a
/// Latin-1 char. Between words that is exact in chars: a non-ASCII char never
/// starts with a whitespace byte or `-`, so it ends the flags there, and only
/// ASCII whitespace separates them (U+00A0 after a flag starts the
/// arguments, as in BuildKit). Inside a flag word BuildKit garbles non-ASCII
/// text (each byte becomes a char; the bytes 0x85 and 0xA0 inside a UTF-8
/// char count as whitespace and cut the word): dlint keeps the text as
/// written (U+0085 and U+00A0 end the word, as in BuildKit), and the caller
/// reports the difference (see [`buildkit_flag_bytes`]).
#[allow(clippy::type_complexity)]
fn extract_builder_flags(line: &str) -> (Option<usize>, Vec<(String, usize, usize)>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    // Go's unicode.IsSpace on an ASCII byte.
    let ascii_space = |c: char| c.is_ascii() && is_space(c);
    // Most lines have no flag: the arguments start after the spaces.
    let lead = line.len() - line.trim_start_matches(ascii_space).len();
    if !line.get(lead..).is_some_and(|r| r.starts_with("--")) {
        return ((lead < line.len()).then_some(lead), Vec::new());
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut words: Vec<(String, usize, usize)> = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut k = 0;
    while k <= chars.len() {
        let at_end = k == chars.len();
        let (pos, ch) = if at_end { (line.len(), '\0') } else { chars[k] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ascii_space(ch) {
                k += 1;
                continue;
            }
            if ch != '-' || chars.get(k + 1).map(|c| c.1) != Some('-') {
                return (Some(pos), words);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push((word.clone(), word_start, pos));
            }
            break;
        }
        if phase == Phase::Word {
            if ascii_space(ch) || ch == '\u{85}' || ch == '\u{a0}' {
                phase = Phase::Spaces;
                if word == "--" {
                    return (Some(pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push((word.clone(), word_start, pos));
                }
                word.clear();
                blank_ok = false;
                k += 1;
                continue;
            }
            let mut ch = ch;
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                k += 1;
                continue;
            }
            if ch == '\\' {
                if k + 1 == chars.len() {
                    k += 1;
                    continue;
                }
                k += 1;
                ch = chars[k].1;
            }
            word.push(ch);
            k += 1;
            continue;
        }
        // Quote.
        let mut ch = ch;
        if ch == quote {
            phase = Phase::Word;
            k += 1;
            continue;
        }
        if ch == '\\' {
            if k + 1 == chars.len() {
                phase = Phase::Word;
                k += 1;
                continue;
            }
            k += 1;
            ch = chars[k].1;
        }
        word.push(ch);
        k += 1;
    }
    (None, words)
}

/// BuildKit's own `extractBuilderFlags`, byte by byte: each byte is taken as
/// the Latin-1 char of the same value (Go's `rune(line[pos])`), so the bytes
/// 0x85 and 0xA0 inside a UTF-8 char count as whitespace and every other
/// non-ASCII byte becomes a char of its own. Returns the flags as BuildKit
/// spells them and the arguments text it goes on with (lossily decoded: it
/// may start inside a char). Only used to tell the user what BuildKit reads.
pub fn buildkit_flag_bytes(line: &str) -> (Vec<String>, String) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = line.as_bytes();
    let mut words: Vec<String> = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    let sp = |c: u8| is_space(char::from(c));
    let rest = |pos: usize| String::from_utf8_lossy(b.get(pos..).unwrap_or_default()).into_owned();
    while pos <= b.len() {
        let at_end = pos == b.len();
        let ch = b.get(pos).copied().unwrap_or(0);
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if sp(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || b.get(pos + 1) != Some(&b'-') {
                return (words, rest(pos));
            }
            phase = Phase::Word;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word.clone());
            }
            break;
        }
        if phase == Phase::Word {
            if sp(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (words, rest(pos));
                }
                if blank_ok || !word.is_empty() {
                    words.push(word.clone());
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            let mut ch = ch;
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == b'\\' {
                if pos + 1 == b.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = b.get(pos).copied().unwrap_or(0);
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        let mut ch = ch;
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == b'\\' {
            if pos + 1 == b.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = b.get(pos).copied().unwrap_or(0);
        }
        word.push(char::from(ch));
        pos += 1;
    }
    (words, String::new())
}

/// What BuildKit makes of builder flags holding non-ASCII text.
fn describe_byte_misread(rest: &str) -> String {
    let (flags, args) = buildkit_flag_bytes(rest);
    let mut seen = flags
        .iter()
        .map(|f| format!("`{}`", f.escape_debug()))
        .collect::<Vec<_>>()
        .join(" ");
    if seen.is_empty() {
        seen = "no flags".into();
    }
    let args = args.trim_matches(is_space);
    let tail = if args.is_empty() {
        String::new()
    } else {
        format!(", then the arguments `{}`", args.escape_debug())
    };
    format!(
        "BuildKit reads builder flags byte by byte, so non-ASCII text in them is garbled: it reads {seen}{tail}. Keep flags ASCII"
    )
}

/// `heredocsFromLine`: the words of the line as BuildKit's shell lexer sees
/// them (quotes and escapes kept), each tested for `^(\d*)<<(-?)([^<]*)$`.
fn heredocs_from_line(line: &str, map: &LineMap) -> Vec<(Heredoc, Span)> {
    // A marker is a word with `<<` in it, and a raw word is a run of the
    // line's own characters.
    if !line.contains("<<") {
        return Vec::new();
    }
    let Some(words) = shell_words(line, true) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (w, s, e) in words {
        if let Some(doc) = parse_heredoc_word(&w) {
            out.push((doc, map.span(s, e)));
        }
    }
    out
}

/// Parses one word as a heredoc marker.
pub fn parse_heredoc_word(w: &str) -> Option<Heredoc> {
    let digits = w.len() - w.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (fd_text, after) = w.split_at_checked(digits)?;
    let after = after.strip_prefix("<<")?;
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.contains('<') || rest.is_empty() {
        return None;
    }
    let fd = if digits == 0 {
        0
    } else {
        fd_text.parse::<u32>().unwrap_or(0)
    };
    let words = shell_words(rest, false)?;
    if words.len() != 1 {
        return None;
    }
    let raw = shell_words(rest, true)?;
    if raw.len() != 1 {
        return None;
    }
    let count = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let name = words[0].0.clone();
    let expand = count(&name) == count(&raw[0].0);
    Some(Heredoc {
        name,
        file_descriptor: fd,
        expand,
        chomp,
        content: String::new(),
        content_span: Span::default(),
        marker_span: Span::default(),
        terminator_span: Span::default(),
    })
}

/// A small port of BuildKit's shell lexer `ProcessWords` with escape `\`,
/// unset variables left as written. `raw` keeps quotes and escapes (RawQuotes
/// and RawEscapes). Returns None on an unterminated quote.
fn shell_words(s: &str, raw: bool) -> Option<Vec<(String, usize, usize)>> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut start = 0;
    let mut k = 0;
    let end_of = |k: usize| -> usize {
        if k < chars.len() {
            chars[k].0
        } else {
            s.len()
        }
    };
    macro_rules! begin {
        ($pos:expr) => {
            if !in_word {
                in_word = true;
                start = $pos;
            }
        };
    }
    while k < chars.len() {
        let (pos, ch) = chars[k];
        match ch {
            '\'' => {
                begin!(pos);
                if raw {
                    cur.push('\'');
                }
                k += 1;
                loop {
                    if k >= chars.len() {
                        return None;
                    }
                    let c = chars[k].1;
                    k += 1;
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
                if raw {
                    cur.push('\'');
                }
            }
            '"' => {
                begin!(pos);
                if raw {
                    cur.push('"');
                }
                k += 1;
                loop {
                    if k >= chars.len() {
                        return None;
                    }
                    let c = chars[k].1;
                    k += 1;
                    if c == '"' {
                        break;
                    }
                    if c == '\\' && k < chars.len() {
                        let n = chars[k].1;
                        if matches!(n, '"' | '\\' | '$' | '`' | '\n') {
                            if raw {
                                cur.push('\\');
                            }
                            cur.push(n);
                            k += 1;
                            continue;
                        }
                    }
                    cur.push(c);
                }
                if raw {
                    cur.push('"');
                }
            }
            '\\' => {
                begin!(pos);
                if raw {
                    cur.push('\\');
                }
                k += 1;
                if k >= chars.len() {
                    break;
                }
                cur.push(chars[k].1);
                k += 1;
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push((std::mem::take(&mut cur), start, pos));
                    in_word = false;
                }
                k += 1;
            }
            c => {
                begin!(pos);
                cur.push(c);
                k += 1;
            }
        }
    }
    if in_word {
        words.push((cur, start, end_of(k)));
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(src: &str) -> Vec<Vec<String>> {
        parse(src)
            .instructions
            .iter()
            .map(|i| i.args.iter().map(|w| w.value.clone()).collect())
            .collect()
    }

    #[test]
    fn parse_words_is_the_reference() {
        let mut cases: Vec<String> = [
            "",
            " ",
            "a",
            "a b",
            "  a  b  ",
            "k=v",
            "k=\"a b\"",
            "k='a b' c=\\ d",
            "\\",
            "a\\",
            "\"unterminated",
            "'x\\",
            "\"x\\",
            "a\\ b",
            "공=값 \"따옴 표\"",
            "`",
            "a` b",
            "\"\"",
            "''",
            "k=\"a\\\"b\"",
            "\u{a0}x\u{a0}",
            "x\u{3000}y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every string of up to 5 chars from an alphabet with each special.
        let alphabet = ['a', ' ', '"', '\'', '\\', '`', '=', '공'];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in &frontier {
                for c in alphabet {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            cases.extend(next.iter().cloned());
            frontier = next;
        }
        for c in &cases {
            for esc in ['\\', '`'] {
                assert_eq!(
                    parse_words(c, esc),
                    parse_words_reference(c, esc),
                    "{c:?} {esc:?}"
                );
            }
        }
    }

    #[test]
    fn continuation_and_comments() {
        let p = parse("FROM a\nRUN echo \\\n# c\n\n   b\n");
        assert_eq!(p.instructions.len(), 2);
        assert_eq!(p.instructions[1].start_line, 2);
        assert_eq!(p.instructions[1].end_line, 5);
        assert_eq!(p.instructions[1].args[0].value, "echo    b");
        assert_eq!(p.instructions[1].empty_continuation_lines, vec![4]);
    }

    #[test]
    fn escaped_escape_is_not_continuation() {
        assert_eq!(args("RUN echo \\\\\n"), vec![vec!["echo \\\\".to_string()]]);
    }

    #[test]
    fn backtick_escape() {
        let p = parse("# escape=`\nFROM a\nRUN dir `\n  c:\\\n");
        assert_eq!(p.escape, '`');
        assert_eq!(p.instructions[1].args[0].value, "dir   c:\\");
    }

    #[test]
    fn heredoc_body() {
        let p = parse("FROM a\nRUN <<EOF bash\necho hi\nEOF\nRUN x\n");
        let r = &p.instructions[1];
        assert_eq!(r.end_line, 4);
        assert_eq!(r.heredocs[0].name, "EOF");
        assert_eq!(r.heredocs[0].content, "echo hi\n");
        assert_eq!(p.instructions[2].start_line, 5);
    }

    #[test]
    fn chomped_quoted_heredoc() {
        let p = parse("FROM a\nCOPY <<-\"A\" /x\n\tfoo\n\tA\n");
        let h = &p.instructions[1].heredocs[0];
        assert_eq!(h.name, "A");
        assert!(h.chomp);
        assert!(!h.expand);
        assert_eq!(h.content, "\tfoo\n");
    }

    #[test]
    fn flags_and_spans() {
        let src = "COPY --from=build --chown=a:b src/ /app/\n";
        let p = parse(src);
        let i = &p.instructions[0];
        assert_eq!(i.flags[0].value, "--from=build");
        assert_eq!(
            src.get(i.flags[1].span.start..i.flags[1].span.end).unwrap(),
            "--chown=a:b"
        );
        assert_eq!(
            src.get(i.args[0].span.start..i.args[0].span.end),
            Some("src/")
        );
    }

    #[test]
    fn env_forms() {
        assert_eq!(
            args("ENV a=b c=\"d e\"\n")[0],
            vec!["a", "b", "c", "\"d e\""]
        );
        assert_eq!(args("ENV x y z\n")[0], vec!["x", "y z"]);
    }

    #[test]
    fn json_forms() {
        let p = parse("CMD [\"a\", \"b\"] x\nRUN [oops\n");
        assert!(p.instructions[0].json);
        assert_eq!(p.instructions[1].args[0].value, "[oops");
    }

    #[test]
    fn directives_only_at_top() {
        let p = parse("# syntax=docker/dockerfile:1\n# check=skip=A\nFROM a\n# escape=`\n");
        assert_eq!(p.directives.len(), 2);
        assert_eq!(p.escape, '\\');
    }

    #[test]
    fn span_across_continuation() {
        let src = "RUN apt-get \\\n  install x\n";
        let p = parse(src);
        let i = &p.instructions[0];
        assert_eq!(i.span, Span::new(0, src.len() - 1));
    }
}
