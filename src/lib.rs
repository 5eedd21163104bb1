//! dlint: a Dockerfile linter and optimizer.
//!
//! Data flows one way: source text → [`syntax`] (tree-sitter and BuildKit's
//! reading; the only layer that sees nodes) → [`model`] (stages, ARG/ENV
//! scopes, images, COPY sources, RUN commands) → [`rules`] → diagnostics with
//! fixes → [`suppress`] → renderers, the fixer and the language server.
//! [`analysis::analyze`] is the one entry point.

// dlint reads text from untrusted pull requests full of multi-byte
// comments: a `str` is never sliced at an offset that may fall inside a
// character. Slice through `get`, `split_once`, `strip_prefix` and the like;
// where an offset is provably a boundary, an `allow` says why. (Unit tests
// slice their own fixed text.)
#![cfg_attr(not(test), deny(clippy::string_slice))]

pub mod analysis;
pub mod cli;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod edit;
pub mod files;
pub mod fix;
pub mod inspect;
pub mod layers;
pub mod model;
pub mod panic;
pub mod pin;
pub mod registry;
pub mod render;
pub mod rules;
pub mod server;
pub mod settings;
pub mod shellcheck;
pub mod source;
pub mod suppress;
pub mod syntax;
pub mod text;
