//! `build-in-final-stage`: the image that is built compiles or bundles the
//! application, or installs compilers and headers it keeps, so it ships the
//! toolchain, the sources and the build caches.
use super::{
    application_arrives, build_step, compiler_packages, image_instructions, image_stages,
    removes_packages, Toolchain,
};
use crate::diagnostic::{Related, Severity};
use crate::model::{Base, Kind, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D801",
    name: "build-in-final-stage",
    category: Category::Size,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &[],
    summary: "The final stage compiles or bundles the application, so the image ships the toolchain, the sources and the build caches",
    default_enabled: true,
};

/// One step of the image that builds.
struct Step {
    stage: usize,
    /// Header packages are among the compilers installed.
    headers: bool,
    span: Span,
    line: usize,
    text: String,
    what: What,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Build(Toolchain),
    Compilers,
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let stages = image_stages(m, cx.target);
    let Some(&fin) = stages.last() else { return };
    if super::not_a_shipped_application(m, &stages) {
        return;
    }
    let insts = image_instructions(m, &stages);
    // Only an image that takes an application from the build context builds
    // "the application": images that compile a downloaded tool from source
    // (the official language images) or are toolchains on purpose (build
    // and CI images) copy none.
    let Some(arrives) = application_arrives(m, &insts, cx.context) else {
        return;
    };
    let mut steps: Vec<Step> = Vec::new();
    for (pos, inst) in insts.iter().enumerate() {
        let stage = inst.stage.unwrap_or(fin);
        if inst.kind != Kind::Run {
            continue;
        }
        let Some(run) = inst.run() else { continue };
        let cmds: Vec<_> = run.commands().collect();
        for (i, c) in cmds.iter().enumerate() {
            // Built and cleaned up in the same RUN (the pattern of the
            // official images that compile from source).
            let cleaned = || cmds[i + 1..].iter().any(|n| removes_packages(n));
            if let Some(tc) = build_step(c) {
                if pos < arrives || tc == Toolchain::C && cleaned() {
                    continue;
                }
                steps.push(Step {
                    stage,
                    headers: false,
                    span: c.span,
                    line: m.line_of(c.span.start),
                    text: short(m.text(c.span)),
                    what: What::Build(tc),
                });
            } else {
                let pkgs = compiler_packages(c);
                if pkgs.is_empty() || cleaned() {
                    continue;
                }
                let names: Vec<&str> = pkgs.iter().take(4).map(|w| w.text()).collect();
                steps.push(Step {
                    stage,
                    headers: pkgs.iter().any(|w| super::is_header_package(w.text())),
                    span: pkgs[0].span.cover(pkgs[pkgs.len() - 1].span),
                    line: m.line_of(c.span.start),
                    text: names.join("`, `"),
                    what: What::Compilers,
                });
            }
        }
    }
    let Some(first) = steps
        .iter()
        .find(|s| matches!(s.what, What::Build(_)))
        .or_else(|| steps.first())
    else {
        return;
    };
    let stage_label = |s: usize| match m.stages[s].name() {
        Some(n) => format!("`{n}`"),
        None => format!("{s}"),
    };
    let in_stage = first.stage;
    let whose = if in_stage == fin {
        "The final stage".to_string()
    } else {
        format!(
            "Stage {}, which the final stage is built on,",
            stage_label(in_stage)
        )
    };
    let base = root_image(m, fin);
    let msg = match first.what {
        What::Build(tc) => format!(
            "{whose} builds the application (`{}`, line {}), so the image ships {} with it. {}",
            first.text,
            first.line,
            shipped(tc),
            advice(tc, base.as_ref()),
        ),
        What::Compilers => format!(
            "{whose} installs {} (`{}`, line {}) and keeps them, so the image ships a toolchain it does not need to run. Install them in a build stage, build there (the wheels, native modules or binary), and copy only the result into a final stage without them",
            if first.headers { "compilers and headers" } else { "compilers" },
            first.text,
            first.line
        ),
    };
    let related: Vec<Related> = steps
        .iter()
        .filter(|s| s.span != first.span)
        .take(5)
        .map(|s| Related {
            span: s.span,
            message: match s.what {
                What::Build(_) => "also builds in the image".to_string(),
                What::Compilers => "also installs compilers or headers".to_string(),
            },
        })
        .collect();
    let d = cx.report(first.span, msg);
    d.related = related;
}

fn short(t: &str) -> String {
    let one: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}

fn shipped(tc: Toolchain) -> &'static str {
    match tc {
        Toolchain::Go => "the Go toolchain, the sources and the module and build caches",
        Toolchain::Cargo => "the Rust toolchain, the sources and `target/`",
        Toolchain::Maven => "the JDK, Maven, the sources and `~/.m2`",
        Toolchain::Gradle => "the JDK, Gradle, the sources and `~/.gradle`",
        Toolchain::Dotnet => "the .NET SDK, the sources and `obj/`",
        Toolchain::Node => "the sources, the bundler and every development dependency",
        Toolchain::C => "the compilers, headers, sources and object files",
    }
}

/// The base image at the root of the final stage's `FROM` chain.
fn root_image(m: &Model, stage: usize) -> Option<crate::model::ImageRef> {
    let mut cur = stage;
    for _ in 0..64 {
        match &m.stages[cur].base {
            Base::Stage(p) if *p < cur => cur = *p,
            Base::Image(r) => return Some(r.clone()),
            _ => return None,
        }
    }
    None
}

/// `name:tag` of the base image, when it is the ecosystem's own image.
fn build_image(base: Option<&crate::model::ImageRef>, names: &[&str], default: &str) -> String {
    match base {
        Some(r) if names.contains(&r.short_name()) => match &r.tag {
            Some(t) => format!("{}:{t}", r.name()),
            None => r.name(),
        },
        _ => default.to_string(),
    }
}

fn advice(tc: Toolchain, base: Option<&crate::model::ImageRef>) -> String {
    match tc {
        Toolchain::Go => format!(
            "Build in a named stage (`FROM {} AS build`) and copy only the binary into a small final stage: `FROM gcr.io/distroless/static-debian12` (or `scratch` for a `CGO_ENABLED=0` static binary; `gcr.io/distroless/base-debian12` with cgo) with `COPY --from=build /out/app /app`",
            build_image(base, &["golang"], "golang")
        ),
        Toolchain::Cargo => format!(
            "Build in a named stage (`FROM {} AS build`) and copy only the binary into `gcr.io/distroless/cc-debian12` or `debian:bookworm-slim` (`scratch` for a static musl binary)",
            build_image(base, &["rust"], "rust")
        ),
        Toolchain::Maven | Toolchain::Gradle => format!(
            "Build in a named stage (`FROM {} AS build`) and copy only the jar into a JRE image such as `eclipse-temurin:<version>-jre` (no JDK, no build tool)",
            build_image(
                base,
                &["maven", "gradle", "eclipse-temurin", "openjdk", "amazoncorretto"],
                if tc == Toolchain::Maven { "maven" } else { "gradle" }
            )
        ),
        Toolchain::Dotnet => {
            let v = base
                .filter(|r| r.path.contains("dotnet/sdk"))
                .and_then(|r| r.tag.clone())
                .map(|t| t.split('-').next().unwrap_or("").to_string())
                .unwrap_or_else(|| "<version>".into());
            format!(
                "Build and publish in a `mcr.microsoft.com/dotnet/sdk:{v} AS build` stage and copy the published output into `mcr.microsoft.com/dotnet/aspnet:{v}` (or `runtime`, `runtime-deps` for a self-contained app)"
            )
        }
        Toolchain::Node => {
            let (img, ver) = match base {
                Some(r) if r.short_name() == "node" => (
                    build_image(base, &["node"], "node"),
                    r.tag
                        .as_deref()
                        .and_then(|t| t.split('-').next())
                        .filter(|v| !v.is_empty())
                        .unwrap_or("<version>")
                        .to_string(),
                ),
                _ => ("node".to_string(), "<version>".to_string()),
            };
            format!(
                "Build in a named stage (`FROM {img} AS build`) and copy only the output (`dist/`, with production dependencies from `npm ci --omit=dev`) into `node:{ver}-slim` or `node:{ver}-alpine`, or the static files into an `nginx` image"
            )
        }
        Toolchain::C => "Build in a named stage and copy only the binary into `debian:bookworm-slim`, `alpine` or a distroless image".to_string(),
    }
}
