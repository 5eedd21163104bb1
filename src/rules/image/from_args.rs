//! The global scope FROM lines see, as BuildKit builds it: the automatic
//! platform arguments, then each ARG before the first FROM in order, its
//! default expanded with what came before (`buildMetaArgs` with no
//! `--build-arg`). Shared by the checks on FROM.
use std::collections::{HashMap, HashSet};

use crate::model::{Kind, Model};
use crate::rules::buildkit::{expand_tracked, Tracked, AUTOMATIC_ARGS};

pub struct GlobalScope<'m> {
    /// Arguments with a value, in order (automatic ones first).
    pub values: Vec<(String, String)>,
    /// Every ARG declared before the first FROM, with or without a value.
    pub declared: Vec<String>,
    /// A default BuildKit could not expand (the build stops there).
    pub broken: bool,
    model: &'m Model,
    /// Name → its slot in `values`.
    value_index: HashMap<String, usize>,
    /// The names in `declared`.
    declared_set: HashSet<String>,
}

impl<'m> GlobalScope<'m> {
    pub fn of(m: &'m Model) -> GlobalScope<'m> {
        let mut s = GlobalScope {
            values: Vec::new(),
            declared: Vec::new(),
            broken: false,
            model: m,
            value_index: HashMap::new(),
            declared_set: HashSet::new(),
        };
        for n in AUTOMATIC_ARGS {
            s.set(n, crate::model::automatic_arg(n).unwrap_or("").to_string());
        }
        for inst in m.instructions.iter().take_while(|i| i.kind != Kind::From) {
            if inst.kind != Kind::Arg {
                continue;
            }
            for w in &inst.args {
                let (name, default) = match w.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (w.value.clone(), None),
                };
                if s.declared_set.insert(name.clone()) {
                    s.declared.push(name.clone());
                }
                let Some(d) = default else { continue };
                let t = s.expand(&d);
                if t.expanded.invalid {
                    s.broken = true;
                    continue;
                }
                // Past an expansion bound the value is the default as
                // written (as in the model; expansion-limit reports it).
                s.set(&name, t.expanded.value);
            }
        }
        s
    }

    fn set(&mut self, name: &str, value: String) {
        match self.value_index.get(name) {
            Some(&i) => self.values[i].1 = value,
            None => {
                self.value_index.insert(name.to_string(), self.values.len());
                self.values.push((name.to_string(), value));
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.value_index
            .get(name)
            .map(|&i| self.values[i].1.as_str())
    }

    /// Whether an ARG before the first FROM declares `name`.
    pub fn is_declared(&self, name: &str) -> bool {
        self.declared_set.contains(name)
    }

    /// Expands a FROM word (`ProcessWordWithMatches`).
    pub fn expand(&self, text: &str) -> Tracked {
        expand_tracked(text, self.model, &|n| self.get(n).map(str::to_string))
    }

    /// The names FROM may use: declared ARGs and the automatic ones
    /// (`unusedFromArgsCheckKeys`), declaration order first.
    pub fn known(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.declared.iter().map(String::as_str).collect();
        for (k, _) in &self.values {
            if !self.declared_set.contains(k) {
                out.push(k);
            }
        }
        out
    }
}

/// Per stage: whether its base image, expanded with the ARG defaults only,
/// is no valid image reference (BuildKit's `InvalidDefaultArgInFrom`).
/// BuildKit stops checking at the first FROM it cannot expand.
/// [`invalid_default_bases`], computed once per lint.
pub struct InvalidBases(pub Vec<bool>);

pub fn invalid_default_bases_once(cx: &crate::rules::Checker) -> std::rc::Rc<InvalidBases> {
    cx.once(|m| InvalidBases(invalid_default_bases(m)))
}

pub fn invalid_default_bases(m: &Model) -> Vec<bool> {
    let scope = GlobalScope::of(m);
    let mut out = vec![false; m.stages.len()];
    if scope.broken {
        return out;
    }
    for st in &m.stages {
        let Some(w) = &st.image else { continue };
        let t = scope.expand(&w.value);
        if t.expanded.invalid {
            break;
        }
        if t.expanded.limited.is_some() {
            // Past an expansion bound the reference is not known.
            continue;
        }
        out[st.index] = !crate::rules::buildkit::valid_reference(&t.expanded.value);
    }
    out
}
