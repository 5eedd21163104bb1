//! Suppression pragmas as written: `# dlint ignore=…`, `# dlint global
//! ignore=…`, `# hadolint ignore=…` (and `global`), and BuildKit's
//! `# check=skip=…` directive. Only the syntax: which rule each name means is
//! decided above the rules (`crate::suppress`), and the `invalid-suppression`
//! rule reports names that mean nothing.

use crate::model::{Instruction, Model};
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
    if let Some((Ok(opts), span)) = file_check_options(model) {
        out.extend(check_pragmas(&opts, Scope::File, span));
    }
    for inst in &model.instructions {
        if let Some((opts, span)) = inline_check_options(inst) {
            out.extend(check_pragmas(&opts, Scope::Instruction(inst.index), span));
        }
    }
    out.sort_by_key(|p| p.span.start);
    out
}

/// The skip list of a `check=` option set as a pragma.
fn check_pragmas(opts: &CheckOptions, scope: Scope, span: Span) -> Option<Pragma> {
    if !opts.skip_all && opts.skip.is_empty() {
        return None;
    }
    // Names are not located precisely: the directive's (comment's) span.
    let names = opts
        .skip
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| PragmaName {
            text: n.clone(),
            span,
        })
        .collect();
    Some(Pragma {
        tool: Tool::BuildKit,
        scope,
        all: opts.skip_all,
        names,
        span,
        reason: None,
    })
}

/// BuildKit's build-check options, as `# check=` writes them:
/// `skip=A,B` or `skip=all`, `experimental=A,B` or `experimental=all`,
/// `error=true`, joined by `;` (`linter.ParseLintOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    pub skip_all: bool,
    pub skip: Vec<String>,
    pub experimental_all: bool,
    pub experimental: Vec<String>,
    /// `error=true`: check findings fail the build.
    pub error: bool,
}

impl CheckOptions {
    /// Whether the options name a rule (by its BuildKit name, exactly) for
    /// the experimental rules.
    pub fn enables_experimental(&self, name: &str) -> bool {
        self.experimental_all || self.experimental.iter().any(|n| n == name)
    }
}

/// `linter.ParseLintOptions`: at most three `;`-separated parts (a third
/// keeps any further `;`), each `key=value`; an unknown key, a part without
/// `=` or an `error` value that is no Go boolean is an error.
pub fn parse_check_options(text: &str) -> Result<CheckOptions, String> {
    let text = text.trim();
    let mut o = CheckOptions::default();
    if text.is_empty() {
        return Ok(o);
    }
    let list = |v: &str| -> Vec<String> { v.split(',').map(|r| r.trim().to_string()).collect() };
    for part in text.splitn(3, ';') {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("invalid check option {}", go_quote(part)));
        };
        match k.trim() {
            "skip" => match v.trim() {
                "all" => o.skip_all = true,
                v => o.skip = list(v),
            },
            "experimental" => match v.trim() {
                "all" => o.experimental_all = true,
                v => o.experimental = list(v),
            },
            "error" => match parse_go_bool(v.trim()) {
                Some(b) => o.error = b,
                None => {
                    return Err(format!(
                        "failed to parse check option {}: strconv.ParseBool: parsing {}: invalid syntax",
                        go_quote(part),
                        go_quote(v.trim())
                    ))
                }
            },
            k => return Err(format!("invalid check option {}", go_quote(k))),
        }
    }
    Ok(o)
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The file's `# check=` parser directive, parsed, with its span.
pub fn file_check_options(model: &Model) -> Option<(Result<CheckOptions, String>, Span)> {
    let d = model.directives.iter().find(|d| d.name == "check")?;
    Some((parse_check_options(&d.value), d.span))
}

/// A `# check=` comment among the comments BuildKit attaches to the
/// instruction (`WithMergedConfigFromComments`): the first comment that
/// reads as a `check=` directive counts, its value up to the first space
/// (`# check=skip=X -- why` is `skip=X`); one that does not parse counts as
/// none.
pub fn inline_check_options(inst: &Instruction) -> Option<(CheckOptions, Span)> {
    for c in &inst.raw.comments {
        let Some((name, value)) = directive_line(&c.value) else {
            continue;
        };
        if !name.eq_ignore_ascii_case("check") {
            continue;
        }
        let value = value.split(' ').next().unwrap_or("");
        return parse_check_options(value).ok().map(|o| (o, c.span));
    }
    None
}

/// `^\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on a comment's text
/// (the `#` already removed): name and value.
fn directive_line(text: &str) -> Option<(&str, &str)> {
    let sp = |c: char| matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ');
    let rest = text.trim_start_matches(sp);
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
    // ASCII: the count is a byte length, a char boundary.
    let (name, value) = (rest.get(..name_len)?, rest.get(name_len..)?);
    let value = value.trim_start_matches(sp).strip_prefix('=')?;
    let value = value.trim_matches(sp);
    (!value.is_empty()).then_some((name, value))
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
