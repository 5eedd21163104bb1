//! Layers and the build cache.
pub mod apk_cache_kept;
pub mod apt_lists_not_removed;
pub mod cache_busting_copy;
pub mod dnf_cache_not_cleaned;
pub mod missing_assume_yes;
pub mod pip_cache_kept;
pub mod split_apt_layers;
pub mod yarn_cache_not_cleaned;
pub mod yum_cache_not_cleaned;
pub mod zypper_cache_not_cleaned;

use crate::diagnostic::{Edit, Fix};
use crate::model::package::{self, Family, Op, PackageCommand, Tool};
use crate::model::{Base, Instruction, Model, Script, ShellCommand};

/// The stages whose layers end up in the image: the final stage (or the
/// `--target` one) and the stages it is built FROM.
pub fn shipped_stages(m: &Model, target: Option<&str>) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(mut st) = m.final_stage(target).map(|s| s.index) else {
        return out;
    };
    loop {
        out.push(st);
        match m.stages[st].base {
            // Bases come before their stage: the walk ends.
            Base::Stage(p) if p < st => st = p,
            _ => break,
        }
    }
    out
}

/// The RUNs whose layers end up in an image: those of the shipped stages,
/// every `ONBUILD RUN` trigger (it runs in the image some later build
/// makes FROM this one, which dlint cannot see), and RUNs before any FROM
/// (a file without FROM is read as one stage).
pub fn shipped_runs<'m>(m: &'m Model, target: Option<&str>) -> Vec<&'m Instruction> {
    let mut shipped = vec![false; m.stages.len()];
    for s in shipped_stages(m, target) {
        shipped[s] = true;
    }
    m.runs()
        .filter(|i| i.is_trigger || i.stage.is_none_or(|s| shipped.get(s) == Some(&true)))
        .collect()
}

/// The package commands of a RUN with their positions in the RUN's
/// command order (inline script first, then heredocs).
pub fn indexed_commands(inst: &Instruction) -> Vec<(usize, &Script, PackageCommand<'_>)> {
    let Some(run) = inst.run() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut n = 0;
    for s in &run.scripts {
        for c in &s.commands {
            if let Some(p) = package::parse(c) {
                out.push((n, s, p));
            }
            n += 1;
        }
    }
    out
}

/// Every command of a RUN with its position.
pub fn all_commands(inst: &Instruction) -> Vec<(usize, &ShellCommand)> {
    inst.run()
        .map(|r| r.commands().enumerate().collect())
        .unwrap_or_default()
}

/// The text that runs a tool as the command did: the wrappers and the
/// program (`sudo dnf`, `microdnf`), for a clean-up command appended after
/// it. None when a word holds an expansion.
pub fn invocation(p: &PackageCommand) -> Option<String> {
    let argv = &p.cmd.argv;
    let end = argv
        .iter()
        .position(|w| std::ptr::eq(w, p.tool_word))
        .unwrap_or(0);
    let words = &argv[..=end.min(argv.len().saturating_sub(1))];
    if words
        .iter()
        .any(|w| w.value.as_deref() != Some(w.raw.as_str()))
    {
        return None;
    }
    let text = words.iter().map(|w| w.raw.as_str()).collect::<Vec<_>>();
    Some(text.join(" "))
}

/// An edit appending `text` (` && dnf clean all`) after the last top-level
/// command of the script that holds `anchor`, when that is where the
/// script ends: not inside `if`/`( … )`/`$( … )`, not in the exec form, not
/// in a script the shell parser could not read.
pub fn append_to_script(inst: &Instruction, anchor: &ShellCommand, text: &str) -> Option<Edit> {
    let run = inst.run()?;
    if run.exec {
        return None;
    }
    let script = run
        .scripts
        .iter()
        .find(|s| s.commands.iter().any(|c| c.span == anchor.span))?;
    if script.has_error {
        return None;
    }
    let last_top = script
        .commands
        .iter()
        .filter(|c| !c.nested)
        .map(|c| c.span.end)
        .max()?;
    let last_any = script.commands.iter().map(|c| c.span.end).max()?;
    if last_any > last_top || last_top < anchor.span.end {
        return None;
    }
    // A command sent to the background (`cmd &`) would take the clean-up
    // with it.
    let last = script.commands.iter().rfind(|c| !c.nested)?;
    if last.joined_by == Some(crate::model::Joiner::Background) {
        return None;
    }
    Some(Edit::insert(last_top, text))
}

/// A safe fix appending a clean-up command to the RUN.
pub fn append_fix(
    inst: &Instruction,
    anchor: &ShellCommand,
    cleanup: &str,
    title: String,
) -> Option<Fix> {
    append_to_script(inst, anchor, &format!(" && {cleanup}")).map(|e| Fix::safe(title, vec![e]))
}

/// The index-refresh command of a family.
pub fn update_command(f: Family) -> &'static str {
    match f {
        Family::Apt => "apt-get update",
        Family::Apk => "apk update",
        Family::Rpm => "dnf makecache",
        Family::Zypper => "zypper refresh",
        _ => "",
    }
}

/// Whether an install refreshes the index itself (`apk add --no-cache`,
/// `apk add -U`, `dnf --refresh`).
pub fn install_refreshes(p: &PackageCommand) -> bool {
    match p.tool.family() {
        Family::Apk => p.has(&["no-cache", "update", "update-cache"], &['U']),
        Family::Rpm | Family::Zypper => p.has(&["refresh"], &[]),
        _ => false,
    }
}

/// Whether a system package command uses the package index (installs or
/// upgrades).
pub fn uses_index(p: &PackageCommand) -> bool {
    p.tool.is_system() && matches!(p.op, Op::Install | Op::Upgrade)
}

/// A cache a package tool fills and the ways to keep it out of the layer:
/// the rules `yum-cache-not-cleaned`, `dnf-cache-not-cleaned`,
/// `zypper-cache-not-cleaned` and `yarn-cache-not-cleaned`.
pub struct CacheSpec {
    /// Tools whose commands fill the cache.
    pub tools: &'static [Tool],
    /// Programs one of which the RUN must name (a cheap test first).
    pub mentions: &'static [&'static str],
    /// Whether a command of those tools fills the cache.
    pub fills: fn(&PackageCommand) -> bool,
    /// Whether a package command (the second) empties the cache the first
    /// filled (`dnf clean all`).
    pub cleans: fn(&PackageCommand, &PackageCommand) -> bool,
    /// The cache's directories: removing one (`rm -rf`) or mounting a cache
    /// or tmpfs over it keeps the files out of the layer.
    pub dirs: &'static [&'static str],
    /// The clean-up to append (`dnf clean all`), for the filling command.
    pub cleanup: fn(&PackageCommand) -> String,
    /// The finding's message, for the filling command and the clean-up.
    pub message: fn(&PackageCommand, &str) -> String,
    /// Whether appending the clean-up is a safe fix.
    pub safe: bool,
}

/// Reports, in every RUN that ends up in the image, the first command that
/// fills the cache with no clean-up after it.
pub fn check_cache(cx: &mut crate::rules::Checker, spec: &CacheSpec) {
    let m = cx.model;
    for inst in shipped_runs(m, cx.target) {
        if !inst.mentions_program(spec.mentions)
            || spec.dirs.iter().any(|d| package::cache_mounted(inst, d))
        {
            continue;
        }
        let cmds = indexed_commands(inst);
        let all = all_commands(inst);
        // The first command that fills the cache with no clean-up after it.
        let uncleaned = cmds.iter().find(|(at, _, filler)| {
            spec.tools.contains(&filler.tool)
                && (spec.fills)(filler)
                && !cmds
                    .iter()
                    .any(|(i, _, p)| i > at && (spec.cleans)(filler, p))
                && !all
                    .iter()
                    .any(|(i, c)| i > at && spec.dirs.iter().any(|d| package::removes(c, d)))
        });
        let Some((_, _, filler)) = uncleaned else {
            continue;
        };
        let cleanup = (spec.cleanup)(filler);
        let msg = (spec.message)(filler, &cleanup);
        let title = format!("Append `{cleanup}` to the RUN");
        let fix = append_to_script(inst, filler.cmd, &format!(" && {cleanup}")).map(|e| {
            if spec.safe {
                Fix::safe(title, vec![e])
            } else {
                Fix::unsafe_(title, vec![e])
            }
        });
        cx.report(filler.head_span(), msg).fix = fix;
    }
}

/// A fix inserting ` <flag>` after the command's operation word
/// (`apk add --no-cache`), unless the command is in the exec form.
pub fn insert_flag_fix(
    inst: &Instruction,
    p: &PackageCommand,
    flag: &str,
    safe: bool,
) -> Option<Fix> {
    if inst.run()?.exec {
        return None;
    }
    let w = p.subcommand_word()?;
    let title = format!("Add `{flag}` to `{}`", p.display());
    let edits = vec![Edit::insert(w.span.end, format!(" {flag}"))];
    Some(if safe {
        Fix::safe(title, edits)
    } else {
        Fix::unsafe_(title, edits)
    })
}
