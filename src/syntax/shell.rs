//! Shell inside RUN, parsed with tree-sitter-bash into simple commands with
//! their words, in source order, with the operator joining each command to
//! the one before it.
//!
//! Offsets are relative to the script text handed in; the caller maps them
//! back to the Dockerfile.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use super::Span;

/// How a command is joined to the command before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Joiner {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;` or a newline
    Seq,
    /// `|`
    Pipe,
    /// `&`
    Background,
}

impl Joiner {
    pub fn as_str(self) -> &'static str {
        match self {
            Joiner::And => "&&",
            Joiner::Or => "||",
            Joiner::Seq => ";",
            Joiner::Pipe => "|",
            Joiner::Background => "&",
        }
    }
}

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// As written, quotes included.
    pub raw: String,
    /// The value after quote removal, when it holds no expansion.
    pub value: Option<String>,
    pub span: Span,
}

impl ShellWord {
    pub fn shift(&mut self, by: super::Shift) {
        by.span(&mut self.span);
    }

    /// The value, or the raw text when the word has expansions.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.raw)
    }
}

/// A simple command: `NAME=v cmd arg arg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub span: Span,
    pub assignments: Vec<ShellWord>,
    /// argv: the command name and its arguments.
    pub words: Vec<ShellWord>,
    /// The operator before this command (None for the first one).
    pub joined_by: Option<Joiner>,
    /// Inside `( … )`, `$( … )`, a function, or a branch of if/while/for/case.
    pub nested: bool,
}

/// A `|` of a pipeline and the element written before it (a command, a
/// `{ … }` group, a subshell…), whose status the pipe hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pipe {
    pub op: Span,
    pub left: Span,
}

impl Pipe {
    pub fn shift(&mut self, by: super::Shift) {
        by.span(&mut self.op);
        by.span(&mut self.left);
    }
}

/// A parsed script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
    /// The `|` (or `|&`) operators of pipelines, anywhere in the script
    /// (inside `$( … )` and branches too), in source order.
    pub pipes: Vec<Pipe>,
    pub has_error: bool,
}

/// The node kinds the walk looks at, as tree-sitter ids: comparing ids is
/// a load, `Node::kind()` a `strlen` and a UTF-8 check per call.
struct Kinds {
    command: u16,
    variable_assignment: u16,
    variable_assignments: u16,
    declaration_command: u16,
    unset_command: u16,
    command_substitution: u16,
    process_substitution: u16,
    subshell: u16,
    pipeline: u16,
    pipe: u16,
    pipe_stderr: u16,
    word: u16,
    number: u16,
    command_name: u16,
    raw_string: u16,
    string: u16,
    string_content: u16,
    concatenation: u16,
    /// `NESTING`, as ids.
    nesting: Vec<u16>,
}

impl Kinds {
    fn new(lang: &tree_sitter::Language) -> Kinds {
        let named = |k: &str| lang.id_for_node_kind(k, true);
        let anon = |k: &str| lang.id_for_node_kind(k, false);
        Kinds {
            command: named("command"),
            variable_assignment: named("variable_assignment"),
            variable_assignments: named("variable_assignments"),
            declaration_command: named("declaration_command"),
            unset_command: named("unset_command"),
            command_substitution: named("command_substitution"),
            process_substitution: named("process_substitution"),
            subshell: named("subshell"),
            pipeline: named("pipeline"),
            pipe: anon("|"),
            pipe_stderr: anon("|&"),
            word: named("word"),
            number: named("number"),
            command_name: named("command_name"),
            raw_string: named("raw_string"),
            string: named("string"),
            string_content: named("string_content"),
            concatenation: named("concatenation"),
            nesting: NESTING.iter().map(|k| named(k)).collect(),
        }
    }
}

struct ShellParser {
    parser: tree_sitter::Parser,
    kinds: Kinds,
}

thread_local! {
    static PARSER: RefCell<Option<ShellParser>> = const { RefCell::new(None) };
}

/// Parses a POSIX/bash script.
pub fn parse(script: &str) -> Script {
    parse_fresh(script).unwrap_or_else(out_of_time)
}

/// What a parse that ran out of time (hostile input) gives: no commands,
/// and an error.
fn out_of_time() -> Script {
    Script {
        commands: Vec::new(),
        pipes: Vec::new(),
        has_error: true,
    }
}

/// Scripts up to this size are remembered by [`parse_shared`].
const CACHE_MAX_SCRIPT: usize = 64 * 1024;
/// What the remembered scripts may add up to (each text counted three times:
/// the key, and the raw text and values of its words); past it the cache
/// starts again empty.
const CACHE_MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct ParseCache {
    /// foldhash (seeded per process): SipHash of every RUN's text on every
    /// lint showed in profiles.
    map: std::collections::HashMap<String, Arc<Script>, foldhash::fast::RandomState>,
    bytes: usize,
}

static CACHE: Mutex<Option<ParseCache>> = Mutex::new(None);

/// [`parse`], shared: the same text parsed before (in this process) is not
/// parsed again. RUN lines repeat, across files and across the edits of
/// one file: the corpus's 11,826 scripts are 4,710 different ones, half the
/// bytes. A parse cut short by its time budget is not remembered.
pub fn parse_shared(script: &str) -> Arc<Script> {
    let cache = || CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache().as_ref().and_then(|c| c.map.get(script)) {
        return Arc::clone(hit);
    }
    let Some(parsed) = parse_fresh(script) else {
        return Arc::new(out_of_time());
    };
    let parsed = Arc::new(parsed);
    if script.len() <= CACHE_MAX_SCRIPT {
        let mut guard = cache();
        let c = guard.get_or_insert_with(ParseCache::default);
        if c.bytes + 3 * script.len() > CACHE_MAX_BYTES {
            *c = ParseCache::default();
        }
        if c.map
            .insert(script.to_string(), Arc::clone(&parsed))
            .is_none()
        {
            c.bytes += 3 * script.len();
        }
    }
    parsed
}

/// Forgets every remembered parse (a benchmark measures each round cold).
pub fn clear_shared() {
    *CACHE.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Parses `script`; None when the parse ran out of time.
fn parse_fresh(script: &str) -> Option<Script> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let lang: tree_sitter::Language = tree_sitter_bash::LANGUAGE.into();
            let mut parser = tree_sitter::Parser::new();
            if parser.set_language(&lang).is_err() {
                return Some(Script::default());
            }
            let kinds = Kinds::new(&lang);
            *slot = Some(ShellParser { parser, kinds });
        }
        let Some(sp) = slot.as_mut() else {
            return Some(Script::default());
        };
        // Out of time (hostile input): None.
        let tree = super::parse_bounded(&mut sp.parser, script)?;
        let root = tree.root_node();
        let mut out = Script {
            commands: Vec::new(),
            pipes: Vec::new(),
            has_error: root.has_error(),
        };
        Walk {
            src: script,
            k: &sp.kinds,
            cursor: root.walk(),
        }
        .collect(root, &mut out);
        out.pipes.sort_by_key(|p| p.op.start);
        out.commands.sort_by_key(|c| c.span.start);
        let mut prev_end: Option<usize> = None;
        for c in out.commands.iter_mut() {
            if let Some(end) = prev_end {
                if end <= c.span.start {
                    c.joined_by = Some(joiner_in(script.get(end..c.span.start).unwrap_or("")));
                } else {
                    c.joined_by = Some(Joiner::Seq);
                }
            }
            prev_end = Some(prev_end.map_or(c.span.end, |p: usize| p.max(c.span.end)));
        }
        Some(out)
    })
}

fn joiner_in(gap: &str) -> Joiner {
    let b = gap.as_bytes();
    let mut i = 0;
    let mut found = Joiner::Seq;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'&' if b.get(i + 1) == Some(&b'&') => {
                found = Joiner::And;
                i += 1;
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                found = Joiner::Or;
                i += 1;
            }
            b'|' => found = Joiner::Pipe,
            b'&' => found = Joiner::Background,
            b';' | b'\n' => found = Joiner::Seq,
            _ => {}
        }
        i += 1;
    }
    found
}

const NESTING: &[&str] = &[
    "subshell",
    "command_substitution",
    "process_substitution",
    "function_definition",
    "if_statement",
    "while_statement",
    "for_statement",
    "c_style_for_statement",
    "case_statement",
];

/// How deep commands inside `$(…)` arguments are collected: each level's
/// words hold the text of the levels inside it, so `$($($(…)))` 100,000
/// deep would take quadratic memory (22 GB for 1 MB).
const MAX_SUBSTITUTION_DEPTH: usize = 16;

/// One walk over a parsed script.
struct Walk<'a, 't> {
    src: &'a str,
    k: &'a Kinds,
    /// Reused for every node's children (a new cursor is an allocation).
    cursor: tree_sitter::TreeCursor<'t>,
}

impl<'t> Walk<'_, 't> {
    /// Pushes `node`'s children, each with `f`'s state, so that they pop in
    /// source order.
    fn push_children<S>(
        &mut self,
        stack: &mut Vec<(tree_sitter::Node<'t>, S)>,
        node: tree_sitter::Node<'t>,
        state: S,
    ) where
        S: Copy,
    {
        let first = stack.len();
        self.cursor.reset(node);
        if self.cursor.goto_first_child() {
            loop {
                stack.push((self.cursor.node(), state));
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        stack[first..].reverse();
    }

    /// The simple commands under `node`, and the `|` operators of its
    /// pipelines (not `||`, not `|` in `case` patterns or strings). An
    /// explicit stack, not recursion: a chain of 100,000 `&&` is a tree that
    /// deep.
    fn collect(&mut self, node: tree_sitter::Node<'t>, out: &mut Script) {
        // (node, (nested, only commands nested in substitutions and
        // subshells, substitutions around it))
        let mut stack = vec![(node, (false, false, 0usize))];
        while let Some((node, (nested, nested_only, depth))) = stack.pop() {
            let kind = node.kind_id();
            if kind == self.k.pipeline {
                self.pipes_of(node, &mut out.pipes);
            }
            if nested_only {
                if kind == self.k.command_substitution
                    || kind == self.k.process_substitution
                    || kind == self.k.subshell
                {
                    if depth < MAX_SUBSTITUTION_DEPTH {
                        self.push_children(&mut stack, node, (true, false, depth + 1));
                    } else {
                        // Its commands are not collected, its pipes are.
                        self.pipes_below(node, &mut out.pipes);
                    }
                    continue;
                }
                self.push_children(&mut stack, node, (nested, true, depth));
            } else if kind == self.k.command {
                out.commands.push(self.command(node, nested));
                // Commands inside arguments ($(...)) are nested.
                self.push_children(&mut stack, node, (true, true, depth));
            } else if let Some(c) = self.declaration_or_assignment(node, kind, nested) {
                out.commands.push(c);
                self.push_children(&mut stack, node, (true, true, depth));
            } else {
                let nest = nested || self.k.nesting.contains(&kind);
                self.push_children(&mut stack, node, (nest, false, depth));
            }
        }
    }

    /// The `|` and `|&` children of a pipeline, with the element before each.
    fn pipes_of(&mut self, pipeline: tree_sitter::Node<'t>, out: &mut Vec<Pipe>) {
        self.cursor.reset(pipeline);
        if !self.cursor.goto_first_child() {
            return;
        }
        let mut left: Option<Span> = None;
        loop {
            let n = self.cursor.node();
            let kind = n.kind_id();
            let span = Span::new(n.start_byte(), n.end_byte());
            if kind == self.k.pipe || kind == self.k.pipe_stderr {
                out.push(Pipe {
                    op: span,
                    left: left.unwrap_or(span),
                });
            } else if n.is_named() {
                left = Some(span);
            }
            if !self.cursor.goto_next_sibling() {
                break;
            }
        }
    }

    /// The pipes anywhere under `node` (a subtree the command walk skips).
    fn pipes_below(&mut self, node: tree_sitter::Node<'t>, out: &mut Vec<Pipe>) {
        let mut stack = vec![(node, ())];
        while let Some((n, ())) = stack.pop() {
            if n.kind_id() == self.k.pipeline {
                self.pipes_of(n, out);
            }
            self.push_children(&mut stack, n, ());
        }
    }

    /// `export A=1`, `declare -x A`, `unset A`: commands too (the shell runs
    /// them), with the keyword as the program. `A=1` on its own sets a shell
    /// variable: a command with assignments and no words.
    fn declaration_or_assignment(
        &mut self,
        node: tree_sitter::Node<'t>,
        kind: u16,
        nested: bool,
    ) -> Option<Command> {
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        if kind == self.k.declaration_command || kind == self.k.unset_command {
            let mut cursor = node.walk();
            for (i, child) in node.children(&mut cursor).enumerate() {
                if i == 0 || child.is_named() {
                    words.push(self.word(child));
                }
            }
        } else if kind == self.k.variable_assignment {
            assignments.push(self.word(node));
        } else if kind == self.k.variable_assignments {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                assignments.push(self.word(child));
            }
        } else {
            return None;
        }
        Some(Command {
            span: Span::new(node.start_byte(), node.end_byte()),
            assignments,
            words,
            joined_by: None,
            nested,
        })
    }

    fn command(&mut self, node: tree_sitter::Node<'t>, nested: bool) -> Command {
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        // The cursor knows each child's field in constant time;
        // `field_name_for_child(i)` walks from the first child (a command with
        // 1,000,000 arguments was quadratic).
        self.cursor.reset(node);
        let mut more = self.cursor.goto_first_child();
        while more {
            let child = self.cursor.node();
            match self.cursor.field_name() {
                Some("name") => {
                    let inner = child.named_child(0).unwrap_or(child);
                    words.push(self.word(inner));
                }
                Some("argument") => words.push(self.word(child)),
                _ if child.kind_id() == self.k.variable_assignment => {
                    assignments.push(self.word(child))
                }
                _ => {}
            }
            more = self.cursor.goto_next_sibling();
        }
        Command {
            span: Span::new(node.start_byte(), node.end_byte()),
            assignments,
            words,
            joined_by: None,
            nested,
        }
    }

    fn text(&self, node: tree_sitter::Node) -> Option<&str> {
        self.src.get(node.start_byte()..node.end_byte())
    }

    fn word(&self, node: tree_sitter::Node) -> ShellWord {
        ShellWord {
            value: self.static_value(node),
            raw: self.text(node).unwrap_or("").to_string(),
            span: Span::new(node.start_byte(), node.end_byte()),
        }
    }

    fn static_value(&self, node: tree_sitter::Node) -> Option<String> {
        let text = self.text(node)?;
        let kind = node.kind_id();
        let k = self.k;
        if kind == k.word || kind == k.number || kind == k.command_name {
            if text.contains(['$', '`']) {
                None
            } else {
                Some(unescape_word(text))
            }
        } else if kind == k.raw_string {
            Some(
                text.strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text)
                    .to_string(),
            )
        } else if kind == k.string {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind_id() != k.string_content {
                    return None;
                }
            }
            let inner = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(text);
            unquote_double(inner)
        } else if kind == k.concatenation {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                out.push_str(&self.static_value(child)?);
            }
            Some(out)
        } else if kind == k.variable_assignment {
            Some(text.to_string())
        } else {
            None
        }
    }
}

fn unescape_word(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                if n != '\n' {
                    out.push(n);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The value of a double-quoted string's inside, None when it expands.
fn unquote_double(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&n) if matches!(n, '"' | '\\' | '$' | '`') => {
                    out.push(n);
                    chars.next();
                }
                Some('\n') => {
                    chars.next();
                }
                _ => out.push(c),
            }
        } else if c == '$' || c == '`' {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &Script) -> Vec<Vec<String>> {
        s.commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.text().to_string()).collect())
            .collect()
    }

    #[test]
    fn shared_parses_are_parsed_once_and_equal_a_fresh_parse() {
        let text = "apt-get update && apt-get install -y curl | tee /log # shared";
        let a = parse_shared(text);
        let b = parse_shared(text);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*a, parse(text));
        let big = "x".repeat(CACHE_MAX_SCRIPT + 1);
        assert!(!Arc::ptr_eq(&parse_shared(&big), &parse_shared(&big)));
    }

    #[test]
    fn commands_and_joiners() {
        let s = parse("set -eux; apt-get update && apt-get install -y \"curl\" | tee x || true");
        assert_eq!(
            argv(&s),
            vec![
                vec!["set", "-eux"],
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["tee", "x"],
                vec!["true"],
            ]
        );
        let j: Vec<_> = s.commands.iter().map(|c| c.joined_by).collect();
        assert_eq!(
            j,
            vec![
                None,
                Some(Joiner::Seq),
                Some(Joiner::And),
                Some(Joiner::Pipe),
                Some(Joiner::Or)
            ]
        );
    }

    #[test]
    fn assignments_and_nesting() {
        let s = parse("DEBIAN_FRONTEND=noninteractive apt-get install x; (cd /a && make)");
        assert_eq!(s.commands[0].assignments.len(), 1);
        assert!(!s.commands[0].nested);
        assert!(s.commands[1].nested);
    }

    #[test]
    fn pipes_are_pipeline_operators_only() {
        let s = parse("curl -fsS x | tar -xz && echo 'a|b' || true");
        assert_eq!(s.pipes.len(), 1);
        let s = parse("case $x in a|b) echo y ;; esac; [[ a || b ]]; echo \"|\"");
        assert!(s.pipes.is_empty(), "{:?}", s.pipes);
        let s = parse("v=$(ls | wc -l) && a |& b");
        assert_eq!(s.pipes.len(), 2);
        let src = "a x | b | c";
        let s = parse(src);
        assert_eq!(s.pipes.len(), 2);
        let left = |p: &Pipe| src.get(p.left.start..p.left.end);
        assert_eq!(left(&s.pipes[0]), Some("a x"));
        assert_eq!(left(&s.pipes[1]), Some("b"));
        let src = "{ echo a; curl b; } | tee f";
        let s = parse(src);
        assert_eq!(
            src.get(s.pipes[0].left.start..s.pipes[0].left.end),
            Some("{ echo a; curl b; }")
        );
    }

    #[test]
    fn dynamic_words_have_no_value() {
        let s = parse("echo \"$HOME\" '$x' a\\ b");
        let w = &s.commands[0].words;
        assert_eq!(w[1].value, None);
        assert_eq!(w[2].value.as_deref(), Some("$x"));
        assert_eq!(w[3].value.as_deref(), Some("a b"));
    }

    #[test]
    fn declarations_and_plain_assignments_are_commands() {
        let s = parse("export A=1 B && X=2 && unset C; Y=$(id -u) Z=3");
        assert_eq!(
            argv(&s),
            vec![
                vec!["export", "A=1", "B"],
                vec![],
                vec!["unset", "C"],
                vec![],
                vec!["id", "-u"],
            ]
        );
        assert_eq!(s.commands[1].assignments[0].text(), "X=2");
        assert_eq!(s.commands[1].joined_by, Some(Joiner::And));
        assert_eq!(s.commands[3].assignments.len(), 2);
        assert!(s.commands[4].nested);
    }
}
