//! `curl-and-wget`: a stage uses both `curl` and `wget`; one download tool
//! is enough.
use crate::diagnostic::{Related, Severity};
use crate::rules::shell::{commands, run_sites};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D704",
    name: "curl-and-wget",
    category: Category::Shell,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["DL4001"],
    summary: "A stage uses both `curl` and `wget`: one download tool is enough",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    // Per stage, and separately for ONBUILD RUNs (they run in a child
    // image): the first use of each tool.
    type FirstUse = [Option<Span>; 2];
    let mut seen: Vec<((usize, bool), FirstUse)> = Vec::new();
    for site in run_sites(cx.unit().instructions()) {
        let run = site.run;
        let Some(stage) = site.holder.stage else {
            continue;
        };
        if !super::mentions_command(run, &["curl", "wget"]) {
            continue;
        }
        let key = (stage, site.is_trigger());
        let pos = match seen.iter().position(|(k, _)| *k == key) {
            Some(p) => p,
            None => {
                seen.push((key, [None, None]));
                seen.len() - 1
            }
        };
        let mut here: [Option<Span>; 2] = [None, None];
        for c in commands(run) {
            let t = match c.program() {
                Some("curl") => 0,
                Some("wget") => 1,
                _ => continue,
            };
            if here[t].is_none() {
                here[t] = c.program_args().first().map(|w| w.span);
            }
        }
        if here.iter().all(Option::is_none) {
            continue;
        }
        let first = &mut seen[pos].1;
        for t in 0..2 {
            if first[t].is_none() {
                first[t] = here[t];
            }
        }
        if first.iter().any(Option::is_none) {
            continue;
        }
        // Report this RUN's use of the tool that came second.
        let (t, span) = match (here[0], here[1]) {
            (Some(c), Some(w)) => {
                if first[0] == Some(c) && first[1] != Some(w) {
                    (1, w)
                } else {
                    (0, c)
                }
            }
            (Some(c), None) => (0, c),
            (None, Some(w)) => (1, w),
            (None, None) => continue,
        };
        let (this, other) = if t == 0 {
            ("curl", "wget")
        } else {
            ("wget", "curl")
        };
        let other_span = first[1 - t].unwrap_or(span);
        let msg = format!(
            "This stage uses `{this}` here and `{other}` on line {}: installing and keeping two download tools adds size and attack surface for no gain. Use one of them throughout the stage",
            m.line_of(other_span.start)
        );
        cx.report(span, msg).related.push(Related {
            span: other_span,
            message: format!("`{other}` is used here"),
        });
    }
}
