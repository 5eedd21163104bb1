//! Shell inside RUN, parsed with tree-sitter-bash into simple commands with
//! their words, in source order, with the operator joining each command to
//! the one before it.
//!
//! Offsets are relative to the script text handed in; the caller maps them
//! back to the Dockerfile.

use std::cell::RefCell;

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

/// A parsed script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
    /// The `|` (or `|&`) operators of pipelines, anywhere in the script
    /// (inside `$( … )` and branches too), in source order.
    pub pipes: Vec<Pipe>,
    pub has_error: bool,
}

thread_local! {
    static PARSER: RefCell<Option<tree_sitter::Parser>> = const { RefCell::new(None) };
}

/// Parses a POSIX/bash script.
pub fn parse(script: &str) -> Script {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut p = tree_sitter::Parser::new();
            if p.set_language(&tree_sitter_bash::LANGUAGE.into()).is_err() {
                return Script::default();
            }
            *slot = Some(p);
        }
        let Some(parser) = slot.as_mut() else {
            return Script::default();
        };
        let Some(tree) = super::parse_bounded(parser, script) else {
            // Out of time (hostile input): no commands, and an error.
            return Script {
                commands: Vec::new(),
                pipes: Vec::new(),
                has_error: true,
            };
        };
        let root = tree.root_node();
        let mut out = Script {
            commands: Vec::new(),
            pipes: Vec::new(),
            has_error: root.has_error(),
        };
        collect(root, script, false, &mut out.commands);
        collect_pipes(root, &mut out.pipes);
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
        out
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

/// The simple commands under `node`. An explicit stack, not recursion: a
/// chain of 100,000 `&&` is a tree that deep.
fn collect(node: tree_sitter::Node, src: &str, nested: bool, out: &mut Vec<Command>) {
    // (node, nested, only commands nested in substitutions and subshells,
    // substitutions around it)
    let mut stack = vec![(node, nested, false, 0usize)];
    while let Some((node, nested, nested_only, depth)) = stack.pop() {
        let first = stack.len();
        if nested_only {
            if matches!(
                node.kind(),
                "command_substitution" | "process_substitution" | "subshell"
            ) {
                if depth < MAX_SUBSTITUTION_DEPTH {
                    stack.push((node, true, false, depth + 1));
                }
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor).map(|c| (c, nested, true, depth)));
        } else if node.kind() == "command" {
            out.push(command(node, src, nested));
            // Commands inside arguments ($(...)) are nested.
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor).map(|c| (c, true, true, depth)));
        } else if let Some(c) = declaration_or_assignment(node, src, nested) {
            out.push(c);
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor).map(|c| (c, true, true, depth)));
        } else {
            let nest = nested || NESTING.contains(&node.kind());
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor).map(|c| (c, nest, false, depth)));
        }
        // Children in source order when popped.
        stack[first..].reverse();
    }
}

/// The operators of `pipeline` nodes (not `||`, not `|` in `case`
/// patterns or strings). Walks the tree with a cursor, without recursion.
fn collect_pipes(root: tree_sitter::Node, out: &mut Vec<Pipe>) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if matches!(node.kind(), "|" | "|&")
            && node.parent().is_some_and(|p| p.kind() == "pipeline")
        {
            let op = Span::new(node.start_byte(), node.end_byte());
            let left = node
                .prev_named_sibling()
                .map_or(op, |l| Span::new(l.start_byte(), l.end_byte()));
            out.push(Pipe { op, left });
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// `export A=1`, `declare -x A`, `unset A`: commands too (the shell runs
/// them), with the keyword as the program. `A=1` on its own sets a shell
/// variable: a command with assignments and no words.
fn declaration_or_assignment(node: tree_sitter::Node, src: &str, nested: bool) -> Option<Command> {
    let mut words = Vec::new();
    let mut assignments = Vec::new();
    match node.kind() {
        "declaration_command" | "unset_command" => {
            let mut cursor = node.walk();
            for (i, child) in node.children(&mut cursor).enumerate() {
                if i == 0 || child.is_named() {
                    words.push(word(child, src));
                }
            }
        }
        "variable_assignment" => assignments.push(word(node, src)),
        "variable_assignments" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                assignments.push(word(child, src));
            }
        }
        _ => return None,
    }
    Some(Command {
        span: Span::new(node.start_byte(), node.end_byte()),
        assignments,
        words,
        joined_by: None,
        nested,
    })
}

fn command(node: tree_sitter::Node, src: &str, nested: bool) -> Command {
    let mut words = Vec::new();
    let mut assignments = Vec::new();
    // The cursor knows each child's field in constant time;
    // `field_name_for_child(i)` walks from the first child (a command with
    // 1,000,000 arguments was quadratic).
    let mut cursor = node.walk();
    let mut more = cursor.goto_first_child();
    while more {
        let child = cursor.node();
        match (cursor.field_name(), child.kind()) {
            (Some("name"), _) => {
                let inner = child.named_child(0).unwrap_or(child);
                words.push(word(inner, src));
            }
            (Some("argument"), _) => words.push(word(child, src)),
            (_, "variable_assignment") => assignments.push(word(child, src)),
            _ => {}
        }
        more = cursor.goto_next_sibling();
    }
    Command {
        span: Span::new(node.start_byte(), node.end_byte()),
        assignments,
        words,
        joined_by: None,
        nested,
    }
}

fn word(node: tree_sitter::Node, src: &str) -> ShellWord {
    let raw = node.utf8_text(src.as_bytes()).unwrap_or("").to_string();
    ShellWord {
        value: static_value(node, src),
        raw,
        span: Span::new(node.start_byte(), node.end_byte()),
    }
}

fn unescape_word(s: &str) -> String {
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

fn static_value(node: tree_sitter::Node, src: &str) -> Option<String> {
    let text = node.utf8_text(src.as_bytes()).ok()?;
    match node.kind() {
        "word" | "number" | "command_name" => {
            if text.contains('$') || text.contains('`') {
                None
            } else {
                Some(unescape_word(text))
            }
        }
        "raw_string" => Some(
            text.strip_prefix('\'')
                .and_then(|t| t.strip_suffix('\''))
                .unwrap_or(text)
                .to_string(),
        ),
        "string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            let inner = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or(text);
            for child in node.named_children(&mut cursor) {
                if child.kind() != "string_content" {
                    return None;
                }
            }
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
        "concatenation" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                out.push_str(&static_value(child, src)?);
            }
            Some(out)
        }
        "variable_assignment" => Some(text.to_string()),
        _ => None,
    }
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
