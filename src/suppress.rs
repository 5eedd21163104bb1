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
    Rules(Vec<&'static str>),
}

impl Names {
    pub fn covers(&self, rule_name: &str) -> bool {
        match self {
            Names::All => true,
            Names::Rules(r) => r.contains(&rule_name),
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
                Some(e) => names.push(e.meta.name),
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
    /// Whether a finding of `rule_name` at `span` is suppressed.
    pub fn suppresses(&self, model: &Model, rule_name: &str, span: Span) -> bool {
        let inst = instruction_at(model, span.start);
        let stage = inst.and_then(|i| model.instructions[i].stage);
        self.items.iter().any(|s| {
            s.names.covers(rule_name)
                && match s.scope {
                    Scope::File => true,
                    Scope::Instruction(i) => Some(i) == inst,
                    Scope::Stage(st) => Some(st) == stage,
                }
        })
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
        assert!(s.suppresses(&m, "latest-tag", m.instructions[2].span));
        assert!(!s.suppresses(&m, "latest-tag", m.instructions[0].span));
        assert!(s.suppresses(&m, "root-user", m.instructions[0].span));
    }
}
