//! Suppression comments.
//!
//! * `# dlint ignore=NAME[,NAME] [-- reason]`: the next instruction;
//! * `# dlint global ignore=NAME[,…]`: the whole file;
//! * `# dlint stage ignore=NAME[,…]` above a FROM: that stage;
//! * `# hadolint ignore=…` / `global` / `stage`: the same, read through the
//!   rules' aliases (ShellCheck `SCxxxx` codes accepted silently), as
//!   hadolint reads them: a comment hadolint cannot read suppresses nothing;
//! * BuildKit's `# check=skip=A,B` (or `skip=all`) parser directive, and a
//!   `# check=skip=…` comment among the comments BuildKit attaches to an
//!   instruction, read as BuildKit reads them: they silence BuildKit's checks
//!   only (`skip=all` is every BuildKit check, not every dlint rule), names
//!   are BuildKit's exact check names (or dlint's codes and names), a comment
//!   does not silence the checks BuildKit runs with the file's directive alone
//!   (`rules::buildkit::FILE_CONFIG_ONLY`), and skip lists never silence an
//!   experimental check that `experimental=` turned on.
//!
//! In dlint comments a name that is no rule is reported and the other names
//! still apply; hadolint and BuildKit names dlint does not implement are
//! accepted silently.

use std::collections::{HashMap, HashSet};

use crate::model::pragma::{self, Tool};
pub use crate::model::pragma::{instruction_at, Scope};
use crate::model::{Kind, Model};
use crate::rules::buildkit::{self, FILE_CONFIG_ONLY};
use crate::rules::{find, is_shellcheck_code, RuleEntry, RuleMeta, REGISTRY};
use crate::syntax::Span;

/// Which rules a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    All,
    /// `# check=skip=all`: every BuildKit check.
    BuildKitChecks,
    /// Rule names; a rule with a sub-code (`shellcheck` with `SC2086`)
    /// covers only that code.
    Rules(Vec<Named>),
}

impl Names {
    pub fn covers(&self, rule: &RuleMeta, sub_code: Option<&str>) -> bool {
        match self {
            Names::All => true,
            Names::BuildKitChecks => buildkit::is_check(rule),
            Names::Rules(r) => r.iter().any(|(n, code)| {
                *n == rule.name
                    && code
                        .as_deref()
                        .is_none_or(|c| sub_code.is_some_and(|s| s.eq_ignore_ascii_case(c)))
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub tool: Tool,
    pub scope: Scope,
    pub names: Names,
    /// The comment's span.
    pub span: Span,
    pub reason: Option<String>,
}

/// A name in a dlint comment that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    pub items: Vec<Suppression>,
    pub unknown: Vec<UnknownName>,
    /// `items` by scope, built on first use: a file with 100,000 comments
    /// and as many findings stays linear.
    index: std::sync::OnceLock<Index>,
}

/// Reads every suppression of a file and resolves its names.
pub fn collect(model: &Model) -> Suppressions {
    let mut out = Suppressions::default();
    for p in pragma::pragmas(model) {
        let (true, Some(scope)) = (p.active(), p.scope) else {
            continue;
        };
        let mut names = Vec::new();
        for n in &p.names {
            let hit = if p.tool == Tool::BuildKit {
                find_check(&n.text)
            } else {
                find(&n.text)
            };
            match hit {
                Some(e) => names.push((
                    e.meta.name,
                    (p.tool != Tool::BuildKit && is_shellcheck_code(&n.text))
                        .then(|| n.text.to_ascii_uppercase()),
                )),
                None => {
                    if p.tool == Tool::Dlint && !is_shellcheck_code(&n.text) {
                        out.unknown.push(UnknownName {
                            name: n.text.clone(),
                            span: n.span,
                        });
                    }
                }
            }
        }
        out.items.push(Suppression {
            tool: p.tool,
            scope,
            names: match (p.all, p.tool) {
                (true, Tool::BuildKit) => Names::BuildKitChecks,
                (true, _) => Names::All,
                (false, _) => Names::Rules(names),
            },
            span: p.span,
            reason: p.reason,
        });
    }
    out
}

/// A rule named in a `check=` list: BuildKit's check names exactly as
/// BuildKit spells them, or a dlint code or name.
fn find_check(name: &str) -> Option<&'static RuleEntry> {
    REGISTRY.iter().find(|e| {
        e.meta.code.eq_ignore_ascii_case(name)
            || e.meta.name.eq_ignore_ascii_case(name)
            || buildkit::check_name(e.meta) == Some(name)
    })
}

impl Suppressions {
    /// Whether a finding of `rule` (with its sub-code, if any) at `span` is
    /// suppressed. `enabled_by_directive`: the rule runs only because
    /// `# check=experimental=` turned it on, so BuildKit's skip lists do not
    /// apply to it. Looked up in an index built on first use, so a file with
    /// many suppressions and many findings stays linear.
    pub fn suppresses(
        &self,
        model: &Model,
        rule: &RuleMeta,
        sub_code: Option<&str>,
        span: Span,
        enabled_by_directive: bool,
    ) -> bool {
        let ix = self.index.get_or_init(|| Index::of(&self.items));
        let inst = instruction_at(model, span.start);
        if ix.comments.file.covers(rule, sub_code)
            || inst
                .and_then(|i| ix.comments.by_instruction.get(&i))
                .is_some_and(|c| c.covers(rule, sub_code))
        {
            return true;
        }
        // A stage ignore covers the instructions of its stage.
        if !ix.comments.by_stage.is_empty()
            && inst
                .and_then(|i| model.instructions[i].stage)
                .and_then(|st| ix.comments.by_stage.get(&st))
                .is_some_and(|c| c.covers(rule, sub_code))
        {
            return true;
        }
        if enabled_by_directive {
            return false;
        }
        if ix.checks.file.covers(rule, sub_code) {
            return true;
        }
        // A `# check=` comment above an instruction: not for the checks
        // BuildKit runs with the file's directive alone, and consulted on
        // the instruction BuildKit handles when it reports.
        let check = buildkit::check_name(rule);
        if check.is_some_and(|c| FILE_CONFIG_ONLY.contains(&c))
            || ix.checks.by_instruction.is_empty()
        {
            return false;
        }
        inst.map(|at| check_anchor(model, rule, at))
            .and_then(|i| ix.checks.by_instruction.get(&i))
            .is_some_and(|c| c.covers(rule, sub_code))
    }
}

/// A rule name with the sub-code it is limited to.
type Named = (&'static str, Option<String>);

/// What the suppressions of one scope cover.
#[derive(Debug, Default, Clone)]
struct Cover {
    all: bool,
    /// Every BuildKit check (`# check=skip=all`).
    checks: bool,
    /// Rule name → the sub-codes it is limited to (upper case; `None`: the
    /// whole rule).
    rules: HashMap<&'static str, HashSet<Option<String>>>,
}

impl Cover {
    fn add(&mut self, names: &Names) {
        match names {
            Names::All => self.all = true,
            Names::BuildKitChecks => self.checks = true,
            Names::Rules(r) => {
                for (n, code) in r {
                    self.rules
                        .entry(n)
                        .or_default()
                        .insert(code.as_ref().map(|c| c.to_ascii_uppercase()));
                }
            }
        }
    }

    fn covers(&self, rule: &RuleMeta, sub_code: Option<&str>) -> bool {
        if self.all || (self.checks && buildkit::is_check(rule)) {
            return true;
        }
        self.rules.get(rule.name).is_some_and(|codes| {
            codes.contains(&None)
                || sub_code.is_some_and(|s| codes.contains(&Some(s.to_ascii_uppercase())))
        })
    }
}

/// The suppressions of one kind, by scope.
#[derive(Debug, Default, Clone)]
struct Scoped {
    file: Cover,
    by_instruction: HashMap<usize, Cover>,
    by_stage: HashMap<usize, Cover>,
}

impl Scoped {
    fn add(&mut self, s: &Suppression) {
        match s.scope {
            Scope::File => self.file.add(&s.names),
            Scope::Instruction(i) => self.by_instruction.entry(i).or_default().add(&s.names),
            Scope::Stage(st) => self.by_stage.entry(st).or_default().add(&s.names),
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Index {
    /// dlint and hadolint comments.
    comments: Scoped,
    /// BuildKit's `# check=skip=` (directive and comments).
    checks: Scoped,
}

impl Index {
    fn of(items: &[Suppression]) -> Index {
        let mut ix = Index::default();
        for s in items {
            if s.tool == Tool::BuildKit {
                ix.checks.add(s);
            } else {
                ix.comments.add(s);
            }
        }
        ix
    }
}

/// The instruction whose `# check=` comment BuildKit consults for a finding
/// of `rule` on instruction `at`: the instruction itself, except for
/// `MultipleInstructionsDisallowed`, which BuildKit reports on the earlier
/// instruction while it handles the next one of the same kind in the stage.
pub fn check_anchor(model: &Model, rule: &RuleMeta, at: usize) -> usize {
    if buildkit::check_name(rule) != Some("MultipleInstructionsDisallowed") {
        return at;
    }
    let Some(inst) = model.instructions.get(at) else {
        return at;
    };
    let kind = inst.kind;
    if !matches!(kind, Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck) {
        return at;
    }
    model.instructions[at + 1..]
        .iter()
        .take_while(|i| i.stage == inst.stage)
        .find(|i| i.kind == kind)
        .map_or(at, |i| i.index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let m = Model::build(
            "# check=skip=StageNameCasing\n# dlint global ignore=root-user\nFROM a\n# hadolint ignore=DL3007,SC2086\nFROM b:latest\n# dlint ignore=latest-tag,bogus -- pinned upstream\nFROM c:latest\n",
        );
        let s = collect(&m);
        assert_eq!(s.unknown.len(), 1);
        assert_eq!(s.unknown[0].name, "bogus");
        assert_eq!(m.text(s.unknown[0].span), "bogus");
        let latest = &s
            .items
            .iter()
            .filter(|i| i.scope == Scope::Instruction(1))
            .count();
        assert_eq!(*latest, 1);
        let reason = s.items.iter().find_map(|i| i.reason.clone());
        assert_eq!(reason.as_deref(), Some("pinned upstream"));
        let rule = |n: &str| find(n).unwrap().meta;
        assert!(s.suppresses(&m, rule("latest-tag"), None, m.instructions[2].span, false));
        assert!(!s.suppresses(&m, rule("latest-tag"), None, m.instructions[0].span, false));
        assert!(s.suppresses(&m, rule("root-user"), None, m.instructions[0].span, false));
        // `# hadolint ignore=DL3007,SC2086`: only SC2086 of the shellcheck rule.
        let sc = rule("shellcheck");
        assert!(s.suppresses(&m, sc, Some("SC2086"), m.instructions[1].span, false));
        assert!(!s.suppresses(&m, sc, Some("SC2046"), m.instructions[1].span, false));
        // `# check=skip=StageNameCasing`: BuildKit's check, file-wide, not
        // when the directive itself switched the rule on.
        let casing = rule("StageNameCasing");
        assert!(s.suppresses(&m, casing, None, m.instructions[2].span, false));
        assert!(!s.suppresses(&m, casing, None, m.instructions[2].span, true));
    }
}
