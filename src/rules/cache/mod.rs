//! Layers and the build cache.
pub mod apt_lists_not_removed;
pub mod cache_busting_copy;
pub mod missing_assume_yes;
pub mod split_apt_layers;

use crate::model::{ShellCommand, ShellWord};

/// A system package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Apk,
    Dnf,
    Zypper,
}

impl PackageManager {
    pub fn of(cmd: &ShellCommand) -> Option<PackageManager> {
        match cmd.program()? {
            "apt-get" | "apt" => Some(PackageManager::Apt),
            "apk" => Some(PackageManager::Apk),
            "dnf" | "yum" | "microdnf" | "tdnf" => Some(PackageManager::Dnf),
            "zypper" => Some(PackageManager::Zypper),
            _ => None,
        }
    }

    /// Options that take a separate value, per manager.
    fn value_options(self) -> &'static [&'static str] {
        match self {
            PackageManager::Apt => &[
                "-o",
                "-c",
                "-t",
                "--option",
                "--config-file",
                "--target-release",
            ],
            PackageManager::Apk => &[
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
                "--repositories-file",
            ],
            PackageManager::Dnf => &[
                "-c",
                "--config",
                "--installroot",
                "--releasever",
                "-x",
                "--exclude",
                "--setopt",
                "--enablerepo",
                "--disablerepo",
                "--repo",
                "--repoid",
                "-d",
                "-e",
            ],
            PackageManager::Zypper => &[
                "--root",
                "-R",
                "--reposd-dir",
                "-D",
                "--cache-dir",
                "-C",
                "--raw-cache-dir",
                "--solv-cache-dir",
                "--pkg-cache-dir",
            ],
        }
    }

    /// The subcommand (`install` in `apt-get -o X=y install`).
    pub fn subcommand(self, cmd: &ShellCommand) -> Option<&str> {
        self.subcommand_word(cmd).map(|w| w.text())
    }

    /// The subcommand's word, with its span.
    pub fn subcommand_word(self, cmd: &ShellCommand) -> Option<&ShellWord> {
        let opts = self.value_options();
        let mut it = cmd.args().iter();
        while let Some(w) = it.next() {
            let a = w.text();
            if a.starts_with('-') {
                if opts.contains(&a) {
                    it.next();
                }
                continue;
            }
            return Some(w);
        }
        None
    }

    /// Whether the command only refreshes the package index.
    pub fn is_update(self, cmd: &ShellCommand) -> bool {
        let sub = self.subcommand(cmd);
        match self {
            PackageManager::Apt => sub == Some("update"),
            PackageManager::Apk => sub == Some("update"),
            PackageManager::Dnf => sub == Some("makecache"),
            PackageManager::Zypper => matches!(sub, Some("refresh") | Some("ref")),
        }
    }

    /// Whether the command downloads packages using the index.
    pub fn is_install(self, cmd: &ShellCommand) -> bool {
        let Some(sub) = self.subcommand(cmd) else {
            return false;
        };
        match self {
            PackageManager::Apt => matches!(
                sub,
                "install"
                    | "upgrade"
                    | "dist-upgrade"
                    | "full-upgrade"
                    | "build-dep"
                    | "source"
                    | "download"
            ),
            PackageManager::Apk => matches!(sub, "add" | "upgrade" | "fix"),
            PackageManager::Dnf => matches!(
                sub,
                "install"
                    | "update"
                    | "upgrade"
                    | "groupinstall"
                    | "reinstall"
                    | "distro-sync"
                    | "builddep"
            ),
            PackageManager::Zypper => matches!(
                sub,
                "install"
                    | "in"
                    | "update"
                    | "up"
                    | "patch"
                    | "dist-upgrade"
                    | "dup"
                    | "source-install"
                    | "si"
            ),
        }
    }

    /// Whether the command installs named packages (not an upgrade of what
    /// is there): a RUN with such a command is not "update only".
    pub fn installs_packages(self, cmd: &ShellCommand) -> bool {
        let Some(sub) = self.subcommand(cmd) else {
            return false;
        };
        match self {
            PackageManager::Apt => matches!(sub, "install" | "build-dep" | "source" | "download"),
            PackageManager::Apk => sub == "add",
            PackageManager::Dnf => {
                matches!(sub, "install" | "groupinstall" | "reinstall" | "builddep")
            }
            PackageManager::Zypper => matches!(sub, "install" | "in" | "source-install" | "si"),
        }
    }

    /// Whether an install refreshes the index itself (`apk add --no-cache`).
    pub fn install_refreshes(self, cmd: &ShellCommand) -> bool {
        match self {
            PackageManager::Apk => cmd.args().iter().any(|a| {
                matches!(
                    a.text(),
                    "--no-cache" | "--update" | "-U" | "--update-cache"
                )
            }),
            PackageManager::Dnf => cmd.args().iter().any(|a| a.text() == "--refresh"),
            PackageManager::Zypper => cmd.args().iter().any(|a| a.text() == "--refresh"),
            PackageManager::Apt => false,
        }
    }

    pub fn update_command(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt-get update",
            PackageManager::Apk => "apk update",
            PackageManager::Dnf => "dnf makecache",
            PackageManager::Zypper => "zypper refresh",
        }
    }
}
