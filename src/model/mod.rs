//! The semantic model: what a Dockerfile means, built from the syntax layer's
//! owned data. Stages and their graph, ARG and ENV scopes, image references,
//! USER per stage, COPY/ADD sources and flags, and RUN as shell commands.

pub mod expand;
mod graph_errors;
pub mod image;
pub mod package;
pub mod pragma;
mod rebuild;

use std::collections::HashMap;

use crate::syntax::buildkit::RawInstruction;
pub use crate::syntax::buildkit::{
    Comment, Directive, ErrorKind, Heredoc, ParseError, Phase, Word,
};
pub use crate::syntax::shell::{Joiner, Pipe};
use crate::syntax::{shell, LineIndex, Shift, Span, SyntaxDocument};
pub use image::ImageRef;

/// An instruction keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    Unknown,
}

impl Kind {
    pub fn from_keyword(k: &str) -> Kind {
        // Compared in place: keywords are short and the language server
        // builds a model on every edit (no lowercased copy per instruction).
        const KINDS: [Kind; 18] = [
            Kind::From,
            Kind::Run,
            Kind::Cmd,
            Kind::Label,
            Kind::Maintainer,
            Kind::Expose,
            Kind::Env,
            Kind::Add,
            Kind::Copy,
            Kind::Entrypoint,
            Kind::Volume,
            Kind::User,
            Kind::Workdir,
            Kind::Arg,
            Kind::Onbuild,
            Kind::Stopsignal,
            Kind::Healthcheck,
            Kind::Shell,
        ];
        KINDS
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(k))
            .unwrap_or(Kind::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Unknown => "UNKNOWN",
        }
    }

    /// Whether the instruction adds a filesystem layer to the image.
    pub fn creates_layer(self) -> bool {
        matches!(self, Kind::Run | Kind::Copy | Kind::Add)
    }
}

/// A builder flag such as `--from=build`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

/// A word of a shell command; in the model its span is in the Dockerfile.
pub use crate::syntax::shell::ShellWord;

/// A simple command inside RUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    pub argv: Vec<ShellWord>,
    pub assignments: Vec<ShellWord>,
    pub span: Span,
    pub joined_by: Option<Joiner>,
    pub nested: bool,
}

const WRAPPERS: &[&str] = &[
    "sudo", "env", "command", "exec", "nohup", "time", "nice", "chroot", "doas",
];

impl ShellCommand {
    /// argv without wrappers such as `sudo -E`, `env A=b`, `nice -n 5`.
    pub fn program_args(&self) -> &[ShellWord] {
        let mut i = 0;
        let a = &self.argv;
        while i < a.len() {
            let name = basename(a[i].text());
            if !WRAPPERS.contains(&name) {
                break;
            }
            // `command -v x` looks x up; it does not run it.
            if name == "command"
                && a.get(i + 1)
                    .is_some_and(|n| matches!(n.text(), "-v" | "-V"))
            {
                break;
            }
            i += 1;
            // Skip the wrapper's options and env assignments.
            while i < a.len() {
                let t = a[i].text();
                if t.starts_with('-') {
                    // Options that take a value.
                    if matches!(name, "sudo" | "doas") && matches!(t, "-u" | "-g" | "-C" | "-h")
                        || name == "nice" && t == "-n"
                        || name == "env" && matches!(t, "-u" | "-C" | "-S")
                    {
                        i += 1;
                    }
                    i += 1;
                } else if name == "env" && t.contains('=') {
                    i += 1;
                } else {
                    break;
                }
            }
            if name == "chroot" && i < a.len() {
                i += 1;
            }
        }
        &a[i.min(a.len())..]
    }

    /// The program's name (basename), after wrappers.
    pub fn program(&self) -> Option<&str> {
        self.program_args().first().map(|w| basename(w.text()))
    }

    /// The texts of [`Self::args`].
    pub fn arg_texts(&self) -> Vec<&str> {
        self.args().iter().map(|w| w.text()).collect()
    }

    /// The texts of [`Self::args`] that are no options (do not start with
    /// `-`): `install`, `serve` of `npm install -g serve`.
    pub fn positional_texts(&self) -> Vec<&str> {
        self.args()
            .iter()
            .map(|w| w.text())
            .filter(|a| !a.starts_with('-'))
            .collect()
    }

    /// The arguments after the program name.
    pub fn args(&self) -> &[ShellWord] {
        let p = self.program_args();
        if p.is_empty() {
            p
        } else {
            &p[1..]
        }
    }

    /// The first argument that is not an option.
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .map(|w| w.text())
            .find(|t| !t.starts_with('-'))
    }

    pub fn has_arg(&self, a: &str) -> bool {
        self.args().iter().any(|w| w.text() == a)
    }
}

pub fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Where a RUN script comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// The instruction line itself (shell form).
    Inline,
    /// The body of the instruction's n-th heredoc.
    Heredoc(usize),
    /// Exec form: one command, no shell.
    Exec,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub origin: ScriptOrigin,
    pub commands: Vec<ShellCommand>,
    /// The `|` operators of pipelines (see `syntax::shell`).
    pub pipes: Vec<Pipe>,
    pub has_error: bool,
}

/// A `RUN --mount=…` option set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub options: Vec<(String, String)>,
    pub span: Span,
}

impl Mount {
    pub fn shift(&mut self, by: Shift) {
        by.span(&mut self.span);
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn kind(&self) -> &str {
        self.get("type").unwrap_or("bind")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub exec: bool,
    pub mounts: Vec<Mount>,
    pub scripts: Vec<Script>,
}

impl RunInfo {
    pub fn shift(&mut self, by: Shift) {
        let RunInfo {
            exec: _,
            mounts,
            scripts,
        } = self;
        mounts.iter_mut().for_each(|m| m.shift(by));
        for s in scripts {
            let Script {
                origin: _,
                commands,
                pipes,
                has_error: _,
            } = s;
            for c in commands {
                let ShellCommand {
                    argv,
                    assignments,
                    span,
                    joined_by: _,
                    nested: _,
                } = c;
                argv.iter_mut()
                    .chain(assignments.iter_mut())
                    .for_each(|w| w.shift(by));
                by.span(span);
            }
            pipes.iter_mut().for_each(|p| p.shift(by));
        }
    }

    /// Every command of every script, in order.
    pub fn commands(&self) -> impl Iterator<Item = &ShellCommand> {
        self.scripts.iter().flat_map(|s| s.commands.iter())
    }
}

/// What `--from` (COPY) or `from=` (RUN --mount) points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromRef {
    Stage(usize),
    Image(ImageRef),
    /// Holds variables the model cannot resolve.
    Unresolved(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInfo {
    /// Source words (heredoc markers excluded).
    pub sources: Vec<Word>,
    /// Heredoc sources (`COPY <<EOF /x`).
    pub heredoc_sources: Vec<Word>,
    pub dest: Option<Word>,
    pub from: Option<(FromRef, Span)>,
}

impl CopyInfo {
    pub fn shift(&mut self, by: Shift) {
        let CopyInfo {
            sources,
            heredoc_sources,
            dest,
            from,
        } = self;
        sources
            .iter_mut()
            .chain(heredoc_sources.iter_mut())
            .chain(dest.iter_mut())
            .for_each(|w| w.shift(by));
        if let Some((_, span)) = from {
            by.span(span);
        }
    }

    /// Whether the sources come from the build context.
    pub fn from_context(&self) -> bool {
        self.from.is_none() && !self.sources.is_empty()
    }
}

/// An instruction of the model.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub index: usize,
    pub kind: Kind,
    pub keyword: Word,
    pub span: Span,
    pub start_line: usize,
    pub end_line: usize,
    pub flags: Vec<Flag>,
    pub args: Vec<Word>,
    pub json: bool,
    pub heredocs: Vec<Heredoc>,
    /// The stage the instruction belongs to (None before the first FROM).
    pub stage: Option<usize>,
    /// The tree-sitter tree read it differently; recovered from the source
    /// (None when the tree was not built).
    pub recovered: Option<bool>,
    /// RUN's shell commands, parsed with tree-sitter-bash on first use.
    run_cell: std::sync::OnceLock<Option<RunInfo>>,
    /// Which of `KNOWN_PROGRAMS` the text names (`mentions_program`).
    programs_cell: std::sync::OnceLock<u64>,
    /// RUN --mount options (parsed eagerly: the stage graph needs them).
    pub mounts: Vec<Mount>,
    pub copy: Option<CopyInfo>,
    /// ONBUILD's trigger.
    pub trigger: Option<Box<Instruction>>,
    /// This instruction is an ONBUILD's trigger (it has the ONBUILD's index
    /// and stage; its spans point into the ONBUILD line).
    pub is_trigger: bool,
    /// What BuildKit's reader gave: its logical line, map, flags and
    /// comments. Its keyword value, arguments, heredocs and trigger moved
    /// into the fields above (empty here).
    pub raw: RawInstruction,
}

impl Instruction {
    /// Moves every position (spans and lines, those of RUN's parsed
    /// commands too) by `by`.
    pub(crate) fn shift(&mut self, by: Shift) {
        let Instruction {
            index: _,
            kind: _,
            keyword,
            span,
            start_line,
            end_line,
            flags,
            args,
            json: _,
            heredocs,
            stage: _,
            recovered: _,
            run_cell,
            programs_cell: _,
            mounts,
            copy,
            trigger,
            is_trigger: _,
            raw,
        } = self;
        keyword.shift(by);
        by.span(span);
        by.line(start_line);
        by.line(end_line);
        flags.iter_mut().for_each(|f| by.span(&mut f.span));
        args.iter_mut().for_each(|w| w.shift(by));
        heredocs.iter_mut().for_each(|h| h.shift(by));
        if let Some(Some(run)) = run_cell.get_mut() {
            run.shift(by);
        }
        mounts.iter_mut().for_each(|m| m.shift(by));
        if let Some(c) = copy {
            c.shift(by);
        }
        if let Some(t) = trigger {
            t.shift(by);
        }
        raw.shift(by);
    }

    /// Gives the instruction (and its trigger) its index in the file.
    pub(crate) fn set_index(&mut self, index: usize) {
        self.index = index;
        if let Some(t) = self.trigger.as_mut() {
            t.index = index;
        }
    }

    /// RUN's commands (None for other instructions). Parsed on first use.
    pub fn run(&self) -> Option<&RunInfo> {
        self.run_cell
            .get_or_init(|| (self.kind == Kind::Run).then(|| build_run(self)))
            .as_ref()
    }

    /// Whether the RUN text (line or heredoc bodies) contains any of these
    /// words: a cheap test before parsing the shell.
    pub fn mentions(&self, words: &[&str]) -> bool {
        let line = self.raw.args_text();
        let has = crate::text::contains;
        words
            .iter()
            .any(|w| has(line, w) || self.heredocs.iter().any(|h| has(&h.content, w)))
    }

    /// Whether the RUN text (line or heredoc bodies) names one of these
    /// programs as a word: `go` in `go install` or `/usr/bin/go build`, not
    /// in `gosu` or `cargo`. A cheap test before parsing the shell; it may
    /// say yes where no such command runs, never no where one does (unless
    /// the name is built by an expansion).
    pub fn mentions_program(&self, names: &[&str]) -> bool {
        let mask = *self.programs_cell.get_or_init(|| {
            let mut mask = 0u64;
            program_words(self.raw.args_text(), &mut mask);
            for h in &self.heredocs {
                program_words(&h.content, &mut mask);
            }
            mask
        });
        names
            .iter()
            .any(|n| match KNOWN_PROGRAMS.iter().position(|p| p == n) {
                Some(bit) => mask & (1 << bit) != 0,
                None => {
                    contains_program(self.raw.args_text(), n)
                        || self
                            .heredocs
                            .iter()
                            .any(|h| contains_program(&h.content, n))
                }
            })
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
    /// The arguments text after keyword and flags, as one logical line.
    pub fn args_text(&self) -> &str {
        self.raw.args_text()
    }
    /// Span of the arguments (after flags) in the source.
    pub fn args_span(&self) -> Span {
        match (self.args.first(), self.args.last()) {
            (Some(a), Some(b)) if !self.json => a.span.cover(b.span),
            _ => {
                let start = self
                    .raw
                    .map
                    .to_source(self.raw.args_offset.min(self.raw.line.len()));
                Span::new(start.min(self.span.end), self.span.end)
            }
        }
    }
}

/// An `ARG` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDef {
    pub name: String,
    pub default: Option<String>,
    pub instruction: usize,
}

/// What a stage is built on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    Scratch,
    Stage(usize),
    Image(ImageRef),
    /// The image name depends on build arguments without defaults.
    Unresolved {
        text: String,
        vars: Vec<String>,
    },
    /// Not a valid reference after expansion.
    Invalid(String),
}

/// A build stage.
#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// Index of the FROM instruction.
    pub from: usize,
    /// The image word as written.
    pub image: Option<Word>,
    /// The image word after ARG expansion.
    pub image_expanded: Option<String>,
    pub base: Base,
    pub alias: Option<Word>,
    pub platform: Option<String>,
    /// Indices of the stage's instructions (FROM included).
    pub instructions: Vec<usize>,
    pub args: Vec<ArgDef>,
    /// USER instructions: (instruction, value as written, value expanded).
    pub users: Vec<(usize, String, String)>,
    pub env: Vec<(String, String, usize)>,
    /// name → index of its last definition in `args` / `env`, so look-ups
    /// stay O(1) on files with many ARGs and ENVs.
    arg_index: HashMap<String, usize>,
    env_index: HashMap<String, usize>,
}

impl Stage {
    pub fn name(&self) -> Option<&str> {
        self.alias.as_ref().map(|a| a.value.as_str())
    }

    /// The last ARG of that name declared in the stage.
    pub fn arg(&self, name: &str) -> Option<&ArgDef> {
        self.arg_index.get(name).map(|&i| &self.args[i])
    }

    fn push_arg(&mut self, d: ArgDef) {
        self.arg_index.insert(d.name.clone(), self.args.len());
        self.args.push(d);
    }

    fn push_env(&mut self, e: (String, String, usize)) {
        self.env_index.insert(e.0.clone(), self.env.len());
        self.env.push(e);
    }
}

/// A word whose expansion hit a bound (see [`expand::Limit`]): its value
/// is not known to the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpansionLimit {
    pub instruction: usize,
    pub span: Span,
    pub limit: expand::Limit,
}

/// An edge of the stage graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    From,
    CopyFrom,
    MountFrom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageDep {
    pub from_stage: usize,
    pub to_stage: usize,
    pub kind: DepKind,
    pub instruction: usize,
}

/// The model of one Dockerfile.
#[derive(Debug, Clone)]
pub struct Model {
    pub source: String,
    pub lines: LineIndex,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    pub global_args: Vec<ArgDef>,
    pub deps: Vec<StageDep>,
    pub directives: Vec<Directive>,
    pub comments: Vec<Comment>,
    pub escape: char,
    pub bom: bool,
    pub errors: Vec<ParseError>,
    /// BuildKit's reader's and instruction pass's errors, in the order
    /// they raise them (`errors` adds the graph's and sorts them): what
    /// [`Model::rebuild`] starts from.
    syntax_errors: Vec<ParseError>,
    /// Whether the tree-sitter tree has an ERROR (None: not built).
    pub tree_has_error: Option<bool>,
    /// Words whose expansion hit a bound while the model was built.
    pub expansion_limits: Vec<ExpansionLimit>,
    /// What variables may still paste into values (shared with the rules'
    /// expansions).
    budget: expand::Budget,
    budget_reported: bool,
    /// name → index of its last definition in `global_args`.
    global_index: HashMap<String, usize>,
    /// Lower-cased stage name → the first stage of that name.
    stage_index: HashMap<String, usize>,
}

/// Well-known images that start as a non-root user: (repository pattern,
/// tag pattern). See rules/root-user.md.
impl Model {
    /// Builds the model of `src` (without the tree-sitter-containerfile
    /// tree, which only the editor and `inspect` need).
    pub fn build(src: &str) -> Model {
        let doc = crate::syntax::parse_document_lite(src);
        Model::from_syntax(src, doc)
    }

    /// Builds the model with the tree-sitter tree checked per instruction.
    pub fn build_with_tree(src: &str) -> Model {
        let doc = crate::syntax::parse_document(src);
        Model::from_syntax(src, doc)
    }

    pub fn from_syntax(src: &str, doc: SyntaxDocument) -> Model {
        let SyntaxDocument {
            parsed,
            tree,
            recovered,
            lines,
        } = doc;
        let escape = parsed.escape;
        let mut m = Model {
            source: src.to_string(),
            lines,
            instructions: Vec::with_capacity(parsed.instructions.len()),
            stages: Vec::new(),
            global_args: Vec::new(),
            deps: Vec::new(),
            directives: parsed.directives,
            comments: parsed.comments,
            escape,
            bom: parsed.bom,
            syntax_errors: parsed.errors.clone(),
            errors: parsed.errors,
            tree_has_error: tree.as_ref().map(|t| t.has_error),
            expansion_limits: Vec::new(),
            budget: expand::Budget::default(),
            budget_reported: false,
            global_index: HashMap::new(),
            stage_index: HashMap::new(),
        };
        for (index, raw) in parsed.instructions.into_iter().enumerate() {
            let rec = recovered.get(index).copied().flatten();
            let inst = build_instruction(index, raw, rec);
            m.instructions.push(inst);
        }
        m.build_stages();
        graph_errors::check(&mut m);
        m
    }

    fn build_stages(&mut self) {
        let mut stage_of: Vec<Option<usize>> = Vec::with_capacity(self.instructions.len());
        let mut current: Option<usize> = None;
        for idx in 0..self.instructions.len() {
            let kind = self.instructions[idx].kind;
            if kind == Kind::From {
                let si = self.stages.len();
                let inst = &self.instructions[idx];
                let image = inst.args.first().cloned();
                let alias = if inst.args.len() >= 3 && inst.args[1].value.eq_ignore_ascii_case("as")
                {
                    Some(inst.args[2].clone())
                } else {
                    None
                };
                let platform = inst.flag("platform").and_then(|f| f.value.clone());
                let lookup = |name: &str| -> Option<String> { self.global_value(name) };
                let mut limited = None;
                let (base, expanded) = match &image {
                    None => (Base::Invalid(String::new()), None),
                    Some(w) => {
                        let e = self.expand_with(&w.value, &lookup);
                        if let Some(l) = e.limited {
                            limited = Some((w.span, l));
                        }
                        let base = if !e.unresolved.is_empty() || e.limited.is_some() {
                            Base::Unresolved {
                                text: w.value.clone(),
                                vars: e.unresolved.clone(),
                            }
                        } else if e.value.eq_ignore_ascii_case("scratch") {
                            Base::Scratch
                        } else if let Some(&prev) =
                            self.stage_index.get(&e.value.to_ascii_lowercase())
                        {
                            Base::Stage(prev)
                        } else {
                            match ImageRef::parse(&e.value) {
                                Some(r) => Base::Image(r),
                                None => Base::Invalid(e.value.clone()),
                            }
                        };
                        (base, Some(e.value))
                    }
                };
                if let Some((span, limit)) = limited {
                    self.limit_hit(idx, span, limit);
                }
                if let Some(a) = &alias {
                    self.stage_index
                        .entry(a.value.to_ascii_lowercase())
                        .or_insert(si);
                }
                if let Base::Stage(prev) = base {
                    self.deps.push(StageDep {
                        from_stage: si,
                        to_stage: prev,
                        kind: DepKind::From,
                        instruction: idx,
                    });
                }
                self.stages.push(Stage {
                    index: si,
                    from: idx,
                    image,
                    image_expanded: expanded,
                    base,
                    alias,
                    platform,
                    instructions: vec![idx],
                    args: Vec::new(),
                    users: Vec::new(),
                    env: Vec::new(),
                    arg_index: HashMap::new(),
                    env_index: HashMap::new(),
                });
                current = Some(si);
                stage_of.push(current);
                continue;
            }
            stage_of.push(current);
            match current {
                None => {
                    if kind == Kind::Arg {
                        let defs = arg_defs(&self.instructions[idx]);
                        for (wi, mut d) in defs.into_iter().enumerate() {
                            if let Some(v) = &d.default {
                                let e = self.expand_with(v, &|n: &str| self.global_value(n));
                                if let Some(l) = e.limited {
                                    self.limit_hit_word(idx, wi, l);
                                } else if e.unresolved.is_empty() {
                                    d.default = Some(e.value);
                                }
                            }
                            self.global_index
                                .insert(d.name.clone(), self.global_args.len());
                            self.global_args.push(d);
                        }
                    }
                }
                Some(si) => {
                    self.stages[si].instructions.push(idx);
                    match kind {
                        Kind::Arg => {
                            let defs = arg_defs(&self.instructions[idx]);
                            for (wi, mut d) in defs.into_iter().enumerate() {
                                match &d.default {
                                    None => {
                                        // A global ARG redeclared in a stage keeps its default.
                                        d.default = self.global_value(&d.name);
                                    }
                                    Some(v) => {
                                        let e = self.expand_in_stage_full(si, v);
                                        if let Some(l) = e.limited {
                                            self.limit_hit_word(idx, wi, l);
                                        } else if e.unresolved.is_empty() {
                                            d.default = Some(e.value);
                                        }
                                    }
                                }
                                self.stages[si].push_arg(d);
                            }
                        }
                        Kind::Env => {
                            // Every pair sees the environment before the
                            // instruction (`ENV a=1 b=$a` leaves b to the old a).
                            let args = &self.instructions[idx].args;
                            let mut pairs = Vec::new();
                            let mut hits = Vec::new();
                            for pair in args.chunks(2) {
                                if let [k, v] = pair {
                                    let e = self.expand_in_stage_full(si, &unquote(&v.value));
                                    if let Some(l) = e.limited {
                                        hits.push((v.span, l));
                                    }
                                    pairs.push((k.value.clone(), e.value, idx));
                                }
                            }
                            for (span, l) in hits {
                                self.limit_hit(idx, span, l);
                            }
                            for p in pairs {
                                self.stages[si].push_env(p);
                            }
                        }
                        Kind::User => {
                            if let Some(w) = self.instructions[idx].args.first() {
                                let (raw, span) = (w.value.clone(), w.span);
                                let e = self.expand_in_stage_full(si, &raw);
                                if let Some(l) = e.limited {
                                    self.limit_hit(idx, span, l);
                                }
                                self.stages[si].users.push((idx, raw, e.value));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        for (inst, s) in self.instructions.iter_mut().zip(stage_of) {
            inst.stage = s;
            if let Some(t) = inst.trigger.as_mut() {
                t.stage = s;
            }
        }
        // COPY --from and RUN --mount=from= edges.
        for idx in 0..self.instructions.len() {
            let Some(si) = self.instructions[idx].stage else {
                continue;
            };
            if let Some(flag) = self.instructions[idx]
                .flag("from")
                .filter(|_| matches!(self.instructions[idx].kind, Kind::Copy | Kind::Add))
                .cloned()
            {
                let text = flag.value.as_deref().unwrap_or("");
                let r = self.resolve_from(si, text);
                if matches!(r, FromRef::Unresolved(_)) {
                    if let Some(l) = self.expand_in_stage_full(si, text).limited {
                        self.limit_hit(idx, flag.span, l);
                    }
                }
                if let FromRef::Stage(to) = r {
                    self.deps.push(StageDep {
                        from_stage: si,
                        to_stage: to,
                        kind: DepKind::CopyFrom,
                        instruction: idx,
                    });
                }
                if let Some(c) = self.instructions[idx].copy.as_mut() {
                    c.from = Some((r, flag.span));
                }
            }
            let mounts = self.instructions[idx].mounts.clone();
            {
                for m in &mounts {
                    if let Some(f) = m.get("from") {
                        match self.resolve_from(si, f) {
                            FromRef::Stage(to) => self.deps.push(StageDep {
                                from_stage: si,
                                to_stage: to,
                                kind: DepKind::MountFrom,
                                instruction: idx,
                            }),
                            FromRef::Unresolved(_) => {
                                if let Some(l) = self.expand_in_stage_full(si, f).limited {
                                    self.limit_hit(idx, m.span, l);
                                }
                            }
                            FromRef::Image(_) => {}
                        }
                    }
                }
            }
        }
    }

    /// Records that a word's expansion hit a bound (once per instruction;
    /// the spent file budget once per file).
    fn limit_hit(&mut self, instruction: usize, span: Span, limit: expand::Limit) {
        if self
            .expansion_limits
            .last()
            .is_some_and(|l| l.instruction == instruction)
        {
            return;
        }
        if limit == expand::Limit::Budget && self.budget_reported {
            return;
        }
        self.budget_reported |= limit == expand::Limit::Budget;
        self.expansion_limits.push(ExpansionLimit {
            instruction,
            span,
            limit,
        });
    }

    /// [`Self::limit_hit`] at the `n`-th argument of an instruction (ARG).
    fn limit_hit_word(&mut self, instruction: usize, n: usize, limit: expand::Limit) {
        let inst = &self.instructions[instruction];
        let span = inst.args.get(n).map(|w| w.span).unwrap_or(inst.span);
        self.limit_hit(instruction, span, limit);
    }

    /// Bytes of the file's expansion budget not spent yet.
    pub fn budget_left(&self) -> usize {
        self.budget.left()
    }

    /// Spends `n` bytes of the file's expansion budget (what expansions
    /// made in an earlier lint took, when their findings are reused).
    pub fn charge_budget(&self, n: usize) {
        self.budget.charge(n);
    }

    /// Expands `text` with `lookup`, within the file's expansion budget.
    /// Every expansion of the file (the model's and the rules') goes
    /// through here or [`Self::expand_in_stage_full`].
    pub fn expand_with(
        &self,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> expand::Expanded {
        expand::expand_budgeted(text, self.escape, lookup, Some(&self.budget))
    }

    /// Expands a word with the stage's ARGs and ENVs (and the global ARGs).
    /// When the expansion hits a bound, the word as written.
    pub fn expand_in_stage(&self, stage: usize, text: &str) -> String {
        self.expand_in_stage_full(stage, text).value
    }

    pub fn expand_in_stage_full(&self, stage: usize, text: &str) -> expand::Expanded {
        let st = &self.stages[stage];
        let lookup = |name: &str| -> Option<String> {
            // ENV (also inherited through `FROM <stage>`) wins over ARG.
            if let Some(v) = self.env_value(stage, name, 0) {
                return Some(v);
            }
            let a = st.arg(name)?;
            a.default
                .clone()
                .or_else(|| automatic_arg(name).map(str::to_string))
        };
        self.expand_with(text, &lookup)
    }

    /// An ENV value visible in a stage: its own, or inherited from the stage
    /// it is built FROM.
    pub fn env_value(&self, stage: usize, name: &str, depth: usize) -> Option<String> {
        let st = &self.stages[stage];
        if let Some(&i) = st.env_index.get(name) {
            return Some(st.env[i].1.clone());
        }
        match st.base {
            Base::Stage(p) if p < stage && depth < 64 => self.env_value(p, name, depth + 1),
            _ => None,
        }
    }

    /// A global ARG's value for FROM lines: its (expanded) default, or the
    /// value BuildKit gives an automatic platform ARG (for the default
    /// linux/amd64 platform).
    pub fn global_value(&self, name: &str) -> Option<String> {
        match self.global_index.get(name).map(|&i| &self.global_args[i]) {
            Some(a) => a
                .default
                .clone()
                .or_else(|| automatic_arg(name).map(str::to_string)),
            None => automatic_arg(name).map(str::to_string),
        }
    }

    /// Whether a name is a declared global ARG.
    pub fn is_global_arg(&self, name: &str) -> bool {
        self.global_index.contains_key(name)
    }

    /// What `--from=<text>` names, seen from `stage`.
    pub fn resolve_from(&self, stage: usize, text: &str) -> FromRef {
        let e = self.expand_in_stage_full(stage, text);
        if !e.unresolved.is_empty() || e.limited.is_some() {
            return FromRef::Unresolved(text.to_string());
        }
        let v = e.value;
        if let Some(&i) = self
            .stage_index
            .get(&v.to_ascii_lowercase())
            .filter(|&&i| i < stage)
        {
            return FromRef::Stage(i);
        }
        if let Ok(n) = v.parse::<usize>() {
            if n < self.stages.len() {
                return FromRef::Stage(n);
            }
        }
        match ImageRef::parse(&v) {
            Some(r) => FromRef::Image(r),
            None => FromRef::Unresolved(text.to_string()),
        }
    }

    /// The first stage named `name` (stage names are case-insensitive).
    pub fn stage_named(&self, name: &str) -> Option<usize> {
        self.stage_index.get(&name.to_ascii_lowercase()).copied()
    }

    /// The stage that is built: `target` by name, else the last one.
    pub fn final_stage(&self, target: Option<&str>) -> Option<&Stage> {
        if let Some(i) = target.and_then(|t| self.stage_named(t)) {
            return self.stages.get(i);
        }
        self.stages.last()
    }

    /// Instructions of a stage, in order.
    pub fn stage_instructions(&self, stage: usize) -> impl Iterator<Item = &Instruction> {
        self.stages[stage]
            .instructions
            .iter()
            .map(move |&i| &self.instructions[i])
    }

    /// Every RUN a build executes, in source order: the stages' RUNs and
    /// the RUNs of `ONBUILD RUN` triggers, which run in the builds FROM this
    /// image (hadolint lints the instruction inside ONBUILD too). A
    /// trigger has `is_trigger` set; its spans point into the ONBUILD line.
    pub fn runs(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions.iter().filter_map(effective_run)
    }

    /// The RUNs of a stage, ONBUILD triggers included, in source order.
    pub fn stage_runs(&self, stage: usize) -> impl Iterator<Item = &Instruction> {
        self.stage_instructions(stage).filter_map(effective_run)
    }

    /// Every instruction with each ONBUILD replaced by its trigger (the
    /// instruction a build FROM this image runs).
    pub fn effective_instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions
            .iter()
            .map(|i| i.trigger.as_deref().unwrap_or(i))
    }

    /// 1-based line of an offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset) + 1
    }

    pub fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// The source of `span` for quoting in a message: one line
    /// (continuations joined), control characters escaped, at most `max`
    /// characters.
    pub fn quote(&self, span: Span, max: usize) -> String {
        crate::text::one_line(self.text(span), self.escape, max)
    }
}

/// Program names `mentions_program` looks for in one pass per instruction.
const KNOWN_PROGRAMS: &[&str] = &[
    "apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "tdnf", "dnf5", "dnf-3",
    "zypper", "npm", "yarn", "yarnpkg", "pnpm", "gem", "go", "pipx", "curl", "wget",
];

/// The bytes `program_words` splits words at (all ASCII: a UTF-8 char's
/// bytes are never one of them).
const fn is_word_sep(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b';'
            | b'&'
            | b'|'
            | b'('
            | b')'
            | b'`'
            | b'"'
            | b'\''
            | b'{'
            | b'\\'
    )
}

/// Sets the bit of each of `KNOWN_PROGRAMS` that `text` names as a word
/// (as `contains_program` reads a word), in one pass over the bytes: every
/// lint of the language server runs it on all RUN text.
fn program_words(text: &str, mask: &mut u64) {
    const SEP: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = is_word_sep(b as u8);
            b += 1;
        }
        t
    };
    // The first bytes and longest length of the names: most words are
    // none of them, and are passed over without a comparison.
    const FIRST: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < KNOWN_PROGRAMS.len() {
            t[KNOWN_PROGRAMS[i].as_bytes()[0] as usize] = true;
            i += 1;
        }
        t
    };
    const LONGEST: usize = {
        let mut n = 0;
        let mut i = 0;
        while i < KNOWN_PROGRAMS.len() {
            if KNOWN_PROGRAMS[i].len() > n {
                n = KNOWN_PROGRAMS[i].len();
            }
            i += 1;
        }
        n
    };
    let bytes = text.as_bytes();
    // Where the current word's name starts: after its last `/` (a path names
    // its last part, `/usr/bin/apt-get`).
    let mut name_start = 0;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        match b {
            Some(b'/') => name_start = i + 1,
            Some(b) if !SEP[b as usize] => {}
            _ => {
                let name = &bytes[name_start..i];
                if !name.is_empty() && name.len() <= LONGEST && FIRST[name[0] as usize] {
                    if let Some(bit) = KNOWN_PROGRAMS.iter().position(|p| p.as_bytes() == name) {
                        *mask |= 1 << bit;
                    }
                }
                name_start = i + 1;
            }
        }
    }
}

/// Whether `name` occurs in `text` as a word of its own: after the start,
/// blank, an operator, a quote or `/` (a path), and before the end, blank,
/// a quote or an operator.
fn contains_program(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| crate::text::find(t, name)) {
        let at = from + pos;
        let end = at + name.len();
        // `program_words`' separators, and: a path's `/` before the name,
        // not `)`; no `(` or `{` after it.
        let before_ok = at == 0 || {
            let b = bytes[at - 1];
            b == b'/' || (is_word_sep(b) && b != b')')
        };
        let after_ok = end == bytes.len() || {
            let b = bytes[end];
            is_word_sep(b) && !matches!(b, b'(' | b'{')
        };
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

pub fn effective_run(i: &Instruction) -> Option<&Instruction> {
    match i.kind {
        Kind::Run => Some(i),
        Kind::Onbuild => i.trigger.as_deref().filter(|t| t.kind == Kind::Run),
        _ => None,
    }
}

/// BuildKit's automatic platform ARGs, valued for the default platform
/// (linux/amd64). They are defined in the global scope without a declaration.
pub fn automatic_arg(name: &str) -> Option<&'static str> {
    Some(match name {
        "TARGETPLATFORM" | "BUILDPLATFORM" => "linux/amd64",
        "TARGETOS" | "BUILDOS" => "linux",
        "TARGETARCH" | "BUILDARCH" => "amd64",
        "TARGETVARIANT" | "BUILDVARIANT" => "",
        _ => return None,
    })
}

/// Removes one level of matching quotes.
pub fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s.get(1..s.len() - 1).unwrap_or(s).to_string()
    } else {
        s.to_string()
    }
}

fn arg_defs(inst: &Instruction) -> Vec<ArgDef> {
    inst.args
        .iter()
        .map(|w| match w.value.split_once('=') {
            Some((k, v)) => ArgDef {
                name: k.to_string(),
                default: Some(unquote(v)),
                instruction: inst.index,
            },
            None => ArgDef {
                name: w.value.clone(),
                default: None,
                instruction: inst.index,
            },
        })
        .collect()
}

fn parse_flags(raw: &RawInstruction) -> Vec<Flag> {
    raw.flags
        .iter()
        .map(|w| {
            let body = w.value.trim_start_matches('-');
            match body.split_once('=') {
                Some((n, v)) => Flag {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                    span: w.span,
                },
                None => Flag {
                    name: body.to_string(),
                    value: None,
                    span: w.span,
                },
            }
        })
        .collect()
}

/// Splits `type=cache,target=/x` (CSV, quotes allowed).
fn parse_mount(value: &str, span: Span) -> Mount {
    let mut options = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut fields = Vec::new();
    for c in value.chars() {
        match (quote, c) {
            (None, '"') | (None, '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    for f in fields {
        let f = f.trim();
        if f.is_empty() {
            continue;
        }
        match f.split_once('=') {
            Some((k, v)) => options.push((k.to_ascii_lowercase(), v.to_string())),
            None => options.push((f.to_ascii_lowercase(), "true".into())),
        }
    }
    Mount { options, span }
}

/// The raw instruction's keyword, arguments, heredocs and trigger move into
/// the model's (the raw copy keeps its line, map, flags and comments: what
/// the model reads from it later).
fn build_instruction(
    index: usize,
    mut raw: RawInstruction,
    recovered: Option<bool>,
) -> Instruction {
    let kind = Kind::from_keyword(&raw.keyword.value);
    let flags = parse_flags(&raw);
    let keyword = Word {
        value: std::mem::take(&mut raw.keyword.value),
        span: raw.keyword.span,
    };
    let args = std::mem::take(&mut raw.args);
    let heredocs = std::mem::take(&mut raw.heredocs);
    let sub = raw.sub.take();
    let mut inst = Instruction {
        index,
        kind,
        keyword,
        span: raw.span,
        start_line: raw.start_line,
        end_line: raw.end_line,
        flags,
        args,
        json: raw.json,
        heredocs,
        stage: None,
        recovered,
        run_cell: std::sync::OnceLock::new(),
        programs_cell: std::sync::OnceLock::new(),
        mounts: Vec::new(),
        copy: None,
        trigger: None,
        is_trigger: false,
        raw,
    };
    match kind {
        Kind::Run => inst.mounts = parse_mounts(&inst),
        Kind::Copy | Kind::Add => inst.copy = Some(build_copy(&inst)),
        Kind::Onbuild => {
            if let Some(sub) = sub {
                let mut t = build_instruction(index, *sub, recovered);
                t.is_trigger = true;
                inst.trigger = Some(Box::new(t));
            }
        }
        _ => {}
    }
    inst
}

fn build_copy(inst: &Instruction) -> CopyInfo {
    // The last of two or more words is the destination; the others are
    // sources (each cloned once, no copy of the whole list first).
    let (words, dest) = match inst.args.split_last() {
        Some((last, rest)) if !rest.is_empty() => (rest, Some(last.clone())),
        _ => (&inst.args[..], None),
    };
    let mut sources = Vec::with_capacity(words.len());
    let mut heredoc_sources = Vec::new();
    for w in words.iter().cloned() {
        let is_heredoc = crate::syntax::buildkit::parse_heredoc_word(&w.value)
            .is_some_and(|h| inst.heredocs.iter().any(|d| d.name == h.name));
        if is_heredoc {
            heredoc_sources.push(w);
        } else {
            sources.push(w);
        }
    }
    CopyInfo {
        sources,
        heredoc_sources,
        dest,
        from: None,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

fn parse_mounts(inst: &Instruction) -> Vec<Mount> {
    inst.flags
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("mount"))
        .map(|f| parse_mount(f.value.as_deref().unwrap_or(""), f.span))
        .collect()
}

fn build_run(inst: &Instruction) -> RunInfo {
    let mounts = inst.mounts.clone();
    let mut scripts = Vec::new();
    if inst.json {
        let span = inst.args_span();
        let argv = inst
            .args
            .iter()
            .map(|a| ShellWord {
                raw: a.value.clone(),
                value: Some(a.value.clone()),
                span,
            })
            .collect();
        scripts.push(Script {
            origin: ScriptOrigin::Exec,
            commands: vec![ShellCommand {
                argv,
                assignments: Vec::new(),
                span,
                joined_by: None,
                nested: false,
            }],
            pipes: Vec::new(),
            has_error: false,
        });
        return RunInfo {
            exec: true,
            mounts,
            scripts,
        };
    }
    let text = inst.raw.args_text();
    let base = inst.raw.args_offset;
    let map = &inst.raw.map;
    let parsed = shell::parse_shared(text);
    let conv = |s: Span| map.span(base + s.start, base + s.end);
    let inline_cmds: Vec<ShellCommand> = parsed
        .commands
        .iter()
        .map(|c| convert_command(c, &conv))
        .collect();
    let inline_pipes: Vec<Pipe> = parsed
        .pipes
        .iter()
        .map(|p| Pipe {
            op: conv(p.op),
            left: conv(p.left),
        })
        .collect();
    // Heredoc bodies run by a shell: `RUN <<EOF` or `RUN bash <<EOF`.
    let first_program = inline_cmds
        .first()
        .and_then(|c| c.program())
        .map(str::to_string);
    let runs_heredocs_as_shell = !inst.heredocs.is_empty()
        && match &first_program {
            None => true,
            Some(p) => {
                SHELLS.contains(&p.as_str())
                    && inline_cmds[0]
                        .args()
                        .iter()
                        .all(|a| a.text().starts_with('-'))
            }
        };
    let only_markers = inline_cmds.is_empty() || inline_cmds.iter().all(|c| c.argv.is_empty());
    if !only_markers || inst.heredocs.is_empty() {
        scripts.push(Script {
            origin: ScriptOrigin::Inline,
            commands: inline_cmds,
            pipes: inline_pipes,
            has_error: parsed.has_error,
        });
    }
    if runs_heredocs_as_shell {
        for (hi, h) in inst.heredocs.iter().enumerate() {
            let body = &h.content;
            let first_line = body.lines().next().unwrap_or("");
            if first_line.starts_with("#!")
                && !SHELLS.iter().any(|s| {
                    first_line.ends_with(&format!("/{s}")) || first_line.ends_with(&format!(" {s}"))
                })
            {
                continue;
            }
            let start = h.content_span.start;
            let text = h.content.as_str();
            let p = shell::parse_shared(text);
            let f = |s: Span| Span::new(start + s.start, start + s.end);
            scripts.push(Script {
                origin: ScriptOrigin::Heredoc(hi),
                commands: p.commands.iter().map(|c| convert_command(c, &f)).collect(),
                pipes: p
                    .pipes
                    .iter()
                    .map(|p| Pipe {
                        op: f(p.op),
                        left: f(p.left),
                    })
                    .collect(),
                has_error: p.has_error,
            });
        }
    }
    RunInfo {
        exec: false,
        mounts,
        scripts,
    }
}

/// A command of the syntax layer, with its spans mapped into the Dockerfile.
fn convert_command(c: &shell::Command, f: &dyn Fn(Span) -> Span) -> ShellCommand {
    let word = |w: &shell::ShellWord| ShellWord {
        raw: w.raw.clone(),
        value: w.value.clone(),
        span: f(w.span),
    };
    ShellCommand {
        argv: c.words.iter().map(word).collect(),
        assignments: c.assignments.iter().map(word).collect(),
        span: f(c.span),
        joined_by: c.joined_by,
        nested: c.nested,
    }
}

/// A quick look-up of stage names to indices (lower-cased).
pub fn stage_names(m: &Model) -> HashMap<String, usize> {
    m.stages
        .iter()
        .filter_map(|s| s.name().map(|n| (n.to_ascii_lowercase(), s.index)))
        .collect()
}

#[cfg(test)]
mod tests {
    /// The word splitting `program_words` replaced (char by char, `split`
    /// then `rsplit('/')`): the oracle of its test.
    fn program_words_reference(text: &str) -> u64 {
        let mut mask = 0u64;
        for token in text.split(|c: char| c.is_ascii() && super::is_word_sep(c as u8)) {
            let name = token.rsplit('/').next().unwrap_or(token);
            if let Some(bit) = super::KNOWN_PROGRAMS.iter().position(|p| *p == name) {
                mask |= 1 << bit;
            }
        }
        mask
    }

    /// `contains_program`'s word boundaries, character by character, are
    /// the sets it was written with.
    #[test]
    fn program_boundaries_are_the_written_sets() {
        for b in 0..128u8 {
            let c = b as char;
            let before = super::contains_program(&format!("{c}zz"), "zz");
            let after = super::contains_program(&format!("zz{c}"), "zz");
            assert_eq!(before, b" \t\n\r;&|(`\"'/{\\".contains(&b), "{b}");
            assert_eq!(after, b" \t\n\r;&|)`\"'\\".contains(&b), "{b}");
        }
        assert!(super::contains_program("zz", "zz"));
        assert!(!super::contains_program("zzz", "zz"));
    }

    /// Every string of up to 4 pieces from program names, separators,
    /// slashes and non-ASCII text gives the mask of the reference splitting.
    #[test]
    fn program_words_is_split_then_last_path_part() {
        let pieces = [
            "apt-get",
            "apt",
            "go",
            "/",
            " ",
            ";",
            "|",
            "x",
            "é",
            "{",
            "\\",
            "\t",
            "wget",
            "/usr/bin/",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for t in &texts {
                for p in pieces {
                    next.push(format!("{t}{p}"));
                }
            }
            for t in &next {
                let mut mask = 0;
                super::program_words(t, &mut mask);
                assert_eq!(mask, program_words_reference(t), "{t:?}");
            }
            texts = next;
        }
    }

    use super::*;

    #[test]
    fn keywords_read_in_any_ascii_case() {
        for k in [
            "FROM",
            "from",
            "From",
            "RUN",
            "cmd",
            "LaBeL",
            "maintainer",
            "EXPOSE",
            "env",
            "add",
            "COPY",
            "entrypoint",
            "VOLUME",
            "user",
            "WORKDIR",
            "arg",
            "ONBUILD",
            "stopsignal",
            "HEALTHCHECK",
            "shell",
        ] {
            let kind = Kind::from_keyword(k);
            assert_ne!(kind, Kind::Unknown, "{k}");
            assert_eq!(kind.as_str(), k.to_ascii_uppercase());
        }
        for k in ["", "FRO", "FROMM", "FRÖM", "run ", "ＲＵＮ", "unknown"] {
            assert_eq!(Kind::from_keyword(k), Kind::Unknown, "{k:?}");
        }
    }

    #[test]
    fn stages_args_and_graph() {
        let m = Model::build(
            "ARG BASE=golang:1.22\nFROM $BASE AS build\nRUN go build\nFROM scratch\nCOPY --from=build /app /app\nUSER 1000\n",
        );
        assert_eq!(m.stages.len(), 2);
        assert_eq!(
            m.stages[0].base,
            Base::Image(ImageRef::parse("golang:1.22").unwrap())
        );
        assert_eq!(m.stages[0].name(), Some("build"));
        assert_eq!(m.stages[1].base, Base::Scratch);
        assert_eq!(m.deps.len(), 1);
        assert_eq!(m.deps[0].kind, DepKind::CopyFrom);
        assert_eq!(m.stages[1].users[0].2, "1000");
    }

    #[test]
    fn unresolved_arg() {
        let m = Model::build("ARG IMG\nFROM $IMG\n");
        assert!(matches!(m.stages[0].base, Base::Unresolved { .. }));
    }

    #[test]
    fn run_commands_and_heredoc() {
        let src = "FROM a\nRUN sudo -E apt-get update && \\\n    apt-get install -y curl\nRUN <<EOF\nset -e\napk add x\nEOF\n";
        let m = Model::build(src);
        let run = m.instructions[1].run().unwrap();
        let cmds: Vec<_> = run.commands().collect();
        assert_eq!(cmds[0].program(), Some("apt-get"));
        assert_eq!(cmds[0].subcommand(), Some("update"));
        assert_eq!(cmds[1].joined_by, Some(Joiner::And));
        assert_eq!(m.text(cmds[1].argv[2].span), "-y");
        let m2 = Model::build("FROM a\nRUN command -v ps && command ps\n");
        let c2: Vec<_> = m2.instructions[1].run().unwrap().commands().collect();
        assert_eq!(c2[0].program(), Some("command"));
        assert_eq!(c2[1].program(), Some("ps"));
        let run2 = m.instructions[2].run().unwrap();
        let c: Vec<_> = run2.commands().collect();
        assert_eq!(c[1].program(), Some("apk"));
        assert_eq!(m.text(c[1].span), "apk add x");
    }

    #[test]
    fn copy_from_and_mounts() {
        let m = Model::build("FROM a AS b\nFROM c\nCOPY --from=B x y\nRUN --mount=type=bind,from=nginx:1,target=/n true\n");
        let c = m.instructions[2].copy.as_ref().unwrap();
        assert!(matches!(c.from, Some((FromRef::Stage(0), _))));
        let run = m.instructions[3].run().unwrap();
        assert_eq!(run.mounts[0].get("from"), Some("nginx:1"));
    }
}
