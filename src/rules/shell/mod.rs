//! The shell code inside RUN: what RUN scripts do (the shell commands
//! inside RUN and the RUN an `ONBUILD` wraps, as opposed to the choice and
//! form of the instructions themselves), and ShellCheck's findings on them.
pub mod cd_instead_of_workdir;
pub mod curl_and_wget;
pub mod missing_pipefail;
pub mod pointless_command;
pub mod relink_bin_sh;
pub mod shellcheck;
pub mod useradd_without_no_log_init;
pub mod wget_without_progress;

use crate::model::{Base, ImageRef, Instruction, Kind, Model, ShellCommand};

/// A RUN to check: a RUN of the file, or the RUN inside an `ONBUILD`.
#[derive(Clone, Copy)]
pub struct RunSite<'a> {
    /// The RUN instruction (the trigger itself for `ONBUILD RUN`).
    pub run: &'a Instruction,
    /// The instruction of the file that holds it (the `ONBUILD`, or `run`).
    pub holder: &'a Instruction,
}

impl RunSite<'_> {
    /// Whether this RUN runs in a child image (`ONBUILD RUN`).
    pub fn is_trigger(&self) -> bool {
        !std::ptr::eq(self.run, self.holder)
    }
}

/// Every RUN of the file, with `ONBUILD RUN` triggers, in file order.
pub fn run_sites(instructions: &[Instruction]) -> impl Iterator<Item = RunSite<'_>> {
    instructions.iter().filter_map(|i| match i.kind {
        Kind::Run => Some(RunSite { run: i, holder: i }),
        Kind::Onbuild => i
            .trigger
            .as_deref()
            .filter(|t| t.kind == Kind::Run)
            .map(|t| RunSite { run: t, holder: i }),
        _ => None,
    })
}

/// Whether the RUN text (line or heredoc bodies) has one of `words` as a
/// whole word (not inside `https` or `abcd`): a cheap test before the
/// shell parse.
pub fn mentions_word(run: &Instruction, words: &[&str]) -> bool {
    fn in_text(text: &str, w: &str) -> bool {
        let b = text.as_bytes();
        let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
        let mut from = 0;
        while let Some(off) = text.get(from..).and_then(|t| crate::text::find(t, w)) {
            let at = from + off;
            let end = at + w.len();
            let before_ok = at == 0 || !word_char(b[at - 1]);
            let after_ok = end >= b.len() || !word_char(b[end]);
            if before_ok && after_ok {
                return true;
            }
            from = end;
        }
        false
    }
    let line = run.args_text();
    words
        .iter()
        .any(|w| in_text(line, w) || run.heredocs.iter().any(|h| in_text(&h.content, w)))
}

/// Whether one of `words` appears where a command name can: at the start
/// of a line, after `;`, `&`, `|`, `(`, `` ` ``, `{`, or after `sudo`, `then`,
/// `do`, `else`, `exec`, `command`, `time`, `nohup` (spaces between). A
/// cheap test before the shell parse; the parse decides.
pub fn mentions_command(run: &Instruction, words: &[&str]) -> bool {
    // Offsets come from `find` and step back only over ASCII bytes; a
    // suffix cut from `before` is one it ends with: char boundaries.
    #[allow(clippy::string_slice)]
    fn in_text(text: &str, w: &str) -> bool {
        let b = text.as_bytes();
        let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.';
        let mut from = 0;
        while let Some(off) = text.get(from..).and_then(|t| crate::text::find(t, w)) {
            let at = from + off;
            let end = at + w.len();
            from = end;
            if end < b.len() && word_char(b[end]) {
                continue;
            }
            // Step back over spaces and a path (`/usr/bin/wget`).
            let mut i = at;
            while i > 0
                && (b[i - 1].is_ascii_alphanumeric()
                    || matches!(b[i - 1], b'/' | b'_' | b'-' | b'.'))
            {
                if b[i - 1] != b'/' && !text[..at].ends_with('/') {
                    break;
                }
                i -= 1;
            }
            if i > 0 && i == at && word_char(b[i - 1]) {
                continue;
            }
            let before = text[..i].trim_end_matches([' ', '\t']);
            if before.is_empty()
                || before.ends_with([';', '&', '|', '(', '`', '{', '\n', '!'])
                || [
                    "sudo", "then", "do", "else", "exec", "command", "time", "nohup", "xargs",
                    "if", "elif", "while", "until",
                ]
                .iter()
                .any(|k| {
                    before.ends_with(k)
                        && before[..before.len() - k.len()]
                            .chars()
                            .last()
                            .is_none_or(|c| !c.is_ascii_alphanumeric())
                })
            {
                return true;
            }
        }
        false
    }
    let line = run.args_text();
    words
        .iter()
        .any(|w| in_text(line, w) || run.heredocs.iter().any(|h| in_text(&h.content, w)))
}

/// Whether the RUN text has a `|` that is no part of `||` and not inside
/// single quotes: a cheap test for a pipeline before the shell parse
/// (double quotes may hold `$( … | … )`, so they do not hide one).
pub fn has_pipe_char(run: &Instruction) -> bool {
    fn scan(t: &str) -> bool {
        let b = t.as_bytes();
        let mut i = 0;
        let mut sq = false;
        while i < b.len() {
            match b[i] {
                b'\\' if !sq => i += 1,
                b'\'' => sq = !sq,
                b'|' if !sq => {
                    if b.get(i + 1) == Some(&b'|') {
                        i += 1;
                    } else {
                        return true;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        false
    }
    scan(run.args_text()) || run.heredocs.iter().any(|h| scan(&h.content))
}

/// Every simple command of a RUN's scripts (inline and heredoc bodies).
pub fn commands(run: &Instruction) -> impl Iterator<Item = &ShellCommand> {
    run.run().into_iter().flat_map(|r| r.commands())
}

/// The shells an image has, as far as dlint knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageShell {
    /// A glibc distribution (Debian, Ubuntu, the Red Hat family, the
    /// official language images built on them): `/bin/bash` and GNU tools.
    Bash,
    /// Alpine: BusyBox `ash` as `/bin/sh` and `/bin/ash`, BusyBox tools.
    Ash,
    /// No shell (scratch, distroless, chiseled) or only BusyBox (`busybox`).
    Minimal,
    /// A Windows image: `cmd` by default.
    Windows,
    Unknown,
}

/// Official images built on a glibc distribution with bash.
const GLIBC_IMAGES: &[&str] = &[
    "debian",
    "ubuntu",
    "python",
    "golang",
    "ruby",
    "php",
    "node",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "rust",
    "perl",
    "buildpack-deps",
    "nginx",
    "httpd",
    "maven",
    "gradle",
    "elixir",
    "erlang",
    "haskell",
    "julia",
    "r-base",
    "swift",
    "clojure",
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "tomcat",
    "jetty",
    "gcc",
    "bash",
];

/// Whether an official image's short name (`python`, `postgres`) is one
/// built on a glibc distribution with bash and GNU tools.
pub fn is_glibc_official_image(name: &str) -> bool {
    GLIBC_IMAGES.contains(&name)
}

/// Whether an image reference names a Windows image.
pub fn is_windows_image(r: &ImageRef) -> bool {
    let all = format!("{}:{}", r.name(), r.tag.as_deref().unwrap_or("")).to_ascii_lowercase();
    all.contains("windows")
        || all.contains("nanoserver")
        || all.contains("servercore")
        || all.contains("ltsc20")
        // .NET Framework runs only on Windows: its images' tags (`4.8.1`)
        // name no Windows version.
        || (r.registry_or_default().eq_ignore_ascii_case("mcr.microsoft.com")
            && r.full_path().to_ascii_lowercase().starts_with("dotnet/framework/"))
}

/// What shells an image reference provides.
pub fn image_shell(r: &ImageRef) -> ImageShell {
    if is_windows_image(r) {
        return ImageShell::Windows;
    }
    let tag = r.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let path = r.full_path().to_ascii_lowercase();
    let reg = r.registry_or_default().to_ascii_lowercase();
    if path.contains("distroless") || tag.contains("distroless") || tag.contains("chiseled") {
        return ImageShell::Minimal;
    }
    if r.is_docker_hub() {
        let name = r.short_name().to_ascii_lowercase();
        if !path.starts_with("library/") {
            return ImageShell::Unknown;
        }
        if name == "busybox" {
            return ImageShell::Minimal;
        }
        if name == "alpine" || tag.contains("alpine") {
            return ImageShell::Ash;
        }
        if name == "bash" {
            // The official bash image is Alpine with bash added.
            return ImageShell::Bash;
        }
        if GLIBC_IMAGES.contains(&name.as_str()) {
            return ImageShell::Bash;
        }
        return ImageShell::Unknown;
    }
    if reg == "mcr.microsoft.com" && path.starts_with("dotnet/") {
        if tag.contains("alpine") {
            return ImageShell::Ash;
        }
        if tag.contains("mariner") || tag.contains("azurelinux") {
            return ImageShell::Unknown;
        }
        return ImageShell::Bash;
    }
    if matches!(
        reg.as_str(),
        "registry.access.redhat.com" | "registry.redhat.io"
    ) && (path.starts_with("ubi") || path.contains("/ubi"))
    {
        if path.contains("micro") {
            return ImageShell::Minimal;
        }
        return ImageShell::Bash;
    }
    ImageShell::Unknown
}

/// The shells a stage's base provides, following `FROM <stage>`.
pub fn stage_image_shell(m: &Model, stage: usize) -> ImageShell {
    let mut s = stage;
    for _ in 0..64 {
        match &m.stages[s].base {
            Base::Stage(p) if *p < s => s = *p,
            Base::Scratch => return ImageShell::Minimal,
            Base::Image(r) => return image_shell(r),
            _ => return ImageShell::Unknown,
        }
    }
    ImageShell::Unknown
}

/// Where a package (`wget`, `bash`) is installed (`apk add`, `apt-get
/// install`, `yum` / `dnf install`): per stage, the first instruction that
/// installs it, and whether a stage it is built on does. Computed once per
/// rule run, in one pass: asking per RUN walked the stage each time.
pub struct Installs {
    first: Vec<Option<usize>>,
    inherited: Vec<bool>,
}

impl Installs {
    pub fn of(m: &Model, pkg: &str) -> Installs {
        let mut first = Vec::with_capacity(m.stages.len());
        let mut inherited = Vec::with_capacity(m.stages.len());
        for st in &m.stages {
            first.push(
                m.stage_instructions(st.index)
                    .find(|i| installs(i, pkg))
                    .map(|i| i.index),
            );
            inherited.push(match st.base {
                Base::Stage(p) if p < st.index => inherited[p] || first[p].is_some(),
                _ => false,
            });
        }
        Installs { first, inherited }
    }

    /// Whether the package is installed in the stage, or a stage it is
    /// built on, before the instruction `before`.
    pub fn before(&self, stage: usize, before: usize) -> bool {
        self.inherited.get(stage) == Some(&true)
            || self
                .first
                .get(stage)
                .copied()
                .flatten()
                .is_some_and(|i| i < before)
    }
}

fn installs(i: &Instruction, pkg: &str) -> bool {
    i.kind == Kind::Run
        && i.mentions(&[pkg])
        && commands(i).any(|c| {
            let installs = matches!(
                (c.program(), c.subcommand()),
                (Some("apk"), Some("add"))
                    | (
                        Some("apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper"),
                        Some("install" | "in")
                    )
            );
            installs && c.args().iter().any(|a| a.text() == pkg)
        })
}

/// The shell a SHELL instruction (or the default) runs RUN with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunShell {
    /// A POSIX shell: its argv (`["/bin/sh", "-c"]`), whether it sets
    /// `-o pipefail`, and the SHELL instruction that set it (None: the
    /// default).
    Posix {
        argv: Vec<String>,
        pipefail: bool,
        set_by: Option<usize>,
    },
    /// PowerShell or cmd: pipes mean something else.
    NonPosix,
}

impl RunShell {
    /// The default shell of a stage whose base image provides `image`.
    fn default_for(image: ImageShell) -> RunShell {
        if image == ImageShell::Windows {
            return RunShell::NonPosix;
        }
        RunShell::Posix {
            argv: vec!["/bin/sh".into(), "-c".into()],
            pipefail: false,
            set_by: None,
        }
    }

    /// The shell a SHELL instruction sets (None: not JSON, or empty).
    pub fn of_instruction(inst: &Instruction) -> Option<RunShell> {
        if inst.kind != Kind::Shell || !inst.json || inst.args.is_empty() {
            return None;
        }
        let argv: Vec<String> = inst.args.iter().map(|a| a.value.clone()).collect();
        let prog = argv[0].rsplit(['/', '\\']).next().unwrap_or("");
        let prog = prog.to_ascii_lowercase();
        if ["pwsh", "powershell", "cmd"]
            .iter()
            .any(|p| prog.starts_with(p))
        {
            return Some(RunShell::NonPosix);
        }
        Some(RunShell::Posix {
            pipefail: sets_pipefail(&argv[1..]),
            argv,
            set_by: Some(inst.index),
        })
    }

    pub fn has_pipefail(&self) -> bool {
        matches!(self, RunShell::Posix { pipefail: true, .. })
    }
}

/// Whether shell options (`-o pipefail`, `-eo pipefail`, `-euxo pipefail`)
/// turn pipefail on.
pub fn sets_pipefail(args: &[String]) -> bool {
    args.windows(2).any(|w| {
        let o = w[0].as_str();
        o.starts_with('-') && !o.starts_with("--") && o.contains('o') && w[1] == "pipefail"
    }) || args.iter().any(|a| a == "-opipefail")
}

/// The shell each RUN of a stage runs with, at the end of the stage (what
/// an image built from it, or an `ONBUILD RUN`, inherits).
pub fn shell_at_end(m: &Model, stage: usize) -> RunShell {
    shell_before(m, stage, usize::MAX)
}

/// `shell_before` for every instruction and `shell_at_end` for every stage,
/// computed in one pass over the stages (bases come before the stages
/// built on them). A rule that asks for each RUN uses this: `shell_before`
/// walks the stage on each call, quadratic over thousands of RUNs.
pub struct Shells {
    shells: Vec<RunShell>,
    /// Instruction → index in `shells` (None: before any FROM).
    before: Vec<Option<usize>>,
    /// Stage → index in `shells`.
    end: Vec<usize>,
    /// Stage → the shells its base image provides ([`stage_image_shell`]).
    images: Vec<ImageShell>,
}

impl Shells {
    pub fn of(m: &Model) -> Shells {
        let mut out = Shells {
            shells: Vec::new(),
            before: vec![None; m.instructions.len()],
            end: Vec::with_capacity(m.stages.len()),
            images: Vec::with_capacity(m.stages.len()),
        };
        for st in &m.stages {
            let image = stage_image_shell(m, st.index);
            out.images.push(image);
            let mut current = match st.base {
                Base::Stage(p) if p < st.index => out.end[p],
                _ => {
                    out.shells.push(RunShell::default_for(image));
                    out.shells.len() - 1
                }
            };
            for &i in &st.instructions {
                if let Some(slot) = out.before.get_mut(i) {
                    *slot = Some(current);
                }
                if let Some(sh) = RunShell::of_instruction(&m.instructions[i]) {
                    out.shells.push(sh);
                    current = out.shells.len() - 1;
                }
            }
            out.end.push(current);
        }
        out
    }

    /// The shell the instruction with this index runs with (for a SHELL,
    /// the one before it).
    pub fn before(&self, instruction: usize) -> Option<&RunShell> {
        self.before
            .get(instruction)
            .copied()
            .flatten()
            .map(|k| &self.shells[k])
    }

    /// The shells the stage's base image provides.
    pub fn image(&self, stage: usize) -> ImageShell {
        self.images
            .get(stage)
            .copied()
            .unwrap_or(ImageShell::Unknown)
    }

    /// The shell at the end of the stage.
    pub fn at_end(&self, stage: usize) -> Option<&RunShell> {
        self.end.get(stage).map(|&k| &self.shells[k])
    }
}

/// The shell a RUN at instruction index `before` runs with: the stage's
/// last SHELL before it, else the shell the stage inherits (`FROM <stage>`
/// keeps that stage's SHELL), else the default.
pub fn shell_before(m: &Model, stage: usize, before: usize) -> RunShell {
    let mut s = stage;
    let mut limit = before;
    for _ in 0..64 {
        let found = m
            .stage_instructions(s)
            .filter(|i| i.index < limit && i.kind == Kind::Shell)
            .filter_map(RunShell::of_instruction)
            .last();
        if let Some(sh) = found {
            return sh;
        }
        match m.stages[s].base {
            Base::Stage(p) if p < s => {
                s = p;
                limit = usize::MAX;
            }
            _ => return RunShell::default_for(stage_image_shell(m, s)),
        }
    }
    RunShell::default_for(stage_image_shell(m, stage))
}
