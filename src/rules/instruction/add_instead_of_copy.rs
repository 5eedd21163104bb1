//! `add-instead-of-copy`: ADD of local files, where COPY does the same
//! without ADD's surprises (URL downloads, archive extraction).
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D201",
    name: "add-instead-of-copy",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["DL3020"],
    summary: "ADD is used for local files or directories; COPY does the same without surprises",
    default_enabled: true,
};

/// Archive endings ADD extracts.
/// `.gz`, `.bz2`, `.xz`, `.zst` alone may hold a tar (ADD decides by the
/// content), so they count too.
pub const ARCHIVES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
    ".tar.lz",
    ".tar.lzma",
    ".tlz",
    ".tar.z",
    ".taz",
    ".gz",
    ".bz2",
    ".xz",
    ".zst",
    ".lzma",
];

/// Flags only ADD has: with them, COPY is no replacement.
const ADD_ONLY_FLAGS: &[&str] = &["checksum", "keep-git-dir", "unpack"];

pub fn is_remote(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git://")
        || l.starts_with("git@")
        || l.starts_with("ssh://")
        || (l.contains("://") && l.ends_with(".git"))
}

pub fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    ARCHIVES.iter().any(|a| l.ends_with(a))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        if inst.kind != Kind::Add {
            continue;
        }
        let Some(copy) = &inst.copy else { continue };
        if copy.sources.is_empty() || !copy.heredoc_sources.is_empty() {
            continue;
        }
        if inst.flags.iter().any(|f| {
            ADD_ONLY_FLAGS
                .iter()
                .any(|a| f.name.eq_ignore_ascii_case(a))
        }) {
            continue;
        }
        let Some(stage) = inst.stage else { continue };
        // Each source: Some(true) local file, Some(false) URL/archive,
        // None unknown (variables).
        let kinds: Vec<Option<bool>> = copy
            .sources
            .iter()
            .map(|s| {
                let e = m.expand_in_stage_full(stage, &s.value);
                if !e.unresolved.is_empty() || e.limited.is_some() {
                    None
                } else {
                    Some(!(is_remote(&e.value) || is_archive(&e.value)))
                }
            })
            .collect();
        if kinds.contains(&None) || !kinds.contains(&Some(true)) {
            continue;
        }
        let mixed = kinds.contains(&Some(false));
        if mixed {
            let locals: Vec<String> = copy
                .sources
                .iter()
                .zip(&kinds)
                .filter(|(_, k)| **k == Some(true))
                .map(|(s, _)| format!("`{}`", s.value))
                .collect();
            let msg = format!(
                "This ADD mixes URLs or archives with local {}: ADD unpacks and downloads, COPY only copies. Copy the local files with a separate COPY",
                locals.join(", ")
            );
            cx.report(inst.keyword.span, msg);
            continue;
        }
        let kw = &inst.keyword;
        let replacement = if kw.value.chars().all(|c| c.is_ascii_lowercase()) {
            "copy"
        } else {
            "COPY"
        };
        let srcs = copy
            .sources
            .iter()
            .map(|s| format!("`{}`", s.value))
            .collect::<Vec<_>>()
            .join(", ");
        let msg = format!(
            "ADD of local {srcs}: ADD also downloads URLs and unpacks archives, so a file that later becomes a `.tar` is silently extracted. Use COPY, which only copies"
        );
        cx.report(kw.span, msg).fix = Some(Fix::safe(
            "Replace ADD with COPY",
            vec![Edit {
                span: kw.span,
                text: replacement.to_string(),
            }],
        ));
    }
}
