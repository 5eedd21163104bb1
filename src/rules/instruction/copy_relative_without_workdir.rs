//! `copy-relative-without-workdir`: COPY or ADD to a relative destination
//! in a stage that never set WORKDIR, so the destination depends on the
//! base image's working directory.
use crate::diagnostic::Severity;
use crate::model::{unquote, Kind};
use crate::rules::instruction::stage_chain;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D256",
    name: "copy-relative-without-workdir",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3045"],
    summary: "COPY or ADD to a relative destination before any WORKDIR: where it lands depends on the base image",
    default_enabled: true,
};

/// Whether a destination is absolute (`/x`, `C:\x`, `C:/x`) or starts with
/// a variable (dlint cannot tell).
fn absolute_or_variable(d: &str) -> bool {
    let d = d.trim_start_matches(['"', '\'']);
    let b = d.as_bytes();
    d.starts_with('/')
        || d.starts_with('$')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

fn report_relative(cx: &mut Checker, inst: &crate::model::Instruction) {
    let Some(dest) = inst.copy.as_ref().and_then(|c| c.dest.as_ref()) else {
        return;
    };
    let d = unquote(&dest.value);
    if absolute_or_variable(&d) {
        return;
    }
    let kw = inst.kind.as_str();
    let msg = format!(
        "This {kw} copies to the relative destination `{d}` before any WORKDIR, so where the files land depends on the base image's working directory (often `/`, but not always). Set `WORKDIR /app` first, or use an absolute destination"
    );
    cx.report(dest.span, msg);
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // Before any FROM (not a Dockerfile BuildKit builds, but hadolint reads it).
    for inst in m.instructions.iter().take_while(|i| i.stage.is_none()) {
        if matches!(inst.kind, Kind::Copy | Kind::Add) {
            report_relative(cx, inst);
        }
    }
    for st in &m.stages {
        // A WORKDIR in a stage this one is built on counts.
        let inherited = stage_chain(m, st.index)[1..]
            .iter()
            .any(|&s| m.stage_instructions(s).any(|i| i.kind == Kind::Workdir));
        if inherited {
            continue;
        }
        for inst in m.stage_instructions(st.index) {
            match inst.kind {
                Kind::Workdir => break,
                Kind::Copy | Kind::Add => {}
                _ => continue,
            }
            report_relative(cx, inst);
        }
    }
}
