//! `dockerignore-gaps`: an ignore file exists, but a broad COPY would still
//! send `.git`, `.env` files, `node_modules` or build output.
use super::{ignore_line, unwanted_for};
use crate::diagnostic::{Applicability, FileChange, Fix, Severity};
use crate::rules::cache::cache_busting_copy::is_broad_source;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D502",
    name: "dockerignore-gaps",
    category: Category::Context,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary: "A broad COPY sends `.git`, `.env` files, `node_modules` or build output the .dockerignore does not exclude",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let Some(ctx) = cx.context else { return };
    let Some(ignore) = &ctx.ignore else { return };
    let m = cx.model;
    // The COPY/ADDs of the whole context or a directory; reported on the
    // first, covering what all of them send.
    let mut target: Option<(&crate::model::Instruction, Vec<String>)> = None;
    for inst in &m.instructions {
        let (Some(stage), Some(copy)) = (inst.stage, &inst.copy) else {
            continue;
        };
        if !copy.from_context() {
            continue;
        }
        let broad: Vec<String> = copy
            .sources
            .iter()
            .filter(|s| is_broad_source(m, stage, &s.value, Some(ctx)))
            .map(|s| m.expand_in_stage(stage, &s.value))
            .collect();
        if !broad.is_empty() {
            match target.as_mut() {
                None => target = Some((inst, broad)),
                Some((_, dirs)) => dirs.extend(broad),
            }
        }
    }
    let Some((inst, dirs)) = target else { return };
    let prefixes: Vec<String> = dirs
        .iter()
        .map(|d| {
            let d = d
                .trim_start_matches("./")
                .trim_end_matches('*')
                .trim_end_matches('.');
            let d = d.trim_start_matches('/');
            if d.is_empty() || d.ends_with('/') {
                d.to_string()
            } else {
                format!("{d}/")
            }
        })
        .collect();
    let sent: Vec<(String, &'static str)> = unwanted_for(ctx, m)
        .into_iter()
        .filter(|(e, _)| {
            prefixes
                .iter()
                .any(|p| p.is_empty() || e.starts_with(p.as_str()))
        })
        .filter(|(e, _)| ctx.sent(e))
        .collect();
    if sent.is_empty() {
        return;
    }
    let msg = format!(
        "`{}` copies {} that `{}` does not exclude: {}",
        m.quote(inst.span, 80),
        if sent.len() == 1 {
            "an entry"
        } else {
            "entries"
        },
        ignore
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sent.iter()
            .map(|(e, why)| format!("`{e}` ({why})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut lines: Vec<String> = Vec::new();
    for (e, _) in &sent {
        let l = ignore_line(e);
        if !lines.contains(&l) {
            lines.push(l);
        }
    }
    let mut content = String::new();
    if !ignore.text.is_empty() && !ignore.text.ends_with('\n') {
        content.push('\n');
    }
    content.push_str("# Added by dlint\n");
    for l in &lines {
        content.push_str(l);
        content.push('\n');
    }
    let path = ignore.path.clone();
    if let Some(target) = &ignore.link_target {
        // Appending would rewrite the link as a regular file holding the
        // target's content: a link to a secret would commit the secret.
        cx.report(inst.keyword.span, msg).fix = Some(Fix::display_only(format!(
            "Add {} to {} by hand: it is a symbolic link to {}, and dlint does not write through links",
            lines.join(", "),
            path.display(),
            target.display()
        )));
        return;
    }
    cx.report(inst.keyword.span, msg).fix = Some(Fix {
        applicability: Applicability::Safe,
        title: format!("Add {} to {}", lines.join(", "), path.display()),
        edits: Vec::new(),
        files: vec![FileChange::Append { path, content }],
    });
}
