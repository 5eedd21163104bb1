//! `dlint layers`: each stage's layers, what each COPY/ADD depends on, and
//! what a change to a file re-runs.

use super::say;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_ERROR, EXIT_OK};
use crate::layers;
/// Runs `dlint layers`; returns the exit code.
pub fn cmd(
    file: &Path,
    changed: &[String],
    context: Option<&Path>,
    target: Option<&str>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let src = match crate::source::read_source(file) {
        Ok(s) => s,
        Err(e) => {
            say(err, &format!("{}: {e}", file.display()));
            return EXIT_ERROR;
        }
    };
    let ctx_dir: PathBuf = match context {
        Some(c) => c.to_path_buf(),
        None => file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    if !ctx_dir.is_dir() {
        say(
            err,
            &format!(
                "{}: the build context {} is not a directory",
                file.display(),
                ctx_dir.display()
            ),
        );
        return EXIT_ERROR;
    }
    let report = match layers::analyze(&src, file, &ctx_dir, changed, target) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "dlint: {}: {e}", file.display());
            return EXIT_ERROR;
        }
    };
    let text = if json {
        let mut t = serde_json::to_string_pretty(&report).unwrap_or_default();
        t.push('\n');
        t
    } else {
        layers::render_text(&report)
    };
    let written = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    match written {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            say(err, &format!("cannot write output: {e}"));
            EXIT_ERROR
        }
    }
}
