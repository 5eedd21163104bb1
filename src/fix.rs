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

/// Checks a fixed text: no new BuildKit error, and every instruction the
/// edits do not touch is still there with the same text, in order.
///
/// An edit touches an instruction when it overlaps it or borders it, except
/// an insertion of whole lines at its edge (text starting with a line break
/// at its end, or ending with one at its start): such lines must become
/// instructions of their own, and if BuildKit reads them as part of the
/// neighbouring instruction (a file ending in an open continuation), that
/// instruction has changed and the check fails.
fn structure_kept(before: &Model, after: &Model, edits: &[Edit]) -> Result<(), String> {
    if after.errors.len() > before.errors.len() {
        let e = &after.errors[after.errors.len() - 1];
        return Err(format!("it would make the file invalid ({})", e.message));
    }
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let touched = |s: Span| {
        // The edits are disjoint, so sorted by start they are sorted by end:
        // the ones that can reach `s` are a contiguous run.
        let lo = sorted.partition_point(|e| e.span.end < s.start);
        let hi = sorted.partition_point(|e| e.span.start <= s.end);
        sorted[lo..hi.max(lo)].iter().any(|e| {
            let insertion = e.span.start == e.span.end;
            let own_lines_after =
                insertion && e.span.start == s.end && e.text.starts_with(['\n', '\r']);
            let own_lines_before = insertion && e.span.start == s.start && e.text.ends_with('\n');
            !(own_lines_after || own_lines_before)
        })
    };
    let mut it = after.instructions.iter().map(|i| after.text(i.span));
    for inst in before.instructions.iter().filter(|i| !touched(i.span)) {
        let k = before.text(inst.span);
        if !it.any(|a| a == k) {
            let first = k.lines().next().unwrap_or("");
            return Err(format!(
                "it would change an instruction it does not own (`{first}`)"
            ));
        }
    }
    Ok(())
}

/// At most this many structure checks (parses of the whole file) a pass.
const CHECKS_PER_PASS: usize = 64;

/// One fix chosen in a pass, with its edits in the file's line endings.
struct Candidate {
    rule: &'static str,
    title: String,
    edits: Vec<Edit>,
}

/// Which of `cands` (non-overlapping) can be applied together to `current`:
/// all of them when the result passes the structure check (one parse), else
/// found by halving, so a pass costs O(k log n) parses for k bad fixes
/// rather than one parse per fix. A fix that fails alone is dropped with
/// its reason; fixes that pass alone but clash are left to the next pass.
fn acceptable(
    current: &str,
    before: &Model,
    cands: &[Candidate],
    dropped: &mut Vec<Dropped>,
) -> Vec<usize> {
    fn go(
        current: &str,
        before: &Model,
        cands: &[Candidate],
        idx: &[usize],
        dropped: &mut Vec<Dropped>,
        budget: &mut usize,
    ) -> Vec<usize> {
        if idx.is_empty() {
            return Vec::new();
        }
        if *budget == 0 {
            // Hostile input where most fixes break the file: stop checking
            // (the rest are not applied) rather than parse without end.
            return Vec::new();
        }
        *budget -= 1;
        let edits: Vec<Edit> = idx
            .iter()
            .flat_map(|&i| cands[i].edits.iter().cloned())
            .collect();
        let verdict = match apply_edits(current, &edits) {
            Some(text) => structure_kept(before, &Model::build(&text), &edits),
            None => Err("its edits overlap".to_string()),
        };
        match verdict {
            Ok(()) => idx.to_vec(),
            Err(reason) if idx.len() == 1 => {
                let c = &cands[idx[0]];
                dropped.push(Dropped {
                    rule: c.rule,
                    title: c.title.clone(),
                    reason,
                });
                Vec::new()
            }
            Err(_) => {
                let (a, b) = idx.split_at(idx.len() / 2);
                let mut good = go(current, before, cands, a, dropped, budget);
                let good_b = go(current, before, cands, b, dropped, budget);
                if good_b.is_empty() {
                    return good;
                }
                let mut both = good.clone();
                both.extend(&good_b);
                let edits: Vec<Edit> = both
                    .iter()
                    .flat_map(|&i| cands[i].edits.iter().cloned())
                    .collect();
                let together = apply_edits(current, &edits)
                    .is_some_and(|t| structure_kept(before, &Model::build(&t), &edits).is_ok());
                if together {
                    good = both;
                }
                good
            }
        }
    }
    let all: Vec<usize> = (0..cands.len()).collect();
    let mut budget = CHECKS_PER_PASS;
    go(current, before, cands, &all, dropped, &mut budget)
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
        let mut fixes: Vec<(&'static str, &Fix)> = report
            .diagnostics
            .iter()
            .filter_map(|d| {
                let f = d.fix.as_ref()?;
                (f.applicability >= threshold && f.applicability != Applicability::DisplayOnly)
                    .then_some((d.rule.name, f))
            })
            .collect();
        fixes.sort_by_key(|(_, f)| f.edits.first().map(|e| e.span.start).unwrap_or(0));
        let mut cands: Vec<Candidate> = Vec::new();
        // Spans already claimed this pass, sorted by start.
        let mut used: Vec<Span> = Vec::new();
        for (rule, fix) in fixes {
            // File changes: create only once, never overwrite.
            let mut file_done = false;
            for fc in &fix.files {
                if files.iter().any(|f| file_path(f) == file_path(fc)) {
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
                // `used` is sorted by start; only spans starting at or
                // before this edit's end can overlap it.
                let upto = used.partition_point(|u| u.start <= e.span.end);
                used[..upto].iter().rev().any(|u| e.span.start <= u.end)
            });
            if overlaps {
                // Applied in a later pass, after re-linting.
                continue;
            }
            for e in &fix.edits {
                let at = used.partition_point(|u| u.start <= e.span.start);
                used.insert(at, e.span);
            }
            cands.push(Candidate {
                rule,
                title: fix.title.clone(),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| Edit {
                        span: e.span,
                        text: with_line_endings(&e.text, crlf),
                    })
                    .collect(),
            });
        }
        if cands.is_empty() {
            break;
        }
        let good = acceptable(&current, &report.model, &cands, &mut dropped);
        if good.is_empty() {
            break;
        }
        let edits: Vec<Edit> = good
            .iter()
            .flat_map(|&i| cands[i].edits.iter().cloned())
            .collect();
        let Some(next) = apply_edits(&current, &edits) else {
            break;
        };
        for &i in &good {
            *applied.entry(cands[i].rule).or_default() += 1;
        }
        current = next;
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
    dropped.sort_by(|a, b| (a.rule, &a.title, &a.reason).cmp(&(b.rule, &b.title, &b.reason)));
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

/// Applies a change to another file. Never overwrites on create, and never
/// writes through a symbolic link: appending to a link would replace it
/// with a regular file holding its target's content (a link to a secret
/// would put the secret in the repository), creating through a dangling
/// one would write wherever it points.
pub fn apply_file_change(fc: &FileChange) -> io::Result<()> {
    let path = match fc {
        FileChange::Create { path, .. } | FileChange::Append { path, .. } => path,
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other(format!(
            "{} is a symbolic link: dlint does not write through links",
            path.display()
        )));
    }
    match fc {
        FileChange::Create { path, content } => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?;
            f.write_all(content.as_bytes())
        }
        FileChange::Append { path, content } => {
            // A regular file of bounded size only (not a FIFO or a device).
            let old = crate::files::read_text(path, crate::files::MAX_FILE)
                .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
            let mut new = old;
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
