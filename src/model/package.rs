//! Package-manager commands in RUN, read one way for every rule: which tool
//! (apt-get, apt, aptitude, apk, yum, dnf, microdnf, tdnf, zypper, pip,
//! `python -m pip`, pipx, npm, yarn, pnpm, gem, go), which operation, its
//! options in every spelling (long, short, grouped short letters, `=` or the
//! next word as the value) and its operands (the packages).
//!
//! Commands behind wrappers (`sudo`, `env A=b`, `nice`) and in heredoc
//! scripts are found, because the model's `ShellCommand::program_args`
//! already looks through wrappers and the model parses heredocs run by a
//! shell.
//!
//! Package words are read with the stage's ARG and ENV values
//! ([`package_values`]): `apt-get install $PKGS` with `ENV PKGS="curl git"`
//! installs two packages; an ARG without a default is a value given at
//! build time, which dlint cannot see.

use super::{Instruction, Kind, Model, Script, ShellCommand, ShellWord};

/// A package tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    AptGet,
    Apt,
    Aptitude,
    Apk,
    Yum,
    Dnf,
    Microdnf,
    Tdnf,
    Zypper,
    /// `pip`, `pip3`, `pip3.12`, `python -m pip`.
    Pip,
    Pipx,
    Npm,
    Yarn,
    Pnpm,
    Gem,
    Go,
}

/// Tools that share a package format and repositories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// apt-get, apt, aptitude: Debian and Ubuntu.
    Apt,
    /// Alpine.
    Apk,
    /// yum, dnf, microdnf, tdnf: Fedora, RHEL and clones, Amazon Linux, Photon.
    Rpm,
    /// openSUSE, SLES.
    Zypper,
    /// pip, pipx: PyPI.
    Python,
    /// npm, yarn, pnpm: the npm registry.
    Node,
    /// RubyGems.
    Gem,
    /// Go modules.
    Go,
}

impl Tool {
    pub fn family(self) -> Family {
        match self {
            Tool::AptGet | Tool::Apt | Tool::Aptitude => Family::Apt,
            Tool::Apk => Family::Apk,
            Tool::Yum | Tool::Dnf | Tool::Microdnf | Tool::Tdnf => Family::Rpm,
            Tool::Zypper => Family::Zypper,
            Tool::Pip | Tool::Pipx => Family::Python,
            Tool::Npm | Tool::Yarn | Tool::Pnpm => Family::Node,
            Tool::Gem => Family::Gem,
            Tool::Go => Family::Go,
        }
    }

    /// Whether the tool installs operating-system packages.
    pub fn is_system(self) -> bool {
        matches!(
            self.family(),
            Family::Apt | Family::Apk | Family::Rpm | Family::Zypper
        )
    }

    /// The usual name of the tool.
    pub fn name(self) -> &'static str {
        match self {
            Tool::AptGet => "apt-get",
            Tool::Apt => "apt",
            Tool::Aptitude => "aptitude",
            Tool::Apk => "apk",
            Tool::Yum => "yum",
            Tool::Dnf => "dnf",
            Tool::Microdnf => "microdnf",
            Tool::Tdnf => "tdnf",
            Tool::Zypper => "zypper",
            Tool::Pip => "pip",
            Tool::Pipx => "pipx",
            Tool::Npm => "npm",
            Tool::Yarn => "yarn",
            Tool::Pnpm => "pnpm",
            Tool::Gem => "gem",
            Tool::Go => "go",
        }
    }

    /// The tool a program name runs (`pip3.12` is pip; `python` only with
    /// `-m pip`, see [`parse`]).
    pub fn of_program(name: &str) -> Option<Tool> {
        Some(match name {
            "apt-get" => Tool::AptGet,
            "apt" => Tool::Apt,
            "aptitude" => Tool::Aptitude,
            "apk" => Tool::Apk,
            "yum" => Tool::Yum,
            "dnf" | "dnf5" | "dnf-3" => Tool::Dnf,
            "microdnf" => Tool::Microdnf,
            "tdnf" => Tool::Tdnf,
            "zypper" => Tool::Zypper,
            "pipx" => Tool::Pipx,
            "npm" => Tool::Npm,
            "yarn" | "yarnpkg" => Tool::Yarn,
            "pnpm" => Tool::Pnpm,
            "gem" => Tool::Gem,
            "go" => Tool::Go,
            n if is_versioned_name(n, "pip") => Tool::Pip,
            _ => return None,
        })
    }

    /// Options that take a value, long (without `--`) and short letters.
    fn value_options(self) -> (&'static [&'static str], &'static [char]) {
        match self {
            Tool::AptGet | Tool::Apt | Tool::Aptitude => (
                &[
                    "option",
                    "config-file",
                    "target-release",
                    "default-release",
                    "host-architecture",
                    "build-profiles",
                    "solver",
                    "planner",
                    "display-format",
                    "width",
                    "sort",
                ],
                &['o', 'c', 't', 'a', 'P', 'F', 'w', 'S'],
            ),
            Tool::Apk => (
                &[
                    "repository",
                    "root",
                    "arch",
                    "cache-dir",
                    "keys-dir",
                    "repositories-file",
                    "virtual",
                    "wait",
                    "timeout",
                    "cache-max-age",
                    "progress-fd",
                    "from",
                ],
                &['X', 'p', 't'],
            ),
            Tool::Yum | Tool::Dnf | Tool::Microdnf | Tool::Tdnf => (
                &[
                    "config",
                    "installroot",
                    "releasever",
                    "exclude",
                    "excludepkgs",
                    "setopt",
                    "enablerepo",
                    "disablerepo",
                    "repo",
                    "repoid",
                    "repofrompath",
                    "forcearch",
                    "destdir",
                    "downloaddir",
                    "color",
                    "disableplugin",
                    "enableplugin",
                    "rpmverbosity",
                    "debuglevel",
                    "errorlevel",
                    "comment",
                    "advisory",
                    "advisories",
                    "bz",
                    "bzs",
                    "cve",
                    "cves",
                    "sec-severity",
                    "secseverity",
                    "platform-id",
                    "use-host-config",
                ],
                &['c', 'd', 'e', 'x', 'R'],
            ),
            Tool::Zypper => (
                &[
                    "root",
                    "reposd-dir",
                    "cache-dir",
                    "raw-cache-dir",
                    "solv-cache-dir",
                    "pkg-cache-dir",
                    "config",
                    "userdata",
                    "type",
                    "repo",
                    "from",
                    "download",
                    "auto-agree-with-product-licenses-for",
                ],
                &['R', 'D', 'C', 'c', 't', 'r', 'p'],
            ),
            Tool::Pip | Tool::Pipx => (
                &[
                    "abi",
                    "build",
                    "editable",
                    "extra-index-url",
                    "find-links",
                    "index-url",
                    "implementation",
                    "no-binary",
                    "only-binary",
                    "platform",
                    "prefix",
                    "progress-bar",
                    "proxy",
                    "python-version",
                    "root",
                    "src",
                    "target",
                    "trusted-host",
                    "upgrade-strategy",
                    "requirement",
                    "constraint",
                    "root-user-action",
                    "cache-dir",
                    "log",
                    "log-file",
                    "timeout",
                    "retries",
                    "exists-action",
                    "cert",
                    "client-cert",
                    "global-option",
                    "install-option",
                    "config-settings",
                    "report",
                    "use-feature",
                    "use-deprecated",
                    "keyring-provider",
                    "python",
                    "pip-args",
                    "suffix",
                    "index",
                    "spec",
                    "group",
                ],
                &['b', 'e', 'f', 'i', 't', 'r', 'c', 'C'],
            ),
            Tool::Npm => (
                &[
                    "registry",
                    "loglevel",
                    "prefix",
                    "cache",
                    "userconfig",
                    "globalconfig",
                    "tag",
                    "workspace",
                    "omit",
                    "include",
                    "install-strategy",
                    "save-prefix",
                    "otp",
                    "scope",
                    "location",
                    "only",
                    "also",
                    "fetch-retries",
                    "fetch-timeout",
                    "network-concurrency",
                    "maxsockets",
                    "proxy",
                    "https-proxy",
                    "cafile",
                    "userconfig",
                ],
                &['w', 'C'],
            ),
            Tool::Yarn => (
                &[
                    "cwd",
                    "registry",
                    "network-timeout",
                    "modules-folder",
                    "cache-folder",
                    "global-folder",
                    "mutex",
                    "link-folder",
                    "prefix",
                    "network-concurrency",
                    "https-proxy",
                    "proxy",
                    "cafile",
                    "use-yarnrc",
                    "emoji",
                    "otp",
                    "mode",
                ],
                &[],
            ),
            Tool::Pnpm => (
                &[
                    "filter",
                    "dir",
                    "registry",
                    "store-dir",
                    "reporter",
                    "loglevel",
                    "virtual-store-dir",
                    "modules-dir",
                    "network-concurrency",
                    "child-concurrency",
                    "config",
                ],
                &['F', 'C'],
            ),
            Tool::Gem => (
                &[
                    "version",
                    "install-dir",
                    "bindir",
                    "source",
                    "platform",
                    "http-proxy",
                    "build-root",
                    "trust-policy",
                    "config-file",
                ],
                &['v', 'i', 'n', 's', 'p', 'P'],
            ),
            Tool::Go => (
                &[
                    "o",
                    "p",
                    "C",
                    "tags",
                    "ldflags",
                    "gcflags",
                    "asmflags",
                    "gccgoflags",
                    "mod",
                    "modfile",
                    "overlay",
                    "pkgdir",
                    "toolexec",
                    "exec",
                    "buildmode",
                    "compiler",
                    "installsuffix",
                    "covermode",
                    "coverpkg",
                    "pgo",
                    "buildvcs",
                    "debug-actiongraph",
                    "debug-runtime-trace",
                    "debug-trace",
                ],
                &[],
            ),
        }
    }

    /// How many leading operands name the operation (`install`; `module
    /// install`, `global add`, `cache clean`).
    fn subcommand_len(self, operands: &[&str]) -> usize {
        let Some(first) = operands.first() else {
            return 0;
        };
        let two = match self {
            Tool::Yum | Tool::Dnf | Tool::Microdnf | Tool::Tdnf => {
                matches!(*first, "module" | "group" | "groups")
            }
            Tool::Yarn => matches!(*first, "global" | "cache" | "workspace"),
            Tool::Npm => matches!(*first, "cache"),
            Tool::Pnpm => matches!(*first, "store"),
            Tool::Pip => matches!(*first, "cache"),
            Tool::Go => matches!(*first, "mod"),
            Tool::Gem => false,
            _ => false,
        };
        if two && operands.len() >= 2 {
            2
        } else {
            1
        }
    }
}

/// gem's long options that take no value.
const GEM_FLAGS: &[&str] = &[
    "conservative",
    "force",
    "local",
    "remote",
    "both",
    "user-install",
    "env-shebang",
    "ignore-dependencies",
    "development",
    "development-all",
    "prerelease",
    "pre",
    "minimal-deps",
    "post-install-message",
    "suggestions",
    "default",
    "explain",
    "lock",
    "vendor",
    "clear-sources",
    "verbose",
    "quiet",
    "silent",
    "backtrace",
    "debug",
    "norc",
    "wrappers",
    "format-executable",
    "update-sources",
    "document",
    "rdoc",
    "ri",
    "system",
];

/// Whether `name` is `base` with an optional version: `pip`, `pip3`,
/// `pip3.12`, `python3.11`.
fn is_versioned_name(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// What a package command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Installs named packages (`apt-get install`, `apk add`, `pip install`,
    /// `npm install <pkg>`, `yarn add`, `gem install`, `go install`).
    Install,
    /// Installs what a project's manifest lists (`npm install`, `npm ci`,
    /// `yarn`, `yarn install`, `pnpm install`, `go mod download`).
    InstallManifest,
    /// Upgrades what is installed (`apt-get upgrade`, `dnf upgrade`,
    /// `apk upgrade`, `zypper update`, `zypper dist-upgrade`).
    Upgrade,
    /// Refreshes the package index only (`apt-get update`, `apk update`,
    /// `dnf makecache`, `zypper refresh`).
    UpdateIndex,
    /// Removes packages.
    Remove,
    /// Cleans the tool's cache (`apt-get clean`, `dnf clean all`,
    /// `zypper clean`, `yarn cache clean`, `npm cache clean`,
    /// `pip cache purge`).
    Clean,
    /// Anything else (`apt-cache`-like queries, `go build`, `npm run`, …).
    Other,
}

/// An option of a package command. A group of short letters (`-yq`) gives
/// one `Opt` per letter, on the same word.
#[derive(Debug, Clone)]
pub struct Opt<'a> {
    /// The word the option is written in.
    pub word: &'a ShellWord,
    /// The name without dashes and value (`no-install-recommends`, `y`).
    pub name: &'a str,
    /// `--name` (or Go's `-name`), as opposed to a short letter.
    pub long: bool,
    /// The value: after `=`, the rest of a short group, or the next word.
    pub value: Option<&'a str>,
    /// The next word, when it is the value.
    pub value_word: Option<&'a ShellWord>,
}

/// An operand (a word that is neither an option nor an option's value).
#[derive(Debug, Clone, Copy)]
pub struct Operand<'a> {
    pub word: &'a ShellWord,
    /// After a `--` that ends the options.
    pub after_dashdash: bool,
}

/// A package-manager command of a RUN.
#[derive(Debug, Clone)]
pub struct PackageCommand<'a> {
    pub tool: Tool,
    pub cmd: &'a ShellCommand,
    /// The word that names the tool (`apt-get`; the `pip` of `python -m pip`).
    pub tool_word: &'a ShellWord,
    /// The first word of the command as the user wrote it: the wrapper
    /// (`sudo`) or the program.
    pub first_word: &'a ShellWord,
    pub opts: Vec<Opt<'a>>,
    pub operands: Vec<Operand<'a>>,
    /// How many leading operands name the operation.
    sub_len: usize,
    pub op: Op,
}

impl<'a> PackageCommand<'a> {
    /// The operation's words (`install`; `module`, `install`).
    pub fn subcommand_words(&self) -> impl Iterator<Item = &'a ShellWord> + '_ {
        self.operands[..self.sub_len].iter().map(|o| o.word)
    }

    /// The first operation word's text (`install`, `add`, `module`).
    pub fn subcommand(&self) -> Option<&'a str> {
        self.operands
            .first()
            .filter(|_| self.sub_len > 0)
            .map(|o| o.word.text())
    }

    /// The last operation word (`install` of `dnf module install`).
    pub fn subcommand_word(&self) -> Option<&'a ShellWord> {
        self.sub_len
            .checked_sub(1)
            .and_then(|i| self.operands.get(i))
            .map(|o| o.word)
    }

    /// The operation as written (`module install`), or "" when none.
    pub fn subcommand_text(&self) -> String {
        self.subcommand_words()
            .map(|w| w.text())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `apt-get install` (the tool as written, then the operation words).
    pub fn display(&self) -> String {
        let prog = super::basename(self.tool_word.text());
        let tool = if self.tool == Tool::Pip && !prog.starts_with("pip") {
            format!("{prog} -m pip")
        } else {
            prog.to_string()
        };
        let sub = self.subcommand_text();
        if sub.is_empty() {
            tool
        } else {
            format!("{tool} {sub}")
        }
    }

    /// The span from the command's first word to the operation word: where
    /// a finding about the command is shown.
    pub fn head_span(&self) -> crate::syntax::Span {
        let end = self.subcommand_word().unwrap_or(self.tool_word);
        self.first_word.span.cover(end.span)
    }

    /// The operands after the operation words, before any `--`.
    pub fn arguments(&self) -> impl Iterator<Item = &'a ShellWord> + '_ {
        self.operands[self.sub_len..]
            .iter()
            .filter(|o| !o.after_dashdash)
            .map(|o| o.word)
    }

    /// The options with one of these long names or short letters.
    pub fn find_opts<'s>(
        &'s self,
        long: &'s [&str],
        short: &'s [char],
    ) -> impl Iterator<Item = &'s Opt<'a>> + 's {
        self.opts.iter().filter(move |o| {
            if o.long {
                long.contains(&o.name)
            } else {
                let mut c = o.name.chars();
                matches!((c.next(), c.next()), (Some(l), None) if short.contains(&l))
            }
        })
    }

    /// Whether the command has one of these options.
    pub fn has(&self, long: &[&str], short: &[char]) -> bool {
        self.find_opts(long, short).next().is_some()
    }

    /// The value of the last of these options.
    pub fn value(&self, long: &[&str], short: &[char]) -> Option<&'a str> {
        self.find_opts(long, short).filter_map(|o| o.value).last()
    }
}

/// Reads a shell command as a package command.
pub fn parse(cmd: &ShellCommand) -> Option<PackageCommand<'_>> {
    let argv = cmd.program_args();
    let first_word = cmd.argv.first()?;
    let prog_word = argv.first()?;
    let prog = super::basename(prog_word.text());
    let (tool, tool_word, rest) = match Tool::of_program(prog) {
        Some(t) => (t, prog_word, &argv[1..]),
        None => {
            // python -m pip / python3.12 -m pip / python -mpip
            if !(is_versioned_name(prog, "python") || prog == "py") {
                return None;
            }
            let mut i = 1;
            loop {
                let a = argv.get(i)?.text();
                if a == "-m" {
                    let m = argv.get(i + 1)?;
                    if !is_versioned_name(m.text(), "pip") {
                        return None;
                    }
                    break (Tool::Pip, m, &argv[i + 2..]);
                }
                if a == "-mpip" {
                    break (Tool::Pip, &argv[i], &argv[i + 1..]);
                }
                // Interpreter options before -m (`-u`, `-B`, `-I`, `-X dev`).
                if !a.starts_with('-') || a == "-c" || a == "-" {
                    return None;
                }
                i += if matches!(a, "-X" | "-W") { 2 } else { 1 };
            }
        }
    };
    let (long_vals, short_vals) = tool.value_options();
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut after_dd = false;
    let mut i = 0;
    while i < rest.len() {
        let w = &rest[i];
        let t = w.text();
        i += 1;
        if after_dd || t == "-" || !t.starts_with('-') {
            operands.push(Operand {
                word: w,
                after_dashdash: after_dd,
            });
            continue;
        }
        if t == "--" {
            after_dd = true;
            continue;
        }
        let long_body = t.strip_prefix("--").or_else(|| {
            // Go spells every option with one dash.
            t.strip_prefix('-').filter(|_| tool == Tool::Go)
        });
        if let Some(body) = long_body {
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let mut o = Opt {
                word: w,
                name,
                long: true,
                value,
                value_word: None,
            };
            // gem passes options it does not know on to the gem's build
            // (`--use-system-libraries true`): their value is no gem.
            let gem_build_option = tool == Tool::Gem
                && !name.starts_with("no-")
                && !GEM_FLAGS.contains(&name)
                && rest.get(i).is_some_and(|n| !n.text().starts_with('-'));
            if value.is_none() && (long_vals.contains(&name) || gem_build_option) {
                if let Some(next) = rest.get(i) {
                    o.value = Some(next.text());
                    o.value_word = Some(next);
                    i += 1;
                }
            }
            opts.push(o);
            continue;
        }
        // A group of short letters.
        // `t` starts with `-` (checked above).
        let body = t.strip_prefix('-').unwrap_or(t);
        for (pos, c) in body.char_indices() {
            // `pos` and `pos + c.len_utf8()` are char boundaries: they come
            // from char_indices.
            let after = body.get(pos + c.len_utf8()..).unwrap_or("");
            let name = body.get(pos..pos + c.len_utf8()).unwrap_or("");
            if let Some(v) = after.strip_prefix('=') {
                opts.push(Opt {
                    word: w,
                    name,
                    long: false,
                    value: Some(v),
                    value_word: None,
                });
                break;
            }
            if short_vals.contains(&c) {
                let mut o = Opt {
                    word: w,
                    name,
                    long: false,
                    value: None,
                    value_word: None,
                };
                if !after.is_empty() {
                    o.value = Some(after);
                } else if let Some(next) = rest.get(i) {
                    o.value = Some(next.text());
                    o.value_word = Some(next);
                    i += 1;
                }
                opts.push(o);
                break;
            }
            opts.push(Opt {
                word: w,
                name,
                long: false,
                value: None,
                value_word: None,
            });
        }
    }
    let texts: Vec<&str> = operands
        .iter()
        .filter(|o| !o.after_dashdash)
        .map(|o| o.word.text())
        .collect();
    let sub_len = tool.subcommand_len(&texts);
    let mut op = operation(tool, &texts[..sub_len], texts.len() > sub_len);
    // `yarn --version` is no install.
    if sub_len == 0
        && opts.iter().any(|o| {
            matches!(
                (o.long, o.name),
                (true, "version" | "help") | (false, "v" | "h" | "V")
            )
        })
    {
        op = Op::Other;
    }
    Some(PackageCommand {
        tool,
        cmd,
        tool_word,
        first_word,
        opts,
        operands,
        sub_len,
        op,
    })
}

/// The operation of a subcommand path; `has_args`: whether operands follow.
fn operation(tool: Tool, sub: &[&str], has_args: bool) -> Op {
    use Op::*;
    let first = sub.first().copied().unwrap_or("");
    let second = sub.get(1).copied().unwrap_or("");
    match tool {
        Tool::AptGet | Tool::Apt | Tool::Aptitude => match first {
            "install" | "reinstall" | "build-dep" | "satisfy" | "source" | "download" => Install,
            "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade" => Upgrade,
            "update" => UpdateIndex,
            "remove" | "purge" | "autoremove" | "autopurge" => Remove,
            "clean" | "autoclean" | "auto-clean" | "dist-clean" | "distclean" => Clean,
            _ => Other,
        },
        Tool::Apk => match first {
            "add" => Install,
            "upgrade" | "fix" => Upgrade,
            "update" => UpdateIndex,
            "del" => Remove,
            "cache" => Clean,
            _ => Other,
        },
        Tool::Yum | Tool::Dnf | Tool::Microdnf | Tool::Tdnf => match (first, second) {
            ("module" | "group" | "groups", "install") => Install,
            ("module" | "group" | "groups", "upgrade" | "update") => Upgrade,
            ("module" | "group" | "groups", "remove") => Remove,
            (
                "install" | "in" | "reinstall" | "rei" | "localinstall" | "groupinstall"
                | "downgrade" | "builddep" | "swap",
                _,
            ) => Install,
            (
                "upgrade" | "up" | "update" | "upgrade-minimal" | "up-min" | "update-minimal"
                | "distro-sync" | "distrosync" | "dsync" | "dist-upgrade" | "groupupdate",
                _,
            ) => Upgrade,
            ("makecache" | "mc", _) => UpdateIndex,
            ("remove" | "rm" | "erase" | "autoremove" | "groupremove", _) => Remove,
            ("clean", _) => Clean,
            _ => Other,
        },
        Tool::Zypper => match first {
            "install" | "in" | "source-install" | "si" | "install-new-recommends" | "inr" => {
                Install
            }
            "update" | "up" | "patch" | "dist-upgrade" | "dup" => Upgrade,
            "refresh" | "ref" => UpdateIndex,
            "remove" | "rm" => Remove,
            "clean" | "cc" => Clean,
            _ => Other,
        },
        Tool::Pip => match (first, second) {
            ("install", _) => Install,
            ("uninstall", _) => Remove,
            ("cache", "purge" | "remove") => Clean,
            _ => Other,
        },
        Tool::Pipx => match first {
            "install" | "inject" => Install,
            "upgrade" | "upgrade-all" => Upgrade,
            "uninstall" => Remove,
            _ => Other,
        },
        Tool::Npm => match (first, second) {
            (
                "install" | "i" | "in" | "ins" | "inst" | "insta" | "instal" | "isnt" | "isnta"
                | "isntal" | "isntall" | "add",
                _,
            ) => {
                if has_args {
                    Install
                } else {
                    InstallManifest
                }
            }
            ("ci" | "clean-install" | "ic" | "install-clean" | "isntall-clean", _) => {
                InstallManifest
            }
            ("update" | "up" | "upgrade" | "udpate", _) => Upgrade,
            ("uninstall" | "remove" | "rm" | "r" | "un" | "unlink", _) => Remove,
            ("cache", "clean" | "rm" | "clear") => Clean,
            _ => Other,
        },
        Tool::Yarn => match (first, second) {
            ("", _) | ("install", _) => InstallManifest,
            ("add", _) | ("global", "add") => Install,
            ("upgrade" | "up", _) | ("global", "upgrade") => Upgrade,
            ("remove", _) | ("global", "remove") => Remove,
            ("cache", "clean") => Clean,
            _ => Other,
        },
        Tool::Pnpm => match (first, second) {
            ("add", _) => Install,
            ("install" | "i", _) => {
                if has_args {
                    Install
                } else {
                    InstallManifest
                }
            }
            ("update" | "up" | "upgrade", _) => Upgrade,
            ("remove" | "rm" | "uninstall" | "un", _) => Remove,
            ("store", "prune") => Clean,
            _ => Other,
        },
        Tool::Gem => match first {
            "install" | "i" => Install,
            "update" => Upgrade,
            "uninstall" => Remove,
            "cleanup" => Clean,
            _ => Other,
        },
        Tool::Go => match (first, second) {
            ("install" | "get" | "run", _) => Install,
            ("mod", "download") => InstallManifest,
            ("clean", _) => Clean,
            _ => Other,
        },
    }
}

/// The package commands of a RUN (None for other instructions), in order,
/// with the script each comes from.
pub fn commands(inst: &Instruction) -> Vec<(&Script, PackageCommand<'_>)> {
    let mut out = Vec::new();
    if inst.kind != Kind::Run {
        return out;
    }
    let Some(run) = inst.run() else {
        return out;
    };
    for s in &run.scripts {
        for c in &s.commands {
            if let Some(p) = parse(c) {
                out.push((s, p));
            }
        }
    }
    out
}

/// What a variable holds where a RUN reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    /// Set by an ENV, an ARG default or an earlier `export`/assignment in
    /// the script.
    Known(String),
    /// Known only when the build runs: an ARG without a default (given at
    /// build time), or a script variable set from a command's output.
    Unknown,
    /// Not set anywhere in the Dockerfile (empty, unless the base image
    /// sets it).
    Unset,
}

/// The value of `name` for a RUN: ENV (the stage's and the stages it is
/// built on, before the RUN), then the stage's ARGs. Before the first FROM
/// (a file without FROM) the earlier ENV and ARG instructions count.
pub fn variable(m: &Model, inst: &Instruction, name: &str) -> VarValue {
    let Some(stage) = inst.stage else {
        for i in m.instructions[..inst.index.min(m.instructions.len())]
            .iter()
            .rev()
        {
            match i.kind {
                Kind::Env => {
                    for pair in i.args.chunks(2) {
                        if let [k, v] = pair {
                            if k.value == name {
                                return VarValue::Known(super::unquote(&v.value));
                            }
                        }
                    }
                }
                Kind::Arg => {
                    for w in &i.args {
                        match w.value.split_once('=') {
                            Some((k, v)) if k == name => return VarValue::Known(super::unquote(v)),
                            None if w.value == name => return VarValue::Unknown,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        return VarValue::Unset;
    };
    if let Some(v) = env_before(m, stage, inst.index, name, 0) {
        return VarValue::Known(v);
    }
    let st = &m.stages[stage];
    match st
        .args
        .iter()
        .rev()
        .find(|a| a.name == name && a.instruction < inst.index)
    {
        Some(a) => match &a.default {
            Some(v) => VarValue::Known(v.clone()),
            None => match super::automatic_arg(name) {
                Some(v) => VarValue::Known(v.to_string()),
                None => VarValue::Unknown,
            },
        },
        None => VarValue::Unset,
    }
}

/// An ENV value set in `stage` before instruction `before` (or anywhere in
/// the stages it is built on).
fn env_before(m: &Model, stage: usize, before: usize, name: &str, depth: usize) -> Option<String> {
    let st = &m.stages[stage];
    if let Some((_, v, _)) = st
        .env
        .iter()
        .rev()
        .find(|(k, _, at)| k == name && *at < before)
    {
        return Some(v.clone());
    }
    match st.base {
        super::Base::Stage(p) if p < stage && depth < 64 => {
            env_before(m, p, usize::MAX, name, depth + 1)
        }
        _ => None,
    }
}

/// The value a script gives `name` before command `cmd` (by `export A=b`,
/// `A=b` alone, `declare`/`local`/`readonly`, or an assignment before a
/// special built-in such as `set`), read with the stage's ARG and ENV
/// values and the script's earlier assignments (`deps="$deps gcc"`);
/// `Unknown` when it depends on a command's output.
pub fn script_variable(
    m: &Model,
    inst: &Instruction,
    script: &Script,
    cmd: &ShellCommand,
    name: &str,
) -> Option<VarValue> {
    let mut vars: Vec<(String, VarValue)> = Vec::new();
    for c in &script.commands {
        if c.span.start >= cmd.span.start {
            break;
        }
        let words: Vec<&ShellWord> = match c.argv.first().map(|w| w.text()) {
            None => c.assignments.iter().collect(),
            Some("export" | "declare" | "local" | "readonly" | "typeset") => {
                c.assignments.iter().chain(c.argv[1..].iter()).collect()
            }
            // Assignments before a special built-in stay set in a POSIX
            // shell (`buildDeps='gcc make' set -x && apt-get install
            // $buildDeps`).
            Some(
                "set" | ":" | "." | "eval" | "exec" | "shift" | "trap" | "unset" | "times"
                | "return" | "break" | "continue",
            ) => c.assignments.iter().collect(),
            _ => continue,
        };
        for w in words {
            let Some((k, raw_value)) = w.raw.split_once('=') else {
                continue;
            };
            let k = k.trim_end_matches('+');
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let lookup = |n: &str| -> Option<VarValue> {
                Some(
                    vars.iter()
                        .rev()
                        .find(|(k, _)| k == n)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| variable(m, inst, n)),
                )
            };
            // Unknown parts stay marked, so that the words made from them
            // are left out where the variable is used.
            let value = match expand_raw(raw_value, &lookup) {
                Some(parts)
                    if parts.is_empty()
                        || parts.iter().any(|p| p.chars().any(|c| c != UNKNOWN)) =>
                {
                    VarValue::Known(parts.join(" "))
                }
                _ => VarValue::Unknown,
            };
            // A value known only at run time, set inside a branch or a
            // subshell, may not be the one a later command sees: the value
            // from outside stays (`if …; then V=$(…); else apt-get install
            // $V; fi`).
            if c.nested && value == VarValue::Unknown {
                continue;
            }
            vars.push((k.to_string(), value));
        }
    }
    vars.into_iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A package word's values after variable expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordValue {
    /// The words it stands for (none when it expands to nothing; several
    /// when an unquoted variable holds spaces).
    Static(Vec<String>),
    /// Depends on a command substitution, a build argument or an expansion
    /// dlint does not evaluate.
    Dynamic,
}

/// The values of a word of `cmd` (in `script` of `inst`) as the shell sees
/// them.
pub fn package_values(
    m: &Model,
    inst: &Instruction,
    script: &Script,
    cmd: &ShellCommand,
    w: &ShellWord,
) -> WordValue {
    if let Some(v) = &w.value {
        return WordValue::Static(vec![v.clone()]);
    }
    let lookup = |name: &str| -> Option<VarValue> {
        if let Some(v) = script_variable(m, inst, script, cmd, name) {
            return Some(v);
        }
        Some(variable(m, inst, name))
    };
    expand_shell_word(&w.raw, &lookup)
}

/// Stands for text known only when the script runs (a command's output, a
/// build argument) inside an expanded value.
const UNKNOWN: char = '\u{1}';

/// Expands `$A`, `${A}`, `${A:-x}` (and the other forms BuildKit knows) in
/// a shell word, with quotes removed; unquoted expansions are split on
/// whitespace. Words that hold a command substitution or an unknown value
/// are left out; when nothing else is left the word is `Dynamic`.
pub fn expand_shell_word(raw: &str, lookup: &dyn Fn(&str) -> Option<VarValue>) -> WordValue {
    let Some(words) = expand_raw(raw, lookup) else {
        return WordValue::Dynamic;
    };
    let known: Vec<String> = words
        .iter()
        .filter(|w| !w.contains(UNKNOWN))
        .cloned()
        .collect();
    if known.is_empty() && words.iter().any(|w| w.contains(UNKNOWN)) {
        WordValue::Dynamic
    } else {
        WordValue::Static(known)
    }
}

/// The index after the `)` closing the `$(` whose `(` is at `open`.
fn close_paren(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' && q == '"' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\\' => i += 1,
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// The words of `raw` after expansion, with [`UNKNOWN`] where a value is
/// known only at run time; None when the word is malformed (an unclosed
/// quote).
fn expand_raw(raw: &str, lookup: &dyn Fn(&str) -> Option<VarValue>) -> Option<Vec<String>> {
    // Pieces: (text, may be split).
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut in_double = false;
    let flush = |cur: &mut String, pieces: &mut Vec<(String, bool)>| {
        if !cur.is_empty() {
            pieces.push((std::mem::take(cur), false));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if !in_double => {
                let p = chars[i + 1..].iter().position(|&x| x == '\'')?;
                let end = i + 1 + p;
                cur.extend(&chars[i + 1..end]);
                i = end + 1;
            }
            '"' => {
                in_double = !in_double;
                i += 1;
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if !in_double || matches!(n, '"' | '\\' | '$' | '`') {
                        cur.push(n);
                    } else {
                        cur.push('\\');
                        cur.push(n);
                    }
                }
                i += 2;
            }
            '`' => {
                let p = chars[i + 1..].iter().position(|&x| x == '`')?;
                cur.push(UNKNOWN);
                i += p + 2;
            }
            '$' => {
                let next = chars.get(i + 1).copied();
                let (name, rest, end) = match next {
                    Some('(') => {
                        cur.push(UNKNOWN);
                        i = close_paren(&chars, i + 1)?;
                        continue;
                    }
                    Some('{') => {
                        let p = chars[i + 2..].iter().position(|&x| x == '}')?;
                        let inner: String = chars[i + 2..i + 2 + p].iter().collect();
                        let n_len = inner
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .count();
                        // The name is ASCII: `n_len` chars are `n_len` bytes.
                        let (name, rest) = inner.split_at_checked(n_len).unwrap_or(("", &inner));
                        let (name, rest) = (name.to_string(), rest.to_string());
                        (name, rest, i + 3 + p)
                    }
                    Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                        let n_len = chars[i + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                            .count();
                        let name: String = chars[i + 1..i + 1 + n_len].iter().collect();
                        (name, String::new(), i + 1 + n_len)
                    }
                    // `$1`, `$@`, `$$`: the script's own values.
                    Some(_) => {
                        cur.push(UNKNOWN);
                        i += 2;
                        continue;
                    }
                    None => {
                        cur.push('$');
                        i += 1;
                        continue;
                    }
                };
                let value = match (name.is_empty(), lookup(&name)) {
                    (true, _) | (_, Some(VarValue::Unknown)) => None,
                    (_, Some(VarValue::Known(v))) => Some(Some(v)),
                    (_, Some(VarValue::Unset) | None) => Some(None),
                };
                let expanded = match value {
                    None => UNKNOWN.to_string(),
                    Some(value) => expand_modifier(&name, &rest, value),
                };
                if in_double {
                    cur.push_str(&expanded);
                } else {
                    flush(&mut cur, &mut pieces);
                    pieces.push((expanded, true));
                }
                i = end;
            }
            _ => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if in_double {
        return None;
    }
    flush(&mut cur, &mut pieces);
    // Join pieces, splitting the splittable ones on whitespace.
    let mut words: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for (text, split) in pieces {
        if !split {
            current.get_or_insert_with(String::new).push_str(&text);
            continue;
        }
        for (n, part) in text.split([' ', '\t', '\n']).enumerate() {
            if n > 0 {
                if let Some(c) = current.take() {
                    words.push(c);
                }
            }
            if !part.is_empty() {
                current.get_or_insert_with(String::new).push_str(part);
            }
        }
    }
    if let Some(c) = current {
        if !c.is_empty() {
            words.push(c);
        }
    }
    Some(words)
}

/// `${name<rest>}` for a variable with `value` (None: unset): the
/// default and alternative forms, prefix and suffix removal; anything else
/// is [`UNKNOWN`].
fn expand_modifier(name: &str, rest: &str, value: Option<String>) -> String {
    if rest.is_empty() {
        return value.unwrap_or_default();
    }
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let alt = if let Some(d) = rest.strip_prefix(":-") {
        (!non_empty).then_some(d)
    } else if let Some(d) = rest.strip_prefix('-') {
        (!set).then_some(d)
    } else if let Some(a) = rest.strip_prefix(":+") {
        Some(if non_empty { a } else { "" })
    } else if let Some(a) = rest.strip_prefix('+') {
        Some(if set { a } else { "" })
    } else if rest.starts_with(['#', '%']) {
        // Prefix and suffix removal, as BuildKit evaluates it.
        return match value {
            None => String::new(),
            Some(v) => {
                super::expand::expand(&format!("${{{name}{rest}}}"), '\\', &|n: &str| {
                    (n == name).then(|| v.clone())
                })
                .value
            }
        };
    } else {
        return UNKNOWN.to_string();
    };
    match alt {
        None => value.unwrap_or_default(),
        Some(d) if d.contains(['$', '`', '\\']) => UNKNOWN.to_string(),
        Some(d) => d.trim_matches(['"', '\'']).to_string(),
    }
}

/// Whether a RUN mounts a cache or tmpfs over `path` (or a directory
/// holding it).
pub fn cache_mounted(inst: &Instruction, path: &str) -> bool {
    inst.mounts.iter().any(|mnt| {
        matches!(mnt.kind(), "cache" | "tmpfs")
            && mnt
                .get("target")
                .or_else(|| mnt.get("dst"))
                .or_else(|| mnt.get("destination"))
                .is_some_and(|t| path_within(path, t))
    })
}

/// Whether `path` is `dir` or inside it.
pub fn path_within(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    if dir.is_empty() {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a command removes `path` (or a directory holding it):
/// `rm -rf /var/cache/yum`, `rm -rf /var/cache/yum/*`, `rm -rf /var/cache/*`.
pub fn removes(cmd: &ShellCommand, path: &str) -> bool {
    if cmd.program() != Some("rm") {
        return false;
    }
    cmd.args().iter().any(|w| {
        let t = w.text();
        if t.starts_with('-') {
            return false;
        }
        let dir = t
            .trim_end_matches('*')
            .trim_end_matches('/')
            .trim_end_matches("/*");
        !dir.is_empty() && path_within(path, dir)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(src: &str) -> (Tool, Op, Vec<String>, Vec<String>) {
        let m = Model::build(&format!("FROM a\nRUN {src}\n"));
        let inst = &m.instructions[1];
        let cmds = commands(inst);
        let (_, p) = cmds.first().expect("a package command");
        let opts = p
            .opts
            .iter()
            .map(|o| match o.value {
                Some(v) => format!("{}={v}", o.name),
                None => o.name.to_string(),
            })
            .collect();
        let args = p.arguments().map(|w| w.text().to_string()).collect();
        (p.tool, p.op, opts, args)
    }

    #[test]
    fn options_in_every_spelling() {
        let (t, op, opts, args) =
            first("sudo -E apt-get -qy -o Dpkg::Use-Pty=0 install --no-install-recommends=true -tbookworm curl git=1");
        assert_eq!(t, Tool::AptGet);
        assert_eq!(op, Op::Install);
        assert_eq!(
            opts,
            [
                "q",
                "y",
                "o=Dpkg::Use-Pty=0",
                "no-install-recommends=true",
                "t=bookworm"
            ]
        );
        assert_eq!(args, ["curl", "git=1"]);
        let (t, _, opts, args) = first("env A=b apk add --virtual .deps -X http://r gcc");
        assert_eq!(t, Tool::Apk);
        assert_eq!(opts, ["virtual=.deps", "X=http://r"]);
        assert_eq!(args, ["gcc"]);
        let (t, op, _, args) = first("python3.12 -u -m pip install -U pip");
        assert_eq!((t, op), (Tool::Pip, Op::Install));
        assert_eq!(args, ["pip"]);
        let (t, op, opts, args) = first("go install -ldflags '-s -w' ./cmd/x");
        assert_eq!((t, op), (Tool::Go, Op::Install));
        assert_eq!(opts, ["ldflags=-s -w"]);
        assert_eq!(args, ["./cmd/x"]);
        let (_, op, _, args) = first("dnf -y module install nodejs:18");
        assert_eq!(op, Op::Install);
        assert_eq!(args, ["nodejs:18"]);
        let (_, op, _, args) = first("gem install rails:7 -- --use-system-libraries");
        assert_eq!(op, Op::Install);
        assert_eq!(args, ["rails:7"]);
        let (_, op, _, _) = first("yarn");
        assert_eq!(op, Op::InstallManifest);
        let (_, op, _, _) = first("yarn --version");
        assert_eq!(op, Op::Other);
        let (_, op, _, args) = first("yarn global add typescript");
        assert_eq!(op, Op::Install);
        assert_eq!(args, ["typescript"]);
    }

    #[test]
    fn heredocs_and_not_tools() {
        let m = Model::build("FROM a\nRUN <<EOF\nset -e\napk add curl\nEOF\nRUN python3 script.py && notdnf install x\n");
        assert_eq!(commands(&m.instructions[1]).len(), 1);
        assert!(commands(&m.instructions[2]).is_empty());
    }

    #[test]
    fn word_values() {
        let src = "FROM a\nARG V=1.2\nARG B\nENV PKGS=\"curl git\"\nRUN D=\"$(scanelf x)\" && apk add $PKGS \"x=$V\" y=$B $(cat f) $NONE z-${NONE:-3} $D\n";
        let m = Model::build(src);
        let inst = &m.instructions[4];
        let cmds = commands(inst);
        let (s, p) = &cmds[0];
        let vals: Vec<WordValue> = p
            .arguments()
            .map(|w| package_values(&m, inst, s, p.cmd, w))
            .collect();
        let st = |v: &[&str]| WordValue::Static(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            vals,
            [
                st(&["curl", "git"]),
                st(&["x=1.2"]),
                WordValue::Dynamic,
                WordValue::Dynamic,
                st(&[]),
                st(&["z-3"]),
                WordValue::Dynamic,
            ]
        );
    }

    #[test]
    fn paths() {
        assert!(path_within("/root/.cache/pip", "/root/.cache"));
        assert!(!path_within("/root/.cache2", "/root/.cache"));
        let m = Model::build("FROM a\nRUN rm -rf /var/cache/yum/* && rm -rf /var/cache\n");
        let run = m.instructions[1].run().unwrap();
        let c: Vec<_> = run.commands().collect();
        assert!(removes(c[0], "/var/cache/yum"));
        assert!(removes(c[1], "/var/cache/dnf"));
        assert!(!removes(c[0], "/var/cache/dnf"));
    }
}
