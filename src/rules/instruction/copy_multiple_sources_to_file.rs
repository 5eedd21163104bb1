//! `copy-multiple-sources-to-file`: COPY or ADD with several sources and a
//! destination that does not end with `/`; BuildKit refuses to build it.
use crate::diagnostic::{Fix, Severity};
use crate::edit::Edit;
use crate::model::{unquote, Kind};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D255",
    name: "copy-multiple-sources-to-file",
    category: Category::Instruction,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3021"],
    summary: "COPY or ADD with more than one source needs a destination ending with `/`",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        if !matches!(inst.kind, Kind::Copy | Kind::Add) {
            continue;
        }
        let Some(c) = &inst.copy else { continue };
        let Some(dest) = &c.dest else { continue };
        let n = c.sources.len() + c.heredoc_sources.len();
        if n < 2 {
            continue;
        }
        let value = match inst.stage {
            Some(st) => {
                let e = m.expand_in_stage_full(st, &dest.value);
                if !e.unresolved.is_empty() {
                    continue;
                }
                e.value
            }
            None => unquote(&dest.value),
        };
        // A Windows destination may end with `\` (`C:\app\`).
        let value = value.trim_end_matches(['"', '\'']).to_string();
        if value.ends_with('/') || value.ends_with('\\') || value.is_empty() {
            continue;
        }
        let kw = inst.kind.as_str();
        // `COPY . /app  # copy everything`: the sources and the destination
        // come from an inline comment (see inline-comment), and a `/` after
        // its last word is no fix.
        let comment = !inst.json && c.sources.iter().any(|s| s.value.starts_with('#'));
        let value = crate::text::quote(&value, 80);
        let msg = if comment {
            format!(
                "This {kw} has {n} sources, so its destination `{value}` must be a directory written with a trailing `/`: BuildKit stops the build (\"When using {kw} with more than one source file, the destination must be a directory and end with a /\"). The `#` and the words after it are no comment but sources and the destination: put the comment on its own line above"
            )
        } else {
            format!(
                "This {kw} has {n} sources, so its destination `{value}` must be a directory written with a trailing `/`: BuildKit stops the build (\"When using {kw} with more than one source file, the destination must be a directory and end with a /\"). Write `{value}/`"
            )
        };
        // Insert the `/` inside closing quotes, or at the word's end.
        let text = m.text(dest.span);
        let mut continue_fix = true;
        let at = if inst.json {
            None
        } else if let Some(q) = text.chars().last().filter(|c| matches!(c, '"' | '\'')) {
            // Only a destination quoted whole (`"/opt/z"`), not a stray quote.
            if !text.starts_with(q) || text.len() < 2 {
                continue_fix = false;
            }
            let end = m
                .source
                .get(..dest.span.end)
                .map_or(0, |s| s.trim_end_matches(['"', '\'']).len());
            (end + 1 == dest.span.end).then_some(end)
        } else {
            Some(dest.span.end)
        };
        let fix = at
            .filter(|_| continue_fix && !comment && !dest.value.contains('$'))
            .map(|at| {
                Fix::safe(
                    format!("Write the destination as `{value}/`"),
                    vec![Edit::insert(at, "/")],
                )
            });
        let d = cx.report(Span::new(dest.span.start, dest.span.end), msg);
        d.fix = fix;
    }
}
