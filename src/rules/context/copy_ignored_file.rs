//! `copy-ignored-file`: COPY or ADD names a file the `.dockerignore` leaves
//! out of the build context (`CopyIgnoredFile`).
use crate::context::IgnoreFile;
use crate::diagnostic::Severity;
use crate::model::Kind;
use crate::rules::instruction::add_instead_of_copy::is_remote;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D249",
    name: "copy-ignored-file",
    category: Category::Context,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["CopyIgnoredFile"],
    summary: "COPY or ADD names a file the .dockerignore excludes from the build context",
    default_enabled: true,
};

/// `path.Clean` on a slash path (a leading `/` kept).
fn clean(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The literal path of a pattern before its first element with a wildcard,
/// and whether it has one (`patternLiteralPrefix`).
fn literal_prefix(pattern: &str) -> (String, bool) {
    let elems: Vec<&str> = pattern.split('/').collect();
    for (i, e) in elems.iter().enumerate() {
        if e.contains(['*', '?', '[']) {
            return (elems[..i].join("/"), true);
        }
    }
    (pattern.to_string(), false)
}

fn at_or_below(path: &str, base: &str) -> bool {
    base.is_empty() || path == base || path.starts_with(&format!("{base}/"))
}

/// Whether an exception (`!pattern`) could bring back something at or
/// below `src` (`copySourceNegated`).
fn negated(ig: &IgnoreFile, src: &str) -> bool {
    let src = src.trim_start_matches('/');
    let src = if src == "." { "" } else { src };
    ig.patterns.iter().filter(|p| p.exclusion).any(|p| {
        let (prefix, wildcard) = literal_prefix(&p.text);
        at_or_below(&prefix, src) || (wildcard && at_or_below(src, &prefix))
    })
}

/// Whether BuildKit warns for source `src` (`validateCopySourcePath`).
pub fn ignored(ig: &IgnoreFile, src: &str) -> bool {
    let src = clean(src);
    if src == "." || src == "/" {
        // The context root: only patterns that leave out everything.
        let all = ig
            .patterns
            .iter()
            .any(|p| !p.exclusion && matches!(p.text.as_str(), "*" | "**" | "**/*"));
        return all && !negated(ig, &src);
    }
    if negated(ig, &src) || src.starts_with('/') {
        // An absolute source never matches a pattern (patterns have no
        // leading `/`).
        return false;
    }
    ig.excludes(&src)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let Some(ig) = cx.context.and_then(|c| c.ignore.as_ref()) else {
        return;
    };
    if ig.patterns.is_empty() {
        return;
    }
    let file = ig
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".dockerignore".into());
    for inst in cx.unit().instructions() {
        let (Some(stage), Some(copy)) = (inst.stage, &inst.copy) else {
            continue;
        };
        // COPY --from reads another stage or image, not the context.
        if inst.kind == Kind::Copy && copy.from.is_some() {
            continue;
        }
        for s in &copy.sources {
            let e = m.expand_in_stage_full(stage, &s.value);
            if !e.unresolved.is_empty() || e.invalid {
                continue;
            }
            let src = e.value;
            if is_remote(&src) || !ignored(ig, &src) {
                continue;
            }
            let msg = format!(
                "`{src}` is excluded by {file}, so it is not in the build context: this {} copies nothing, or fails with \"not found\". Remove it from {file} (or add `!{}` after the pattern), or stop copying it (BuildKit warns, `CopyIgnoredFile`)",
                inst.kind.as_str(),
                clean(&src).trim_start_matches('/')
            );
            cx.report(crate::rules::buildkit::report_span(m, inst, s.span), msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn ig(t: &str) -> IgnoreFile {
        IgnoreFile::parse(PathBuf::from(".dockerignore"), t)
    }

    #[test]
    fn buildkit_cases() {
        assert!(ignored(&ig("Dockerfile\n"), "Dockerfile"));
        assert!(!ignored(&ig("foobar\n"), "Dockerfile"));
        assert!(!ignored(&ig("**\n!Dockerfile\n"), "./Dockerfile"));
        assert!(!ignored(&ig("**\n!Dockerfile\n"), "."));
        assert!(!ignored(&ig(".*\n"), "."));
        assert!(ignored(&ig("*\n"), "."));
        assert!(ignored(&ig("docs\n"), "docs/a.md"));
        assert!(!ignored(&ig("docs\n!docs/keep.md\n"), "docs"));
        assert!(ignored(&ig("*.log\n!keep/x.log\n"), "app.log"));
        assert!(!ignored(&ig("secret\n"), "/secret"));
    }
}
