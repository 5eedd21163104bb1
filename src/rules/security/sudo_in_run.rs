//! `sudo-in-run`: a RUN command run through `sudo`.
use crate::diagnostic::Severity;
use crate::model::{basename, ShellWord};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D402",
    name: "sudo-in-run",
    category: Category::Security,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3004"],
    summary: "A RUN command uses sudo; switch users with USER instead",
    default_enabled: true,
};

/// Whether `sudo`'s options run the command as another user than root
/// (`sudo -u app make`): a root build step dropping privileges, not gaining
/// them.
fn drops_privileges(args: &[ShellWord]) -> bool {
    let mut it = args.iter().map(|w| w.text());
    while let Some(a) = it.next() {
        if !a.starts_with('-') || a == "--" {
            return false;
        }
        let user = if a == "-u" || a == "--user" {
            it.next()
        } else if let Some(u) = a.strip_prefix("--user=") {
            Some(u)
        } else if let Some(u) = a.strip_prefix("-u").filter(|u| !u.is_empty()) {
            Some(u)
        } else {
            continue;
        };
        return user.is_some_and(|u| !matches!(u, "root" | "0" | "#0"));
    }
    false
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // `ONBUILD RUN` triggers too: they run in every build FROM this image.
    for inst in cx.unit().runs() {
        if !inst.mentions(&["sudo"]) {
            continue;
        }
        let Some(run) = inst.run() else { continue };
        for c in run.commands() {
            let Some(first) = c.argv.first() else {
                continue;
            };
            if basename(first.text()) != "sudo" {
                continue;
            }
            if drops_privileges(&c.argv[1..]) {
                continue;
            }
            let rest = c.program_args();
            let what = match rest.first() {
                Some(w) => format!("`sudo {}`", w.text()),
                None => "`sudo`".to_string(),
            };
            // Who the RUN runs as: the stage's last USER before it, else
            // the base image's user.
            let user = inst.stage.filter(|_| !inst.is_trigger).and_then(|si| {
                m.stages[si]
                    .users
                    .iter()
                    .rfind(|(idx, _, _)| *idx < inst.index)
                    .map(|(_, raw, _)| raw.clone())
            });
            let runs_as = match user {
                Some(u) => format!("RUN already runs as `{u}` (the USER set above)"),
                None if inst.is_trigger => {
                    "ONBUILD RUN runs as the user of the build FROM this image".to_string()
                }
                None => "RUN runs as the base image's user (root, unless the image sets another)"
                    .to_string(),
            };
            let msg = format!(
                "{what}: {runs_as}, and sudo in a build may prompt for a password, reset the environment or be missing. Run the step as root with `USER root` before this RUN and switch back with `USER <user>` after it"
            );
            cx.report(first.span, msg);
        }
    }
}
