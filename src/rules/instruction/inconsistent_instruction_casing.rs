//! `inconsistent-instruction-casing`: an instruction keyword that is neither
//! all uppercase nor all lowercase like most of the file's
//! (`ConsistentInstructionCasing`).
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D207",
    name: "inconsistent-instruction-casing",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["ConsistentInstructionCasing"],
    summary: "An instruction keyword is cased differently from the file's majority (all uppercase or all lowercase)",
    default_enabled: true,
};

/// `s.to_lowercase() == s`, without building the lowercase text: every
/// char is its own lowercase (run on every keyword of every lint).
fn is_lower(s: &str) -> bool {
    if s.is_ascii() {
        return !s.bytes().any(|b| b.is_ascii_uppercase());
    }
    s.chars().all(|c| c.to_lowercase().eq(std::iter::once(c)))
}

/// `s.to_uppercase() == s`, the same way.
fn is_upper(s: &str) -> bool {
    if s.is_ascii() {
        return !s.bytes().any(|b| b.is_ascii_lowercase());
    }
    s.chars().all(|c| c.to_uppercase().eq(std::iter::once(c)))
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // BuildKit counts the FROM keywords and the instructions of the stages:
    // not the ARGs before the first FROM, not ONBUILD triggers, and no
    // unknown instruction (BuildKit stops at it before checking casing).
    let counted = || {
        m.instructions
            .iter()
            .filter(|i| i.stage.is_some() && i.kind != Kind::Unknown)
    };
    let (mut lower, mut upper) = (0usize, 0usize);
    for i in counted() {
        let k = i.keyword.value.as_str();
        if is_lower(k) {
            lower += 1;
        } else if is_upper(k) {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for inst in counted() {
        let k = inst.keyword.value.as_str();
        let ok = if majority_lower {
            is_lower(k)
        } else {
            is_upper(k)
        };
        if ok {
            continue;
        }
        let (case, want) = if majority_lower {
            ("lowercase", k.to_lowercase())
        } else {
            ("uppercase", k.to_uppercase())
        };
        let msg = format!(
            "`{k}` does not match the casing most instructions of this file use ({case}): write it `{want}` so the file reads consistently (BuildKit warns, `ConsistentInstructionCasing`)"
        );
        let span = inst.keyword.span;
        // A keyword split by a line continuation is reported without a fix.
        let fix = (m.text(span) == k)
            .then(|| Fix::safe(format!("Write `{want}`"), vec![Edit::replace(span, want)]));
        cx.report(span, msg).fix = fix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_tests_agree_with_the_converted_text() {
        for k in [
            "RUN", "run", "Run", "rUN", "", "FROM2", "ß", "SS", "Σ", "σ", "ς", "ÉCOLE", "école",
            "ǅ", "ǆ", "Ǆ", "İ", "i̇", "ﬁ", "ΣΑΣ", "σας", "RUN_ß", "日本", "Ⅻ", "ⅻ",
        ] {
            assert_eq!(is_lower(k), k.to_lowercase() == k, "{k:?} lower");
            assert_eq!(is_upper(k), k.to_uppercase() == k, "{k:?} upper");
        }
    }
}
