//! `apk-cache-kept`: `apk add` without `--no-cache` in a RUN that ends up in
//! the image: the package index apk downloads stays in /var/cache/apk.
use super::{all_commands, indexed_commands, insert_flag_fix, shipped_runs};
use crate::diagnostic::Severity;
use crate::model::package::{self, Op, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D305",
    name: "apk-cache-kept",
    category: Category::Cache,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3019"],
    summary: "`apk add` without `--no-cache` in the final image leaves the package index in /var/cache/apk",
    default_enabled: true,
};

const CACHE: &str = "/var/cache/apk";

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in shipped_runs(m, cx.target) {
        if !inst.mentions_program(&["apk"])
            || package::cache_mounted(inst, CACHE)
            || package::cache_mounted(inst, "/etc/apk/cache")
        {
            continue;
        }
        let cmds = indexed_commands(inst);
        let all = all_commands(inst);
        let updates = cmds
            .iter()
            .any(|(_, _, p)| p.tool == Tool::Apk && p.op == Op::UpdateIndex);
        for (at, _, p) in &cmds {
            // `--no-network` downloads nothing (it marks installed packages).
            if p.tool != Tool::Apk || p.op != Op::Install || p.has(&["no-cache", "no-network"], &[])
            {
                continue;
            }
            // The RUN removes the cache after the install.
            if all
                .iter()
                .any(|(i, c)| i > at && package::removes(c, CACHE))
            {
                continue;
            }
            let msg = format!(
                "`{}` without `--no-cache` in the final image: the package index apk downloads (2-3 MB per repository) stays in {CACHE} in the layer. Use `apk add --no-cache`, which needs no `apk update` either",
                p.display()
            );
            // After an `apk update` the index is on disk already: `--no-cache`
            // on the install would not remove it.
            let fix = if updates {
                None
            } else {
                insert_flag_fix(inst, p, "--no-cache", true)
            };
            cx.report(p.head_span(), msg).fix = fix;
        }
    }
}
