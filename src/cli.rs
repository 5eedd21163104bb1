//! The command-line interface.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::analysis::{analyze, load_context};
use crate::config::{self, ConfigCache, ConfigError};
use crate::diagnostic::Severity;
use crate::render::{self, FileResult, Format, Outcome, RenderOptions};
use crate::rules::REGISTRY;
use crate::settings::{resolve_selector, Settings};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "dlint",
    version = env!("DLINT_VERSION"),
    about = "A Dockerfile linter and optimizer: BuildKit-faithful parsing, findings that explain themselves, fixes that are right.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every rule (code, name, severity, fix, aliases).
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's documentation (by code, name or alias).
    Rule { name: String },
    /// Run the language server on stdin/stdout (LSP).
    Server,
    /// Show each stage's layers, what each COPY/ADD depends on, and what a
    /// change to a file re-runs.
    Layers {
        file: PathBuf,
        /// A context path that changed: show from which step the build re-runs.
        #[arg(long, value_name = "PATH")]
        changed: Vec<String>,
        /// The build context (default: the Dockerfile's directory).
        #[arg(long, value_name = "DIR")]
        context: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the instructions as dlint's model reads them (BuildKit's shape).
    Inspect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
    /// The rule index page (docs/rules.md).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
    Info,
    Style,
    None,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Dockerfiles or directories (searched recursively, honouring
    /// .gitignore). `-` reads standard input. Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Run only these rules (codes, names, aliases, categories or ALL;
    /// comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Run these rules in addition to the selected ones.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Do not run these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_enum)]
    pub fail_level: Option<FailLevel>,
    /// Print findings only, no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how often each rule fired.
    #[arg(long)]
    pub statistics: bool,
    /// The build context directory, for context-aware rules (default: the
    /// Dockerfile's directory).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// The stage that is built (`docker build --target`).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Use this config file for every file.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Ignore all config files.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
    /// The file name to report for standard input.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Colored output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Apply safe fixes (re-linting until stable) and write the files.
    #[arg(long)]
    pub fix: bool,
    /// Also apply unsafe fixes (with --fix or --diff).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print what --fix would change as a unified diff; write nothing.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// With --fix or --diff: ask each image's registry for the digest of its
    /// tag and pin `image:tag` as `image:tag@sha256:…` (uses the network).
    #[arg(long)]
    pub pin_digests: bool,
}

/// Runs the CLI with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    run(args, &mut io::stdin(), &mut io::stdout(), &mut io::stderr())
}

/// Runs the CLI. Separate from `main` so tests can drive it.
pub fn run(
    args: Vec<std::ffi::OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let text = e.render().to_string();
            if e.use_stderr() {
                let _ = write!(stderr, "{text}");
            } else {
                let _ = write!(stdout, "{text}");
            }
            return code;
        }
    };
    let code = match cli.command {
        Some(Command::Rules { format }) => cmd_rules(format, stdout),
        Some(Command::Rule { name }) => cmd_rule(&name, stdout, stderr),
        Some(Command::Inspect { files, format }) => cmd_inspect(&files, format, stdout, stderr),
        Some(Command::Server) => crate::server::run_stdio(),
        Some(Command::Layers {
            file,
            changed,
            context,
            format,
        }) => crate::layers::cmd(
            &file,
            &changed,
            context.as_deref(),
            format == ListFormat::Json,
            stdout,
            stderr,
        ),
        None => cmd_lint(cli.lint, stdin, stdout, stderr),
    };
    let _ = stdout.flush();
    code
}

fn cmd_rules(format: ListFormat, out: &mut dyn Write) -> i32 {
    match format {
        ListFormat::Json => {
            let metas: Vec<_> = REGISTRY
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "code": e.meta.code,
                        "name": e.meta.name,
                        "category": e.meta.category,
                        "severity": e.meta.severity,
                        "fix": e.meta.fix,
                        "aliases": e.meta.aliases,
                        "summary": e.meta.summary,
                        "default_enabled": e.meta.default_enabled,
                        "url": e.meta.doc_url(),
                    })
                })
                .collect();
            let _ = serde_json::to_writer_pretty(&mut *out, &metas);
            let _ = writeln!(out);
        }
        ListFormat::Markdown => {
            let _ = write!(out, "{}", rules_markdown());
        }
        ListFormat::Text => {
            let alias_text = |m: &crate::rules::RuleMeta| {
                if m.aliases.is_empty() {
                    "-".to_string()
                } else {
                    m.aliases.join(",")
                }
            };
            let name_w = REGISTRY
                .iter()
                .map(|e| e.meta.name.len())
                .max()
                .unwrap_or(4);
            let alias_w = REGISTRY
                .iter()
                .map(|e| alias_text(e.meta).len())
                .max()
                .unwrap_or(7);
            let _ = writeln!(
                out,
                "{:<5} {:<nw$} {:<8} {:<9} {:<aw$} summary",
                "code",
                "name",
                "severity",
                "fix",
                "aliases",
                nw = name_w,
                aw = alias_w
            );
            for e in REGISTRY {
                let m = e.meta;
                let fix = match m.fix {
                    crate::rules::FixAvailability::None => "-",
                    crate::rules::FixAvailability::Sometimes => "sometimes",
                    crate::rules::FixAvailability::Always => "yes",
                };
                let sev = if m.default_enabled {
                    m.severity.as_str().to_string()
                } else {
                    format!("({})", m.severity.as_str())
                };
                let _ = writeln!(
                    out,
                    "{:<5} {:<nw$} {:<8} {:<9} {:<aw$} {}",
                    m.code,
                    m.name,
                    sev,
                    fix,
                    alias_text(m),
                    m.summary,
                    nw = name_w,
                    aw = alias_w
                );
            }
            let _ = writeln!(
                out,
                "\nSeverity in parentheses: off unless selected. Details: dlint rule <name>"
            );
        }
    }
    EXIT_OK
}

/// The rule index page, generated from the registry (`dlint rules --format
/// markdown`); docs/rules.md is this text, checked by a test.
pub fn rules_markdown() -> String {
    let mut s = String::from(
        "# Rules\n\n<!-- Generated by `dlint rules --format markdown`; a test fails when this page is stale. -->\n\n\
         Every rule has a page in [`rules/`](../rules/) (also `dlint rule <name>`). Rules are named by code, name or alias \
         everywhere: `--select`, `--ignore`, `dlint.toml`, `# dlint ignore=`, `# hadolint ignore=`.\n\n\
         | Code | Name | Category | Severity | Fix | Aliases | Default | Summary |\n|---|---|---|---|---|---|---|---|\n",
    );
    for e in REGISTRY {
        let m = e.meta;
        let fix = match m.fix {
            crate::rules::FixAvailability::None => "—",
            crate::rules::FixAvailability::Sometimes => "sometimes",
            crate::rules::FixAvailability::Always => "yes",
        };
        let aliases = if m.aliases.is_empty() {
            "—".to_string()
        } else {
            m.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "| {} | [`{}`](../rules/{}.md) | {} | {} | {} | {} | {} | {} |\n",
            m.code,
            m.name,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            fix,
            aliases,
            if m.default_enabled { "on" } else { "off" },
            m.summary.replace('|', "\\|")
        ));
    }
    s
}

fn cmd_rule(name: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match crate::rules::find(name) {
        Some(e) => {
            let _ = write!(out, "{}", e.doc);
            if !e.doc.ends_with('\n') {
                let _ = writeln!(out);
            }
            EXIT_OK
        }
        None => {
            let _ = writeln!(err, "dlint: unknown rule `{name}` (see `dlint rules`)");
            EXIT_ERROR
        }
    }
}

/// Reads a file for linting: one clear reason when it cannot be.
pub fn read_source(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    })?;
    if meta.is_dir() {
        return Err("is a directory, not a Dockerfile".into());
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    })?;
    decode(bytes)
}

fn decode(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes), not a Dockerfile".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn cmd_inspect(
    files: &[PathBuf],
    format: ListFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut code = EXIT_OK;
    let mut reports = Vec::new();
    for f in files {
        match read_source(f) {
            Ok(src) => {
                let doc = crate::syntax::parse_document(&src);
                reports.push(crate::inspect::inspect(&f.to_string_lossy(), &doc));
            }
            Err(e) => {
                let _ = writeln!(err, "dlint: {}: {e}", f.display());
                code = EXIT_ERROR;
            }
        }
    }
    match format {
        ListFormat::Json => {
            let _ = serde_json::to_writer(&mut *out, &reports);
            let _ = writeln!(out);
        }
        ListFormat::Text | ListFormat::Markdown => {
            for r in &reports {
                let _ = writeln!(out, "{}:", r.file);
                for i in &r.instructions {
                    let flags = if i.flags.is_empty() {
                        String::new()
                    } else {
                        format!(" {:?}", i.flags)
                    };
                    let _ = writeln!(
                        out,
                        "  {}-{} {}{}{} {:?}{}",
                        i.start_line,
                        i.end_line,
                        i.cmd,
                        i.sub_cmd
                            .as_ref()
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default(),
                        flags,
                        i.value,
                        if i.heredocs.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " heredocs={:?}",
                                i.heredocs.iter().map(|h| &h.name).collect::<Vec<_>>()
                            )
                        }
                    );
                }
                for e in &r.errors {
                    let _ = writeln!(out, "  error: line {}: {}", e.line, e.message);
                }
            }
        }
    }
    code
}

/// Whether a file name looks like a Dockerfile.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
        || lower.starts_with("containerfile.")
        || lower.ends_with(".containerfile")
}

enum Input {
    File(PathBuf),
    Stdin,
    Missing(PathBuf, String),
}

fn discover(paths: &[PathBuf], err: &mut dyn Write, had_error: &mut bool) -> Vec<Input> {
    let mut out = Vec::new();
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if p.is_dir() {
            let mut found = Vec::new();
            let walker = ignore::WalkBuilder::new(&p)
                .hidden(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file())
                            && is_dockerfile_name(&e.file_name().to_string_lossy())
                        {
                            found.push(e.into_path());
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(err, "dlint: {e}");
                        *had_error = true;
                    }
                }
            }
            found.sort();
            if found.is_empty() {
                let _ = writeln!(
                    err,
                    "dlint: {}: no Dockerfiles found in this directory",
                    p.display()
                );
                *had_error = true;
            }
            out.extend(found.into_iter().map(Input::File));
        } else if p.exists() || p.is_symlink() {
            out.push(Input::File(p));
        } else {
            out.push(Input::Missing(p, "no such file or directory".into()));
        }
    }
    out
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

/// CLI overrides applied on top of a file's settings.
struct Overrides {
    select: Option<Vec<usize>>,
    extend_select: Vec<usize>,
    ignore: Vec<usize>,
    fail_level: Option<Option<Severity>>,
    context: Option<PathBuf>,
    target: Option<String>,
}

impl Overrides {
    fn apply(&self, mut s: Settings) -> Settings {
        if let Some(sel) = &self.select {
            s.select(sel);
        }
        s.extend_select(&self.extend_select);
        s.ignore(&self.ignore);
        if let Some(f) = self.fail_level {
            s.fail_level = f;
        }
        if let Some(c) = &self.context {
            s.context = Some(c.clone());
        }
        if let Some(t) = &self.target {
            s.target = Some(t.clone());
        }
        s
    }
}

fn resolve_cli_names(names: &[String], flag: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        match resolve_selector(n) {
            Some(r) => out.extend(r),
            None => return Err(format!("--{flag}: unknown rule `{n}` (see `dlint rules`)")),
        }
    }
    Ok(out)
}

fn cmd_lint(args: LintArgs, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let overrides = match (|| -> Result<Overrides, String> {
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
        })
    })() {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "dlint: {e}");
            return EXIT_ERROR;
        }
    };
    if args.pin_digests && !(args.fix || args.diff) {
        let _ = writeln!(err, "dlint: --pin-digests needs --fix or --diff");
        return EXIT_ERROR;
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        let _ = writeln!(err, "dlint: --unsafe-fixes needs --fix or --diff");
        return EXIT_ERROR;
    }
    if let Some(c) = &args.context {
        if !c.is_dir() {
            let _ = writeln!(err, "dlint: --context {}: not a directory", c.display());
            return EXIT_ERROR;
        }
    }
    let fixed: Option<Result<Settings, ConfigError>> = if args.isolated {
        Some(Ok(Settings::default()))
    } else {
        args.config.as_ref().map(|p| {
            if !p.is_file() {
                Err(ConfigError {
                    path: p.clone(),
                    line: None,
                    message: "no such config file".into(),
                })
            } else {
                config::load(p)
            }
        })
    };
    if let Some(Err(e)) = &fixed {
        let _ = writeln!(err, "dlint: bad config: {e}");
        return EXIT_ERROR;
    }
    let cache = ConfigCache::default();
    let contexts = crate::context::ContextCache::default();
    let mut had_error = false;
    let inputs = discover(&args.paths, err, &mut had_error);

    // Read stdin up front (once).
    let mut stdin_text: Option<Result<String, String>> = None;
    if inputs.iter().any(|i| matches!(i, Input::Stdin)) {
        let mut buf = Vec::new();
        stdin_text = Some(match stdin.read_to_end(&mut buf) {
            Ok(_) => decode(buf),
            Err(e) => Err(e.to_string()),
        });
    }
    let stdin_name = args
        .stdin_filename
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "-".to_string());

    let settings_for = |dir: &Path| -> Result<Settings, ConfigError> {
        let base = match &fixed {
            Some(Ok(s)) => s.clone(),
            Some(Err(e)) => return Err(e.clone()),
            None => match cache.for_dir(dir) {
                None => Settings::default(),
                Some(r) => r?,
            },
        };
        Ok(overrides.apply(base))
    };

    let jobs: Vec<(usize, &Input)> = inputs.iter().enumerate().collect();
    let fixing = args.fix || args.diff;
    let fix_opts = crate::fix::FixOptions {
        unsafe_fixes: args.unsafe_fixes,
    };
    let lint_one =
        |src: &str,
         path: Option<&Path>,
         settings: &Settings,
         ctx: Option<&crate::context::BuildContext>|
         -> Result<(crate::analysis::Report, Option<crate::fix::FixOutcome>), String> {
            if fixing {
                let mut o = crate::fix::fix_source(src, path, settings, ctx, fix_opts);
                if args.pin_digests {
                    match crate::pin::pin_source(&o.fixed) {
                        Ok(pinned) => {
                            let mut again =
                                crate::fix::fix_source(&pinned, path, settings, ctx, fix_opts);
                            again.original = src.to_string();
                            for (r, n) in o.applied {
                                *again.applied.entry(r).or_default() += n;
                            }
                            again.files.extend(o.files);
                            o = again;
                        }
                        Err(msgs) => return Err(msgs.join("; ")),
                    }
                }
                Ok((o.report.clone(), Some(o)))
            } else {
                Ok((analyze(src, path, settings, ctx), None))
            }
        };
    let results: Vec<JobResult> = jobs
        .par_iter()
        .map(|(_, input)| match input {
            Input::Missing(p, why) => (
                FileResult {
                    path: p.to_string_lossy().into_owned(),
                    outcome: Outcome::Error(why.clone()),
                },
                None,
                true,
                None,
            ),
            Input::Stdin => {
                let dir = args
                    .stdin_filename
                    .as_ref()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or_else(|| PathBuf::from("."));
                let settings = match settings_for(&dir) {
                    Ok(s) => s,
                    Err(e) => return config_error_result(&stdin_name, &e),
                };
                match stdin_text.as_ref().expect("read above") {
                    Ok(src) => {
                        // Stdin has a context only when one is given.
                        let ctx = settings
                            .context
                            .as_ref()
                            .filter(|c| c.is_dir())
                            .map(|c| contexts.load(c, args.stdin_filename.as_deref()));
                        let (rep, fixed) = match lint_one(
                            src,
                            args.stdin_filename.as_deref(),
                            &settings,
                            ctx.as_ref(),
                        ) {
                            Ok(x) => x,
                            Err(e) => return unfixable(&stdin_name, e),
                        };
                        (
                            FileResult {
                                path: stdin_name.clone(),
                                outcome: Outcome::Report(Box::new(rep)),
                            },
                            settings.fail_level,
                            false,
                            fixed,
                        )
                    }
                    Err(e) => (
                        FileResult {
                            path: stdin_name.clone(),
                            outcome: Outcome::Error(e.clone()),
                        },
                        None,
                        true,
                        None,
                    ),
                }
            }
            Input::File(p) => {
                let shown = p.to_string_lossy().into_owned();
                let dir = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let settings = match settings_for(dir) {
                    Ok(s) => s,
                    Err(e) => return config_error_result(&shown, &e),
                };
                match read_source(p) {
                    Ok(src) => {
                        let ctx = load_context(Some(p), &settings, &contexts);
                        let (rep, fixed) = match lint_one(&src, Some(p), &settings, ctx.as_ref()) {
                            Ok(x) => x,
                            Err(e) => return unfixable(&shown, e),
                        };
                        (
                            FileResult {
                                path: shown,
                                outcome: Outcome::Report(Box::new(rep)),
                            },
                            settings.fail_level,
                            false,
                            fixed,
                        )
                    }
                    Err(e) => (
                        FileResult {
                            path: shown,
                            outcome: Outcome::Error(e),
                        },
                        None,
                        true,
                        None,
                    ),
                }
            }
        })
        .collect();

    let mut exit = EXIT_OK;
    let mut file_results = Vec::with_capacity(results.len());
    let mut reported_config_errors = std::collections::BTreeSet::new();
    let mut fix_summary: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut any_diff = false;
    let mut created: std::collections::BTreeSet<PathBuf> = Default::default();
    let mut results = results;
    for (r, _, is_error, fixed) in results.iter_mut() {
        let Some(o) = fixed.take() else { continue };
        let is_stdin = r.path == stdin_name && inputs.iter().any(|i| matches!(i, Input::Stdin));
        for d in &o.dropped {
            let _ = writeln!(
                err,
                "dlint: {}: fix not applied ({}: {}): {}",
                r.path, d.rule, d.title, d.reason
            );
        }
        if args.diff {
            if o.original != o.fixed {
                any_diff = true;
                let _ = write!(
                    out,
                    "{}",
                    crate::fix::unified_diff(
                        &o.original,
                        &o.fixed,
                        &format!("a/{}", r.path),
                        &format!("b/{}", r.path)
                    )
                );
            }
            for fc in &o.files {
                if !created.insert(fc.path().to_path_buf()) {
                    continue;
                }
                any_diff = true;
                let _ = write!(out, "{}", file_change_diff(fc));
            }
            continue;
        }
        // --fix
        if is_stdin {
            let _ = write!(out, "{}", o.fixed);
        } else if o.original != o.fixed {
            if let Err(e) = crate::fix::write_atomic(Path::new(&r.path), &o.fixed) {
                let _ = writeln!(
                    err,
                    "dlint: {}: cannot write the fixed file ({e}); left unchanged",
                    r.path
                );
                *is_error = true;
                continue;
            }
        }
        for fc in &o.files {
            if is_stdin {
                continue;
            }
            // Several Dockerfiles of one context ask for the same change to
            // the same file: make it once.
            if !created.insert(fc.path().to_path_buf()) {
                continue;
            }
            if let Err(e) = crate::fix::apply_file_change(fc) {
                let path = match fc {
                    crate::diagnostic::FileChange::Create { path, .. }
                    | crate::diagnostic::FileChange::Append { path, .. } => path,
                };
                let _ = writeln!(
                    err,
                    "dlint: {}: cannot write ({e}); left unchanged",
                    path.display()
                );
                *is_error = true;
            }
        }
        if !*is_error {
            for (rule, n) in &o.applied {
                *fix_summary.entry(rule).or_default() += n;
            }
        }
    }
    for (r, level, is_error, _) in results {
        if is_error {
            had_error = true;
            if let Outcome::Error(e) = &r.outcome {
                if let Some(cfg) = e.strip_prefix("bad config: ") {
                    if reported_config_errors.insert(cfg.to_string()) {
                        let _ = writeln!(err, "dlint: bad config: {cfg}");
                    }
                } else {
                    let _ = writeln!(err, "dlint: {}: {e}", r.path);
                }
            }
        }
        if let (Outcome::Report(rep), Some(level)) = (&r.outcome, level) {
            if rep.diagnostics.iter().any(|d| d.severity >= level) {
                exit = EXIT_FINDINGS;
            }
        }
        file_results.push(r);
    }
    let format = args.format.unwrap_or(Format::Text);
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    };
    let opts = RenderOptions {
        color,
        statistics: args.statistics,
        quiet: args.quiet,
    };
    if args.diff {
        if had_error {
            return EXIT_ERROR;
        }
        return if any_diff { EXIT_FINDINGS } else { EXIT_OK };
    }
    let stdin_fixed = args.fix && inputs.iter().any(|i| matches!(i, Input::Stdin));
    // With --fix on stdin the fixed text goes to stdout; findings to stderr.
    let rendered = if stdin_fixed {
        render::render(format, &file_results, &opts, err)
    } else {
        render::render(format, &file_results, &opts, out)
    };
    if let Err(e) = rendered {
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "dlint: cannot write output: {e}");
            return EXIT_ERROR;
        }
    }
    if args.fix && !args.quiet {
        let total: usize = fix_summary.values().sum();
        let detail: Vec<String> = fix_summary
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        let line = if total == 0 {
            "No fixes applied.".to_string()
        } else {
            format!(
                "Applied {total} fix{} ({}).",
                if total == 1 { "" } else { "es" },
                detail.join(", ")
            )
        };
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

type JobResult = (
    FileResult,
    Option<Severity>,
    bool,
    Option<crate::fix::FixOutcome>,
);

fn config_error_result(path: &str, e: &ConfigError) -> JobResult {
    (
        FileResult {
            path: path.to_string(),
            outcome: Outcome::Error(format!("bad config: {e}")),
        },
        None,
        true,
        None,
    )
}

fn file_change_diff(fc: &crate::diagnostic::FileChange) -> String {
    match fc {
        crate::diagnostic::FileChange::Create { path, content } => {
            crate::fix::unified_diff("", content, "/dev/null", &format!("b/{}", path.display()))
        }
        crate::diagnostic::FileChange::Append { path, content } => {
            let old = std::fs::read_to_string(path).unwrap_or_default();
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

fn unfixable(path: &str, why: String) -> JobResult {
    (
        FileResult {
            path: path.to_string(),
            outcome: Outcome::Error(format!("left unchanged: {why}")),
        },
        None,
        true,
        None,
    )
}
