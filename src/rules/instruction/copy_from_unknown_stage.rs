//! `copy-from-unknown-stage`: `COPY --from=<name>` where the name is no
//! stage (a typo BuildKit turns into an image pull), or the stage itself.
use crate::diagnostic::Severity;
use crate::model::{ErrorKind, Kind};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D203",
    name: "copy-from-unknown-stage",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL3022", "DL3023"],
    summary: "COPY --from names no stage of the file, or the stage it is in",
    default_enabled: true,
};

fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in &m.instructions {
        if !matches!(inst.kind, Kind::Copy | Kind::Add) {
            continue;
        }
        let (Some(stage), Some(flag)) = (inst.stage, inst.flag("from")) else {
            continue;
        };
        // What BuildKit refuses (a stage copying from itself, an index past
        // the last stage, a name that is no valid image, `--from` on ADD) is
        // invalid-syntax's finding: one finding per mistake.
        if m.errors.iter().any(|e| {
            e.instruction == Some(inst.index)
                && matches!(
                    e.kind,
                    ErrorKind::FromFlag | ErrorKind::Flag | ErrorKind::ByteReading
                )
        }) {
            continue;
        }
        let raw = flag.value.as_deref().unwrap_or("");
        let e = m.expand_in_stage_full(stage, raw);
        if !e.unresolved.is_empty() || e.limited.is_some() || e.value.is_empty() {
            continue;
        }
        let name = e.value.as_str();
        let current = &m.stages[stage];
        let is_self = current.name().is_some_and(|n| n.eq_ignore_ascii_case(name))
            || name.parse::<usize>().is_ok_and(|n| n == stage);
        if is_self {
            let msg = format!(
                "`--from={raw}` names the stage this COPY is in: a stage cannot copy from itself (BuildKit fails with a circular dependency). Name the stage that has the files"
            );
            // hadolint's DL3023 is an error; severities are per rule here, so
            // it is reported at the rule's severity (the build fails anyway).
            cx.report(flag.span, msg);
            continue;
        }
        if name.contains(['/', ':', '.', '@']) || name.eq_ignore_ascii_case("scratch") {
            continue;
        }
        if let Ok(n) = name.parse::<usize>() {
            if n >= m.stages.len() {
                let msg = format!(
                    "`--from={raw}`: the file has {} stage(s), numbered from 0, so stage {n} does not exist",
                    m.stages.len()
                );
                cx.report(flag.span, msg);
            }
            continue;
        }
        // Any stage, earlier or later: BuildKit resolves names across the
        // file. Stage names from variables (buildah) cannot be checked, and
        // a name the file also uses as a FROM image is an image.
        if m.stages.iter().any(|s| {
            s.name()
                .is_some_and(|n| n.eq_ignore_ascii_case(name) || n.contains('$'))
                || s.image_expanded
                    .as_deref()
                    .is_some_and(|i| i.eq_ignore_ascii_case(name))
        }) {
            continue;
        }
        let close = m
            .stages
            .iter()
            .filter_map(|s| s.name())
            .map(|n| {
                (
                    distance(&n.to_ascii_lowercase(), &name.to_ascii_lowercase()),
                    n,
                )
            })
            .filter(|(d, n)| *d <= 2 && *d < n.len().max(name.len()) / 2 + 1)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n);
        let msg = match close {
            Some(n) => format!(
                "`--from={raw}` names no stage of this file; did you mean stage `{n}`? BuildKit treats an unknown name as an image and tries to pull `docker.io/library/{}`",
                name.to_ascii_lowercase()
            ),
            None => format!(
                "`--from={raw}` names no stage of this file, so BuildKit pulls the image `docker.io/library/{}:latest`. If you meant an image, write it with a tag (`{}:<tag>`); otherwise fix the stage name",
                name.to_ascii_lowercase(),
                name.to_ascii_lowercase()
            ),
        };
        cx.report(flag.span, msg);
    }
}
