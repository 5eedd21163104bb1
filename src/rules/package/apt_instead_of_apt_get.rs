//! `apt-instead-of-apt-get`: `apt` in a RUN. apt is made for people at a
//! terminal: its output and behaviour may change between releases, and it
//! warns that it has no stable command-line interface.
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::package::{self, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D612",
    name: "apt-instead-of-apt-get",
    category: Category::Package,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3027"],
    summary:
        "`apt` in a RUN: use `apt-get` (or `apt-cache`), whose interface is stable for scripts",
    default_enabled: true,
};

/// apt subcommands that do exactly what the apt-get subcommand of the same
/// name does (`apt upgrade` is not one: it installs new dependencies,
/// `apt-get upgrade` does not), and `full-upgrade`, which is apt-get's
/// `dist-upgrade`.
fn apt_get_equivalent(sub: &str) -> Option<&'static str> {
    Some(match sub {
        "install" => "install",
        "remove" => "remove",
        "purge" => "purge",
        "autoremove" => "autoremove",
        "update" => "update",
        "full-upgrade" => "dist-upgrade",
        "dist-upgrade" => "dist-upgrade",
        "clean" => "clean",
        "autoclean" => "autoclean",
        "source" => "source",
        "build-dep" => "build-dep",
        "download" => "download",
        "changelog" => "changelog",
        _ => return None,
    })
}

/// Whether the subcommand downloads packages.
fn downloads(sub: &str) -> bool {
    matches!(
        sub,
        "install" | "full-upgrade" | "dist-upgrade" | "source" | "build-dep" | "download"
    )
}

/// The apt-cache subcommand for apt's queries.
fn apt_cache_equivalent(sub: &str) -> Option<&'static str> {
    Some(match sub {
        "show" => "show",
        "search" => "search",
        "policy" => "policy",
        "depends" => "depends",
        "rdepends" => "rdepends",
        "showsrc" => "showsrc",
        _ => return None,
    })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().runs() {
        if !inst.mentions_program(&["apt"]) {
            continue;
        }
        let exec = inst.run().is_some_and(|r| r.exec);
        for (_, p) in package::commands(inst) {
            if p.tool != Tool::Apt {
                continue;
            }
            let sub = p.subcommand().unwrap_or("");
            let (target, target_sub) = match (apt_get_equivalent(sub), apt_cache_equivalent(sub)) {
                (Some(s), _) => ("apt-get", Some(s)),
                (None, Some(s)) => ("apt-cache", Some(s)),
                _ => ("apt-get", None),
            };
            let msg = match target_sub {
                Some(s) => format!(
                    "`{}`: apt is meant for a terminal, and its command line may change between releases (it warns so when its output is not a terminal). Use `{target} {s}`",
                    p.display()
                ),
                None => format!(
                    "`{}`: apt is meant for a terminal, and its command line may change between releases (it warns so when its output is not a terminal). Use apt-get or apt-cache",
                    p.display()
                ),
            };
            // Rename the program word (`apt` → `apt-get`, keeping a path),
            // and the subcommand where apt-get names it differently.
            let fix = target_sub.filter(|_| !exec).and_then(|s| {
                let w = p.tool_word;
                if w.value.as_deref() != Some(w.raw.as_str()) || m.text(w.span) != w.raw {
                    return None;
                }
                let dir_len = w.raw.len() - "apt".len();
                let mut edits = vec![Edit::replace(
                    crate::syntax::Span::new(w.span.start + dir_len, w.span.end),
                    target,
                )];
                let sw = p.subcommand_word()?;
                if s != sub {
                    if sw.value.as_deref() != Some(sw.raw.as_str()) {
                        return None;
                    }
                    edits.push(Edit::replace(sw.span, s));
                }
                let title = format!("Replace `apt {sub}` with `{target} {s}`");
                // apt deletes the packages it downloaded after installing
                // them; apt-get keeps them in /var/cache/apt/archives unless
                // the base image configures otherwise (Docker's
                // `docker-clean`): the image may grow.
                Some(if downloads(sub) {
                    Fix::unsafe_(title, edits)
                } else {
                    Fix::safe(title, edits)
                })
            });
            cx.report(p.head_span(), msg).fix = fix;
        }
    }
}
