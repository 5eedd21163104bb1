//! `cd-instead-of-workdir`: a RUN changes directory with `cd` where
//! `WORKDIR` would say it once, visibly, for the instructions that follow.
use crate::diagnostic::{Fix, Severity};
use crate::edit::{indentation, insert_after, Edit};
use crate::model::{Base, Instruction, Joiner, Kind, Model, ScriptOrigin};
use crate::rules::shell::run_sites;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D702",
    name: "cd-instead-of-workdir",
    category: Category::Shell,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3003"],
    summary:
        "A RUN switches directory with `cd`; `WORKDIR` does it for the instructions that follow",
    default_enabled: true,
};

/// The working directory before every instruction and at the end of every
/// stage, when dlint knows it: from the stage's (and its parent stages')
/// WORKDIRs, `/` on scratch; None when it comes from a base image or a
/// variable. One pass over the stages (bases come before the stages built
/// on them): walking the stage per RUN, and the parent stages recursively,
/// was quadratic and overflowed the stack on a long FROM chain.
pub struct Workdirs {
    before: Vec<Option<std::rc::Rc<str>>>,
    end: Vec<Option<std::rc::Rc<str>>>,
    /// Stage → whether a later stage is built FROM it.
    has_child: Vec<bool>,
    /// Stage → for each position in its instructions, whether the
    /// instructions from there on depend on the working directory (see
    /// [`cwd_matters_after`]); filled on first use, for the build target of
    /// that first use (a Workdirs serves one check, with one target).
    matters: Vec<std::cell::OnceCell<Vec<bool>>>,
}

impl Workdirs {
    pub fn of(m: &Model) -> Workdirs {
        let mut w = Workdirs {
            before: vec![None; m.instructions.len()],
            end: Vec::with_capacity(m.stages.len()),
            has_child: vec![false; m.stages.len()],
            matters: (0..m.stages.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        };
        for st in &m.stages {
            let mut cwd: Option<std::rc::Rc<str>> = match st.base {
                Base::Scratch => Some("/".into()),
                Base::Stage(p) if p < st.index => {
                    w.has_child[p] = true;
                    w.end[p].clone()
                }
                _ => None,
            };
            for inst in m.stage_instructions(st.index) {
                if let Some(slot) = w.before.get_mut(inst.index) {
                    slot.clone_from(&cwd);
                }
                if inst.kind != Kind::Workdir {
                    continue;
                }
                let Some(arg) = inst.args.first() else {
                    continue;
                };
                let e = m.expand_in_stage_full(st.index, &arg.value);
                cwd = if !e.unresolved.is_empty() || e.value.contains('$') {
                    None
                } else if e.value.starts_with('/') {
                    Some(normalize(&e.value).into())
                } else {
                    cwd.map(|c| normalize(&format!("{c}/{}", e.value)).into())
                };
            }
            w.end.push(cwd);
        }
        w
    }

    /// The working directory just before the instruction with this index.
    pub fn before(&self, instruction: usize) -> Option<&str> {
        self.before.get(instruction)?.as_deref()
    }
}

/// `/a/./b/../c/` → `/a/c`.
fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A path `cd` can be replaced with: plain characters, no expansion, glob,
/// `~` or option.
fn plain_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('-')
        && !p.starts_with('~')
        && p.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+' | '@' | ':' | ',')
        })
}

/// Whether an instruction after RUN `after` (in its stage, up to the next
/// absolute WORKDIR) depends on the working directory: a RUN, a COPY or
/// ADD to a relative destination, a relative WORKDIR, CMD, ENTRYPOINT,
/// HEALTHCHECK or ONBUILD; or, with no absolute WORKDIR after it, whether
/// the stage is the one built (its working directory is the container's)
/// or the base of another stage.
fn cwd_matters_after(
    m: &Model,
    w: &Workdirs,
    stage: usize,
    after: usize,
    target: Option<&str>,
) -> bool {
    // The stage's instruction indices are sorted: start after `after`.
    let ins = &m.stages[stage].instructions;
    let from = w.matters[stage].get_or_init(|| {
        // From the end back: each instruction either decides or passes on
        // the answer of those after it (linear in the stage, where a scan
        // per RUN was quadratic on thousands of `cd /x && …` RUNs).
        let mut from = vec![false; ins.len() + 1];
        from[ins.len()] =
            m.final_stage(target).is_some_and(|f| f.index == stage) || w.has_child[stage];
        for (pos, &k) in ins.iter().enumerate().rev() {
            from[pos] = decides(&m.instructions[k]).unwrap_or(from[pos + 1]);
        }
        from
    });
    from[ins.partition_point(|&i| i <= after)]
}

/// Whether an instruction decides that the working directory matters
/// (Some(true)), that it does not (Some(false): an absolute WORKDIR sets
/// it anew), or leaves it to the instructions after it (None).
fn decides(inst: &Instruction) -> Option<bool> {
    match inst.kind {
        Kind::Workdir => Some(!inst.args.first().is_some_and(|a| a.value.starts_with('/'))),
        // A RUN that starts with `cd /abs &&` sets its own directory.
        Kind::Run if starts_with_absolute_cd(inst) => None,
        Kind::Run | Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck | Kind::Onbuild => Some(true),
        Kind::Copy | Kind::Add => {
            let dest = inst.copy.as_ref().and_then(|c| c.dest.as_ref());
            (!dest.is_some_and(|d| d.value.starts_with('/'))).then_some(true)
        }
        _ => None,
    }
}

/// Whether a RUN does not depend on the directory it starts in: a shell
/// form RUN without flags (a relative `--mount` target would) whose script
/// is `cd /absolute` alone or followed by `&&`. Later RUNs like that do not
/// stop the fix of an earlier one, so fixing them never makes a new fix.
fn starts_with_absolute_cd(run: &Instruction) -> bool {
    let Some(info) = run.run() else {
        return false;
    };
    if info.exec || !run.flags.is_empty() || !run.heredocs.is_empty() || info.scripts.len() != 1 {
        return false;
    }
    let script = &info.scripts[0];
    let (Some(cd), next) = (script.commands.first(), script.commands.get(1)) else {
        return false;
    };
    cd.program() == Some("cd")
        && cd.argv.len() == 2
        && cd.argv[0].text() == "cd"
        && !cd.nested
        && cd.argv[1]
            .value
            .as_deref()
            .is_some_and(|p| p.starts_with('/') && plain_path(p))
        && next.is_none_or(|n| n.joined_by == Some(Joiner::And))
}

/// The fix for `RUN cd DIR && rest`: `WORKDIR DIR` above and `RUN rest`.
/// When dlint knows the directory the RUN started in, it is restored after
/// the RUN (unless an absolute WORKDIR follows), so that the instructions
/// that follow still run where they did; when it does not, only where no
/// later instruction depends on the directory. Never when the rest could
/// tell the difference (`cd -`, `OLDPWD`, `pushd`/`popd`).
fn fix(
    m: &Model,
    w: &Workdirs,
    run: &Instruction,
    stage: usize,
    build_target: Option<&str>,
) -> Option<Fix> {
    let info = run.run()?;
    if info.exec || !run.heredocs.is_empty() || info.scripts.len() != 1 {
        return None;
    }
    let script = &info.scripts[0];
    if script.origin != ScriptOrigin::Inline || script.has_error || script.commands.len() < 2 {
        return None;
    }
    let cd = &script.commands[0];
    let next = &script.commands[1];
    if cd.program() != Some("cd")
        || cd.argv.len() != 2
        || !cd.assignments.is_empty()
        || cd.nested
        || cd.argv[0].text() != "cd"
        || next.joined_by != Some(Joiner::And)
        || next.nested
    {
        return None;
    }
    let path = cd.argv[1].value.as_deref()?;
    if !plain_path(path) {
        return None;
    }
    if run.mentions(&["OLDPWD", "pushd", "popd", "dirs"])
        || script
            .commands
            .iter()
            .any(|c| c.program() == Some("cd") && c.args().first().is_some_and(|a| a.text() == "-"))
    {
        return None;
    }
    let prev = w.before(run.index);
    if prev.is_none() && cwd_matters_after(m, w, stage, run.index, build_target) {
        return None;
    }
    let dir = if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{}/{path}", prev?))
    };
    // Delete `cd DIR && ` (through any line continuation) from the RUN.
    let cut = Span::new(cd.span.start, next.span.start);
    let removed = m.text(cut);
    if removed.contains('#') || cut.start >= cut.end {
        return None;
    }
    let mut edits = vec![Edit::delete(cut)];
    let indent = indentation(m, run);
    if prev == Some(dir.as_str()) {
        return Some(Fix::unsafe_(
            format!("Remove `cd {path} &&` (the RUN already runs in {dir})"),
            edits,
        ));
    }
    // Above the comments over the RUN, so that they still belong to it.
    let before = m.instructions.get(run.index.checked_sub(1)?)?;
    edits.extend(insert_after(m, before, &format!("{indent}WORKDIR {dir}\n")));
    let restore = cwd_matters_after(m, w, stage, run.index, build_target);
    let title = match prev {
        Some(p) if restore => {
            edits.extend(insert_after(m, run, &format!("{indent}WORKDIR {p}\n")));
            format!("Move `cd {path}` into `WORKDIR {dir}` above the RUN, and return to {p} after it")
        }
        _ => format!("Move `cd {path}` into `WORKDIR {dir}` above the RUN (no later instruction depends on the directory)"),
    };
    Some(Fix::unsafe_(title, edits))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let mut workdirs: Option<Workdirs> = None;
    for site in run_sites(&m.instructions) {
        let run = site.run;
        if !super::mentions_command(run, &["cd"]) {
            continue;
        }
        let Some(info) = run.run() else { continue };
        if info.exec {
            continue;
        }
        // A `cd` inside `( … )`, `$( … )`, a loop or a branch is scoped on
        // purpose; WORKDIR cannot express it.
        let Some(cd) = info.commands().find(|c| {
            !c.nested
                && c.program() == Some("cd")
                && c.argv.first().is_some_and(|w| w.text() == "cd")
        }) else {
            continue;
        };
        let dir = cd.args().first().map(|a| a.raw.as_str()).unwrap_or("~");
        let msg = format!(
            "`cd {dir}` changes directory for this RUN only, which readers miss and later instructions do not share. Use `WORKDIR {dir}` before the RUN: it creates the directory and applies to the instructions that follow"
        );
        let fix = match (site.is_trigger(), site.holder.stage) {
            (false, Some(stage)) => {
                let w = workdirs.get_or_insert_with(|| Workdirs::of(m));
                fix(m, w, run, stage, cx.target)
            }
            _ => None,
        };
        let d = cx.report(cd.argv[0].span, msg);
        d.fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize("/a/./b/../c/"), "/a/c");
        assert_eq!(normalize("/"), "/");
        assert!(plain_path("/usr/src/app-1.2"));
        assert!(!plain_path("$HOME"));
        assert!(!plain_path("-"));
        assert!(!plain_path("/x/*"));
    }

    #[test]
    fn a_later_run_that_cds_to_an_absolute_path_does_not_depend_on_the_directory() {
        let m = Model::build(
            "FROM ubuntu:24.04\nRUN cd /a && x\nRUN cd /b && y\nRUN cd /c; z\nRUN cd b && w\nRUN --mount=type=cache,target=c cd /d && v\nWORKDIR /e\n",
        );
        let w = Workdirs::of(&m);
        let runs: Vec<bool> = (2..=6)
            .map(|i| starts_with_absolute_cd(&m.instructions[i]))
            .collect();
        // `cd /c; z` runs z in the old directory when cd fails; `cd b` is
        // relative; a mount target may be relative.
        assert_eq!(runs, [true, false, false, false, false]);
        // After RUN 1: RUN 2 sets its own directory, RUN 3 does not.
        assert!(cwd_matters_after(&m, &w, 0, 1, None));
        let m = Model::build("FROM ubuntu:24.04\nRUN cd /a && x\nRUN cd /b && y\nWORKDIR /e\n");
        let w = Workdirs::of(&m);
        assert!(!cwd_matters_after(&m, &w, 0, 1, None));
        assert!(!cwd_matters_after(&m, &w, 0, 2, None));
    }

    #[test]
    fn workdir_is_tracked() {
        let m = Model::build(
            "FROM scratch AS a\nWORKDIR /src\nWORKDIR app\nRUN x\nFROM a\nRUN y\nFROM ubuntu:24.04\nRUN z\nENV D=/opt\nWORKDIR $D\nRUN w\n",
        );
        let w = Workdirs::of(&m);
        assert_eq!(w.before(1), Some("/"));
        assert_eq!(w.before(3), Some("/src/app"));
        assert_eq!(w.before(5), Some("/src/app"));
        assert_eq!(w.before(7), None);
        assert_eq!(w.before(10), Some("/opt"));
    }
}
