//! Suppression comments.
//!
//! * `# dlint ignore=NAME[,NAME] [-- reason]`: the next instruction;
//! * `# dlint global ignore=NAME[,…]`: the whole file;
//! * `# dlint stage ignore=NAME[,…]` above a FROM: that stage;
//! * `# hadolint ignore=…` / `global` / `stage`: the same, read through the
//!   rules' aliases (ShellCheck `SCxxxx` codes accepted silently), as
//!   hadolint reads them: a comment hadolint cannot read suppresses nothing;
//! * BuildKit's `# check=skip=A,B` (or `skip=all`) parser directive.
//!
//! In dlint comments a name that is no rule is reported and the other names
//! still apply; hadolint and BuildKit names dlint does not implement are
//! accepted silently.

use crate::model::pragma::{self, Tool};
pub use crate::model::pragma::{instruction_at, Scope};
use crate::model::Model;
use crate::rules::{find, is_shellcheck_code};
use crate::syntax::Span;

/// Which rules a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    All,
    /// Rule names; a rule with a sub-code (`shellcheck` with `SC2086`)
    /// covers only that code.
    Rules(Vec<(&'static str, Option<String>)>),
}

impl Names {
    pub fn covers(&self, rule_name: &str, sub_code: Option<&str>) -> bool {
        match self {
            Names::All => true,
            Names::Rules(r) => r.iter().any(|(n, code)| {
                *n == rule_name
                    && code
                        .as_deref()
                        .is_none_or(|c| sub_code.is_some_and(|s| s.eq_ignore_ascii_case(c)))
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
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
            match find(&n.text) {
                Some(e) => names.push((
                    e.meta.name,
                    is_shellcheck_code(&n.text).then(|| n.text.to_ascii_uppercase()),
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
            scope,
            names: if p.all {
                Names::All
            } else {
                Names::Rules(names)
            },
            span: p.span,
            reason: p.reason,
        });
    }
    out
}

impl Suppressions {
    /// Whether a finding of `rule_name` (with its sub-code, if any) at
    /// `span` is suppressed. Looked up in an index built on first use, so a
    /// file with many suppressions and many findings stays linear.
    pub fn suppresses(
        &self,
        model: &Model,
        rule_name: &str,
        sub_code: Option<&str>,
        span: Span,
    ) -> bool {
        let ix = self.index.get_or_init(|| Index::of(&self.items));
        let covered = |names: &[(&'static str, Option<String>)]| {
            names.iter().any(|(n, code)| {
                *n == rule_name
                    && code
                        .as_deref()
                        .is_none_or(|c| sub_code.is_some_and(|s| s.eq_ignore_ascii_case(c)))
            })
        };
        if ix.file_all || covered(ix.file_rules.get(rule_name).map_or(&[][..], Vec::as_slice)) {
            return true;
        }
        let Some(inst) = instruction_at(model, span.start) else {
            return false;
        };
        let hit =
            |e: Option<&(bool, Vec<Named>)>| e.is_some_and(|(all, rules)| *all || covered(rules));
        hit(ix.by_instruction.get(&inst))
            || model.instructions[inst]
                .stage
                .is_some_and(|st| hit(ix.by_stage.get(&st)))
    }
}

/// A rule name with the sub-code it is limited to.
type Named = (&'static str, Option<String>);

#[derive(Debug, Default, Clone)]
struct Index {
    file_all: bool,
    /// Rule name → the file-wide suppressions naming it.
    file_rules: std::collections::HashMap<&'static str, Vec<Named>>,
    /// Instruction → (all rules, these rules).
    by_instruction: std::collections::HashMap<usize, (bool, Vec<Named>)>,
    /// Stage → (all rules, these rules).
    by_stage: std::collections::HashMap<usize, (bool, Vec<Named>)>,
}

impl Index {
    fn of(items: &[Suppression]) -> Index {
        let mut ix = Index::default();
        for s in items {
            match (&s.scope, &s.names) {
                (Scope::File, Names::All) => ix.file_all = true,
                (Scope::File, Names::Rules(r)) => {
                    for n in r {
                        ix.file_rules.entry(n.0).or_default().push(n.clone());
                    }
                }
                (Scope::Instruction(_) | Scope::Stage(_), names) => {
                    let e = match s.scope {
                        Scope::Stage(st) => ix.by_stage.entry(st).or_default(),
                        Scope::Instruction(i) => ix.by_instruction.entry(i).or_default(),
                        Scope::File => continue,
                    };
                    match names {
                        Names::All => e.0 = true,
                        Names::Rules(r) => {
                            for n in r {
                                if !e.1.contains(n) {
                                    e.1.push(n.clone());
                                }
                            }
                        }
                    }
                }
            }
        }
        ix
    }
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
        assert!(s.suppresses(&m, "latest-tag", None, m.instructions[2].span));
        assert!(!s.suppresses(&m, "latest-tag", None, m.instructions[0].span));
        assert!(s.suppresses(&m, "root-user", None, m.instructions[0].span));
        // `# hadolint ignore=DL3007,SC2086`: only SC2086 of the shellcheck rule.
        assert!(s.suppresses(&m, "shellcheck", Some("SC2086"), m.instructions[1].span));
        assert!(!s.suppresses(&m, "shellcheck", Some("SC2046"), m.instructions[1].span));
    }
}
