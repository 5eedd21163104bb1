//! One input of a lint run: read it, find its settings and build context,
//! lint (or fix) it, and write the fixed Dockerfile. Jobs run in parallel;
//! a panic in one becomes that file's internal error and the others go on.

use std::path::{Path, PathBuf};

use crate::analysis::{analyze, load_context, Report};
use crate::config::{ConfigCache, ConfigError};
use crate::context::{BuildContext, ContextCache};
use crate::diagnostic::Severity;
use crate::fix::{fix_source, FixOptions, FixOutcome};
use crate::render::{FileResult, Outcome};
use crate::settings::Settings;

use super::discover::{display_path, Input};
use super::lint::Overrides;

/// What a job hands back.
pub struct JobResult {
    pub file: FileResult,
    /// The fail level of the file's settings (None: never fails).
    pub fail_level: Option<Severity>,
    /// The file could not be linted, or a fix could not be written: exit 2.
    pub error: bool,
    /// Lines for stderr, each already naming the file.
    pub messages: Vec<String>,
    pub fix: Option<FixOutcome>,
    pub is_stdin: bool,
}

impl JobResult {
    fn failed(path: String, why: String, is_stdin: bool) -> JobResult {
        JobResult {
            file: FileResult {
                path,
                outcome: Outcome::Error(why),
            },
            fail_level: None,
            error: true,
            messages: Vec::new(),
            fix: None,
            is_stdin,
        }
    }
}

/// What `--fix`/`--diff` asked for.
#[derive(Clone, Copy)]
pub struct FixMode {
    pub opts: FixOptions,
    /// Write the fixed files (`--fix`); false for `--diff`.
    pub write: bool,
}

/// Shared by every job of a run.
pub struct Jobs<'a> {
    /// `--config` or `--isolated`: one set of settings for every file.
    pub fixed: Option<Settings>,
    pub configs: ConfigCache,
    pub contexts: ContextCache,
    pub overrides: &'a Overrides,
    pub fix: Option<FixMode>,
    /// `--pin-digests`: one deadline and one answer per image for the run.
    pub pinner: Option<&'a crate::pin::Pinner<'static>>,
    pub stdin_filename: Option<&'a Path>,
    pub stdin_text: Option<Result<String, String>>,
}

impl Jobs<'_> {
    /// The name standard input is reported under.
    pub fn stdin_name(&self) -> String {
        self.stdin_filename
            .map(display_path)
            .unwrap_or_else(|| "-".to_string())
    }

    fn settings_for(&self, dir: &Path) -> Result<Settings, ConfigError> {
        let base = match &self.fixed {
            Some(s) => s.clone(),
            None => match self.configs.for_dir(dir) {
                None => Settings::default(),
                Some(r) => r?,
            },
        };
        Ok(self.overrides.apply(base))
    }

    /// The shell scripts of an input that ShellCheck will check, with the
    /// setting saying which ShellCheck (none when the rule is off for it).
    /// Read ahead of linting so that all files' scripts go to ShellCheck in
    /// one batch.
    pub fn shell_scripts(
        &self,
        input: &Input,
    ) -> Option<(crate::shellcheck::Setting, Vec<String>)> {
        crate::panic::catch(|| {
            let (src, dir) = match input {
                Input::File(p) => (
                    crate::source::read_source(p).ok()?,
                    p.parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .unwrap_or(Path::new("."))
                        .to_path_buf(),
                ),
                Input::Stdin => (
                    self.stdin_text.as_ref()?.as_ref().ok()?.clone(),
                    self.stdin_filename
                        .and_then(Path::parent)
                        .filter(|p| !p.as_os_str().is_empty())
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| PathBuf::from(".")),
                ),
                Input::Missing(..) => return None,
            };
            let settings = self.settings_for(&dir).ok()?;
            let on = settings
                .active_rules(None)
                .iter()
                .any(|e| e.meta.name == "shellcheck");
            if !on {
                return None;
            }
            let model = crate::model::Model::build(&src);
            let texts = crate::shellcheck::scripts(&model)
                .into_iter()
                .map(|s| s.text.to_string())
                .collect();
            Some((settings.options.shellcheck.clone(), texts))
        })
        .ok()
        .flatten()
    }

    /// Runs one input, turning a panic into that input's internal error.
    pub fn run(&self, input: &Input) -> JobResult {
        let (shown, is_stdin) = match input {
            Input::File(p) | Input::Missing(p, _) => (display_path(p), false),
            Input::Stdin => (self.stdin_name(), true),
        };
        match crate::panic::catch(|| self.run_input(input, &shown)) {
            Ok(r) => r,
            Err(msg) => JobResult::failed(
                shown,
                format!(
                    "internal error: {msg}; please report it at {}",
                    crate::panic::REPORT_URL
                ),
                is_stdin,
            ),
        }
    }

    fn run_input(&self, input: &Input, shown: &str) -> JobResult {
        match input {
            Input::Missing(_, why) => JobResult::failed(shown.to_string(), why.clone(), false),
            Input::Stdin => {
                let dir = self
                    .stdin_filename
                    .and_then(Path::parent)
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                let settings = match self.settings_for(&dir) {
                    Ok(s) => s,
                    Err(e) => return config_failure(shown, &e, true),
                };
                let src = match self.stdin_text.as_ref() {
                    Some(Ok(s)) => s,
                    Some(Err(e)) => return JobResult::failed(shown.to_string(), e.clone(), true),
                    None => return JobResult::failed(shown.into(), "not read".into(), true),
                };
                // Standard input has a build context only when one is given.
                let ctx = settings
                    .context
                    .as_ref()
                    .filter(|c| c.is_dir())
                    .map(|c| self.contexts.load(c, self.stdin_filename));
                self.lint(
                    src,
                    self.stdin_filename,
                    None,
                    &settings,
                    ctx.as_ref(),
                    shown,
                )
            }
            Input::File(p) => {
                let dir = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let settings = match self.settings_for(dir) {
                    Ok(s) => s,
                    Err(e) => return config_failure(shown, &e, false),
                };
                let src = match crate::source::read_source(p) {
                    Ok(s) => s,
                    Err(e) => return JobResult::failed(shown.to_string(), e, false),
                };
                let ctx = load_context(Some(p), &settings, &self.contexts);
                self.lint(&src, Some(p), Some(p), &settings, ctx.as_ref(), shown)
            }
        }
    }

    /// Lints or fixes one text. `write_to` is the file a `--fix` writes.
    #[allow(clippy::too_many_arguments)]
    fn lint(
        &self,
        src: &str,
        path: Option<&Path>,
        write_to: Option<&Path>,
        settings: &Settings,
        ctx: Option<&BuildContext>,
        shown: &str,
    ) -> JobResult {
        let is_stdin = write_to.is_none();
        let mut messages = Vec::new();
        let mut error = false;
        let (report, fix) = match self.fix {
            None => (analyze(src, path, settings, ctx), None),
            Some(mode) => {
                let mut o = fix_source(src, path, settings, ctx, mode.opts);
                if let Some(pinner) = self.pinner {
                    match pinner.pin(&o.fixed) {
                        Ok(pinned) => {
                            let mut again = fix_source(&pinned, path, settings, ctx, mode.opts);
                            again.original = src.to_string();
                            for (r, n) in std::mem::take(&mut o.applied) {
                                *again.applied.entry(r).or_default() += n;
                            }
                            again.files.append(&mut o.files);
                            again.dropped.append(&mut o.dropped);
                            o = again;
                        }
                        Err(msgs) => {
                            return JobResult::failed(
                                shown.to_string(),
                                format!("left unchanged: {}", msgs.join("; ")),
                                is_stdin,
                            )
                        }
                    }
                }
                for d in &o.dropped {
                    messages.push(format!(
                        "{shown}: fix not applied ({}: {}): {}",
                        d.rule, d.title, d.reason
                    ));
                }
                let mut report = o.report.clone();
                if let (true, Some(file)) = (mode.write, write_to) {
                    if o.original != o.fixed {
                        if let Err(e) = crate::fix::write_fixed(file, &o.fixed) {
                            messages.push(format!(
                                "{shown}: cannot write the fixed file ({e}); left unchanged"
                            ));
                            error = true;
                            // The file is as it was: report its findings.
                            report = analyze(src, path, settings, ctx);
                            o.applied.clear();
                            o.files.clear();
                        }
                    }
                }
                (report, Some(o))
            }
        };
        if let Some(t) = &settings.target {
            if let Some(why) = unknown_target(&report, t) {
                messages.push(format!("{shown}: {why}"));
                error = true;
            }
        }
        JobResult {
            file: FileResult {
                path: shown.to_string(),
                outcome: Outcome::Linted(Box::new(report.into())),
            },
            fail_level: settings.fail_level,
            error,
            messages,
            fix,
            is_stdin,
        }
    }
}

/// `--target NAME` names no stage of the file: BuildKit refuses the build.
fn unknown_target(report: &Report, target: &str) -> Option<String> {
    let m = &report.model;
    let names: Vec<String> = m
        .stages
        .iter()
        .filter_map(|s| s.alias.as_ref().map(|a| a.value.to_ascii_lowercase()))
        .collect();
    if names.iter().any(|n| n.eq_ignore_ascii_case(target)) {
        return None;
    }
    let list = if names.is_empty() {
        "it names no stage".to_string()
    } else {
        format!("its stages are {}", names.join(", "))
    };
    Some(format!("--target {target}: no stage of that name ({list})"))
}

fn config_failure(shown: &str, e: &ConfigError, is_stdin: bool) -> JobResult {
    JobResult::failed(shown.to_string(), format!("bad config: {e}"), is_stdin)
}
