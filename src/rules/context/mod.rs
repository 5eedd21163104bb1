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
