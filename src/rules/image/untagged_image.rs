//! `untagged-image`: an image with no tag and no digest pulls `latest`.
use super::{image_uses, UseKind};
use crate::diagnostic::{Fix, Severity};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D101",
    name: "untagged-image",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3006"],
    summary: "An image is used without a tag or digest, so it silently means `latest`",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    // A FROM whose ARG defaults give no valid image at all (`FROM $IMAGE`
    // without a default, `FROM REPLACE-ME`) is invalid-default-base-image's
    // finding, not reported twice.
    let invalid = super::from_args::invalid_default_bases_once(cx);
    let owned: std::collections::HashSet<crate::syntax::Span> = cx.model.stages[cx.unit().stages()]
        .iter()
        .filter(|st| invalid.0[st.index])
        .filter_map(|st| st.image.as_ref().map(|w| w.span))
        .collect();
    let owned = |span: crate::syntax::Span| owned.contains(&span);
    for u in image_uses(cx.unit()) {
        if u.how == super::Use::From && owned(u.span) {
            continue;
        }
        match &u.kind {
            UseKind::Known(r) => {
                if r.tag.is_some() || r.digest.is_some() {
                    continue;
                }
                let name = r.name();
                let msg = format!(
                    "The {} `{}` has no tag, so Docker pulls `{name}:latest`: whatever was pushed last. Builds stop being reproducible and can break when the image changes; pin a version such as `{name}:<version>` or a digest",
                    u.how.describe(),
                    u.text
                );
                cx.report(u.span, msg).fix = Some(Fix::display_only(format!(
                    "Pin a version: `{name}:<version>` (or `{name}:<version>@sha256:<digest>` with `--pin-digests`)"
                )));
            }
            UseKind::FromArgs { vars, .. } => {
                let list = vars
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let msg = format!(
                    "The {} `{}` gets its tag from build argument {list}, which has no default: the build command decides which image is used. Give the ARG a default with a pinned tag so a plain `docker build` is reproducible",
                    u.how.describe(),
                    u.text
                );
                cx.report(u.span, msg);
            }
        }
    }
}
