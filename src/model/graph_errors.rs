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
        if names[..si].iter().any(|n| n.as_deref() == Some(v)) {
            continue;
        }
        if let Some(e) = reference_error(v) {
            let hint = if names[..si]
                .iter()
                .any(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(v)))
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
        let lower = v.to_lowercase();
        match names
            .iter()
            .position(|n| n.as_deref() == Some(lower.as_str()))
        {
            Some(i) => Target::Stage(i),
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
    let mut in_cycle = vec![false; m.stages.len()];
    for start in 0..m.stages.len() {
        // Is `start` reachable from itself?
        let mut seen = vec![false; m.stages.len()];
        let mut stack: Vec<usize> = edges[start].iter().map(|e| e.0).collect();
        while let Some(s) = stack.pop() {
            if s == start {
                in_cycle[start] = true;
                break;
            }
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            stack.extend(edges[s].iter().map(|e| e.0));
        }
    }
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

fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}
