//! `wget-without-progress`: `wget` without `--progress`, `-q` or `-nv`
//! writes a progress line for every few kilobytes to the build log.
use crate::diagnostic::{Fix, Severity};
use crate::edit::Edit;
use crate::model::ShellCommand;
use crate::rules::shell::{commands, run_sites, stage_image_shell, ImageShell, Installs};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D703",
    name: "wget-without-progress",
    category: Category::Shell,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3047"],
    summary: "`wget` without `--progress`, `-q` or `-nv` fills the build log with progress dots",
    default_enabled: true,
};

/// GNU wget's short options that take a value (the rest of the group, or
/// the next word).
const SHORT_WITH_VALUE: &str = "OoaeiBtTwQPUlARDIXY";

/// Whether wget's options already keep the log short: `--progress=…`,
/// `-q`/`--quiet`, `-nv`/`--no-verbose`, or a log file (`-o`, `-a`,
/// `--output-file`, `--append-output`).
fn quiet(c: &ShellCommand) -> bool {
    let mut args = c.args().iter().map(|w| w.text());
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or("");
            if matches!(
                name,
                "progress" | "quiet" | "no-verbose" | "output-file" | "append-output"
            ) {
                return true;
            }
            continue;
        }
        let Some(group) = a.strip_prefix('-') else {
            continue;
        };
        let mut chars = group.chars();
        while let Some(ch) = chars.next() {
            match ch {
                'q' | 'o' | 'a' => return true,
                // `-nv` is --no-verbose; `-nc`, `-nd`, `-nH` are other `-n`s.
                'n' if chars.next() == Some('v') => return true,
                'n' => {}
                c if SHORT_WITH_VALUE.contains(c) => {
                    if chars.as_str().is_empty() {
                        args.next();
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    false
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    struct Wget(Installs);
    let mut wget: Option<std::rc::Rc<Wget>> = None;
    for site in run_sites(cx.unit().instructions()) {
        let run = site.run;
        if !super::mentions_command(run, &["wget"]) {
            continue;
        }
        let wget = &wget
            .get_or_insert_with(|| cx.once(|m| Wget(Installs::of(m, "wget"))))
            .0;
        for c in commands(run) {
            if c.program() != Some("wget") || quiet(c) {
                continue;
            }
            let Some(word) = c.program_args().first() else {
                continue;
            };
            // GNU wget has --progress; BusyBox wget (Alpine's default) rejects it.
            let image = site.holder.stage.map(|st| stage_image_shell(m, st));
            let installed = site
                .holder
                .stage
                .is_some_and(|st| wget.before(st, site.holder.index));
            let gnu = image == Some(ImageShell::Bash) || installed;
            let busybox =
                matches!(image, Some(ImageShell::Ash | ImageShell::Minimal)) && !installed;
            let msg = if busybox {
                "`wget` without `-q` prints its progress meter to the build log for every download. BusyBox wget (the one Alpine and BusyBox images have) knows no `--progress`: add `-q` to print only errors"
            } else {
                "`wget` without `--progress` prints progress dots every few kilobytes (a build log is no terminal), so large downloads bury the log. Add `--progress=dot:giga`, or `-q` / `-nv` (`--no-verbose`) to print only errors"
            };
            let fix = (gnu && !site.is_trigger()).then(|| {
                Fix::safe(
                    "Add `--progress=dot:giga` (a line per 32 MB)",
                    vec![Edit::insert(word.span.end, " --progress=dot:giga")],
                )
            });
            let d = cx.report(word.span, msg);
            d.fix = fix;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn is_quiet(script: &str) -> bool {
        let m = Model::build(&format!("FROM a:1\nRUN {script}\n"));
        let run = m.instructions[1].run().unwrap();
        let c = run.commands().next().unwrap();
        quiet(c)
    }

    #[test]
    fn quiet_options() {
        for q in [
            "wget -q x",
            "wget -qO- x",
            "wget -nv x",
            "wget --no-verbose x",
            "wget --progress=bar:force x",
            "wget --progress dot x",
            "wget -o /log x",
            "wget -a /log x",
            "wget --output-file=/log x",
            "wget --quiet -O x y",
        ] {
            assert!(is_quiet(q), "{q}");
        }
        for loud in [
            "wget x",
            "wget -O /tmp/qa.tgz x",
            "wget -Oqa.tgz x",
            "wget -nc x",
            "wget --output-document=- x",
            "wget -c --tries=3 x",
            "wget -- -q",
        ] {
            assert!(!is_quiet(loud), "{loud}");
        }
    }
}
