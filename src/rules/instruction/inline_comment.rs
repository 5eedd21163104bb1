//! `inline-comment`: a `#` after an instruction's arguments, where no shell
//! reads it as a comment. Docker treats `#` as a comment only at the start of
//! a line; after arguments it is one more argument (COPY's sources, ENV's
//! pairs, a part of WORKDIR's path), and after an exec-form JSON array it
//! makes the line invalid JSON, so CMD, ENTRYPOINT and RUN become shell form.
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Instruction, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::buildkit::json_array_end;
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D350",
    name: "inline-comment",
    category: Category::Instruction,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary: "A `#` after an instruction's arguments is not a comment: Docker reads it, and every word after it, as arguments",
    default_enabled: true,
};

/// One comment found after arguments.
struct Found {
    /// Offset in the instruction's arguments text (logical line).
    logical: usize,
    /// The comment as written, `#` included, without a continuation escape.
    text: String,
    /// What to delete: the comment and the blanks before it.
    delete: Span,
}

/// How BuildKit splits the arguments of the instruction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Whitespace-separated words (COPY, ADD, FROM, EXPOSE, VOLUME) or
    /// `parseWords` (ENV, LABEL, ARG).
    Words,
    /// One string (WORKDIR, USER, STOPSIGNAL, MAINTAINER).
    Single,
    /// A JSON array with text after it; the offset is where that text starts.
    Json(usize),
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        let target: &Instruction = match (&inst.trigger, inst.kind) {
            (Some(t), Kind::Onbuild) => t,
            (None, Kind::Onbuild) => continue,
            _ => inst,
        };
        let Some(form) = form(target) else { continue };
        let text = target.args_text();
        let comments = find_comments(m, target, form, text);
        let Some(first) = comments.first() else {
            continue;
        };
        let effect = capitalized(&effect(m, target, form, text, first.logical));
        let shown: String = first.text.chars().take(60).collect();
        let shown = if first.text.chars().count() > 60 {
            format!("{shown}…")
        } else {
            shown
        };
        let where_ = if inst.kind == Kind::Onbuild {
            format!("the ONBUILD trigger `{}`", target.kind.as_str())
        } else {
            format!("`{}`", target.kind.as_str())
        };
        let msg = format!(
            "`{shown}` is not a comment: Docker reads `#` as a comment only at the start of a line, so for {where_} it is part of the arguments. {effect}. Put the comment on its own line above"
        );
        let fix = fix(m, inst, target, form, text, &comments);
        let span = Span::new(
            first.delete.end - first.text.len(),
            first.delete.end.max(first.delete.start),
        );
        cx.report(span, msg).fix = fix;
    }
}

/// The form of the arguments, or None when a shell reads them (shell-form
/// RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD) or the instruction is unknown.
fn form(inst: &Instruction) -> Option<Form> {
    let text = inst.args_text();
    match inst.kind {
        Kind::Run | Kind::Cmd | Kind::Entrypoint | Kind::Shell => {
            if !inst.json {
                return None;
            }
            json_array_end(text).map(Form::Json)
        }
        Kind::Copy | Kind::Add | Kind::Volume => {
            if inst.json {
                json_array_end(text).map(Form::Json)
            } else {
                Some(Form::Words)
            }
        }
        Kind::Healthcheck => {
            // `CMD ["curl", …] # c` (exec form) or `NONE # c`; the shell form
            // runs in a shell, which drops the comment.
            let typ_len = text.find(char::is_whitespace).unwrap_or(text.len());
            let typ = text.get(..typ_len).unwrap_or("");
            let rest = text.get(typ_len..).unwrap_or("");
            if typ.eq_ignore_ascii_case("none") {
                Some(Form::Words)
            } else if typ.eq_ignore_ascii_case("cmd") && inst.json {
                json_array_end(rest).map(|e| Form::Json(typ_len + e))
            } else {
                None
            }
        }
        Kind::From | Kind::Expose | Kind::Env | Kind::Label | Kind::Arg => Some(Form::Words),
        Kind::Workdir | Kind::User | Kind::Stopsignal | Kind::Maintainer => Some(Form::Single),
        Kind::Onbuild | Kind::Unknown => None,
    }
}

fn is_blank(c: char) -> bool {
    c.is_whitespace()
}

/// The comments in the arguments text: a word starting with `#` that is not
/// inside quotes, and the rest of its physical line.
fn find_comments(m: &Model, inst: &Instruction, form: Form, text: &str) -> Vec<Found> {
    // Every comment starts at a `#` (most instructions have none).
    if memchr::memchr(b'#', text.as_bytes()).is_none() {
        return Vec::new();
    }
    let base = inst.raw.args_offset;
    let map = &inst.raw.map;
    let mut starts = Vec::new();
    match form {
        Form::Json(end) => {
            let after = text.get(end..).unwrap_or("");
            let lead = after.len() - after.trim_start_matches(is_blank).len();
            if after.get(lead..).is_some_and(|r| r.starts_with('#')) {
                starts.push(end + lead);
            }
        }
        Form::Words | Form::Single => {
            let legacy_value_start = legacy_value_start(inst, text);
            let mut quote: Option<char> = None;
            let mut prev: Option<char> = None;
            let mut prev2: Option<char> = None;
            let mut skip_to = 0;
            for (i, c) in text.char_indices() {
                if i < skip_to {
                    continue;
                }
                if let Some(q) = quote {
                    if c == q && !(q == '"' && prev == Some(m.escape)) {
                        quote = None;
                    }
                } else if c == '#'
                    && prev.is_none_or(is_blank)
                    && !(prev.is_some() && prev2 == Some(m.escape))
                    && Some(i) != legacy_value_start
                {
                    starts.push(i);
                    // The rest of this physical line is the comment.
                    skip_to = map.piece_end(base + i).saturating_sub(base);
                    prev = None;
                    prev2 = None;
                    continue;
                } else if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                prev2 = prev;
                prev = Some(c);
            }
        }
    }
    starts
        .into_iter()
        .filter_map(|logical| located(m, map.to_source(base + logical), logical))
        .collect()
}

/// `ENV KEY value` / `LABEL key value` (no `=` in the first word): where the
/// value starts. A value that starts with `#` (`ENV COLOR #fff`) is a value.
fn legacy_value_start(inst: &Instruction, text: &str) -> Option<usize> {
    if !matches!(inst.kind, Kind::Env | Kind::Label) {
        return None;
    }
    let key_end = text.find(is_blank)?;
    if text.get(..key_end)?.contains('=') {
        return None;
    }
    let rest = text.get(key_end..)?;
    Some(key_end + (rest.len() - rest.trim_start_matches(is_blank).len()))
}

/// The comment starting at source offset `at`: to the end of its physical
/// line, without a continuation escape (and the blanks before it).
fn located(m: &Model, at: usize, logical: usize) -> Option<Found> {
    let src = &m.source;
    if src.as_bytes().get(at) != Some(&b'#') {
        return None;
    }
    let line_end = src.get(at..)?.find('\n').map_or(src.len(), |i| at + i);
    let content = src.get(at..line_end)?.trim_end_matches(['\r', '\n']);
    let trimmed = content.trim_end_matches([' ', '\t']);
    let body = match trimmed.strip_suffix(m.escape) {
        // A continuation (`# c \`), unless the escape is escaped itself.
        Some(before) if !before.ends_with(m.escape) => before,
        _ => trimmed,
    };
    let body = body.trim_end_matches([' ', '\t']);
    let line_start = src.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let before = src.get(line_start..at)?;
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    Some(Found {
        logical,
        text: body.to_string(),
        delete: Span::new(at - blanks, at + body.len()),
    })
}

/// Whitespace-separated words of `text` with their start offsets.
#[allow(clippy::string_slice)] // offsets from char_indices: char boundaries
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_blank(c) {
            if let Some(s) = start.take() {
                out.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn code_list(items: &[&str]) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(8)
        .map(|w| format!("`{}`", w.chars().take(40).collect::<String>()))
        .collect();
    let more = if items.len() > 8 {
        format!(" and {} more", items.len() - 8)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// What Docker does with the line, in one sentence.
fn effect(m: &Model, inst: &Instruction, form: Form, text: &str, comment: usize) -> String {
    let ws = words(text);
    let before = ws.iter().filter(|(s, _)| *s < comment).count();
    let all: Vec<&str> = ws.iter().map(|(_, w)| *w).collect();
    let from_comment: Vec<&str> = all.get(before..).unwrap_or(&[]).to_vec();
    let whole = text.trim_end_matches(is_blank);
    let whole_short: String = whole.chars().take(80).collect();
    let whole_short = if whole.chars().count() > 80 {
        format!("{whole_short}…")
    } else {
        whole_short
    };
    match (inst.kind, form) {
        (Kind::Cmd | Kind::Entrypoint, Form::Json(_)) => format!(
            "BuildKit (Docker Engine 27.1 and later) no longer reads the line as a JSON array, so {} becomes the shell form `/bin/sh -c '{whole_short}'`: the shell looks for a program named `{}` and the container exits with `not found` (older builders ignored the text after `]`)",
            inst.kind.as_str(),
            shell_program(text),
        ),
        (Kind::Run, Form::Json(_)) => format!(
            "BuildKit (Docker Engine 27.1 and later) no longer reads the line as a JSON array, so RUN becomes the shell form `/bin/sh -c '{whole_short}'`: the shell looks for a program named `{}` and the build fails with `not found` (older builders ignored the text after `]`)",
            shell_program(text),
        ),
        (Kind::Healthcheck, Form::Json(_)) => format!(
            "BuildKit (Docker Engine 27.1 and later) no longer reads the check as a JSON array, so it runs as a shell command that looks for a program named `{}`: the check always fails and the container is reported unhealthy (older builders ignored the text after `]`)",
            shell_program(text.split_once(char::is_whitespace).map_or("", |(_, r)| r)),
        ),
        (Kind::Healthcheck, _) => {
            "BuildKit stops the build: `HEALTHCHECK NONE` takes no arguments".to_string()
        }
        (Kind::Shell, _) => {
            "BuildKit (Docker Engine 27.1 and later) no longer reads the line as a JSON array and stops the build: SHELL requires the arguments to be in JSON form".to_string()
        }
        (Kind::Copy | Kind::Add | Kind::Volume, Form::Json(_)) => format!(
            "BuildKit (Docker Engine 27.1 and later) no longer reads the line as a JSON array but as words: {}",
            copy_effect(inst, &all, before)
        ),
        (Kind::Copy | Kind::Add, _) => copy_effect(inst, &all, before),
        (Kind::Volume, _) => format!(
            "VOLUME declares {} as {} too",
            code_list(&from_comment),
            if from_comment.len() == 1 { "a volume" } else { "volumes" }
        ),
        (Kind::From, _) => format!(
            "BuildKit stops the build: FROM takes an image and an optional `AS name`, and with {} it has {} arguments (`FROM requires either one or three arguments`)",
            code_list(&from_comment),
            all.len()
        ),
        (Kind::Expose, _) => format!(
            "the build fails: EXPOSE takes {} as ports too, and `{}` is not a port (`invalid containerPort: {}`)",
            code_list(&from_comment),
            from_comment.first().copied().unwrap_or("#"),
            from_comment.first().copied().unwrap_or("#")
        ),
        (Kind::Env | Kind::Label, _) => {
            if legacy_value_start(inst, text).is_some() {
                let key = all.first().copied().unwrap_or("");
                let value = text
                    .get(legacy_value_start(inst, text).unwrap_or(0)..)
                    .unwrap_or("")
                    .trim_end_matches(is_blank);
                let value: String = value.chars().take(80).collect();
                format!(
                    "the value of `{key}` becomes `{value}`, comment included"
                )
            } else {
                format!(
                    "BuildKit stops the build: every word of {} must be `name=value`, and `{}` is not (`Syntax error - can't find = in \"{}\"`)",
                    inst.kind.as_str(),
                    from_comment.first().copied().unwrap_or("#"),
                    from_comment.first().copied().unwrap_or("#"),
                )
            }
        }
        (Kind::Arg, _) => format!(
            "ARG declares {} as {} too",
            code_list(&from_comment),
            if from_comment.len() == 1 {
                "a build argument"
            } else {
                "build arguments"
            }
        ),
        (Kind::Workdir, _) => format!(
            "the working directory becomes `{whole_short}`, with the comment in its name"
        ),
        (Kind::User, _) => format!(
            "the user becomes `{whole_short}`, which does not exist: every later RUN and the container fail to start (`unable to find user`)"
        ),
        (Kind::Stopsignal, _) => format!(
            "the build fails: `{whole_short}` is not a signal"
        ),
        (Kind::Maintainer, _) => format!("the maintainer becomes `{whole_short}`"),
        _ => {
            let _ = m;
            "Docker reads the comment as arguments".to_string()
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// COPY/ADD: the sources and destination BuildKit takes.
fn copy_effect(inst: &Instruction, all: &[&str], before: usize) -> String {
    let kw = inst.kind.as_str();
    let Some((dest, sources)) = all.split_last() else {
        return format!("{kw} gets no arguments");
    };
    if sources.is_empty() {
        return format!("BuildKit stops the build: {kw} requires at least two arguments");
    }
    let extra: Vec<&str> = sources.get(before..).unwrap_or(&[]).to_vec();
    let intended = before
        .checked_sub(1)
        .and_then(|i| all.get(i))
        .copied()
        .unwrap_or("");
    let from = inst
        .flag("from")
        .and_then(|f| f.value.as_deref())
        .map(|f| format!(" from `{f}`"))
        .unwrap_or_default();
    let mut s = format!(
        "BuildKit reads it as {kw} of the sources {}{from} into the destination `{dest}`",
        code_list(sources)
    );
    if !intended.is_empty() && intended != *dest {
        s.push_str(&format!(" (not `{intended}`)"));
    }
    if !extra.is_empty() {
        s.push_str(&format!(
            ": the build fails with `not found` unless files named {} exist",
            code_list(&extra)
        ));
    }
    s
}

/// The program a shell would look for in a broken exec form: the first
/// word with its quotes removed (`["node","app.js"]` → `[node,app.js]`).
fn shell_program(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or("");
    let p: String = first.chars().filter(|c| *c != '"').take(60).collect();
    p
}

/// Moves the comments to their own lines above the instruction. Offered when
/// what stays is a complete instruction and a moved line cannot turn into a
/// parser directive.
fn fix(
    m: &Model,
    inst: &Instruction,
    target: &Instruction,
    form: Form,
    text: &str,
    comments: &[Found],
) -> Option<Fix> {
    // What remains once the comments are gone.
    let mut remaining = String::new();
    let mut pos = 0;
    let base = target.raw.args_offset;
    for c in comments {
        remaining.push_str(text.get(pos..c.logical)?);
        pos = target
            .raw
            .map
            .piece_end(base + c.logical)
            .saturating_sub(base);
    }
    remaining.push_str(text.get(pos.min(text.len())..)?);
    let words = words(&remaining);
    let complete = match (target.kind, form) {
        (_, Form::Json(end)) => text.get(..end).is_some_and(|_| {
            // Nothing but the comment may follow the array.
            remaining.get(end..).is_some_and(|r| r.trim().is_empty())
        }),
        (Kind::Copy | Kind::Add, _) => words.len() >= 2 || !target.heredocs.is_empty(),
        (Kind::From, _) => {
            words.len() == 1 || words.len() == 3 && words[1].1.eq_ignore_ascii_case("as")
        }
        (Kind::Healthcheck, _) => words.len() == 1,
        _ => !words.is_empty(),
    };
    if !complete {
        return None;
    }
    if comments.iter().any(|c| looks_like_directive(&c.text)) {
        return None;
    }
    let indent = crate::edit::indentation(m, inst);
    let lines: String = comments
        .iter()
        .map(|c| format!("{indent}{}\n", c.text))
        .collect();
    let mut edits = vec![crate::edit::insert_before(m, inst, &lines)];
    for c in comments {
        edits.push(Edit::delete(c.delete));
    }
    let title = if comments.len() == 1 {
        "Move the comment to its own line above the instruction".to_string()
    } else {
        "Move the comments to their own lines above the instruction".to_string()
    };
    Some(Fix::safe(title, edits))
}

/// `# syntax=…`, `# escape=…`, `# check=…`: a comment line that BuildKit
/// would read as a parser directive at the top of the file.
fn looks_like_directive(comment: &str) -> bool {
    let rest = comment.trim_start_matches('#').trim_start();
    let Some((name, _)) = rest.split_once('=') else {
        return false;
    };
    matches!(
        name.trim().to_ascii_lowercase().as_str(),
        "syntax" | "escape" | "check"
    )
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::settings::{resolve_selector, Settings};

    fn findings(src: &str) -> Vec<String> {
        let mut s = Settings::default();
        s.select(&resolve_selector("inline-comment").unwrap());
        analyze(src, None, &s, None)
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn shell_forms_are_not_findings() {
        assert!(findings("FROM a\nRUN echo hi # c\nCMD node app.js # c\n").is_empty());
        assert!(
            findings("FROM a\nENTRYPOINT exec node # c\nHEALTHCHECK CMD curl x # c\n").is_empty()
        );
        assert!(findings("FROM a\nONBUILD RUN make # c\n").is_empty());
    }

    #[test]
    fn values_that_start_with_a_hash_are_not_comments() {
        assert!(
            findings("FROM a\nENV COLOR #fff\nLABEL c=#fff d=\"a # b\"\nCOPY a#b /x/\n").is_empty()
        );
        assert!(findings("FROM a\nENV X=a\\ #b\n").is_empty());
    }

    #[test]
    fn messages_say_what_docker_does() {
        let f = findings("FROM a\nCOPY . /app  # copy everything\n");
        assert!(f[0].contains("`.`, `/app`, `#`, `copy`"), "{}", f[0]);
        assert!(
            f[0].contains("destination `everything` (not `/app`)"),
            "{}",
            f[0]
        );
        let f = findings("FROM a\nCMD [\"node\", \"app.js\"]  # start\n");
        assert!(
            f[0].contains("`/bin/sh -c '[\"node\", \"app.js\"]  # start'`"),
            "{}",
            f[0]
        );
        assert!(f[0].contains("`[node,`"), "{}", f[0]);
        let f = findings("FROM a AS b # builder\n");
        assert!(f[0].contains("FROM requires either one or three arguments"));
        let f = findings("FROM a\nONBUILD COPY . /src # all\n");
        assert!(f[0].contains("ONBUILD trigger `COPY`"), "{}", f[0]);
    }
}
