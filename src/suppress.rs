//! Suppression comments.
//!
//! * `# dlint ignore=NAME[,NAME] [-- reason]`: the next instruction;
//! * `# dlint global ignore=NAME[,…]`: the whole file;
//! * `# hadolint ignore=…` / `# hadolint global ignore=…`: the same, read
//!   through the rules' aliases (ShellCheck `SCxxxx` codes accepted silently);
//! * BuildKit's `# check=skip=A,B` (or `skip=all`) parser directive.
//!
//! Names that are no rule are reported in dlint comments (hadolint and
//! BuildKit names dlint does not implement are accepted silently).

use crate::model::Model;
use crate::rules::{find, is_shellcheck_code};
use crate::syntax::Span;

/// Which rules a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    All,
    Rules(Vec<&'static str>),
}

impl Names {
    pub fn covers(&self, rule_name: &str) -> bool {
        match self {
            Names::All => true,
            Names::Rules(r) => r.contains(&rule_name),
        }
    }
}

/// Where a suppression applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    File,
    /// The instruction with this index.
    Instruction(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub scope: Scope,
    pub names: Names,
    /// The comment's span.
    pub span: Span,
    pub reason: Option<String>,
}

/// A name in a dlint comment that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    pub items: Vec<Suppression>,
    pub unknown: Vec<UnknownName>,
}

enum Tool {
    Dlint,
    Hadolint,
}

/// Reads every suppression comment of a file.
pub fn collect(model: &Model) -> Suppressions {
    let mut out = Suppressions::default();
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
        // The offset of the list inside the comment, for unknown-name spans.
        let comment_text = model.text(c.span);
        let list_off = comment_text.find(list).unwrap_or(0);
        let mut names = Vec::new();
        let mut all = false;
        let mut pos = 0;
        for raw in list.split(',') {
            let name = raw.trim();
            let off = list_off + pos + (raw.len() - raw.trim_start().len());
            pos += raw.len() + 1;
            if name.is_empty() {
                continue;
            }
            if name.eq_ignore_ascii_case("all") {
                all = true;
                continue;
            }
            match find(name) {
                Some(e) => names.push(e.meta.name),
                None => {
                    let silent = matches!(tool, Tool::Hadolint) || is_shellcheck_code(name);
                    if !silent {
                        let start = c.span.start + off;
                        out.unknown.push(UnknownName {
                            name: name.to_string(),
                            span: Span::new(start, start + name.len()),
                        });
                    }
                }
            }
        }
        let names = if all { Names::All } else { Names::Rules(names) };
        let scope = if global {
            Scope::File
        } else {
            match next_instruction(model, c.span.end) {
                Some(i) => Scope::Instruction(i),
                None => continue,
            }
        };
        out.items.push(Suppression {
            scope,
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
            let mut names = Vec::new();
            let mut all = false;
            for n in list.split(',') {
                let n = n.trim();
                if n.eq_ignore_ascii_case("all") {
                    all = true;
                } else if let Some(e) = find(n) {
                    names.push(e.meta.name);
                }
            }
            out.items.push(Suppression {
                scope: Scope::File,
                names: if all { Names::All } else { Names::Rules(names) },
                span: d.span,
                reason: None,
            });
        }
    }
    out
}

fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let t = text.trim_start();
    if t.get(..word.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(word))
    {
        let rest = &t[word.len()..]; // `word` is ASCII and matched: a char boundary
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            return Some(rest);
        }
    }
    None
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

impl Suppressions {
    /// Whether a finding of `rule_name` at `span` is suppressed.
    pub fn suppresses(&self, model: &Model, rule_name: &str, span: Span) -> bool {
        let inst = instruction_at(model, span.start);
        self.items.iter().any(|s| {
            s.names.covers(rule_name)
                && match s.scope {
                    Scope::File => true,
                    Scope::Instruction(i) => Some(i) == inst,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let m = Model::build(
            "# check=skip=StageNameCasing\n# dlint global ignore=root-user\nFROM a\n# hadolint ignore=DL3007,SC2086\nFROM b:latest\n# dlint ignore=latest-tag,bogus -- pinned upstream\nFROM c:latest\n",
        );
        let s = collect(&m);
        assert_eq!(s.unknown.len(), 1);
        assert_eq!(s.unknown[0].name, "bogus");
        assert_eq!(m.text(s.unknown[0].span), "bogus");
        let latest = &s
            .items
            .iter()
            .filter(|i| i.scope == Scope::Instruction(1))
            .count();
        assert_eq!(*latest, 1);
        let reason = s.items.iter().find_map(|i| i.reason.clone());
        assert_eq!(reason.as_deref(), Some("pinned upstream"));
        assert!(s.suppresses(&m, "latest-tag", m.instructions[2].span));
        assert!(!s.suppresses(&m, "latest-tag", m.instructions[0].span));
        assert!(s.suppresses(&m, "root-user", m.instructions[0].span));
    }
}
