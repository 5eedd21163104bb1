//! `dlint layers`. Placeholder: being written.
use std::io::Write;
use std::path::Path;

/// Runs `dlint layers`; returns the exit code.
pub fn cmd(
    _file: &Path,
    _changed: &[String],
    _context: Option<&Path>,
    _json: bool,
    _out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let _ = writeln!(err, "dlint layers: not available in this build");
    2
}
