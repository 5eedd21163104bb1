//! `zypper-dist-upgrade`: `zypper dist-upgrade` in a build.
use crate::diagnostic::Severity;
use crate::model::package::{self, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D611",
    name: "zypper-dist-upgrade",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3035"],
    summary: "`zypper dist-upgrade` in a build upgrades the base image's distribution",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    for inst in cx.unit().runs() {
        if !inst.mentions_program(&["zypper"]) {
            continue;
        }
        for (_, p) in package::commands(inst) {
            if p.tool != Tool::Zypper || !matches!(p.subcommand(), Some("dist-upgrade" | "dup")) {
                continue;
            }
            let msg = format!(
                "`{}` upgrades the whole distribution inside the build: the image no longer matches its base image's release, and what it contains depends on the day it was built. Use a newer base image, or `zypper update` / `zypper patch` for fixes within the release",
                p.display()
            );
            cx.report(p.head_span(), msg);
        }
    }
}
