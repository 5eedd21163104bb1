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

fn is_lower(s: &str) -> bool {
    s.to_lowercase() == s
}

fn is_upper(s: &str) -> bool {
    s.to_uppercase() == s
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
        let (ok, case, want) = if majority_lower {
            (is_lower(k), "lowercase", k.to_lowercase())
        } else {
            (is_upper(k), "uppercase", k.to_uppercase())
        };
        if ok {
            continue;
        }
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
