//! `secret-in-arg-or-env`: an ARG or ENV whose name says it holds a secret
//! (`SecretsUsedInArgOrEnv`, hadolint DL3064).
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::{Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D403",
    name: "secret-in-arg-or-env",
    category: Category::Security,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["SecretsUsedInArgOrEnv", "DL3064"],
    summary: "An ARG or ENV is named like a secret; its value ends up in the image or its history",
    default_enabled: true,
};

/// BuildKit's word lists (`getSecretsRegex`): a name with a secret word as
/// one of its `_`-separated words (first, last or in between; or the whole
/// name), unless one such word says it is public, a file or a version.
static DENY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)",
    )
    .expect("secret regex")
});
static ALLOW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("(?i)(?:_|^)(?:public|file|version)(?:_|$)").expect("allow regex"));

pub fn is_secret_name(name: &str) -> bool {
    DENY.is_match(name) && !ALLOW.is_match(name)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        // ENV and ARG in stages, as BuildKit; ARGs before the first FROM too,
        // as hadolint's DL3064: a secret passed as a build argument is the
        // same mistake in either place.
        let keys: Vec<&crate::model::Word> = match inst.kind {
            Kind::Env if inst.stage.is_some() => inst.args.iter().step_by(2).collect(),
            Kind::Arg => inst.args.iter().collect(),
            _ => continue,
        };
        for w in keys {
            let name = w.value.split_once('=').map_or(w.value.as_str(), |(k, _)| k);
            if !is_secret_name(name) {
                continue;
            }
            let kw = inst.kind.as_str();
            let (where_, how) = if inst.kind == Kind::Env {
                (
                    "stays in the image's configuration: `docker inspect` shows it to anyone who can pull the image",
                    "Pass it at run time, or mount it only where a build step needs it with `RUN --mount=type=secret,id=…`",
                )
            } else {
                (
                    "is recorded in the image history of every RUN that uses it (`docker history`)",
                    "Mount it only where a build step needs it with `RUN --mount=type=secret,id=…` and `docker build --secret`",
                )
            };
            let msg = format!(
                "`{kw} {name}` looks like it holds a secret: its value {where_}. {how} (BuildKit warns, `SecretsUsedInArgOrEnv`)"
            );
            let span = crate::rules::buildkit::report_span(m, inst, w.span);
            let d = cx.report(span, msg);
            if span != w.span {
                d.related.push(crate::diagnostic::Related {
                    span: w.span,
                    message: format!("`{name}` is set here"),
                });
            }
            d.fix = Some(Fix::display_only(
                "Use a build secret: `RUN --mount=type=secret,id=…` with `docker build --secret`",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

    #[test]
    fn buildkit_words() {
        for s in [
            "SECRET_PASSPHRASE",
            "SUPER_Secret",
            "password",
            "auth",
            "git_key",
            "apikey",
            "AWS_ACCESS_KEY_ID",
            "openai_api_key",
            "super_duper_secret_token",
            // A middle word counts too, as in BuildKit's regex.
            "RABBITMQ_PGP_KEY_ID",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "sunflower",
            "PUBLIC_KEY",
            "public_token",
            "SECRET_PASSPHRASE_FILE",
            "password_file",
            "secret_File",
            "AUTH_MODULE_VERSION",
            "KEYBOARD",
            "MONKEY",
            "TOKENIZER_MODEL",
            // hadolint's substrings `username` and `private`: no secret words.
            "USERNAME",
            "PRIVATE_ZONEFILE",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }
}
