//! `split-apt-layers`: `apt-get update` (or apk/dnf/yum/zypper's index
//! refresh) in a RUN of its own, with the install in a later RUN. The update
//! layer is cached, so later builds install from an old index or fail.
use super::PackageManager;
use crate::diagnostic::Severity;
use crate::model::{Instruction, Kind, ShellCommand};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D301",
    name: "split-apt-layers",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "A package index update runs in its own RUN, apart from the install that needs it",
    default_enabled: true,
};

/// The package operations of a RUN, in order.
pub fn package_ops(inst: &Instruction) -> Vec<(PackageManager, bool, &ShellCommand)> {
    let mut out = Vec::new();
    let Some(run) = &inst.run else { return out };
    for c in run.commands() {
        if let Some(pm) = PackageManager::of(c) {
            if pm.is_update(c) {
                out.push((pm, true, c));
            } else if pm.is_install(c) {
                out.push((pm, false, c));
            }
        }
    }
    out
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for st in &m.stages {
        let runs: Vec<&Instruction> = m
            .stage_instructions(st.index)
            .filter(|i| i.kind == Kind::Run)
            .collect();
        for (ri, run) in runs.iter().enumerate() {
            let ops = package_ops(run);
            for pm in [
                PackageManager::Apt,
                PackageManager::Apk,
                PackageManager::Dnf,
                PackageManager::Zypper,
            ] {
                let Some(update) = ops.iter().find(|(p, u, _)| *p == pm && *u) else {
                    continue;
                };
                if ops.iter().any(|(p, u, _)| *p == pm && !*u) {
                    continue;
                }
                // The next RUN of the stage that uses this manager.
                let next = runs[ri + 1..].iter().find_map(|r| {
                    let o = package_ops(r);
                    let first = o.iter().find(|(p, _, _)| *p == pm)?;
                    Some((r, o.clone().into_iter().filter(|(p, _, _)| *p == pm).collect::<Vec<_>>(), first.1))
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
                if pm.install_refreshes(install.2) {
                    continue;
                }
                let upd = m.text(update.2.span).to_string();
                let ins = m.text(install.2.span);
                let ins_short: String = ins.chars().take(60).collect();
                let ellipsis = if ins.chars().count() > 60 { "…" } else { "" };
                let msg = format!(
                    "`{upd}` runs in its own RUN, but the install is in a later RUN (line {}): Docker caches the update layer, so later builds reuse an old package index and install outdated packages or fail with 404s. Run `{} && {ins_short}{ellipsis}` in one RUN",
                    later.start_line,
                    pm.update_command(),
                );
                let related_span = install.2.span;
                cx.report(update.2.span, msg).related.push(crate::diagnostic::Related {
                    span: related_span,
                    message: "installs from the cached index here".into(),
                });
            }
        }
    }
}
