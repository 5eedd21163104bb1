//! `latest-tag`: an image pinned to the moving `latest` tag.
use super::{image_uses, UseKind};
use crate::diagnostic::{Fix, Severity};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D102",
    name: "latest-tag",
    category: Category::Image,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3007"],
    summary: "An image uses the `latest` tag, which changes whenever a new version is pushed",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    for u in image_uses(cx.unit()) {
        let UseKind::Known(r) = &u.kind else { continue };
        if r.tag.as_deref() != Some("latest") || r.digest.is_some() {
            continue;
        }
        let name = r.name();
        let msg = format!(
            "The {} `{}` uses the `latest` tag, which moves to every new release: the same Dockerfile builds different images over time and can break without a change here. Pin a version such as `{name}:<version>`",
            u.how.describe(),
            u.text
        );
        cx.report(u.span, msg).fix = Some(Fix::display_only(format!(
            "Replace `latest` with a version: `{name}:<version>`"
        )));
    }
}
