//! `missing-assume-yes`: a package install that can stop at a confirmation
//! prompt (`apt-get install` without `-y`, and the same for yum, dnf and
//! zypper; microdnf always answers yes).
use super::PackageManager;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Joiner, Kind, ShellCommand, ShellWord};
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

/// Short option letters that take a value (the rest of the cluster or the
/// next word), per manager.
fn short_value_letters(pm: PackageManager) -> &'static [char] {
    match pm {
        PackageManager::Apt => &['o', 'c', 't'],
        PackageManager::Dnf => &['c', 'x', 'd', 'e', 'R'],
        PackageManager::Zypper => &['R', 'D', 'C', 'r', 'c', 'p'],
        PackageManager::Apk => &[],
    }
}

/// The options before `--` as (option, value of `-o`/`--option`/
/// `--setopt` when it is the next word).
fn options(pm: PackageManager, args: &[ShellWord]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut it = args.iter().map(|w| w.text());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if !a.starts_with('-') || a == "-" {
            continue;
        }
        let takes_next = matches!(a, "-o" | "--option" | "--setopt")
            || (!a.starts_with("--")
                && a.len() == 2
                && short_value_letters(pm).contains(&a.chars().nth(1).unwrap_or(' ')));
        let value = if takes_next {
            it.next().map(str::to_string)
        } else {
            None
        };
        out.push((a.to_string(), value));
    }
    out
}

/// Whether a short-option cluster (`-qy`) holds `letter` before any
/// value-taking letter.
fn cluster_has(pm: PackageManager, opt: &str, letter: char) -> bool {
    if opt.starts_with("--") || !opt.starts_with('-') {
        return false;
    }
    for c in opt[1..].chars() {
        if c == letter {
            return true;
        }
        if short_value_letters(pm).contains(&c) || c == '=' {
            return false;
        }
    }
    false
}

fn truthy_setting(s: &str, key: &str) -> bool {
    let l = s.to_ascii_lowercase().replace(' ', "");
    l.split_once(&format!("{key}=")).is_some_and(|(_, v)| {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        ["1", "true", "yes", "on"].iter().any(|t| v.starts_with(t))
    })
}

/// Whether the command answers the prompt itself.
fn assumes_yes(pm: PackageManager, cmd: &ShellCommand) -> bool {
    let opts = options(pm, cmd.args());
    match pm {
        PackageManager::Apt => {
            let mut quiet = 0;
            for (o, v) in &opts {
                match o.as_str() {
                    "--yes" | "--assume-yes" => return true,
                    "--quiet" => quiet += 1,
                    _ => {}
                }
                if let Some(n) = o
                    .strip_prefix("--quiet=")
                    .or_else(|| o.strip_prefix("-q="))
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    quiet += n;
                    continue;
                }
                if let Some(("--yes" | "--assume-yes", _)) = o.split_once('=') {
                    return truthy_setting(&o[2..], o[2..].split('=').next().unwrap_or(""));
                }
                let setting = v.as_deref().or_else(|| {
                    o.strip_prefix("--option=")
                        .or_else(|| o.strip_prefix("-o").filter(|r| !r.is_empty()))
                });
                if let Some(s) = setting {
                    if truthy_setting(s, "apt::get::assume-yes") {
                        return true;
                    }
                    continue;
                }
                if cluster_has(pm, o, 'y') {
                    return true;
                }
                if !o.starts_with("--") {
                    quiet += o[1..]
                        .chars()
                        .take_while(|c| !short_value_letters(pm).contains(c))
                        .filter(|&c| c == 'q')
                        .count() as u32;
                }
            }
            quiet >= 2
        }
        PackageManager::Dnf => opts.iter().any(|(o, v)| {
            o == "--assumeyes"
                || cluster_has(pm, o, 'y')
                || o.strip_prefix("--setopt=")
                    .or(v.as_deref().filter(|_| o == "--setopt"))
                    .is_some_and(|s| truthy_setting(s, "assumeyes"))
        }),
        PackageManager::Zypper => opts.iter().any(|(o, _)| {
            matches!(
                o.as_str(),
                "--non-interactive" | "--no-confirm" | "--noconfirm"
            ) || cluster_has(pm, o, 'n')
                || cluster_has(pm, o, 'y')
        }),
        PackageManager::Apk => true,
    }
}

/// Whether the subcommand installs and can ask for confirmation.
fn prompts(pm: PackageManager, cmd: &ShellCommand) -> bool {
    let Some(sub) = pm.subcommand(cmd) else {
        return false;
    };
    match pm {
        PackageManager::Apt => sub == "install",
        PackageManager::Dnf => matches!(sub, "install" | "groupinstall" | "localinstall"),
        PackageManager::Zypper => matches!(sub, "install" | "in"),
        PackageManager::Apk => false,
    }
}

/// Options that make apt only pretend.
fn simulates(pm: PackageManager, cmd: &ShellCommand) -> bool {
    pm == PackageManager::Apt
        && cmd.args().iter().any(|w| {
            matches!(
                w.text(),
                "-s" | "--simulate" | "--just-print" | "--dry-run" | "--recon" | "--no-act"
            )
        })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // An apt or yum/dnf configuration written in the Dockerfile that answers
    // yes for every command (`APT::Get::Assume-Yes "true";` in apt.conf.d,
    // `assumeyes=1` in dnf.conf), not an option of one command.
    let plain = m.source.to_ascii_lowercase().replace(['"', '\''], "");
    let apt_configured = ["true", "1", "yes", "on"]
        .iter()
        .any(|v| plain.contains(&format!("apt::get::assume-yes {v}")));
    let dnf_configured = truthy_setting(&plain.replace("setopt=assumeyes", "setopt="), "assumeyes");
    for inst in &m.instructions {
        if inst.kind != Kind::Run || !inst.mentions(&["apt", "dnf", "yum", "zypper"]) {
            continue;
        }
        let Some(run) = inst.run() else { continue };
        for c in run.commands() {
            let Some(pm) = PackageManager::of(c) else {
                continue;
            };
            if pm == PackageManager::Apk
                || !prompts(pm, c)
                || assumes_yes(pm, c)
                || simulates(pm, c)
                || c.joined_by == Some(Joiner::Pipe)
                || (pm == PackageManager::Apt && apt_configured)
                || (pm == PackageManager::Dnf && dnf_configured)
            {
                continue;
            }
            let program = c.program().unwrap_or_default();
            if program == "microdnf" {
                // microdnf always answers yes (its -y does nothing).
                continue;
            }
            let sub = pm.subcommand(c).unwrap_or_default();
            let (flag, after) = match pm {
                PackageManager::Zypper => ("-n", c.program_args().first()),
                _ => ("-y", pm.subcommand_word(c)),
            };
            let why = match program {
                "apt-get" | "apt" => "when the install pulls in other packages, apt asks for confirmation, and without a terminal the answer is no: the build fails",
                _ => "it asks for confirmation, and without a terminal the answer is no: the build fails",
            };
            let msg = format!("`{program} {sub}` without `{flag}`: {why}. Add `{flag}`");
            let fix = after.filter(|_| !run.exec).map(|w| {
                Fix::safe(
                    format!("Add `{flag}` to `{program} {sub}`"),
                    vec![Edit {
                        span: Span::new(w.span.end, w.span.end),
                        text: format!(" {flag}"),
                    }],
                )
            });
            let report_span = pm.subcommand_word(c).map(|w| {
                c.argv
                    .first()
                    .map(|f| f.span.cover(w.span))
                    .unwrap_or(w.span)
            });
            let d = cx.report(report_span.unwrap_or(c.span), msg);
            d.fix = fix;
        }
    }
}
