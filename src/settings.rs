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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: REGISTRY.iter().map(|e| e.meta.default_enabled).collect(),
            severity: REGISTRY.iter().map(|e| e.meta.severity).collect(),
            per_file_ignores: Vec::new(),
            fail_level: Some(Severity::Style),
            options: RuleOptions::default(),
            context: None,
            target: None,
            source: None,
        }
    }
}

/// Resolves a rule selector: a code, name or alias, a category, `ALL`, or
/// `hadolint` (every rule answering to a hadolint `DL` code).
pub fn resolve_selector(name: &str) -> Option<Vec<usize>> {
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

/// hadolint checks that hadolint itself runs only when asked: DL1001 and
/// DL3057 have severity `ignore`, DL3026 needs `trustedRegistries`.
const HADOLINT_OFF: &[&str] = &["DL1001", "DL3057", "DL3026"];

/// The rules answering to a hadolint `DL` code that hadolint runs by
/// default: `--select hadolint` gives hadolint's set of checks (those dlint
/// has), including the ones dlint leaves off by default.
pub fn hadolint_rules() -> Vec<usize> {
    REGISTRY
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.meta
                .aliases
                .iter()
                .any(|a| is_hadolint_code(a) && !HADOLINT_OFF.contains(a))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `DL` followed by four digits.
fn is_hadolint_code(a: &str) -> bool {
    a.len() == 6 && a.starts_with("DL") && a[2..].bytes().all(|b| b.is_ascii_digit())
}

impl Settings {
    /// Only these rules run.
    pub fn select(&mut self, rules: &[usize]) {
        self.enabled = vec![false; REGISTRY.len()];
        for &r in rules {
            self.enabled[r] = true;
        }
    }

    pub fn extend_select(&mut self, rules: &[usize]) {
        for &r in rules {
            self.enabled[r] = true;
        }
    }

    pub fn ignore(&mut self, rules: &[usize]) {
        for &r in rules {
            self.enabled[r] = false;
        }
    }

    /// The rules that run for `path`.
    pub fn active_rules(&self, path: Option<&Path>) -> Vec<&'static RuleEntry> {
        let mut enabled = self.enabled.clone();
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
        REGISTRY
            .iter()
            .zip(enabled)
            .filter(|(_, on)| *on)
            .map(|(e, _)| e)
            .collect()
    }

    pub fn severity_of(&self, rule: &crate::rules::RuleMeta) -> Severity {
        REGISTRY
            .iter()
            .position(|e| std::ptr::eq(e.meta, rule))
            .map(|i| self.severity[i])
            .unwrap_or(rule.severity)
    }
}
