//! `relink-bin-sh`: `ln -s … /bin/sh` swaps the image's `/bin/sh` to change
//! the shell RUN uses; SHELL does that without touching the image.
use crate::diagnostic::Severity;
use crate::rules::shell::{commands, run_sites};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D707",
    name: "relink-bin-sh",
    category: Category::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL4005"],
    summary: "A RUN replaces `/bin/sh` with a link (`ln -sf /bin/bash /bin/sh`); use SHELL to change the shell",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    for site in run_sites(cx.unit().instructions()) {
        let run = site.run;
        if !run.mentions(&["/bin/sh"]) || !super::mentions_command(run, &["ln"]) {
            continue;
        }
        for c in commands(run) {
            if c.program() != Some("ln") {
                continue;
            }
            // The link name is the last operand (`ln -sf TARGET /bin/sh`).
            let Some(dest) = c.args().iter().rev().find(|w| !w.text().starts_with('-')) else {
                continue;
            };
            if !matches!(dest.text(), "/bin/sh" | "/usr/bin/sh") {
                continue;
            }
            let msg = "This RUN replaces `/bin/sh` to change the shell later RUNs use: every program and script of the image that runs `/bin/sh` now gets that shell too. Use `SHELL [\"/bin/bash\", \"-c\"]` to choose the shell of RUN instructions";
            cx.report(dest.span, msg);
        }
    }
}
