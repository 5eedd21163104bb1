//! BuildKit errors that need the stages: what `dockerfile2llb` refuses when
//! it resolves FROM images and `COPY --from` before any step runs.
//!
//! * `failed to parse stage name "X": invalid reference format`: a FROM
//!   image, or a `COPY --from` that names no stage, is no valid reference
//!   (uppercase letters, two tags, ...). BuildKit matches a FROM word against
//!   earlier stage names exactly, so `FROM Build` after `AS build` is an
//!   image named `Build`, which is invalid;
//! * `invalid stage index N`: `COPY --from=N` beyond the last stage;
//! * `circular dependency detected on stage: X`: a stage copies from itself,
//!   or two stages from each other;
//! * `cannot copy from stage "b", it needs to be defined before current stage
//!   "a"`: `COPY --from` names a later stage, in a stage the default build
//!   (no `--target`) dispatches.
//!
//! Words holding variables are left alone: their value may come from a build
//! argument.

use std::collections::HashMap;

use super::image::reference_error;
use super::{Kind, Model};
use crate::syntax::buildkit::{ErrorKind, ParseError, Phase};
use crate::syntax::Span;

/// The stage a `--from` value names, as `toCommand` resolves it.
enum Target {
    Stage(usize),
    BadIndex(i64),
    Image,
}

pub fn check(m: &mut Model) {
    let mut errors = Vec::new();
    let names: Vec<Option<String>> = m
        .stages
        .iter()
        .map(|s| s.name().map(str::to_lowercase))
        .collect();
    // Each (lower-cased) name's first stage: lookups by name stay linear in
    // stages on files with tens of thousands of them.
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(n) = n {
            first.entry(n.as_str()).or_insert(i);
        }
    }
    let display = |i: usize| -> String { names[i].clone().unwrap_or_else(|| format!("stage-{i}")) };
    let mut err = |inst: usize, span: Span, kind: ErrorKind, message: String| {
        errors.push(ParseError {
            message,
            span,
            line: m.instructions[inst].start_line,
            phase: Phase::Instruction,
            kind,
            instruction: Some(inst),
        });
    };
    // FROM images.
    for (si, st) in m.stages.iter().enumerate() {
        let Some(word) = &st.image else { continue };
        let v = word.value.as_str();
        if v.contains('$') || v == "scratch" {
            continue;
        }
        // addState: a base names an earlier stage when it equals its
        // (lower-cased) name exactly.
        if first.get(v).is_some_and(|&i| i < si) {
            continue;
        }
        if let Some(e) = reference_error(v) {
            let hint = if first
                .get(v.to_lowercase().as_str())
                .is_some_and(|&i| i < si)
            {
                format!(
                    " (FROM names an earlier stage only when written as its lower-case name: write `FROM {}`)",
                    v.to_lowercase()
                )
            } else {
                String::new()
            };
            err(
                st.from,
                word.span,
                ErrorKind::BaseImage,
                format!("failed to parse stage name {}: {e}{hint}", go_quote(v)),
            );
        }
    }
    // COPY --from.
    let resolve = |v: &str| -> Target {
        if let Ok(n) = v.parse::<i64>() {
            if n < 0 || n as usize >= names.len() {
                return Target::BadIndex(n);
            }
            return Target::Stage(n as usize);
        }
        match first.get(v.to_lowercase().as_str()) {
            Some(&i) => Target::Stage(i),
            None => Target::Image,
        }
    };
    // Edges for the cycle check: stage -> stages it copies from.
    let mut edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); m.stages.len()];
    for inst in &m.instructions {
        if inst.kind != Kind::Copy {
            continue;
        }
        let (Some(si), Some(flag)) = (inst.stage, inst.flag("from")) else {
            continue;
        };
        let Some(v) = flag.value.as_deref() else {
            continue;
        };
        if v.is_empty() || v.contains('$') {
            continue;
        }
        match resolve(v) {
            Target::BadIndex(n) => err(
                inst.index,
                flag.span,
                ErrorKind::FromFlag,
                format!(
                    "invalid stage index {n}: the file has {} stage(s), numbered from 0",
                    names.len()
                ),
            ),
            Target::Image => {
                if let Some(e) = reference_error(v) {
                    err(
                        inst.index,
                        flag.span,
                        ErrorKind::FromFlag,
                        format!(
                            "failed to parse stage name {}: {e} (`--from` names no stage of this file, so BuildKit reads it as an image)",
                            go_quote(v)
                        ),
                    );
                }
            }
            Target::Stage(to) => edges[si].push((to, inst.index)),
        }
    }
    // validateCircularDependency, then dispatch order.
    let in_cycle = on_cycle(&edges);
    // The stages `docker build` (no --target) dispatches: the last one and
    // all it depends on. Only those run into "needs to be defined before".
    let mut reachable = vec![false; m.stages.len()];
    let mut stack: Vec<usize> = m.stages.len().checked_sub(1).into_iter().collect();
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut reachable[s], true) {
            continue;
        }
        if let super::Base::Stage(p) = m.stages[s].base {
            stack.push(p);
        }
        stack.extend(edges[s].iter().map(|e| e.0));
    }
    for (si, out) in edges.iter().enumerate() {
        for &(to, inst) in out {
            let span = m.instructions[inst]
                .flag("from")
                .map_or(m.instructions[inst].span, |f| f.span);
            if in_cycle[si] && in_cycle[to] {
                let what = if to == si {
                    let v = m.instructions[inst]
                        .flag("from")
                        .and_then(|f| f.value.clone())
                        .unwrap_or_default();
                    format!(
                        "circular dependency detected on stage: {}: `--from={v}` names the stage this COPY is in, and a stage cannot copy from itself. Name the stage that has the files",
                        display(si)
                    )
                } else {
                    format!("circular dependency detected on stage: {}", display(si))
                };
                err(inst, span, ErrorKind::FromFlag, what);
            } else if to > si && reachable[si] {
                err(
                    inst,
                    span,
                    ErrorKind::FromFlag,
                    format!(
                        "cannot copy from stage {}, it needs to be defined before current stage {}",
                        go_quote(&display(to)),
                        go_quote(&display(si))
                    ),
                );
            }
        }
    }
    m.errors.extend(errors);
    m.errors.sort_by_key(|e| (e.span.start, e.span.end));
}

/// Which stages can reach themselves through `COPY --from` edges: those in
/// a strongly connected component of more than one stage, or with an edge
/// to themselves. Tarjan's algorithm without recursion (a chain of 100,000
/// stages must not overflow the stack), linear in stages and edges.
fn on_cycle(edges: &[Vec<(usize, usize)>]) -> Vec<bool> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut in_cycle = vec![false; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (stage, how many of its edges were followed)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&(w, _)) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let cyclic = component.len() > 1 || edges[v].iter().any(|e| e.0 == v);
                for w in component {
                    in_cycle[w] = cyclic;
                }
            }
        }
    }
    in_cycle
}

fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::on_cycle;

    /// The stages that reach themselves, by a walk from each one.
    fn brute(edges: &[Vec<(usize, usize)>]) -> Vec<bool> {
        (0..edges.len())
            .map(|start| {
                let mut seen = vec![false; edges.len()];
                let mut stack: Vec<usize> = edges[start].iter().map(|e| e.0).collect();
                while let Some(s) = stack.pop() {
                    if s == start {
                        return true;
                    }
                    if !std::mem::replace(&mut seen[s], true) {
                        stack.extend(edges[s].iter().map(|e| e.0));
                    }
                }
                false
            })
            .collect()
    }

    #[test]
    fn on_cycle_is_self_reachability() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m) as usize
        };
        for _ in 0..3000 {
            let n = 1 + next(9);
            let mut edges = vec![Vec::new(); n];
            for _ in 0..next(14) {
                let (a, b) = (next(n as u64), next(n as u64));
                edges[a].push((b, 0));
            }
            assert_eq!(on_cycle(&edges), brute(&edges), "{edges:?}");
        }
        // A chain of 200,000 stages, closed into one loop: no recursion.
        let n = 200_000;
        let edges: Vec<Vec<(usize, usize)>> = (0..n).map(|i| vec![((i + 1) % n, 0)]).collect();
        assert!(on_cycle(&edges).iter().all(|&c| c));
    }
}
