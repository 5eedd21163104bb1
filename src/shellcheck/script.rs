//! The shell scripts of a Dockerfile, as the shell runs them, with a map
//! back to the Dockerfile for every character.
//!
//! What is checked, as hadolint does (so that results match): every
//! shell-form `RUN` (also inside `ONBUILD`), and the heredoc bodies a shell
//! runs; the shell is the stage's `SHELL` (default `/bin/sh`), or a heredoc's
//! shebang; `pwsh`, `powershell`, `cmd` and shells ShellCheck does not know
//! are skipped, as is everything after a `# hadolint shell=…` pragma naming
//! one of them. The `ARG` and `ENV` names the stage has declared before the
//! `RUN`, and the `*_PROXY` variables, are exported in a header so that
//! ShellCheck does not call them unassigned: those the script names, or
//! nearly names (`header_vars`).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use crate::model::{Base, Instruction, Kind, Model};

/// Variables every build has (BuildKit passes them through).
const PROXIES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A run of the script that is a copy of the Dockerfile's text (`source`
/// relative to the script's origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    script: usize,
    source: usize,
    len: usize,
}

/// One script for ShellCheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellScript {
    /// The instruction it comes from (the ONBUILD, for a trigger).
    pub instruction: usize,
    /// The shell, as ShellCheck's shebang names it (`sh`, `bash`, …).
    pub shell: &'static str,
    /// The whole text handed to ShellCheck (shebang and header included).
    pub text: Arc<str>,
    pieces: Arc<[Piece]>,
    /// The Dockerfile offset the pieces' sources count from (the
    /// instruction's start: a script of an unchanged instruction is the
    /// same wherever the instruction moves).
    origin: usize,
}

impl ShellScript {
    /// The Dockerfile offset of a byte offset in `text`. Offsets in text
    /// dlint added (the header, line breaks between a command and its
    /// heredocs) map to the nearest character that came from the file.
    pub fn to_source(&self, offset: usize) -> usize {
        let o = self.origin;
        let i = self.pieces.partition_point(|p| p.script <= offset);
        if i == 0 {
            return self.pieces.first().map_or(0, |p| o + p.source);
        }
        let p = self.pieces[i - 1];
        if offset < p.script + p.len {
            o + p.source + (offset - p.script)
        } else if offset == p.script + p.len && self.pieces.get(i).is_none_or(|n| n.script > offset)
        {
            // Just after the piece: its end.
            o + p.source + p.len
        } else {
            o + self.pieces.get(i).map_or(p.source + p.len, |n| n.source)
        }
    }

    /// Whether `text[start..end]` is one unbroken copy of the Dockerfile's
    /// text (no continuation, header or added line break inside), so that
    /// an edit of it can be made in the Dockerfile.
    pub fn contiguous(&self, start: usize, end: usize) -> bool {
        let i = self.pieces.partition_point(|p| p.script <= start);
        if i == 0 {
            return false;
        }
        let p = self.pieces[i - 1];
        start >= p.script && end <= p.script + p.len
    }

    /// The byte offset in `text` of a 1-based line and 1-based character
    /// column, as ShellCheck reports them.
    pub fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
        let mut start = 0;
        for _ in 1..line.max(1) {
            start += self.text.get(start..)?.find('\n')? + 1;
        }
        let rest = self.text.get(start..)?;
        let line_len = rest.find('\n').unwrap_or(rest.len());
        let mut off = start + line_len;
        for (n, (i, _)) in rest.get(..line_len)?.char_indices().enumerate() {
            if n + 1 == column {
                off = start + i;
                break;
            }
        }
        Some(off)
    }
}

/// The basename of a shell path: `/usr/bin/env bash` → `bash`.
fn shell_name(first: &str, rest: &[&str]) -> String {
    let base = first.rsplit(['/', '\\']).next().unwrap_or(first);
    let base = base.trim_end_matches(".exe").to_ascii_lowercase();
    if base == "env" {
        if let Some(next) = rest.iter().find(|a| !a.starts_with('-')) {
            return shell_name(next, &[]);
        }
    }
    if base == "busybox" {
        return "sh".into();
    }
    base
}

/// The shebang ShellCheck understands for a shell, if it checks it.
fn supported(shell: &str) -> Option<&'static str> {
    match shell {
        "sh" => Some("sh"),
        "bash" => Some("bash"),
        "dash" => Some("dash"),
        "ksh" | "mksh" | "ksh93" => Some("ksh"),
        "ash" => Some("ash"),
        _ => None,
    }
}

struct Builder<'v> {
    shell: &'static str,
    vars: &'v [String],
    /// The script after the header.
    text: String,
    pieces: Vec<Piece>,
}

impl<'v> Builder<'v> {
    fn new(shell: &'static str, vars: &'v [String]) -> Builder<'v> {
        Builder {
            shell,
            vars,
            text: String::new(),
            pieces: Vec::new(),
        }
    }

    /// Appends text that is a copy of the Dockerfile at `source`.
    fn copy(&mut self, s: &str, source: usize) {
        if s.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            script: self.text.len(),
            source,
            len: s.len(),
        });
        self.text.push_str(s);
    }

    fn add(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// The script: the shebang, the header exporting the variables the body
    /// can be about, then the body. Its pieces count from `origin` when
    /// every one starts there or later (else from 0).
    fn finish(self, instruction: usize, origin: usize) -> ShellScript {
        let mut text = format!("#!/bin/{}\n", self.shell);
        for v in header_vars(self.vars, &self.text) {
            text.push_str("export ");
            text.push_str(v);
            text.push_str("=1\n");
        }
        let shift = text.len();
        text.push_str(&self.text);
        let origin = if self.pieces.iter().all(|p| p.source >= origin) {
            origin
        } else {
            0
        };
        ShellScript {
            instruction,
            shell: self.shell,
            text: text.into(),
            pieces: self
                .pieces
                .into_iter()
                .map(|p| Piece {
                    script: p.script + shift,
                    source: p.source - origin,
                    len: p.len,
                })
                .collect(),
            origin,
        }
    }
}

/// The declared variables the header exports for `body`: those that could
/// change what ShellCheck says about it. A name the body never mentions can
/// only matter as the "did you mean" of SC2153, which ShellCheck picks among
/// the assigned names within two edits (case aside) of a referenced one.
/// Every other name is left out: a third of the bytes handed to ShellCheck
/// on the corpus were such exports, and identical RUNs under different ARGs
/// now make one script, checked once. With `${!…}` (indirection, names by
/// prefix) every name stays.
fn header_vars<'a>(vars: &'a [String], body: &str) -> Vec<&'a str> {
    if body.contains("${!") {
        return vars.iter().map(String::as_str).collect();
    }
    fn is_ident(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_'
    }
    /// The words of `text` that can be variable names.
    fn names(text: &str) -> impl Iterator<Item = &str> {
        text.split(|c: char| !is_ident(c))
            .filter(|t| !t.is_empty() && !t.starts_with(|c: char| c.is_ascii_digit()))
    }
    if vars.is_empty() {
        return Vec::new();
    }
    // Sorted words rather than a hash set: a script has few, and this runs
    // for every RUN on every lint (the language server's typing path).
    let mut mentioned: Vec<&str> = names(body).collect();
    mentioned.sort_unstable();
    mentioned.dedup();
    // What a script can reference: `$NAME`, `${NAME…}`, `${#NAME}`; in
    // arithmetic and `[[ -v NAME ]]` a bare name, so there every name.
    let referenced: Vec<&str> = if body.contains("((") || body.contains("-v") {
        mentioned.clone()
    } else {
        let mut r: Vec<&str> = body
            .match_indices('$')
            .filter_map(|(i, _)| {
                let after = body.get(i + 1..)?;
                let after = after
                    .strip_prefix('{')
                    .map_or(after, |a| a.strip_prefix('#').unwrap_or(a));
                let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
                let name = after.get(..end)?;
                (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()))
                    .then_some(name)
            })
            .collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    vars.iter()
        .map(String::as_str)
        .filter(|v| {
            !v.chars().all(is_ident)
                || mentioned.binary_search(v).is_ok()
                || referenced.iter().any(|t| within_two_edits(t, v))
        })
        .collect()
}

/// Whether two ASCII names are at most two insertions, deletions or
/// substitutions apart, case aside (Levenshtein distance ≤ 2).
fn within_two_edits(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > 2 {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= 2
}

/// Copies a RUN's command text (a logical line: continuations joined, as
/// BuildKit hands it to the shell), piece by piece where it came from.
fn copy_logical(b: &mut Builder, inst: &Instruction) {
    let raw = &inst.raw;
    let base = raw.args_offset.min(raw.line.len());
    let text = raw.args_text();
    if raw.map.is_empty() {
        // No map (an empty line): `to_source` says 0 for every offset.
        for (i, c) in text.char_indices() {
            b.copy(text.get(i..i + c.len_utf8()).unwrap_or(""), 0);
        }
        return;
    }
    // Pieces whose source offsets follow each other make one run.
    let mut run_start = 0;
    let mut run_source = raw.map.to_source(base);
    let mut expected = run_source;
    for (l, src, len) in raw.map.segments(base, base + text.len()) {
        let i = l - base;
        if src != expected {
            b.copy(text.get(run_start..i).unwrap_or(""), run_source);
            run_start = i;
            run_source = src;
        }
        expected = src + len;
    }
    b.copy(text.get(run_start..).unwrap_or(""), run_source);
}

/// Whether a RUN's inline text is nothing but heredoc markers (`RUN <<EOF`,
/// `<<-EOF`, `<<"EOF"`, `<<'EOF'`): then each body
/// is a script of its own. One pass over the words with the markers' names
/// counted (removing each marker from the whole text was quadratic: 50,000
/// markers took 45 s).
fn only_markers(inst: &Instruction) -> bool {
    let mut names: std::collections::HashMap<&str, usize> = Default::default();
    for h in &inst.heredocs {
        *names.entry(h.name.as_str()).or_default() += 1;
    }
    for word in inst.raw.args_text().split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            let Some(r) = rest.strip_prefix("<<") else {
                return false;
            };
            let r = r.strip_prefix('-').unwrap_or(r);
            let quoted = r
                .strip_prefix('"')
                .and_then(|q| q.split_once('"'))
                .or_else(|| r.strip_prefix('\'').and_then(|q| q.split_once('\'')));
            let (name, after) = match quoted {
                Some(parts) => parts,
                None => match r.find("<<") {
                    Some(i) => (r.get(..i).unwrap_or(r), r.get(i..).unwrap_or("")),
                    None => (r, ""),
                },
            };
            match names.get_mut(name) {
                Some(n) if *n > 0 => *n -= 1,
                _ => return false,
            }
            rest = after;
        }
    }
    true
}

/// The scripts of one RUN (`run`: the instruction at `index`, or its
/// ONBUILD trigger), with pieces counting from `origin`.
fn run_scripts(
    out: &mut Vec<ShellScript>,
    index: usize,
    origin: usize,
    run: &Instruction,
    shell: &'static str,
    vars: &[String],
) {
    if run.json {
        return;
    }
    if run.heredocs.is_empty() || !only_markers(run) {
        let mut b = Builder::new(shell, vars);
        copy_logical(&mut b, run);
        for h in &run.heredocs {
            b.add("\n");
            b.copy(&h.content, h.content_span.start);
            if !h.content.is_empty() && !h.content.ends_with('\n') {
                b.add("\n");
            }
            b.add(&h.name);
        }
        b.add("\n");
        out.push(b.finish(index, origin));
        return;
    }
    for h in &run.heredocs {
        let body = h.content.as_str();
        let first = body.lines().next().unwrap_or("");
        let (sh, from) = match first.strip_prefix("#!") {
            Some(bang) => {
                let words: Vec<&str> = bang.split_whitespace().collect();
                let Some((head, rest)) = words.split_first() else {
                    continue;
                };
                match supported(&shell_name(head, rest)) {
                    // The body's own shebang line is dropped: ours names
                    // the same shell.
                    Some(s) => (s, first.len() + 1),
                    None => continue,
                }
            }
            None => (shell, 0),
        };
        let mut b = Builder::new(sh, vars);
        if from > 0 {
            b.add("\n"); // keep the body's line numbers
        }
        let from = from.min(body.len());
        b.copy(body.get(from..).unwrap_or(""), h.content_span.start + from);
        if !body.ends_with('\n') {
            b.add("\n");
        }
        out.push(b.finish(index, origin));
    }
}

/// A `# hadolint shell=NAME` comment's shell.
fn pragma_shell(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("hadolint")?;
    let rest = rest.trim_start().strip_prefix("shell")?;
    let name = rest.trim_start().strip_prefix('=')?.trim();
    let first = name.split_whitespace().next()?;
    Some(shell_name(first, &[]))
}

/// What a `RUN` is checked with: the shell (None: not checked) and the
/// variables known to be set.
#[derive(Debug, Clone)]
struct Context {
    shell: Option<&'static str>,
    vars: Vec<String>,
    /// A hash of `vars` in order, kept as they are added (the script
    /// cache's key; equality is checked on a hit).
    vars_hash: u64,
}

impl Context {
    fn new(shell: Option<&'static str>) -> Context {
        let mut cx = Context {
            shell,
            vars: Vec::with_capacity(PROXIES.len()),
            vars_hash: 0,
        };
        for p in PROXIES {
            cx.add(p);
        }
        cx
    }

    fn add(&mut self, name: &str) {
        if add_var(&mut self.vars, name) {
            self.vars_hash = KEY_HASH.hash_one((self.vars_hash, name));
        }
    }

    /// What an `ARG`, `ENV` or `SHELL` (also as an `ONBUILD` trigger) does
    /// to the context.
    fn apply(&mut self, inst: &Instruction) {
        match inst.kind {
            Kind::Arg => {
                for a in &inst.args {
                    self.add(a.value.split('=').next().unwrap_or(""));
                }
            }
            Kind::Env => {
                for pair in inst.args.chunks(2) {
                    self.add(&pair[0].value);
                }
            }
            Kind::Shell if inst.json => {
                let words: Vec<&str> = inst.args.iter().map(|a| a.value.as_str()).collect();
                if let Some((head, rest)) = words.split_first() {
                    self.shell = supported(&shell_name(head, rest));
                }
            }
            _ => {}
        }
    }
}

/// The hasher of the script cache's keys (foldhash, seeded once per
/// process; a hit is checked in full).
static KEY_HASH: std::sync::LazyLock<foldhash::fast::RandomState> =
    std::sync::LazyLock::new(foldhash::fast::RandomState::default);

/// Cached scripts by key.
type ByKey = HashMap<u64, Vec<Entry>, foldhash::fast::RandomState>;

/// The scripts of instructions seen in earlier lints, by what makes them:
/// the instruction's text, the escape character, the shell and the
/// variables the stage has set. The language server keeps one, so that a
/// keystroke builds only the scripts of the instruction it changed (the
/// scripts of every RUN were built on every lint). Two generations: when
/// the newer holds [`ScriptCache::LIMIT`] bytes it becomes the older, and
/// what the older held is dropped unless a lint used it since.
#[derive(Debug, Default)]
pub struct ScriptCache {
    inner: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    new: ByKey,
    old: ByKey,
    /// About how many bytes `new` holds.
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    /// The instruction's source text (the ONBUILD's, for a trigger).
    text: Box<str>,
    escape: char,
    shell: &'static str,
    vars: Box<[String]>,
    /// Its scripts (pieces counting from the instruction's start).
    scripts: Vec<Made>,
}

/// One cached script: its shell, text and pieces.
type Made = (&'static str, Arc<str>, Arc<[Piece]>);

impl Entry {
    fn is(&self, text: &str, escape: char, shell: &str, vars: &[String]) -> bool {
        self.escape == escape && self.shell == shell && *self.text == *text && *self.vars == *vars
    }
}

impl ScriptCache {
    /// Bytes one generation holds before it is retired.
    pub const LIMIT: usize = 16 << 20;

    pub fn new() -> ScriptCache {
        ScriptCache::default()
    }
}

impl Generations {
    fn key(text: &str, escape: char, shell: &str, vars_hash: u64) -> u64 {
        KEY_HASH.hash_one((text, escape, shell, vars_hash))
    }

    /// The cached scripts of an instruction, moved to the newer
    /// generation when found in the older.
    fn get(
        &mut self,
        key: u64,
        text: &str,
        escape: char,
        shell: &str,
        vars: &[String],
    ) -> Option<&Entry> {
        let found = |list: &Vec<Entry>| list.iter().position(|e| e.is(text, escape, shell, vars));
        if self.new.get(&key).and_then(found).is_none() {
            let list = self.old.get_mut(&key)?;
            let i = found(list)?;
            let e = list.swap_remove(i);
            self.insert(key, e);
        }
        let list = self.new.get(&key)?;
        list.get(found(list)?)
    }

    fn insert(&mut self, key: u64, e: Entry) {
        self.bytes += 128
            + e.text.len()
            + e.vars.iter().map(|v| v.len() + 24).sum::<usize>()
            + e.scripts
                .iter()
                .map(|(_, t, p)| t.len() + p.len() * std::mem::size_of::<Piece>() + 64)
                .sum::<usize>();
        self.new.entry(key).or_default().push(e);
    }

    /// Retires the newer generation once it is full (between lints only,
    /// so one lint's scripts are in one generation).
    fn rotate(&mut self) {
        if self.bytes >= ScriptCache::LIMIT {
            self.old = std::mem::take(&mut self.new);
            self.bytes = 0;
        }
    }
}

/// A stage's state at its end: what a stage built `FROM` it starts with.
#[derive(Debug, Clone)]
struct StageEnd {
    context: Context,
    /// The `ENV` names alone (with the parent stages'): what an image built
    /// from this one has set when its `ONBUILD` triggers run.
    env: Vec<String>,
}

/// Whether a stage's base image is a Windows image, whose default shell is
/// `cmd /S /C` (ShellCheck cannot check it).
fn windows_base(m: &Model, stage: usize) -> bool {
    let st = &m.stages[stage];
    if st
        .platform
        .as_deref()
        .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"))
    {
        return true;
    }
    let text = match &st.base {
        Base::Image(r) => format!("{}:{}", r.full_path(), r.tag.as_deref().unwrap_or("")),
        Base::Unresolved { text, .. } => text.clone(),
        _ => return false,
    }
    .to_ascii_lowercase();
    [
        "windowsservercore",
        "nanoserver",
        "servercore",
        "windows/",
        "ltsc20",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Makes the scripts of one RUN (`run`: the instruction at `index` or its
/// trigger) in a context, from the cache when it has them.
struct Emitter<'a> {
    m: &'a Model,
    cache: Option<std::sync::MutexGuard<'a, Generations>>,
    out: Vec<ShellScript>,
}

impl Emitter<'_> {
    fn run(&mut self, index: usize, run: &Instruction, shell: &'static str, cx: &Context) {
        if run.json {
            return;
        }
        let m = self.m;
        let span = m.instructions[index].span;
        let origin = span.start;
        let Some(cache) = self.cache.as_mut() else {
            run_scripts(&mut self.out, index, origin, run, shell, &cx.vars);
            return;
        };
        let text = m.source.get(span.start..span.end).unwrap_or("");
        let key = Generations::key(text, m.escape, shell, cx.vars_hash);
        if let Some(e) = cache.get(key, text, m.escape, shell, &cx.vars) {
            self.out
                .extend(e.scripts.iter().map(|(sh, t, p)| ShellScript {
                    instruction: index,
                    shell: sh,
                    text: t.clone(),
                    pieces: p.clone(),
                    origin,
                }));
            return;
        }
        let first = self.out.len();
        run_scripts(&mut self.out, index, origin, run, shell, &cx.vars);
        let made = self.out.get(first..).unwrap_or_default();
        // Only scripts whose pieces count from the instruction's start are
        // the same wherever the instruction moves.
        if made.iter().all(|s| s.origin == origin) {
            cache.insert(
                key,
                Entry {
                    text: text.into(),
                    escape: m.escape,
                    shell,
                    vars: cx.vars.clone().into_boxed_slice(),
                    scripts: made
                        .iter()
                        .map(|s| (s.shell, s.text.clone(), s.pieces.clone()))
                        .collect(),
                },
            );
        }
    }
}

/// Every script of the file ShellCheck should check, in file order.
///
/// The context of a `RUN` is its stage's, as BuildKit runs it: a stage
/// built `FROM` an earlier stage starts with that stage's shell, `ARG`s and
/// `ENV`s; any other stage with `/bin/sh` (`cmd` for a Windows image) and
/// the proxy variables. A `# hadolint shell=…` comment sets the shell from
/// there on, or, before the first `FROM`, every stage's default.
/// An `ONBUILD RUN` runs in the build of an image made from this one: with
/// the stage's last shell and its `ENV`s (not its `ARG`s), after the
/// `ONBUILD` triggers before it.
pub fn scripts(m: &Model) -> Vec<ShellScript> {
    scripts_cached(m, None)
}

/// [`scripts`], taking the scripts of instructions it saw before from
/// `cache` (the same scripts, built once).
pub fn scripts_cached(m: &Model, cache: Option<&ScriptCache>) -> Vec<ShellScript> {
    let cache = cache.map(|c| {
        let mut g = c.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.rotate();
        g
    });
    let mut em = Emitter {
        m,
        cache,
        out: Vec::new(),
    };
    let mut default_shell: Option<Option<&'static str>> = None;
    let mut ends: Vec<StageEnd> = Vec::with_capacity(m.stages.len());
    let mut comments = m.comments.iter().peekable();
    let mut current: Option<usize> = None;
    // Instructions before the first FROM (not a build, but checked as one).
    let mut cur = StageEnd {
        context: Context::new(Some("sh")),
        env: Vec::new(),
    };
    let mut triggers: Vec<usize> = Vec::new();
    // How many stages are built on each stage.
    let mut children = vec![0usize; m.stages.len()];
    for st in &m.stages {
        if let Base::Stage(p) = st.base {
            if let Some(c) = children.get_mut(p) {
                *c += 1;
            }
        }
    }
    let flush = |em: &mut Emitter, end: &StageEnd, triggers: &[usize]| {
        // Only ONBUILD triggers make scripts here (a chain of thousands of
        // stages with ENVs, each building the environment again, took
        // minutes).
        if triggers.is_empty() {
            return;
        }
        let mut cx = Context::new(end.context.shell);
        let mut seen: std::collections::HashSet<&str> =
            cx.vars.iter().map(String::as_str).collect();
        let fresh: Vec<&String> = end.env.iter().filter(|v| seen.insert(v.as_str())).collect();
        for v in fresh {
            cx.add(v);
        }
        for &i in triggers {
            let Some(t) = m.instructions[i].trigger.as_deref() else {
                continue;
            };
            if t.kind == Kind::Run {
                if let Some(sh) = cx.shell {
                    em.run(i, t, sh, &cx);
                }
            } else {
                cx.apply(t);
            }
        }
    };
    // The stage each FROM starts (looked up once per FROM: a scan of the
    // stages per FROM took seconds on 40,000 stages).
    let stage_of_from: HashMap<usize, usize> = m
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.from, i))
        .collect();
    for (idx, inst) in m.instructions.iter().enumerate() {
        while let Some(c) = comments.next_if(|c| c.span.start < inst.span.start) {
            if let Some(s) = pragma_shell(&c.text) {
                let sh = supported(&s);
                if current.is_none() {
                    default_shell = Some(sh);
                }
                cur.context.shell = sh;
            }
        }
        if inst.kind == Kind::From {
            let Some(si) = stage_of_from.get(&idx).copied() else {
                continue;
            };
            flush(&mut em, &cur, &triggers);
            if current.is_some() {
                // `cur` is set anew below.
                ends.push(std::mem::replace(
                    &mut cur,
                    StageEnd {
                        context: Context::new(None),
                        env: Vec::new(),
                    },
                ));
            }
            triggers.clear();
            while ends.len() < si {
                // A stage the walk did not see (cannot happen): empty.
                ends.push(StageEnd {
                    context: Context::new(None),
                    env: Vec::new(),
                });
            }
            current = Some(si);
            cur = match m.stages[si].base {
                // The last stage built on `p` takes its end; others copy
                // it (a chain of stages: no copy at all).
                Base::Stage(p) if p < ends.len() => {
                    children[p] = children[p].saturating_sub(1);
                    if children[p] == 0 {
                        std::mem::replace(
                            &mut ends[p],
                            StageEnd {
                                context: Context::new(None),
                                env: Vec::new(),
                            },
                        )
                    } else {
                        ends[p].clone()
                    }
                }
                _ => {
                    let shell = match default_shell {
                        Some(sh) => sh,
                        None if windows_base(m, si) => None,
                        None => Some("sh"),
                    };
                    StageEnd {
                        context: Context::new(shell),
                        env: Vec::new(),
                    }
                }
            };
            continue;
        }
        match inst.kind {
            Kind::Run => {
                if let Some(sh) = cur.context.shell {
                    em.run(idx, inst, sh, &cur.context);
                }
            }
            Kind::Onbuild => triggers.push(idx),
            Kind::Env => {
                cur.context.apply(inst);
                for pair in inst.args.chunks(2) {
                    add_var(&mut cur.env, &pair[0].value);
                }
            }
            _ => cur.context.apply(inst),
        }
    }
    flush(&mut em, &cur, &triggers);
    // ONBUILD scripts were made at the end of their stage: file order.
    let mut out = em.out;
    out.sort_by_key(|s| s.instruction);
    out
}

/// Adds a variable name (a shell identifier, once); whether it was added.
fn add_var(vars: &mut Vec<String>, name: &str) -> bool {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid && !vars.iter().any(|v| v == name) {
        vars.push(name.to_string());
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> (Model, ShellScript) {
        let m = Model::build(src);
        let mut s = scripts(&m);
        assert_eq!(s.len(), 1, "{s:?}");
        (m, s.remove(0))
    }

    #[test]
    fn continuation_lines_map_back_to_the_file() {
        let src = "FROM a:1\nARG V=1\nRUN echo $V \\\n    && echo 공 $x\n";
        let (m, s) = one(src);
        assert!(s.text.starts_with("#!/bin/sh\n"));
        assert!(s.text.contains("export V=1\n"));
        let x = s.text.find("$x").unwrap();
        assert_eq!(&m.source[s.to_source(x)..s.to_source(x) + 2], "$x");
        let e = s.text.find("echo $V").unwrap();
        assert_eq!(&m.source[s.to_source(e)..s.to_source(e) + 7], "echo $V");
        assert!(s.contiguous(x, x + 2));
        // Across the continuation: not one piece.
        let amp = s.text.find("&&").unwrap();
        assert!(!s.contiguous(e, amp));
    }

    #[test]
    fn shells_heredocs_and_skips() {
        let m = Model::build(
            "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN echo $x\nRUN <<EOF\necho hi\nEOF\nRUN [\"echo\", \"exec\"]\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nFROM b:1\nRUN cat <<EOF > /f\n$y\nEOF\nSHELL [\"pwsh\", \"-c\"]\nRUN Write-Host hi\n",
        );
        let s = scripts(&m);
        let shells: Vec<&str> = s.iter().map(|s| s.shell).collect();
        assert_eq!(shells, vec!["bash", "bash", "sh"], "{s:#?}");
        // The header exports only variables the body names.
        assert_eq!(&*s[1].text, "#!/bin/bash\necho hi\n");
        assert!(
            s[2].text.ends_with("cat <<EOF > /f\n$y\nEOF\n"),
            "{}",
            s[2].text
        );
        let y = s[2].text.rfind("$y").unwrap();
        assert_eq!(&m.source[s[2].to_source(y)..s[2].to_source(y) + 2], "$y");
    }

    #[test]
    fn heredoc_marker_lines() {
        let only = |src: &str| {
            let m = Model::build(src);
            only_markers(&m.instructions[1])
        };
        assert!(only("FROM a:1\nRUN <<EOF\necho\nEOF\n"));
        assert!(only("FROM a:1\nRUN <<-\"A\" <<'B'\nx\nA\ny\nB\n"));
        assert!(!only("FROM a:1\nRUN <<EOF bash\necho\nEOF\n"));
        assert!(!only("FROM a:1\nRUN cat <<EOF\necho\nEOF\n"));
        assert!(!only("FROM a:1\nRUN <<EOF > /f\necho\nEOF\n"));
        // 50,000 markers: one pass.
        let n = 50_000;
        let src = format!(
            "FROM a:1\nRUN {}\n{}",
            (0..n).map(|i| format!("<<E{i} ")).collect::<String>(),
            (0..n).map(|i| format!("x\nE{i}\n")).collect::<String>()
        );
        // (Quadratic, this took about a minute: the hardening test's file.)
        assert!(only(&src));
    }

    #[test]
    fn every_stage_built_on_a_stage_gets_its_env() {
        // Two stages on `base` (the first copies its end, the last takes
        // it), then a chain on the second.
        let m = Model::build(
            "FROM a:1 AS base\nENV B=1\nFROM base AS x\nRUN echo $B\nFROM base AS y\nENV Y=1\nRUN echo $B\nFROM y\nRUN echo $B $Y\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 3, "{s:#?}");
        for (i, sc) in s.iter().enumerate() {
            assert!(sc.text.contains("export B=1\n"), "{i}: {}", sc.text);
        }
        assert!(!s[0].text.contains("export Y=1"), "{}", s[0].text);
        assert!(s[2].text.contains("export Y=1\n"), "{}", s[2].text);
    }

    #[test]
    fn onbuild_and_pragma() {
        let m = Model::build(
            "FROM a:1\nONBUILD RUN echo $z\nRUN echo $w\n# hadolint shell=powershell\nRUN Get-Item x\n",
        );
        let s = scripts(&m);
        // The trigger runs with the image's last shell: PowerShell.
        assert_eq!(s.len(), 1, "{s:#?}");
        let w = s[0].text.find("$w").unwrap();
        assert_eq!(&m.source[s[0].to_source(w)..s[0].to_source(w) + 2], "$w");
        let m = Model::build("FROM a:1\nONBUILD RUN echo $z\n");
        let s = scripts(&m);
        let z = s[0].text.find("$z").unwrap();
        assert_eq!(&m.source[s[0].to_source(z)..s[0].to_source(z) + 2], "$z");
    }

    #[test]
    fn cached_scripts_are_the_scripts_built_anew() {
        // Each file is built with a cache that saw the files before it:
        // moved instructions, other variables, another escape character or
        // shell, heredocs and triggers must give what a fresh build gives.
        let files = [
            "FROM a:1\nARG V=1\nRUN echo $V \\\n    && echo 공 $x\n",
            "# moved\nFROM a:1\nARG V=1\nRUN echo $V \\\n    && echo 공 $x\n",
            "FROM a:1\nARG V=1\nENV X=2\nRUN echo $V \\\n    && echo 공 $x\n",
            "# escape=`\nFROM a:1\nARG V=1\nRUN echo $V \\\n    && echo 공 $x\n",
            "FROM a:1\nSHELL [\"/bin/bash\", \"-c\"]\nARG V=1\nRUN echo $V \\\n    && echo 공 $x\n",
            "FROM a:1\nRUN <<EOF\necho $y\nEOF\nRUN cat <<A > /f\n$z\nA\n",
            "FROM a:1\r\n\r\nRUN <<EOF\r\necho $y\r\nEOF\r\nRUN cat <<A > /f\r\n$z\r\nA\r\n",
            "FROM a:1\nENV Z=1\nONBUILD RUN echo $Z $w\nRUN echo $w\n",
            "FROM a:1\nENV Z=2 W=1\nONBUILD RUN echo $Z $w\nRUN echo $w\n",
            "FROM a:1\n# hadolint shell=bash\nRUN echo $w\nFROM a:1\nRUN echo $w\n",
            "FROM a:1 AS b\nENV Q=1\nFROM b\nRUN echo $Q\nFROM a:1\nRUN echo $Q\n",
        ];
        let cache = ScriptCache::new();
        let mut first = Vec::new();
        for round in 0..2 {
            for (k, f) in files.iter().enumerate() {
                let m = Model::build(f);
                let fresh = scripts(&m);
                let cached = scripts_cached(&m, Some(&cache));
                assert_eq!(cached, fresh, "round {round}: {f:?}");
                for (c, s) in cached.iter().zip(&fresh) {
                    for i in 0..=s.text.len() {
                        assert_eq!(c.to_source(i), s.to_source(i), "{f:?} at {i}");
                    }
                }
                if round == 0 {
                    first.push(cached);
                } else {
                    // The second time, every script came from the cache.
                    assert!(!cached.is_empty(), "{f:?}");
                    for (a, b) in cached.iter().zip(&first[k]) {
                        assert!(Arc::ptr_eq(&a.text, &b.text), "{f:?}");
                    }
                }
            }
        }
        // The scripts of a moved instruction point at its new place.
        let m = Model::build(files[1]);
        let s = scripts_cached(&m, Some(&cache));
        let x = s[0].text.find("$x").unwrap();
        assert_eq!(&m.source[s[0].to_source(x)..s[0].to_source(x) + 2], "$x");
    }

    #[test]
    fn a_full_generation_of_the_script_cache_is_retired() {
        let cache = ScriptCache::new();
        // Each big script's entry holds about half the limit.
        let big = |cmd: &str| {
            let src = format!(
                "FROM a:1\nRUN {cmd} {}\n",
                "x".repeat(ScriptCache::LIMIT / 4)
            );
            Model::build(&src)
        };
        let lint = |m: &Model| assert_eq!(scripts_cached(m, Some(&cache)), scripts(m));
        let small = Model::build("FROM a:1\nRUN true\n");
        lint(&big("echo"));
        lint(&big("printf"));
        // Full: retired before this lint.
        lint(&small);
        // Used again: back in the newer generation.
        lint(&big("printf"));
        lint(&big("ls"));
        lint(&small);
        let g = cache.inner.lock().unwrap();
        let held = |map: &ByKey, cmd: &str| {
            map.values()
                .flatten()
                .any(|e| e.text.starts_with(&format!("RUN {cmd}")))
        };
        // `echo` was not used after its generation was retired: dropped.
        assert!(!held(&g.old, "echo") && !held(&g.new, "echo"));
        assert!(held(&g.old, "printf") && held(&g.old, "ls"));
        assert!(held(&g.new, "true") && !held(&g.old, "true"));
        assert!(g.bytes < ScriptCache::LIMIT, "{}", g.bytes);
    }

    #[test]
    fn the_header_exports_what_the_body_names_or_nearly_names() {
        let vars: Vec<String> = ["APP_VERSION", "HTTP_PROXY", "no_proxy", "UNUSED", "x-y"]
            .iter()
            .map(|v| v.to_string())
            .collect();
        // Named (read or written): kept. A name that is no shell identifier
        // is kept as before.
        assert_eq!(
            header_vars(&vars, "curl $HTTP_PROXY; no_proxy=1 x"),
            vec!["HTTP_PROXY", "no_proxy", "x-y"]
        );
        // Only a referenced name draws the names near it (case aside).
        assert_eq!(header_vars(&vars, "NO_PROXY=1 x"), vec!["x-y"]);
        assert_eq!(
            header_vars(&vars, "echo ${#No_Proxy}"),
            vec!["no_proxy", "x-y"]
        );
        // In arithmetic a bare name is a reference.
        assert_eq!(
            header_vars(&vars, "echo $((APP_VERSON + 1))"),
            vec!["APP_VERSION", "x-y"]
        );
        // Two edits from a referenced name: ShellCheck's SC2153 could name it.
        assert_eq!(
            header_vars(&vars, "echo $APP_VERSON"),
            vec!["APP_VERSION", "x-y"]
        );
        assert_eq!(header_vars(&vars, "echo $APP_VRSN"), vec!["x-y"]);
        // Indirection: every name.
        assert_eq!(header_vars(&vars, "echo ${!APP*}").len(), 5);
        assert!(within_two_edits("abcd", "abcd"));
        assert!(within_two_edits("abcd", "axcdy"));
        assert!(!within_two_edits("abcd", "xycdz"));
        assert!(!within_two_edits("a", "abcd"));
    }

    #[test]
    fn the_same_run_under_other_args_is_the_same_script() {
        let m = Model::build(
            "FROM a:1\nARG V1\nRUN apt-get update\nFROM a:1\nARG V2\nRUN apt-get update\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, s[1].text);
        let u = s[0].text.find("update").unwrap();
        assert_eq!(
            &m.source[s[1].to_source(u)..s[1].to_source(u) + 6],
            "update"
        );
        assert!(s[1].to_source(u) > s[0].to_source(u));
    }

    fn header(s: &ShellScript) -> Vec<&str> {
        s.text
            .lines()
            .take_while(|l| l.starts_with("#!") || l.starts_with("export "))
            .collect()
    }

    #[test]
    fn a_stage_from_a_stage_starts_with_its_shell_args_and_envs() {
        let m = Model::build(
            "FROM a:1 AS base\nARG A1\nSHELL [\"/bin/bash\", \"-c\"]\nENV E1=1\nFROM base AS next\nRUN echo $A1 $E1\nFROM next\nARG A2\nRUN echo $A2 $E1\nFROM a:1\nRUN echo $A1 $E1\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 3, "{s:#?}");
        let h: Vec<Vec<&str>> = s.iter().map(header).collect();
        assert_eq!(h[0][0], "#!/bin/bash");
        assert!(h[0].contains(&"export A1=1") && h[0].contains(&"export E1=1"));
        assert_eq!(h[1][0], "#!/bin/bash");
        assert!(h[1].contains(&"export A2=1") && h[1].contains(&"export E1=1"));
        assert_eq!(h[2][0], "#!/bin/sh");
        assert!(!h[2].iter().any(|l| l.contains("A1") || l.contains("E1")));
    }

    #[test]
    fn an_onbuild_trigger_has_the_images_envs_and_last_shell_but_not_its_args() {
        let m = Model::build(
            "FROM a:1\nARG a1\nENV e1=1\nONBUILD ENV e2=2\nONBUILD RUN echo $a1 $e1 $e2 $e3\nSHELL [\"/bin/bash\", \"-c\"]\nENV e3=3\nONBUILD RUN echo $a1 $e1 $e2 $e3\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 2, "{s:#?}");
        for sc in &s {
            let h = header(sc);
            assert_eq!(h[0], "#!/bin/bash");
            assert!(
                h.contains(&"export e1=1") && h.contains(&"export e3=1"),
                "{h:?}"
            );
            assert!(h.contains(&"export e2=1"), "{h:?}");
            assert!(!h.contains(&"export a1=1"), "{h:?}");
        }
    }

    #[test]
    fn windows_images_run_cmd_and_a_pragma_before_from_sets_every_stage() {
        let m = Model::build(
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo %x%\nFROM golang:1.22-nanoserver\nRUN echo %x%\nFROM --platform=windows/amd64 a:1\nRUN dir\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"bash\", \"-c\"]\nRUN echo $x\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 1, "{s:#?}");
        assert!(s[0].text.ends_with("echo $x\n"));
        let m = Model::build(
            "# hadolint shell=powershell\nFROM a:1\nRUN Get-Item x\nFROM b:1\nRUN Get-Item y\n# hadolint shell=bash\nRUN echo $RANDOM\nFROM c:1\nRUN Get-Item z\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 1, "{s:#?}");
        assert!(s[0].text.starts_with("#!/bin/bash\n"));
    }

    #[test]
    fn an_unsupported_shell_ends_at_the_next_stage() {
        let m = Model::build(
            "FROM a:1\nSHELL [\"pwsh\", \"-c\"]\nRUN Get-Item x\nFROM b:1\nRUN echo $x\n",
        );
        let s = scripts(&m);
        assert_eq!(s.len(), 1, "{s:#?}");
        assert!(s[0].text.starts_with("#!/bin/sh\n"));
    }

    #[test]
    fn offsets_of_lines_and_columns() {
        let (_, s) = one("FROM a:1\nRUN echo 공 $x\n");
        let line = s.text.lines().position(|l| l.contains("$x")).unwrap() + 1;
        let off = s.offset_of(line, 8).unwrap();
        assert_eq!(&s.text[off..off + 2], "$x");
    }
}
