//! Resolved settings: which rules run, at which severity, with which
//! options. Built from defaults, a config file and command-line flags.

use std::path::{Path, PathBuf};

use globset::GlobMatcher;

use crate::diagnostic::Severity;
use crate::rules::{RuleEntry, REGISTRY};

pub use crate::rules::RuleOptions;

/// Rules switched off for files matching a glob.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub matcher: GlobMatcher,
    /// Paths are matched relative to this directory (the config's).
    pub base: PathBuf,
    pub rules: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Indexed like `REGISTRY`.
    pub enabled: Vec<bool>,
    /// Indexed like `REGISTRY`: switched off by the configuration or the
    /// command line (`ignore`, or left out of `select`), so a file's
    /// `# check=experimental=` directive does not switch it on.
    pub forced_off: Vec<bool>,
    /// Indexed like `REGISTRY`.
    pub severity: Vec<Severity>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Findings at or above this make the exit code 1; None: never.
    pub fail_level: Option<Severity>,
    pub options: RuleOptions,
    /// Build context directory (for context-aware rules).
    pub context: Option<PathBuf>,
    /// The stage that is built.
    pub target: Option<String>,
    /// The file these settings came from.
    pub source: Option<PathBuf>,
    /// Which codes of rules that report another tool's codes (ShellCheck's
    /// `SC2086`) are kept.
    pub codes: CodeFilter,
}

/// Selected and ignored sub-codes (`SC2086`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFilter {
    /// Only these (when the rule was selected by its codes alone).
    pub only: Option<Vec<String>>,
    pub ignored: Vec<String>,
}

impl CodeFilter {
    pub fn allows(&self, code: &str) -> bool {
        !self.ignored.iter().any(|c| c.eq_ignore_ascii_case(code))
            && self
                .only
                .as_ref()
                .is_none_or(|o| o.iter().any(|c| c.eq_ignore_ascii_case(code)))
    }
}

/// Whether a name is a sub-code (a ShellCheck code) rather than a rule.
pub fn is_sub_code(name: &str) -> bool {
    crate::rules::is_shellcheck_code(name)
}

/// Splits names into sub-codes and the others.
pub fn split_sub_codes<'a, S: AsRef<str> + 'a>(
    names: impl IntoIterator<Item = &'a S>,
) -> (Vec<String>, Vec<&'a S>) {
    let mut codes = Vec::new();
    let mut rest = Vec::new();
    for n in names {
        if is_sub_code(n.as_ref().trim()) {
            codes.push(n.as_ref().trim().to_ascii_uppercase());
        } else {
            rest.push(n);
        }
    }
    (codes, rest)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: REGISTRY.iter().map(|e| e.meta.default_enabled).collect(),
            forced_off: vec![false; REGISTRY.len()],
            severity: REGISTRY.iter().map(|e| e.meta.severity).collect(),
            per_file_ignores: Vec::new(),
            fail_level: Some(Severity::Style),
            options: RuleOptions::default(),
            context: None,
            target: None,
            source: None,
            codes: CodeFilter::default(),
        }
    }
}

fn index_of(e: &'static RuleEntry) -> usize {
    REGISTRY
        .iter()
        .position(|x| std::ptr::eq(x, e))
        .expect("a registry entry")
}

/// Resolves a rule selector: a code, name or alias, a category, `ALL`, or
/// `hadolint` (every rule that answers to a hadolint `DL` code).
pub fn resolve_selector(name: &str) -> Option<Vec<usize>> {
    if is_strict_form(name) {
        return resolve_selector("root-user");
    }
    if name.eq_ignore_ascii_case("all") {
        return Some((0..REGISTRY.len()).collect());
    }
    if name.eq_ignore_ascii_case("hadolint") {
        return Some(hadolint_rules());
    }
    let hits: Vec<usize> = REGISTRY
        .iter()
        .enumerate()
        .filter(|(_, e)| e.meta.is_named(name) || e.meta.category.as_str() == name)
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() {
        None
    } else {
        Some(hits)
    }
}

/// The rules with a hadolint alias (`DL3008`) that hadolint runs by
/// default: what `--select hadolint` turns on, so that a migrating user gets
/// hadolint's set, including rules dlint keeps off by default. hadolint's
/// own off-by-default checks (DL3026 without `trustedRegistries`, DL3057,
/// DL1001) stay off. hadolint runs ShellCheck on every RUN, so the
/// `shellcheck` rule (the `SC` codes) is in the set too.
pub fn hadolint_rules() -> Vec<usize> {
    const OFF_IN_HADOLINT: &[&str] = &["DL3026", "DL3057", "DL1001"];
    REGISTRY
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.meta
                .aliases
                .iter()
                .any(|a| is_hadolint_code(a) && !OFF_IN_HADOLINT.contains(a))
                || e.meta.name == "shellcheck"
        })
        .map(|(i, _)| i)
        .collect()
}

/// `root-user:strict`: root-user in its strict form (base and tool images
/// too), as `[rules.root-user] strict = true` asks for it.
pub fn is_strict_form(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case("root-user:strict")
}

/// `DL3008`, `DL4006`: a hadolint rule code.
fn is_hadolint_code(a: &str) -> bool {
    a.len() == 6
        && a.strip_prefix("DL")
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

impl Settings {
    /// Only these rules run.
    pub fn select(&mut self, rules: &[usize]) {
        self.codes.only = None;
        self.enabled = vec![false; REGISTRY.len()];
        self.forced_off = vec![true; REGISTRY.len()];
        for &r in rules {
            self.enabled[r] = true;
            self.forced_off[r] = false;
        }
    }

    /// `select` naming sub-codes: their rule runs, reporting only those
    /// codes unless the rule itself was selected too.
    pub fn select_codes(&mut self, codes: &[String]) {
        if codes.is_empty() {
            return;
        }
        let Some(r) = crate::rules::find(&codes[0]).map(index_of) else {
            return;
        };
        let whole = self.enabled[r];
        self.enabled[r] = true;
        if !whole {
            self.codes.only = Some(codes.to_vec());
        }
    }

    /// `extend-select` naming sub-codes.
    pub fn extend_select_codes(&mut self, codes: &[String]) {
        if codes.is_empty() {
            return;
        }
        let Some(r) = crate::rules::find(&codes[0]).map(index_of) else {
            return;
        };
        if self.enabled[r] && self.codes.only.is_none() {
            return;
        }
        self.enabled[r] = true;
        self.codes
            .only
            .get_or_insert_with(Vec::new)
            .extend_from_slice(codes);
    }

    /// `ignore` naming sub-codes.
    pub fn ignore_codes(&mut self, codes: &[String]) {
        self.codes.ignored.extend_from_slice(codes);
    }

    pub fn extend_select(&mut self, rules: &[usize]) {
        for &r in rules {
            self.enabled[r] = true;
            self.forced_off[r] = false;
        }
    }

    pub fn ignore(&mut self, rules: &[usize]) {
        for &r in rules {
            self.enabled[r] = false;
            self.forced_off[r] = true;
        }
    }

    /// The rules that run for `path`.
    pub fn active_rules(&self, path: Option<&Path>) -> Vec<&'static RuleEntry> {
        REGISTRY
            .iter()
            .zip(self.mask(path, &self.enabled))
            .filter(|(_, on)| *on)
            .map(|(e, _)| e)
            .collect()
    }

    /// Rules that are off for `path` but that a file's
    /// `# check=experimental=` directive may switch on: not switched off by
    /// the configuration, the command line or a per-file ignore.
    pub fn switchable_rules(&self, path: Option<&Path>) -> Vec<&'static RuleEntry> {
        let may: Vec<bool> = self
            .enabled
            .iter()
            .zip(&self.forced_off)
            .map(|(on, off)| !on && !off)
            .collect();
        REGISTRY
            .iter()
            .zip(self.mask(path, &may))
            .filter(|(_, on)| *on)
            .map(|(e, _)| e)
            .collect()
    }

    /// `enabled` minus the per-file ignores that match `path`.
    fn mask(&self, path: Option<&Path>, enabled: &[bool]) -> Vec<bool> {
        let mut enabled = enabled.to_vec();
        if let (Some(path), false) = (path, self.per_file_ignores.is_empty()) {
            // However the path was given (`.`, `./x`, from a subdirectory,
            // absolute), globs match it relative to the config's directory.
            let full = crate::source::normalize(path);
            for pfi in &self.per_file_ignores {
                let rel = full.strip_prefix(&pfi.base).unwrap_or(&full);
                if pfi.matcher.is_match(rel) || pfi.matcher.is_match(path) {
                    for &r in &pfi.rules {
                        enabled[r] = false;
                    }
                }
            }
        }
        enabled
    }

    pub fn severity_of(&self, rule: &crate::rules::RuleMeta) -> Severity {
        REGISTRY
            .iter()
            .position(|e| std::ptr::eq(e.meta, rule))
            .map(|i| self.severity[i])
            .unwrap_or(rule.severity)
    }
}
