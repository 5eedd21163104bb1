//! The global scope FROM lines see, as BuildKit builds it: the automatic
//! platform arguments, then each ARG before the first FROM in order, its
//! default expanded with what came before (`buildMetaArgs` with no
//! `--build-arg`). Shared by the checks on FROM.
use crate::model::{Kind, Model};
use crate::rules::buildkit::{expand_tracked, Tracked, AUTOMATIC_ARGS};

pub struct GlobalScope {
    /// Arguments with a value, in order (automatic ones first).
    pub values: Vec<(String, String)>,
    /// Every ARG declared before the first FROM, with or without a value.
    pub declared: Vec<String>,
    /// A default BuildKit could not expand (the build stops there).
    pub broken: bool,
    escape: char,
}

impl GlobalScope {
    pub fn of(m: &Model) -> GlobalScope {
        let mut s = GlobalScope {
            values: AUTOMATIC_ARGS
                .iter()
                .map(|n| {
                    let v = crate::model::automatic_arg(n).unwrap_or("");
                    (n.to_string(), v.to_string())
                })
                .collect(),
            declared: Vec::new(),
            broken: false,
            escape: m.escape,
        };
        for inst in m.instructions.iter().take_while(|i| i.kind != Kind::From) {
            if inst.kind != Kind::Arg {
                continue;
            }
            for w in &inst.args {
                let (name, default) = match w.value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (w.value.clone(), None),
                };
                if !s.declared.contains(&name) {
                    s.declared.push(name.clone());
                }
                let Some(d) = default else { continue };
                let t = s.expand(&d);
                if t.expanded.invalid {
                    s.broken = true;
                    continue;
                }
                s.set(&name, t.expanded.value);
            }
        }
        s
    }

    fn set(&mut self, name: &str, value: String) {
        match self.values.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name.to_string(), value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Expands a FROM word (`ProcessWordWithMatches`).
    pub fn expand(&self, text: &str) -> Tracked {
        expand_tracked(text, self.escape, &|n| self.get(n).map(str::to_string))
    }

    /// The names FROM may use: declared ARGs and the automatic ones
    /// (`unusedFromArgsCheckKeys`), declaration order first.
    pub fn known(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.declared.iter().map(String::as_str).collect();
        for (k, _) in &self.values {
            if !out.contains(&k.as_str()) {
                out.push(k);
            }
        }
        out
    }
}

/// Per stage: whether its base image, expanded with the ARG defaults only,
/// is no valid image reference (BuildKit's `InvalidDefaultArgInFrom`).
/// BuildKit stops checking at the first FROM it cannot expand.
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
        out[st.index] = !crate::rules::buildkit::valid_reference(&t.expanded.value);
    }
    out
}
