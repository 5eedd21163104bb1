//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the pull request.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::MESSAGE`,
//! escaped as `@actions/core` (`packages/core/src/command.ts`) escapes.

use std::io::{self, Write};

use super::{findings, location};
use crate::diagnostic::Severity;

use super::FileResult;

/// Escapes a command's data (the message).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "notice",
    }
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    for (r, report, d) in findings(results) {
        let l = location(report, d.span);
        let title = format!("dlint {} ({})", d.code(), d.rule.name);
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
            escape_property(&r.path),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            escape_property(&title),
            escape_data(&d.message),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::tests::{diag, lint, push, unreadable};
    use crate::rules::find;
    use crate::syntax::Span;

    fn render_string(results: &[FileResult]) -> String {
        let mut out = Vec::new();
        render(results, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
        // `%` first: an escape is never escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn real_report_lines() {
        let out = render_string(&[
            lint("a/Dockerfile", "FROM ubuntu\nADD a.txt /a\n"),
            unreadable("b/Dockerfile"),
        ]);
        let untagged = find("untagged-image").unwrap().meta;
        let add = find("add-instead-of-copy").unwrap().meta;
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| l.starts_with("::")), "{out}");
        assert!(!out.contains("b/Dockerfile"));

        let u = lines
            .iter()
            .find(|l| l.contains(&format!("title=dlint {} (untagged-image)::", untagged.code)))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(
            u.starts_with(&format!(
                "::{} file=a/Dockerfile,line=1,col=6,endLine=1,endColumn=12,",
                command(untagged.severity)
            )),
            "{u}"
        );

        let a = lines
            .iter()
            .find(|l| l.contains(&format!("title=dlint {} (add-instead-of-copy)::", add.code)))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(
            a.starts_with(&format!(
                "::{} file=a/Dockerfile,line=2,col=1,endLine=2,endColumn=4,",
                command(add.severity)
            )),
            "{a}"
        );
    }

    #[test]
    fn exact_line_with_escaping_and_commands() {
        let src = "FROM ubuntu:22.04\nUSER 10001\n";
        let mut f = lint("dir,x/a:b%.Dockerfile", src);
        let code = find("latest-tag").unwrap().meta.code;
        push(
            &mut f,
            diag(
                "latest-tag",
                Severity::Error,
                Span::new(18, 26),
                "50% done, see: x\nnext\r",
            ),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Warning, Span::new(0, 4), "w"),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Info, Span::new(0, 4), "i"),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Style, Span::new(0, 4), "s"),
        );
        let out = render_string(&[f]);
        let file = "dir%2Cx/a%3Ab%25.Dockerfile";
        let title = format!("dlint {code} (latest-tag)");
        assert_eq!(
            out,
            format!(
                "::error file={file},line=2,col=1,endLine=2,endColumn=9,title={title}::50%25 done, see: x%0Anext%0D\n\
                 ::warning file={file},line=1,col=1,endLine=1,endColumn=5,title={title}::w\n\
                 ::notice file={file},line=1,col=1,endLine=1,endColumn=5,title={title}::i\n\
                 ::notice file={file},line=1,col=1,endLine=1,endColumn=5,title={title}::s\n"
            )
        );
    }

    #[test]
    fn no_findings_no_output() {
        assert_eq!(render_string(&[]), "");
        assert_eq!(render_string(&[unreadable("x")]), "");
    }
}
