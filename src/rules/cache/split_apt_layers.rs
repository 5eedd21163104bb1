//! `split-apt-layers`: `apt-get update` (or apk/dnf/yum/zypper's index
//! refresh) in a RUN of its own, with the install in a later RUN. The update
//! layer is cached, so later builds install from an old index or fail.
use super::{install_refreshes, update_command, uses_index};
use crate::diagnostic::{Edit, Fix, Severity};
use crate::edit::delete_instruction;
use crate::model::package::{self, Family, Op, PackageCommand};
use crate::model::{Instruction, Kind, Model, ShellCommand};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D301",
    name: "split-apt-layers",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary: "A package index update runs in its own RUN, apart from the install that needs it",
    default_enabled: true,
};

/// The package operations of a RUN, in order: (family, is an index
/// update, command).
pub fn package_ops(inst: &Instruction) -> Vec<(Family, bool, PackageCommand<'_>)> {
    let mut out = Vec::new();
    if inst.kind != Kind::Run || !inst.mentions(&["apt", "apk", "dnf", "yum", "zypper"]) {
        return out;
    }
    for (_, p) in package::commands(inst) {
        if !p.tool.is_system() {
            continue;
        }
        if p.op == Op::UpdateIndex {
            out.push((p.tool.family(), true, p));
        } else if uses_index(&p) {
            out.push((p.tool.family(), false, p));
        }
    }
    out
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for st in &m.stages[cx.unit().stages()] {
        // The stage's RUNs, and apart from them its ONBUILD triggers, which
        // run one after the other in a later build.
        let plain: Vec<&Instruction> = m.stage_runs(st.index).filter(|i| !i.is_trigger).collect();
        let triggers: Vec<&Instruction> = m.stage_runs(st.index).filter(|i| i.is_trigger).collect();
        check_sequence(cx, &plain);
        check_sequence(cx, &triggers);
    }
}

fn check_sequence(cx: &mut Checker, runs: &[&Instruction]) {
    let m = cx.model;
    for (ri, run) in runs.iter().enumerate() {
        let ops = package_ops(run);
        for pm in [Family::Apt, Family::Apk, Family::Rpm, Family::Zypper] {
            let Some(update) = ops.iter().find(|(p, u, _)| *p == pm && *u) else {
                continue;
            };
            if ops
                .iter()
                .any(|(p, u, c)| *p == pm && !*u && c.op == Op::Install)
            {
                continue;
            }
            // The next RUN of the sequence that uses this manager.
            let next = runs[ri + 1..].iter().find_map(|r| {
                let o: Vec<_> = package_ops(r)
                    .into_iter()
                    .filter(|(p, _, _)| *p == pm)
                    .collect();
                let first_is_update = o.first()?.1;
                Some((r, o, first_is_update))
            });
            let Some((later, later_ops, starts_with_update)) = next else {
                continue;
            };
            if starts_with_update {
                // The later RUN refreshes the index itself.
                continue;
            }
            let Some(install) = later_ops.iter().find(|(_, u, _)| !*u) else {
                continue;
            };
            if install_refreshes(&install.2) {
                continue;
            }
            let upd = m.quote(update.2.cmd.span, 80);
            let ins_short = m.quote(install.2.cmd.span, 60);
            let advice = if pm == Family::Apk {
                "Drop the update and install with `apk add --no-cache`, which fetches a fresh index itself and keeps none in the layer".to_string()
            } else {
                format!("Run `{} && {ins_short}` in one RUN", update_command(pm))
            };
            let msg = format!(
                "`{upd}` runs in its own RUN, but the install is in a later RUN (line {}): Docker caches the update layer, so later builds reuse an old package index and install outdated packages or fail with 404s. {advice}",
                later.start_line,
            );
            let related_span = install.2.cmd.span;
            let fix = merge_fix(m, run, later, update.2.cmd, &install.2, pm);
            let d = cx.report(update.2.cmd.span, msg);
            d.related.push(crate::diagnostic::Related {
                span: related_span,
                message: "installs from the cached index here".into(),
            });
            d.fix = fix;
        }
    }
}

/// Commands that may share the update RUN without stopping the merge.
fn harmless(c: &ShellCommand) -> bool {
    matches!(c.program(), Some("set") | Some("true") | Some(":"))
}

/// Folds the update into the install RUN: deletes the update-only RUN and
/// writes `<update> && ` before the install (plus the apt lists cleanup).
/// Safe when nothing but comments separates the two RUNs.
///
/// For apk, where `apk add --no-cache` fetches a fresh index itself and
/// keeps none in the layer, a plain `apk update` RUN is deleted and the
/// install gets `--no-cache` instead (the Alpine idiom).
fn merge_fix(
    m: &Model,
    update_run: &Instruction,
    install_run: &Instruction,
    update: &ShellCommand,
    install_pkg: &PackageCommand,
    pm: Family,
) -> Option<Fix> {
    let install = install_pkg.cmd;
    let urun = update_run.run()?;
    let irun = install_run.run()?;
    // A trigger's RUN is deleted with its ONBUILD line: not done here.
    if urun.exec || irun.exec || update_run.is_trigger || install_run.is_trigger {
        return None;
    }
    // The update RUN must hold only the update (and `set -e`-like lines).
    if urun
        .commands()
        .any(|c| c.span != update.span && !harmless(c))
        || update.nested
    {
        return None;
    }
    if urun.commands().any(|c| c.nested) {
        return None;
    }
    // The install must be a top-level command of the inline script or of a
    // heredoc run by the shell, not inside if/(...)/$(...).
    if install.nested {
        return None;
    }
    let script = irun
        .scripts
        .iter()
        .find(|s| s.commands.iter().any(|c| c.span == install.span))?;
    let update_text = m.text(update.span).to_string();
    if update_text.contains('\n') {
        return None;
    }
    // The stage's instruction indices are sorted.
    let of_stage = &m.stages[update_run.stage?].instructions;
    let between = of_stage
        .partition_point(|&i| i < install_run.index)
        .saturating_sub(of_stage.partition_point(|&i| i <= update_run.index));
    let fix = |title: String, edits| {
        if between == 0 {
            Fix::safe(title, edits)
        } else {
            Fix::unsafe_(title, edits)
        }
    };
    let plain_apk_update = pm == Family::Apk
        && update.argv.len() == 2
        && update.program() == Some("apk")
        && update.argv[1].text() == "update";
    if plain_apk_update && install_pkg.op == Op::Install {
        let mut edits = vec![delete_instruction(m, update_run)];
        if !install_pkg.has(&["no-cache"], &[]) {
            let w = install_pkg.subcommand_word()?;
            edits.push(Edit::insert(w.span.end, " --no-cache".to_string()));
        }
        return Some(fix(
            format!(
                "Delete `apk update` and install with `apk add --no-cache` (line {}), which fetches a fresh index and keeps none in the layer",
                install_run.start_line
            ),
            edits,
        ));
    }
    let mut edits = vec![delete_instruction(m, update_run)];
    let sep = " && ";
    edits.push(Edit {
        span: Span::new(install.span.start, install.span.start),
        text: format!("{update_text}{sep}"),
    });
    if pm == Family::Apt {
        let cleans = irun.commands().any(|c| {
            c.argv
                .iter()
                .any(|w| w.text().contains("/var/lib/apt/lists"))
        });
        let cached = irun.mounts.iter().any(|mnt| {
            mnt.kind() == "cache"
                && mnt
                    .get("target")
                    .is_some_and(|t| t.contains("/var/lib/apt"))
        });
        if !cleans && !cached {
            // After the last top-level command of the same script.
            let end = script
                .commands
                .iter()
                .filter(|c| !c.nested)
                .map(|c| c.span.end)
                .max()?;
            edits.push(Edit {
                span: Span::new(end, end),
                text: " && rm -rf /var/lib/apt/lists/*".into(),
            });
        }
    }
    let title = format!(
        "Move `{update_text}` into the install RUN (line {})",
        install_run.start_line
    );
    Some(fix(title, edits))
}
