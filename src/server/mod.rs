//! The language server (`dlint server`). Placeholder: being written.

/// Runs the server on stdio; returns the process exit code.
pub fn run_stdio() -> i32 {
    eprintln!("dlint server: not available in this build");
    2
}
