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
    Nuget,
}

impl Ecosystem {
    /// Ecosystems whose steps stand in for each other: `nuget restore` and
    /// `dotnet restore`/`build` fill the same package folders.
    pub fn family(self) -> Ecosystem {
        match self {
            Ecosystem::Nuget => Ecosystem::Dotnet,
            e => e,
        }
    }

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
            Ecosystem::Nuget => &["packages.config", "*.sln"],
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
    let args = c.arg_texts();
    let positional = c.positional_texts();
    let sub = positional.first().copied();
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
            Some("fetch") => Some((Ecosystem::Cargo, None)),
            _ => None,
        },
        // Only goals that download and build nothing of the project's own:
        // `package`, `install` and `verify` compile the sources.
        "mvn" | "mvnw" => positional
            .iter()
            .all(|a| {
                matches!(
                    *a,
                    "dependency:go-offline"
                        | "dependency:resolve"
                        | "dependency:resolve-plugins"
                        | "dependency:resolve-sources"
                ) || a.ends_with(":go-offline")
            })
            .then_some((Ecosystem::Maven, None))
            .filter(|_| !positional.is_empty()),
        "gradle" | "gradlew" => positional
            .iter()
            .all(|a| {
                matches!(
                    *a,
                    "dependencies" | "downloadDependencies" | "--refresh-dependencies"
                )
            })
            .then_some((Ecosystem::Gradle, None))
            .filter(|_| !positional.is_empty()),
        "dotnet" => match sub {
            Some("restore") => Some((Ecosystem::Dotnet, None)),
            _ => None,
        },
        "nuget" | "nuget.exe" => match sub.map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("restore") | Some("install") => Some((Ecosystem::Nuget, None)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a command builds the project and downloads what it depends on
/// while doing so, when no dependency step ran before (`mvn package`,
/// `gradle build`, `cargo build`, `go build`, `go mod tidy`, `dotnet
/// publish`). Offline builds (`mvn -o`, `--offline`, `-mod=vendor`,
/// `--no-restore`) download nothing.
pub fn build_with_dependencies(c: &ShellCommand) -> Option<Ecosystem> {
    let prog = c.program()?;
    let args = c.arg_texts();
    let positional = c.positional_texts();
    let sub = positional.first().copied();
    let has = |a: &str| args.contains(&a);
    match prog {
        "mvn" | "mvnw" => (!has("-o")
            && !has("--offline")
            && positional.iter().any(|a| {
                matches!(
                    *a,
                    "package" | "install" | "verify" | "compile" | "deploy" | "test"
                )
            }))
        .then_some(Ecosystem::Maven),
        "gradle" | "gradlew" => (!has("--offline")
            && positional.iter().any(|a| {
                matches!(
                    a.rsplit(':').next().unwrap_or(a),
                    "build"
                        | "assemble"
                        | "bootJar"
                        | "bootWar"
                        | "shadowJar"
                        | "installDist"
                        | "jar"
                        | "war"
                        | "test"
                )
            }))
        .then_some(Ecosystem::Gradle),
        "cargo" => (matches!(
            sub,
            Some("build") | Some("b") | Some("install") | Some("test")
        ) && !has("--offline")
            && !has("--frozen"))
        .then_some(Ecosystem::Cargo),
        "go" => {
            let vendor = args.contains(&"-mod=vendor")
                || c.assignments
                    .iter()
                    .any(|a| a.text().contains("-mod=vendor"));
            let modules_off = c.assignments.iter().any(|a| a.text() == "GO111MODULE=off");
            // `go install tool@v1.2` downloads that tool's module, not the
            // project's dependencies.
            let tool = sub == Some("install") && positional.iter().any(|a| a.contains('@'));
            let builds = matches!(sub, Some("build") | Some("install"))
                || (sub == Some("mod") && positional.get(1) == Some(&"tidy"));
            (builds && !vendor && !modules_off && !tool).then_some(Ecosystem::Go)
        }
        "dotnet" => (matches!(sub, Some("build") | Some("publish") | Some("test"))
            && !has("--no-restore"))
        .then_some(Ecosystem::Dotnet),
        _ => None,
    }
}

/// The command that downloads an ecosystem's dependencies from its
/// manifests alone, spelled with the build's program (`./mvnw`).
fn dependency_command(eco: Ecosystem, build: &ShellCommand) -> Option<String> {
    let prog = build.program_args().first().map(|w| w.text()).unwrap_or("");
    Some(match eco {
        Ecosystem::Maven => format!("{prog} -B dependency:go-offline"),
        Ecosystem::Gradle => format!("{prog} dependencies --no-daemon"),
        Ecosystem::Cargo => "cargo fetch".into(),
        Ecosystem::Go => "go mod download".into(),
        Ecosystem::Dotnet => {
            // A runtime identifier makes the build restore runtime packs:
            // restore for the same one.
            let args = build.args();
            let rid = args.iter().enumerate().find_map(|(i, w)| {
                let t = w.text();
                if t == "-r" || t == "--runtime" {
                    args.get(i + 1).map(|v| v.text().to_string())
                } else {
                    t.strip_prefix("--runtime=").map(str::to_string)
                }
            });
            match rid {
                Some(r) => format!("dotnet restore -r {r}"),
                None => "dotnet restore".into(),
            }
        }
        _ => return None,
    })
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

/// The line of a COPY before `before` that copied one of the ecosystem's
/// manifests on its own.
fn manifest_copied_before(m: &Model, stage: usize, before: usize, eco: Ecosystem) -> Option<usize> {
    m.stage_instructions(stage)
        .filter(|i| i.index < before)
        .filter(|i| i.copy.as_ref().is_some_and(|c| c.from_context()))
        .find(|i| {
            i.copy.iter().flat_map(|c| c.sources.iter()).any(|s| {
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
        })
        .map(|i| i.start_line)
}

/// What a broad COPY copies, for the message: the whole context, or the
/// directory that busts the cache.
fn broad_what(
    m: &Model,
    stage: usize,
    copy: &Instruction,
    ctx: Option<&crate::context::BuildContext>,
) -> (String, String) {
    let Some(c) = &copy.copy else {
        return (
            "the build context".into(),
            "any change to any copied file".into(),
        );
    };
    let src = c
        .sources
        .iter()
        .map(|s| m.expand_in_stage(stage, &s.value))
        .find(|v| is_broad_source(m, stage, v, ctx))
        .unwrap_or_default();
    if matches!(src.as_str(), "." | "./" | "*" | "./*" | "/" | "./." | "") {
        (
            "the build context".into(),
            "any change to any copied file".into(),
        )
    } else {
        let d = src.trim_end_matches('*').trim_end_matches('.');
        let d = if d.ends_with('/') {
            d.to_string()
        } else {
            format!("{d}/")
        };
        (
            format!("the directory `{d}`"),
            format!("any change in `{d}`"),
        )
    }
}

fn code_join(items: &[String]) -> String {
    items
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let ctx = cx.context;
    for st in &m.stages[cx.unit().stages()] {
        let broad = broad_copies(m, st.index, ctx);
        let Some(first_broad) = broad.first() else {
            continue;
        };
        // Ecosystems whose dependencies were downloaded before the broad
        // COPY, and the tools run then (`./gradlew downloadRepos` fetches
        // what a later build needs).
        let mut installed_before = Vec::new();
        let mut tools_before: Vec<String> = Vec::new();
        let mut reported = Vec::new();
        for inst in m.stage_instructions(st.index) {
            if inst.kind != Kind::Run {
                continue;
            }
            let Some(run) = inst.run() else { continue };
            let cached = run.mounts.iter().any(|mt| mt.kind() == "cache");
            for c in run.commands() {
                if inst.index < first_broad.index {
                    if let Some(p) = c.program() {
                        tools_before.push(p.to_string());
                    }
                    if let Some((eco, _)) = dependency_install(c) {
                        installed_before.push(eco.family());
                    }
                    continue;
                }
                // The first broad COPY before this step.
                let Some(copy) = broad.iter().find(|b| b.index < inst.index) else {
                    continue;
                };
                if let Some((eco, file)) = dependency_install(c) {
                    // The manifests were copied on their own and the same tool
                    // ran on them before the broad COPY (`./gradlew downloadRepos`).
                    let fetched_before = c
                        .program()
                        .is_some_and(|p| tools_before.iter().any(|t| t == p))
                        && manifest_copied_before(m, st.index, first_broad.index, eco).is_some();
                    if installed_before.contains(&eco.family())
                        || reported.contains(&eco.family())
                        || fetched_before
                    {
                        continue;
                    }
                    reported.push(eco.family());
                    report_install(cx, st.index, copy, inst, c, eco, file.as_deref());
                } else if let Some(eco) = build_with_dependencies(c) {
                    if installed_before.contains(&eco) || reported.contains(&eco) || cached {
                        continue;
                    }
                    if eco == Ecosystem::Go
                        && (go_has_nothing_to_download(ctx) || gopath_mode(m, st.index, copy))
                    {
                        continue;
                    }
                    reported.push(eco);
                    report_build(cx, st.index, copy, inst, c, eco);
                }
            }
        }
    }
}

/// Sources copied into `$GOPATH/src` are built in GOPATH mode (projects
/// from before modules): there is no go.mod to download from.
fn gopath_mode(m: &Model, stage: usize, copy: &Instruction) -> bool {
    let dest = copy
        .copy
        .as_ref()
        .and_then(|c| c.dest.as_ref())
        .map(|d| m.expand_in_stage(stage, &d.value))
        .unwrap_or_default();
    dest.starts_with("/go/src/") || dest.contains("$GOPATH/src") || dest.contains("${GOPATH}/src")
}

/// A Go module without dependencies (no go.sum) or with them vendored.
fn go_has_nothing_to_download(ctx: Option<&crate::context::BuildContext>) -> bool {
    ctx.is_some_and(|ctx| ctx.has("go.mod") && (!ctx.has("go.sum") || ctx.has("vendor/")))
}

/// A command on one line, without continuations, at most 60 characters,
/// escaped.
fn short(m: &Model, c: &ShellCommand) -> String {
    m.quote(c.span, 60)
}

/// An instruction on one line (continuations joined), at most 80
/// characters, escaped.
fn first_line(m: &Model, inst: &Instruction) -> String {
    m.quote(inst.span, 80)
}

fn report_install(
    cx: &mut Checker,
    stage: usize,
    copy: &Instruction,
    inst: &Instruction,
    c: &ShellCommand,
    eco: Ecosystem,
    file: Option<&str>,
) {
    let m = cx.model;
    let ctx = cx.context;
    let manifests = manifest_names(eco, file, ctx);
    let install_short = short(m, c);
    let copy_text = first_line(m, copy);
    let (what, change) = broad_what(m, stage, copy, ctx);
    let already = manifest_copied_before(m, stage, inst.index, eco)
        .filter(|_| !what.starts_with("the build context"));
    let advice = match already {
        Some(line) => format!(
            "{} {} already copied on their own (line {line}): run the install before `{copy_text}`, unless the install needs {what} (a local package or workspace member)",
            code_join(&manifests),
            if manifests.len() == 1 { "is" } else { "are" },
        ),
        None => {
            let scripts = if eco == Ecosystem::Composer && !c.has_arg("--no-scripts") {
                " (with `--no-scripts`: the scripts need the sources; run `composer dump-autoload` after copying them)"
            } else {
                ""
            };
            format!(
                "Copy {} first, run the install{scripts}, then copy the rest",
                code_join(&manifests)
            )
        }
    };
    let msg = format!(
        "`{copy_text}` copies {what} before `{install_short}` (line {}): {change} invalidates the cache and re-runs the whole install. {advice}",
        inst.start_line,
    );
    let fix = if already.is_none() {
        reorder_fix(m, stage, copy, inst, eco, ctx)
    } else {
        None
    };
    let d = cx.report(copy.span, msg);
    d.related.push(crate::diagnostic::Related {
        span: c.span,
        message: "this install re-runs on every source change".into(),
    });
    d.fix = fix;
}

fn report_build(
    cx: &mut Checker,
    stage: usize,
    copy: &Instruction,
    inst: &Instruction,
    c: &ShellCommand,
    eco: Ecosystem,
) {
    let m = cx.model;
    let ctx = cx.context;
    let manifests = manifest_names(eco, None, ctx);
    let build_short = short(m, c);
    let copy_text = first_line(m, copy);
    let (what, change) = broad_what(m, stage, copy, ctx);
    let dep = dependency_command(eco, c).unwrap_or_default();
    let how = match eco {
        Ecosystem::Cargo => format!(
            "Copy {} first and run `cargo fetch` on them (cargo reads a manifest only with a target: `RUN mkdir -p src && touch src/main.rs && cargo fetch && rm -r src`), then copy the rest",
            code_join(&manifests)
        ),
        _ => format!(
            "Copy {} first and run `{dep}`, then copy the rest",
            code_join(&manifests)
        ),
    };
    let msg = format!(
        "`{copy_text}` copies {what} before `{build_short}` (line {}), and no step before it downloads the dependencies: {change} invalidates the cache, and the build downloads every dependency again. {how}",
        inst.start_line,
    );
    let fix = dependency_step_fix(m, stage, copy, inst, c, eco, ctx);
    let d = cx.report(copy.span, msg);
    d.related.push(crate::diagnostic::Related {
        span: c.span,
        message: "this build downloads the dependencies again on every source change".into(),
    });
    d.fix = fix;
}

/// The broad COPY copies exactly `.` (or `./`), in shell form, and only
/// instructions that cannot change what a moved or added step sees sit
/// between it and `later`: EXPOSE and LABEL. A RUN or COPY there may install
/// the tool the step needs or change its configuration (`RUN npm install -g
/// npm@11` before an `npm ci` that npm 10 fails, `RUN apk add go`, a copied
/// `.npmrc`), and the moved or added step would run without it.
fn whole_context_copy(m: &Model, stage: usize, copy: &Instruction, later: &Instruction) -> bool {
    let Some(c) = copy.copy.as_ref() else {
        return false;
    };
    let whole = c.sources.len() == 1
        && matches!(
            m.expand_in_stage(stage, &c.sources[0].value).as_str(),
            "." | "./"
        );
    whole
        && !copy.json
        && !later.json
        && m.stage_instructions(stage)
            .filter(|i| i.index > copy.index && i.index < later.index)
            .all(|i| matches!(i.kind, Kind::Expose | Kind::Label))
}

/// Options that make an install read its manifests from somewhere else than
/// the directory the fix copies them to.
const ELSEWHERE_OPTIONS: &[&str] = &[
    "-C",
    "-d",
    "-f",
    "-p",
    "-b",
    "-s",
    "-w",
    "--prefix",
    "--cwd",
    "--dir",
    "--directory",
    "--working-dir",
    "--chdir",
    "--manifest-path",
    "--file",
    "--project",
    "--project-dir",
    "--project-directory",
    "--build-file",
    "--gemfile",
    "--settings",
    "--global-settings",
    "--workspace",
    "--workspaces",
    "--filter",
    "-SolutionDirectory",
    "-PackagesDirectory",
    "-ConfigFile",
];

/// Whether every file the install names is one of the copied manifests and
/// no option points it elsewhere: `dotnet restore cartservice.csproj` with
/// only `app.csproj` copied, `nuget restore App.sln` (a solution names
/// project directories the fix does not copy), `npm ci --prefix web`,
/// `pip install -r requirements/prod.txt` (copied to `./prod.txt`) would
/// fail above the broad COPY.
fn install_reads_only(cmd: &ShellCommand, manifests: &[String], dest: &str) -> bool {
    const FILE_EXTENSIONS: &[&str] = &[
        "sln", "csproj", "fsproj", "vbproj", "proj", "json", "toml", "lock", "xml", "gradle",
        "kts", "txt", "config", "yaml", "yml", "cfg", "in", "gemspec",
    ];
    let file_like = |t: &str| {
        t.rsplit_once('.')
            .is_some_and(|(_, ext)| FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
    };
    let copied = |t: &str| manifests.iter().any(|m| m == t) && !t.ends_with(".sln");
    cmd.args().iter().all(|w| {
        let t = w.text();
        if t.starts_with('-') {
            let name = t.split('=').next().unwrap_or(t);
            return !ELSEWHERE_OPTIONS
                .iter()
                .any(|o| o.eq_ignore_ascii_case(name));
        }
        if t.contains("://") || t.contains('$') {
            // A URL reads nothing from the context; a variable may be anything.
            return !t.contains('$');
        }
        if t.starts_with('/') {
            // A path in the image: a directory (`-t /deps`), or a manifest
            // where the fix copies it (`/app/requirements.txt`).
            return !file_like(t)
                || t.rsplit_once('/')
                    .is_some_and(|(dir, name)| format!("{dir}/") == dest && copied(name));
        }
        let t = t.strip_prefix("./").unwrap_or(t);
        if t.contains('/') {
            return false;
        }
        !file_like(t) || copied(t)
    })
}

/// `COPY <flags> <files> <dest>` with the broad COPY's keyword case, flags
/// and destination.
fn copy_line(m: &Model, copy: &Instruction, files: &[String], dest: &str) -> String {
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
    line.push_str(&files.join(" "));
    line.push(' ');
    line.push_str(dest);
    line.push('\n');
    line
}

fn dest_dir(copy: &Instruction) -> Option<String> {
    let dest = copy.copy.as_ref()?.dest.as_ref()?.value.clone();
    Some(if dest.ends_with('/') {
        dest
    } else {
        format!("{dest}/")
    })
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
    if !whole_context_copy(m, stage, copy, install_run) {
        return None;
    }
    let run = install_run.run()?;
    if run.commands().any(|cmd| {
        cmd.nested
            || dependency_install(cmd).is_none()
            // Composer's scripts read the sources.
            || dependency_install(cmd).is_some_and(|(e, _)| e == Ecosystem::Composer)
                && !cmd.has_arg("--no-scripts")
    }) || !run.mounts.is_empty() && run.mounts.iter().any(|mt| mt.kind() == "bind")
        || !install_run.heredocs.is_empty()
    {
        return None;
    }
    let manifests: Vec<String> = manifest_names(eco, None, Some(ctx))
        .into_iter()
        .filter(|f| ctx.has(f))
        .collect();
    // A solution names project directories the COPY of the manifests does
    // not bring.
    if manifests.is_empty() || manifests.iter().any(|f| f.ends_with(".sln")) {
        return None;
    }
    let dest = dest_dir(copy)?;
    if run
        .commands()
        .any(|cmd| !install_reads_only(cmd, &manifests, &dest))
    {
        return None;
    }
    let line = copy_line(m, copy, &manifests, &dest);
    let run_lines = {
        let start = crate::edit::line_start(m, install_run.span.start);
        let end = crate::edit::line_end_after_newline(m, install_run.span.end);
        let mut t = m.source.get(start..end)?.to_string();
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

/// Reads a context file (small manifests only).
fn context_file(ctx: &crate::context::BuildContext, name: &str) -> Option<String> {
    let p = ctx.dir.join(name);
    let meta = std::fs::metadata(&p).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    std::fs::read_to_string(p).ok()
}

/// Adds a dependency step before the broad COPY for a build that downloads
/// its dependencies after it: `COPY pom.xml ./` + `RUN mvn -B
/// dependency:go-offline`, `COPY go.mod go.sum ./` + `RUN go mod download`,
/// and so on. The build itself stays where it is. Only for a single-module
/// project whose manifests are at the root of the context and a build that
/// runs where they are copied. Unsafe: the dependency step may resolve
/// differently from the build (profiles, settings files, private feeds).
fn dependency_step_fix(
    m: &Model,
    stage: usize,
    copy: &Instruction,
    build_run: &Instruction,
    build: &ShellCommand,
    eco: Ecosystem,
    ctx: Option<&crate::context::BuildContext>,
) -> Option<crate::diagnostic::Fix> {
    use crate::diagnostic::Fix;
    let ctx = ctx?;
    if !whole_context_copy(m, stage, copy, build_run) {
        return None;
    }
    let run = build_run.run()?;
    // The build must run where the manifests go: no `cd` before it, no
    // WORKDIR in between (checked above), no options that point elsewhere.
    let before_build: Vec<&ShellCommand> = run
        .commands()
        .take_while(|x| x.span != build.span)
        .collect();
    if build.nested
        || before_build
            .iter()
            .any(|x| matches!(x.program(), Some("cd") | Some("pushd")))
        || build.args().iter().any(|w| {
            matches!(
                w.text(),
                "-f" | "--file"
                    | "-s"
                    | "--settings"
                    | "-gs"
                    | "--global-settings"
                    | "-p"
                    | "--project-dir"
                    | "-b"
                    | "--build-file"
                    | "--manifest-path"
                    | "-C"
            ) || w.text().starts_with("--manifest-path=")
                || w.text().starts_with("--settings=")
                || w.text().starts_with("--file=")
        })
    {
        return None;
    }
    let dest = dest_dir(copy)?;
    let prog = build.program().unwrap_or("");
    let wrapper = matches!(prog, "mvnw" | "gradlew");
    let mut files: Vec<String> = Vec::new();
    let mut dirs: Vec<&str> = Vec::new();
    match eco {
        Ecosystem::Maven => {
            let pom = context_file(ctx, "pom.xml")?;
            if pom.contains("<modules>") {
                return None;
            }
            if wrapper {
                if !(ctx.has("mvnw") && ctx.has(".mvn/")) {
                    return None;
                }
                files.push("mvnw".into());
                dirs.push(".mvn");
            }
            files.push("pom.xml".into());
        }
        Ecosystem::Gradle => {
            let present: Vec<&str> = [
                "build.gradle",
                "build.gradle.kts",
                "settings.gradle",
                "settings.gradle.kts",
                "gradle.properties",
            ]
            .into_iter()
            .filter(|f| ctx.has(f))
            .collect();
            if !present.iter().any(|f| f.starts_with("build.")) {
                return None;
            }
            for s in present.iter().filter(|f| f.starts_with("settings.")) {
                if context_file(ctx, s)?.contains("include") {
                    return None;
                }
            }
            if wrapper {
                if !(ctx.has("gradlew") && ctx.has("gradle/")) {
                    return None;
                }
                files.push("gradlew".into());
                dirs.push("gradle");
            }
            files.extend(present.iter().map(|f| f.to_string()));
        }
        Ecosystem::Cargo => {
            let toml = context_file(ctx, "Cargo.toml")?;
            // Workspaces need their members; explicit targets their paths.
            if toml.contains("[workspace]") || toml.contains("path =") || toml.contains("path=") {
                return None;
            }
            // Something copied earlier may live in `src/`, which the step removes.
            if m.stage_instructions(stage)
                .any(|i| i.index < copy.index && i.copy.is_some())
            {
                return None;
            }
            files.push("Cargo.toml".into());
            if ctx.has("Cargo.lock") {
                files.push("Cargo.lock".into());
            }
        }
        Ecosystem::Go => {
            let gomod = context_file(ctx, "go.mod")?;
            // A `replace` with a local path needs that directory.
            if gomod.contains("=> ./") || gomod.contains("=> ../") || ctx.has("go.work") {
                return None;
            }
            files.push("go.mod".into());
            if ctx.has("go.sum") {
                files.push("go.sum".into());
            }
        }
        Ecosystem::Dotnet => {
            let projects: Vec<&String> = ctx
                .entries
                .iter()
                .filter(|e| !e.contains('/') && (e.ends_with(".csproj") || e.ends_with(".fsproj")))
                .collect();
            let solutions = ctx
                .entries
                .iter()
                .any(|e| !e.contains('/') && e.ends_with(".sln"));
            if projects.len() != 1 || solutions || ctx.has("Directory.Packages.props") {
                return None;
            }
            files.push(projects[0].clone());
            for extra in [
                "nuget.config",
                "NuGet.Config",
                "global.json",
                "Directory.Build.props",
            ] {
                if ctx.has(extra) {
                    files.push(extra.to_string());
                }
            }
        }
        _ => return None,
    }
    let dep = dependency_command(eco, build)?;
    let indent = crate::edit::indentation(m, copy);
    let kw = m.text(build_run.keyword.span);
    let run_kw = if kw.chars().all(|ch| ch.is_ascii_lowercase()) {
        "run"
    } else {
        "RUN"
    };
    let mut lines = copy_line(m, copy, &files, &dest);
    for d in &dirs {
        lines.push_str(&copy_line(
            m,
            copy,
            &[format!("{d}/")],
            &format!("{dest}{d}/"),
        ));
    }
    let step = if eco == Ecosystem::Cargo {
        "mkdir -p src && touch src/main.rs && cargo fetch && rm -r src".to_string()
    } else {
        dep.clone()
    };
    lines.push_str(&format!("{indent}{run_kw} {step}\n"));
    Some(Fix::unsafe_(
        format!(
            "Copy {} and run `{dep}` before `{}`",
            files.join(", "),
            first_line(m, copy)
        ),
        vec![crate::edit::insert_before(m, copy, &lines)],
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
        assert_eq!(eco("./gradlew build"), None);
        assert_eq!(eco("./gradlew dependencies"), Some(Ecosystem::Gradle));
        assert_eq!(eco("mvn -B package"), None);
        assert_eq!(eco("mvn clean package"), None);
        assert_eq!(eco("cargo build --release"), None);
        assert_eq!(eco("cargo fetch"), Some(Ecosystem::Cargo));
        assert_eq!(eco("nuget restore App.sln"), Some(Ecosystem::Nuget));
        assert_eq!(eco("mvn -B dependency:go-offline"), Some(Ecosystem::Maven));
        assert_eq!(eco("dotnet restore"), Some(Ecosystem::Dotnet));
        assert_eq!(eco("make"), None);
    }

    fn build(cmd: &str) -> Option<Ecosystem> {
        let m = Model::build(&format!(
            "FROM a
RUN {cmd}
"
        ));
        let run = m.instructions[1].run().unwrap();
        let c = run.commands().next().unwrap();
        build_with_dependencies(c)
    }

    #[test]
    fn builds_that_download() {
        assert_eq!(build("mvn -B package"), Some(Ecosystem::Maven));
        assert_eq!(build("mvn -o package"), None);
        assert_eq!(
            build("./gradlew build --no-daemon"),
            Some(Ecosystem::Gradle)
        );
        assert_eq!(build("cargo build --release"), Some(Ecosystem::Cargo));
        assert_eq!(build("cargo build --offline"), None);
        assert_eq!(build("go build -o /app ./cmd/app"), Some(Ecosystem::Go));
        assert_eq!(build("go mod tidy"), Some(Ecosystem::Go));
        assert_eq!(build("go build -mod=vendor ."), None);
        assert_eq!(build("dotnet publish -c Release"), Some(Ecosystem::Dotnet));
        assert_eq!(build("dotnet publish --no-restore"), None);
        assert_eq!(build("npm run build"), None);
    }
}
