//! `dev-dependencies-in-image`: the image that is built installs the
//! project's development dependencies (test runners, bundlers, linters),
//! which it does not need to run.
use super::{build_step, image_instructions, image_stages, tag_version};
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::{Base, Kind, Model, ShellCommand};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};
use crate::syntax::Span;

pub const META: RuleMeta = RuleMeta {
    code: "D803",
    name: "dev-dependencies-in-image",
    category: Category::Size,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &[],
    summary: "The final stage installs development dependencies (test runners, bundlers, linters) it does not need to run",
    default_enabled: true,
};

/// A dependency install that includes development dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevInstall {
    pub tool: &'static str,
    /// How to leave them out (shown in the message).
    pub remedy: String,
    /// The option to add after the subcommand, when it is certain to work.
    pub flag: Option<&'static str>,
}

fn assigned(c: &ShellCommand, name: &str) -> Option<String> {
    c.assignments.iter().find_map(|a| {
        let t = a.text();
        t.strip_prefix(name)
            .and_then(|r| r.strip_prefix('='))
            .map(crate::model::unquote)
    })
}

/// Whether a requirements file (or extra) is for development or tests.
pub fn is_dev_requirements(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(['/', '-', '_', '.', '[', ']', ','])
        .any(|t| {
            matches!(
                t,
                "dev"
                    | "devel"
                    | "develop"
                    | "development"
                    | "test"
                    | "tests"
                    | "testing"
                    | "lint"
                    | "ci"
            )
        })
}

/// Whether a command installs development dependencies, given an
/// environment look-up (`env("NODE_ENV")`).
pub fn dev_install(c: &ShellCommand, env: &dyn Fn(&str) -> Option<String>) -> Option<DevInstall> {
    let prog = c.program()?;
    let args = c.arg_texts();
    let positional = c.positional_texts();
    let sub = positional.first().copied();
    // `yarn --version`, `bundle -v`: a query, not an install.
    if args
        .iter()
        .any(|a| matches!(*a, "--version" | "-v" | "-V" | "--help" | "-h"))
    {
        return None;
    }
    let var = |name: &str| assigned(c, name).or_else(|| env(name));
    let truthy = |v: Option<String>| {
        v.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    };
    let production_env = || {
        var("NODE_ENV").is_some_and(|v| v.eq_ignore_ascii_case("production"))
            || truthy(var("NPM_CONFIG_PRODUCTION"))
            || truthy(var("npm_config_production"))
            || var("NPM_CONFIG_OMIT").is_some_and(|v| v.contains("dev"))
            || var("npm_config_omit").is_some_and(|v| v.contains("dev"))
    };
    let has = |a: &str| args.contains(&a);
    let value_of = |opt: &str| -> Option<String> {
        let eq = format!("{opt}=");
        args.iter().enumerate().find_map(|(i, a)| {
            if let Some(v) = a.strip_prefix(&eq) {
                Some(v.to_string())
            } else if *a == opt {
                args.get(i + 1).map(|v| v.to_string())
            } else {
                None
            }
        })
    };
    match prog {
        "npm" => {
            let installs = matches!(sub, Some("ci") | Some("clean-install"))
                || matches!(sub, Some("install") | Some("i")) && positional.len() == 1;
            if !installs || has("-g") || has("--global") {
                return None;
            }
            let explicit_dev = has("--production=false")
                || value_of("--include").is_some_and(|v| v.contains("dev"));
            let omits = value_of("--omit").is_some_and(|v| v.contains("dev"))
                || value_of("--only").is_some_and(|v| v.starts_with("prod"))
                || has("--production")
                || has("--production=true");
            if omits || (!explicit_dev && production_env()) {
                return None;
            }
            Some(DevInstall {
                tool: "npm",
                remedy: "`--omit=dev` (npm 7 and later; `--production` before), or `ENV NODE_ENV=production` before it".into(),
                flag: (!explicit_dev).then_some("--omit=dev"),
            })
        }
        "yarn" => {
            if !matches!(sub, None | Some("install")) {
                return None;
            }
            if has("--production") || has("--prod") || has("--production=true") || production_env()
            {
                return None;
            }
            Some(DevInstall {
                tool: "yarn",
                remedy: "`yarn install --production` (Yarn 1) or `yarn workspaces focus --all --production` (Yarn 2 and later)".into(),
                flag: None,
            })
        }
        "pnpm" => {
            if !(matches!(sub, Some("install") | Some("i")) && positional.len() == 1) {
                return None;
            }
            if has("--prod") || has("-P") || has("--production") || production_env() {
                return None;
            }
            let explicit_dev = has("--dev") || has("-D");
            Some(DevInstall {
                tool: "pnpm",
                remedy: "`--prod`, or `ENV NODE_ENV=production` before it".into(),
                flag: (!explicit_dev).then_some("--prod"),
            })
        }
        "pip" | "pip3" | "python" | "python3" | "uv" => {
            let rest: &[&str] = match prog {
                "python" | "python3" => {
                    let i = args.iter().position(|a| *a == "-m")?;
                    if !args.get(i + 1).is_some_and(|m| m.starts_with("pip")) {
                        return None;
                    }
                    &args[i + 2..]
                }
                "uv" if sub == Some("sync") => {
                    if has("--no-dev")
                        || has("--only-group")
                        || has("--no-default-groups")
                        || truthy(var("UV_NO_DEV"))
                        || value_of("--no-group").is_some_and(|g| g == "dev")
                    {
                        return None;
                    }
                    return Some(DevInstall {
                        tool: "uv",
                        remedy: "`uv sync --no-dev`".into(),
                        flag: Some("--no-dev"),
                    });
                }
                "uv" if sub == Some("pip") => &args[1..],
                "uv" => return None,
                _ => &args[..],
            };
            let i = rest.iter().position(|a| *a == "install")?;
            let rest = &rest[i + 1..];
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                let file = if *a == "-r" || *a == "--requirement" {
                    it.next().copied()
                } else if let Some(f) = a.strip_prefix("--requirement=") {
                    Some(f)
                } else if let Some(f) = a.strip_prefix("-r").filter(|f| !f.is_empty()) {
                    Some(f)
                } else if !a.starts_with('-') && a.contains('[') {
                    // `pip install -e .[dev]`
                    a.split_once('[').map(|(_, e)| e)
                } else {
                    None
                };
                if let Some(f) = file {
                    if is_dev_requirements(f) {
                        return Some(DevInstall {
                            tool: "pip",
                            remedy: format!("the runtime requirements only (not `{f}`)"),
                            flag: None,
                        });
                    }
                }
            }
            None
        }
        "poetry" => {
            if sub != Some("install") {
                return None;
            }
            let without = value_of("--without").unwrap_or_default();
            let only = value_of("--only").unwrap_or_default();
            if has("--no-dev")
                || has("--only-root")
                || without.split(',').any(|g| g.trim() == "dev")
                || (!only.is_empty() && !only.split(',').any(|g| g.trim() == "dev"))
            {
                return None;
            }
            Some(DevInstall {
                tool: "poetry",
                remedy: "`poetry install --only main` (Poetry 1.2 and later; `--no-dev` before)"
                    .into(),
                flag: None,
            })
        }
        "bundle" | "bundler" => {
            if !matches!(sub, None | Some("install")) {
                return None;
            }
            let without = var("BUNDLE_WITHOUT").unwrap_or_default();
            if !without.is_empty() || value_of("--without").is_some() {
                return None;
            }
            Some(DevInstall {
                tool: "bundler",
                remedy: "`ENV BUNDLE_WITHOUT=development:test` (or `bundle config set --local without 'development test'`) before it".into(),
                flag: None,
            })
        }
        "composer" | "composer.phar" => {
            if sub != Some("install") && sub != Some("i") {
                return None;
            }
            if has("--no-dev") || truthy(var("COMPOSER_NO_DEV")) {
                return None;
            }
            let explicit_dev = has("--dev");
            Some(DevInstall {
                tool: "composer",
                remedy: "`composer install --no-dev`".into(),
                flag: (!explicit_dev).then_some("--no-dev"),
            })
        }
        "pipenv" => {
            if matches!(sub, Some("install") | Some("sync")) && (has("--dev") || has("-d")) {
                Some(DevInstall {
                    tool: "pipenv",
                    remedy: format!("`pipenv {}` without `--dev`", sub.unwrap_or("install")),
                    flag: None,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a command removes development dependencies again
/// (`npm prune --omit=dev`, `npm prune --production`, `yarn install
/// --production` after a build).
fn prunes_dev(c: &ShellCommand) -> bool {
    let args = c.arg_texts();
    match c.program() {
        Some("npm") => {
            args.first() == Some(&"prune")
                && args.iter().any(|a| {
                    matches!(*a, "--production" | "--omit=dev" | "--production=true")
                        || *a == "--omit"
                })
        }
        Some("pnpm") => args.first() == Some(&"prune") && args.contains(&"--prod"),
        Some("yarn") => {
            matches!(
                args.first(),
                None | Some(&"install") | Some(&"--production")
            ) && args.contains(&"--production")
        }
        Some("composer") => args.contains(&"--no-dev"),
        Some("bundle") => args.first() == Some(&"clean"),
        _ => false,
    }
}

/// Whether a command needs the development dependencies: a build or tests.
fn needs_dev(c: &ShellCommand) -> bool {
    if build_step(c).is_some() {
        return true;
    }
    let args = c.arg_texts();
    match c.program() {
        Some("npm") | Some("yarn") | Some("pnpm") => {
            matches!(
                args.first().copied(),
                Some("test") | Some("t") | Some("run") | Some("run-script") | Some("lint")
            ) && !matches!(args.get(1).copied(), Some("start"))
        }
        Some("pytest") | Some("tox") | Some("jest") | Some("mocha") | Some("rspec")
        | Some("phpunit") => true,
        Some("rake") | Some("rails") => args.iter().any(|a| a.starts_with("assets:")),
        _ => false,
    }
}

fn node_major(m: &Model, stage: usize) -> Option<u32> {
    let mut cur = stage;
    for _ in 0..64 {
        match &m.stages[cur].base {
            Base::Stage(p) if *p < cur => cur = *p,
            Base::Image(r) if r.short_name() == "node" && r.is_docker_hub() => {
                // `node`, `node:lts`, `node:alpine`: a current release.
                return Some(
                    r.tag
                        .as_deref()
                        .and_then(tag_version)
                        .map_or(u32::MAX, |v| v.0),
                );
            }
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
    let insts = image_instructions(m, &stages);
    // (instruction position, command) of every RUN command, in order.
    let mut cmds: Vec<(usize, &crate::model::Instruction, &ShellCommand)> = Vec::new();
    for (pos, inst) in insts.iter().enumerate() {
        // A cheap look before parsing the shell: the installers and the
        // commands that prune or need development dependencies.
        if inst.kind != Kind::Run || !inst.mentions(MENTIONS) {
            continue;
        }
        if let Some(run) = inst.run() {
            for c in run.commands() {
                cmds.push((pos, inst, c));
            }
        }
    }
    let bundler_configured = cmds.iter().any(|(_, _, c)| {
        c.program() == Some("bundle")
            && c.arg_texts().first() == Some(&"config")
            && c.arg_texts()
                .iter()
                .any(|a| *a == "without" || a.starts_with("--without"))
    });
    for (k, (_, inst, c)) in cmds.iter().enumerate() {
        let stage = inst.stage.unwrap_or(fin);
        // ENV (and ARG) visible at this instruction in its stage.
        let env = |name: &str| -> Option<String> {
            let st = &m.stages[stage];
            // ENV wins over ARG; both are in RUN's environment.
            let env_before = st
                .env
                .iter()
                .rev()
                .find(|(key, _, at)| key == name && *at < inst.index)
                .map(|(_, v, _)| v.clone());
            let arg_before = || {
                st.args
                    .iter()
                    .rev()
                    .find(|a| a.name == name && a.instruction < inst.index)
                    .and_then(|a| a.default.clone())
            };
            env_before.or_else(arg_before).or_else(|| match st.base {
                Base::Stage(p) if p < stage => m.env_value(p, name, 0),
                _ => None,
            })
        };
        let Some(dev) = dev_install(c, &env) else {
            continue;
        };
        if dev.tool == "bundler" && bundler_configured {
            continue;
        }
        let later = &cmds[k + 1..];
        if later.iter().any(|(_, _, n)| prunes_dev(n)) {
            continue;
        }
        let needed = later.iter().find(|(_, _, n)| needs_dev(n));
        let install = short(m.text(c.span));
        let line = m.line_of(c.span.start);
        let msg = match needed {
            Some((_, _, n)) => format!(
                "`{install}` (line {line}) installs the development dependencies into the final image, and `{}` (line {}) needs them: build in a named stage, then install without them ({}) in a final stage that copies only the build output",
                short(m.text(n.span)),
                m.line_of(n.span.start),
                dev.remedy
            ),
            None => format!(
                "`{install}` (line {line}) installs the development dependencies (test runners, bundlers, linters) into the final image, which does not need them to run. Leave them out: {}",
                dev.remedy
            ),
        };
        let fix = match (dev.flag, needed) {
            (Some(flag), None) if !inst.json => {
                // npm's option depends on its version: only an official
                // `node` image says which npm it ships (npm 6 with Node
                // 14 and older knows `--production`, not `--omit=dev`).
                let flag = match (dev.tool, node_major(m, fin)) {
                    ("npm", Some(v)) if v < 15 => Some("--production"),
                    ("npm", Some(_)) => Some(flag),
                    ("npm", None) => None,
                    _ => Some(flag),
                };
                flag.and_then(|flag| subcommand_end(c).map(|at| (flag, at)))
                    .map(|(flag, at)| {
                        Fix::unsafe_(
                            format!("Add `{flag}` to `{}`", short(m.text(c.span))),
                            vec![Edit::insert(at, format!(" {flag}"))],
                        )
                    })
            }
            _ => None,
        };
        let span = c.span;
        cx.report(Span::new(span.start, span.end), msg).fix = fix;
    }
}

/// Words one of the commands this rule reads contains.
const MENTIONS: &[&str] = &[
    "npm", "yarn", "pnpm", "pip", "poetry", "bundle", "composer", "uv", "pipenv", "python",
    "pytest", "tox", "jest", "mocha", "rspec", "phpunit", "rake", "rails", "tsc", "webpack", "go",
    "cargo", "mvn", "gradle", "dotnet", "make", "gcc", "g++", "cc", "clang", "cmake", "ng", "next",
    "vite", "nuxt",
];

/// Where to insert an option: after the subcommand word (`npm ci`,
/// `composer install`, `uv sync`, `pnpm install`).
fn subcommand_end(c: &ShellCommand) -> Option<usize> {
    let w = c.args().iter().find(|w| !w.text().starts_with('-'))?;
    Some(w.span.end)
}

fn short(t: &str) -> String {
    let one: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(cmd: &str) -> Option<DevInstall> {
        let m = Model::build(&format!("FROM a\nRUN {cmd}\n"));
        let run = m.instructions[1].run().unwrap();
        let c = run.commands().next().unwrap().clone();
        dev_install(&c, &|_| None)
    }

    #[test]
    fn installs() {
        assert_eq!(dev("npm ci").unwrap().flag, Some("--omit=dev"));
        assert!(dev("npm ci --omit=dev").is_none());
        assert!(dev("npm ci --omit dev").is_none());
        assert!(dev("npm install --production").is_none());
        assert!(dev("NODE_ENV=production npm ci").is_none());
        assert!(dev("npm install express").is_none());
        assert!(dev("npm install -g pm2").is_none());
        assert_eq!(dev("npm ci --include=dev").unwrap().flag, None);
        assert!(dev("yarn install --frozen-lockfile").is_some());
        assert!(dev("yarn --production").is_none());
        assert_eq!(
            dev("pnpm install --frozen-lockfile").unwrap().flag,
            Some("--prod")
        );
        assert!(dev("pip install -r requirements-dev.txt").is_some());
        assert!(dev("pip install -r requirements/test.txt").is_some());
        assert!(dev("pip install -r requirements.txt").is_none());
        assert!(dev("pip install -e .[dev]").is_some());
        assert!(dev("python -m pip install -r dev-requirements.txt").is_some());
        assert!(dev("poetry install").is_some());
        assert!(dev("poetry install --only main").is_none());
        assert!(dev("poetry install --without dev,test").is_none());
        assert!(dev("poetry install --no-dev").is_none());
        assert!(dev("bundle install").is_some());
        assert!(dev("bundle install --without development test").is_none());
        assert_eq!(dev("composer install").unwrap().flag, Some("--no-dev"));
        assert!(dev("composer install --no-dev --optimize-autoloader").is_none());
        assert_eq!(dev("uv sync --frozen").unwrap().flag, Some("--no-dev"));
        assert!(dev("uv sync --no-dev").is_none());
        assert!(dev("pipenv install --deploy").is_none());
        assert!(dev("pipenv install --dev").is_some());
    }
}
