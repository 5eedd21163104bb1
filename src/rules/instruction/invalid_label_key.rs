//! `invalid-label-key`: a LABEL key outside Docker's key format
//! (lowercase letters, digits, `.` and `-`; no reserved namespace).
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::label_pairs;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D260",
    name: "invalid-label-key",
    category: Category::Instruction,
    severity: Severity::Style,
    fix: FixAvailability::None,
    aliases: &["DL3048"],
    summary: "A LABEL key breaks Docker's key format: lowercase letters, digits, `.` and `-`, no reserved namespace",
    default_enabled: true,
};

/// Why a key is not in Docker's recommended format (None: it is).
pub fn key_problem(k: &str) -> Option<&'static str> {
    for ns in ["com.docker.", "io.docker.", "org.dockerproject."] {
        if k.starts_with(ns) {
            return Some("uses a namespace reserved for Docker");
        }
    }
    if !k.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("does not start with a lowercase letter");
    }
    if !k.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("does not end with a lowercase letter or digit");
    }
    if k.contains("..") || k.contains("--") {
        return Some("has two separators in a row");
    }
    // hadolint 2.15 also takes `_` inside a key (`build_id`, the Operator
    // SDK's `…metrics.project_layout`), so dlint does too.
    if !k
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Some("has characters other than lowercase letters, digits, `.`, `-` and `_`");
    }
    None
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx
        .unit()
        .instructions()
        .iter()
        .filter(|i| i.kind == Kind::Label)
    {
        for p in label_pairs(m, inst) {
            // A key that is a variable without a value: dlint cannot tell.
            if p.key.starts_with('$') {
                continue;
            }
            let Some(why) = key_problem(&p.key) else {
                continue;
            };
            let msg = format!(
                "The label key `{}` {why}. Docker recommends reverse-DNS keys of lowercase letters, digits, `.` and `-` (`org.opencontainers.image.source`), so that tools can read and filter them",
                p.key
            );
            cx.report(p.key_span, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in [
            "org.valid-key.label3",
            "validlabel",
            "maintainer",
            "a",
            "build_id",
            "a__b",
        ] {
            assert_eq!(key_problem(ok), None, "{ok}");
        }
        for bad in [
            "com.docker.label",
            "io.docker.x",
            "org.dockerproject.y",
            "invalid$character",
            ".invalid",
            "-invalid",
            "1invalid",
            "invalid..character",
            "invalid--character",
            "Maintainer",
            "x.",
            "_x",
            "x_",
        ] {
            assert!(key_problem(bad).is_some(), "{bad}");
        }
    }
}
