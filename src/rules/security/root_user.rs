//! `root-user`: the image that is built runs as root.
use crate::diagnostic::{Fix, Severity};
use crate::model::{Base, ImageRef, Kind, Model};
use crate::rules::image::runtime;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D401",
    name: "root-user",
    category: Category::Security,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3002"],
    summary: "The final stage runs as root: explicitly, or because no USER is ever set",
    default_enabled: true,
};

/// The documented list of images that start as a non-root user.
pub const NONROOT_IMAGES: &str = include_str!("../../../rules/data/nonroot-images.txt");

fn glob_match(pattern: &str, text: &str) -> bool {
    // `*` any run; `[0-9]` one digit; everything else literal.
    fn rec(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some(b'[') => {
                if let Some(end) = p.iter().position(|&c| c == b']') {
                    let class = &p[1..end];
                    let Some(&c) = t.first() else { return false };
                    let ok = if class.len() == 3 && class[1] == b'-' {
                        class[0] <= c && c <= class[2]
                    } else {
                        class.contains(&c)
                    };
                    ok && rec(&p[end + 1..], &t[1..])
                } else {
                    t.first() == Some(&b'[') && rec(&p[1..], &t[1..])
                }
            }
            Some(&c) => t.first() == Some(&c) && rec(&p[1..], &t[1..]),
        }
    }
    rec(pattern.as_bytes(), text.as_bytes())
}

/// Whether an image is known to default to a non-root user.
pub fn known_nonroot(r: &ImageRef, extra: &[String]) -> bool {
    let mut name = match &r.registry {
        Some(reg) if !r.is_docker_hub() => format!("{reg}/{}", r.path),
        _ => r.path.trim_start_matches("library/").to_string(),
    };
    let tag = r.tag.clone().unwrap_or_else(|| "latest".into());
    let with_tag = format!("{name}:{tag}");
    name.make_ascii_lowercase();
    // The last matching line decides; `!pattern` lines are exceptions.
    let mut verdict = false;
    for line in NONROOT_IMAGES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .chain(extra.iter().cloned())
    {
        let (negated, p) = match line.strip_prefix('!') {
            Some(p) => (true, p.to_string()),
            None => (false, line),
        };
        let has_tag = p.rsplit('/').next().is_some_and(|last| last.contains(':'));
        let hit = if has_tag {
            glob_match(&p, &with_tag)
        } else {
            glob_match(&p, &name)
        };
        if hit {
            verdict = !negated;
        }
    }
    verdict
}

/// Windows images have no root user; USER means something else there.
fn is_windows(r: &ImageRef) -> bool {
    crate::rules::shell::is_windows_image(r)
}

fn is_root(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or("").trim();
    u == "root" || u == "0"
}

/// What a stage runs as, following `FROM <stage>` chains.
#[derive(Debug, PartialEq)]
enum Who {
    /// USER root in this instruction.
    ExplicitRoot(usize),
    NonRoot,
    /// No USER anywhere, the base starts as root (named image).
    ImplicitRoot(String),
    Unknown,
}

/// Whether the stage installs a privilege-dropping launcher (`gosu`,
/// `su-exec`): such images start as root on purpose and switch users in
/// their entrypoint (the pattern of the official database images). Counts a
/// package install naming it, a download of it, or a COPY/ADD of it.
fn drops_privileges(m: &Model, stage: usize) -> bool {
    let names = |t: &str| {
        let b = crate::model::basename(t);
        b.starts_with("gosu") || b.starts_with("su-exec")
    };
    m.stage_instructions(stage).any(|i| {
        (i.mentions(&["gosu", "su-exec"])
            && i.run().is_some_and(|r| {
                r.commands().any(|c| {
                    let installs = crate::model::package::parse(c)
                        .is_some_and(|p| crate::rules::cache::uses_index(&p))
                        && c.args().iter().any(|a| {
                            let t = a.text();
                            let pkg = t.split(['=', '@', '<', '>', '~']).next().unwrap_or(t);
                            pkg == "gosu" || pkg == "su-exec"
                        });
                    let downloads = matches!(c.program(), Some("curl") | Some("wget"))
                        && c.args()
                            .iter()
                            .any(|a| a.text().contains("gosu") || a.text().contains("su-exec"));
                    installs || downloads
                })
            }))
            || i.copy.as_ref().is_some_and(|c| {
                c.sources
                    .iter()
                    .chain(c.dest.iter())
                    .any(|s| names(&s.value))
            })
    })
}

fn who(m: &Model, stage: usize, extra: &[String], depth: usize) -> Who {
    let st = &m.stages[stage];
    if st.users.is_empty() && drops_privileges(m, stage) {
        return Who::NonRoot;
    }
    if let Some((idx, _raw, expanded)) = st.users.last() {
        if expanded.contains('$') || expanded.is_empty() {
            return Who::Unknown;
        }
        return if is_root(expanded) {
            Who::ExplicitRoot(*idx)
        } else {
            Who::NonRoot
        };
    }
    match &st.base {
        Base::Stage(prev) if depth < 64 && *prev < stage => who(m, *prev, extra, depth + 1),
        Base::Scratch => Who::ImplicitRoot("scratch".into()),
        Base::Image(r) => {
            if is_windows(r) {
                Who::Unknown
            } else if known_nonroot(r, extra) {
                Who::NonRoot
            } else {
                Who::ImplicitRoot(st.image_expanded.clone().unwrap_or_else(|| r.name()))
            }
        }
        _ => Who::Unknown,
    }
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    if m.escape == '`' {
        // Backtick escape: a Windows Dockerfile.
        return;
    }
    let Some(fin) = m.final_stage(cx.target) else {
        return;
    };
    let extra = cx.options.nonroot_images.clone();
    match who(m, fin.index, &extra, 0) {
        Who::ExplicitRoot(idx) => {
            let inst = &m.instructions[idx];
            let msg = format!(
                "The final stage ends with `{}`: the container runs as root, so a compromised process owns the whole container and every volume it mounts. Switch to an unprivileged user (`USER app` or a numeric uid) after the steps that need root",
                m.quote(inst.span, 80)
            );
            cx.report(inst.span, msg);
        }
        Who::ImplicitRoot(base) => {
            let runs = runtime::runs_something(m, fin.index);
            // A `FROM scratch` image without CMD or ENTRYPOINT cannot be run
            // at all (an OLM bundle, an artifact-only output stage).
            if !runs && root_is_scratch(m, fin.index) {
                return;
            }
            // An image that sets no CMD or ENTRYPOINT, on a base image that
            // starts no service, is a base or tool image: the images built
            // FROM it choose the user along with what to run.
            if !runs && !cx.options.root_user_strict {
                return;
            }
            let rt = runtime::runtime_of_stage(m, fin.index)
                .map(|rt| (runtime::root_image(m, fin.index), rt));
            let from = &m.instructions[fin.from];
            let span = fin.image.as_ref().map(|w| w.span).unwrap_or(from.span);
            let generic = format!(
                "The final stage never sets USER, so the container runs as root (the default of `{base}`): a compromised process owns the whole container."
            );
            match rt {
                Some((
                    _,
                    runtime::Runtime {
                        runs_as: runtime::RunsAs::Drops,
                        ..
                    },
                )) => {}
                Some((
                    r,
                    runtime::Runtime {
                        runs_as: runtime::RunsAs::Alternative(alt),
                        note,
                        ..
                    },
                )) => {
                    let tag = r
                        .and_then(|r| r.tag)
                        .map(|t| format!(":{t}"))
                        .unwrap_or_default();
                    let msg = format!(
                        "{generic} Adding `USER` would stop the server from starting: {note}. Build on `{alt}{tag}` instead"
                    );
                    cx.report(span, msg);
                }
                Some((
                    _,
                    runtime::Runtime {
                        runs_as: runtime::RunsAs::Port80 | runtime::RunsAs::Root,
                        note,
                        ..
                    },
                )) => {
                    let msg = format!(
                        "{generic} A plain `USER` would stop the server from starting: {note}"
                    );
                    cx.report(span, msg);
                }
                _ => {
                    let fix = add_user_fix(m, fin.index);
                    let msg = format!(
                        "{generic} Add `USER <non-root user>` before the CMD or ENTRYPOINT"
                    );
                    cx.report(span, msg).fix = fix;
                }
            }
        }
        _ => {}
    }
}

fn root_is_scratch(m: &Model, stage: usize) -> bool {
    let mut cur = stage;
    for _ in 0..64 {
        match &m.stages[cur].base {
            Base::Stage(p) if *p < cur => cur = *p,
            Base::Scratch => return true,
            _ => return false,
        }
    }
    false
}

/// How to make a user on a base image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// The image ships a non-root user with this name (and these ids).
    User(&'static str, Option<&'static str>),
    /// No shell: only a numeric user works.
    NoShell,
    /// BusyBox `addgroup`/`adduser`.
    Alpine,
    /// shadow-utils `groupadd`/`useradd`.
    Shadow,
}

fn family(m: &Model, stage: usize, depth: usize) -> Option<Family> {
    match &m.stages[stage].base {
        Base::Stage(p) if depth < 64 && *p < stage => family(m, *p, depth + 1),
        Base::Scratch => Some(Family::NoShell),
        Base::Image(r) => {
            let path = r.full_path();
            let tag = r.tag.as_deref().unwrap_or("");
            let name = r.short_name();
            let reg = r.registry_or_default();
            if reg == "gcr.io" && path.starts_with("distroless/") {
                // Every distroless image has the `nonroot` user (65532).
                return Some(Family::User("nonroot", Some("65532:65532")));
            }
            if !r.is_docker_hub() {
                return None;
            }
            if let Some(runtime::Runtime {
                runs_as: runtime::RunsAs::User(u, id),
                ..
            }) = runtime::runtime_of(r)
            {
                return Some(Family::User(u, id));
            }
            if tag.contains("alpine") || matches!(name, "alpine" | "busybox") {
                return Some(Family::Alpine);
            }
            // The official images on a glibc distribution have shadow-utils
            // (the `bash` image is Alpine with bash added; amazoncorretto's
            // minimal Amazon Linux is not known to have it).
            if path.starts_with("library/")
                && !matches!(name, "bash" | "amazoncorretto")
                && crate::rules::shell::is_glibc_official_image(name)
            {
                return Some(Family::Shadow);
            }
            None
        }
        _ => None,
    }
}

/// Where the USER goes: before the stage's CMD or ENTRYPOINT that follows
/// its last filesystem step (RUN, COPY, ADD, WORKDIR), so that every step
/// that needs root still runs as root and the user is set where readers
/// look for it; after the last instruction when no CMD or ENTRYPOINT
/// follows.
enum Place<'m> {
    Before(&'m crate::model::Instruction),
    After(&'m crate::model::Instruction),
}

fn user_place(m: &Model, stage: usize) -> Option<Place<'_>> {
    let insts: Vec<&crate::model::Instruction> = m.stage_instructions(stage).collect();
    let last_step = insts
        .iter()
        .rposition(|i| {
            matches!(
                i.kind,
                Kind::Run | Kind::Copy | Kind::Add | Kind::Workdir | Kind::From | Kind::Onbuild
            )
        })
        .unwrap_or(0);
    match insts[last_step..]
        .iter()
        .find(|i| matches!(i.kind, Kind::Cmd | Kind::Entrypoint))
    {
        Some(i) => Some(Place::Before(i)),
        None => insts.last().map(|i| Place::After(i)),
    }
}

/// Adds a USER (and, where the image has no such user, a RUN creating one)
/// before the final stage's CMD or ENTRYPOINT. Unsafe: files the process
/// writes at run time may be owned by root.
fn add_user_fix(m: &Model, stage: usize) -> Option<Fix> {
    let fam = family(m, stage, 0)?;
    let place = user_place(m, stage)?;
    let anchor = match place {
        Place::Before(i) | Place::After(i) => i,
    };
    let indent = crate::edit::indentation(m, anchor);
    let (lines, title) = match fam {
        Family::User(u, Some(id)) => (
            format!("{indent}USER {id}\n"),
            format!("Add `USER {id}` (the image's `{u}` user)"),
        ),
        Family::User(u, None) => (
            format!("{indent}USER {u}\n"),
            format!("Add `USER {u}` (a user the image already has)"),
        ),
        Family::NoShell => (
            format!("{indent}USER 65532:65532\n"),
            "Add `USER 65532:65532` (a numeric non-root user)".to_string(),
        ),
        Family::Alpine => (
            format!("{indent}RUN addgroup -S -g 10001 app && adduser -S -u 10001 -G app -H -D app\n{indent}USER 10001:10001\n"),
            "Create a user `app` (uid and gid 10001) and switch to it".to_string(),
        ),
        Family::Shadow => (
            format!("{indent}RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --no-create-home app\n{indent}USER 10001:10001\n"),
            "Create a user `app` (uid and gid 10001) and switch to it".to_string(),
        ),
    };
    let edits = match place {
        Place::Before(i) => vec![crate::edit::insert_before(m, i, &lines)],
        Place::After(i) => crate::edit::insert_after(m, i, &lines),
    };
    Some(Fix::unsafe_(title, edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gosu_must_be_installed_not_mentioned() {
        use crate::analysis::analyze;
        use crate::settings::{resolve_selector, Settings};
        let mut s = Settings::default();
        s.select(&resolve_selector("root-user").unwrap());
        // With a CMD: an image without one is a base image, not reported.
        let fires = |src: &str| {
            let src = format!("{src}CMD [\"/app\"]\n");
            !analyze(&src, None, &s, None).diagnostics.is_empty()
        };
        assert!(fires("FROM debian:12\nRUN echo \"no gosu here\"\n"));
        assert!(fires("FROM debian:12\nRUN apt-get purge -y gosu\n"));
        assert!(!fires(
            "FROM debian:12\nRUN apt-get update && apt-get install -y gosu\n"
        ));
        assert!(!fires(
            "FROM alpine:3.20\nRUN apk add --no-cache 'su-exec>=0.2'\n"
        ));
        assert!(!fires("FROM debian:12\nRUN wget -O /usr/local/bin/gosu \"https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64\"\n"));
        assert!(!fires(
            "FROM debian:12\nCOPY --from=tianon/gosu:1.17 /gosu /usr/local/bin/\n"
        ));
    }

    #[test]
    fn nonroot_list() {
        let r = |s: &str| ImageRef::parse(s).unwrap();
        assert!(known_nonroot(&r("gcr.io/distroless/static:nonroot"), &[]));
        assert!(known_nonroot(
            &r("gcr.io/distroless/base-debian12:debug-nonroot"),
            &[]
        ));
        assert!(!known_nonroot(&r("gcr.io/distroless/static:latest"), &[]));
        assert!(known_nonroot(&r("bitnami/postgresql:16"), &[]));
        assert!(known_nonroot(&r("docker.io/bitnami/nginx"), &[]));
        assert!(!known_nonroot(&r("node:20"), &[]));
        assert!(known_nonroot(&r("myorg/base:1"), &["myorg/base".into()]));
        assert!(known_nonroot(&r("cgr.dev/chainguard/python:latest"), &[]));
        assert!(!known_nonroot(
            &r("cgr.dev/chainguard/python:latest-dev"),
            &[]
        ));
    }
}
