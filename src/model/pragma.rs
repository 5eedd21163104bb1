//! Suppression pragmas as written: `# dlint ignore=…`, `# dlint global
//! ignore=…`, `# hadolint ignore=…` (and `global`), and BuildKit's
//! `# check=skip=…` directive. Only the syntax: which rule each name means is
//! decided above the rules (`crate::suppress`), and the `invalid-suppression`
//! rule reports names that mean nothing.

use crate::model::Model;
use crate::syntax::Span;

/// Who wrote the pragma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Dlint,
    Hadolint,
    /// BuildKit's `# check=skip=` directive.
    BuildKit,
}

/// Where a pragma applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    File,
    /// The instruction with this index (the next one after the comment).
    Instruction(usize),
}

/// One name in a pragma's list, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaName {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragma {
    pub tool: Tool,
    pub scope: Scope,
    /// `all` was named.
    pub all: bool,
    pub names: Vec<PragmaName>,
    /// The comment's (or directive's) span.
    pub span: Span,
    /// Text after `--`.
    pub reason: Option<String>,
}

/// Every suppression pragma of a file, in file order.
pub fn pragmas(model: &Model) -> Vec<Pragma> {
    let mut out = Vec::new();
    for c in &model.comments {
        let text = c.text.as_str();
        let (tool, rest) = if let Some(r) = strip_word(text, "dlint") {
            (Tool::Dlint, r)
        } else if let Some(r) = strip_word(text, "hadolint") {
            (Tool::Hadolint, r)
        } else {
            continue;
        };
        let (global, rest) = match strip_word(rest, "global") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some(list) = rest.trim_start().strip_prefix("ignore") else {
            continue;
        };
        let Some(list) = list.trim_start().strip_prefix('=') else {
            continue;
        };
        let (list, reason) = match list.split_once("--") {
            Some((l, r)) => (l, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => match list.split_once('#') {
                Some((l, _)) => (l, None),
                None => (list, None),
            },
        };
        // Names run up to the first whitespace after the list.
        let list = list.trim();
        let list = list.split_whitespace().next().unwrap_or("");
        // The offset of the list inside the comment, for name spans.
        let comment_text = model.text(c.span);
        let list_off = comment_text.find(list).unwrap_or(0);
        let (all, names) = split_names(list, c.span.start + list_off);
        let scope = if global {
            Scope::File
        } else {
            match next_instruction(model, c.span.end) {
                Some(i) => Scope::Instruction(i),
                None => continue,
            }
        };
        out.push(Pragma {
            tool,
            scope,
            all,
            names,
            span: c.span,
            reason,
        });
    }
    for d in &model.directives {
        if d.name != "check" {
            continue;
        }
        for part in d.value.split(';') {
            let part = part.trim();
            let Some(list) = part.strip_prefix("skip=") else {
                continue;
            };
            let (all, names) = split_names(list, d.span.start);
            // Directive names are not located precisely: the directive's span.
            let names = names
                .into_iter()
                .map(|n| PragmaName {
                    text: n.text,
                    span: d.span,
                })
                .collect();
            out.push(Pragma {
                tool: Tool::BuildKit,
                scope: Scope::File,
                all,
                names,
                span: d.span,
                reason: None,
            });
        }
    }
    out
}

/// Splits `a, b,c` into names with spans (`base` is the list's offset).
fn split_names(list: &str, base: usize) -> (bool, Vec<PragmaName>) {
    let mut names = Vec::new();
    let mut all = false;
    let mut pos = 0;
    for raw in list.split(',') {
        let name = raw.trim();
        let off = pos + (raw.len() - raw.trim_start().len());
        pos += raw.len() + 1;
        if name.is_empty() {
            continue;
        }
        if name.eq_ignore_ascii_case("all") {
            all = true;
            continue;
        }
        let start = base + off;
        names.push(PragmaName {
            text: name.to_string(),
            span: Span::new(start, start + name.len()),
        });
    }
    (all, names)
}

fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let t = text.trim_start();
    let head = t.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    // `word` is ASCII and matched, so its length is a char boundary.
    let rest = t.get(word.len()..)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// The first instruction that starts after `offset`.
fn next_instruction(model: &Model, offset: usize) -> Option<usize> {
    let i = model
        .instructions
        .partition_point(|inst| inst.span.start < offset);
    (i < model.instructions.len()).then_some(i)
}

/// The instruction a span belongs to.
pub fn instruction_at(model: &Model, offset: usize) -> Option<usize> {
    let i = model
        .instructions
        .partition_point(|inst| inst.span.start <= offset);
    if i == 0 {
        return None;
    }
    let inst = &model.instructions[i - 1];
    (offset <= inst.span.end).then_some(i - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_text_after_the_hash_is_no_pragma() {
        for c in [
            "# 日本語のコメント",
            "# Größe prüfen",
            "# 보안을 위해",
            "# sy😀ntax",
            "# d😀",
        ] {
            let m = Model::build(&format!("{c}\nFROM a:1\n"));
            assert!(pragmas(&m).is_empty(), "{c}");
        }
        let m = Model::build("# dlint ignore=a보12\nFROM a:1\n");
        let p = pragmas(&m);
        assert_eq!(p[0].names[0].text, "a보12");
        assert_eq!(m.text(p[0].names[0].span), "a보12");
    }
}
