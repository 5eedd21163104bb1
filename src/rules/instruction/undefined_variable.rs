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
use crate::model::{expand, Base, Instruction, Kind, Model};
use crate::rules::buildkit::{expand_tracked, suggest, AUTOMATIC_ARGS};
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

/// A stage's variables at one point.
#[derive(Clone, Default)]
struct Scope {
    /// The environment, in definition order.
    env: Vec<(String, String)>,
    /// ARGs declared (with or without a value), inherited ones included.
    declared: Vec<String>,
    /// Whether every variable of the environment is known: the stage chain
    /// starts at `scratch` or an official OS image that sets only PATH, not at
    /// an image whose ENV dlint cannot see.
    complete: bool,
}

impl Scope {
    fn get(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
    fn set(&mut self, name: &str, value: String) {
        match self.env.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.env.push((name.to_string(), value)),
        }
    }
}

/// The variable names a heredoc body BuildKit expands refers to (its raw
/// lexer: quotes are not special, `\` escapes).
fn raw_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
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
                    if !out.contains(&name) {
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

/// The words of an instruction BuildKit expands (not ARG, handled apart).
fn expanded_words(inst: &Instruction) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match inst.kind {
        Kind::Env | Kind::Label | Kind::Workdir | Kind::User | Kind::Stopsignal | Kind::Volume => {
            out.extend(inst.args.iter().map(|w| w.value.clone()));
        }
        Kind::Copy | Kind::Add => {
            if let Some(c) = &inst.copy {
                out.extend(c.sources.iter().map(|w| w.value.clone()));
                out.extend(c.dest.iter().map(|w| w.value.clone()));
            }
            for f in &inst.flags {
                if f.name.eq_ignore_ascii_case("chown")
                    || (inst.kind == Kind::Add && f.name.eq_ignore_ascii_case("checksum"))
                {
                    out.extend(f.value.clone());
                }
            }
        }
        Kind::Run => {
            for mount in &inst.mounts {
                out.extend(mount.options.iter().map(|(_, v)| v.clone()));
            }
        }
        _ => {}
    }
    out
}

/// Where to report `name` in `inst`: the first word on the instruction's
/// first line that uses it, else the keyword (BuildKit reports the
/// instruction, by its first line).
fn usage_span(m: &Model, inst: &Instruction, name: &str) -> Span {
    let first_line_end = m
        .lines
        .line_end_with_newline(m.lines.line_of(inst.span.start))
        .min(inst.span.end);
    let text = m.source.get(inst.span.start..first_line_end).unwrap_or("");
    for pat in [format!("${{{name}"), format!("${name}")] {
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(&pat)) {
            let start = from + at;
            let after = text[start + pat.len()..].chars().next();
            let whole = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if whole {
                // The whitespace-delimited word around it.
                let ws = |c: char| c == ' ' || c == '\t' || c == '\n' || c == '\r';
                let s = text[..start].rfind(ws).map_or(0, |i| i + 1);
                let e = text[start..].find(ws).map_or(text.len(), |i| start + i);
                return Span::new(inst.span.start + s, inst.span.start + e);
            }
            from = start + pat.len();
        }
    }
    inst.keyword.span
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
    let pat = format!("${{{name}");
    let mut form = Form::Plain;
    let mut from = 0;
    while let Some(at) = value.get(from..).and_then(|v| v.find(&pat)) {
        let rest = &value[from + at + pat.len()..];
        if rest.starts_with(":-") || rest.starts_with('-') {
            form = Form::Default;
        } else if rest.starts_with(":+") || rest.starts_with('+') {
            form = Form::Conditional;
        } else if rest.starts_with('}') {
            return Form::Plain;
        }
        from += at + pat.len();
    }
    // A plain `$X` anywhere makes it plain.
    let plain = format!("${name}");
    let mut from = 0;
    while let Some(at) = value.get(from..).and_then(|v| v.find(&plain)) {
        let after = value[from + at + plain.len()..].chars().next();
        if !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '{') {
            return Form::Plain;
        }
        from += at + plain.len();
    }
    form
}

/// Names ARG or ENV define later in the stage (or in the same ENV).
fn defined_later(m: &Model, stage: usize, inst: &Instruction, name: &str) -> bool {
    m.stage_instructions(stage)
        .filter(|i| i.index >= inst.index)
        .any(|i| match i.kind {
            Kind::Env => i.args.iter().step_by(2).any(|k| k.value == name),
            Kind::Arg => {
                i.index > inst.index
                    && i.args
                        .iter()
                        .any(|w| w.value.split('=').next() == Some(name))
            }
            _ => false,
        })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let global = GlobalScope::of(m);
    let mut finals: Vec<Scope> = Vec::with_capacity(m.stages.len());
    for st in &m.stages {
        let mut scope = match &st.base {
            Base::Stage(p) if *p < finals.len() => finals[*p].clone(),
            base => Scope {
                // BuildKit always sets PATH.
                env: vec![(
                    "PATH".into(),
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                )],
                declared: Vec::new(),
                complete: path_only_image(base),
            },
        };
        let base_name = st
            .image
            .as_ref()
            .map(|w| w.value.clone())
            .unwrap_or_default();
        for inst in m.stage_instructions(st.index).skip(1) {
            let lookup = |n: &str| scope.get(n);
            let mut unmatched: Vec<String> = Vec::new();
            let mut note = |names: Vec<String>| {
                for n in names {
                    if !unmatched.contains(&n) {
                        unmatched.push(n);
                    }
                }
            };
            // ARG: each default expanded in turn, then defined.
            let mut arg_updates: Vec<(String, Option<String>)> = Vec::new();
            if inst.kind == Kind::Arg {
                let mut tmp = scope.clone();
                for w in &inst.args {
                    let (name, default) = match w.value.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (w.value.clone(), None),
                    };
                    let value = match default {
                        Some(d) => {
                            let t = expand_tracked(&d, m.escape, &|n| tmp.get(n));
                            // ARGs declared so far (this one's earlier
                            // names included) count as defined.
                            note(
                                t.unmatched
                                    .into_iter()
                                    .filter(|n| !tmp.declared.contains(n))
                                    .collect(),
                            );
                            Some(t.expanded.value)
                        }
                        None => global.get(&name).map(str::to_string),
                    };
                    if let Some(v) = &value {
                        if !NON_ENV_ARGS.contains(&name.as_str()) {
                            tmp.set(&name, v.clone());
                        }
                    }
                    tmp.declared.push(name.clone());
                    arg_updates.push((name, value));
                }
            } else {
                for w in expanded_words(inst) {
                    note(expand_tracked(&w, m.escape, &lookup).unmatched);
                }
                if matches!(inst.kind, Kind::Copy | Kind::Add) {
                    for h in inst.heredocs.iter().filter(|h| h.expand) {
                        note(
                            raw_refs(&h.content)
                                .into_iter()
                                .filter(|n| scope.get(n).is_none())
                                .collect(),
                        );
                    }
                }
            }
            unmatched
                .retain(|n| !scope.declared.contains(n) && !NON_ENV_ARGS.contains(&n.as_str()));
            for name in &unmatched {
                let keys = scope.env.iter().map(|(k, _)| k.as_str());
                let hint = suggest(name, keys);
                let global_arg = global.declared.contains(name);
                let automatic = AUTOMATIC_ARGS.contains(&name.as_str());
                let later = defined_later(m, st.index, inst, name);
                // `ENV X=…$X…`: appends to itself. `ENV A=1 B=$A`: set by the
                // same ENV, whose values BuildKit all expands first.
                let (self_append, same_env, form) = if inst.kind == Kind::Env {
                    let uses = |v: &str| {
                        v.contains(&format!("${name}")) || v.contains(&format!("${{{name}"))
                    };
                    let pairs: Vec<_> = inst.args.chunks(2).filter(|p| p.len() == 2).collect();
                    let own = pairs
                        .iter()
                        .find(|p| p[0].value == *name && uses(&p[1].value))
                        .map(|p| usage_form(&p[1].value, name));
                    let set_here = pairs.iter().any(|p| p[0].value == *name);
                    (
                        own.is_some(),
                        set_here && own.is_none(),
                        own.unwrap_or(Form::Plain),
                    )
                } else {
                    (false, false, Form::Plain)
                };
                // An image's ENV may define what the file does not: report
                // only what it cannot explain.
                // On an image the image may set it (or set it first, and the
                // file only repeat it): report only what no image explains:
                // a typo of a name the file defines, a build argument used
                // without `ARG` in the stage, and `ENV X=…$X…` that would
                // leave an empty entry.
                let explained = hint.is_some()
                    || global_arg
                    || automatic
                    || (self_append && form == Form::Plain);
                if !scope.complete && !explained {
                    continue;
                }
                let why = if let Some(h) = hint {
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
                } else if same_env {
                    format!(
                        " It is set by this same ENV, but BuildKit expands all of an ENV's values with the variables from before it: set `{name}` in an ENV of its own above."
                    )
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
                cx.report(usage_span(m, inst, name), msg);
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
                        if !scope.declared.contains(&name) {
                            scope.declared.push(name);
                        }
                    }
                }
                Kind::Env => {
                    // Every word is expanded with the environment before the
                    // instruction.
                    let pre = scope.clone();
                    let lk = |n: &str| pre.get(n);
                    for p in inst.args.chunks(2) {
                        if let [k, v] = p {
                            let key = expand::expand(&k.value, m.escape, &lk).value;
                            let val = expand::expand(&v.value, m.escape, &lk).value;
                            scope.set(&key, val);
                        }
                    }
                }
                _ => {}
            }
        }
        finals.push(scope);
    }
}

#[cfg(test)]
mod tests {
    use super::raw_refs;

    #[test]
    fn heredoc_refs() {
        assert_eq!(raw_refs("a $X '${Y}' \\$Z $1"), vec!["X", "Y", "1"]);
    }
}
