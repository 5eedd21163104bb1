//! Instruction choice and form.
pub mod add_instead_of_copy;
pub mod consecutive_run;
pub mod copy_entire_filesystem;
pub mod copy_from_unknown_stage;
pub mod copy_multiple_sources_to_file;
pub mod copy_relative_without_workdir;
pub mod copy_then_extract_archive;
pub mod duplicate_stage_name;
pub mod empty_continuation_line;
pub mod empty_label;
pub mod env_self_reference;
pub mod expose;
pub mod expose_host_mapping;
pub mod expose_protocol_casing;
pub mod from_as_casing;
pub mod inconsistent_instruction_casing;
pub mod inline_comment;
pub mod invalid_description_comment;
pub mod invalid_expose_port;
pub mod invalid_label_key;
pub mod invalid_label_value;
pub mod invalid_substitution;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod missing_healthcheck;
pub mod missing_label;
pub mod multiple_cmd;
pub mod relative_workdir;
pub mod reserved_stage_name;
pub mod shell_form_cmd;
pub mod stage_name_casing;
pub mod superfluous_label;
pub mod undefined_variable;

use crate::model::{expand, Instruction, Kind, Model};
use crate::syntax::Span;

/// One `key=value` of a LABEL, as BuildKit reads it (quotes removed,
/// ARG/ENV expanded).
#[derive(Debug, Clone)]
pub struct LabelPair {
    pub key: String,
    /// None when the value holds a variable without a value.
    pub value: Option<String>,
    pub key_span: Span,
    pub value_span: Span,
}

/// The pairs of a LABEL instruction.
pub fn label_pairs(m: &Model, inst: &Instruction) -> Vec<LabelPair> {
    if inst.kind != Kind::Label {
        return Vec::new();
    }
    let read = |text: &str| -> Option<String> {
        let e = match inst.stage {
            Some(st) => m.expand_in_stage_full(st, text),
            None => expand::expand(text, m.escape, &|n| m.global_value(n)),
        };
        e.unresolved.is_empty().then_some(e.value)
    };
    inst.args
        .chunks(2)
        .filter_map(|pair| match pair {
            [k, v] => Some(LabelPair {
                key: read(&k.value).unwrap_or_else(|| k.value.clone()),
                value: read(&v.value),
                key_span: k.span,
                value_span: v.span,
            }),
            _ => None,
        })
        .collect()
}

/// The stages that may be built as images: with `--target`, that one;
/// else every stage no later stage builds on or copies from (each could be
/// a `--target`), which includes the last one.
pub fn leaf_stages(m: &Model, target: Option<&str>) -> Vec<usize> {
    if let Some(t) = target {
        return m
            .final_stage(Some(t))
            .map(|s| vec![s.index])
            .unwrap_or_default();
    }
    // One pass over the dependencies and the bases: checking each stage
    // against every other was quadratic (30,000 stages: 18 s).
    let mut used = vec![false; m.stages.len()];
    for d in &m.deps {
        if d.from_stage != d.to_stage {
            if let Some(u) = used.get_mut(d.to_stage) {
                *u = true;
            }
        }
    }
    for s in &m.stages {
        if let crate::model::Base::Stage(b) = s.base {
            if b != s.index {
                if let Some(u) = used.get_mut(b) {
                    *u = true;
                }
            }
        }
    }
    (0..m.stages.len()).filter(|&i| !used[i]).collect()
}

/// The stage and the stages it is built on (`FROM <stage>`), nearest first.
pub fn stage_chain(m: &Model, stage: usize) -> Vec<usize> {
    let mut out = vec![stage];
    let mut s = stage;
    while let crate::model::Base::Stage(p) = m.stages[s].base {
        if p >= s || out.len() > 64 {
            break;
        }
        out.push(p);
        s = p;
    }
    out
}
