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
//!
//! What a client gets:
//!
//! * lifecycle per the spec: `initialize` (position encoding UTF-8 when the
//!   client offers it, else UTF-16), `shutdown`, `exit` (exit code 0 after
//!   `shutdown`, else 1); requests before `initialize` get
//!   `ServerNotInitialized`, after `shutdown` `InvalidRequest`;
//! * documents with language `dockerfile` or named like Dockerfiles,
//!   synced incrementally;
//! * diagnostics pushed (`publishDiagnostics` with the version), or pulled
//!   (`textDocument/diagnostic`) when the client supports pull, never both;
//! * code actions: a quickfix per fixable finding (preferred when safe),
//!   "Ignore NAME for this instruction", `source.fixAll.dlint`;
//! * hover: rule docs on findings and on rule names in suppression
//!   comments, instruction descriptions on keywords;
//! * settings (`select`, `extendSelect`, `ignore`, `unsafeFixes`) from
//!   `initializationOptions` and `workspace/configuration` (section
//!   `dlint`), on top of the `dlint.toml` the CLI would use; config files
//!   and `.dockerignore` are watched when the client allows it, and read
//!   again when a Dockerfile is saved.

mod actions;
/// Position conversions (public for tests/unicode.rs and the fuzz targets).
#[doc(hidden)]
pub mod convert;
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
