//! The fixer: applies fixes until nothing changes (bounded), checks that no
//! fix broke the file, and writes files atomically.
//!
//! A fix is accepted only if, after applying it, BuildKit's reading of the
//! file has no new error and every instruction the fix did not touch is still
//! there, unchanged, in the same order. A fix that fails the check is dropped
//! and reported.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::analysis::{analyze, Report};
use crate::context::BuildContext;
use crate::diagnostic::{Applicability, FileChange, Fix};
use crate::edit::Edit;
pub use crate::edit::{apply_edits, uses_crlf, with_line_endings};
use crate::model::Model;
use crate::settings::Settings;
use crate::syntax::Span;

/// At most this many lint-and-fix passes.
pub const MAX_PASSES: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
pub struct FixOptions {
    /// Also apply unsafe fixes.
    pub unsafe_fixes: bool,
}

/// A fix that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub rule: &'static str,
    pub title: String,
    pub reason: String,
}

/// The outcome of fixing one file.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    pub original: String,
    pub fixed: String,
    /// Fixes applied, per rule name.
    pub applied: BTreeMap<&'static str, usize>,
    /// Changes to other files (a generated .dockerignore).
    pub files: Vec<FileChange>,
    pub dropped: Vec<Dropped>,
    /// The report of the fixed text.
    pub report: Report,
    pub passes: usize,
}

impl FixOutcome {
    pub fn changed(&self) -> bool {
        self.original != self.fixed || !self.files.is_empty()
    }
    pub fn total_applied(&self) -> usize {
        self.applied.values().sum()
    }
}

/// Checks a fixed text: no new BuildKit error, and every instruction outside
/// the edits is still there with the same text, in order.
fn structure_kept(before: &Model, after: &Model, edits: &[Edit]) -> Result<(), String> {
    if after.errors.len() > before.errors.len() {
        let e = &after.errors[after.errors.len() - 1];
        return Err(format!("it would make the file invalid ({})", e.message));
    }
    let touched = |s: Span| {
        edits
            .iter()
            .any(|e| e.span.start <= s.end && s.start <= e.span.end)
    };
    let kept: Vec<&str> = before
        .instructions
        .iter()
        .filter(|i| !touched(i.span))
        .map(|i| before.text(i.span))
        .collect();
    let mut it = after.instructions.iter().map(|i| after.text(i.span));
    for k in &kept {
        if !it.any(|a| a == *k) {
            let first = k.lines().next().unwrap_or("");
            return Err(format!(
                "it would change an instruction it does not own (`{first}`)"
            ));
        }
    }
    Ok(())
}

/// Fixes `source` until it is stable.
pub fn fix_source(
    source: &str,
    path: Option<&Path>,
    settings: &Settings,
    context: Option<&BuildContext>,
    opts: FixOptions,
) -> FixOutcome {
    let crlf = uses_crlf(source);
    let threshold = if opts.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let mut current = source.to_string();
    let mut applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut files: Vec<FileChange> = Vec::new();
    let mut dropped: Vec<Dropped> = Vec::new();
    let mut passes = 0;
    let mut report = analyze(&current, path, settings, context);
    while passes < MAX_PASSES {
        passes += 1;
        let mut candidates: Vec<(&'static str, Fix)> = report
            .diagnostics
            .iter()
            .filter_map(|d| {
                let f = d.fix.as_ref()?;
                (f.applicability >= threshold && f.applicability != Applicability::DisplayOnly)
                    .then(|| (d.rule.name, f.clone()))
            })
            .collect();
        candidates.sort_by_key(|(_, f)| f.edits.first().map(|e| e.span.start).unwrap_or(0));
        let mut changed = false;
        let mut used: Vec<Span> = Vec::new();
        let mut pass_edits: Vec<Edit> = Vec::new();
        for (rule, fix) in candidates {
            // File changes: create only once, never overwrite.
            let mut file_done = false;
            for fc in &fix.files {
                let dup = files.iter().any(|f| file_path(f) == file_path(fc));
                if dup {
                    continue;
                }
                files.push(fc.clone());
                file_done = true;
            }
            if fix.edits.is_empty() {
                if file_done {
                    *applied.entry(rule).or_default() += 1;
                }
                continue;
            }
            let overlaps = fix.edits.iter().any(|e| {
                used.iter()
                    .any(|u| e.span.start <= u.end && u.start <= e.span.end)
            });
            if overlaps {
                // Applied in a later pass, after re-linting.
                continue;
            }
            let edits: Vec<Edit> = fix
                .edits
                .iter()
                .map(|e| Edit {
                    span: e.span,
                    text: with_line_endings(&e.text, crlf),
                })
                .collect();
            // Check this fix alone against the text of this pass.
            let Some(alone) = apply_edits(&current, &edits) else {
                dropped.push(Dropped {
                    rule,
                    title: fix.title.clone(),
                    reason: "its edits overlap".into(),
                });
                continue;
            };
            let after = Model::build(&alone);
            if let Err(reason) = structure_kept(&report.model, &after, &edits) {
                dropped.push(Dropped {
                    rule,
                    title: fix.title.clone(),
                    reason,
                });
                continue;
            }
            used.extend(fix.edits.iter().map(|e| e.span));
            pass_edits.extend(edits);
            *applied.entry(rule).or_default() += 1;
            changed = true;
        }
        if !changed {
            break;
        }
        match apply_edits(&current, &pass_edits) {
            Some(next) => {
                let after = Model::build(&next);
                if structure_kept(&report.model, &after, &pass_edits).is_err() {
                    // Fixes that pass alone but clash together: stop here.
                    break;
                }
                current = next;
            }
            None => break,
        }
        report = analyze(&current, path, settings, context);
    }
    // Findings whose fix is a file change queued here are resolved once the
    // caller writes the files.
    report.diagnostics.retain(|d| {
        !d.fix.as_ref().is_some_and(|f| {
            f.edits.is_empty()
                && !f.files.is_empty()
                && f.files
                    .iter()
                    .all(|fc| files.iter().any(|q| file_path(q) == file_path(fc)))
        })
    });
    dropped.dedup();
    FixOutcome {
        original: source.to_string(),
        fixed: current,
        applied,
        files,
        dropped,
        report,
        passes,
    }
}

fn file_path(f: &FileChange) -> &Path {
    match f {
        FileChange::Create { path, .. } | FileChange::Append { path, .. } => path,
    }
}

/// Writes a fixed Dockerfile the way formatters users trust do: through a
/// symbolic link to the file it points at (the link stays a link), in place
/// when the file has other hard links (they all see the fix), and otherwise
/// atomically (a temporary file in the same directory, then a rename), with
/// the file's permissions and owner kept. When the owner cannot be kept
/// (another user's file), the file is written in place instead.
pub fn write_fixed(path: &Path, content: &str) -> io::Result<()> {
    let target = if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        std::fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    let meta = std::fs::metadata(&target)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return write_in_place(&target, content);
        }
    }
    match write_atomic(&target, content) {
        Err(e) if e.kind() == io::ErrorKind::Other && e.to_string() == OWNER_NOT_KEPT => {
            write_in_place(&target, content)
        }
        r => r,
    }
}

const OWNER_NOT_KEPT: &str = "the owner cannot be kept";

/// Overwrites a file's content in place: space for the new content is
/// reserved first, so a full disk leaves the file as it was.
fn write_in_place(path: &Path, content: &str) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let len = content.len() as libc::off_t;
        if len > 0 {
            // SAFETY: a valid open descriptor and a non-negative range.
            let rc = unsafe { libc::posix_fallocate(f.as_raw_fd(), 0, len) };
            if rc != 0 && rc != libc::EOPNOTSUPP && rc != libc::EINVAL {
                return Err(io::Error::from_raw_os_error(rc));
            }
        }
    }
    f.write_all(content.as_bytes())?;
    f.set_len(content.len() as u64)?;
    f.sync_all()
}

/// Writes `content` to `path` atomically (a temp file in the same
/// directory, then rename), keeping the file's permissions and owner.
pub fn write_atomic(path: &Path, content: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into());
    let old = std::fs::metadata(path).ok();
    let mut tmp = PathBuf::new();
    let mut file = None;
    for i in 0..100u32 {
        let candidate = dir.join(format!(".{name}.dlint-{}-{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => {
                tmp = candidate;
                file = Some(f);
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    let Some(mut f) = file else {
        return Err(io::Error::other("cannot create a temporary file"));
    };
    let result = (|| {
        if let Some(m) = &old {
            keep_owner(&f, m)?;
            std::fs::set_permissions(&tmp, m.permissions())?;
        }
        f.write_all(content.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn keep_owner(f: &std::fs::File, old: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let new = f.metadata()?;
    if new.uid() == old.uid() && new.gid() == old.gid() {
        return Ok(());
    }
    std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()))
        .map_err(|_| io::Error::other(OWNER_NOT_KEPT))
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// Applies a change to another file. Never overwrites on create.
pub fn apply_file_change(fc: &FileChange) -> io::Result<()> {
    match fc {
        FileChange::Create { path, content } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?;
            f.write_all(content.as_bytes())
        }
        FileChange::Append { path, content } => {
            let old = std::fs::read_to_string(path)?;
            let mut new = old.clone();
            new.push_str(content);
            write_atomic(path, &new)
        }
    }
}

/// A unified diff of `old` → `new`.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_check_catches_merged_instructions() {
        let before = Model::build("FROM a:1\nRUN x\nRUN y\n");
        // An edit that turns RUN x into a continuation swallows RUN y.
        let edits = vec![Edit {
            span: Span::new(14, 14),
            text: " \\".into(),
        }];
        let text = apply_edits(&before.source, &edits).unwrap();
        let after = Model::build(&text);
        assert!(structure_kept(&before, &after, &edits).is_err());
    }
}
