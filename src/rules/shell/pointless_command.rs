//! `pointless-command`: commands that make no sense in an image build
//! (`ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`,
//! `mount`).
use crate::diagnostic::Severity;
use crate::rules::shell::{commands, run_sites};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D706",
    name: "pointless-command",
    category: Category::Shell,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3001"],
    summary: "A RUN uses a command that makes no sense in a build (`ssh`, `vim`, `service`, `top`, `kill`, …)",
    default_enabled: true,
};

/// (command, why it does nothing useful in a build step).
const POINTLESS: &[(&str, &str)] = &[
    ("free", "shows the memory of the build container, which is gone after the step"),
    ("kill", "can only reach processes of this one RUN, which all end with it anyway"),
    ("mount", "mounts vanish with the build step (use `RUN --mount=…`)"),
    ("ps", "shows only the processes of this build step"),
    ("service", "starts a daemon that is killed when the step ends; nothing runs in the image until the container starts"),
    ("shutdown", "cannot shut anything down: a build step has no init system"),
    ("ssh", "needs a key and an interactive session a build does not have (use `RUN --mount=type=ssh` for git over SSH)"),
    ("top", "is interactive and never ends without a terminal"),
    ("vim", "is an interactive editor: a build has no terminal (use `sed`, or COPY the edited file)"),
];

pub fn check(cx: &mut Checker) {
    for site in run_sites(cx.unit().instructions()) {
        let run = site.run;
        if !super::mentions_command(
            run,
            &[
                "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
            ],
        ) {
            continue;
        }
        let ssh_mount = run.mounts.iter().any(|mo| mo.kind() == "ssh");
        for c in commands(run) {
            let Some(p) = c.program() else { continue };
            let Some((name, why)) = POINTLESS.iter().find(|(n, _)| *n == p) else {
                continue;
            };
            if *name == "ssh" && ssh_mount {
                continue;
            }
            let Some(word) = c.program_args().first() else {
                continue;
            };
            let msg = format!(
                "`{name}` in a RUN {why}. Do it when the container runs (CMD, ENTRYPOINT, an entrypoint script), or drop it"
            );
            cx.report(word.span, msg);
        }
    }
}
