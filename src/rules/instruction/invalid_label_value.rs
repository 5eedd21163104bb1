//! `invalid-label-value`: a label's value does not have the form the label
//! schema gives it (url, semver, hash, rfc3339, spdx, email).
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::label_pairs;
use crate::rules::{Category, Checker, FixAvailability, LabelType, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D264",
    name: "invalid-label-value",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"],
    summary: "A label's value does not have the form the label schema gives it (URL, semver, git hash, RFC 3339 time, SPDX, email)",
    default_enabled: true,
};

/// An absolute URI (RFC 3986): `scheme:` then URI characters only.
pub fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return false;
    }
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hex = |x: Option<&u8>| x.is_some_and(|x| x.is_ascii_hexdigit());
            if !hex(b.get(i + 1)) || !hex(b.get(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let ok = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// RFC 3339 `date-time`: `2021-03-10T10:26:33.564+01:00`, `…Z`.
pub fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = v.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    if !matches!(b.get(10), Some(b'T' | b't'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return false;
    }
    let (Some(_y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return false;
    }
    let Some(mut rest) = v.get(19..) else {
        return false;
    };
    if let Some(frac) = rest.strip_prefix('.') {
        let after = frac.trim_start_matches(|c: char| c.is_ascii_digit());
        if after.len() == frac.len() {
            return false;
        }
        rest = after;
    }
    match rest {
        "Z" | "z" => true,
        off => {
            let ob = off.as_bytes();
            ob.len() == 6
                && matches!(ob[0], b'+' | b'-')
                && ob[3] == b':'
                && [ob[1], ob[2], ob[4], ob[5]].iter().all(u8::is_ascii_digit)
                && (ob[1] - b'0') * 10 + (ob[2] - b'0') < 24
                && (ob[4] - b'0') * 10 + (ob[5] - b'0') < 60
        }
    }
}

/// A short (7) or full (40) lowercase git commit hash.
pub fn is_git_hash(v: &str) -> bool {
    (v.len() == 7 || v.len() == 40)
        && v.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// An email address (RFC 5322 `addr-spec`: dot-atom or quoted local part,
/// dot-atom or literal domain).
pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dot_atom =
        |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.chars().all(atext));
    let quoted = |s: &str| s.len() >= 2 && s.starts_with('"') && s.ends_with('"') && s.is_ascii();
    let literal = |s: &str| s.starts_with('[') && s.ends_with(']') && s.is_ascii();
    (dot_atom(local) || quoted(local)) && (dot_atom(domain) || literal(domain))
}

/// An SPDX license expression (`MIT`, `Apache-2.0 OR MIT`); deprecated
/// identifiers (`GPL-2.0`) are still identifiers, as hadolint reads them.
pub fn is_spdx(v: &str) -> bool {
    let mode = spdx::ParseMode {
        allow_deprecated: true,
        ..spdx::ParseMode::STRICT
    };
    spdx::Expression::parse_mode(v, mode).is_ok()
}

pub fn is_semver(v: &str) -> bool {
    semver::Version::parse(v).is_ok()
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let schema = &cx.options.label_schema;
    if schema.is_empty() {
        return;
    }
    for inst in m.instructions.iter().filter(|i| i.kind == Kind::Label) {
        for p in label_pairs(m, inst) {
            let Some((_, ty)) = schema.iter().find(|(k, _)| *k == p.key) else {
                continue;
            };
            // Empty values are empty-label's; variables without a value
            // cannot be checked.
            let Some(v) = p.value.as_deref().filter(|v| !v.is_empty()) else {
                continue;
            };
            let (ok, what) = match ty {
                LabelType::Text => continue,
                LabelType::Url => (is_url(v), "a URL (`https://…`)"),
                LabelType::Semver => (is_semver(v), "a semantic version (`1.2.3`, `2.0.1-rc1`)"),
                LabelType::Hash => (
                    is_git_hash(v),
                    "a git commit hash (7 or 40 lowercase hex digits)",
                ),
                LabelType::Rfc3339 => (is_rfc3339(v), "an RFC 3339 time (`2024-05-01T12:00:00Z`)"),
                LabelType::Spdx => (
                    is_spdx(v),
                    "an SPDX license expression (`MIT`, `Apache-2.0 OR MIT`)",
                ),
                LabelType::Email => (is_email(v), "an email address"),
            };
            if ok {
                continue;
            }
            let msg = format!(
                "The label `{}` is `{v}`, but the label schema says it is {what} (type `{}`)",
                p.key,
                ty.as_str()
            );
            cx.report(p.value_span, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(
            is_url("http://example.com") && is_url("https://a.b/c?d=e#f") && is_url("mailto:a@b")
        );
        assert!(
            !is_url("not-url")
                && !is_url("http://a b")
                && !is_url("1http://x")
                && !is_url("http://%zz")
        );
        assert!(
            is_rfc3339("2021-03-10T10:26:33.564595127+01:00") && is_rfc3339("2024-05-01T12:00:00Z")
        );
        assert!(
            !is_rfc3339("not-date")
                && !is_rfc3339("2024-13-01T12:00:00Z")
                && !is_rfc3339("2024-05-01 12:00")
        );
        assert!(is_git_hash("2dbfae9") && is_git_hash("43c572f1272b6b3171dd1db9e41b7027128ce080"));
        assert!(!is_git_hash("not-git-hash") && !is_git_hash("2DBFAE9"));
        assert!(
            is_spdx("MIT")
                && is_spdx("BSD-3-Clause")
                && is_spdx("Apache-2.0 OR MIT")
                && is_spdx("GPL-2.0")
        );
        assert!(!is_spdx("not-spdx"));
        assert!(
            is_semver("1.0.0")
                && is_semver("2.0.1-rc1")
                && !is_semver("v1.0")
                && !is_semver("not-sem-ver")
        );
        assert!(
            is_email("abcd@google.com")
                && is_email("a.b+c@x.y")
                && !is_email("not-email")
                && !is_email("a@")
        );
        assert!(!is_email("Jane <jane@x.org>"));
    }
}
