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
use crate::diagnostic::{Applicability, Edit, FileChange, Fix};
use crate::model::{Instruction, Model};
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

/// Whether the text mostly uses CRLF line endings.
pub fn uses_crlf(src: &str) -> bool {
    let crlf = src.matches("\r\n").count();
    let lf = src.matches('\n').count();
    crlf > 0 && crlf * 2 >= lf
}

/// Converts inserted `\n` to `\r\n` for CRLF files.
pub fn with_line_endings(text: &str, crlf: bool) -> String {
    if !crlf {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Applies edits (sorted, non-overlapping) to `src`.
pub fn apply_edits(src: &str, edits: &[Edit]) -> Option<String> {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut pos = 0;
    for e in edits {
        if e.span.start < pos || e.span.end > src.len() || e.span.start > e.span.end {
            return None;
        }
        if !src.is_char_boundary(e.span.start) || !src.is_char_boundary(e.span.end) {
            return None;
        }
        out.push_str(&src[pos..e.span.start]);
        out.push_str(&e.text);
        pos = e.span.end;
    }
    out.push_str(&src[pos..]);
    Some(out)
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

/// Writes `content` to `path` atomically (a temp file in the same
/// directory, then rename), keeping the file's permissions.
pub fn write_atomic(path: &Path, content: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into());
    let perms = std::fs::metadata(path).ok().map(|m| m.permissions());
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
        f.write_all(content.as_bytes())?;
        f.sync_all()?;
        if let Some(p) = &perms {
            std::fs::set_permissions(&tmp, p.clone())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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

// ---------------------------------------------------------------------------
// Helpers rules use to build edits.

/// The start of the line holding `offset`.
pub fn line_start(m: &Model, offset: usize) -> usize {
    m.lines.line_start(m.lines.line_of(offset))
}

/// The end of the line holding `offset`, after its line ending.
pub fn line_end_after_newline(m: &Model, offset: usize) -> usize {
    m.lines.line_end_with_newline(m.lines.line_of(offset))
}

/// The indentation before an instruction's keyword.
pub fn indentation(m: &Model, inst: &Instruction) -> String {
    let ls = line_start(m, inst.span.start);
    m.source[ls..inst.span.start]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// An edit deleting an instruction's whole lines.
pub fn delete_instruction(m: &Model, inst: &Instruction) -> Edit {
    Edit {
        span: Span::new(
            line_start(m, inst.span.start),
            line_end_after_newline(m, inst.span.end),
        ),
        text: String::new(),
    }
}

/// An edit inserting whole lines (each ending in `\n`) before an instruction.
pub fn insert_before(m: &Model, inst: &Instruction, lines: &str) -> Edit {
    let at = line_start(m, inst.span.start);
    Edit {
        span: Span::new(at, at),
        text: lines.to_string(),
    }
}

/// An edit inserting whole lines after an instruction.
pub fn insert_after(m: &Model, inst: &Instruction, lines: &str) -> Edit {
    let at = line_end_after_newline(m, inst.span.end);
    let needs_newline = at == m.source.len() && !m.source.ends_with('\n');
    Edit {
        span: Span::new(at, at),
        text: if needs_newline {
            format!("\n{lines}")
        } else {
            lines.to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_detection_and_conversion() {
        assert!(uses_crlf("a\r\nb\r\n"));
        assert!(!uses_crlf("a\nb\n"));
        assert_eq!(with_line_endings("x\ny\r\n", true), "x\r\ny\r\n");
    }

    #[test]
    fn edits_apply_in_order_and_reject_overlap() {
        let e = |s, e, t: &str| Edit {
            span: Span::new(s, e),
            text: t.into(),
        };
        assert_eq!(
            apply_edits("abcdef", &[e(4, 5, "E"), e(0, 1, "A")]).unwrap(),
            "AbcdEf"
        );
        assert!(apply_edits("abcdef", &[e(0, 3, ""), e(2, 4, "")]).is_none());
    }

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
