//! `shell-form-cmd`: CMD, ENTRYPOINT or HEALTHCHECK CMD in shell form
//! (`JSONArgsRecommended`, hadolint DL3025).
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Base, Instruction, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D210",
    name: "shell-form-cmd",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["JSONArgsRecommended", "DL3025"],
    summary: "CMD, ENTRYPOINT or HEALTHCHECK uses shell form, so a shell runs as PID 1 and signals do not reach the program",
    default_enabled: true,
};

/// Per stage, its first SHELL instruction (an index into the file's
/// instructions), computed once per file.
fn first_shells(m: &Model) -> Vec<Option<usize>> {
    m.stages
        .iter()
        .map(|st| {
            m.stage_instructions(st.index)
                .find(|i| i.kind == Kind::Shell)
                .map(|i| i.index)
        })
        .collect()
}

/// Whether a SHELL instruction sets the shell before instruction `before`
/// in the stage, or in a stage it is built FROM.
fn custom_shell(m: &Model, first_shell: &[Option<usize>], stage: usize, before: usize) -> bool {
    if first_shell[stage].is_some_and(|i| i < before) {
        return true;
    }
    let mut at = stage;
    for _ in 0..64 {
        match m.stages[at].base {
            Base::Stage(p) if p < at => {
                if first_shell[p].is_some() {
                    return true;
                }
                at = p;
            }
            _ => return false,
        }
    }
    false
}

/// A word exec form can take as it is: no quoting, expansion, globbing,
/// redirection or other shell syntax.
static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[A-Za-z0-9_./:,+@%=-]+$").expect("plain word regex"));

/// Shell builtins and keywords: commands exec form cannot run.
const BUILTINS: &[&str] = &[
    ".", ":", "[", "alias", "break", "case", "cd", "continue", "do", "done", "elif", "else",
    "esac", "eval", "exec", "exit", "export", "fi", "for", "function", "if", "read", "readonly",
    "return", "set", "shift", "source", "test", "then", "trap", "ulimit", "umask", "unset",
    "until", "wait", "while",
];

/// The exec-form words for a shell-form command, when converting it is a
/// plain re-spelling.
fn exec_words(cmd: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = cmd.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    let first = words.first()?;
    if first.contains('=') || BUILTINS.contains(first) {
        return None;
    }
    words.iter().all(|w| PLAIN.is_match(w)).then_some(words)
}

fn fix(m: &Model, inst: &Instruction, cmd_span: Span, cmd: &str, kind: Kind) -> Option<Fix> {
    // One line only, and an ENTRYPOINT only when no CMD would become its
    // arguments.
    if inst.start_line != inst.end_line || m.text(cmd_span) != cmd {
        return None;
    }
    if kind == Kind::Entrypoint
        && inst
            .stage
            .is_some_and(|s| m.stage_instructions(s).any(|i| i.kind == Kind::Cmd))
    {
        return None;
    }
    let words = exec_words(cmd)?;
    let json = format!(
        "[{}]",
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some(Fix::unsafe_(
        format!(
            "Use exec form `{json}` (no shell: signals reach the program, no variable expansion)"
        ),
        vec![Edit::replace(cmd_span, json)],
    ))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let mut first_shell: Option<Vec<Option<usize>>> = None;
    for inst in &m.instructions {
        let (what, cmd_words) = match inst.kind {
            Kind::Cmd | Kind::Entrypoint if !inst.json && !inst.args.is_empty() => {
                (inst.kind.as_str().to_string(), &inst.args[..])
            }
            // hadolint's DL3025 also asks for exec form in HEALTHCHECK CMD.
            Kind::Healthcheck
                if !inst.json
                    && inst.args.len() >= 2
                    && inst.args[0].value.eq_ignore_ascii_case("cmd") =>
            {
                ("HEALTHCHECK CMD".to_string(), &inst.args[1..])
            }
            _ => continue,
        };
        // With a SHELL of its own the stage means shell form (BuildKit).
        let first_shell = first_shell.get_or_insert_with(|| first_shells(m));
        if inst
            .stage
            .is_some_and(|s| custom_shell(m, first_shell, s, inst.index))
        {
            continue;
        }
        let Some(first) = cmd_words.first() else {
            continue;
        };
        let span = first.span;
        let cmd = first.value.trim();
        if cmd.is_empty() {
            continue;
        }
        let msg = if inst.kind != Kind::Healthcheck && cmd.starts_with("exec ") {
            format!(
                "`{what}` in shell form runs through `/bin/sh -c`: this one `exec`s its program, so signals reach it, but it still needs a shell in the image and expands variables when the container starts. Exec form (`{what} [\"executable\", \"arg\"]`) needs neither (BuildKit warns, `JSONArgsRecommended`)"
            )
        } else if inst.kind == Kind::Healthcheck {
            format!(
                "`{what}` in shell form runs the check through `/bin/sh -c`: the image needs a shell, and a distroless or scratch image has none. Use exec form (`{what} [\"executable\", \"arg\"]`) (hadolint DL3025)"
            )
        } else {
            format!(
                "`{what}` in shell form runs `/bin/sh -c '…'` as PID 1: the shell does not pass SIGTERM on, so `docker stop` waits its 10 seconds and kills the program, which never shuts down cleanly. Use exec form (`{what} [\"executable\", \"arg\"]`), or `exec` the program from a script (BuildKit warns, `JSONArgsRecommended`)"
            )
        };
        let fix = fix(m, inst, span, cmd, inst.kind);
        cx.report(crate::rules::buildkit::report_span(m, inst, span), msg)
            .fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::exec_words;

    #[test]
    fn plain_commands_only() {
        assert_eq!(
            exec_words("node server.js --port=80"),
            Some(vec!["node", "server.js", "--port=80"])
        );
        for shell in [
            "echo $HOME",
            "a && b",
            "cd /x; run",
            "FOO=1 run",
            "exec nginx",
            "run > log",
            "say \"hi\"",
            "run *.txt",
            "a | b",
            "x `y`",
            "grep 'a b'",
        ] {
            assert_eq!(exec_words(shell), None, "{shell}");
        }
    }
}
