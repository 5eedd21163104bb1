//! `apt-install-recommends`: `apt-get install` without
//! `--no-install-recommends` also installs every package the named ones
//! recommend.
use crate::diagnostic::Severity;
use crate::model::package::{self, Family, PackageCommand, Tool};
use crate::rules::cache::insert_flag_fix;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D610",
    name: "apt-install-recommends",
    category: Category::Package,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3015"],
    summary:
        "`apt-get install` without `--no-install-recommends` installs the recommended packages too",
    default_enabled: true,
};

fn falsy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'', ';', ' '])
            .to_ascii_lowercase()
            .as_str(),
        "false" | "0" | "no" | "off"
    )
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// Whether `setting` (`APT::Install-Recommends=false`) turns recommends off.
fn setting_off(setting: &str) -> bool {
    setting
        .split_once('=')
        .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case("APT::Install-Recommends") && falsy(v))
}

/// Whether the command leaves the recommended packages out.
fn without_recommends(p: &PackageCommand) -> bool {
    p.opts.iter().any(|o| match (o.long, o.name, o.value) {
        (true, "no-install-recommends", None) => true,
        (true, "no-install-recommends", Some(v)) => truthy(v),
        (true, "install-recommends", Some(v)) => falsy(v),
        (true, "without-recommends", _) => p.tool == Tool::Aptitude,
        (false, "R", None) => p.tool == Tool::Aptitude,
        (true, "option", Some(v)) | (false, "o", Some(v)) => setting_off(v),
        _ => false,
    })
}

/// Whether the Dockerfile writes an apt configuration that turns
/// recommends off: `APT::Install-Recommends "false";` (or "0") in
/// /etc/apt/apt.conf.d, quotes removed, any case. A file-wide fact of the
/// registry's `FILE_FACTS`: the rule runs per stage.
pub fn configured(m: &crate::model::Model) -> bool {
    ["false", "0", "no", "off"].iter().any(|v| {
        crate::text::contains_folded(&m.source, &format!("apt::install-recommends {v}"), b"\"'")
    })
}

pub fn check(cx: &mut Checker) {
    // An apt configuration the Dockerfile writes: `APT::Install-Recommends
    // "false";` (or "0") in /etc/apt/apt.conf.d.
    struct Configured(bool);
    if cx.once(|m| Configured(configured(m))).0 {
        return;
    }
    for inst in cx.unit().runs() {
        if !inst.mentions_program(&["apt-get", "apt", "aptitude"]) {
            continue;
        }
        for (_, p) in package::commands(inst) {
            if p.tool.family() != Family::Apt
                || p.subcommand() != Some("install")
                || without_recommends(&p)
            {
                continue;
            }
            let msg = format!(
                "`{}` without `--no-install-recommends`: apt also installs every package the named ones recommend, often tens of megabytes the image does not need. Add `--no-install-recommends` (and name any recommended package you do need)",
                p.display()
            );
            let fix = insert_flag_fix(inst, &p, "--no-install-recommends", false);
            cx.report(p.head_span(), msg).fix = fix;
        }
    }
}
