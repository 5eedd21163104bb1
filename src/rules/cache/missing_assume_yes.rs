//! `missing-assume-yes`: a package install that can stop at a confirmation
//! prompt (`apt-get install` without `-y`, and the same for yum, dnf and
//! zypper; microdnf always answers yes).
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::package::{self, Family, PackageCommand, Tool};
use crate::model::{basename, Joiner};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D303",
    name: "missing-assume-yes",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3014", "DL3030", "DL3034", "DL3038"],
    summary: "A package install can stop at a confirmation prompt: it has no -y",
    default_enabled: true,
};

fn truthy_setting(s: &str, key: &str) -> bool {
    let l = s.to_ascii_lowercase().replace(' ', "");
    l.split_once(&format!("{key}=")).is_some_and(|(_, v)| {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        ["1", "true", "yes", "on"].iter().any(|t| v.starts_with(t))
    })
}

/// Whether the command answers the prompt itself.
fn assumes_yes(p: &PackageCommand) -> bool {
    match p.tool.family() {
        Family::Apt => {
            let mut quiet = 0;
            for o in &p.opts {
                match (o.long, o.name, o.value) {
                    (true, "yes" | "assume-yes", None) => return true,
                    (true, "yes" | "assume-yes", Some(v)) => {
                        return truthy_setting(&format!("x={v}"), "x")
                    }
                    (true, "quiet", None) => quiet += 1,
                    (true, "quiet", Some(n)) | (false, "q", Some(n)) => {
                        quiet += n.parse::<u32>().unwrap_or(0)
                    }
                    (false, "q", None) => quiet += 1,
                    (false, "y", _) => return true,
                    (true, "option", Some(v)) | (false, "o", Some(v))
                        if truthy_setting(v, "apt::get::assume-yes") =>
                    {
                        return true;
                    }
                    _ => {}
                }
            }
            quiet >= 2
        }
        Family::Rpm => {
            p.has(&["assumeyes"], &['y'])
                || p.find_opts(&["setopt"], &[])
                    .any(|o| o.value.is_some_and(|v| truthy_setting(v, "assumeyes")))
        }
        Family::Zypper => p.has(&["non-interactive", "no-confirm", "noconfirm"], &['n', 'y']),
        _ => true,
    }
}

/// Whether the subcommand installs and can ask for confirmation.
fn prompts(p: &PackageCommand) -> bool {
    let Some(sub) = p.subcommand() else {
        return false;
    };
    match p.tool.family() {
        Family::Apt => sub == "install",
        Family::Rpm => matches!(sub, "install" | "groupinstall" | "localinstall"),
        Family::Zypper => matches!(sub, "install" | "in"),
        _ => false,
    }
}

/// Options that make apt only pretend.
fn simulates(p: &PackageCommand) -> bool {
    p.tool.family() == Family::Apt
        && p.has(
            &["simulate", "just-print", "dry-run", "recon", "no-act"],
            &['s'],
        )
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // An apt or yum/dnf configuration written in the Dockerfile that answers
    // yes for every command (`APT::Get::Assume-Yes "true";` in apt.conf.d,
    // `assumeyes=1` in dnf.conf), not an option of one command.
    // Read only for files that have an install to report.
    let configured = std::cell::OnceCell::new();
    let configured = || {
        *configured.get_or_init(|| {
            let plain = m.source.to_ascii_lowercase().replace(['"', '\''], "");
            let apt = ["true", "1", "yes", "on"]
                .iter()
                .any(|v| plain.contains(&format!("apt::get::assume-yes {v}")));
            let dnf = truthy_setting(&plain.replace("setopt=assumeyes", "setopt="), "assumeyes");
            (apt, dnf)
        })
    };
    for inst in m.runs() {
        if !inst.mentions(&["apt", "dnf", "yum", "zypper"]) {
            continue;
        }
        let Some(run) = inst.run() else { continue };
        for c in run.commands() {
            let Some(p) = package::parse(c) else {
                continue;
            };
            let family = p.tool.family();
            if !matches!(family, Family::Apt | Family::Rpm | Family::Zypper)
                || !prompts(&p)
                || assumes_yes(&p)
                || simulates(&p)
                || c.joined_by == Some(Joiner::Pipe)
                || (family == Family::Apt && configured().0)
                || (family == Family::Rpm && configured().1)
            {
                continue;
            }
            if p.tool == Tool::Microdnf {
                // microdnf always answers yes (its -y does nothing).
                continue;
            }
            let program = basename(p.tool_word.text());
            let sub = p.subcommand().unwrap_or_default();
            let (flag, after) = match family {
                Family::Zypper => ("-n", Some(p.tool_word)),
                _ => ("-y", p.subcommand_word()),
            };
            let why = match p.tool {
                Tool::AptGet | Tool::Apt => "when the install pulls in other packages, apt asks for confirmation, and without a terminal the answer is no: the build fails",
                _ => "it asks for confirmation, and without a terminal the answer is no: the build fails",
            };
            // zypper's `-n` (--non-interactive) is a global option: it goes
            // before the subcommand, where the fix puts it.
            let (advice, title) = match family {
                Family::Zypper => (
                    format!("Write `{program} -n {sub}` (`-n` is a global option, before the subcommand)"),
                    format!("Write `{program} -n {sub}`"),
                ),
                _ => (
                    format!("Add `{flag}`"),
                    format!("Add `{flag}` to `{program} {sub}`"),
                ),
            };
            let msg = format!("`{program} {sub}` without `{flag}`: {why}. {advice}");
            let fix = after.filter(|_| !run.exec).map(|w| {
                Fix::safe(
                    title,
                    vec![Edit {
                        span: Span::new(w.span.end, w.span.end),
                        text: format!(" {flag}"),
                    }],
                )
            });
            let d = cx.report(p.head_span(), msg);
            d.fix = fix;
        }
    }
}
