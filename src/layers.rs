//! `dlint layers`: per stage, the layer stack that Docker tutorials draw by
//! hand. Which instructions add filesystem layers (RUN, COPY, ADD, on top
//! of the base image) and which only set metadata; which context paths each
//! COPY/ADD (and each `RUN --mount=type=bind`) depends on after
//! `.dockerignore`; and, with `--changed PATH`, from which step a change to
//! that path invalidates the build cache and what the re-run includes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::context::{BuildContext, IgnoreFile};
use crate::model::{Base, DepKind, FromRef, Instruction, Kind, Model, StageDep};
use crate::rules::cache::cache_busting_copy::dependency_install;

/// At most this many context files are listed.
const MAX_FILES: usize = 200_000;

/// At most this many steps that ONBUILD triggers add to the stages built
/// FROM their stage, in the whole report. Every child stage runs all of its
/// base stage's triggers, so a file of K triggers and K `FROM base` lines
/// has K² of them (5,000 each: 25 million steps, 7 GB); real files have a
/// handful.
const MAX_ONBUILD_STEPS: usize = 10_000;

/// The whole report (`--format json` prints it as is).
#[derive(Debug, Serialize)]
pub struct Report {
    pub file: String,
    pub context: String,
    /// The ignore file in force, if any.
    pub dockerignore: Option<String>,
    /// Files sent to the builder (after the ignore file).
    pub context_files: usize,
    /// The listing stopped at the limit.
    pub context_truncated: bool,
    /// The stage that is built (`--target`, else the last one), by name or
    /// index.
    pub target: Option<String>,
    /// Instructions before the first FROM (global ARGs).
    pub globals: Vec<Layer>,
    pub stages: Vec<StageReport>,
    pub changes: Vec<Change>,
}

#[derive(Debug, Serialize)]
pub struct StageReport {
    pub index: usize,
    pub name: Option<String>,
    /// The base as written after ARG expansion (`golang:1.22`, `scratch`,
    /// the stage's name).
    pub base: String,
    /// `image`, `stage`, `scratch` or `unresolved`.
    pub base_kind: &'static str,
    pub base_stage: Option<usize>,
    /// Whether BuildKit builds the stage for the target: the target and the
    /// stages it reads (FROM, COPY --from, RUN --mount from=), transitively.
    /// The others are skipped.
    pub built: bool,
    /// Filesystem layers the stage adds on top of its base.
    pub layers_added: usize,
    /// Steps the base stage's ONBUILD triggers add here that are not listed
    /// (past dlint's limit on trigger steps in one report): their layers are
    /// neither counted nor part of the invalidation.
    pub onbuild_omitted: usize,
    /// The line from which the cache is invalidated by the changes.
    pub invalidated_from: Option<usize>,
    pub layers: Vec<Layer>,
}

#[derive(Debug, Serialize)]
pub struct Layer {
    pub line: usize,
    pub end_line: usize,
    pub keyword: &'static str,
    /// The instruction's first line.
    pub instruction: String,
    /// `base`, `layer` or `metadata`.
    pub role: &'static str,
    /// For a step that an ONBUILD trigger of the base stage adds: the line
    /// of that ONBUILD. For an ONBUILD in its own stage: None, and the role
    /// is `metadata` (it runs in the images built FROM this one).
    pub onbuild_from: Option<usize>,
    pub creates_layer: bool,
    pub depends_on: Vec<Dependency>,
    /// Dependency installs this RUN performs (`npm ci`, …).
    pub installs: Vec<Install>,
    pub invalidated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Install {
    pub command: String,
    pub ecosystem: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Dependency {
    /// Files of the build context.
    Context {
        /// The source as written (`.`, `package*.json`, `src/`).
        source: String,
        whole_context: bool,
        /// Context files it takes (after the ignore file), sorted.
        files: Vec<String>,
        /// Matching paths that the ignore file leaves out.
        excluded: bool,
        /// `RUN --mount=type=bind` rather than COPY/ADD.
        mount: bool,
        /// `COPY --exclude` patterns: matching files are not copied.
        exclude: Vec<String>,
        /// `COPY --parents`: the files keep their parent directories.
        parents: bool,
    },
    Stage {
        stage: usize,
        name: Option<String>,
    },
    Image {
        image: String,
    },
    Url {
        url: String,
    },
    Heredoc {
        name: String,
    },
    Unresolved {
        text: String,
    },
}

/// What a change to one path invalidates.
#[derive(Debug, Serialize)]
pub struct Change {
    pub path: String,
    /// The path is in the context now.
    pub exists: bool,
    /// The ignore file leaves it out: no step depends on it.
    pub excluded: bool,
    /// Per stage, the first invalidated step and why.
    pub invalidated: Vec<Invalidation>,
    /// Dependency installs the change re-runs.
    pub reruns_installs: Vec<InstallAt>,
    /// Dependency installs before the invalidated steps: still cached.
    pub cached_installs: Vec<InstallAt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invalidation {
    pub stage: usize,
    pub line: usize,
    pub instruction: String,
    pub reason: String,
    /// Filesystem layers re-built in the stage.
    pub layers_rebuilt: usize,
    /// Every re-run instruction line.
    pub lines: Vec<usize>,
    /// The lines of the re-built filesystem layers.
    pub layer_lines: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstallAt {
    pub stage: usize,
    pub line: usize,
    pub command: String,
}

/// The context's files, relative and slash-separated, with whether the
/// ignore file lets them through.
struct ContextFiles {
    files: Vec<(String, bool)>,
    truncated: bool,
    ignore: Option<IgnoreFile>,
}

impl ContextFiles {
    fn load(dir: &Path, dockerfile: &Path) -> ContextFiles {
        let ignore = BuildContext::load(dir, Some(dockerfile)).ignore;
        // With no `!` exceptions an excluded directory cannot hold an
        // included file: skip it whole.
        let prune = ignore
            .as_ref()
            .is_none_or(|i| !i.patterns.iter().any(|p| p.exclusion));
        let mut files = Vec::new();
        let mut truncated = false;
        let mut stack = vec![(dir.to_path_buf(), String::new())];
        while let Some((abs, rel)) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&abs) else {
                continue;
            };
            let mut entries: Vec<(String, bool)> = rd
                .filter_map(|e| e.ok())
                .map(|e| {
                    let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                    (e.file_name().to_string_lossy().into_owned(), is_dir)
                })
                .collect();
            entries.sort();
            for (name, is_dir) in entries.into_iter().rev() {
                let r = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let excluded = ignore.as_ref().is_some_and(|i| i.excludes(&r));
                if is_dir {
                    if excluded && prune {
                        continue;
                    }
                    stack.push((abs.join(&name), r));
                } else {
                    if files.len() >= MAX_FILES {
                        truncated = true;
                        break;
                    }
                    files.push((r, !excluded));
                }
            }
        }
        files.sort();
        ContextFiles {
            files,
            truncated,
            ignore,
        }
    }

    fn sent(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(|(_, s)| *s)
            .map(|(f, _)| f.as_str())
    }

    fn sent_count(&self) -> usize {
        self.files.iter().filter(|(_, s)| *s).count()
    }

    fn excludes(&self, rel: &str) -> bool {
        self.ignore.as_ref().is_some_and(|i| i.excludes(rel))
    }
}

/// A COPY/ADD source (or bind-mount source) as a matcher over context paths.
struct SourcePattern {
    whole: bool,
    /// Docker's pattern semantics: a path matches when it or one of its
    /// parents matches (a matched directory is copied whole).
    matcher: IgnoreFile,
    /// `COPY --exclude` patterns, relative to `base`.
    exclude: Option<IgnoreFile>,
    /// The directory the source copies from (`src/` for `src/`), which the
    /// exclude patterns are relative to.
    base: String,
}

/// Escapes what means something at the start of an ignore line.
fn as_pattern_line(p: &str) -> String {
    if p.starts_with('#') || p.starts_with('!') {
        format!("\\{p}")
    } else {
        p.to_string()
    }
}

impl SourcePattern {
    fn new(source: &str) -> SourcePattern {
        Self::with_exclude(source, &[], false)
    }

    /// `is_dir`: the source names a directory of the context, whose
    /// contents are copied; exclude patterns are relative to it. Otherwise
    /// they are relative to the directory the file or glob is in.
    fn with_exclude(source: &str, exclude: &[String], is_dir: bool) -> SourcePattern {
        let trimmed = source.trim_start_matches('/');
        let cleaned: Vec<&str> = trimmed
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let whole = cleaned.is_empty();
        let base = if whole || is_dir || source.ends_with('/') {
            cleaned.join("/")
        } else {
            cleaned[..cleaned.len() - 1].join("/")
        };
        let exclude = (!exclude.is_empty()).then(|| {
            let lines: Vec<String> = exclude.iter().map(|p| as_pattern_line(p)).collect();
            IgnoreFile::parse(PathBuf::new(), &lines.join("\n"))
        });
        SourcePattern {
            whole,
            matcher: IgnoreFile::parse(PathBuf::new(), &as_pattern_line(trimmed)),
            exclude,
            base,
        }
    }

    fn excluded(&self, rel: &str) -> bool {
        let Some(ex) = &self.exclude else {
            return false;
        };
        let inner = if self.base.is_empty() {
            rel
        } else {
            match rel
                .strip_prefix(&self.base)
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(r) => r,
                None => rel,
            }
        };
        ex.excludes(inner) || ex.excludes(rel)
    }

    fn matches(&self, rel: &str) -> bool {
        (self.whole || self.matcher.excludes(rel)) && !self.excluded(rel)
    }
}

/// One context dependency with its matcher, for `--changed`.
struct ContextDep {
    pattern: SourcePattern,
}

struct StepInfo {
    layer: Layer,
    context_deps: Vec<ContextDep>,
    /// Stages this step reads (FROM, COPY --from, RUN --mount from=).
    stage_deps: Vec<usize>,
}

/// The stages BuildKit builds for `target`: the target and every stage it
/// reads, transitively.
fn built_stages(m: &Model, target: usize) -> Vec<bool> {
    let mut built = vec![false; m.stages.len()];
    // The edges by stage (scanning them all per stage was quadratic).
    let mut reads: Vec<Vec<usize>> = vec![Vec::new(); m.stages.len()];
    for d in &m.deps {
        if let Some(v) = reads.get_mut(d.from_stage) {
            v.push(d.to_stage);
        }
    }
    let mut todo = vec![target];
    while let Some(s) = todo.pop() {
        if s >= built.len() || built[s] {
            continue;
        }
        built[s] = true;
        todo.extend(reads[s].iter().copied());
        // ONBUILD triggers of a base stage can read stages too.
        if let Base::Stage(p) = m.stages[s].base {
            todo.push(p);
        }
    }
    built
}

/// The layers of `src` with the context at `ctx_dir`, and what a change to
/// each `changed` path re-runs. `target` names the stage that is built
/// (`--target`); an error when it names none.
pub fn analyze(
    src: &str,
    file: &Path,
    ctx_dir: &Path,
    changed: &[String],
    target: Option<&str>,
) -> Result<Report, String> {
    let m = Model::build(src);
    let target_stage = match target {
        Some(t) => Some(
            m.stages
                .iter()
                .position(|s| s.name().is_some_and(|n| n.eq_ignore_ascii_case(t)))
                .ok_or_else(|| format!("--target {t} names no stage of the file"))?,
        ),
        None => m.stages.len().checked_sub(1),
    };
    let built = target_stage.map_or_else(Vec::new, |t| built_stages(&m, t));
    let ctx = ContextFiles::load(ctx_dir, file);
    let mut globals = Vec::new();
    for inst in m.instructions.iter().filter(|i| i.stage.is_none()) {
        globals.push(plain_layer(&m, inst));
    }
    // The stage graph's edges by instruction (scanning them all for every
    // step was quadratic: 50,000 COPY --from lines took minutes).
    let mut deps_of: std::collections::HashMap<usize, Vec<&StageDep>> = Default::default();
    for d in &m.deps {
        deps_of.entry(d.instruction).or_default().push(d);
    }
    // Each stage's ONBUILD instructions with their triggers, found once.
    let mut triggers: Vec<Vec<(&Instruction, &Instruction)>> = vec![Vec::new(); m.stages.len()];
    for ob in m.instructions.iter().filter(|i| i.kind == Kind::Onbuild) {
        if let (Some(si), Some(t)) = (ob.stage, ob.trigger.as_deref()) {
            if let Some(v) = triggers.get_mut(si) {
                v.push((ob, t));
            }
        }
    }
    let mut onbuild_budget = MAX_ONBUILD_STEPS;
    let mut onbuild_omitted = vec![0usize; m.stages.len()];
    let mut steps: Vec<Vec<StepInfo>> = Vec::new();
    for st in &m.stages {
        let mut v = Vec::new();
        for inst in m.stage_instructions(st.index) {
            let deps = deps_of.get(&inst.index).map_or(&[][..], Vec::as_slice);
            v.push(step(&m, &ctx, st.index, inst, deps));
            // A stage built FROM a stage of the file runs that stage's ONBUILD
            // triggers right after its FROM.
            if inst.kind == Kind::From {
                if let Base::Stage(p) = st.base {
                    let all = triggers.get(p).map_or(&[][..], Vec::as_slice);
                    let listed = all.len().min(onbuild_budget);
                    onbuild_budget -= listed;
                    onbuild_omitted[st.index] = all.len() - listed;
                    for (ob, t) in &all[..listed] {
                        let deps = deps_of.get(&t.index).map_or(&[][..], Vec::as_slice);
                        let mut s = step(&m, &ctx, st.index, t, deps);
                        s.layer.onbuild_from = Some(ob.start_line);
                        s.layer.instruction = format!("(ONBUILD) {}", s.layer.instruction);
                        v.push(s);
                    }
                }
            }
        }
        steps.push(v);
    }

    // Invalidation per changed path.
    let mut changes = Vec::new();
    let mut union_from: Vec<Option<usize>> = vec![None; m.stages.len()];
    for raw in changed {
        let path = normalize_changed(raw, ctx_dir);
        let exists = ctx.files.iter().any(|(f, _)| {
            f == &path || (f.starts_with(&path) && f.as_bytes().get(path.len()) == Some(&b'/'))
        });
        let excluded = !path.is_empty() && ctx.excludes(&path);
        let (mut from, reasons) = invalidate(&m, &steps, &ctx, &path, excluded);
        // Stages the target does not need are not built at all.
        for (si, f) in from.iter_mut().enumerate() {
            if !built.get(si).copied().unwrap_or(true) {
                *f = None;
            }
        }
        let mut invalidated = Vec::new();
        let mut reruns = Vec::new();
        let mut cached = Vec::new();
        for (si, f) in from.iter().enumerate() {
            let Some(pos) = *f else { continue };
            union_from[si] = Some(union_from[si].map_or(pos, |u: usize| u.min(pos)));
            let stage_steps = &steps[si];
            let first = &stage_steps[pos].layer;
            invalidated.push(Invalidation {
                stage: si,
                line: first.line,
                instruction: first.instruction.clone(),
                reason: reasons[si].clone().unwrap_or_default(),
                layers_rebuilt: stage_steps[pos..]
                    .iter()
                    .filter(|s| s.layer.role == "layer")
                    .count(),
                lines: stage_steps[pos..].iter().map(|s| s.layer.line).collect(),
                layer_lines: stage_steps[pos..]
                    .iter()
                    .filter(|s| s.layer.role == "layer")
                    .map(|s| s.layer.line)
                    .collect(),
            });
            for (i, s) in stage_steps.iter().enumerate() {
                for ins in &s.layer.installs {
                    let at = InstallAt {
                        stage: si,
                        line: s.layer.line,
                        command: ins.command.clone(),
                    };
                    if i >= pos {
                        reruns.push(at);
                    } else {
                        cached.push(at);
                    }
                }
            }
        }
        changes.push(Change {
            path,
            exists,
            excluded,
            invalidated,
            reruns_installs: reruns,
            cached_installs: cached,
        });
    }

    let mut stages = Vec::new();
    for (st, st_steps) in m.stages.iter().zip(steps) {
        let (base, base_kind, base_stage) = match &st.base {
            Base::Scratch => ("scratch".to_string(), "scratch", None),
            Base::Stage(i) => (
                m.stages[*i]
                    .name()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string()),
                "stage",
                Some(*i),
            ),
            Base::Image(_) => (st.image_expanded.clone().unwrap_or_default(), "image", None),
            Base::Unresolved { text, .. } => (text.clone(), "unresolved", None),
            Base::Invalid(t) => (t.clone(), "unresolved", None),
        };
        let inv = union_from[st.index];
        let layers: Vec<Layer> = st_steps
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                s.layer.invalidated = inv.is_some_and(|p| i >= p);
                s.layer
            })
            .collect();
        stages.push(StageReport {
            index: st.index,
            name: st.name().map(str::to_string),
            base,
            base_kind,
            base_stage,
            built: built.get(st.index).copied().unwrap_or(true),
            layers_added: layers.iter().filter(|l| l.role == "layer").count(),
            onbuild_omitted: onbuild_omitted[st.index],
            invalidated_from: inv.map(|p| layers[p].line),
            layers,
        });
    }
    Ok(Report {
        file: file.to_string_lossy().into_owned(),
        context: ctx_dir.to_string_lossy().into_owned(),
        target: target_stage.map(|t| stage_label(&m, t)),
        dockerignore: ctx
            .ignore
            .as_ref()
            .map(|i| i.path.to_string_lossy().into_owned()),
        context_files: ctx.sent_count(),
        context_truncated: ctx.truncated,
        globals,
        stages,
        changes,
    })
}

/// A `--changed` path made relative to the context: as given when it is a
/// context path, or relative to the current directory when it names a file
/// inside the context from there.
fn normalize_changed(raw: &str, ctx_dir: &Path) -> String {
    let p = Path::new(raw);
    let inside = || -> Option<String> {
        let abs = std::fs::canonicalize(p).ok()?;
        let root = std::fs::canonicalize(ctx_dir).ok()?;
        let rel = abs.strip_prefix(&root).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    };
    let in_ctx = ctx_dir.join(raw.trim_start_matches('/'));
    let rel = if p.is_absolute() || (!in_ctx.exists() && p.exists()) {
        inside().unwrap_or_else(|| raw.to_string())
    } else {
        raw.to_string()
    };
    rel.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// For one changed path: per stage, the position of the first invalidated
/// step and the reason.
fn invalidate(
    m: &Model,
    steps: &[Vec<StepInfo>],
    ctx: &ContextFiles,
    path: &str,
    excluded: bool,
) -> (Vec<Option<usize>>, Vec<Option<String>>) {
    let n = m.stages.len();
    let mut from: Vec<Option<usize>> = vec![None; n];
    let mut why: Vec<Option<String>> = vec![None; n];
    if !excluded && !path.is_empty() {
        // Files under `path` (when it is a directory).
        let under: Vec<&str> = ctx
            .sent()
            .filter(|f| f.starts_with(path) && f.as_bytes().get(path.len()) == Some(&b'/'))
            .collect();
        for (si, st) in steps.iter().enumerate() {
            for (pos, s) in st.iter().enumerate() {
                let hit = s
                    .context_deps
                    .iter()
                    .any(|d| d.pattern.matches(path) || under.iter().any(|f| d.pattern.matches(f)));
                if hit {
                    from[si] = Some(pos);
                    let what = if s.layer.keyword == "RUN" {
                        "its bind mount reads"
                    } else {
                        "it copies"
                    };
                    why[si] = Some(format!("{what} {path}"));
                    break;
                }
            }
        }
    }
    // Stages that read an invalidated stage, to a fixed point.
    loop {
        let mut changed = false;
        for si in 0..n {
            for (pos, s) in steps[si].iter().enumerate() {
                if from[si].is_some_and(|p| p <= pos) {
                    break;
                }
                if let Some(&t) = s.stage_deps.iter().find(|&&t| t != si && from[t].is_some()) {
                    from[si] = Some(pos);
                    let name = stage_label(m, t);
                    why[si] = Some(if s.layer.keyword == "FROM" {
                        format!("its base, stage {name}, is re-built")
                    } else {
                        format!("it reads stage {name}, which is re-built")
                    });
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            break;
        }
    }
    (from, why)
}

fn stage_label(m: &Model, i: usize) -> String {
    match m.stages[i].name() {
        Some(n) => format!("{i} ({n})"),
        None => i.to_string(),
    }
}

/// The instruction's first line, without a trailing continuation.
fn first_line(m: &Model, inst: &Instruction) -> String {
    let rest = m.source.get(inst.span.start..inst.span.end).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("").trim_end();
    let multi = inst.end_line > inst.start_line;
    let line = if multi {
        line.strip_suffix(m.escape).unwrap_or(line).trim_end()
    } else {
        line
    };
    if multi {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

fn plain_layer(m: &Model, inst: &Instruction) -> Layer {
    Layer {
        line: inst.start_line,
        end_line: inst.end_line,
        keyword: inst.kind.as_str(),
        instruction: first_line(m, inst),
        role: "metadata",
        onbuild_from: None,
        creates_layer: false,
        depends_on: Vec::new(),
        installs: Vec::new(),
        invalidated: false,
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@")
}

fn context_dep(
    ctx: &ContextFiles,
    source: &str,
    mount: bool,
    exclude: &[String],
    parents: bool,
) -> (Dependency, ContextDep) {
    let dir = {
        let d: Vec<&str> = source
            .trim_start_matches('/')
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let d = d.join("/");
        !d.is_empty()
            && !d.contains(['*', '?', '['])
            && ctx
                .files
                .iter()
                .any(|(f, _)| f.starts_with(&d) && f.as_bytes().get(d.len()) == Some(&b'/'))
    };
    let pattern = SourcePattern::with_exclude(source, exclude, dir);
    let files: Vec<String> = if pattern.whole {
        ctx.sent().map(str::to_string).collect()
    } else {
        ctx.sent()
            .filter(|f| pattern.matches(f))
            .map(str::to_string)
            .collect()
    };
    let excluded = !pattern.whole
        && (ctx.files.iter().any(|(f, s)| !*s && pattern.matches(f))
            || (files.is_empty() && ctx.excludes(source.trim_start_matches(['/', '.']))));
    let whole_context = pattern.whole && pattern.exclude.is_none();
    (
        Dependency::Context {
            source: source.to_string(),
            whole_context,
            files,
            excluded,
            mount,
            exclude: exclude.to_vec(),
            parents,
        },
        ContextDep { pattern },
    )
}

/// One instruction's layer; `deps` are the stage graph's edges of this
/// instruction.
fn step(
    m: &Model,
    ctx: &ContextFiles,
    si: usize,
    inst: &Instruction,
    deps: &[&StageDep],
) -> StepInfo {
    let mut layer = plain_layer(m, inst);
    let mut context_deps = Vec::new();
    let mut stage_deps = Vec::new();
    for d in deps {
        if d.instruction == inst.index && d.from_stage == si {
            stage_deps.push(d.to_stage);
        }
    }
    let stage_dep = |t: usize| Dependency::Stage {
        stage: t,
        name: m.stages[t].name().map(str::to_string),
    };
    match inst.kind {
        Kind::From => {
            let st = &m.stages[si];
            layer.role = "base";
            layer.creates_layer = !matches!(st.base, Base::Scratch);
            match &st.base {
                Base::Stage(t) => layer.depends_on.push(stage_dep(*t)),
                Base::Image(_) => layer.depends_on.push(Dependency::Image {
                    image: st.image_expanded.clone().unwrap_or_default(),
                }),
                Base::Unresolved { text, .. } | Base::Invalid(text) => layer
                    .depends_on
                    .push(Dependency::Unresolved { text: text.clone() }),
                Base::Scratch => {}
            }
        }
        Kind::Copy | Kind::Add => {
            layer.role = "layer";
            layer.creates_layer = true;
            if let Some(c) = &inst.copy {
                match &c.from {
                    Some((FromRef::Stage(t), _)) => layer.depends_on.push(stage_dep(*t)),
                    Some((FromRef::Image(r), _)) => layer.depends_on.push(Dependency::Image {
                        image: match &r.tag {
                            Some(t) => format!("{}:{t}", r.name()),
                            None => r.name(),
                        } + &r
                            .digest
                            .as_ref()
                            .map(|d| format!("@{d}"))
                            .unwrap_or_default(),
                    }),
                    Some((FromRef::Unresolved(t), _)) => layer
                        .depends_on
                        .push(Dependency::Unresolved { text: t.clone() }),
                    None => {
                        for w in &c.sources {
                            let e = m.expand_in_stage_full(si, &w.value);
                            if !e.unresolved.is_empty() || e.limited.is_some() {
                                layer.depends_on.push(Dependency::Unresolved {
                                    text: w.value.clone(),
                                });
                                // Could be anything in the context.
                                context_deps.push(ContextDep {
                                    pattern: SourcePattern::new("."),
                                });
                                continue;
                            }
                            if inst.kind == Kind::Add && is_url(&e.value) {
                                layer.depends_on.push(Dependency::Url { url: e.value });
                                continue;
                            }
                            let exclude: Vec<String> = inst
                                .flags
                                .iter()
                                .filter(|f| f.name.eq_ignore_ascii_case("exclude"))
                                .filter_map(|f| f.value.as_deref())
                                .map(|v| m.expand_in_stage(si, v))
                                .collect();
                            let parents = inst.flags.iter().any(|f| {
                                f.name.eq_ignore_ascii_case("parents")
                                    && f.value.as_deref().is_none_or(|v| v != "false")
                            });
                            let (d, cd) = context_dep(ctx, &e.value, false, &exclude, parents);
                            layer.depends_on.push(d);
                            context_deps.push(cd);
                        }
                    }
                }
                for h in &c.heredoc_sources {
                    layer.depends_on.push(Dependency::Heredoc {
                        name: h.value.clone(),
                    });
                }
            }
        }
        Kind::Run => {
            layer.role = "layer";
            layer.creates_layer = true;
            if let Some(run) = inst.run() {
                for mount in &run.mounts {
                    if mount.kind() != "bind" {
                        continue;
                    }
                    match mount.get("from") {
                        Some(f) => match m.resolve_from(si, f) {
                            FromRef::Stage(t) => layer.depends_on.push(stage_dep(t)),
                            FromRef::Image(_) => layer.depends_on.push(Dependency::Image {
                                image: f.to_string(),
                            }),
                            FromRef::Unresolved(t) => {
                                layer.depends_on.push(Dependency::Unresolved { text: t })
                            }
                        },
                        None => {
                            let source = mount
                                .get("source")
                                .or_else(|| mount.get("src"))
                                .unwrap_or(".");
                            let (d, cd) = context_dep(ctx, source, true, &[], false);
                            layer.depends_on.push(d);
                            context_deps.push(cd);
                        }
                    }
                }
                let mut seen = BTreeSet::new();
                for c in run.commands() {
                    if let Some((eco, _)) = dependency_install(c) {
                        let command = c
                            .program_args()
                            .iter()
                            .map(|w| w.text())
                            .collect::<Vec<_>>()
                            .join(" ");
                        if seen.insert(command.clone()) {
                            layer.installs.push(Install {
                                command,
                                ecosystem: format!("{eco:?}").to_ascii_lowercase(),
                            });
                        }
                    }
                }
            }
        }
        _ => {}
    }
    // COPY --from edges the model records, in case the flag named a stage by
    // index.
    for d in deps {
        if d.instruction == inst.index
            && matches!(d.kind, DepKind::CopyFrom | DepKind::MountFrom)
            && !layer
                .depends_on
                .iter()
                .any(|x| matches!(x, Dependency::Stage { stage, .. } if *stage == d.to_stage))
        {
            layer.depends_on.push(stage_dep(d.to_stage));
        }
    }
    StepInfo {
        layer,
        context_deps,
        stage_deps,
    }
}

// ---------------------------------------------------------------- text

fn describe_dep(d: &Dependency, ctx_files: usize) -> String {
    match d {
        Dependency::Context {
            source,
            whole_context,
            files,
            excluded,
            mount,
            exclude,
            parents,
        } => {
            let prefix = if *mount { "bind mount: " } else { "" };
            let mut suffix = String::new();
            if !exclude.is_empty() {
                suffix.push_str(&format!(
                    " without {}",
                    exclude
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if *parents {
                suffix.push_str(", keeping parent directories");
            }
            if !*whole_context
                && (source.trim_start_matches("./").trim_matches('/').is_empty()
                    || matches!(source.as_str(), "." | "./"))
            {
                return format!(
                    "{prefix}the context ({} file{}{suffix})",
                    files.len(),
                    plural(files.len())
                );
            }
            if *whole_context {
                return format!(
                    "{prefix}whole context ({ctx_files} file{}, after .dockerignore)",
                    plural(ctx_files)
                );
            }
            let clean = source.trim_start_matches("./").trim_start_matches('/');
            let body = if files.is_empty() {
                if *excluded {
                    format!("{source} (excluded by .dockerignore!)")
                } else {
                    format!("{source} (not in the context!)")
                }
            } else if files.len() == 1 && files[0] == clean {
                source.clone()
            } else {
                let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
                let more = if files.len() > 3 {
                    format!(", +{} more", files.len() - 3)
                } else {
                    String::new()
                };
                format!(
                    "{source} ({} file{}: {}{more})",
                    files.len(),
                    plural(files.len()),
                    shown.join(", ")
                )
            };
            format!("{prefix}{body}{suffix}")
        }
        Dependency::Stage { stage, name } => match name {
            Some(n) => format!("stage {stage} ({n})"),
            None => format!("stage {stage}"),
        },
        Dependency::Image { image } => format!("image {image}"),
        Dependency::Url { url } => format!("remote {url}"),
        Dependency::Heredoc { name } => format!("inline {name}"),
        Dependency::Unresolved { text } => format!("{text} (unresolved)"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn role_label(l: &Layer) -> &'static str {
    match l.role {
        "base" => "base",
        "layer" => "layer",
        _ => "meta",
    }
}

fn note(l: &Layer, ctx_files: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    if l.role == "base" {
        match l.depends_on.first() {
            Some(Dependency::Image { image }) => parts.push(format!("base image {image}")),
            Some(Dependency::Stage { stage, name }) => parts.push(match name {
                Some(n) => format!("on stage {stage} ({n})"),
                None => format!("on stage {stage}"),
            }),
            Some(Dependency::Unresolved { text }) => {
                parts.push(format!("base {text} (unresolved)"))
            }
            _ => parts.push("empty base (scratch)".into()),
        }
    } else if !l.depends_on.is_empty() {
        let deps: Vec<String> = l
            .depends_on
            .iter()
            .map(|d| describe_dep(d, ctx_files))
            .collect();
        parts.push(format!("<- {}", deps.join("; ")));
    }
    for i in &l.installs {
        parts.push(format!("dependency install `{}`", i.command));
    }
    if let Some(line) = l.onbuild_from {
        parts.push(format!("ONBUILD trigger of the base stage (line {line})"));
    } else if l.keyword == "ONBUILD" {
        parts.push("trigger: runs in the stages and images built FROM this one".into());
    }
    parts.join("  ")
}

fn render_rows(out: &mut String, rows: &[&Layer], ctx_files: usize, marks: bool, width: usize) {
    for l in rows {
        let mark = if !marks {
            ""
        } else if l.invalidated {
            "> "
        } else {
            "  "
        };
        let n = note(l, ctx_files);
        let line = if n.is_empty() {
            format!(
                "  {mark}{:>4}  {:<5}  {}",
                l.line,
                role_label(l),
                l.instruction
            )
        } else {
            format!(
                "  {mark}{:>4}  {:<5}  {:<width$}  {n}",
                l.line,
                role_label(l),
                l.instruction
            )
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// The text view.
pub fn render_text(r: &Report) -> String {
    let mut o = String::new();
    let ignore = match &r.dockerignore {
        Some(p) => format!(
            "after {}",
            Path::new(p)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.clone())
        ),
        None => "no .dockerignore".to_string(),
    };
    o.push_str(&format!(
        "{}: {} stage{}; context {} ({}{} file{}, {ignore})\n",
        r.file,
        r.stages.len(),
        plural(r.stages.len()),
        r.context,
        if r.context_truncated { "over " } else { "" },
        r.context_files,
        plural(r.context_files),
    ));
    let marks = !r.changes.is_empty();
    // One column for the notes, across stages (long lines push past it).
    let width = r
        .globals
        .iter()
        .chain(r.stages.iter().flat_map(|s| s.layers.iter()))
        .map(|l| l.instruction.chars().count())
        .filter(|&n| n <= 44)
        .max()
        .unwrap_or(0);
    if !r.globals.is_empty() {
        o.push_str("\nbefore the first FROM (global build arguments)\n");
        let rows: Vec<&Layer> = r.globals.iter().collect();
        render_rows(&mut o, &rows, r.context_files, marks, width);
    }
    for s in &r.stages {
        let name = match &s.name {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        let base = match s.base_kind {
            "image" => format!("base image {}", s.base),
            "stage" => format!(
                "on stage {}",
                match s.base_stage {
                    Some(i) if s.base != i.to_string() => format!("{i} ({})", s.base),
                    _ => s.base.clone(),
                }
            ),
            "scratch" => "empty base (scratch)".to_string(),
            _ => format!("base {} (unresolved)", s.base),
        };
        let skipped = if s.built {
            String::new()
        } else {
            format!(
                " (not built: the target, stage {}, does not need it)",
                r.target.as_deref().unwrap_or("?")
            )
        };
        o.push_str(&format!(
            "\nstage {}{name}: {base} + {} layer{}{skipped}\n",
            s.index,
            s.layers_added,
            plural(s.layers_added)
        ));
        let rows: Vec<&Layer> = s.layers.iter().collect();
        render_rows(&mut o, &rows, r.context_files, marks, width);
        if s.onbuild_omitted > 0 {
            o.push_str(&format!(
                "  … and {} more step{} from the base stage's ONBUILD triggers, not listed (at most {MAX_ONBUILD_STEPS} in one report)\n",
                s.onbuild_omitted,
                plural(s.onbuild_omitted)
            ));
        }
    }
    if marks {
        o.push_str(if r.changes.len() == 1 {
            "\n(> = re-runs after the change)\n"
        } else {
            "\n(> = re-runs after any of the changes)\n"
        });
    }
    for c in &r.changes {
        o.push('\n');
        if c.path.is_empty() {
            o.push_str("--changed names the context root: every context step re-runs\n");
            continue;
        }
        let missing = if c.exists {
            ""
        } else {
            " (not in the context now: read as a new file)"
        };
        if c.excluded {
            o.push_str(&format!(
                "Changing {}: excluded by .dockerignore, so no step depends on it and the cache holds.\n",
                c.path
            ));
            continue;
        }
        if c.invalidated.is_empty() {
            o.push_str(&format!(
                "Changing {}{missing}: no COPY/ADD or bind mount takes it, so the cache holds.\n",
                c.path
            ));
            continue;
        }
        o.push_str(&format!(
            "Changing {}{missing} invalidates the build cache:\n",
            c.path
        ));
        for inv in &c.invalidated {
            let st = &r.stages[inv.stage];
            let name = match &st.name {
                Some(n) => format!(" ({n})"),
                None => String::new(),
            };
            let last = inv.lines.last().copied().unwrap_or(inv.line);
            let span = if last == inv.line {
                format!("line {}", inv.line)
            } else {
                format!("lines {}-{last}", inv.line)
            };
            let which = if inv.layer_lines.is_empty() {
                String::new()
            } else {
                let l: Vec<String> = inv.layer_lines.iter().map(|l| l.to_string()).collect();
                format!(" (line{} {})", plural(l.len()), l.join(", "))
            };
            o.push_str(&format!(
                "  stage {}{name}: from line {} `{}` ({}); re-runs {span}, rebuilding {} layer{}{which}\n",
                inv.stage,
                inv.line,
                inv.instruction,
                inv.reason,
                inv.layers_rebuilt,
                plural(inv.layers_rebuilt)
            ));
        }
        for i in &c.reruns_installs {
            o.push_str(&format!(
                "  re-runs `{}` (line {}): the dependency install\n",
                i.command, i.line
            ));
        }
        for i in &c.cached_installs {
            o.push_str(&format!(
                "  the dependency install `{}` (line {}) stays cached\n",
                i.command, i.line
            ));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_patterns() {
        let p = SourcePattern::new("package*.json");
        assert!(p.matches("package.json"));
        assert!(p.matches("package-lock.json"));
        assert!(!p.matches("web/package.json"));
        let p = SourcePattern::new("./src/");
        assert!(p.matches("src/app.js"));
        assert!(p.matches("src"));
        assert!(!p.matches("srcx/a"));
        assert!(SourcePattern::new(".").matches("anything"));
        assert!(SourcePattern::new("./").whole);
        assert!(SourcePattern::new("/").whole);
        let p = SourcePattern::new("!weird");
        assert!(p.matches("!weird"));
    }

    #[test]
    fn first_lines() {
        let m = Model::build("FROM a\nRUN apt-get update && \\\n    apt-get install -y x\n");
        assert_eq!(
            first_line(&m, &m.instructions[1]),
            "RUN apt-get update && …"
        );
        assert_eq!(first_line(&m, &m.instructions[0]), "FROM a");
    }
}
