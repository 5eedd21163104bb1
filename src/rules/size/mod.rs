//! What makes the shipped image big: a build in the final stage, compilers
//! and headers, development dependencies, a full base image where the same
//! version has a much smaller variant.
//!
//! The command recognisers here (`build_step`, `compiler_packages`,
//! `dev_install`, `removes_packages`) are small functions on the model's RUN
//! argv, so that they can later be pointed at a shared package-manager
//! analysis.
pub mod build_in_final_stage;
pub mod dev_dependencies_in_image;
pub mod heavy_base_image;

use crate::model::{package, Base, Instruction, Kind, Model, ShellCommand, ShellWord};

/// The stages whose layers make up the built image: the final stage (or
/// `--target`) and the stages it is built `FROM`, root first.
pub fn image_stages(m: &Model, target: Option<&str>) -> Vec<usize> {
    let Some(fin) = m.final_stage(target) else {
        return Vec::new();
    };
    let mut chain = vec![fin.index];
    let mut cur = fin.index;
    while let Base::Stage(p) = m.stages[cur].base {
        if p >= cur || chain.len() > 64 {
            break;
        }
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    chain
}

/// The instructions of those stages, in order.
pub fn image_instructions<'m>(m: &'m Model, stages: &[usize]) -> Vec<&'m Instruction> {
    stages
        .iter()
        .flat_map(|&s| m.stage_instructions(s))
        .collect()
}

/// A stage meant for development or tests (`dev`, `test`, `ci`, `debug`,
/// …): development dependencies and toolchains are what it is for.
pub fn is_dev_stage_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(['-', '_', '.']).any(|p| {
        matches!(
            p,
            "dev"
                | "devel"
                | "develop"
                | "development"
                | "test"
                | "tests"
                | "testing"
                | "ci"
                | "debug"
                | "local"
                | "lint"
                | "e2e"
                | "devcontainer"
        )
    })
}

/// Whether the image (any of its stages) sets CMD or ENTRYPOINT.
pub fn runs_something(m: &Model, stages: &[usize]) -> bool {
    image_instructions(m, stages)
        .iter()
        .any(|i| matches!(i.kind, Kind::Cmd | Kind::Entrypoint))
}

/// The major version in a tag such as `18`, `18.19-slim`, `3.12-bookworm`.
pub fn tag_version(tag: &str) -> Option<(u32, Option<u32>)> {
    let v = tag.split('-').next()?;
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|p| p.parse().ok());
    Some((major, minor))
}

/// What a build step compiles with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolchain {
    Go,
    Cargo,
    Maven,
    Gradle,
    Dotnet,
    Node,
    C,
}

/// Whether a command compiles or bundles the application.
pub fn build_step(c: &ShellCommand) -> Option<Toolchain> {
    let prog = c.program()?;
    let args = c.arg_texts();
    let positional = c.positional_texts();
    let sub = positional.first().copied();
    match prog {
        "go" => matches!(sub, Some("build") | Some("install")).then_some(Toolchain::Go),
        "cargo" => {
            matches!(sub, Some("build") | Some("b") | Some("install")).then_some(Toolchain::Cargo)
        }
        "mvn" | "mvnw" => positional
            .iter()
            .any(|a| matches!(*a, "package" | "install" | "verify" | "compile" | "deploy"))
            .then_some(Toolchain::Maven),
        "gradle" | "gradlew" => positional
            .iter()
            .any(|a| {
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
                )
            })
            .then_some(Toolchain::Gradle),
        "dotnet" => matches!(sub, Some("publish") | Some("build")).then_some(Toolchain::Dotnet),
        "npm" | "yarn" | "pnpm" | "bun" => {
            let script = match sub {
                Some("run") | Some("run-script") => positional.get(1).copied(),
                s if prog != "npm" => s,
                _ => None,
            };
            script
                .is_some_and(|s| s == "build" || s.starts_with("build:"))
                .then_some(Toolchain::Node)
        }
        "tsc" | "webpack" => Some(Toolchain::Node),
        "ng" | "next" | "vite" | "nuxt" | "nuxi" => {
            (sub == Some("build")).then_some(Toolchain::Node)
        }
        "make" | "gmake" => (!positional
            .iter()
            .any(|a| matches!(*a, "clean" | "help" | "test" | "check")))
        .then_some(Toolchain::C),
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" => Some(Toolchain::C),
        "cmake" => args.contains(&"--build").then_some(Toolchain::C),
        _ => None,
    }
}

/// The package words of an install command (the operands after the
/// subcommand: options and their values left out).
pub fn package_words<'a>(p: &package::PackageCommand<'a>) -> Vec<&'a ShellWord> {
    p.arguments().collect()
}

fn package_name(word: &str) -> &str {
    let name = word
        .split(['=', '<', '>', '~'])
        .next()
        .unwrap_or(word)
        .trim_matches(|c| c == '"' || c == '\'');
    name.split(':').next().unwrap_or(name)
}

/// Whether a package (a name as written, maybe with `=version`) is a
/// compiler or build tool: `build-essential`, `gcc`, `make`, ….
pub fn is_compiler_package(word: &str) -> bool {
    let name = package_name(word);
    matches!(
        name,
        "build-essential"
            | "build-base"
            | "alpine-sdk"
            | "gcc"
            | "g++"
            | "gcc-c++"
            | "clang"
            | "make"
            | "cmake"
    ) || ["gcc-", "g++-"].iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()))
    })
}

/// Whether a package is development headers: `*-dev`, `*-devel`,
/// `musl-dev`, `linux-headers`, ….
pub fn is_header_package(word: &str) -> bool {
    let name = package_name(word);
    matches!(
        name,
        "musl-dev" | "libc-dev" | "libc6-dev" | "linux-headers" | "glibc-devel" | "kernel-headers"
    ) || (name.len() > 4 && (name.ends_with("-dev") || name.ends_with("-devel")))
}

/// The compiler and header packages a command installs, when it installs
/// at least one compiler or build tool. Headers alone are not a toolchain:
/// a `-dev` package is sometimes what a program needs at run time (the
/// unversioned `libfoo.so` that `dlopen` and Python's ctypes look for).
pub fn compiler_packages(c: &ShellCommand) -> Vec<&ShellWord> {
    let Some(p) = package::parse(c) else {
        return Vec::new();
    };
    if !p.tool.is_system() || p.op != package::Op::Install {
        return Vec::new();
    }
    let words = package_words(&p);
    if !words.iter().any(|w| is_compiler_package(w.text())) {
        return Vec::new();
    }
    words
        .into_iter()
        .filter(|w| is_compiler_package(w.text()) || is_header_package(w.text()))
        .collect()
}

/// Whether a command removes packages or a toolchain (`apt-get purge`,
/// `apk del`, `dnf remove`, `rm -rf /usr/local/go`).
pub fn removes_packages(c: &ShellCommand) -> bool {
    if let Some(p) = package::parse(c).filter(|p| p.tool.is_system()) {
        return p.op == package::Op::Remove;
    }
    matches!(c.program(), Some("rm"))
        && c.args().iter().any(|a| {
            let t = a.text().trim_end_matches('/');
            matches!(
                t,
                "/usr/local/go"
                    | "/usr/local/cargo"
                    | "/usr/local/rustup"
                    | "/root/.cargo"
                    | "/root/.rustup"
            )
        })
}

/// Manifests and lock files whose copy means the image builds or installs
/// an application from the build context.
const APP_MANIFESTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "pipfile",
    "pipfile.lock",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "setup.py",
    "setup.cfg",
    "gemfile",
    "gemfile.lock",
    "composer.json",
    "composer.lock",
    "go.mod",
    "go.sum",
    "cargo.toml",
    "cargo.lock",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "mix.exs",
    "mix.lock",
    "makefile",
    "cmakelists.txt",
    "cpanfile",
];

/// Source and artifact extensions.
const APP_EXTENSIONS: &[&str] = &[
    ".go", ".rs", ".c", ".cc", ".cpp", ".h", ".hpp", ".java", ".kt", ".scala", ".cs", ".fs", ".ts",
    ".tsx", ".js", ".mjs", ".cjs", ".py", ".rb", ".ex", ".exs", ".jar", ".war", ".ear", ".dll",
    ".whl", ".csproj", ".fsproj", ".sln",
];

/// Directory names that hold an application's sources or build output.
const APP_DIRS: &[&str] = &[
    "src", "app", "lib", "cmd", "pkg", "internal", "public", "dist", "build", "target", "web",
    "server", "client", "api", "frontend", "backend",
];

/// Whether a COPY/ADD source (expanded) is an application's sources,
/// manifests or build output rather than a helper script or a config file.
pub fn is_application_source(
    m: &Model,
    stage: usize,
    src: &str,
    ctx: Option<&crate::context::BuildContext>,
) -> bool {
    let v = m.expand_in_stage(stage, src);
    if v.contains("://") || v.starts_with("git@") {
        return false;
    }
    if crate::rules::cache::cache_busting_copy::is_broad_source(m, stage, &v, ctx) {
        return true;
    }
    let trimmed = v.trim_end_matches('/');
    let base = crate::model::basename(trimmed).to_ascii_lowercase();
    APP_MANIFESTS.contains(&base.as_str())
        || base.starts_with("requirements") && base.ends_with(".txt")
        || base.starts_with("package") && base.ends_with(".json")
        || APP_EXTENSIONS.iter().any(|e| base.ends_with(e))
        || APP_DIRS.contains(&base.as_str())
}

/// The position (in `insts`) of the first instruction that brings the
/// application into the image: a COPY/ADD of its sources, manifests or build
/// output from the build context, or a RUN with a bind mount of the context.
pub fn application_arrives(
    m: &Model,
    insts: &[&Instruction],
    ctx: Option<&crate::context::BuildContext>,
) -> Option<usize> {
    insts.iter().position(|i| {
        let Some(stage) = i.stage else { return false };
        match i.kind {
            Kind::Copy | Kind::Add => i.copy.as_ref().is_some_and(|c| {
                c.from_context()
                    && c.sources
                        .iter()
                        .any(|s| is_application_source(m, stage, &s.value, ctx))
            }),
            Kind::Run => i
                .mounts
                .iter()
                .any(|mt| mt.kind() == "bind" && mt.get("from").is_none()),
            _ => false,
        }
    })
}

/// Programs that run tests: an image whose CMD or ENTRYPOINT runs one is a
/// test image, and its development dependencies and toolchain are what it
/// is for.
const TEST_RUNNERS: &[&str] = &[
    "cypress",
    "jest",
    "mocha",
    "vitest",
    "playwright",
    "pytest",
    "tox",
    "nox",
    "rspec",
    "phpunit",
    "karma",
    "ava",
    "tap",
    "behave",
];

/// The last CMD or ENTRYPOINT of the image, as words.
pub fn run_words(m: &Model, stages: &[usize]) -> Vec<String> {
    let Some(inst) = image_instructions(m, stages)
        .into_iter()
        .rev()
        .find(|i| matches!(i.kind, Kind::Cmd | Kind::Entrypoint))
    else {
        return Vec::new();
    };
    if inst.json {
        inst.args.iter().map(|a| a.value.clone()).collect()
    } else {
        inst.args_text()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

/// Why the size rules leave the image alone, if they do: it is a stage for
/// development or tests, a dev container, a test image, or a base or tool
/// image (it sets no CMD or ENTRYPOINT and its base image starts no
/// service, so other images build FROM it and say what to run).
pub fn not_a_shipped_application(m: &Model, stages: &[usize]) -> bool {
    let Some(&fin) = stages.last() else {
        return true;
    };
    if stages
        .iter()
        .any(|&s| m.stages[s].name().is_some_and(is_dev_stage_name))
    {
        return true;
    }
    if !crate::rules::image::runtime::runs_something(m, fin) {
        return true;
    }
    if crate::rules::image::runtime::root_image(m, fin)
        .is_some_and(|r| r.path.contains("devcontainers/") || r.path.contains("devcontainer"))
    {
        return true;
    }
    let words = run_words(m, stages);
    let tests = words.iter().take(4).any(|w| {
        let b = crate::model::basename(w.trim_matches(|c| c == '"' || c == '\''));
        TEST_RUNNERS.contains(&b)
    }) || words.windows(2).take(4).any(|p| {
        matches!(
            p[0].as_str(),
            "npm" | "yarn" | "pnpm" | "go" | "cargo" | "dotnet" | "mvn" | "gradle"
        ) && p[1] == "test"
    });
    tests
}
