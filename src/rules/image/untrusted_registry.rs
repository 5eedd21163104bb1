//! `untrusted-registry`: a base image from a registry not on the allow list.
use super::{image_uses, UseKind};
use crate::diagnostic::Severity;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D103",
    name: "untrusted-registry",
    category: Category::Image,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL3026"],
    summary: "An image comes from a registry that is not in `trusted-registries`",
    default_enabled: false,
};

fn matches(pattern: &str, registry: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let registry = registry.to_ascii_lowercase();
    let hub = |r: &str| {
        matches!(
            r,
            "docker.io" | "index.docker.io" | "registry-1.docker.io" | "hub.docker.com"
        )
    };
    if hub(&pattern) && hub(&registry) {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => registry.ends_with(&format!(".{suffix}")),
        None => pattern == "*" || pattern == registry,
    }
}

pub fn check(cx: &mut Checker) {
    let trusted = cx.options.trusted_registries.clone();
    if trusted.is_empty() {
        return;
    }
    for u in image_uses(cx.unit()) {
        if u.dynamic {
            // The registry is decided by a build argument.
            continue;
        }
        let UseKind::Known(r) = &u.kind else { continue };
        let reg = r.registry_or_default();
        if trusted.iter().any(|t| matches(t, reg)) {
            continue;
        }
        let msg = format!(
            "`{}` comes from `{reg}`, which is not in trusted-registries ({}): images from other registries are not vetted by your organisation",
            u.text,
            trusted.join(", ")
        );
        cx.report(u.span, msg);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::settings::{resolve_selector, Settings};

    #[test]
    fn registry_from_build_arg_is_not_judged() {
        let mut s = Settings::default();
        s.select(&resolve_selector("untrusted-registry").unwrap());
        s.options.trusted_registries = vec!["registry.example.com".into()];
        let r = analyze(
            "ARG REGISTRY\nFROM ${REGISTRY}/team/app:1.0\n",
            None,
            &s,
            None,
        );
        assert!(r.diagnostics.is_empty());
        let r = analyze("FROM quay.io/team/app:1.0\n", None, &s, None);
        assert_eq!(r.diagnostics.len(), 1);
    }

    #[test]
    fn patterns() {
        assert!(super::matches("docker.io", "docker.io"));
        assert!(super::matches("*.gcr.io", "eu.gcr.io"));
        assert!(!super::matches("*.gcr.io", "gcr.io.evil.com"));
        assert!(!super::matches("quay.io", "docker.io"));
    }
}
