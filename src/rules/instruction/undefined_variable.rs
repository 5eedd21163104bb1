//! `undefined-variable`: `$NAME` in an instruction BuildKit expands, where
//! no ARG or ENV has defined `NAME` yet (`UndefinedVar`).
//!
//! BuildKit expands ENV, LABEL, COPY, ADD, WORKDIR, USER, VOLUME,
//! STOPSIGNAL, ARG defaults, `RUN --mount` options and COPY heredocs with the
//! stage's environment: the base image's ENV, the stage's ENVs and ARGs so
//! far (an ARG declared without a value counts as defined). dlint cannot see
//! a base image's environment, so for a stage built on an image it only
//! reports what the image cannot explain (see rules/undefined-variable.md).
use crate::diagnostic::Severity;
use std::collections::{HashMap, HashSet};

use crate::model::{Base, Instruction, Kind, Model};
use crate::rules::buildkit::{expand_tracked, Suggester, AUTOMATIC_ARGS};
use crate::rules::image::from_args::GlobalScope;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D216",
    name: "undefined-variable",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["UndefinedVar"],
    summary:
        "A variable is used before any ARG or ENV defines it, so it expands to an empty string",
    default_enabled: true,
};

/// Build arguments BuildKit keeps out of the environment.
const NON_ENV_ARGS: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Docker Hub's official OS images, whose configuration sets no variable
/// but PATH: on them the environment is known.
const PATH_ONLY_IMAGES: &[&str] = &[
    "alpine",
    "almalinux",
    "amazonlinux",
    "busybox",
    "centos",
    "debian",
    "oraclelinux",
    "rockylinux",
    "ubuntu",
];

fn path_only_image(base: &Base) -> bool {
    match base {
        Base::Scratch => true,
        Base::Image(r) => {
            r.is_docker_hub()
                && PATH_ONLY_IMAGES
                    .iter()
                    .any(|n| r.full_path() == format!("library/{n}"))
        }
        _ => false,
    }
}

/// The variables of a stage at one point. A stage built `FROM <stage>`
/// starts from that stage's final scope: stages are visited depth-first
/// along those links with one scope, changed as a stage is entered and put
/// back (an undo log) as it is left, so a chain of n stages costs O(n), not
/// n copies of a growing environment.
struct Scope {
    /// The environment.
    env: HashMap<String, String>,
    /// The names of `env` in definition order (for suggestions).
    order: Vec<String>,
    /// ARGs declared (with or without a value), inherited ones included.
    declared: HashSet<String>,
    /// Whether every variable of the environment is known: the stage chain
    /// starts at `scratch` or an official OS image that sets only PATH, not at
    /// an image whose ENV dlint cannot see.
    complete: bool,
    undo: Vec<Undo>,
}

/// How to put a change of [`Scope`] back.
enum Undo {
    /// A new name: removed (it is the last of `order`).
    Added(String),
    /// A changed value: the old one.
    Replaced(String, String),
    Declared(String),
}

impl Scope {
    fn new(complete: bool) -> Scope {
        let mut s = Scope {
            env: HashMap::new(),
            order: Vec::new(),
            declared: HashSet::new(),
            complete,
            undo: Vec::new(),
        };
        // BuildKit always sets PATH.
        s.set(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        );
        s
    }

    fn get(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    fn has(&self, name: &str) -> bool {
        self.env.contains_key(name)
    }

    fn set(&mut self, name: &str, value: String) {
        match self.env.get_mut(name) {
            Some(v) => {
                let old = std::mem::replace(v, value);
                self.undo.push(Undo::Replaced(name.to_string(), old));
            }
            None => {
                self.env.insert(name.to_string(), value);
                self.order.push(name.to_string());
                self.undo.push(Undo::Added(name.to_string()));
            }
        }
    }

    fn declare(&mut self, name: String) {
        if self.declared.insert(name.clone()) {
            self.undo.push(Undo::Declared(name));
        }
    }

    /// Puts back every change made since the undo log had `mark` entries.
    fn rollback(&mut self, mark: usize) {
        while self.undo.len() > mark {
            match self.undo.pop() {
                Some(Undo::Added(k)) => {
                    self.env.remove(&k);
                    self.order.pop();
                }
                Some(Undo::Replaced(k, old)) => {
                    self.env.insert(k, old);
                }
                Some(Undo::Declared(k)) => {
                    self.declared.remove(&k);
                }
                None => break,
            }
        }
    }
}

/// The variable names a heredoc body BuildKit expands refers to (its raw
/// lexer: quotes are not special, `\` escapes).
fn raw_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '$' => {
                let braced = chars.get(i + 1) == Some(&'{');
                let start = i + 1 + usize::from(braced);
                let len = chars[start.min(chars.len())..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                if len > 0 {
                    let name: String = chars[start..start + len].iter().collect();
                    if seen.insert(name.clone()) {
                        out.push(name);
                    }
                }
                i = start + len;
            }
            _ => i += 1,
        }
    }
    out
}

/// The words of an instruction (not ARG, FROM or EXPOSE) that BuildKit
/// expands with the stage's variables, with where each is written (the
/// flag's span for `RUN --mount` options): ENV, LABEL, WORKDIR, USER,
/// STOPSIGNAL and VOLUME arguments, COPY/ADD sources, destination, `--chown`
/// and ADD's `--checksum`. invalid-substitution adds the rest it expands.
pub(crate) fn expanded_words(inst: &Instruction) -> Vec<(&str, Span)> {
    let mut out: Vec<(&str, Span)> = Vec::new();
    match inst.kind {
        Kind::Env | Kind::Label | Kind::Workdir | Kind::User | Kind::Stopsignal | Kind::Volume => {
            out.extend(inst.args.iter().map(|w| (w.value.as_str(), w.span)));
        }
        Kind::Copy | Kind::Add => {
            if let Some(c) = &inst.copy {
                out.extend(c.sources.iter().map(|w| (w.value.as_str(), w.span)));
                out.extend(c.dest.iter().map(|w| (w.value.as_str(), w.span)));
            }
            for f in &inst.flags {
                if f.name.eq_ignore_ascii_case("chown")
                    || (inst.kind == Kind::Add && f.name.eq_ignore_ascii_case("checksum"))
                {
                    out.extend(f.value.as_deref().map(|v| (v, f.span)));
                }
            }
        }
        Kind::Run => {
            for mount in &inst.mounts {
                out.extend(mount.options.iter().map(|(_, v)| (v.as_str(), mount.span)));
            }
        }
        _ => {}
    }
    out
}

/// A variable-name char, for the word boundary after `$NAME`.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where to report a variable in an instruction: the first word on the
/// instruction's first line that uses it as `${NAME…`, else as `$NAME`,
/// else the keyword (BuildKit reports the instruction, by its first line).
/// The line is read once, however many variables are reported on it.
struct Usages {
    braced: HashMap<String, Span>,
    plain: HashMap<String, Span>,
    keyword: Span,
}

impl Usages {
    fn of(m: &Model, inst: &Instruction) -> Usages {
        let mut u = Usages {
            braced: HashMap::new(),
            plain: HashMap::new(),
            keyword: inst.keyword.span,
        };
        let first_line_end = m
            .lines
            .line_end_with_newline(m.lines.line_of(inst.span.start))
            .min(inst.span.end);
        let text = m.source.get(inst.span.start..first_line_end).unwrap_or("");
        let base = inst.span.start;
        // Whitespace-delimited words, with their offsets.
        let ws = |c: char| c == ' ' || c == '\t' || c == '\n' || c == '\r';
        let mut at = 0;
        for word in text.split(ws) {
            let span = Span::new(base + at, base + at + word.len());
            at += word.len() + 1;
            let mut rest = word;
            while let Some(d) = rest.find('$') {
                rest = rest.get(d + 1..).unwrap_or("");
                let (braced, after) = match rest.strip_prefix('{') {
                    Some(r) => (true, r),
                    None => (false, rest),
                };
                let len = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
                if let Some(name) = after.get(..len).filter(|n| !n.is_empty()) {
                    let map = if braced { &mut u.braced } else { &mut u.plain };
                    map.entry(name.to_string()).or_insert(span);
                }
            }
        }
        u
    }

    fn span(&self, name: &str) -> Span {
        self.braced
            .get(name)
            .or_else(|| self.plain.get(name))
            .copied()
            .unwrap_or(self.keyword)
    }
}

/// Whether `text` refers to `$name` or `${name…`.
fn uses_var(text: &str, name: &str) -> bool {
    let braced = format!("${{{name}");
    let plain = format!("${name}");
    text.match_indices(&braced)
        .chain(text.match_indices(&plain))
        .any(|(at, pat)| {
            !text
                .get(at + pat.len()..)
                .and_then(|t| t.chars().next())
                .is_some_and(name_char)
        })
}

/// How a value uses a variable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `$X`, `${X}`.
    Plain,
    /// `${X:-default}`, `${X-default}`.
    Default,
    /// `${X:+alt}`, `${X+alt}`.
    Conditional,
}

fn usage_form(value: &str, name: &str) -> Form {
    // The weakest use wins: a plain `$X` anywhere makes it plain, else a
    // `${X:-…}` default, else only `${X:+…}`. A use inside the alternative
    // of `${X:+…}` (`${X:+$X:}`, `${X:+:${X}}`) expands only when `X` is set,
    // so it is part of that conditional use.
    let chars: Vec<char> = value.chars().collect();
    let target: Vec<char> = name.chars().collect();
    let mut form: Option<Form> = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] != '$' {
            i += 1;
            continue;
        }
        let braced = chars.get(i + 1) == Some(&'{');
        let start = i + 1 + usize::from(braced);
        let len = chars[start.min(chars.len())..]
            .iter()
            .take_while(|c| name_char(**c))
            .count();
        let is_target = chars.get(start..start + len) == Some(&target[..]);
        let after = start + len;
        if !is_target {
            i = after.max(i + 1);
            continue;
        }
        if !braced {
            return Form::Plain;
        }
        let modifier: String = chars[after.min(chars.len())..].iter().take(2).collect();
        let conditional = modifier.starts_with(":+") || modifier.starts_with('+');
        let default = modifier.starts_with(":-") || modifier.starts_with('-');
        if conditional {
            form.get_or_insert(Form::Conditional);
            // Skip the alternative, to the matching `}`.
            let mut depth = 0usize;
            let mut j = after;
            while j < chars.len() {
                match chars[j] {
                    '\\' => j += 1,
                    '{' if j > 0 && chars[j - 1] == '$' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        } else if default {
            form = Some(Form::Default);
            i = after;
        } else {
            return Form::Plain;
        }
    }
    form.unwrap_or(Form::Plain)
}

/// Where a stage's ARGs and ENVs define each name: the last instruction
/// of each kind.
#[derive(Default)]
struct Later<'m> {
    env: HashMap<&'m str, usize>,
    arg: HashMap<&'m str, usize>,
}

impl<'m> Later<'m> {
    fn of(m: &'m Model, stage: usize) -> Later<'m> {
        let mut l = Later::default();
        for i in m.stage_instructions(stage) {
            match i.kind {
                Kind::Env => {
                    for k in i.args.iter().step_by(2) {
                        l.env.insert(k.value.as_str(), i.index);
                    }
                }
                Kind::Arg => {
                    for w in &i.args {
                        let name = w.value.split('=').next().unwrap_or("");
                        l.arg.insert(name, i.index);
                    }
                }
                _ => {}
            }
        }
        l
    }

    /// Whether an ARG or ENV defines `name` later in the stage (or the same
    /// ENV does).
    fn defines(&self, inst: &Instruction, name: &str) -> bool {
        self.env.get(name).is_some_and(|&i| i >= inst.index)
            || self.arg.get(name).is_some_and(|&i| i > inst.index)
    }
}

/// An ENV's key/value pairs, and the pairs of each key.
struct EnvPairs<'i> {
    pairs: Vec<(&'i str, &'i str)>,
    by_key: HashMap<&'i str, Vec<usize>>,
}

impl<'i> EnvPairs<'i> {
    fn of(inst: &'i Instruction) -> EnvPairs<'i> {
        let pairs: Vec<(&str, &str)> = inst
            .args
            .chunks(2)
            .filter_map(|p| match p {
                [k, v] => Some((k.value.as_str(), v.value.as_str())),
                _ => None,
            })
            .collect();
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (k, _)) in pairs.iter().enumerate() {
            by_key.entry(k).or_default().push(i);
        }
        EnvPairs { pairs, by_key }
    }
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let global = GlobalScope::of(m);
    let mut suggester = Suggester::default();
    // Stages built FROM an earlier stage, by that stage.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); m.stages.len()];
    let mut roots = Vec::new();
    for st in &m.stages {
        match st.base {
            Base::Stage(p) if p < st.index => children[p].push(st.index),
            _ => roots.push(st.index),
        }
    }
    enum Step {
        Enter(usize),
        /// Leave a stage: roll the scope back to this undo mark.
        Leave(usize),
    }
    for root in roots {
        let mut scope = Scope::new(path_only_image(&m.stages[root].base));
        let mut stack = vec![Step::Enter(root)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(s) => {
                    stack.push(Step::Leave(scope.undo.len()));
                    check_stage(cx, &global, &mut suggester, &mut scope, s);
                    stack.extend(children[s].iter().rev().map(|&c| Step::Enter(c)));
                }
                Step::Leave(mark) => scope.rollback(mark),
            }
        }
    }
}

/// Reports one stage's undefined variables and leaves `scope` as the stage
/// ends.
fn check_stage(
    cx: &mut Checker,
    global: &GlobalScope,
    suggester: &mut Suggester,
    scope: &mut Scope,
    stage: usize,
) {
    let m = cx.model;
    let st = &m.stages[stage];
    let base_name = st
        .image
        .as_ref()
        .map(|w| w.value.clone())
        .unwrap_or_default();
    let mut later: Option<Later> = None;
    for inst in m.stage_instructions(st.index).skip(1) {
        let mut unmatched: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut note = |names: Vec<String>| {
            for n in names {
                if seen.insert(n.clone()) {
                    unmatched.push(n);
                }
            }
        };
        // ARG: each default expanded in turn (with the names this ARG
        // defined before it), then defined.
        let mut arg_updates: Vec<(String, Option<String>)> = Vec::new();
        if inst.kind == Kind::Arg {
            let mut own: HashMap<String, String> = HashMap::new();
            let mut own_declared: HashSet<String> = HashSet::new();
            for w in &inst.args {
                let (name, default) = match w.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (w.value.clone(), None),
                };
                let value = match default {
                    Some(d) => {
                        let lookup = |n: &str| own.get(n).cloned().or_else(|| scope.get(n));
                        let t = expand_tracked(&d, m, &lookup);
                        // ARGs declared so far (this one's earlier names
                        // included) count as defined.
                        note(
                            t.unmatched
                                .into_iter()
                                .filter(|n| {
                                    !scope.declared.contains(n) && !own_declared.contains(n)
                                })
                                .collect(),
                        );
                        Some(t.expanded.value)
                    }
                    None => global.get(&name).map(str::to_string),
                };
                if let Some(v) = &value {
                    if !NON_ENV_ARGS.contains(&name.as_str()) {
                        own.insert(name.clone(), v.clone());
                    }
                }
                own_declared.insert(name.clone());
                arg_updates.push((name, value));
            }
        } else if m.text(inst.span).contains('$') {
            // (An instruction without `$` in its text, heredocs and flags
            // included, references nothing.)
            let lookup = |n: &str| scope.get(n);
            // A word without `$` references nothing.
            for (w, _) in expanded_words(inst)
                .into_iter()
                .filter(|(w, _)| w.contains('$'))
            {
                note(expand_tracked(w, m, &lookup).unmatched);
            }
            if matches!(inst.kind, Kind::Copy | Kind::Add) {
                for h in inst.heredocs.iter().filter(|h| h.expand) {
                    note(
                        raw_refs(&h.content)
                            .into_iter()
                            .filter(|n| !scope.has(n))
                            .collect(),
                    );
                }
            }
        }
        unmatched.retain(|n| !scope.declared.contains(n) && !NON_ENV_ARGS.contains(&n.as_str()));
        let env_pairs =
            (inst.kind == Kind::Env && !unmatched.is_empty()).then(|| EnvPairs::of(inst));
        let mut usages: Option<Usages> = None;
        for name in &unmatched {
            let hint = suggester.suggest(name, scope.order.iter().map(String::as_str));
            let global_arg = global.is_declared(name);
            let automatic = AUTOMATIC_ARGS.contains(&name.as_str());
            let later = later
                .get_or_insert_with(|| Later::of(m, st.index))
                .defines(inst, name);
            // `ENV X=…$X…`: appends to itself. `ENV A=1 B=$A`: set by the
            // same ENV, whose values BuildKit all expands first.
            let (self_append, same_env, copied, form) = match &env_pairs {
                Some(e) => {
                    // `X=…$X…` with more than the reference: `X=$X` or
                    // `X="${X}"` alone only copies it (a placeholder).
                    let copies = |v: &str| {
                        let bare = v.trim_matches(['"', '\'']);
                        bare == format!("${name}") || bare == format!("${{{name}}}")
                    };
                    let uses = |v: &str| {
                        (v.contains(&format!("${name}")) || v.contains(&format!("${{{name}")))
                            && !copies(v)
                    };
                    let keyed = e.by_key.get(name.as_str());
                    let own = keyed
                        .and_then(|ix| ix.iter().map(|&i| e.pairs[i]).find(|(_, v)| uses(v)))
                        .map(|(_, v)| usage_form(v, name));
                    let set_here = keyed.is_some();
                    let copied = keyed.is_some_and(|ix| ix.iter().any(|&i| copies(e.pairs[i].1)));
                    (
                        own.is_some(),
                        set_here && own.is_none() && !copied,
                        copied,
                        own.unwrap_or(Form::Plain),
                    )
                }
                None => (false, false, false, Form::Plain),
            };
            // `ENV X=$X` is not X "defined later": it is this ENV.
            let later = later && !copied;
            // An image's ENV may define what the file does not: report
            // only what it cannot explain.
            // On an image the image may set it (or set it first, and the
            // file only repeat it): report only what no image explains:
            // a typo of a name the file defines, a build argument used
            // without `ARG` in the stage, and `ENV X=…$X…` that would
            // leave an empty entry.
            // A typo is likely only of a name the file defines (not the
            // `PATH` BuildKit sets: `$GOPATH` is no typo of it), used for
            // something else than its own ENV, and not used in the same
            // instruction too (`COPY $START_FILE $STARTUP_FILE /x/` names
            // two variables, one from the image).
            let typo = hint.is_some_and(|h| {
                h != "PATH"
                    && !same_env
                    && !uses_var(
                        m.source.get(inst.span.start..inst.span.end).unwrap_or(""),
                        h,
                    )
            });
            let explained = typo || global_arg || automatic || (self_append && form == Form::Plain);
            if !scope.complete && !explained {
                continue;
            }
            let why = if same_env {
                format!(
                    " It is set by this same ENV, but BuildKit expands all of an ENV's values with the variables from before it: set `{name}` in an ENV of its own above."
                )
            } else if let Some(h) = hint {
                format!(" Did you mean `${h}`?")
            } else if global_arg || automatic {
                format!(
                    " `{name}` is a build argument of the global scope{}: a stage sees it only after `ARG {name}` inside the stage.",
                    if automatic { " (BuildKit sets it)" } else { "" }
                )
            } else if self_append {
                let unless = if scope.complete {
                    String::new()
                } else {
                    format!(" (unless the base image `{base_name}` sets it)")
                };
                match form {
                    Form::Plain => format!(
                        " This ENV appends to `{name}`, which nothing set before{unless}: the value starts or ends with an empty entry."
                    ),
                    Form::Default => format!(
                        " Nothing sets `{name}` before{unless}, so this ENV always takes the default."
                    ),
                    Form::Conditional => format!(
                        " Nothing sets `{name}` before{unless}; the `${{{name}:+…}}` form handles that, so BuildKit's warning is harmless here."
                    ),
                }
            } else if later {
                " It is defined later in the stage; move the definition above this line."
                    .to_string()
            } else if !scope.complete {
                format!(
                    " Unless the base image `{base_name}` sets `{name}`, define it with ARG or ENV first."
                )
            } else {
                " Define it with ARG or ENV first.".to_string()
            };
            let msg = format!(
                "`${name}` is not defined at this point, so BuildKit expands it to an empty string.{why} (BuildKit warns, `UndefinedVar`)"
            );
            let span = usages.get_or_insert_with(|| Usages::of(m, inst)).span(name);
            cx.report(span, msg);
        }
        // Apply the instruction to the scope.
        match inst.kind {
            Kind::Arg => {
                for (name, value) in arg_updates {
                    if let Some(v) = value {
                        if !NON_ENV_ARGS.contains(&name.as_str()) {
                            scope.set(&name, v);
                        }
                    }
                    scope.declare(name);
                }
            }
            Kind::Env => {
                // Every word is expanded with the environment before the
                // instruction.
                let lk = |n: &str| scope.get(n);
                let mut set: Vec<(String, String)> = Vec::new();
                for p in inst.args.chunks(2) {
                    if let [k, v] = p {
                        let key = m.expand_with(&k.value, &lk).value;
                        let val = m.expand_with(&v.value, &lk).value;
                        set.push((key, val));
                    }
                }
                for (k, v) in set {
                    scope.set(&k, v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::raw_refs;

    #[test]
    fn usage_forms() {
        use super::{usage_form, Form};
        let f = |v: &str| usage_form(v, "LD");
        assert!(f("/a:$LD") == Form::Plain);
        assert!(f("${LD}:/a") == Form::Plain);
        assert!(f("${LD#x}") == Form::Plain);
        assert!(f("${LD:-/usr/lib}") == Form::Default);
        assert!(f("${LD-/usr/lib}:/a") == Form::Default);
        // The alternative of `${LD:+…}` expands only when LD is set.
        assert!(f("${LD:+$LD:}/opt/lib") == Form::Conditional);
        assert!(f("/opt/lib${LD:+:${LD}}") == Form::Conditional);
        assert!(f("${LD:+${LD}:}/usr/local/nvidia/lib64") == Form::Conditional);
        assert!(f("${LD+x}") == Form::Conditional);
        // ... but a plain use besides it is plain.
        assert!(f("${LD:+$LD:}/opt/lib:$LD") == Form::Plain);
        assert!(f("${LD:-x}:$LD") == Form::Plain);
        // Other names that start alike are not uses.
        assert!(f("$LD_PATH:${LDX}") == Form::Plain);
        assert!(usage_form("$LD_PATH:${LD:+x}", "LD") == Form::Conditional);
    }

    #[test]
    fn heredoc_refs() {
        assert_eq!(raw_refs("a $X '${Y}' \\$Z $1"), vec!["X", "Y", "1"]);
    }
}
