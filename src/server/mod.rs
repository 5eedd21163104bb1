//! The language server (`dlint server`): live diagnostics, quick fixes,
//! fix-all and rule docs over LSP, on stdio.
//!
//! It holds no lint logic: documents are linted with
//! [`crate::analysis::analyze`] and fixed with [`crate::fix::fix_source`],
//! with the settings of the `dlint.toml` the CLI would use (plus the
//! editor's settings) and the document's build context.
//!
//! * [`transport`]: stdio framing that survives malformed input;
//! * `session`: lifecycle, the main loop, documents, settings;
//! * `diagnostics`, `actions`, `hover`: the features.
//!
//! [`run`] serves one connection; the tests drive it over
//! `lsp_server::Connection::memory()`.

mod actions;
mod convert;
mod diagnostics;
mod documents;
mod hover;
mod instructions;
mod session;
mod settings;
pub mod transport;

pub use session::run;
pub use transport::serve;

/// Runs the server on stdio; returns the process exit code (0 after
/// `shutdown` then `exit`, 1 otherwise).
pub fn run_stdio() -> i32 {
    transport::run_stdio()
}
