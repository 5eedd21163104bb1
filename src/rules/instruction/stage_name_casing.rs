//! `stage-name-casing`: `FROM … AS Build`, a stage name that is not
//! lowercase (`StageNameCasing`).
use crate::diagnostic::{Edit, Fix, Severity};
use std::collections::HashMap;

use crate::model::{Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D214",
    name: "stage-name-casing",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["StageNameCasing"],
    summary: "A stage name is not lowercase",
    default_enabled: true,
};

/// Where `value` (matched case-insensitively) sits in `span`'s text after
/// `prefix` (`--from=`, `from=`), ending at `,`, a quote or the end.
fn value_in(m: &Model, span: Span, prefix: &str, name: &str) -> Option<Span> {
    let text = m.text(span);
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower.get(from..)?.find(prefix) {
        let start = from + at + prefix.len();
        // `lower` is `text` ASCII-lower-cased: the same byte offsets.
        let rest = text.get(start..)?;
        let len = rest.find([',', '"', '\'', ' ']).unwrap_or(rest.len());
        if rest
            .get(..len)
            .is_some_and(|v| v.eq_ignore_ascii_case(name))
        {
            return Some(Span::new(span.start + start, span.start + start + len));
        }
        from = start;
    }
    None
}

/// Every place a stage may be named, by the name lower-cased (ASCII, as
/// BuildKit matches stage names): `FROM <name>` and, in instruction order,
/// `COPY --from=<name>` and `RUN --mount=…,from=<name>`. Built once per
/// file, so renaming many stages stays linear.
#[derive(Default)]
struct References<'m> {
    froms: HashMap<String, Vec<(usize, &'m crate::model::Word)>>,
    /// The span of the `--from` flag or of the mount, and its prefix.
    uses: HashMap<String, Vec<(Span, &'static str)>>,
}

impl<'m> References<'m> {
    fn of(m: &'m Model) -> References<'m> {
        let mut r = References::default();
        for st in &m.stages {
            if let Some(w) = &st.image {
                r.froms
                    .entry(w.value.to_ascii_lowercase())
                    .or_default()
                    .push((st.index, w));
            }
        }
        for inst in &m.instructions {
            if inst.stage.is_none() {
                continue;
            }
            if let (Kind::Copy | Kind::Add, Some(f)) = (inst.kind, inst.flag("from")) {
                let v = crate::model::unquote(f.value.as_deref().unwrap_or(""));
                r.uses
                    .entry(v.to_ascii_lowercase())
                    .or_default()
                    .push((f.span, "--from="));
            }
            for mount in &inst.mounts {
                if let Some(v) = mount.get("from") {
                    r.uses
                        .entry(v.to_ascii_lowercase())
                        .or_default()
                        .push((mount.span, "from="));
                }
            }
        }
        r
    }
}

/// The edits renaming stage `name` (as written) to `new` everywhere BuildKit
/// reads a stage name: the alias, `FROM <name>`, `COPY --from=<name>` and
/// `RUN --mount=…,from=<name>`. None when a reference cannot be edited in
/// place (written over several lines, or through a variable).
fn rename(m: &Model, refs: &References, stage: usize, name: &str, new: &str) -> Option<Vec<Edit>> {
    let alias = m.stages[stage].alias.as_ref()?;
    let mut edits = vec![Edit::replace(alias.span, new)];
    let key = name.to_ascii_lowercase();
    for (at, w) in refs.froms.get(&key).into_iter().flatten() {
        if *at <= stage {
            continue;
        }
        if m.text(w.span) != w.value {
            return None;
        }
        edits.push(Edit::replace(w.span, new));
    }
    for (span, prefix) in refs.uses.get(&key).into_iter().flatten() {
        edits.push(Edit::replace(value_in(m, *span, prefix, name)?, new));
    }
    Some(edits)
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // Stage names, lower-cased, and how many stages have each.
    let mut names: HashMap<String, usize> = HashMap::new();
    for st in &m.stages {
        if let Some(n) = st.name() {
            *names.entry(n.to_ascii_lowercase()).or_default() += 1;
        }
    }
    let mut refs: Option<References> = None;
    for st in &m.stages {
        let inst = &m.instructions[st.from];
        // BuildKit: `FROM image AS name`, exactly three arguments.
        if inst.args.len() != 3 {
            continue;
        }
        let Some(alias) = &st.alias else { continue };
        let name = alias.value.as_str();
        let lower = name.to_lowercase();
        if name == lower {
            continue;
        }
        let msg = format!(
            "The stage name `{name}` should be lowercase: stage names are case-insensitive (`--target {lower}` and `COPY --from={lower}` find it), so the capitals only suggest a distinction that does not exist. Name it `{lower}` (BuildKit warns, `StageNameCasing`)"
        );
        // Another stage of the same name (this one counts once).
        let clash = names
            .get(&name.to_ascii_lowercase())
            .is_some_and(|&n| n > 1);
        // BuildKit accepts `^[a-z][a-z0-9-_.]*$` once lowercased; another
        // name is an error to fix first.
        let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
            && lower.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        let fix = if clash || !valid || m.text(alias.span) != name {
            None
        } else {
            let refs = refs.get_or_insert_with(|| References::of(m));
            rename(m, refs, st.index, name, &lower).map(|edits| {
                Fix::safe(
                    format!("Rename the stage to `{lower}` (and every reference to it)"),
                    edits,
                )
            })
        };
        cx.report(
            crate::rules::buildkit::report_span(m, inst, alias.span),
            msg,
        )
        .fix = fix;
    }
}
