//! `apt-lists-not-removed`: an apt install in a shipped stage that leaves
//! `/var/lib/apt/lists` in its layer.
use super::PackageManager;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Base, Instruction, Kind, Model, ShellCommand};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D304",
    name: "apt-lists-not-removed",
    category: Category::Cache,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3009"],
    summary: "An apt install in the final image leaves the package lists in /var/lib/apt/lists",
    default_enabled: true,
};

const LISTS: &str = "/var/lib/apt/lists";

/// The stages whose layers end up in the image: the final stage and the
/// stages it is built FROM.
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

fn is_apt_install(c: &ShellCommand) -> bool {
    PackageManager::of(c) == Some(PackageManager::Apt)
        && PackageManager::Apt.subcommand(c) == Some("install")
}

/// A cache or tmpfs mount over the apt lists keeps them out of the layer.
fn lists_mounted(inst: &Instruction) -> bool {
    inst.mounts.iter().any(|mnt| {
        matches!(mnt.kind(), "cache" | "tmpfs")
            && mnt
                .get("target")
                .or_else(|| mnt.get("dst"))
                .or_else(|| mnt.get("destination"))
                .is_some_and(|t| {
                    let t = t.trim_end_matches('/');
                    t == "/var/lib/apt" || t == LISTS
                })
    })
}

/// ` && rm -rf /var/lib/apt/lists/*` after the last command of the script
/// that holds `install`, when that command is top-level.
fn cleanup_fix(inst: &Instruction, install: &ShellCommand) -> Option<Fix> {
    let run = inst.run()?;
    if run.exec || inst.trigger.is_some() {
        return None;
    }
    let script = run
        .scripts
        .iter()
        .find(|s| s.commands.iter().any(|c| c.span == install.span))?;
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
    if last_any > last_top || last_top < install.span.end {
        return None;
    }
    Some(Fix::safe(
        "Remove the apt lists at the end of the RUN",
        vec![Edit {
            span: Span::new(last_top, last_top),
            text: format!(" && rm -rf {LISTS}/*"),
        }],
    ))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for st in shipped_stages(m, cx.target) {
        for inst in m.stage_instructions(st) {
            if inst.kind != Kind::Run || !inst.mentions(&["apt"]) || lists_mounted(inst) {
                continue;
            }
            let Some(run) = inst.run() else { continue };
            let Some(install) = run.commands().find(|c| is_apt_install(c)) else {
                continue;
            };
            // Only a RUN that downloads the lists leaves them in its layer:
            // after an update in an earlier RUN they are in that layer
            // (split-apt-layers), and removing them here hides them only.
            let updates = run.commands().any(|c| {
                PackageManager::of(c) == Some(PackageManager::Apt)
                    && (PackageManager::Apt.is_update(c)
                        || (is_apt_install(c) && c.has_arg("--update")))
            });
            if !updates {
                continue;
            }
            // `apt-get dist-clean` (apt 2.9+) removes the lists too.
            let cleans = run.commands().any(|c| {
                c.argv.iter().any(|w| {
                    let t = w.text();
                    t.contains(LISTS) || t.trim_end_matches(['/', '*']) == "/var/lib/apt"
                }) || (PackageManager::of(c) == Some(PackageManager::Apt)
                    && PackageManager::Apt.subcommand(c) == Some("dist-clean"))
            });
            if cleans {
                continue;
            }
            let program = install.program().unwrap_or("apt-get");
            let span = match PackageManager::Apt.subcommand_word(install) {
                Some(w) => install
                    .argv
                    .first()
                    .map_or(w.span, |f| f.span.cover(w.span)),
                None => install.span,
            };
            let msg = format!(
                "`{program} update` and `{program} install` in the final image, but this RUN does not remove {LISTS}: the package lists (often 20-50 MB) stay in the layer. End the RUN with `&& rm -rf {LISTS}/*`, or mount a cache at /var/lib/apt"
            );
            let fix = cleanup_fix(inst, install);
            cx.report(span, msg).fix = fix;
        }
    }
}
