//! `dlint [PATHS]`: lint, `--fix` and `--diff`.
//!
//! The run: check the flags, find the inputs ([`super::discover`]), run one
//! job per input in parallel ([`super::job`]), then, in input order, make
//! the changes to other files, print diffs, errors and findings, and choose
//! the exit code.

use super::say;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use rayon::prelude::*;

use super::discover::{discover, Input};
use super::job::{FixMode, JobResult, Jobs};
use super::{ColorChoice, FailLevel, LintArgs, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::config::{self, ConfigError};
use crate::diagnostic::{FileChange, Severity};
use crate::fix::FixOptions;
use crate::render::{self, Format, Outcome, RenderOptions};
use crate::settings::{resolve_selector, Settings};

/// CLI overrides applied on top of a file's settings.
pub struct Overrides {
    select: Option<(Vec<usize>, Vec<String>)>,
    extend_select: (Vec<usize>, Vec<String>),
    ignore: (Vec<usize>, Vec<String>),
    fail_level: Option<Option<Severity>>,
    context: Option<PathBuf>,
    target: Option<String>,
    /// `--check-base-platforms`: the registries' answers.
    base_platforms: Option<std::sync::Arc<crate::registry::BasePlatforms>>,
    /// `--select root-user:strict` (or `--extend-select`).
    root_user_strict: bool,
}

impl Overrides {
    fn from_args(args: &LintArgs) -> Result<Overrides, String> {
        Ok(Overrides {
            select: if args.select.is_empty() {
                None
            } else {
                Some(resolve_cli_names(&args.select, "select")?)
            },
            extend_select: resolve_cli_names(&args.extend_select, "extend-select")?,
            ignore: resolve_cli_names(&args.ignore, "ignore")?,
            fail_level: args.fail_level.map(fail_level),
            context: args.context.clone(),
            target: args.target.clone(),
            base_platforms: None,
            root_user_strict: args
                .select
                .iter()
                .chain(&args.extend_select)
                .flat_map(|a| a.split(','))
                .any(crate::settings::is_strict_form),
        })
    }

    pub fn apply(&self, mut s: Settings) -> Settings {
        if let Some((rules, codes)) = &self.select {
            s.select(rules);
            s.select_codes(codes);
        }
        s.extend_select(&self.extend_select.0);
        s.extend_select_codes(&self.extend_select.1);
        s.ignore(&self.ignore.0);
        s.ignore_codes(&self.ignore.1);
        if let Some(f) = self.fail_level {
            s.fail_level = f;
        }
        if let Some(c) = &self.context {
            s.context = Some(c.clone());
        }
        if let Some(t) = &self.target {
            s.target = Some(t.clone());
        }
        if let Some(b) = &self.base_platforms {
            s.options.base_platforms = Some(b.clone());
        }
        s.options.root_user_strict |= self.root_user_strict;
        s
    }
}

fn fail_level(f: FailLevel) -> Option<Severity> {
    match f {
        FailLevel::Error => Some(Severity::Error),
        FailLevel::Warning => Some(Severity::Warning),
        FailLevel::Info => Some(Severity::Info),
        FailLevel::Style => Some(Severity::Style),
        FailLevel::None => None,
    }
}

/// Rule indices and sub-codes (`SC2086`) named by a flag.
fn resolve_cli_names(names: &[String], flag: &str) -> Result<(Vec<usize>, Vec<String>), String> {
    let (codes, names) = crate::settings::split_sub_codes(names);
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        match resolve_selector(n) {
            Some(r) => out.extend(r),
            None => {
                let hint = crate::rules::did_you_mean(n)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "--{flag}: unknown rule `{n}`{hint} (see `dlint rules`)"
                ));
            }
        }
    }
    Ok((out, codes))
}

/// Flag combinations that make no sense: one line, exit 2.
fn check_args(args: &LintArgs) -> Result<(), String> {
    if args.pin_digests && !(args.fix || args.diff) {
        return Err("--pin-digests needs --fix or --diff".into());
    }
    if !(args.pin_timeout.is_finite() && (0.0..=86_400.0).contains(&args.pin_timeout)) {
        return Err("--pin-timeout must be a number of seconds from 0 to 86400".into());
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        return Err("--unsafe-fixes needs --fix or --diff".into());
    }
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if args.stdin_filename.is_some() && !reads_stdin {
        return Err(
            "--stdin-filename names standard input: give `-` as the path to read it".into(),
        );
    }
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err("`-` (standard input) can be given once".into());
    }
    if let Some(c) = &args.context {
        if !c.is_dir() {
            return Err(format!("--context {}: not a directory", c.display()));
        }
    }
    Ok(())
}

/// `--check-base-platforms`: reads every input once for its base images and
/// asks their registries (each image once); failures are reported, not fatal.
fn base_platforms(
    inputs: &[Input],
    stdin: &Option<Result<String, crate::source::ReadError>>,
    deadline: std::time::Duration,
    err: &mut dyn Write,
) -> crate::registry::BasePlatforms {
    let mut refs = Vec::new();
    for i in inputs {
        let text = match i {
            Input::Stdin => stdin.as_ref().and_then(|r| r.as_ref().ok()).cloned(),
            Input::File(p) => crate::source::read_source(p).ok(),
            Input::Missing(..) => None,
        };
        if let Some(t) = text {
            refs.extend(crate::registry::base_images(&crate::model::Model::build(
                &t,
            )));
        }
    }
    refs.sort();
    refs.dedup();
    let t = crate::pin::HttpTransport::new();
    let found = crate::registry::resolve(&t, &refs, deadline);
    for (r, a) in &found.images {
        if let Err(e) = a {
            // Registry text may be in `e`: `say` escapes control characters.
            say(err, &format!("--check-base-platforms: {r}: {e}"));
        }
    }
    found
}

/// `--config` or `--isolated`: the settings every file gets.
fn fixed_settings(args: &LintArgs) -> Result<Option<Settings>, ConfigError> {
    if args.isolated {
        return Ok(Some(Settings::default()));
    }
    match &args.config {
        None => Ok(None),
        // config::load reads regular files only and says why it cannot
        // (no such file, a FIFO, a directory, too large).
        Some(p) => config::load(p).map(Some),
    }
}

pub fn cmd_lint(
    args: LintArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut overrides = match Overrides::from_args(&args).and_then(|o| check_args(&args).map(|_| o))
    {
        Ok(o) => o,
        Err(e) => {
            say(err, &e.to_string());
            return EXIT_ERROR;
        }
    };
    let fixed = match fixed_settings(&args) {
        Ok(f) => f,
        Err(e) => {
            say(err, &format!("bad config: {e}"));
            return EXIT_ERROR;
        }
    };
    let mut had_error = false;
    let inputs = discover(&args.paths, err, &mut had_error);
    let reads_stdin = inputs.iter().any(|i| matches!(i, Input::Stdin));
    let stdin_text = reads_stdin.then(|| crate::source::read_stdin(stdin));
    if args.check_base_platforms {
        overrides.base_platforms = Some(std::sync::Arc::new(base_platforms(
            &inputs,
            &stdin_text,
            std::time::Duration::from_secs_f64(args.pin_timeout),
            err,
        )));
    }
    let fix = (args.fix || args.diff).then_some(FixMode {
        opts: FixOptions {
            unsafe_fixes: args.unsafe_fixes,
        },
        write: args.fix,
    });
    // One deadline and one answer per image for the whole run.
    let pinner = args
        .pin_digests
        .then(|| crate::pin::Pinner::new(std::time::Duration::from_secs_f64(args.pin_timeout)));
    let jobs = Jobs {
        fixed,
        configs: Default::default(),
        contexts: Default::default(),
        overrides: &overrides,
        fix,
        pinner: pinner.as_ref(),
        stdin_filename: args.stdin_filename.as_deref(),
        stdin_text,
    };
    prefetch_shell_scripts(&jobs, &inputs, err);
    let mut results: Vec<JobResult> = inputs.par_iter().map(|i| jobs.run(i)).collect();

    let mut fixes_applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut any_diff = false;
    let mut changed_files: BTreeSet<PathBuf> = BTreeSet::new();
    for r in results.iter_mut() {
        for m in r.messages.drain(..) {
            say(err, &m.to_string());
        }
        let Some(o) = r.fix.take() else { continue };
        if args.diff {
            if o.original != o.fixed {
                any_diff = true;
                let path = &r.file.path;
                let _ = write!(
                    out,
                    "{}",
                    crate::fix::unified_diff(
                        &o.original,
                        &o.fixed,
                        &format!("a/{path}"),
                        &format!("b/{path}")
                    )
                );
            }
            for fc in &o.files {
                // Several Dockerfiles of one context ask for the same change.
                if changed_files.insert(fc.path().to_path_buf()) {
                    any_diff = true;
                    let _ = write!(out, "{}", file_change_diff(fc));
                }
            }
            continue;
        }
        if r.is_stdin {
            // `--fix` on standard input: the fixed text goes to stdout.
            let _ = write!(out, "{}", o.fixed);
        } else {
            for fc in &o.files {
                if !changed_files.insert(fc.path().to_path_buf()) {
                    continue;
                }
                if let Err(e) = crate::fix::apply_file_change(fc) {
                    say(
                        err,
                        &format!(
                            "{}: cannot write ({e}); left unchanged",
                            fc.path().display()
                        ),
                    );
                    r.error = true;
                }
            }
        }
        for (rule, n) in &o.applied {
            *fixes_applied.entry(rule).or_default() += n;
        }
    }

    let mut exit = EXIT_OK;
    let mut config_errors = BTreeSet::new();
    for r in &results {
        if r.error {
            had_error = true;
        }
        match &r.file.outcome {
            Outcome::Error(e) => {
                if let Some(cfg) = e.strip_prefix("bad config: ") {
                    // One line per bad config, not per file under it.
                    if config_errors.insert(cfg.to_string()) {
                        say(err, &format!("bad config: {cfg}"));
                    }
                } else if let Some(rest) = e.strip_prefix("internal error: ") {
                    say(err, &format!("internal error in {}: {rest}", r.file.path));
                } else {
                    say(err, &format!("{}: {e}", r.file.path));
                }
            }
            Outcome::Linted(rep) => {
                if let Some(level) = r.fail_level {
                    if rep.diagnostics.iter().any(|d| d.severity >= level) {
                        exit = EXIT_FINDINGS;
                    }
                }
            }
        }
    }
    if args.diff {
        return if had_error {
            EXIT_ERROR
        } else if any_diff {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        };
    }
    let format = args.format.unwrap_or(Format::Text);
    let opts = RenderOptions {
        color: match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        },
        statistics: args.statistics,
        quiet: args.quiet,
    };
    let files: Vec<_> = results.into_iter().map(|r| r.file).collect();
    let stdin_fixed = args.fix && reads_stdin;
    // With --fix on stdin the fixed text goes to stdout; findings to stderr.
    let rendered = if stdin_fixed {
        render::render(format, &files, &opts, err)
    } else {
        render::render(format, &files, &opts, out)
    };
    if let Err(e) = rendered {
        if e.kind() != io::ErrorKind::BrokenPipe {
            say(err, &format!("cannot write output: {e}"));
            return EXIT_ERROR;
        }
    }
    if args.fix && !args.quiet {
        let line = fix_summary(&fixes_applied);
        if stdin_fixed || format != Format::Text {
            let _ = writeln!(err, "{line}");
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    if had_error {
        EXIT_ERROR
    } else {
        exit
    }
}

/// Checks the shell scripts of every input with ShellCheck in one batch
/// before linting (the rule then reads the results), and says once when
/// ShellCheck cannot run.
fn prefetch_shell_scripts(jobs: &Jobs, inputs: &[Input], err: &mut dyn Write) {
    let found: Vec<(crate::shellcheck::Setting, Vec<String>)> = inputs
        .par_iter()
        .filter_map(|i| jobs.shell_scripts(i))
        .collect();
    let mut by_setting: Vec<(crate::shellcheck::Setting, Vec<&str>)> = Vec::new();
    for (setting, texts) in &found {
        match by_setting.iter_mut().find(|(s, _)| s == setting) {
            Some((_, v)) => v.extend(texts.iter().map(String::as_str)),
            None => by_setting.push((setting.clone(), texts.iter().map(String::as_str).collect())),
        }
    }
    for (setting, texts) in by_setting {
        if texts.is_empty() {
            continue;
        }
        match crate::shellcheck::ShellCheck::get(&setting) {
            Ok(runner) => runner.prefetch(&texts),
            Err(crate::shellcheck::Unavailable::Off) => {}
            Err(why) => {
                say(err, &format!("note: {}", why.describe()));
            }
        }
    }
}

fn fix_summary(applied: &BTreeMap<&'static str, usize>) -> String {
    let total: usize = applied.values().sum();
    if total == 0 {
        return "No fixes applied.".to_string();
    }
    let detail: Vec<String> = applied.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    format!(
        "Applied {total} fix{} ({}).",
        if total == 1 { "" } else { "es" },
        detail.join(", ")
    )
}

fn file_change_diff(fc: &FileChange) -> String {
    match fc {
        FileChange::Create { path, content } => {
            crate::fix::unified_diff("", content, "/dev/null", &format!("b/{}", path.display()))
        }
        FileChange::Append { path, content } => {
            let old = crate::source::read_regular(path, crate::source::MAX_SOURCE_BYTES)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let new = format!("{old}{content}");
            crate::fix::unified_diff(
                &old,
                &new,
                &format!("a/{}", path.display()),
                &format!("b/{}", path.display()),
            )
        }
    }
}
