//! `copy-entire-filesystem`: `COPY --from=<stage> / /` copies a whole
//! filesystem over the stage's own.
use crate::diagnostic::Severity;
use crate::model::{unquote, Kind};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D257",
    name: "copy-entire-filesystem",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3067"],
    summary: "`COPY --from=… / /` copies another stage's whole filesystem over this one",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    for inst in cx
        .unit()
        .instructions()
        .iter()
        .filter(|i| i.kind == Kind::Copy)
    {
        let Some(c) = &inst.copy else { continue };
        let Some(dest) = &c.dest else { continue };
        if inst.flag("from").is_none() || unquote(&dest.value) != "/" {
            continue;
        }
        let Some(root) = c.sources.iter().find(|s| unquote(&s.value) == "/") else {
            continue;
        };
        let from = inst
            .flag("from")
            .and_then(|f| f.value.clone())
            .unwrap_or_default();
        let msg = format!(
            "`COPY --from={from} / /` copies the whole filesystem of `{from}` over this stage: its /etc/passwd, package database and libraries replace this image's, which breaks the image in ways that show only at run time, and the layer is as large as the other image. Copy the directories you need (`COPY --from={from} /app /app`)"
        );
        cx.report(root.span.cover(dest.span), msg);
    }
}
