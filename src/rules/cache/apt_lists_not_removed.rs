//! `apt-lists-not-removed`: an apt install in a shipped stage that leaves
//! `/var/lib/apt/lists` in its layer.
use super::{all_commands, append_fix, indexed_commands, shipped_runs};
use crate::diagnostic::Severity;
use crate::model::package::{self, Family, Op, PackageCommand};
use crate::model::{Base, Instruction, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

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

fn is_apt(p: &PackageCommand) -> bool {
    p.tool.family() == Family::Apt
}

/// A cache or tmpfs mount over the apt lists keeps them out of the layer.
fn lists_mounted(inst: &Instruction) -> bool {
    package::cache_mounted(inst, LISTS)
}

/// For each stage, where the last RUN that installs or upgrades with apt
/// starts, in the stage itself or in a stage built `FROM` it (directly or
/// not). Computed once per file: stages only build on earlier ones, so one
/// pass from the last stage to the first carries each stage's value to its
/// base.
fn last_apt_installs(m: &Model) -> Vec<Option<usize>> {
    let mut last: Vec<Option<usize>> = vec![None; m.stages.len()];
    for r in m.runs() {
        let Some(st) = r.stage.filter(|&st| st < last.len()) else {
            continue;
        };
        if r.mentions(&["apt"])
            && package::commands(r)
                .iter()
                .any(|(_, p)| is_apt(p) && matches!(p.op, Op::Install | Op::Upgrade))
        {
            last[st] = last[st].max(Some(r.span.start));
        }
    }
    for s in (0..m.stages.len()).rev() {
        if let Base::Stage(p) = m.stages[s].base {
            if p < s {
                last[p] = last[p].max(last[s]);
            }
        }
    }
    last
}

/// Whether a RUN after `inst`, in its stage or in a stage built `FROM` it,
/// installs or upgrades with apt: an update-only RUN then feeds that
/// install (split-apt-layers reports the pair, and removing the lists here
/// would break the later install). A stage's later stages come after all
/// its own instructions, so "after" is a comparison of offsets.
fn later_apt_install(last: &[Option<usize>], inst: &Instruction) -> bool {
    let Some(stage) = inst.stage else {
        return true;
    };
    last.get(stage)
        .copied()
        .flatten()
        .is_some_and(|at| at > inst.span.start)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let mut last: Option<Vec<Option<usize>>> = None;
    for inst in shipped_runs(m, cx.target) {
        if !inst.mentions(&["apt"]) || lists_mounted(inst) {
            continue;
        }
        let cmds = indexed_commands(inst);
        // Only a RUN that downloads the lists leaves them in its layer:
        // after an update in an earlier RUN they are in that layer
        // (split-apt-layers), and removing them here hides them only.
        let Some((_, _, update)) = cmds.iter().find(|(_, _, p)| {
            is_apt(p)
                && (p.op == Op::UpdateIndex || (p.op == Op::Install && p.has(&["update"], &[])))
        }) else {
            continue;
        };
        let install = [Op::Install, Op::Upgrade].iter().find_map(|op| {
            cmds.iter()
                .find(|(_, _, p)| is_apt(p) && p.op == *op)
                .map(|(_, _, p)| p)
        });
        // An update with nothing installed here: the lists stay in this
        // layer all the same, unless a later RUN installs from them.
        if install.is_none()
            && later_apt_install(last.get_or_insert_with(|| last_apt_installs(m)), inst)
        {
            continue;
        }
        // `apt-get dist-clean` (apt 2.9+) removes the lists too.
        let cleans = all_commands(inst).iter().any(|(_, c)| {
            c.argv.iter().any(|w| {
                let t = w.text();
                t.contains(LISTS) || t.trim_end_matches(['/', '*']) == "/var/lib/apt"
            })
        }) || cmds.iter().any(|(_, _, p)| {
            is_apt(p) && matches!(p.subcommand(), Some("dist-clean" | "distclean"))
        });
        if cleans {
            continue;
        }
        let anchor = install.unwrap_or(update);
        let program = anchor.tool.name();
        let what = match install {
            Some(p) if p.op == Op::Install => format!("`{program} update` and `{program} install`"),
            Some(p) => format!(
                "`{program} update` and `{program} {}`",
                p.subcommand().unwrap_or("upgrade")
            ),
            None => format!("`{program} update`"),
        };
        let msg = format!(
            "{what} in the final image, but this RUN does not remove {LISTS}: the package lists (often 20-50 MB) stay in the layer. End the RUN with `&& rm -rf {LISTS}/*`, or mount a cache at /var/lib/apt"
        );
        let fix = append_fix(
            inst,
            anchor.cmd,
            &format!("rm -rf {LISTS}/*"),
            "Remove the apt lists at the end of the RUN".into(),
        );
        cx.report(anchor.head_span(), msg).fix = fix;
    }
}
