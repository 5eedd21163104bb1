//! `dlint inspect`.

use super::say;
use std::io::Write;
use std::path::PathBuf;

use super::{ListFormat, EXIT_ERROR, EXIT_OK};

/// `dlint inspect`: the instructions as dlint (and BuildKit) read them.
pub fn cmd_inspect(
    files: &[PathBuf],
    format: ListFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut code = EXIT_OK;
    let mut reports = Vec::new();
    for f in files {
        match crate::source::read_source(f) {
            Ok(src) => {
                let doc = crate::syntax::parse_document(&src);
                reports.push(crate::inspect::inspect(&f.to_string_lossy(), &src, &doc));
            }
            Err(e) => {
                say(err, &format!("{}: {e}", f.display()));
                code = EXIT_ERROR;
            }
        }
    }
    match format {
        ListFormat::Json => {
            let _ = serde_json::to_writer(&mut *out, &reports);
            let _ = writeln!(out);
        }
        ListFormat::Text | ListFormat::Markdown => {
            for r in &reports {
                let _ = writeln!(out, "{}:", r.file);
                for i in &r.instructions {
                    let flags = if i.flags.is_empty() {
                        String::new()
                    } else {
                        format!(" {:?}", i.flags)
                    };
                    let _ = writeln!(
                        out,
                        "  {}-{} {}{}{} {:?}{}",
                        i.start_line,
                        i.end_line,
                        i.cmd,
                        i.sub_cmd
                            .as_ref()
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default(),
                        flags,
                        i.value,
                        if i.heredocs.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " heredocs={:?}",
                                i.heredocs.iter().map(|h| &h.name).collect::<Vec<_>>()
                            )
                        }
                    );
                }
                for e in &r.errors {
                    let _ = writeln!(out, "  error: line {}: {}", e.line, e.message);
                }
                for e in &r.instruction_errors {
                    let _ = writeln!(out, "  instruction error: line {}: {}", e.line, e.message);
                }
            }
        }
    }
    code
}
