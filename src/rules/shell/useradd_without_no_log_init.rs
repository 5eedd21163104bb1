//! `useradd-without-no-log-init`: `useradd -u <high UID>` without `-l`
//! writes a sparse `/var/log/lastlog` and `faillog` that the image layer
//! stores in full, gigabytes for a large UID.
use crate::diagnostic::{Fix, Severity};
use crate::edit::Edit;
use crate::model::ShellCommand;
use crate::rules::shell::{commands, run_sites};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D705",
    name: "useradd-without-no-log-init",
    category: Category::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["DL3046"],
    summary: "`useradd` with a high UID and without `-l` (`--no-log-init`) bloats the image with a sparse lastlog",
    default_enabled: true,
};

/// useradd's short options that take a value.
const SHORT_WITH_VALUE: &str = "bcdefgGkKpPRsuZ";

/// The UID useradd is given (`-u N`, `-uN`, `--uid N`, `--uid=N`), and
/// whether `-l` / `--no-log-init` is there.
fn uid_and_l(c: &ShellCommand) -> (Option<&str>, bool) {
    let mut uid = None;
    let mut l = false;
    let mut args = c.args().iter().map(|w| w.text());
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some(("uid", v)) => uid = Some(v),
                _ if long == "uid" => uid = args.next(),
                _ if long == "no-log-init" => l = true,
                _ => {}
            }
            continue;
        }
        let Some(group) = a.strip_prefix('-') else {
            continue;
        };
        for (i, ch) in group.char_indices() {
            if ch == 'l' {
                l = true;
            } else if SHORT_WITH_VALUE.contains(ch) {
                let rest = group.get(i + ch.len_utf8()..).unwrap_or_default();
                let v = if rest.is_empty() {
                    args.next()
                } else {
                    Some(rest)
                };
                if ch == 'u' {
                    uid = v;
                }
                break;
            }
        }
    }
    (uid, l)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for site in run_sites(cx.unit().instructions()) {
        if !super::mentions_command(site.run, &["useradd"]) {
            continue;
        }
        for c in commands(site.run) {
            if c.program() != Some("useradd") {
                continue;
            }
            let (Some(uid), false) = uid_and_l(c) else {
                continue;
            };
            // A UID below 100000 leaves small files. A build ARG may be
            // given any value (`--build-arg UID=$(id -u)`, and a CI
            // runner's UID often is large); an ENV is read from its value.
            let value = match site.holder.stage {
                Some(st) if uid.contains('$') && !site.is_trigger() => {
                    let text = crate::model::unquote(uid);
                    let from_arg = m.stages[st].args.iter().any(|a| {
                        text.contains(&format!("${}", a.name))
                            || text.contains(&format!("${{{}", a.name))
                    });
                    let e = m.expand_in_stage_full(st, &text);
                    (!from_arg && e.unresolved.is_empty() && !e.value.contains('$'))
                        .then_some(e.value)
                }
                _ if uid.contains('$') => None,
                _ => Some(uid.to_string()),
            };
            let high = match value {
                Some(v) => v.trim().parse::<u64>().is_ok_and(|n| n >= 100_000),
                None => true,
            };
            if !high {
                continue;
            }
            let Some(word) = c.program_args().first() else {
                continue;
            };
            let msg = format!(
                "`useradd -u {uid}` without `-l` records the user in `/var/log/lastlog` and `faillog`, sparse files sized by the UID that the layer stores in full (hundreds of MB or more for a large UID). Add `-l` (`--no-log-init`)"
            );
            let fix = Fix::safe(
                "Add `-l` (`--no-log-init`)",
                vec![Edit::insert(word.span.end, " -l")],
            );
            cx.report(word.span, msg).fix = Some(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn parse(script: &str) -> (Option<String>, bool) {
        let m = Model::build(&format!("FROM a:1\nRUN {script}\n"));
        let run = m.instructions[1].run().unwrap();
        let c = run.commands().next().unwrap();
        let (u, l) = uid_and_l(c);
        (u.map(String::from), l)
    }

    #[test]
    fn options() {
        assert_eq!(parse("useradd -u 123456 x"), (Some("123456".into()), false));
        assert_eq!(parse("useradd -u123456 x"), (Some("123456".into()), false));
        assert_eq!(parse("useradd --uid=7 x"), (Some("7".into()), false));
        assert_eq!(parse("useradd --uid 7 -l x"), (Some("7".into()), true));
        assert_eq!(parse("useradd -lmu 9 x"), (Some("9".into()), true));
        assert_eq!(
            parse("useradd --no-log-init -u 9 x"),
            (Some("9".into()), true)
        );
        assert_eq!(parse("useradd -s /bin/ulysses x"), (None, false));
        assert_eq!(parse("useradd -m -G wheel x"), (None, false));
    }
}
