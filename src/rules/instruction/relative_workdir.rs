//! `relative-workdir`: a WORKDIR with a relative path, resolved against the
//! base image's working directory.
use crate::diagnostic::Severity;
use crate::model::{unquote, Base, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D202",
    name: "relative-workdir",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3000", "WorkdirRelativePath"],
    summary: "WORKDIR uses a relative path, so the directory depends on the base image",
    default_enabled: true,
};

/// Whether a WORKDIR path is absolute (Unix `/x`, Windows `C:\x`, `C:/x`,
/// `\x`) or starts with a variable, which dlint does not judge.
pub fn is_absolute_or_variable(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || path.starts_with('$')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether a stage (or a stage it is built FROM) sets a WORKDIR before
/// instruction `before`.
fn workdir_set(m: &Model, stage: usize, before: usize, depth: usize) -> bool {
    let st = &m.stages[stage];
    if m.stage_instructions(stage)
        .any(|i| i.kind == Kind::Workdir && i.index < before)
    {
        return true;
    }
    match st.base {
        Base::Stage(p) if p < stage && depth < 64 => workdir_set(m, p, usize::MAX, depth + 1),
        _ => false,
    }
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        if inst.kind != Kind::Workdir {
            continue;
        }
        let Some(word) = inst.args.first() else {
            continue;
        };
        // The path as BuildKit reads it: variables expanded (a path with a
        // variable the file does not define is not judged), quotes removed.
        let path = match inst.stage {
            Some(stage) => {
                let e = m.expand_in_stage_full(stage, word.value.trim());
                if !e.unresolved.is_empty() || e.invalid {
                    continue;
                }
                e.value
            }
            None => unquote(word.value.trim()),
        };
        if path.is_empty() || is_absolute_or_variable(&path) {
            continue;
        }
        // Once a stage has a WORKDIR of its own, later relative ones are
        // relative to it, not to the base image (BuildKit's reading).
        if inst
            .stage
            .is_some_and(|stage| workdir_set(m, stage, inst.index, 0))
        {
            continue;
        }
        let rest = path.trim_start_matches("./");
        let example = if rest.starts_with("..") || rest.is_empty() {
            String::new()
        } else {
            format!(" such as `/{rest}`")
        };
        let msg = format!(
            "Relative WORKDIR `{path}` is resolved against the base image's working directory, which the image can change (or leave at `/`). Use an absolute path{example}"
        );
        cx.report(crate::rules::buildkit::report_span(m, inst, word.span), msg);
    }
}
