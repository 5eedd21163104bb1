//! The build context: the directory `docker build` sends, and the
//! `.dockerignore` that filters it, with Docker's pattern semantics
//! (`github.com/moby/patternmatcher`): `*`, `?`, `[…]`, `**`, `!` exceptions,
//! a leading `/` ignored, and a path excluded when it or a parent matches.

use std::path::{Path, PathBuf};

use regex::Regex;

/// One `.dockerignore` pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    pub exclusion: bool,
    regex: Option<Regex>,
    /// 1-based line in the ignore file.
    pub line: usize,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    pub path: PathBuf,
    pub text: String,
    pub patterns: Vec<Pattern>,
    /// The path is a symbolic link (to this target): read through it, as
    /// Docker does, but never written through.
    pub link_target: Option<PathBuf>,
}

/// An ignore file that is there but cannot be used (a FIFO, a device, too
/// large, unreadable).
#[derive(Debug, Clone)]
pub struct IgnoreError {
    pub path: PathBuf,
    pub reason: String,
}

fn clean(p: &str) -> String {
    // filepath.Clean on a slash path, without the leading '/'.
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

fn compile(pattern: &str) -> Option<Regex> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    i += 1;
                    // Treat **/ as zero or more directories.
                    if i + 1 >= chars.len() {
                        re.push_str(".*");
                    } else if chars[i + 1] == '/' {
                        re.push_str("(.*/)?");
                        i += 1;
                    } else {
                        re.push_str(".*");
                    }
                } else {
                    re.push_str("[^/]*");
                }
            }
            '?' => re.push_str("[^/]"),
            '[' => {
                // Copy the class through, translating '!' negation.
                let mut j = i + 1;
                let mut class = String::from("[");
                if chars.get(j) == Some(&'!') || chars.get(j) == Some(&'^') {
                    class.push('^');
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        class.push_str(&regex::escape(&chars[j + 1].to_string()));
                        j += 2;
                        continue;
                    }
                    if chars[j] == '[' {
                        class.push_str("\\[");
                    } else {
                        class.push(chars[j]);
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return None;
                }
                class.push(']');
                re.push_str(&class);
                i = j;
            }
            '\\' => {
                if let Some(n) = chars.get(i + 1) {
                    re.push_str(&regex::escape(&n.to_string()));
                    i += 1;
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).ok()
}

impl IgnoreFile {
    pub fn parse(path: PathBuf, text: &str) -> IgnoreFile {
        let mut patterns = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}');
            if line.starts_with('#') {
                continue;
            }
            let mut p = line.trim().to_string();
            if p.is_empty() {
                continue;
            }
            let mut exclusion = false;
            if let Some(rest) = p.strip_prefix('!') {
                exclusion = true;
                p = rest.trim().to_string();
            }
            let cleaned = clean(&p);
            if cleaned.is_empty() {
                continue;
            }
            patterns.push(Pattern {
                regex: compile(&cleaned),
                text: cleaned,
                exclusion,
                line: n + 1,
            });
        }
        IgnoreFile {
            path,
            text: text.to_string(),
            patterns,
            link_target: None,
        }
    }

    /// Whether a context-relative path (slash-separated) is left out of the
    /// context: the last pattern matching it or one of its parents decides.
    #[allow(clippy::string_slice)] // prefixes end at a '/' found by char_indices
    pub fn excludes(&self, rel: &str) -> bool {
        let rel = clean(rel);
        if rel.is_empty() {
            return false;
        }
        let parents: Vec<&str> = {
            let mut v = Vec::new();
            let mut idx = 0;
            for (i, c) in rel.char_indices() {
                if c == '/' {
                    v.push(&rel[..i]);
                }
                idx = i;
            }
            let _ = idx;
            v.push(rel.as_str());
            v
        };
        let mut matched = false;
        for p in &self.patterns {
            let Some(re) = &p.regex else { continue };
            let hit = parents.iter().any(|cand| re.is_match(cand));
            if hit {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

/// What dlint knows about a build context.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub dir: PathBuf,
    /// The ignore file in force: `<Dockerfile>.dockerignore` beside the
    /// Dockerfile, else `.dockerignore` at the context root.
    pub ignore: Option<IgnoreFile>,
    /// An ignore file that exists but was not read, and why.
    pub ignore_error: Option<IgnoreError>,
    /// Where a new `.dockerignore` would go.
    pub ignore_target: PathBuf,
    /// `ignore_target` is a symbolic link (dangling: there is no ignore
    /// file, and none may be created through the link).
    pub ignore_target_link: Option<PathBuf>,
    /// Entries of the context, relative paths (directories end in `/`), two
    /// levels deep, used to name what would be sent.
    pub entries: std::sync::Arc<Vec<String>>,
    /// Look-ups shared by every Dockerfile of this context.
    shared: std::sync::Arc<Shared>,
}

/// Per-listing data computed once.
#[derive(Debug, Default)]
struct Shared {
    set: std::collections::HashSet<String>,
    unwanted: std::sync::OnceLock<Vec<(String, &'static str)>>,
}

/// Caches context listings by directory, so linting many Dockerfiles of one
/// context reads it once.
#[derive(Default)]
pub struct ContextCache {
    #[allow(clippy::type_complexity)]
    listings: std::sync::Mutex<
        std::collections::HashMap<PathBuf, (std::sync::Arc<Vec<String>>, std::sync::Arc<Shared>)>,
    >,
}

impl ContextCache {
    pub fn load(&self, dir: &Path, dockerfile: Option<&Path>) -> BuildContext {
        let cached = {
            let m = self.listings.lock().unwrap_or_else(|e| e.into_inner());
            m.get(dir).cloned()
        };
        let (entries, shared) = match cached {
            Some(e) => e,
            None => {
                let e = listing(dir);
                let mut m = self.listings.lock().unwrap_or_else(|e| e.into_inner());
                m.insert(dir.to_path_buf(), e.clone());
                e
            }
        };
        BuildContext::with_entries(dir, dockerfile, entries, shared)
    }
}

const SKIP_DEEP: &[&str] = &[".git", "node_modules", "target", "vendor", ".venv", "venv"];

impl BuildContext {
    /// Reads a context directory. `dockerfile` is the Dockerfile's path, for
    /// the per-Dockerfile ignore file.
    pub fn load(dir: &Path, dockerfile: Option<&Path>) -> BuildContext {
        let (entries, shared) = listing(dir);
        Self::with_entries(dir, dockerfile, entries, shared)
    }

    fn with_entries(
        dir: &Path,
        dockerfile: Option<&Path>,
        entries: std::sync::Arc<Vec<String>>,
        shared: std::sync::Arc<Shared>,
    ) -> BuildContext {
        let mut ignore = None;
        let mut ignore_error = None;
        if let Some(df) = dockerfile {
            let mut name = df.as_os_str().to_owned();
            name.push(".dockerignore");
            let p = PathBuf::from(name);
            match read_ignore(p) {
                Ok(i) => ignore = i,
                Err(e) => ignore_error = Some(e),
            }
        }
        let root_ignore = if dir == Path::new(".") {
            PathBuf::from(".dockerignore")
        } else {
            dir.join(".dockerignore")
        };
        if ignore.is_none() && ignore_error.is_none() {
            match read_ignore(root_ignore.clone()) {
                Ok(i) => ignore = i,
                Err(e) => ignore_error = Some(e),
            }
        }
        let ignore_target_link = std::fs::read_link(&root_ignore).ok();
        BuildContext {
            dir: dir.to_path_buf(),
            ignore,
            ignore_error,
            ignore_target: root_ignore,
            ignore_target_link,
            entries,
            shared,
        }
    }

    /// `f` computed once per context listing (what an ignore file should
    /// leave out, which depends only on the entries).
    pub fn unwanted_cached(
        &self,
        f: impl FnOnce(&BuildContext) -> Vec<(String, &'static str)>,
    ) -> Vec<(String, &'static str)> {
        self.shared.unwanted.get_or_init(|| f(self)).clone()
    }

    /// Whether the context has this entry (relative path; `dir/` for a
    /// directory).
    pub fn has(&self, entry: &str) -> bool {
        self.shared.set.contains(entry)
    }

    /// Entries not excluded by the ignore file.
    pub fn sent(&self, entry: &str) -> bool {
        match &self.ignore {
            None => true,
            Some(i) => !i.excludes(entry.trim_end_matches('/')),
        }
    }
}

/// Reads an ignore file: None when there is none, an error when it is
/// there but is no regular file of at most [`crate::files::MAX_FILE`]
/// bytes (a FIFO would block the read for ever, `/dev/zero` never ends).
fn read_ignore(path: PathBuf) -> Result<Option<IgnoreFile>, IgnoreError> {
    match crate::files::read_text_lossy(&path, crate::files::MAX_FILE) {
        Ok(text) => {
            let mut i = IgnoreFile::parse(path, &text);
            i.link_target = std::fs::read_link(&i.path).ok();
            Ok(Some(i))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(IgnoreError {
            path,
            reason: e.to_string(),
        }),
    }
}

#[allow(clippy::type_complexity)]
fn listing(dir: &Path) -> (std::sync::Arc<Vec<String>>, std::sync::Arc<Shared>) {
    let entries = list_entries(dir);
    let shared = Shared {
        set: entries.iter().cloned().collect(),
        unwanted: std::sync::OnceLock::new(),
    };
    (std::sync::Arc::new(entries), std::sync::Arc::new(shared))
}

/// The context's entries, two levels deep, sorted.
fn list_entries(dir: &Path) -> Vec<String> {
    let mut entries = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut names: Vec<(String, bool)> = rd
            .filter_map(|e| e.ok())
            .take(100_000)
            .map(|e| {
                let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                (e.file_name().to_string_lossy().into_owned(), is_dir)
            })
            .collect();
        names.sort();
        for (name, is_dir) in names {
            if is_dir {
                entries.push(format!("{name}/"));
                if SKIP_DEEP.contains(&name.as_str()) {
                    continue;
                }
                if let Ok(rd2) = std::fs::read_dir(dir.join(&name)) {
                    let mut sub: Vec<(String, bool)> = rd2
                        .filter_map(|e| e.ok())
                        .take(2000)
                        .map(|e| {
                            let d = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                            (e.file_name().to_string_lossy().into_owned(), d)
                        })
                        .collect();
                    sub.sort();
                    for (s, d) in sub {
                        entries.push(format!("{name}/{s}{}", if d { "/" } else { "" }));
                    }
                }
            } else {
                entries.push(name);
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(t: &str) -> IgnoreFile {
        IgnoreFile::parse(PathBuf::from(".dockerignore"), t)
    }

    #[test]
    fn docker_semantics() {
        let i = ig("# c\n.git\n**/node_modules\n/dist\n*.log\n!keep.log\n");
        assert!(i.excludes(".git"));
        assert!(i.excludes(".git/config"));
        assert!(i.excludes("node_modules"));
        assert!(i.excludes("web/node_modules/x"));
        assert!(i.excludes("dist"));
        assert!(i.excludes("a.log"));
        assert!(!i.excludes("keep.log"));
        assert!(!i.excludes("src/a.log"));
        assert!(!i.excludes("src/main.rs"));
    }

    #[test]
    fn star_does_not_cross_dirs() {
        let i = ig("*/temp*\n");
        assert!(i.excludes("a/temporary"));
        assert!(!i.excludes("a/b/temporary"));
        assert!(!i.excludes("temporary"));
    }

    #[test]
    fn exclusion_after_dir() {
        let i = ig("docs\n!docs/README.md\n");
        assert!(i.excludes("docs/x.md"));
        // The parent matches "docs" so the child is excluded, then the
        // exception re-includes it.
        assert!(!i.excludes("docs/README.md"));
    }
}
