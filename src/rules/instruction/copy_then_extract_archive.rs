//! `copy-then-extract-archive`: a tar archive COPYed from the context and
//! extracted by a later RUN; ADD extracts it in one step, without keeping
//! the archive in a layer.
use crate::diagnostic::Severity;
use crate::model::{unquote, Kind};
use crate::rules::shell::commands;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D253",
    name: "copy-then-extract-archive",
    category: Category::Instruction,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3010"],
    summary: "A tar archive is COPYed and then extracted by a RUN; `ADD` extracts it without keeping the archive in a layer",
    default_enabled: true,
};

/// The tar archives ADD extracts (gzip, bzip2, xz compressed or not).
const TAR: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz",
];

fn is_tar(name: &str) -> bool {
    let n = name.trim_matches(['"', '\'']).to_ascii_lowercase();
    TAR.iter().any(|e| n.ends_with(e))
}

fn file_name(p: &str) -> &str {
    let p = p.trim_matches(['"', '\'']);
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // Per stage (instructions before any FROM form a group of their own).
    let mut groups: Vec<Vec<&crate::model::Instruction>> = Vec::new();
    let mut last: Option<Option<usize>> = None;
    for inst in cx.unit().instructions() {
        if last != Some(inst.stage) {
            groups.push(Vec::new());
            last = Some(inst.stage);
        }
        if let Some(g) = groups.last_mut() {
            g.push(inst);
        }
    }
    for insts in groups {
        for (i, inst) in insts.iter().enumerate() {
            if inst.kind != Kind::Copy {
                continue;
            }
            let Some(c) = &inst.copy else { continue };
            if c.from.is_some() || inst.flag("from").is_some() {
                continue;
            }
            let Some(dest) = &c.dest else { continue };
            // As written: a Windows path's backslashes are no escapes here.
            let dest_v = unquote(m.text(dest.span));
            // The archive's name in the image: the destination's when it
            // names an archive, else each source's.
            let names: Vec<String> = if is_tar(&dest_v) {
                vec![file_name(&dest_v).to_string()]
            } else {
                c.sources
                    .iter()
                    .map(|s| unquote(m.text(s.span)))
                    .filter(|s| is_tar(s))
                    .map(|s| file_name(&s).to_string())
                    .collect()
            };
            if names.is_empty() {
                continue;
            }
            let extracted = insts[i + 1..].iter().find_map(|r| {
                if r.kind != Kind::Run {
                    return None;
                }
                commands(r).find_map(|cmd| {
                    if cmd.program() != Some("tar") {
                        return None;
                    }
                    let args: Vec<&str> = cmd.args().iter().map(|w| w.text()).collect();
                    let extracts = args.iter().any(|a| {
                        matches!(*a, "--extract" | "--get")
                            || (a.starts_with('-') && !a.starts_with("--") && a.contains('x'))
                            || (!a.starts_with('-')
                                && a.contains('x')
                                && a.len() <= 6
                                && a.chars().all(|c| c.is_ascii_alphabetic()))
                    });
                    let archive = args
                        .iter()
                        .map(|a| file_name(a.trim_start_matches("--file=")))
                        .find(|a| names.iter().any(|n| n == a))?;
                    extracts.then(|| (r.start_line, archive.to_string()))
                })
            });
            let Some((line, archive)) = extracted else {
                continue;
            };
            let msg = format!(
                "`{archive}` is copied here and extracted by the RUN on line {line}: the archive stays in this COPY's layer although only its contents are used. `ADD {archive} <dir>/` extracts a local tar archive in one step"
            );
            cx.report(inst.keyword.span, msg);
        }
    }
}
