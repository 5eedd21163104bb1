//! The command-line interface.

//!
//! One module per subcommand, as ruff's `commands`: [`lint`] (with
//! [`discover`] and [`job`]), [`rules`], [`inspect`], [`layers`]; the server
//! lives in `crate::server`.

mod discover;
mod inspect;
mod job;
mod layers;
mod lint;
mod rules;

use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::Format;

pub use discover::{display_path, is_dockerfile_name};
pub use rules::rules_markdown;

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
        /// The stage that is built (`docker build --target`); stages it
        /// does not need are shown as not built.
        #[arg(long, value_name = "STAGE")]
        target: Option<String>,
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
    /// Run only these rules (codes, names, aliases, categories, ALL, or
    /// hadolint for hadolint's default set; comma-separated or repeated).
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
    /// Ask each base image's registry which platforms the image has, for
    /// `base-image-platform-mismatch` (uses the network).
    #[arg(long)]
    pub check_base_platforms: bool,
    /// With --pin-digests or --check-base-platforms: seconds the whole run
    /// may wait for registries (images are asked in parallel; what has not
    /// answered by then is reported: its file is left unchanged, its
    /// platforms are not checked).
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub pin_timeout: f64,
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
        Some(Command::Rules { format }) => rules::cmd_rules(format, stdout),
        Some(Command::Rule { name }) => rules::cmd_rule(&name, stdout, stderr),
        Some(Command::Inspect { files, format }) => {
            inspect::cmd_inspect(&files, format, stdout, stderr)
        }
        Some(Command::Server) => crate::server::run_stdio(),
        Some(Command::Layers {
            file,
            changed,
            context,
            target,
            format,
        }) => layers::cmd(
            &file,
            &changed,
            context.as_deref(),
            target.as_deref(),
            format == ListFormat::Json,
            stdout,
            stderr,
        ),
        None => lint::cmd_lint(cli.lint, stdin, stdout, stderr),
    };
    let _ = stdout.flush();
    code
}

/// Writes a `dlint: …` message to stderr with the control characters of
/// `msg` escaped (line breaks excepted: a config error quotes the lines it
/// points at): messages name files, and a file name from an untrusted
/// repository may hold terminal escapes.
pub(crate) fn say(err: &mut dyn Write, msg: &str) {
    let safe: Vec<_> = msg.split('\n').map(crate::text::escape).collect();
    let _ = writeln!(err, "dlint: {}", safe.join("\n"));
}
