//! The build context.
pub mod copy_ignored_file;
pub mod dockerignore_gaps;
pub mod missing_dockerignore;

use crate::context::BuildContext;
use crate::model::{Instruction, Model};

/// The first COPY/ADD that takes sources from the build context.
pub fn first_context_copy(m: &Model) -> Option<&Instruction> {
    m.instructions.iter().find(|i| {
        i.stage.is_some()
            && i.copy.as_ref().is_some_and(|c| {
                c.from_context()
                    && c.sources.iter().any(|s| {
                        !crate::rules::instruction::add_instead_of_copy::is_remote(&s.value)
                    })
            })
    })
}

/// What an ignore file should leave out of this context: (entry, why).
/// Only entries that exist are named.
pub fn unwanted_entries(ctx: &BuildContext) -> Vec<(String, &'static str)> {
    ctx.unwanted_cached(compute_unwanted)
}

/// Why `node_modules` belongs in the ignore file of a Node project that
/// installs its dependencies in the image.
const NODE_MODULES_WHY: &str =
    "host-installed packages, platform-specific; the image installs its own and `COPY . .` would copy these over them";

/// The same, before the folder exists.
pub const NODE_MODULES_PREDICTED: &str =
    "not there yet, but `npm install` on the host creates it: platform-specific packages that `COPY . .` would copy over the image's own install";

/// What the ignore file of this context should leave out for this
/// Dockerfile: the context's unwanted entries, without the ones the
/// Dockerfile copies by name (`COPY dist/ …`, `COPY target/app.jar …`),
/// and with `node_modules` decided by what the Dockerfile does:
///
/// * listed when the Dockerfile installs the Node dependencies itself
///   (`npm ci`, `npm install`, `yarn`, `pnpm install`) in a Node project
///   (a `package.json` in the context), even before the folder exists: the
///   first `npm install` on the developer's machine creates it, and from then
///   on `COPY . .` sends it and copies it over the image's own install;
/// * not listed when the Dockerfile installs none: then the image runs with
///   the `node_modules` the context brings, and leaving it out would break
///   the build.
pub fn unwanted_for(ctx: &BuildContext, m: &Model) -> Vec<(String, &'static str)> {
    let named = named_sources(m);
    let reads = |entry: &str| reads_entry(&named, entry);
    let installs_node = installs_node_dependencies(m);
    let node_project = ctx.has("package.json")
        || ctx.has("node_modules/")
        || ctx.entries.iter().any(|e| e.ends_with("/package.json"));
    let mut out: Vec<(String, &'static str)> = unwanted_entries(ctx)
        .into_iter()
        .filter(|(e, _)| !reads(e))
        .filter(|(e, _)| e != "node_modules/")
        .collect();
    if installs_node && node_project && !reads("node_modules") {
        let why = if ctx.has("node_modules/") {
            NODE_MODULES_WHY
        } else {
            NODE_MODULES_PREDICTED
        };
        // Where compute_unwanted has it: after the version-control data.
        let at = out
            .iter()
            .rposition(|(e, _)| matches!(e.as_str(), ".git/" | ".hg/" | ".svn/"))
            .map_or(0, |i| i + 1);
        out.insert(at, ("node_modules/".to_string(), why));
    }
    out
}

/// Whether one of the named sources is the entry or inside it.
fn reads_entry(named: &[String], entry: &str) -> bool {
    let e = entry.trim_end_matches('/');
    let e = e.trim_end_matches('*');
    named
        .iter()
        .any(|s| s == e || s.starts_with(&format!("{e}/")) || e.ends_with('.') && s.starts_with(e))
}

/// Whether the Dockerfile copies this entry by name (`COPY .git .git`).
pub fn dockerfile_reads(m: &Model, entry: &str) -> bool {
    reads_entry(&named_sources(m), entry)
}

/// Context paths the Dockerfile's COPY/ADD sources (and bind mounts) name,
/// cleaned (`./dist/*` → `dist`); the whole context (`.`) names none.
fn named_sources(m: &Model) -> Vec<String> {
    let clean = |v: &str| -> String {
        let v = v.trim_start_matches("./").trim_start_matches('/');
        let v = v.split(['*', '?', '[']).next().unwrap_or("");
        v.trim_end_matches('/').to_string()
    };
    let mut out = Vec::new();
    for i in &m.instructions {
        let Some(stage) = i.stage else { continue };
        if let Some(c) = &i.copy {
            if c.from_context() {
                for s in &c.sources {
                    let v = clean(&m.expand_in_stage(stage, &s.value));
                    if !v.is_empty() && v != "." {
                        out.push(v);
                    }
                }
            }
        }
        for mt in &i.mounts {
            if mt.kind() == "bind" && mt.get("from").is_none() {
                if let Some(src) = mt.get("source").or_else(|| mt.get("src")) {
                    let v = clean(src);
                    if !v.is_empty() && v != "." {
                        out.push(v);
                    }
                }
            }
        }
    }
    out
}

/// Whether some RUN installs Node dependencies from a manifest.
fn installs_node_dependencies(m: &Model) -> bool {
    use crate::rules::cache::cache_busting_copy::{dependency_install, Ecosystem};
    m.instructions.iter().any(|i| {
        let inst = match (&i.trigger, i.kind) {
            (Some(t), crate::model::Kind::Onbuild) => t.as_ref(),
            _ => i,
        };
        inst.kind == crate::model::Kind::Run
            && inst.mentions(&["npm", "yarn", "pnpm"])
            && inst.run().is_some_and(|r| {
                r.commands().any(|c| {
                    matches!(
                        dependency_install(c),
                        Some((Ecosystem::Npm | Ecosystem::Yarn | Ecosystem::Pnpm, _))
                    )
                })
            })
    })
}

fn compute_unwanted(ctx: &BuildContext) -> Vec<(String, &'static str)> {
    let has = |e: &str| ctx.has(e);
    let top_files = |pred: &dyn Fn(&str) -> bool| -> Vec<String> {
        ctx.entries
            .iter()
            .filter(|e| !e.contains('/') && pred(e))
            .cloned()
            .collect()
    };
    let node = has("package.json");
    let rust = has("Cargo.toml");
    let java = has("pom.xml") || has("build.gradle") || has("build.gradle.kts");
    let dotnet = ctx
        .entries
        .iter()
        .any(|e| !e.contains('/') && (e.ends_with(".csproj") || e.ends_with(".sln")));
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (entry, why, when) in [
        (
            ".git/",
            "repository history, often larger than the code and able to hold secrets",
            true,
        ),
        (".hg/", "the repository history", true),
        (".svn/", "the repository history", true),
        (
            "node_modules/",
            "host-installed packages, platform-specific; the image installs its own",
            true,
        ),
        (".venv/", "a host virtualenv", true),
        ("venv/", "a host virtualenv", true),
        ("__pycache__/", "Python bytecode caches", true),
        (".pytest_cache/", "test caches", true),
        (".mypy_cache/", "type-checker caches", true),
        ("target/", "build output", rust || java),
        ("dist/", "build output", node),
        ("build/", "build output", node || java),
        (".next/", "build output", node),
        ("coverage/", "test coverage output", true),
        ("bin/", "build output", dotnet),
        ("obj/", "build output", dotnet),
        (".idea/", "editor settings", true),
        (".vscode/", "editor settings", true),
        (".terraform/", "Terraform plugins and state", true),
    ] {
        if when && has(entry) {
            out.push((entry.to_string(), why));
        }
    }
    for f in top_files(&|e: &str| {
        e == ".env"
            || e.starts_with(".env.")
                && !e.ends_with(".example")
                && !e.ends_with(".sample")
                && !e.ends_with(".template")
    }) {
        out.push((f, "environment files that usually hold secrets"));
    }
    for f in top_files(&|e: &str| {
        e.ends_with(".pem")
            || e.ends_with(".key")
            || e == "id_rsa"
            || e == ".npmrc"
            || e == ".pypirc"
    }) {
        out.push((f, "credentials"));
    }
    for f in top_files(&|e: &str| e.ends_with(".log")) {
        out.push((f, "log files"));
    }
    out
}

/// The ignore-file line for an entry.
pub fn ignore_line(entry: &str) -> String {
    let e = entry.trim_end_matches('/');
    if matches!(
        e,
        "node_modules" | "__pycache__" | ".pytest_cache" | ".mypy_cache"
    ) {
        format!("**/{e}")
    } else if entry.ends_with(".log") {
        "*.log".to_string()
    } else if e == ".env" || e.starts_with(".env.") {
        ".env*".to_string()
    } else {
        e.to_string()
    }
}
