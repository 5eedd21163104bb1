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

/// BuildKit's secret words other than `key`.
static NOT_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?i)(?:_|^)(?:apikey|auth|credential|credentials|password|pword|passwd|secret|token)(?:_|$)",
    )
    .expect("secret words regex")
});

/// A `_`-separated word naming an OpenPGP key (`GPG_KEY`, `RABBITMQ_PGP_KEY_ID`).
static PGP_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("(?i)(?:_|^)(?:gpg|pgp|gnupg)(?:_|$)").expect("pgp name regex"));

/// OpenPGP key IDs or fingerprints (hex, optionally `0x`, spaced in groups),
/// one or more, separated by spaces or commas.
static FINGERPRINTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("^(?:0[xX])?[0-9A-Fa-f]{4,40}(?:[ \t,]+(?:0[xX])?[0-9A-Fa-f]{4,40})*$")
        .expect("fingerprint regex")
});

/// Whether `name` names an OpenPGP key (and no other secret word: a
/// `GPG_PASSWORD` stays a secret) and `value` is only key IDs or
/// fingerprints: those are public (they say which key signed a download),
/// so the official images' `ENV GPG_KEY <fingerprint>` is no secret. A
/// 4-character group alone is not enough: a fingerprint has 8 or more hex
/// digits in all.
pub fn is_public_key_fingerprint(name: &str, value: &str) -> bool {
    // Quotes only group the words here (hex digits need no quoting).
    let v = value.replace(['"', '\''], "");
    let v = v.trim();
    PGP_NAME.is_match(name)
        && !NOT_KEY.is_match(name)
        && FINGERPRINTS.is_match(v)
        && v.chars().filter(char::is_ascii_hexdigit).count() >= 8
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        // ENV and ARG in stages, as BuildKit; ARGs before the first FROM too,
        // as hadolint's DL3064: a secret passed as a build argument is the
        // same mistake in either place.
        // Each name with its value, when it has one.
        let keys: Vec<(&crate::model::Word, Option<&str>)> = match inst.kind {
            Kind::Env if inst.stage.is_some() => inst
                .args
                .chunks(2)
                .map(|p| (&p[0], p.get(1).map(|v| v.value.as_str())))
                .collect(),
            Kind::Arg => inst
                .args
                .iter()
                .map(|w| (w, w.value.split_once('=').map(|(_, v)| v)))
                .collect(),
            _ => continue,
        };
        for (w, value) in keys {
            let name = w.value.split_once('=').map_or(w.value.as_str(), |(k, _)| k);
            if !is_secret_name(name) || value.is_some_and(|v| is_public_key_fingerprint(name, v)) {
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
    use super::{is_public_key_fingerprint, is_secret_name};

    #[test]
    fn public_key_fingerprints() {
        for (name, value) in [
            ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
            ("WORDPRESS_CLI_GPG_KEY", "63AF7AA15067C05616FDDD88A3A2E8F226F0BC06"),
            ("RABBITMQ_PGP_KEY_ID", "0x0A9AF2115F4687BD29803A206B73A36E6026DFCA"),
            (
                "OPENSSL_PGP_KEY_IDS",
                "0x8657ABB260F056B1E5190839D9C4D26D0E604491 0xB7C1C14360F353A36862E4D5231C84CDDCC69C45",
            ),
            ("GPG_KEY", "\"A035C8C19219BA821ECEA86B64E628F8D684696D\""),
            ("gpg_key", "A035 C8C1 9219 BA82 1ECE  A86B 64E6 28F8 D684 696D"),
        ] {
            assert!(is_public_key_fingerprint(name, value), "{name}={value}");
        }
        for (name, value) in [
            // Not a key name, or not only fingerprints.
            ("API_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
            ("GPG_KEY", ""),
            ("GPG_KEY", "$KEY"),
            ("GPG_KEY", "-----BEGIN PGP PRIVATE KEY BLOCK-----"),
            ("GPG_PASSWORD", "0123456789abcdef"),
            ("GPG_KEY_TOKEN", "0123456789abcdef"),
            ("GPG_KEY", "beef"),
        ] {
            assert!(!is_public_key_fingerprint(name, value), "{name}={value}");
        }
    }

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
