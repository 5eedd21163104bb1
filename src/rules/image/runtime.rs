//! What well-known images do when a container starts: whether their CMD
//! starts a service, and what they run as (rules/data/image-runtime.txt).
//! Used by `root-user` and the size rules to tell an application image from
//! a base or tool image.
use crate::model::{Base, ImageRef, Kind, Model};

/// The data file.
pub const IMAGE_RUNTIME: &str = include_str!("../../../rules/data/image-runtime.txt");

/// What the container runs as when no USER is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunsAs {
    /// Starts as root and switches to an unprivileged user itself.
    Drops,
    /// Needs root for port 80; no USER can simply be added.
    Port80,
    /// Like `Port80`, and this image is the non-root variant to use.
    Alternative(&'static str),
    /// Ships this unprivileged user, with its numeric `UID:GID` when the
    /// data file gives it (`user:node=1000:1000`).
    User(&'static str, Option<&'static str>),
    Root,
}

/// One line of the data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub pattern: &'static str,
    /// Its CMD starts a server.
    pub service: bool,
    pub runs_as: RunsAs,
    pub note: &'static str,
}

fn parse_line(l: &'static str) -> Option<Runtime> {
    let mut p = l.splitn(4, '|').map(str::trim);
    let pattern = p.next()?;
    let service = p.next()? == "service";
    let user = p.next()?;
    let note = p.next()?;
    let runs_as = if user == "drops" {
        RunsAs::Drops
    } else if user == "port80" {
        RunsAs::Port80
    } else if let Some(i) = user.strip_prefix("alt:") {
        RunsAs::Alternative(i)
    } else if let Some(u) = user.strip_prefix("user:") {
        match u.split_once('=') {
            Some((name, id)) => RunsAs::User(name, Some(id)),
            None => RunsAs::User(u, None),
        }
    } else {
        RunsAs::Root
    };
    Some(Runtime {
        pattern,
        service,
        runs_as,
        note,
    })
}

/// Every line of the data file.
pub fn runtimes() -> impl Iterator<Item = Runtime> {
    IMAGE_RUNTIME
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(parse_line)
}

fn glob(p: &str, t: &str) -> bool {
    fn rec(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some(&c) => t.first() == Some(&c) && rec(&p[1..], &t[1..]),
        }
    }
    rec(p.as_bytes(), t.as_bytes())
}

/// What dlint knows about an image, if anything.
pub fn runtime_of(r: &ImageRef) -> Option<Runtime> {
    if !r.is_docker_hub() {
        return None;
    }
    let repo = r.path.trim_start_matches("library/").to_ascii_lowercase();
    let tag = r.tag.as_deref().unwrap_or("latest").to_ascii_lowercase();
    runtimes().find(|rt| match rt.pattern.split_once(':') {
        Some(("cmd", _)) => false,
        Some((name, tags)) => name == repo && glob(tags, &tag),
        None => rt.pattern == repo,
    })
}

/// What dlint knows about a server program an image runs (`cmd:` lines).
pub fn runtime_of_program(program: &str) -> Option<Runtime> {
    let p = crate::model::basename(program);
    runtimes().find(|rt| rt.pattern.strip_prefix("cmd:") == Some(p))
}

/// Shells and language REPLs: an image whose only command starts one of
/// these without a script is a base or tool image.
const REPLS: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "fish",
    "python",
    "python2",
    "python3",
    "node",
    "nodejs",
    "irb",
    "php",
    "jshell",
    "iex",
    "erl",
    "ghci",
    "R",
    "julia",
    "pwsh",
    "pwsh-preview",
    "powershell",
    "groovysh",
    "scala",
    "clojure",
    "lein",
    "swift",
    "perl",
    "ruby",
    "deno",
    "bun",
    "lua",
    "cmd",
    "cmd.exe",
];

/// Whether words (`["python3"]`, `php -a`) only start a shell or REPL.
fn is_repl(words: &[String]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let prog = crate::model::basename(first.trim_matches(|c| c == '"' || c == '\''));
    REPLS.contains(&prog)
        && words[1..]
            .iter()
            .all(|w| w.starts_with('-') && !matches!(w.as_str(), "-c" | "-e" | "-m" | "-r"))
}

/// An ENTRYPOINT that runs its arguments (`docker-entrypoint.sh`, `tini
/// --`): what runs is the CMD.
fn passes_through(words: &[String]) -> bool {
    words.first().is_some_and(|w| {
        let b = crate::model::basename(w);
        b.ends_with("entrypoint.sh")
            || b.ends_with("-entrypoint")
            || b == "entrypoint"
            || matches!(b, "tini" | "dumb-init" | "tini-static")
    })
}

fn command_words(inst: &crate::model::Instruction) -> Vec<String> {
    if inst.json {
        inst.args.iter().map(|a| a.value.clone()).collect()
    } else {
        inst.args_text()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }
}

/// The last ENTRYPOINT and CMD of the image built from `stage` (its `FROM`
/// chain in the file), as words.
fn effective_command(m: &Model, stage: usize) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let mut chain = vec![stage];
    let mut cur = stage;
    while let Base::Stage(p) = m.stages[cur].base {
        if p >= cur || chain.len() > 64 {
            break;
        }
        chain.push(p);
        cur = p;
    }
    let mut ep = None;
    let mut cmd = None;
    for &s in chain.iter().rev() {
        for i in m.stage_instructions(s) {
            match i.kind {
                Kind::Entrypoint => {
                    // `ENTRYPOINT []` clears it; a new ENTRYPOINT resets
                    // the CMD it inherits.
                    let w = command_words(i);
                    ep = (!w.is_empty()).then_some(w);
                    cmd = None;
                }
                Kind::Cmd => cmd = Some(command_words(i)),
                _ => {}
            }
        }
    }
    (ep, cmd)
}

/// The program the container starts, when the file says: the ENTRYPOINT's,
/// or the CMD's behind a pass-through entrypoint script.
fn started_program(m: &Model, stage: usize) -> Option<String> {
    let (ep, cmd) = effective_command(m, stage);
    let pick = |w: &Vec<String>| -> Option<String> {
        // `sh -c "nginx -g …"`: the first word of the script.
        let first = w.first()?;
        if matches!(crate::model::basename(first), "sh" | "bash")
            && w.get(1).map(String::as_str) == Some("-c")
        {
            return w
                .get(2)
                .and_then(|s| s.split_whitespace().next())
                .map(str::to_string);
        }
        Some(first.clone())
    };
    match (&ep, &cmd) {
        (Some(e), c) if passes_through(e) => c.as_ref().and_then(pick).or_else(|| pick(e)),
        (Some(e), _) => pick(e),
        (None, Some(c)) => pick(c),
        (None, None) => None,
    }
}

/// What dlint knows about how the image built from `stage` runs: by the
/// server program its own CMD or ENTRYPOINT starts, else by its base image.
pub fn runtime_of_stage(m: &Model, stage: usize) -> Option<Runtime> {
    if let Some(rt) = started_program(m, stage).and_then(|p| runtime_of_program(&p)) {
        return Some(rt);
    }
    root_image(m, stage).and_then(|r| runtime_of(&r))
}

/// The image at the root of a stage's `FROM` chain.
pub fn root_image(m: &Model, stage: usize) -> Option<ImageRef> {
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

/// Whether the image built from `stage` runs something when a container
/// starts: it has no ONBUILD triggers, and the file sets a CMD or
/// ENTRYPOINT that starts more than a shell
/// or a REPL (`bash`, `python3`, `node`, `php -a`, also behind an
/// entrypoint script that runs its arguments), or sets none and its base
/// image starts a service. An image that does neither is a base or tool
/// image: other images build FROM it and say what to run.
pub fn runs_something(m: &Model, stage: usize) -> bool {
    // ONBUILD triggers run in the images built FROM this one.
    let mut cur = stage;
    for _ in 0..64 {
        if m.stage_instructions(cur).any(|i| i.kind == Kind::Onbuild) {
            return false;
        }
        match m.stages[cur].base {
            Base::Stage(p) if p < cur => cur = p,
            _ => break,
        }
    }
    let (ep, cmd) = effective_command(m, stage);
    match (&ep, &cmd) {
        (None, None) => root_image(m, stage)
            .and_then(|r| runtime_of(&r))
            .is_some_and(|rt| rt.service),
        (None, Some(c)) => !is_repl(c),
        (Some(e), Some(c)) if passes_through(e) => !is_repl(c),
        // An entrypoint script that runs its arguments, with none given.
        (Some(e), None) => !is_repl(e) && !passes_through(e),
        (Some(_), Some(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_lookups() {
        assert!(runtimes().count() >= 20);
        let r = |s: &str| runtime_of(&ImageRef::parse(s).unwrap());
        assert_eq!(
            r("nginx:1.27-alpine").unwrap().runs_as,
            RunsAs::Alternative("nginxinc/nginx-unprivileged")
        );
        assert_eq!(r("php:8.3-apache").unwrap().runs_as, RunsAs::Port80);
        assert_eq!(r("php:8.3-fpm-alpine").unwrap().runs_as, RunsAs::Drops);
        assert!(r("php:8.3-cli").is_none());
        assert_eq!(
            r("docker.io/library/postgres:16").unwrap().runs_as,
            RunsAs::Drops
        );
        assert_eq!(
            r("node:20").unwrap().runs_as,
            RunsAs::User("node", Some("1000:1000"))
        );
        assert!(!r("node:20").unwrap().service);
        assert!(r("ghcr.io/x/nginx").is_none());
        let m = Model::build("FROM nginx:1\nCOPY x /usr/share/nginx/html/\n");
        assert!(runs_something(&m, 0));
        let m = Model::build("FROM debian:12\nRUN apt-get update\n");
        assert!(!runs_something(&m, 0));
        let m = Model::build("FROM debian:12 AS a\nCMD [\"x\"]\nFROM a\nRUN y\n");
        assert!(runs_something(&m, 1));
        let m =
            Model::build("FROM debian:12\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"node\"]\n");
        assert!(!runs_something(&m, 0));
        let m = Model::build("FROM debian:12\nCMD [\"python3\", \"app.py\"]\n");
        assert!(runs_something(&m, 0));
        let m = Model::build("FROM debian:12\nCMD [\"php\", \"-a\"]\n");
        assert!(!runs_something(&m, 0));
        let m = Model::build("FROM debian:12\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n");
        assert!(runs_something(&m, 0));
        assert_eq!(runtime_of_stage(&m, 0).unwrap().runs_as, RunsAs::Port80);
    }
}
