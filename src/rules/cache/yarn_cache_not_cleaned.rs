//! `yarn-cache-not-cleaned`: `yarn install` (or `yarn add`) in a RUN that
//! ends up in the image, with no `yarn cache clean` after it: yarn's cache,
//! a second copy of every package, stays in the layer.
use super::{check_cache, CacheSpec};
use crate::diagnostic::Severity;
use crate::model::package::{Op, Tool};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D310",
    name: "yarn-cache-not-cleaned",
    category: Category::Cache,
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    aliases: &["DL3060"],
    summary:
        "A yarn install in the final image leaves yarn's cache in the layer: no `yarn cache clean`",
    default_enabled: true,
};

static SPEC: CacheSpec = CacheSpec {
    tools: &[Tool::Yarn],
    mentions: &["yarn", "yarnpkg"],
    fills: |p| matches!(p.op, Op::Install | Op::InstallManifest),
    cleans: |_, p| p.tool == Tool::Yarn && p.op == Op::Clean,
    // Yarn 1's cache for root, and under a user's home.
    dirs: &[
        "/usr/local/share/.cache/yarn",
        "/root/.cache/yarn",
        "/home/node/.cache/yarn",
        "/root/.yarn/berry/cache",
    ],
    cleanup: |p| {
        format!(
            "{} cache clean",
            super::invocation(p).unwrap_or("yarn".into())
        )
    },
    message: |p, cleanup| {
        format!(
            "`{}` in the final image, and this RUN does not clean yarn's cache: a second copy of every package stays in the layer. End the RUN with `&& {cleanup}`, or mount a cache at /usr/local/share/.cache/yarn",
            p.display()
        )
    },
    // With Yarn 2+ Plug'n'Play the cache holds the installed packages.
    safe: false,
};

pub fn check(cx: &mut Checker) {
    check_cache(cx, &SPEC);
}
