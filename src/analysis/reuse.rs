//! Reuse of findings between lints of one document (the language server).
//!
//! A [`Scope::Stage`](crate::rules::Scope) rule runs once per unit: the
//! instructions before the first FROM, then each stage. Its findings in a
//! unit depend only on what [`Scope::Stage`](crate::rules::Scope) lists: the
//! unit's text and first line, the text before the first FROM, every FROM
//! instruction, the stages the unit builds on and those built on it, the
//! settings, the build context and a few file-wide facts. When an edit
//! leaves all of that alone, the unit's findings of the last lint are the
//! findings of this one, moved by as many bytes as the unit moved; only the
//! units the edit touched run the stage rules again.
//! The file-scoped rules, the model and suppression always run on the whole
//! file.
//!
//! `examples/reuse_check.rs` holds this to a fresh lint after every edit of a
//! series on each file of the corpus, and the unit tests below on edits of
//! every kind.

use std::ops::Range;

use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::model::Model;
use crate::rules::{Checker, RuleEntry, Unit, FILE_FACTS};

/// What a document's last lint leaves for the next: per unit, its findings
/// and what they were computed from. Valid only for lints with the same
/// settings and build context (the server drops it when either changes).
#[derive(Debug, Default, Clone)]
pub struct Reuse {
    /// The text the findings were computed on.
    source: String,
    escape: char,
    /// The stage rules that ran, in order.
    rules: Vec<&'static RuleMeta>,
    /// Each FROM instruction's span in `source`.
    froms: Vec<Range<usize>>,
    /// The values of [`FILE_FACTS`].
    facts: Vec<bool>,
    units: Vec<Cached>,
    /// How many of them the lint that left this reused.
    reused: usize,
    /// The model of an earlier text, given back when its report was
    /// dropped: the next lint builds its model from it
    /// ([`Model::rebuild`]).
    model: Option<Model>,
}

#[derive(Debug, Clone, Default)]
struct Cached {
    bytes: Range<usize>,
    start_line: usize,
    /// The units it is linked to ([`links`]).
    deps: Vec<usize>,
    /// The stage rules' findings, their spans counted from `bytes.start`;
    /// None when one reaches outside the unit (then it is always linted).
    diags: Option<Vec<Diagnostic>>,
    /// Bytes of the file's expansion budget its rules took.
    spent: usize,
}

impl Reuse {
    /// How many units the last lint had.
    pub fn units(&self) -> usize {
        self.units.len()
    }

    /// Gives back the model of a lint whose report is dropped (the text
    /// was edited), for the next lint to build its model from.
    pub fn keep_model(&mut self, model: Model) {
        self.model = Some(model);
    }

    /// Whether a model was given back and not used yet.
    pub fn holds_model(&self) -> bool {
        self.model.is_some()
    }

    /// The model of `source`: built from the model given back, if any.
    pub(super) fn build_model(&mut self, source: &str) -> Model {
        match self.model.take() {
            Some(old) => Model::rebuild(old, source),
            None => Model::build(source),
        }
    }

    /// How many of them it took from the lint before.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// Runs `rules` (all of [`Scope::Stage`](crate::rules::Scope)) on each
    /// unit of `model`, or takes a unit's findings from the last lint where
    /// nothing they depend on changed; leaves this lint's findings for the
    /// next. Returns how many units were reused.
    pub(super) fn run<'a>(
        &mut self,
        model: &'a Model,
        rules: &[&RuleEntry],
        checker: &mut Checker<'a>,
    ) -> usize {
        let units = Unit::all(model);
        let links = links(model, units.len());
        let cacheable = links.is_some();
        let mut links = links.unwrap_or_default().into_iter();
        let now: Vec<(Range<usize>, usize, Vec<usize>)> = units
            .iter()
            .map(|unit| {
                let bytes = unit.bytes();
                let line = model.lines.line_of(bytes.start);
                (bytes, line, links.next().unwrap_or_default())
            })
            .collect();
        // Taken whole, and put back only at the end: a panic in a rule
        // leaves nothing to reuse.
        let prev = std::mem::take(self);
        let facts: Vec<bool> = FILE_FACTS.iter().map(|f| f(model)).collect();
        let reusable = if cacheable && prev.facts == facts {
            prev.reusable(model, rules, &now)
        } else {
            vec![false; now.len()]
        };
        // Reused units' expansions are charged first, so that the budget
        // left for the fresh ones is no larger than in a whole lint.
        for (u, ok) in reusable.iter().enumerate() {
            if *ok {
                model.charge_budget(prev.units[u].spent);
            }
        }
        let Reuse {
            mut source,
            units: mut old,
            ..
        } = prev;
        let mut units_now = Vec::with_capacity(old.len());
        let mut reused = 0;
        for (u, (unit, (bytes, start_line, deps))) in units.into_iter().zip(now).enumerate() {
            if reusable[u] {
                let mut c = std::mem::take(&mut old[u]);
                let diags = c.diags.as_deref().unwrap_or_default();
                checker.extend(diags.iter().map(|d| moved(d, bytes.start as isize)));
                c.bytes = bytes;
                units_now.push(c);
                reused += 1;
                continue;
            }
            let first = checker.len();
            let before = model.budget_left();
            for e in rules {
                checker.run_on(e, unit);
            }
            let spent = before.saturating_sub(model.budget_left());
            let diags = cacheable
                .then(|| {
                    checker
                        .since(first)
                        .iter()
                        .map(|d| relative(d, &bytes))
                        .collect::<Option<Vec<_>>>()
                })
                .flatten();
            units_now.push(Cached {
                bytes,
                start_line,
                deps,
                diags,
                spent,
            });
        }
        source.clear();
        source.push_str(&model.source);
        *self = Reuse {
            source,
            escape: model.escape,
            rules: rules.iter().map(|e| e.meta).collect(),
            froms: model
                .stages
                .iter()
                .map(|s| {
                    let sp = model.instructions[s.from].span;
                    sp.start..sp.end
                })
                .collect(),
            facts,
            units: units_now,
            reused,
            model: None,
        };
        reused
    }

    /// Per unit of the new lint, whether the last lint's findings hold.
    fn reusable(
        &self,
        model: &Model,
        rules: &[&RuleEntry],
        now: &[(Range<usize>, usize, Vec<usize>)],
    ) -> Vec<bool> {
        let none = vec![false; now.len()];
        let same_rules = self.rules.len() == rules.len()
            && self
                .rules
                .iter()
                .zip(rules)
                .all(|(a, b)| std::ptr::eq(*a, b.meta));
        if !same_rules
            || self.units.len() != now.len()
            || self.escape != model.escape
            || self.froms.len() != model.stages.len()
        {
            return none;
        }
        let froms_same = self.froms.iter().zip(&model.stages).all(|(old, s)| {
            let sp = model.instructions[s.from].span;
            self.source.get(old.clone()) == model.source.get(sp.start..sp.end)
        });
        if !froms_same {
            return none;
        }
        let same: Vec<bool> = self
            .units
            .iter()
            .zip(now)
            .map(|(old, (bytes, line, _))| {
                old.start_line == *line
                    && self.source.get(old.bytes.clone()) == model.source.get(bytes.clone())
            })
            .collect();
        if !same[0] {
            return none;
        }
        self.units
            .iter()
            .zip(now)
            .enumerate()
            .map(|(u, (old, (_, _, deps)))| {
                same[u] && old.diags.is_some() && old.deps == *deps && deps.iter().all(|&d| same[d])
            })
            .collect()
    }
}

/// Per unit, the units it is linked to: the stages it builds on (FROM,
/// `COPY --from`, `--mount from=`) and theirs, and the stages built on it
/// and on those, transitively (unit = stage + 1), sorted. None when the
/// lists would pass a bound of the file's size (a long FROM chain), and
/// nothing is reused then.
fn links(model: &Model, units: usize) -> Option<Vec<Vec<usize>>> {
    let n = model.stages.len();
    let mut up = vec![Vec::new(); n];
    let mut down = vec![Vec::new(); n];
    for d in &model.deps {
        if d.from_stage < n && d.to_stage < n && d.from_stage != d.to_stage {
            up[d.from_stage].push(d.to_stage);
            down[d.to_stage].push(d.from_stage);
        }
    }
    let mut budget = 64 * units + 4096;
    let mut seen = vec![usize::MAX; n];
    let mut out = Vec::with_capacity(units);
    out.push(Vec::new());
    for stage in 0..n {
        let mut linked = Vec::new();
        seen[stage] = stage;
        for edges in [&up, &down] {
            let mut todo = vec![stage];
            while let Some(s) = todo.pop() {
                for &t in &edges[s] {
                    if seen[t] != stage {
                        seen[t] = stage;
                        linked.push(t + 1);
                        todo.push(t);
                        budget = budget.checked_sub(1)?;
                    }
                }
            }
        }
        linked.sort_unstable();
        out.push(linked);
    }
    Some(out)
}

/// `d` with every span counted from `bytes.start`; None when one lies
/// outside `bytes`.
fn relative(d: &Diagnostic, bytes: &Range<usize>) -> Option<Diagnostic> {
    let inside = |s: crate::syntax::Span| bytes.start <= s.start && s.end <= bytes.end;
    let all_inside = inside(d.span)
        && d.related.iter().all(|r| inside(r.span))
        && d.fix
            .as_ref()
            .is_none_or(|f| f.edits.iter().all(|e| inside(e.span)));
    all_inside.then(|| moved(d, -(bytes.start as isize)))
}

/// `d` with every span moved by `delta` bytes.
fn moved(d: &Diagnostic, delta: isize) -> Diagnostic {
    let mv = |s: crate::syntax::Span| crate::syntax::Span {
        start: s.start.wrapping_add_signed(delta),
        end: s.end.wrapping_add_signed(delta),
    };
    let mut d = d.clone();
    d.span = mv(d.span);
    for r in d.related.iter_mut() {
        r.span = mv(r.span);
    }
    if let Some(f) = d.fix.as_mut() {
        for e in f.edits.iter_mut() {
            e.span = mv(e.span);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, analyze_reusing};
    use crate::settings::Settings;

    fn settings() -> Settings {
        let mut s = Settings::default();
        s.select(&crate::settings::resolve_selector("ALL").unwrap());
        s.options.shellcheck = crate::shellcheck::Setting::Off;
        s
    }

    fn show(r: &crate::analysis::Report) -> Vec<String> {
        r.diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {:?} {} {:?} {:?}",
                    d.code(),
                    d.span,
                    d.severity,
                    d.message,
                    d.related,
                    d.fix
                )
            })
            .collect()
    }

    const FILE: &str = "# syntax=docker/dockerfile:1\nARG BASE=debian:12\nFROM ${BASE} AS build\nENV TOOL=curl\nRUN apt-get update && apt-get install -y $TOOL\nRUN echo a | tee /x\n\nFROM build AS test\nRUN apt-get install -y git\nRUN echo b\nRUN echo c\n\nFROM alpine:3.20 AS other\nRUN apk add curl\nADD x.txt /x.txt\n\nFROM debian:12\nCOPY --from=other /x.txt /x.txt\nRUN pip install flask\nUSER 1000\n";

    /// Lints `versions` in turn, reusing; each report must be the fresh
    /// one. Returns how many units each lint reused.
    fn check(versions: &[String]) -> Vec<usize> {
        let s = settings();
        let mut reuse = Reuse::default();
        versions
            .iter()
            .map(|v| {
                let fresh = analyze(v, None, &s, None);
                let again = analyze_reusing(v, None, &s, None, &mut reuse);
                assert_eq!(show(&fresh), show(&again), "{v}");
                assert_eq!(fresh.suppressed, again.suppressed);
                reuse.reused()
            })
            .collect()
    }

    fn edit(from: &str, at: &str, insert: &str) -> String {
        let i = from.find(at).unwrap_or_else(|| panic!("{at:?}")) + at.len();
        format!("{}{insert}{}", &from[..i], &from[i..])
    }

    #[test]
    fn typing_in_a_stage_lints_that_stage_alone() {
        let v1 = FILE.to_string();
        let v2 = edit(&v1, "RUN echo c", " | tee /y");
        let v3 = edit(&v2, "RUN echo c | tee /y", "x");
        // 5 units: before the first FROM, and 4 stages; `test` is built
        // FROM `build`, so both are linted again.
        assert_eq!(check(&[v1.clone(), v2, v3]), vec![0, 3, 3]);
        // The last stage copies from `other`: both are linted again.
        let v4 = edit(&v1, "RUN apk add curl", " wget");
        assert_eq!(check(&[v1.clone(), v4]), vec![0, 3]);
        // Nothing links to the last stage but `other`.
        let v5 = edit(&v1, "RUN pip install flask", " gunicorn");
        assert_eq!(check(&[v1, v5]), vec![0, 3]);
    }

    #[test]
    fn a_stage_is_linted_again_when_one_it_builds_on_changes() {
        let v1 = FILE.to_string();
        // `test` is FROM `build`: both change; the last stage copies from
        // `other`, which stays.
        let v2 = edit(&v1, "ENV TOOL=curl", " wget");
        // `other` changes, and with it the last stage (COPY --from=other).
        let v3 = edit(&v2, "ADD x.txt", " y.txt");
        assert_eq!(check(&[v1, v2, v3]), vec![0, 3, 3]);
    }

    /// What a stage inherits from the one it is built FROM changes its
    /// findings: the SHELL (missing-pipefail) and the ENV (the package a
    /// variable names).
    #[test]
    fn inherited_shell_and_env_reach_the_child_stage() {
        let v1 = "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nENV PKG=curl=7.88\nFROM base\nRUN curl -s x | sh\nRUN apt-get install -y --no-install-recommends $PKG\n".to_string();
        let v2 = v1.replace("\"-o\", \"pipefail\", ", "");
        let v3 = v2.replace("PKG=curl=7.88", "PKG=curl");
        assert_eq!(check(&[v1, v2, v3]), vec![0, 1, 1]);
    }

    /// And a stage's findings may depend on the stages built on it:
    /// missing-pipefail offers its SHELL fix only when no RUN of a child
    /// stage breaks with pipefail (`yes | …`).
    #[test]
    fn a_child_stage_reaches_its_parent() {
        let v1 = "FROM debian:12 AS base\nRUN curl -s x | sh\nFROM base\nRUN echo a\n".to_string();
        let v2 = v1.replace("RUN echo a", "RUN yes | apt-get install x");
        let s = settings();
        let fixed = |v: &str| {
            analyze(v, None, &s, None)
                .diagnostics
                .iter()
                .any(|d| d.rule.name == "missing-pipefail" && d.fix.is_some())
        };
        assert!(fixed(&v1) && !fixed(&v2));
        assert_eq!(check(&[v1, v2]), vec![0, 1]);
    }

    #[test]
    fn a_new_line_relints_the_stages_below_it() {
        let v1 = FILE.to_string();
        let v2 = edit(&v1, "RUN echo b\n", "RUN echo b2\n");
        // Lines from `test` on moved, and `build` is linked to `test`: the
        // prefix alone is reused.
        let v3 = edit(&v2, "RUN echo b2", "x");
        assert_eq!(check(&[v1, v2, v3]), vec![0, 1, 3]);
    }

    #[test]
    fn file_wide_inputs_relint_everything() {
        let v1 = FILE.to_string();
        // The text before the first FROM.
        let v2 = edit(&v1, "ARG BASE=debian:12", "-slim");
        // A FROM (stage names: COPY --from in another stage reads them).
        let v3 = edit(&v2, "FROM alpine:3.20 AS other", "2");
        let v4 = edit(&v3, "\nFROM debian:12", "-slim");
        // A file fact: an apt configuration that turns recommends off.
        let v5 = edit(
            &v4,
            "RUN echo c",
            " && echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99",
        );
        let v6 = edit(&v5, "RUN echo b", "b");
        let reused = check(&[v1, v2, v3, v4, v5, v6]);
        assert_eq!(reused, vec![0, 0, 0, 0, 0, 3]);
    }

    #[test]
    fn settings_rules_and_escape_are_part_of_the_key() {
        let s = settings();
        let mut reuse = Reuse::default();
        analyze_reusing(FILE, None, &s, None, &mut reuse);
        analyze_reusing(FILE, None, &s, None, &mut reuse);
        assert_eq!(reuse.reused(), 5);
        // Another rule set: nothing reused, and the report is that set's.
        let fewer = Settings::default();
        let r = analyze_reusing(FILE, None, &fewer, None, &mut reuse);
        assert_eq!(reuse.reused(), 0);
        assert_eq!(show(&r), show(&analyze(FILE, None, &fewer, None)));
        let escaped = format!("# escape=`\n{FILE}");
        check(&[FILE.to_string(), escaped]);
    }

    /// Near the end of the file's expansion budget, which expansions hit
    /// it depends on their order: such a file is linted whole every time.
    #[test]
    fn a_file_that_spends_half_its_expansion_budget_reuses_nothing() {
        let mut src = String::from("ARG A0=x\n");
        for i in 1..=20 {
            src.push_str(&format!("ARG A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
        }
        for i in 0..20 {
            src.push_str(&format!("ARG B{i}=${{A20}}\n"));
        }
        src.push_str("FROM alpine:3.20 AS a\nADD x /x\nFROM alpine:3.20\nADD y /y\n");
        assert!(
            crate::model::Model::build(&src).budget_left() < crate::model::expand::FILE_BUDGET / 2
        );
        let v2 = src.replace("ADD y /y", "ADD y /yz");
        assert_eq!(check(&[src, v2]), vec![0, 0]);
    }

    #[test]
    fn findings_that_reach_outside_their_unit_are_not_reused_stale() {
        // Whatever a rule reports, a finding with a span outside its unit
        // is not kept (the unit is linted on every edit).
        let d = Diagnostic {
            rule: crate::rules::REGISTRY[0].meta,
            severity: crate::diagnostic::Severity::Warning,
            message: String::new(),
            span: crate::syntax::Span::new(5, 9),
            related: Vec::new(),
            fix: None,
            sub_code: None,
        };
        assert!(relative(&d, &(5..9)).is_some_and(|r| r.span == crate::syntax::Span::new(0, 4)));
        assert!(relative(&d, &(6..20)).is_none());
        assert!(relative(&d, &(0..8)).is_none());
    }
}
