//! `cache-busting-copy`: the whole context (or a directory) is copied before
//! a dependency install, so any source edit re-runs the install.
use crate::diagnostic::Severity;
use crate::model::{Instruction, Kind, Model, ShellCommand};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D302",
    name: "cache-busting-copy",
    category: Category::Cache,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary:
        "A broad COPY comes before a dependency install, so every source change re-runs the install",
    default_enabled: true,
};

/// A dependency-install ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecosystem {
    Npm,
    Yarn,
    Pnpm,
    Pip,
    Pipenv,
    Poetry,
    Uv,
    Bundler,
    Composer,
    Go,
    Cargo,
    Maven,
    Gradle,
    Dotnet,
}

impl Ecosystem {
    /// The manifests an install of this ecosystem reads.
    pub fn manifests(self) -> &'static [&'static str] {
        match self {
            Ecosystem::Npm => &["package.json", "package-lock.json", "npm-shrinkwrap.json"],
            Ecosystem::Yarn => &["package.json", "yarn.lock", ".yarnrc.yml"],
            Ecosystem::Pnpm => &["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"],
            Ecosystem::Pip => &["requirements.txt"],
            Ecosystem::Pipenv => &["Pipfile", "Pipfile.lock"],
            Ecosystem::Poetry => &["pyproject.toml", "poetry.lock"],
            Ecosystem::Uv => &["pyproject.toml", "uv.lock"],
            Ecosystem::Bundler => &["Gemfile", "Gemfile.lock"],
            Ecosystem::Composer => &["composer.json", "composer.lock"],
            Ecosystem::Go => &["go.mod", "go.sum"],
            Ecosystem::Cargo => &["Cargo.toml", "Cargo.lock"],
            Ecosystem::Maven => &["pom.xml"],
            Ecosystem::Gradle => &[
                "build.gradle",
                "build.gradle.kts",
                "settings.gradle",
                "settings.gradle.kts",
                "gradle.properties",
            ],
            Ecosystem::Dotnet => &["*.csproj", "*.sln"],
        }
    }

    /// The manifests to name when the context is unknown.
    pub fn main_manifests(self) -> &'static [&'static str] {
        match self {
            Ecosystem::Npm => &["package.json", "package-lock.json"],
            Ecosystem::Yarn => &["package.json", "yarn.lock"],
            Ecosystem::Pnpm => &["package.json", "pnpm-lock.yaml"],
            Ecosystem::Gradle => &["build.gradle", "settings.gradle"],
            e => e.manifests(),
        }
    }
}

/// Whether a shell command installs dependencies from a manifest, and which.
/// Returns the ecosystem and, for `pip install -r FILE`, the file.
pub fn dependency_install(c: &ShellCommand) -> Option<(Ecosystem, Option<String>)> {
    let prog = c.program()?;
    let args: Vec<&str> = c.args().iter().map(|w| w.text()).collect();
    let sub = args.iter().copied().find(|a| !a.starts_with('-'));
    let positional: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match prog {
        "npm" => match sub {
            Some("ci") | Some("clean-install") => Some((Ecosystem::Npm, None)),
            Some("install") | Some("i") | Some("add")
                if positional.len() == 1 && !has_global(&args) =>
            {
                Some((Ecosystem::Npm, None))
            }
            _ => None,
        },
        "yarn" => match sub {
            None => Some((Ecosystem::Yarn, None)),
            Some("install") => Some((Ecosystem::Yarn, None)),
            _ => None,
        },
        "pnpm" => match sub {
            Some("install") | Some("i") if positional.len() == 1 => Some((Ecosystem::Pnpm, None)),
            _ => None,
        },
        "pip" | "pip3" | "pip2" => pip_requirements(&args).map(|f| (Ecosystem::Pip, Some(f))),
        "python" | "python3" | "python2" => {
            // python -m pip install -r requirements.txt
            let i = args.iter().position(|a| *a == "-m")?;
            if args.get(i + 1).is_some_and(|m| m.starts_with("pip")) {
                pip_requirements(&args[i + 2..]).map(|f| (Ecosystem::Pip, Some(f)))
            } else {
                None
            }
        }
        "uv" => match (sub, positional.get(1)) {
            (Some("sync"), _) => Some((Ecosystem::Uv, None)),
            (Some("pip"), Some(&"install")) => {
                pip_requirements(&args[1..]).map(|f| (Ecosystem::Pip, Some(f)))
            }
            _ => None,
        },
        "pipenv" => match sub {
            Some("install") | Some("sync") if positional.len() == 1 => {
                Some((Ecosystem::Pipenv, None))
            }
            _ => None,
        },
        "poetry" => match sub {
            Some("install") => Some((Ecosystem::Poetry, None)),
            _ => None,
        },
        "bundle" | "bundler" => match sub {
            None | Some("install") => Some((Ecosystem::Bundler, None)),
            _ => None,
        },
        "composer" | "composer.phar" => match sub {
            Some("install") => Some((Ecosystem::Composer, None)),
            _ => None,
        },
        "go" => match (sub, positional.get(1)) {
            (Some("mod"), Some(&"download")) => Some((Ecosystem::Go, None)),
            _ => None,
        },
        "cargo" => match sub {
            Some("fetch") | Some("build") => Some((Ecosystem::Cargo, None)),
            _ => None,
        },
        "mvn" | "mvnw" => {
            if positional.iter().any(|a| {
                matches!(
                    *a,
                    "dependency:go-offline"
                        | "dependency:resolve"
                        | "package"
                        | "install"
                        | "verify"
                ) || a.ends_with(":go-offline")
            }) {
                Some((Ecosystem::Maven, None))
            } else {
                None
            }
        }
        "gradle" | "gradlew" => {
            if positional.iter().any(|a| {
                matches!(
                    *a,
                    "dependencies" | "build" | "assemble" | "bootJar" | "shadowJar" | "installDist"
                )
            }) {
                Some((Ecosystem::Gradle, None))
            } else {
                None
            }
        }
        "dotnet" => match sub {
            Some("restore") => Some((Ecosystem::Dotnet, None)),
            _ => None,
        },
        _ => None,
    }
}

fn has_global(args: &[&str]) -> bool {
    args.iter()
        .any(|a| matches!(*a, "-g" | "--global" | "--location=global"))
}

fn pip_requirements(args: &[&str]) -> Option<String> {
    let i = args.iter().position(|a| *a == "install")?;
    let rest = &args[i + 1..];
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        if *a == "-r" || *a == "--requirement" || *a == "-c" || *a == "--constraint" {
            if *a == "-r" || *a == "--requirement" {
                return it.next().map(|s| s.to_string());
            }
            it.next();
        } else if let Some(f) = a.strip_prefix("--requirement=") {
            return Some(f.to_string());
        } else if let Some(f) = a.strip_prefix("-r").filter(|f| !f.is_empty()) {
            return Some(f.to_string());
        }
    }
    None
}

/// Whether a COPY/ADD source copies the whole context or a directory.
pub fn is_broad_source(
    m: &Model,
    stage: usize,
    src: &str,
    ctx: Option<&crate::context::BuildContext>,
) -> bool {
    let v = m.expand_in_stage(stage, src);
    let v = v.as_str();
    if matches!(v, "." | "./" | "*" | "./*" | "/" | "./.") {
        return true;
    }
    if v.ends_with('/') || v.ends_with("/.") || v.ends_with("/*") {
        return true;
    }
    if let Some(ctx) = ctx {
        let rel = v.trim_start_matches("./").trim_start_matches('/');
        if !rel.contains('*') && !rel.is_empty() {
            let rel = rel.trim_end_matches('/');
            // The context listing knows two levels; deeper paths ask the disk.
            if ctx.has(&format!("{rel}/")) {
                return true;
            }
            if rel.matches('/').count() >= 2 && ctx.dir.join(rel).is_dir() {
                return true;
            }
        }
    }
    false
}

/// The broad context COPY/ADD instructions of a stage.
pub fn broad_copies<'m>(
    m: &'m Model,
    stage: usize,
    ctx: Option<&crate::context::BuildContext>,
) -> Vec<&'m Instruction> {
    m.stage_instructions(stage)
        .filter(|i| matches!(i.kind, Kind::Copy | Kind::Add))
        .filter(|i| {
            i.copy.as_ref().is_some_and(|c| {
                c.from_context()
                    && c.sources
                        .iter()
                        .any(|s| is_broad_source(m, stage, &s.value, ctx))
            })
        })
        .collect()
}

fn manifest_names(
    e: Ecosystem,
    file: Option<&str>,
    ctx: Option<&crate::context::BuildContext>,
) -> Vec<String> {
    if let Some(f) = file {
        // `-r /src/requirements.txt` names the file inside the image; name
        // the file itself.
        let f = if f.starts_with('/') {
            crate::model::basename(f)
        } else {
            f
        };
        return vec![f.trim_start_matches("./").to_string()];
    }
    if let Some(ctx) = ctx {
        let present: Vec<String> = e
            .manifests()
            .iter()
            .flat_map(|pat| {
                if let Some(ext) = pat.strip_prefix('*') {
                    ctx.entries
                        .iter()
                        .filter(|n| !n.contains('/') && n.ends_with(ext))
                        .cloned()
                        .collect::<Vec<_>>()
                } else if ctx.has(pat) {
                    vec![pat.to_string()]
                } else {
                    vec![]
                }
            })
            .collect();
        if !present.is_empty() {
            return present;
        }
    }
    e.main_manifests().iter().map(|s| s.to_string()).collect()
}

/// Whether a COPY before `before` copied one of the ecosystem's manifests.
fn manifest_copied_before(m: &Model, stage: usize, before: usize, eco: Ecosystem) -> bool {
    m.stage_instructions(stage)
        .filter(|i| i.index < before)
        .filter_map(|i| i.copy.as_ref())
        .filter(|c| c.from_context())
        .flat_map(|c| c.sources.iter())
        .any(|s| {
            let name = crate::model::basename(&s.value);
            eco.manifests()
                .iter()
                .any(|pat| match pat.strip_prefix('*') {
                    Some(ext) => name.ends_with(ext),
                    None => name == *pat,
                })
                || (eco == Ecosystem::Pip && name.starts_with("requirements"))
                || name.starts_with("package")
                    && matches!(eco, Ecosystem::Npm | Ecosystem::Yarn | Ecosystem::Pnpm)
        })
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let ctx = cx.context;
    for st in &m.stages {
        let broad = broad_copies(m, st.index, ctx);
        let Some(first_broad) = broad.first() else {
            continue;
        };
        // Ecosystems installed before the broad COPY, and the tools run then
        // (`./gradlew downloadRepos` fetches what a later build needs).
        let mut installed_before = Vec::new();
        let mut tools_before: Vec<String> = Vec::new();
        let mut reported = Vec::new();
        for inst in m.stage_instructions(st.index) {
            if inst.kind != Kind::Run {
                continue;
            }
            let Some(run) = inst.run() else { continue };
            for c in run.commands() {
                if inst.index < first_broad.index {
                    if let Some(p) = c.program() {
                        tools_before.push(p.to_string());
                    }
                }
                let Some((eco, file)) = dependency_install(c) else {
                    continue;
                };
                if inst.index < first_broad.index {
                    installed_before.push(eco);
                    continue;
                }
                // The manifests were copied on their own and the same tool
                // ran on them before the broad COPY (`./gradlew downloadRepos`).
                let fetched_before = c
                    .program()
                    .is_some_and(|p| tools_before.iter().any(|t| t == p))
                    && manifest_copied_before(m, st.index, first_broad.index, eco);
                if installed_before.contains(&eco) || reported.contains(&eco) || fetched_before {
                    continue;
                }
                // The first broad COPY before this install.
                let Some(copy) = broad.iter().find(|b| b.index < inst.index) else {
                    continue;
                };
                reported.push(eco);
                let manifests = manifest_names(eco, file.as_deref(), ctx);
                let install_short = m.quote(c.span, 60);
                let copy_text = m.quote(copy.span, 80);
                let msg = format!(
                    "`{copy_text}` copies the build context before `{install_short}` (line {}): any change to any copied file invalidates the cache and re-runs the whole install. Copy {} first, run the install, then copy the rest",
                    inst.start_line,
                    manifests.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", "),
                );
                let span = copy.span;
                let fix = reorder_fix(m, st.index, copy, inst, eco, ctx);
                let d = cx.report(span, msg);
                d.related.push(crate::diagnostic::Related {
                    span: c.span,
                    message: "this install re-runs on every source change".into(),
                });
                d.fix = fix;
            }
        }
    }
}

/// Moves the install before the broad COPY, with a COPY of the manifests in
/// front of it. Only when the broad COPY copies the whole context (`.`), the
/// install RUN holds nothing but dependency installs, nothing between the two
/// changes the environment, and the manifests exist in the context. Unsafe:
/// the install may read other files (a postinstall script, a local path
/// dependency).
fn reorder_fix(
    m: &Model,
    stage: usize,
    copy: &Instruction,
    install_run: &Instruction,
    eco: Ecosystem,
    ctx: Option<&crate::context::BuildContext>,
) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::Fix;
    let ctx = ctx?;
    let c = copy.copy.as_ref()?;
    let whole = c.sources.len() == 1
        && matches!(
            m.expand_in_stage(stage, &c.sources[0].value).as_str(),
            "." | "./"
        );
    if !whole || copy.json || install_run.json {
        return None;
    }
    let run = install_run.run()?;
    if run
        .commands()
        .any(|cmd| cmd.nested || dependency_install(cmd).is_none())
        || !run.mounts.is_empty() && run.mounts.iter().any(|mt| mt.kind() == "bind")
        || !install_run.heredocs.is_empty()
    {
        return None;
    }
    // Nothing between the COPY and the install may change what the install sees.
    let between_ok = m
        .stage_instructions(stage)
        .filter(|i| i.index > copy.index && i.index < install_run.index)
        .all(|i| {
            matches!(
                i.kind,
                Kind::Run | Kind::Copy | Kind::Add | Kind::Expose | Kind::Label
            )
        });
    if !between_ok {
        return None;
    }
    let manifests: Vec<String> = manifest_names(eco, None, Some(ctx))
        .into_iter()
        .filter(|f| ctx.has(f))
        .collect();
    if manifests.is_empty() {
        return None;
    }
    let dest = c.dest.as_ref()?.value.clone();
    let dest = if dest.ends_with('/') {
        dest
    } else {
        format!("{dest}/")
    };
    let flags: Vec<&str> = copy.flags.iter().map(|f| m.text(f.span)).collect();
    let kw = m.text(copy.keyword.span);
    let copy_kw = if kw.chars().all(|ch| ch.is_ascii_lowercase()) {
        "copy"
    } else {
        "COPY"
    };
    let indent = crate::edit::indentation(m, copy);
    let mut line = format!("{indent}{copy_kw} ");
    for f in &flags {
        line.push_str(f);
        line.push(' ');
    }
    line.push_str(&manifests.join(" "));
    line.push(' ');
    line.push_str(&dest);
    line.push('\n');
    let run_lines = {
        let start = crate::edit::line_start(m, install_run.span.start);
        let end = crate::edit::line_end_after_newline(m, install_run.span.end);
        let mut t = m.source[start..end].to_string();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    let edits = vec![
        crate::edit::insert_before(m, copy, &format!("{line}{run_lines}")),
        crate::edit::delete_instruction(m, install_run),
    ];
    Some(Fix::unsafe_(
        format!(
            "Copy {} and install before `{}`",
            manifests.join(", "),
            m.quote(copy.span, 80)
        ),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn eco(cmd: &str) -> Option<Ecosystem> {
        let m = Model::build(&format!("FROM a\nRUN {cmd}\n"));
        let run = m.instructions[1].run().unwrap();
        let c = run.commands().next().unwrap();
        dependency_install(c).map(|e| e.0)
    }

    #[test]
    fn installs() {
        assert_eq!(eco("npm ci"), Some(Ecosystem::Npm));
        assert_eq!(eco("npm install"), Some(Ecosystem::Npm));
        assert_eq!(eco("npm install -g typescript"), None);
        assert_eq!(eco("npm install express"), None);
        assert_eq!(eco("npm run build"), None);
        assert_eq!(eco("pip install -r requirements.txt"), Some(Ecosystem::Pip));
        assert_eq!(eco("pip install flask"), None);
        assert_eq!(
            eco("python -m pip install -r req.txt"),
            Some(Ecosystem::Pip)
        );
        assert_eq!(eco("go mod download"), Some(Ecosystem::Go));
        assert_eq!(eco("go build ./..."), None);
        assert_eq!(eco("yarn"), Some(Ecosystem::Yarn));
        assert_eq!(eco("./gradlew build"), Some(Ecosystem::Gradle));
        assert_eq!(eco("mvn -B dependency:go-offline"), Some(Ecosystem::Maven));
        assert_eq!(eco("dotnet restore"), Some(Ecosystem::Dotnet));
        assert_eq!(eco("make"), None);
    }
}
