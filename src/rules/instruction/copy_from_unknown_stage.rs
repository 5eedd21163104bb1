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

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    // Long names get no suggestion, nor names whose lengths differ by more
    // than a suggestion allows.
    if a.chars().count().abs_diff(b.chars().count()) > 2 || a.len().max(b.len()) > 512 {
        return usize::MAX;
    }
    strsim::levenshtein(a, b)
}

/// Stages looked at for a did-you-mean.
const MAX_SUGGEST: usize = 256;

/// What `--from` may name without a finding, looked up once per file.
struct Known {
    /// Stage names and FROM images, lower-cased.
    names: std::collections::HashSet<String>,
    /// A stage name comes from a variable (buildah): nothing can be checked.
    dynamic: bool,
}

impl Known {
    fn of(m: &crate::model::Model) -> Known {
        let mut names = std::collections::HashSet::new();
        let mut dynamic = false;
        for s in &m.stages {
            if let Some(n) = s.name() {
                dynamic |= n.contains('$');
                names.insert(n.to_ascii_lowercase());
            }
            if let Some(i) = &s.image_expanded {
                names.insert(i.to_ascii_lowercase());
            }
        }
        Known { names, dynamic }
    }
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let mut known: Option<Known> = None;
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
        let known = known.get_or_insert_with(|| Known::of(m));
        if known.dynamic || known.names.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        // A did-you-mean compares with every stage name: not on files with
        // hundreds of stages (generated, or hostile: quadratic).
        let close = m
            .stages
            .iter()
            .take(if m.stages.len() <= MAX_SUGGEST {
                MAX_SUGGEST
            } else {
                0
            })
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
