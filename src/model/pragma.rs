//! Suppression pragmas as written: `# dlint ignore=…`, `# dlint global
//! ignore=…`, `# dlint stage ignore=…`, hadolint's `# hadolint ignore=…`
//! (`global`, `stage`) and `# hadolint shell=…`, and BuildKit's
//! `# check=skip=…` directive. Only the syntax: which rule each name means is
//! decided above the rules (`crate::suppress`), and the `invalid-suppression`
//! rule reports names that mean nothing.
//!
//! hadolint comments are read as hadolint 2.15 reads them: lowercase
//! `hadolint`, names made only of `D`, `L`, `S`, `C` and digits, and nothing
//! after the list but an optional `# comment`. A comment hadolint cannot read
//! is ignored whole by hadolint, so dlint ignores it too (`rejected` says why,
//! for `invalid-suppression`).

use crate::model::{Instruction, Kind, Model};
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
    /// The stage with this index (`stage ignore=` right above its FROM).
    Stage(usize),
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
    /// None when the pragma covers nothing: a `stage ignore=` that is not
    /// above a FROM, an ignore with no instruction after it.
    pub scope: Option<Scope>,
    /// `all` was named.
    pub all: bool,
    pub names: Vec<PragmaName>,
    /// The comment's (or directive's) span.
    pub span: Span,
    /// Text after `--`.
    pub reason: Option<String>,
    /// Why the comment suppresses nothing although it is meant as a pragma
    /// (hadolint cannot read it; a stage ignore not above a FROM).
    pub rejected: Option<String>,
}

impl Pragma {
    /// Whether the pragma suppresses anything.
    pub fn active(&self) -> bool {
        self.rejected.is_none() && self.scope.is_some()
    }
}

/// A `# hadolint shell=NAME` comment: the shell RUN scripts are written for
/// (`powershell`, `bash`), as ShellCheck would be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellPragma {
    pub shell: String,
    pub span: Span,
    /// The first instruction after the comment (None: none follows).
    pub from_instruction: Option<usize>,
    /// Written before the first FROM: hadolint then keeps it for every
    /// stage; inside a stage it lasts until the next SHELL or FROM.
    pub before_first_from: bool,
}

/// Every `# hadolint shell=` comment, in file order.
pub fn shell_pragmas(model: &Model) -> Vec<ShellPragma> {
    let first_from = model
        .instructions
        .iter()
        .find(|i| i.kind == Kind::From)
        .map(|i| i.span.start);
    model
        .comments
        .iter()
        .filter_map(|c| {
            let shell = hadolint_shell(&c.text)?;
            Some(ShellPragma {
                shell: shell.to_string(),
                span: c.span,
                from_instruction: next_instruction(model, c.span.end),
                before_first_from: first_from.is_none_or(|f| c.span.start < f),
            })
        })
        .collect()
}

/// The shell a `# hadolint shell=` comment names for the RUN with this
/// instruction index, scoped as hadolint scopes it: a comment above the
/// first FROM holds for the whole file, one inside a stage until the next
/// SHELL or FROM instruction.
pub fn pragma_shell_for(model: &Model, instruction: usize) -> Option<String> {
    pragma_shells(model).get(instruction).cloned().flatten()
}

/// `pragma_shell_for` for every instruction at once, indexed like
/// `model.instructions` (empty when the file has no shell pragma).
pub fn pragma_shells(model: &Model) -> Vec<Option<String>> {
    let pragmas = shell_pragmas(model);
    if pragmas.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(model.instructions.len());
    let mut current: Option<String> = None;
    let mut file_default: Option<String> = None;
    let mut pi = 0;
    for inst in &model.instructions {
        while pi < pragmas.len() && pragmas[pi].span.start < inst.span.start {
            if pragmas[pi].before_first_from {
                file_default = Some(pragmas[pi].shell.clone());
            } else {
                current = Some(pragmas[pi].shell.clone());
            }
            pi += 1;
        }
        if matches!(inst.kind, Kind::From | Kind::Shell) {
            current = None;
        }
        out.push(current.clone().or_else(|| file_default.clone()));
    }
    out
}

/// Every suppression pragma of a file, in file order.
pub fn pragmas(model: &Model) -> Vec<Pragma> {
    let mut out = Vec::new();
    for c in &model.comments {
        let text = c.text.as_str();
        let comment_text = model.text(c.span);
        let parsed = if let Some(r) = strip_word(text, "dlint") {
            dlint_pragma(r)
        } else if let Some(r) = strip_word(text, "hadolint") {
            hadolint_pragma(text, r)
        } else {
            continue;
        };
        let Some(p) = parsed else { continue };
        // Where the list sits in the source, for name spans: `p.list` is a
        // slice of `text`, which sits in the comment after `#` and spaces.
        let text_off = comment_text.find(text).unwrap_or(0);
        let list_off = (p.list.as_ptr() as usize)
            .checked_sub(text.as_ptr() as usize)
            .filter(|o| *o + p.list.len() <= text.len())
            .map_or(0, |o| text_off + o);
        let (all, names) = split_names(p.list, c.span.start + list_off);
        let next = next_instruction(model, c.span.end);
        let mut rejected = p.rejected;
        let scope = match p.kind {
            PragmaKind::File => Some(Scope::File),
            PragmaKind::Instruction => next.map(Scope::Instruction),
            PragmaKind::Stage => match next.map(|i| &model.instructions[i]) {
                Some(inst) if inst.kind == Kind::From => inst.stage.map(Scope::Stage),
                _ => {
                    rejected.get_or_insert_with(|| {
                        "a `stage ignore=` comment must be directly above the stage's FROM".into()
                    });
                    None
                }
            },
        };
        out.push(Pragma {
            tool: p.tool,
            scope,
            all,
            names,
            span: c.span,
            reason: p.reason,
            rejected,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PragmaKind {
    File,
    Instruction,
    Stage,
}

/// A pragma comment read, before it is placed.
struct Parsed<'a> {
    tool: Tool,
    kind: PragmaKind,
    list: &'a str,
    reason: Option<String>,
    rejected: Option<String>,
}

/// `[global|stage] ignore=a,b [-- reason]` after `dlint` (any case).
fn dlint_pragma(rest: &str) -> Option<Parsed<'_>> {
    let (kind, rest) = if let Some(r) = strip_word(rest, "global") {
        (PragmaKind::File, r)
    } else if let Some(r) = strip_word(rest, "stage") {
        (PragmaKind::Stage, r)
    } else {
        (PragmaKind::Instruction, rest)
    };
    let list = rest.trim_start();
    let list = list
        .get(..6)
        .filter(|h| h.eq_ignore_ascii_case("ignore"))
        .and_then(|_| list.get(6..))?;
    let list = list.trim_start().strip_prefix('=')?;
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
    Some(Parsed {
        tool: Tool::Dlint,
        kind,
        list,
        reason,
        rejected: None,
    })
}

/// hadolint's grammar: `hadolint` (lowercase), spaces, [`global`|`stage`
/// spaces], `ignore`, spaces, `=`, spaces, names of `DLSC0-9` separated by
/// `,` with spaces around, then only an optional `# comment`. `text` is the
/// comment after `#`; `rest` what follows the word `hadolint` (any case).
/// None when the comment is no attempt at an ignore pragma (`# hadolint
/// shell=…`, prose such as `# hadolint is happy here`).
fn hadolint_pragma<'a>(text: &'a str, rest: &'a str) -> Option<Parsed<'a>> {
    let (kind, after) = if let Some(r) = strip_word(rest, "global") {
        (PragmaKind::File, r)
    } else if let Some(r) = strip_word(rest, "stage") {
        (PragmaKind::Stage, r)
    } else {
        (PragmaKind::Instruction, rest)
    };
    let body = after.trim_start_matches([' ', '\t']);
    let head = body.get(..6)?;
    if !head.eq_ignore_ascii_case("ignore") {
        return None;
    }
    // hadolint's words are lowercase: `# HADOLINT ignore=…` is no pragma to
    // it, so it suppresses nothing.
    let t = text.trim_start_matches([' ', '\t']);
    let word_ok = match kind {
        PragmaKind::File => rest.trim_start().starts_with("global"),
        PragmaKind::Stage => rest.trim_start().starts_with("stage"),
        PragmaKind::Instruction => true,
    };
    let mut rejected = (!(t.starts_with("hadolint") && word_ok && head == "ignore"))
        .then(|| "hadolint reads `# hadolint ignore=…` only in lowercase".to_string());
    // `head` is `body`'s first 6 bytes, so 6 is a char boundary.
    let after_ignore = body.get(6..)?.trim_start_matches([' ', '\t']);
    let list = after_ignore.strip_prefix('=')?;
    let list = list.trim_start_matches([' ', '\t']);
    // The names and separators hadolint accepts; then only `# …` or nothing.
    let ok = |c: char| matches!(c, 'D' | 'L' | 'S' | 'C' | '0'..='9');
    let mut end = 0;
    let mut names_ok = true;
    let bytes: Vec<(usize, char)> = list.char_indices().collect();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && ok(bytes[i].1) {
            i += 1;
        }
        if i == start {
            names_ok = false;
            break;
        }
        end = bytes.get(i).map_or(list.len(), |b| b.0);
        let mut j = i;
        while j < bytes.len() && matches!(bytes[j].1, ' ' | '\t') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].1 == ',' {
            j += 1;
            while j < bytes.len() && matches!(bytes[j].1, ' ' | '\t') {
                j += 1;
            }
            i = j;
            continue;
        }
        if j < bytes.len() && bytes[j].1 != '#' {
            names_ok = false;
        }
        break;
    }
    let shown_list = if names_ok {
        // `end` comes from char_indices (or is the length).
        list.get(..end).unwrap_or(list)
    } else {
        list_words(list)
    };
    if !names_ok && rejected.is_none() {
        rejected = Some(match first_bad_name(list) {
            Some(bad) => format!(
                "hadolint reads only rule codes (`DL3008`, `SC2086`) here and ignores the whole comment because of `{bad}`"
            ),
            None => "hadolint reads nothing after the list but a `# comment`, and ignores the whole comment".to_string(),
        });
    }
    Some(Parsed {
        tool: Tool::Hadolint,
        kind,
        list: shown_list,
        reason: None,
        rejected,
    })
}

/// The list part of a rejected comment: up to the first space that does
/// not sit next to a comma.
fn list_words(list: &str) -> &str {
    let mut end = list.len();
    let mut prev_comma = false;
    for (i, c) in list.char_indices() {
        if c == ',' {
            prev_comma = true;
            continue;
        }
        if c == ' ' || c == '\t' {
            let next_comma = list
                .get(i..)
                .unwrap_or("")
                .trim_start_matches([' ', '\t'])
                .starts_with(',');
            if !prev_comma && !next_comma {
                end = i;
                break;
            }
            continue;
        }
        if c == '#' {
            end = i;
            break;
        }
        prev_comma = false;
    }
    // `end` comes from char_indices (or is the length).
    list.get(..end).unwrap_or(list).trim_end()
}

/// The first name of a list that hadolint cannot read.
fn first_bad_name(list: &str) -> Option<String> {
    list_words(list)
        .split(',')
        .map(str::trim)
        .find(|n| {
            n.is_empty()
                || !n
                    .chars()
                    .all(|c| matches!(c, 'D' | 'L' | 'S' | 'C' | '0'..='9'))
        })
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// `hadolint shell=NAME [# comment]` as hadolint reads it.
fn hadolint_shell(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("hadolint")?;
    let rest = rest
        .strip_prefix([' ', '\t'])?
        .trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix("shell")?.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('=')?.trim_start_matches([' ', '\t']);
    let end = rest.find([' ', '\t', '\n']).unwrap_or(rest.len());
    // `end` is where `find` matched (or the length): a char boundary.
    let (name, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
    let tail = tail.trim_start_matches([' ', '\t']);
    (!name.is_empty() && (tail.is_empty() || tail.starts_with('#'))).then_some(name)
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
        scope: Some(scope),
        all: opts.skip_all,
        names,
        span,
        reason: None,
        rejected: None,
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
        let m = Model::build("# dlint ignore=d\nFROM a:1\n");
        let p = pragmas(&m);
        assert_eq!(m.text(p[0].names[0].span), "d");
        assert_eq!(p[0].names[0].span.start, 15);
    }

    fn one(src: &str) -> Pragma {
        let m = Model::build(src);
        let mut p = pragmas(&m);
        assert_eq!(p.len(), 1, "{src}: {p:?}");
        p.remove(0)
    }

    fn names(p: &Pragma) -> Vec<&str> {
        p.names.iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn hadolint_comments_are_read_as_hadolint_reads_them() {
        let p = one("FROM a:1\n# hadolint ignore=DL3002 # because\nUSER root\n");
        assert!(p.active());
        assert_eq!(names(&p), ["DL3002"]);
        assert_eq!(p.scope, Some(Scope::Instruction(1)));
        let p = one("# hadolint global ignore = DL3023 , DL3021\nFROM a:1\n");
        assert!(p.active());
        assert_eq!(p.scope, Some(Scope::File));
        assert_eq!(names(&p), ["DL3023", "DL3021"]);
        let p = one("FROM a:1\n# hadolint ignore=DL3002 \nUSER root\n");
        assert!(p.active(), "{p:?}");
        // What hadolint cannot read, it ignores whole.
        for bad in [
            "# hadolint ignore=crazy,DL3002",
            "# hadolint ignore=DL3002 -- pinned",
            "# hadolint ignore=DL3002 because",
            "# hadolint ignore=dl3002",
            "# HADOLINT ignore=DL3002",
            "# hadolint IGNORE=DL3002",
            "# hadolint ignore=latest-tag",
            "# hadolint ignore=all",
            "# hadolint ignore=",
        ] {
            let p = one(&format!("FROM a:1\n{bad}\nUSER root\n"));
            assert!(!p.active(), "{bad}: {p:?}");
            assert!(p.rejected.is_some(), "{bad}");
        }
        let m = Model::build("FROM a:1\n# hadolint ignore=crazy,DL3002\nUSER root\n");
        let p = &pragmas(&m)[0];
        assert_eq!(m.text(p.names[0].span), "crazy");
        // Not an ignore pragma at all.
        for other in [
            "# hadolint shell=powershell # x",
            "# hadolint is happy",
            "# hadolint",
        ] {
            let m = Model::build(&format!("{other}\nFROM a:1\n"));
            assert!(pragmas(&m).is_empty(), "{other}");
        }
    }

    #[test]
    fn stage_ignores_cover_the_stage_below() {
        let p = one("FROM a:1\n# hadolint stage ignore=DL3011\nFROM b:1\nEXPOSE 80000\n");
        assert_eq!(p.scope, Some(Scope::Stage(1)));
        let p = one("# dlint stage ignore=latest-tag -- x\n\nFROM b:latest\n");
        assert_eq!(p.scope, Some(Scope::Stage(0)));
        assert!(p.active());
        let p = one("FROM a:1\n# hadolint stage ignore=DL3011\nEXPOSE 80000\n");
        assert_eq!(p.scope, None);
        assert!(p.rejected.is_some());
    }

    #[test]
    fn shell_pragmas_scope_as_hadolint() {
        let m = Model::build("# hadolint shell=powershell\nFROM a:1\nRUN x\nFROM b:1\nRUN y\n");
        assert_eq!(pragma_shell_for(&m, 1).as_deref(), Some("powershell"));
        assert_eq!(pragma_shell_for(&m, 3).as_deref(), Some("powershell"));
        let m = Model::build(
            "FROM a:1\nRUN a\n# hadolint shell=pwsh # why\nRUN b\nSHELL [\"sh\", \"-c\"]\nRUN c\nFROM b:1\nRUN d\n",
        );
        let sh: Vec<_> = (0..m.instructions.len())
            .map(|i| pragma_shell_for(&m, i))
            .collect();
        assert_eq!(sh[1], None);
        assert_eq!(sh[2].as_deref(), Some("pwsh"));
        assert_eq!(sh[4], None);
        assert_eq!(sh[6], None);
        assert_eq!(shell_pragmas(&m)[0].from_instruction, Some(2));
    }
}
