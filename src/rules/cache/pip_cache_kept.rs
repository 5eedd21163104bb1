//! `pip-cache-kept`: `pip install` without `--no-cache-dir` in a RUN that
//! ends up in the image: pip's cache of every downloaded and built wheel
//! stays in the layer.
use super::{indexed_commands, insert_flag_fix, shipped_runs};
use crate::diagnostic::Severity;
use crate::model::package::{self, Op, PackageCommand, Tool, VarValue};
use crate::model::{Instruction, Model, Script};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D306",
    name: "pip-cache-kept",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3042"],
    summary:
        "`pip install` without `--no-cache-dir` in the final image leaves pip's cache in the layer",
    default_enabled: true,
};

const VAR: &str = "PIP_NO_CACHE_DIR";

fn truthy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// Whether `PIP_NO_CACHE_DIR` is on for the command: set on the command
/// itself, earlier in the script, or by ENV.
fn no_cache_env(m: &Model, inst: &Instruction, script: &Script, p: &PackageCommand) -> bool {
    if let Some(a) = p
        .cmd
        .assignments
        .iter()
        .rev()
        .find_map(|w| w.text().strip_prefix("PIP_NO_CACHE_DIR="))
    {
        return truthy(a);
    }
    // `env PIP_NO_CACHE_DIR=1 pip install …`
    if let Some(a) = p
        .cmd
        .argv
        .iter()
        .take_while(|w| !std::ptr::eq(*w, p.tool_word))
        .filter_map(|w| w.text().strip_prefix("PIP_NO_CACHE_DIR="))
        .last()
    {
        return truthy(a);
    }
    if let Some(v) = package::script_variable(m, inst, script, p.cmd, VAR) {
        return matches!(v, VarValue::Known(v) if truthy(&v));
    }
    matches!(package::variable(m, inst, VAR), VarValue::Known(v) if truthy(&v))
}

/// Where pip keeps its cache for the command.
fn cache_mounted(inst: &Instruction, p: &PackageCommand) -> bool {
    if let Some(dir) = p.value(&["cache-dir"], &[]) {
        return dir == "/dev/null" || package::cache_mounted(inst, dir);
    }
    ["/root/.cache/pip", "/home/app/.cache/pip"]
        .iter()
        .any(|d| package::cache_mounted(inst, d))
        || inst.mounts.iter().any(|mnt| {
            matches!(mnt.kind(), "cache" | "tmpfs")
                && mnt
                    .get("target")
                    .or_else(|| mnt.get("dst"))
                    .is_some_and(|t| t.trim_end_matches('/').ends_with("/.cache/pip"))
        })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // pip configured in the Dockerfile (`pip config set global.no-cache-dir
    // true`, a pip.conf with `no-cache-dir = true`).
    let configured = ["global.no-cache-dir", "no-cache-dir = "]
        .iter()
        .any(|n| crate::text::contains_folded(&m.source, n, b""));
    if configured {
        return;
    }
    for inst in shipped_runs(m, cx.target) {
        if !inst.mentions(&["pip"]) {
            continue;
        }
        for (_, script, p) in indexed_commands(inst) {
            if p.tool != Tool::Pip
                || p.op != Op::Install
                // pip takes any unambiguous prefix of a long option.
                || p.has(&["no-cache-dir", "no-cache-di", "no-cache-d", "no-cache"], &[])
                || no_cache_env(m, inst, script, &p)
                || cache_mounted(inst, &p)
            {
                continue;
            }
            let msg = format!(
                "`{}` without `--no-cache-dir` in the final image: pip keeps a copy of every wheel it downloads or builds in ~/.cache/pip, and it stays in the layer. Add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`, or mount a cache at /root/.cache/pip)",
                p.display()
            );
            let fix = insert_flag_fix(inst, &p, "--no-cache-dir", true);
            cx.report(p.head_span(), msg).fix = fix;
        }
    }
}
