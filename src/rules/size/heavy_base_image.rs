//! `heavy-base-image`: the image that is built is based on the full variant
//! of an official image whose same version has a much smaller variant
//! (`node:18` → `node:18-slim`), or on a toolchain image the application
//! does not need to run (`golang`, `maven`, the .NET SDK).
use super::{
    application_arrives, build_step, image_instructions, image_stages, is_application_source,
};
use crate::diagnostic::{Fix, Severity};
use crate::model::{Base, ImageRef, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D802",
    name: "heavy-base-image",
    category: Category::Size,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary: "The final stage is based on the full variant of an official image whose same version has a much smaller variant",
    default_enabled: true,
};

/// The documented families and their smaller variants.
pub const VARIANTS: &str = include_str!("../../../rules/data/base-image-variants.txt");

/// One line of the data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub repository: &'static str,
    pub toolchain: bool,
    /// Tags containing one of these words are not covered by the line.
    pub except: Vec<&'static str>,
    pub suggestion: &'static str,
    pub note: &'static str,
}

pub fn variants() -> impl Iterator<Item = Variant> {
    VARIANTS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(4, '|').map(str::trim);
            let repository = parts.next()?;
            let kind = parts.next()?;
            let (kind, except) = match kind.split_once(" except ") {
                Some((k, e)) => (k.trim(), e.split(',').map(str::trim).collect()),
                None => (kind, Vec::new()),
            };
            Some(Variant {
                repository,
                toolchain: kind == "toolchain",
                except,
                suggestion: parts.next()?,
                note: parts.next()?,
            })
        })
}

const SMALL_MARKERS: &[&str] = &[
    "slim",
    "alpine",
    "jre",
    "chiseled",
    "distroless",
    "musl",
    "windowsservercore",
    "nanoserver",
    "ltsc",
];

const CODENAMES: &[&str] = &[
    "bookworm", "bullseye", "buster", "stretch", "jessie", "trixie", "sid", "jammy", "focal",
    "noble", "bionic", "xenial",
];

/// The repository as the data file names it: `node`, `mcr.microsoft.com/dotnet/sdk`.
fn repository(r: &ImageRef) -> String {
    if r.is_docker_hub() {
        r.path.trim_start_matches("library/").to_string()
    } else {
        format!("{}/{}", r.registry_or_default(), r.path)
    }
}

/// Fills a suggestion's placeholders from a tag.
pub fn render(suggestion: &str, tag: &str) -> String {
    let parts: Vec<&str> = tag.split('-').collect();
    let codename = parts
        .iter()
        .find(|p| CODENAMES.contains(p))
        .map(|c| format!("-{c}"))
        .unwrap_or_default();
    let without: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !CODENAMES.contains(p))
        .collect();
    let mut base = without.join("-");
    if matches!(base.as_str(), "latest" | "") {
        base.clear();
    }
    let ver = parts.first().copied().unwrap_or("");
    let java = java_version(tag).unwrap_or_else(|| "<version>".into());
    let out = suggestion
        .replace("{tag}{codename}", &format!("{base}{codename}"))
        .replace("{tag}", &base)
        .replace("{codename}", &codename)
        .replace("{ver}", ver)
        .replace("{java}", &java);
    // `node:-slim` for `node:latest` is `node:slim`.
    out.replace(":-", ":")
}

/// The Java version a JDK image's tag names: `17`, `17-jdk-jammy`,
/// `3.9-eclipse-temurin-17`, `8u342-jdk`.
fn java_version(tag: &str) -> Option<String> {
    let t = tag.to_ascii_lowercase();
    for key in ["temurin-", "openjdk-", "jdk-", "jdk", "corretto-", "java"] {
        if let Some((_, after)) = t.split_once(key) {
            let d: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !d.is_empty() {
                return Some(d);
            }
        }
    }
    let d: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!d.is_empty()).then_some(d)
}

/// What an official image's own Dockerfile copies next to the software it
/// downloads: entrypoint and helper scripts (`docker-entrypoint.sh`,
/// `*.sh`) and configuration (`config/*`, `conf/`).
fn support_file(src: &str) -> bool {
    let t = src.trim_end_matches("/*").trim_end_matches('/');
    let base = crate::model::basename(t).to_ascii_lowercase();
    base.ends_with(".sh") || matches!(base.as_str(), "config" | "conf")
}

/// Whether the application arrives in the image (see `application_arrives`),
/// scripts and configuration alone not counting: nextcloud's and
/// wordpress's images copy only those and download the software.
fn application_copied(
    m: &Model,
    insts: &[&crate::model::Instruction],
    ctx: Option<&crate::context::BuildContext>,
) -> bool {
    application_arrives(m, insts, ctx).is_some_and(|_| {
        insts.iter().any(|i| {
            let Some(stage) = i.stage else { return false };
            match i.kind {
                Kind::Copy | Kind::Add => i.copy.as_ref().is_some_and(|c| {
                    c.from_context()
                        && c.sources.iter().any(|s| {
                            is_application_source(m, stage, &s.value, ctx)
                                && !support_file(&m.expand_in_stage(stage, &s.value))
                        })
                }),
                // A bind mount of the context.
                Kind::Run => i
                    .mounts
                    .iter()
                    .any(|mt| mt.kind() == "bind" && mt.get("from").is_none()),
                _ => false,
            }
        })
    })
}

/// The packages a command installs from a language's registry as programs
/// (`cabal install brok`, `cargo install ripgrep`, `npm install -g serve`,
/// `go install example.com/cmd/tool@v1`, `gem install rails`, `pip install
/// httpie`): their names, as the program would be called.
fn installed_programs(c: &crate::model::ShellCommand) -> Vec<String> {
    let Some(prog) = c.program() else {
        return Vec::new();
    };
    let args = c.arg_texts();
    let positional = c.positional_texts();
    let global = args.iter().any(|a| matches!(*a, "-g" | "--global"));
    let names: &[&str] = match (prog, positional.first().copied()) {
        ("cabal" | "cargo" | "gem" | "go", Some("install")) => &positional[1..],
        ("stack", Some("install")) => &positional[1..],
        ("npm" | "pnpm", Some("install" | "i" | "add")) if global => &positional[1..],
        ("yarn", Some("global")) if positional.get(1) == Some(&"add") => &positional[2..],
        ("pip" | "pip3" | "pipx", Some("install"))
            if !args
                .iter()
                .any(|a| a.starts_with("-r") || *a == "--requirement") =>
        {
            &positional[1..]
        }
        _ => &[],
    };
    names
        .iter()
        .filter(|n| !n.starts_with('.') && !n.starts_with('/'))
        .map(|n| {
            // `example.com/cmd/tool@v1` → `tool`, `serve@14` → `serve`,
            // `httpie==3.2` → `httpie`.
            let n = n.split(['@', '=', '<', '>', '[', ' ']).next().unwrap_or(n);
            let n = if n.is_empty() { "" } else { n };
            crate::model::basename(n).to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether the image runs a program it installs from a language registry
/// (`RUN cabal install brok` with `CMD ["brok"]`): that is its application,
/// even with nothing copied from the build context.
fn runs_installed_package(
    m: &Model,
    stages: &[usize],
    insts: &[&crate::model::Instruction],
) -> bool {
    let words = super::run_words(m, stages);
    let Some(first) = words.first() else {
        return false;
    };
    let program = crate::model::basename(first.trim_matches(|c| c == '"' || c == '\''));
    if program.is_empty() {
        return false;
    }
    insts.iter().any(|i| {
        // The text first: parsing the RUN costs more.
        i.kind == Kind::Run
            && i.args_text().contains(program)
            && i.run().is_some_and(|r| {
                r.commands()
                    .any(|c| installed_programs(c).iter().any(|p| p == program))
            })
    })
}

/// The base image at the root of the final stage's `FROM` chain, with the
/// index of the stage whose FROM names it.
fn root(m: &Model, stage: usize) -> Option<(usize, ImageRef)> {
    let mut cur = stage;
    for _ in 0..64 {
        match &m.stages[cur].base {
            Base::Stage(p) if *p < cur => cur = *p,
            Base::Image(r) => return Some((cur, r.clone())),
            _ => return None,
        }
    }
    None
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let stages = image_stages(m, cx.target);
    let Some(&fin) = stages.last() else { return };
    if super::not_a_shipped_application(m, &stages) {
        return;
    }
    let Some((from_stage, image)) = root(m, fin) else {
        return;
    };
    if image.digest.is_some() && image.tag.is_none() {
        // Pinned by digest only: the variant cannot be read.
        return;
    }
    let repo = repository(&image);
    let tag = image.tag.clone().unwrap_or_else(|| "latest".into());
    let lower = tag.to_ascii_lowercase();
    // Only the families of the data file (a cheap test before the rest).
    if !variants().any(|v| v.repository == repo) {
        return;
    }
    let insts = image_instructions(m, &stages);
    // An image that takes no application from the build context is a base
    // or tool image (the official images' own definitions, dev containers):
    // the full variant is what it is for.
    // Build output copied from a stage of the file counts too (`COPY
    // --from=build /app/target/app.jar .` into the runtime image).
    let copies_from_stage = insts.iter().any(|i| {
        i.copy
            .as_ref()
            .is_some_and(|c| matches!(c.from, Some((crate::model::FromRef::Stage(_), _))))
    });
    if !application_copied(m, &insts, cx.context)
        && !copies_from_stage
        && !runs_installed_package(m, &stages, &insts)
    {
        return;
    }
    let builds = insts.iter().any(|i| {
        i.kind == Kind::Run
            && i.run()
                .is_some_and(|r| r.commands().any(|c| build_step(c).is_some()))
    });
    let mut suggestions: Vec<(String, &'static str)> = Vec::new();
    for v in variants().filter(|v| v.repository == repo) {
        // `^8`: tags starting with `8`; a word: tags containing it.
        let excepted = |e: &&str| match e.strip_prefix('^') {
            Some(p) => lower.starts_with(p),
            None => lower.contains(*e),
        };
        if v.except.iter().any(excepted) {
            continue;
        }
        if v.toolchain {
            if builds {
                // build-in-final-stage says where the artifact should go.
                return;
            }
        } else if SMALL_MARKERS.iter().any(|k| lower.contains(k)) {
            return;
        }
        let s = render(v.suggestion, &tag);
        let marker_present = SMALL_MARKERS
            .iter()
            .any(|k| s.contains(k) && lower.contains(k));
        if !marker_present && !suggestions.iter().any(|(x, _)| *x == s) {
            suggestions.push((s, v.note));
        }
    }
    if suggestions.is_empty() {
        return;
    }
    let written = match &image.tag {
        Some(t) => format!("{}:{t}", image.name()),
        None => image.name(),
    };
    let kind = if variants().any(|v| v.repository == repo && v.toolchain) {
        "a build image (toolchain or SDK) that the application does not need to run"
    } else if matches!(repo.as_str(), "openjdk" | "eclipse-temurin") {
        "a JDK, with the compiler and development tools the application does not need to run"
    } else {
        "the full variant, with compilers, headers and tools the application does not need to run"
    };
    let list: Vec<String> = suggestions
        .iter()
        .map(|(s, note)| format!("`{s}`: {note}"))
        .collect();
    let whose = if from_stage == fin {
        "The final stage".to_string()
    } else {
        "The final stage (through the stages it is built on)".to_string()
    };
    let msg = format!(
        "{whose} is based on `{written}`, {kind}. A much smaller image of the same version: {}",
        list.join("; ")
    );
    let from = &m.instructions[m.stages[from_stage].from];
    let span = m.stages[from_stage]
        .image
        .as_ref()
        .map(|w| w.span)
        .unwrap_or(from.span);
    let title = format!("Use `{}`", suggestions[0].0);
    cx.report(span, msg).fix = Some(Fix::display_only(title));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses() {
        let all: Vec<Variant> = variants().collect();
        assert!(all.len() >= 20, "{all:?}");
        assert!(all.iter().any(|v| v.repository == "node" && !v.toolchain));
        for v in &all {
            assert!(!v.note.is_empty() && !v.suggestion.is_empty(), "{v:?}");
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(render("node:{tag}{codename}-slim", "18"), "node:18-slim");
        // Python, Ruby, Perl and Haskell put `slim` before the codename.
        let py = "python:{tag}-slim{codename}";
        assert_eq!(render(py, "3.12-bookworm"), "python:3.12-slim-bookworm");
        assert_eq!(render(py, "3.12"), "python:3.12-slim");
        assert_eq!(render(py, "bookworm"), "python:slim-bookworm");
        assert_eq!(render(py, "latest"), "python:slim");
        assert_eq!(
            render("node:{tag}{codename}-slim", "18-bookworm"),
            "node:18-bookworm-slim"
        );
        assert_eq!(render("node:{tag}-alpine", "18-bookworm"), "node:18-alpine");
        assert_eq!(render("node:{tag}-alpine", "latest"), "node:alpine");
        assert_eq!(
            render("php:{tag}-alpine", "8.3-fpm-bookworm"),
            "php:8.3-fpm-alpine"
        );
        assert_eq!(
            render("eclipse-temurin:{java}-jre", "3.9-eclipse-temurin-17"),
            "eclipse-temurin:17-jre"
        );
        assert_eq!(
            render("eclipse-temurin:{java}-jre", "21-jdk-jammy"),
            "eclipse-temurin:21-jre"
        );
        assert_eq!(
            render("eclipse-temurin:{java}-jre", "8u342-jdk"),
            "eclipse-temurin:8-jre"
        );
        assert_eq!(
            render("mcr.microsoft.com/dotnet/aspnet:{ver}", "8.0-alpine"),
            "mcr.microsoft.com/dotnet/aspnet:8.0"
        );
    }
}
