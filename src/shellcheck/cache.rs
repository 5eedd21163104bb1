//! ShellCheck's results kept on disk between runs, so that linting the same
//! scripts again (CI re-runs, pre-commit, the editor after a restart) does
//! not run ShellCheck again.
//!
//! - Where: `$DLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/dlint`, else
//!   `~/.cache/dlint` (`%LOCALAPPDATA%\dlint` on Windows), in `shellcheck/`.
//!   `DLINT_NO_CACHE=1` (or `DLINT_CACHE_DIR=off`) turns it off.
//! - Key: dlint's cache format, the ShellCheck program (version, and the
//!   binary's path, size and modification time), the options dlint passes,
//!   and the exact script text. An entry's file name is a hash of the key;
//!   the entry holds the key and the text themselves and is used only when
//!   both are equal to what is asked for, so a hash collision, a truncated
//!   or foreign file is a miss, never a wrong result.
//! - Writes go to a temporary file in the same directory, renamed over the
//!   entry: a reader sees a whole entry or none, and several dlint processes
//!   may read and write at once.
//! - Entries not used for 30 days are removed (checked at most once a day).
//!
//! Every failure (no home directory, a read-only disk, a full disk) makes the
//! cache a no-op: it never stops a lint.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::Comment;

/// Bumped when an entry's meaning changes.
const FORMAT: u32 = 1;

/// An entry not used for this long is removed.
const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// How often a used entry's time is refreshed, and old entries looked for.
const REFRESH: Duration = Duration::from_secs(24 * 3600);

/// The largest entry read (a bigger file is not one of ours).
const MAX_ENTRY_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    text: String,
    comments: Vec<Comment>,
}

/// The on-disk cache of one ShellCheck program's results.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    key: String,
}

/// The cache directory the environment asks for; None when it is off or
/// there is no place for it.
pub fn root_from_env() -> Option<PathBuf> {
    root_from(&|k| std::env::var_os(k))
}

fn root_from(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(v) = var("DLINT_NO_CACHE") {
        if v != "0" && !v.eq_ignore_ascii_case("false") {
            return None;
        }
    }
    if let Some(d) = var("DLINT_CACHE_DIR") {
        let off = d.to_str().is_some_and(|s| {
            ["off", "false", "0", "none"]
                .iter()
                .any(|o| s.eq_ignore_ascii_case(o))
        });
        return (!off).then(|| PathBuf::from(d));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| PathBuf::from(d).join("dlint"));
    }
    if let Some(x) = var("XDG_CACHE_HOME").map(PathBuf::from) {
        if x.is_absolute() {
            return Some(x.join("dlint"));
        }
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache").join("dlint"))
}

/// Where a program name given as a bare name (`shellcheck`) is on PATH.
fn resolve(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return std::fs::canonicalize(program).ok();
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
}

/// A 128-bit FNV-1a hash (two 64-bit lanes), as 32 hex digits: file names
/// only; entries are checked by their content.
fn hash(parts: &[&str]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for p in parts {
        for &byte in p.as_bytes().iter().chain(&[0xff]) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = b.rotate_left(5);
        }
    }
    format!("{a:016x}{b:016x}")
}

impl DiskCache {
    /// The cache for a program of this version run with these options, or
    /// None when the cache is off or its directory cannot be made.
    pub fn open(root: Option<PathBuf>, program: &Path, version: &str, args: &str) -> Option<Self> {
        let dir = root?.join("shellcheck");
        let identity = match resolve(program) {
            Some(p) => {
                let meta = std::fs::metadata(&p).ok();
                let size = meta.as_ref().map_or(0, |m| m.len());
                let mtime = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{} {size} {mtime}", p.display())
            }
            None => program.display().to_string(),
        };
        let key = format!(
            "dlint shellcheck cache {FORMAT}\nshellcheck {version}\nprogram {identity}\nargs {args}\n"
        );
        make_dir(&dir).ok()?;
        Some(DiskCache { dir, key })
    }

    fn path(&self, text: &str) -> PathBuf {
        self.dir.join(format!("{}.json", hash(&[&self.key, text])))
    }

    /// The stored findings for a script, if an entry for exactly this key
    /// and text is there.
    pub fn get(&self, text: &str) -> Option<Vec<Comment>> {
        let path = self.path(text);
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        if e.key != self.key || e.text != text {
            return None;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > REFRESH);
        if old {
            // Used: keep it from being pruned.
            if let Ok(f) = std::fs::OpenOptions::new().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
        }
        Some(e.comments)
    }

    /// Stores the findings for a script (best effort).
    pub fn put(&self, text: &str, comments: &[Comment]) {
        let entry = Entry {
            key: self.key.clone(),
            text: text.to_string(),
            comments: comments.to_vec(),
        };
        let Ok(json) = serde_json::to_vec(&entry) else {
            return;
        };
        let Ok(mut tmp) = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(&self.dir)
        else {
            return;
        };
        if tmp.write_all(&json).is_err() || tmp.flush().is_err() {
            return;
        }
        let _ = tmp.persist(self.path(text));
    }

    /// Removes entries not used for [`MAX_AGE`] and leftover temporary files,
    /// at most once per [`REFRESH`] (best effort).
    pub fn prune(&self) {
        let marker = self.dir.join(".pruned");
        let recent = std::fs::metadata(&marker)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < REFRESH);
        if recent {
            return;
        }
        if std::fs::write(&marker, b"").is_err() {
            return;
        }
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let limit = if name.starts_with(".tmp-") {
                REFRESH
            } else if name.ends_with(".json") {
                MAX_AGE
            } else {
                continue;
            };
            let stale = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > limit);
            if stale {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Creates the cache directory, readable by its owner only on Unix (the
/// results it holds decide what dlint reports and fixes).
fn make_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(msg: &str) -> Comment {
        Comment {
            line: 2,
            end_line: 2,
            column: 6,
            end_column: 8,
            level: "warning".into(),
            code: 2154,
            message: msg.into(),
            fix: None,
        }
    }

    fn open(root: &Path, version: &str) -> DiskCache {
        DiskCache::open(
            Some(root.to_path_buf()),
            Path::new("/nonexistent/shellcheck"),
            version,
            "--x",
        )
        .unwrap()
    }

    #[test]
    fn stores_and_reads_back_by_exact_text_and_key() {
        let d = tempfile::tempdir().unwrap();
        let c = open(d.path(), "0.9.0");
        assert!(c.get("echo $x\n").is_none());
        c.put("echo $x\n", &[comment("x is referenced but not assigned.")]);
        assert_eq!(
            c.get("echo $x\n").unwrap(),
            vec![comment("x is referenced but not assigned.")]
        );
        // Another text, another ShellCheck version: misses.
        assert!(c.get("echo $x \n").is_none());
        assert!(open(d.path(), "0.10.0").get("echo $x\n").is_none());
        // Multi-byte text.
        c.put("echo 공 $y\n", &[]);
        assert_eq!(c.get("echo 공 $y\n").unwrap(), vec![]);
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let c = open(d.path(), "0.9.0");
        c.put("a\n", &[comment("m")]);
        let p = c.path("a\n");
        let full = std::fs::read(&p).unwrap();
        std::fs::write(&p, &full[..full.len() / 2]).unwrap();
        assert!(c.get("a\n").is_none());
        // An entry for another text under this text's name (a collision).
        let other = Entry {
            key: c.key.clone(),
            text: "b\n".into(),
            comments: vec![comment("wrong")],
        };
        std::fs::write(&p, serde_json::to_vec(&other).unwrap()).unwrap();
        assert!(c.get("a\n").is_none());
        std::fs::write(&p, b"\xff\xfe not json").unwrap();
        assert!(c.get("a\n").is_none());
        // And a write replaces it.
        c.put("a\n", &[comment("m")]);
        assert_eq!(c.get("a\n").unwrap(), vec![comment("m")]);
    }

    #[test]
    fn many_writers_at_once_leave_whole_entries() {
        let d = tempfile::tempdir().unwrap();
        let c = open(d.path(), "0.9.0");
        std::thread::scope(|s| {
            for i in 0..8 {
                let c = c.clone();
                s.spawn(move || {
                    for n in 0..50 {
                        c.put(&format!("script {n}\n"), &[comment(&format!("{i}"))]);
                        if let Some(v) = c.get(&format!("script {n}\n")) {
                            assert_eq!(v.len(), 1);
                        }
                    }
                });
            }
        });
        for n in 0..50 {
            assert_eq!(c.get(&format!("script {n}\n")).unwrap().len(), 1);
        }
        let leftovers = std::fs::read_dir(&c.dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn old_entries_are_pruned_and_used_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        let c = open(d.path(), "0.9.0");
        c.put("old\n", &[]);
        c.put("used\n", &[]);
        let long_ago = SystemTime::now() - MAX_AGE - Duration::from_secs(3600);
        for t in ["old\n", "used\n"] {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(c.path(t))
                .unwrap();
            f.set_modified(long_ago).unwrap();
        }
        // Reading refreshes an entry's time.
        assert!(c.get("used\n").is_some());
        c.prune();
        assert!(c.get("old\n").is_none());
        assert!(c.get("used\n").is_some());
        // The marker holds the next prune off.
        c.put("old\n", &[]);
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(c.path("old\n"))
            .unwrap();
        f.set_modified(long_ago).unwrap();
        c.prune();
        assert!(c.path("old\n").exists());
    }

    #[test]
    fn the_environment_picks_the_directory_or_turns_it_off() {
        let root = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            root_from(&move |k| {
                vars.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            })
        };
        let home = ("HOME", "/home/u");
        let dir = ("DLINT_CACHE_DIR", "/tmp/dlint-c");
        assert_eq!(root(&[home, dir]), Some(PathBuf::from("/tmp/dlint-c")));
        assert_eq!(root(&[home, ("DLINT_CACHE_DIR", "off")]), None);
        assert_eq!(root(&[home, dir, ("DLINT_NO_CACHE", "1")]), None);
        assert_eq!(
            root(&[home, dir, ("DLINT_NO_CACHE", "0")]),
            Some(PathBuf::from("/tmp/dlint-c"))
        );
        if !cfg!(windows) {
            assert_eq!(
                root(&[home, ("XDG_CACHE_HOME", "/x/cache")]),
                Some(PathBuf::from("/x/cache/dlint"))
            );
            assert_eq!(
                root(&[home, ("XDG_CACHE_HOME", "relative")]),
                Some(PathBuf::from("/home/u/.cache/dlint"))
            );
            assert_eq!(root(&[("XDG_CACHE_HOME", "")]), None);
        }
    }
}
