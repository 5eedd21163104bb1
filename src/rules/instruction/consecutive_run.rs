//! `consecutive-run`: RUN instructions of one command each, one after the
//! other, that could be one RUN (one layer).
use crate::diagnostic::{Fix, Severity};
use crate::edit::{indentation, Edit};
use crate::model::{Instruction, Kind, Model};
use crate::rules::shell::{ImageShell, RunShell, Shells};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D251",
    name: "consecutive-run",
    category: Category::Instruction,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3059"],
    summary: "Consecutive RUN instructions of one command each; one RUN makes one layer",
    default_enabled: true,
};

/// Shell builtins whose effect would reach the next command once merged.
const STATEFUL: &[&str] = &[
    "cd", "export", "set", "source", ".", "umask", "ulimit", "alias", "shopt", "pushd", "popd",
    "trap", "unset", "eval", "exec", "exit", "return", "readonly", "declare", "typeset", "local",
    "shift", "hash", "unalias", "builtin", "enable", "wait",
];

/// Commands as hadolint counts them: ShellCheck's simple commands that have
/// a name (`export` too; not a bare `A=1`).
fn command_count(inst: &Instruction) -> usize {
    inst.run()
        .map_or(0, |r| r.commands().filter(|c| !c.argv.is_empty()).count())
}

/// Whether a RUN runs at most one command. A line without `;`, `&`, `|`,
/// `$(`, backquotes or a heredoc cannot hold two, so it is not parsed.
fn at_most_one(inst: &Instruction) -> bool {
    if inst.json {
        return true;
    }
    let t = inst.args_text();
    if inst.heredocs.is_empty() && !t.contains([';', '&', '|', '`']) && !t.contains("$(") {
        return true;
    }
    command_count(inst) <= 1
}

fn flags(inst: &Instruction) -> Vec<(String, Option<String>)> {
    inst.flags
        .iter()
        .map(|f| (f.name.to_ascii_lowercase(), f.value.clone()))
        .collect()
}

/// The fix joining RUN `b` onto RUN `a` with `&&` (unsafe: one layer, one
/// cache step). Only where the merged script means the same: both shell
/// form, no heredoc, `a` one plain command that leaves no state behind
/// (not `cd`, `export`, …), no comment in `a`, nothing but blank lines
/// between them, a POSIX shell.
fn merge(m: &Model, a: &Instruction, b: &Instruction) -> Option<Fix> {
    let (ra, rb) = (a.run()?, b.run()?);
    if ra.exec || rb.exec || !a.heredocs.is_empty() || !b.heredocs.is_empty() {
        return None;
    }
    if ra.scripts.iter().chain(&rb.scripts).any(|s| s.has_error) {
        return None;
    }
    let cmds: Vec<_> = ra.commands().collect();
    let [c] = cmds.as_slice() else { return None };
    if c.program().is_none_or(|p| STATEFUL.contains(&p))
        || command_count(b) != 1
        || command_count(a) != 1
    {
        return None;
    }
    let a_text = a.args_text();
    if a_text.contains('#') || a_text.trim_end().ends_with('&') || a_text.contains("<<") {
        return None;
    }
    let b_args = b.args_span().start;
    let gap = m.source.get(a.span.end..b_args)?;
    // Between them only the line end, blank lines and `RUN [flags] `.
    let between = m.source.get(a.span.end..b.span.start)?;
    if !between.chars().all(char::is_whitespace) || gap.contains('#') {
        return None;
    }
    let indent = indentation(m, a);
    let esc = m.escape;
    let nl = if m
        .source
        .get(a.span.end..)
        .is_some_and(|r| r.starts_with("\r\n"))
    {
        "\r\n"
    } else {
        "\n"
    };
    Some(Fix::unsafe_(
        format!("Merge into the RUN on line {} with `&&`", a.start_line),
        vec![Edit::replace(
            Span::new(a.span.end, b_args),
            format!(" {esc}{nl}{indent}    && "),
        )],
    ))
}

/// Whether a RUN runs under cmd or PowerShell, whose scripts dlint cannot
/// count commands in.
fn non_posix(shells: &Shells, inst: &Instruction) -> bool {
    inst.stage.is_some_and(|st| {
        shells.image(st) == ImageShell::Windows
            || matches!(shells.before(inst.index), Some(RunShell::NonPosix))
    })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let shells = cx.once(Shells::of);
    let mut prev: Option<&Instruction> = None;
    for inst in cx.unit().instructions() {
        if inst.kind != Kind::Run || non_posix(&shells, inst) {
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            if flags(p) == flags(inst) && at_most_one(inst) && at_most_one(p) {
                let msg = format!(
                    "This RUN follows the RUN on line {} and both run one command: each RUN is a layer and a cache step of its own. Join them with `&&` into one RUN, unless you split them on purpose (for caching or build logs)",
                    p.start_line
                );
                let fix = merge(m, p, inst);
                cx.report(inst.keyword.span, msg).fix = fix;
            }
        }
        prev = Some(inst);
    }
}
