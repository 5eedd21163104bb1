//! `apt-lists-not-removed`: an apt install in a shipped stage that leaves
//! `/var/lib/apt/lists` in its layer.
use super::{all_commands, append_fix, indexed_commands, shipped_runs};
use crate::diagnostic::Severity;
use crate::model::package::{self, Family, Op, PackageCommand};
use crate::model::Instruction;
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

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in shipped_runs(m, cx.target) {
        if !inst.mentions(&["apt"]) || lists_mounted(inst) {
            continue;
        }
        let cmds = indexed_commands(inst);
        let Some((_, _, install)) = cmds
            .iter()
            .find(|(_, _, p)| is_apt(p) && p.op == Op::Install)
        else {
            continue;
        };
        // Only a RUN that downloads the lists leaves them in its layer:
        // after an update in an earlier RUN they are in that layer
        // (split-apt-layers), and removing them here hides them only.
        let updates = cmds.iter().any(|(_, _, p)| {
            is_apt(p)
                && (p.op == Op::UpdateIndex || (p.op == Op::Install && p.has(&["update"], &[])))
        });
        if !updates {
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
        let program = install.tool.name();
        let msg = format!(
            "`{program} update` and `{program} install` in the final image, but this RUN does not remove {LISTS}: the package lists (often 20-50 MB) stay in the layer. End the RUN with `&& rm -rf {LISTS}/*`, or mount a cache at /var/lib/apt"
        );
        let fix = append_fix(
            inst,
            install.cmd,
            &format!("rm -rf {LISTS}/*"),
            "Remove the apt lists at the end of the RUN".into(),
        );
        cx.report(install.head_span(), msg).fix = fix;
    }
}
