//! `missing-pipefail`: a RUN pipes commands under a shell without
//! `-o pipefail`, so a failing command before the last `|` goes unnoticed.
use crate::diagnostic::{Fix, Severity};
use crate::edit::{indentation, insert_after, Edit};
use crate::model::{Instruction, Model, Pipe, Script};
use crate::rules::shell::{run_sites, stage_image_shell, ImageShell, Installs, RunShell};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D701",
    name: "missing-pipefail",
    category: Category::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL4006"],
    summary: "A RUN pipes commands without `-o pipefail`: a failure before the last `|` is ignored",
    default_enabled: true,
};

/// Shells whose `-o pipefail` works (BusyBox `ash` too; dash has none).
const PIPEFAIL_SHELLS: &[&str] = &["bash", "zsh", "ash", "ksh", "mksh"];

/// Commands that cannot fail on the left of a pipe (`echo "$SUM  f" |
/// sha256sum -c -`): pipefail changes nothing there (and `yes | …` would
/// even fail with it, killed by SIGPIPE).
const CANNOT_FAIL: &[&str] = &["echo", "printf", "true", ":", "yes"];

/// Whether a pipe hides the status of a command that can fail: some command
/// written left of it (in its pipeline element) is not `echo`/`printf`.
fn hides_a_failure(script: &Script, pipe: &Pipe) -> bool {
    let mut any = false;
    for c in &script.commands {
        if c.span.start >= pipe.left.start && c.span.end <= pipe.left.end {
            any = true;
            if c.program().is_none_or(|p| !CANNOT_FAIL.contains(&p)) {
                return true;
            }
        }
    }
    !any
}

/// The first `|` of a script that hides a possible failure and that no
/// earlier `set -o pipefail` covers.
fn unguarded_pipe(script: &Script) -> Option<Span> {
    let guard = script
        .commands
        .iter()
        .filter(|c| c.program() == Some("set"))
        .find(|c| {
            let a: Vec<String> = c.args().iter().map(|w| w.text().to_string()).collect();
            super::sets_pipefail(&a)
        })
        .map(|c| c.span.start);
    script
        .pipes
        .iter()
        .filter(|p| guard.is_none_or(|g| p.op.start < g))
        .find(|p| hides_a_failure(script, p))
        .map(|p| p.op)
}

/// The command written just before a pipe (its left side).
fn left_of(script: &Script, pipe: Span) -> Option<&str> {
    script
        .commands
        .iter()
        .filter(|c| c.span.end <= pipe.start)
        .max_by_key(|c| c.span.end)
        .and_then(|c| c.program())
}

/// Whether a pipe would fail once pipefail is on although it works now: a
/// `yes` feeding it, or a reader that stops early (`head`, `grep -q`,
/// `grep -m N`), which kills the writer with SIGPIPE.
fn breaks_with_pipefail(script: &Script, pipe: &Pipe) -> bool {
    let left_yes = script.commands.iter().any(|c| {
        c.span.start >= pipe.left.start && c.span.end <= pipe.left.end && c.program() == Some("yes")
    });
    let right = script
        .commands
        .iter()
        .filter(|c| c.span.start >= pipe.op.end)
        .min_by_key(|c| c.span.start);
    let early = right.is_some_and(|c| match c.program() {
        Some("head") => true,
        Some("grep" | "egrep" | "fgrep") => c.args().iter().any(|a| {
            let t = a.text();
            t == "--quiet"
                || t == "--silent"
                || t.starts_with("--max-count")
                || (t.starts_with('-')
                    && !t.starts_with("--")
                    && (t.contains('q') || t.contains('m')))
        }),
        _ => false,
    });
    left_yes || early
}

/// Whether every RUN the new pipefail would reach (this stage from `from`
/// up to its next SHELL, and the stages built on it that set no SHELL of
/// their own) keeps working with it.
fn pipefail_is_harmless(cx: &Context, stage: usize, from: usize, depth: usize) -> bool {
    let m = cx.m;
    if depth > 64 {
        return false;
    }
    // The stage's instruction indices are sorted: start at `from`.
    let ins = &m.stages[stage].instructions;
    for &k in &ins[ins.partition_point(|&i| i < from)..] {
        let inst = &m.instructions[k];
        if inst.kind == crate::model::Kind::Shell && inst.index != from {
            return true;
        }
        let Some(info) = inst.run() else { continue };
        if info
            .scripts
            .iter()
            .any(|s| s.pipes.iter().any(|p| breaks_with_pipefail(s, p)))
        {
            return false;
        }
    }
    cx.facts.children[stage]
        .iter()
        .all(|&child| pipefail_is_harmless(cx, child, 0, depth + 1))
}

/// What the fixes of one file need, computed once per lint.
struct Context<'m> {
    m: &'m Model,
    facts: std::rc::Rc<Facts>,
}

struct Facts {
    /// Stage → the later stages built `FROM` it.
    children: Vec<Vec<usize>>,
    /// Where bash is installed.
    bash: Installs,
}

impl<'m> Context<'m> {
    fn of(cx: &Checker<'m>) -> Context<'m> {
        let facts = cx.once(|m| {
            let mut children = vec![Vec::new(); m.stages.len()];
            for st in &m.stages {
                if let crate::model::Base::Stage(p) = st.base {
                    if p < st.index {
                        children[p].push(st.index);
                    }
                }
            }
            Facts {
                children,
                bash: Installs::of(m, "bash"),
            }
        });
        Context { m: cx.model, facts }
    }
}

fn json_array(argv: &[String]) -> String {
    let parts: Vec<String> = argv
        .iter()
        .map(|a| serde_json::to_string(a).unwrap_or_else(|_| format!("\"{a}\"")))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// `argv` with `-o pipefail` inserted before its `-c` option.
fn with_pipefail(argv: &[String]) -> Option<Vec<String>> {
    let c = argv
        .iter()
        .rposition(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with('c'))?;
    if c == 0 {
        return None;
    }
    let mut out = argv.to_vec();
    out.splice(c..c, ["-o".to_string(), "pipefail".to_string()]);
    Some(out)
}

fn program_name(argv: &[String]) -> String {
    argv.first()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
        .unwrap_or_default()
}

/// The fix for the first flagged RUN under `shell`: add `-o pipefail` to the
/// stage's own SHELL when its shell has it, else a new SHELL (bash on a
/// glibc image or where bash is installed, BusyBox ash on Alpine) after
/// the instruction before the RUN, so that comments above the RUN keep
/// applying to it.
fn fix_for(cx: &Context, stage: usize, run: &Instruction, shell: &RunShell) -> Option<Fix> {
    let m = cx.m;
    let RunShell::Posix { argv, set_by, .. } = shell else {
        return None;
    };
    let from = match set_by.filter(|k| m.instructions[*k].stage == Some(stage)) {
        Some(k) => k,
        None => run.index,
    };
    if !pipefail_is_harmless(cx, stage, from, 0) {
        return None;
    }
    let prog = program_name(argv);
    if PIPEFAIL_SHELLS.contains(&prog.as_str()) {
        let new = with_pipefail(argv)?;
        let own = set_by.filter(|k| m.instructions[*k].stage == Some(stage));
        if let Some(k) = own {
            let inst = &m.instructions[k];
            let text = m.text(inst.span);
            let open = text.find('[')?;
            let close = text.rfind(']')?;
            if close < open {
                return None;
            }
            let span = Span::new(inst.span.start + open, inst.span.start + close + 1);
            return Some(Fix::unsafe_(
                format!("Add `-o pipefail` to the SHELL on line {}", inst.start_line),
                vec![Edit::replace(span, json_array(&new))],
            ));
        }
        return insert_shell(m, run, &new);
    }
    if !matches!(prog.as_str(), "sh" | "dash") {
        return None;
    }
    let image = stage_image_shell(m, stage);
    let new: Vec<String> = if image == ImageShell::Bash || cx.facts.bash.before(stage, run.index) {
        ["/bin/bash", "-o", "pipefail", "-c"]
            .map(String::from)
            .to_vec()
    } else if image == ImageShell::Ash {
        ["/bin/ash", "-o", "pipefail", "-c"]
            .map(String::from)
            .to_vec()
    } else {
        return None;
    };
    insert_shell(m, run, &new)
}

fn insert_shell(m: &Model, run: &Instruction, argv: &[String]) -> Option<Fix> {
    let prev = m.instructions.get(run.index.checked_sub(1)?)?;
    let indent = indentation(m, run);
    let line = format!("{indent}SHELL {}\n", json_array(argv));
    Some(Fix::unsafe_(
        format!(
            "Insert `SHELL {}` before line {} (this RUN and the later ones of the stage run with it)",
            json_array(argv),
            run.start_line
        ),
        insert_after(m, prev, &line),
    ))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    struct PragmaShells(Vec<Option<String>>);
    let pragma = cx.once(|m| PragmaShells(crate::model::pragma::pragma_shells(m)));
    let pragma = &pragma.0;
    let shells = cx.once(super::Shells::of);
    // The fix of each shell region (by the SHELL that set it), computed at
    // its first flagged RUN and offered on every flagged RUN of the region.
    type Region = (usize, Option<usize>);
    let mut region_fix: std::collections::HashMap<Region, Option<Fix>> =
        std::collections::HashMap::new();
    let mut fix_cx: Option<Context> = None;
    for site in run_sites(cx.unit().instructions()) {
        let run = site.run;
        let Some(stage) = site.holder.stage else {
            continue;
        };
        if !super::has_pipe_char(run) {
            continue;
        }
        let Some(info) = run.run() else { continue };
        if info.exec {
            continue;
        }
        if pragma
            .get(site.holder.index)
            .and_then(|p| p.as_deref())
            .is_some_and(|p| {
                let p = p.to_ascii_lowercase();
                ["pwsh", "powershell", "cmd"]
                    .iter()
                    .any(|n| p.starts_with(n))
            })
        {
            continue;
        }
        let shell = if site.is_trigger() {
            shells.at_end(stage)
        } else {
            shells.before(run.index)
        };
        let Some(shell) = shell.cloned() else {
            continue;
        };
        if matches!(shell, RunShell::NonPosix) || shell.has_pipefail() {
            continue;
        }
        let Some((script, pipe)) = info
            .scripts
            .iter()
            .find_map(|s| unguarded_pipe(s).map(|p| (s, p)))
        else {
            continue;
        };
        let left = left_of(script, pipe)
            .map(|p| format!("`{p}`"))
            .unwrap_or_else(|| "the command before it".to_string());
        let shell_name = match &shell {
            RunShell::Posix { argv, set_by, .. } => match set_by {
                Some(k) => format!(
                    "`{}` (SHELL on line {})",
                    program_name(argv),
                    m.instructions[*k].start_line
                ),
                None => "the default `/bin/sh -c`".to_string(),
            },
            RunShell::NonPosix => String::new(),
        };
        let trigger = if site.is_trigger() {
            " This ONBUILD RUN runs in images built from this one, with the stage's final SHELL."
        } else {
            ""
        };
        let msg = format!(
            "This RUN pipes {left} into another command under {shell_name}, which has no `-o pipefail`: the pipeline's status is the last command's, so a failing {left} goes unnoticed and the build continues with partial output. Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (`/bin/ash` on Alpine) before it, or start the script with `set -o pipefail` where the shell has it.{trigger}"
        );
        let fix = if site.is_trigger() {
            None
        } else {
            let key = (
                stage,
                match &shell {
                    RunShell::Posix { set_by, .. } => *set_by,
                    RunShell::NonPosix => None,
                },
            );
            region_fix
                .entry(key)
                .or_insert_with(|| {
                    let fcx = fix_cx.get_or_insert_with(|| Context::of(cx));
                    fix_for(fcx, stage, run, &shell)
                })
                .clone()
        };
        let d = cx.report(run.keyword.span, msg);
        d.related.push(crate::diagnostic::Related {
            span: pipe,
            message: "the first pipe".into(),
        });
        d.fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipefail_goes_before_the_c_option() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            with_pipefail(&v(&["/bin/bash", "-c"])),
            Some(v(&["/bin/bash", "-o", "pipefail", "-c"]))
        );
        assert_eq!(
            with_pipefail(&v(&["/bin/bash", "-x", "-ec"])),
            Some(v(&["/bin/bash", "-x", "-o", "pipefail", "-ec"]))
        );
        assert_eq!(with_pipefail(&v(&["/bin/bash"])), None);
        assert_eq!(json_array(&v(&["a\"b", "c"])), r#"["a\"b", "c"]"#);
    }
}
