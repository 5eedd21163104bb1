//! Packages: version pins and how package managers are used.
//!
//! The pinning rules share one check ([`check_pins`]): every install of the
//! rule's tools, each package word read with the stage's ARG and ENV values
//! (`model::package`), judged by the rule's notion of a pin. One finding per
//! command, on its first unpinned package, naming them all.
pub mod apt_install_recommends;
pub mod apt_instead_of_apt_get;
pub mod unpinned_apk_package;
pub mod unpinned_apt_package;
pub mod unpinned_dnf_package;
pub mod unpinned_gem;
pub mod unpinned_go_package;
pub mod unpinned_npm_package;
pub mod unpinned_pip_package;
pub mod unpinned_yum_package;
pub mod unpinned_zypper_package;
pub mod zypper_dist_upgrade;

use crate::diagnostic::Related;
use crate::model::package::{self, PackageCommand, Tool, WordValue};
use crate::model::{Instruction, Model, Script, ShellWord};
use crate::rules::Checker;

/// What a pinning rule checks.
pub struct PinSpec {
    pub tools: &'static [Tool],
    /// Programs one of which the RUN must name (a cheap test before the
    /// shell is parsed): see `Instruction::mentions_program`.
    pub programs: &'static [&'static str],
    /// The package words of a command the rule checks (None: the command is
    /// not an install the rule is about).
    pub packages:
        for<'a> fn(&Model, &Instruction, &PackageCommand<'a>) -> Option<Vec<&'a ShellWord>>,
    /// Whether one package (as the shell passes it) has a version.
    pub pinned: fn(&str) -> bool,
    /// How to pin `pkg`, and how to find its versions.
    pub hint: fn(&str) -> String,
}

/// One unpinned package: the word and the package it stands for.
struct Unpinned<'a> {
    word: &'a ShellWord,
    name: String,
}

/// Reports every install of `spec.tools` that names a package without a
/// version.
pub fn check_pins(cx: &mut Checker, spec: &PinSpec) {
    let m = cx.model;
    for inst in cx.unit().runs() {
        // `pip` also as `pip3.12`: a plain substring test for it.
        let pip = spec.programs.contains(&"pip") && inst.mentions(&["pip"]);
        if !pip && !inst.mentions_program(spec.programs) {
            continue;
        }
        for (script, p) in package::commands(inst) {
            if !spec.tools.contains(&p.tool) {
                continue;
            }
            let Some(words) = (spec.packages)(m, inst, &p) else {
                continue;
            };
            let unpinned = unpinned(m, inst, script, &p, &words, spec.pinned);
            let Some(first) = unpinned.first() else {
                continue;
            };
            let names: Vec<String> = unpinned.iter().map(|u| format!("`{}`", u.name)).collect();
            let listed = if names.len() > 4 {
                format!("{} and {} more", names[..3].join(", "), names.len() - 3)
            } else {
                names.join(", ")
            };
            let what = if unpinned.len() == 1 {
                "has no version"
            } else {
                "have no version"
            };
            let msg = format!(
                "`{}`: {listed} {what}, so a rebuild installs whatever version is current that day. Pin {}: {}",
                p.display(),
                if unpinned.len() == 1 { "it" } else { "each" },
                (spec.hint)(&first.name)
            );
            let related: Vec<Related> = unpinned[1..]
                .iter()
                .filter(|u| u.word.span != first.word.span)
                .map(|u| Related {
                    span: u.word.span,
                    message: format!("`{}` has no version either", u.name),
                })
                .collect();
            let d = cx.report(first.word.span, msg);
            d.related = related;
        }
    }
}

fn unpinned<'a>(
    m: &Model,
    inst: &Instruction,
    script: &Script,
    p: &PackageCommand,
    words: &[&'a ShellWord],
    pinned: fn(&str) -> bool,
) -> Vec<Unpinned<'a>> {
    let mut out = Vec::new();
    for w in words {
        match package::package_values(m, inst, script, p.cmd, w) {
            WordValue::Dynamic => {}
            WordValue::Static(vals) => {
                for v in vals {
                    if !v.is_empty() && !pinned(&v) {
                        out.push(Unpinned { word: w, name: v });
                    }
                }
            }
        }
    }
    out
}

/// The package words of an install whose operation is one of `subs`.
pub fn install_args<'a>(p: &PackageCommand<'a>, subs: &[&str]) -> Option<Vec<&'a ShellWord>> {
    let sub = p.subcommand_text();
    subs.contains(&sub.as_str())
        .then(|| p.arguments().collect())
}
