//! `--format checkstyle`: Checkstyle XML, read by Jenkins, reviewdog and
//! many CI tools. Every linted file gets a `<file>` element, also without
//! findings, so tools see it was checked.

use std::io::{self, Write};

use super::{location, FileResult, Outcome};
use crate::diagnostic::Severity;

/// Escapes text for an XML attribute value. `\t`, `\n` and `\r` become
/// character references (a parser would normalize them to spaces otherwise);
/// other control characters, which XML 1.0 does not allow at all, become
/// U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}

pub fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="utf-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for r in results {
        let Outcome::Linted(report) = &r.outcome else {
            continue;
        };
        if report.diagnostics.is_empty() {
            writeln!(out, r#"  <file name="{}"/>"#, escape(&r.path))?;
            continue;
        }
        writeln!(out, r#"  <file name="{}">"#, escape(&r.path))?;
        for d in &report.diagnostics {
            let l = location(report, d.span);
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{}" message="{}" source="dlint.{}"/>"#,
                l.line,
                l.column,
                severity(d.severity),
                escape(&d.message),
                escape(d.code()),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
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
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        assert_eq!(escape("x\ty\nz\r"), "x&#9;y&#10;z&#13;");
        assert_eq!(
            escape("a\u{1}b\u{1b}c\u{7f}é"),
            "a\u{fffd}b\u{fffd}c\u{7f}é"
        );
    }

    #[test]
    fn empty_input() {
        assert_eq!(
            render_string(&[]),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<checkstyle version=\"4.3\">\n</checkstyle>\n"
        );
    }

    #[test]
    fn real_report_and_file_without_findings() {
        let out = render_string(&[
            lint("a/Dockerfile", "FROM ubuntu\nADD a.txt /a\n"),
            unreadable("bad/Dockerfile"),
            lint("ok/Dockerfile", "FROM ubuntu:22.04\nUSER 10001\n"),
        ]);
        let untagged = find("untagged-image").unwrap().meta;
        let add = find("add-instead-of-copy").unwrap().meta;
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<checkstyle version=\"4.3\">\n  <file name=\"a/Dockerfile\">\n"), "{out}");
        assert!(
            out.ends_with("  </file>\n  <file name=\"ok/Dockerfile\"/>\n</checkstyle>\n"),
            "{out}"
        );
        assert!(!out.contains("bad/Dockerfile"));
        assert!(
            out.contains(&format!(
                "<error line=\"1\" column=\"6\" severity=\"{}\" message=\"",
                severity(untagged.severity)
            )),
            "{out}"
        );
        assert!(out.contains(&format!("source=\"dlint.{}\"/>", untagged.code)));
        let add_line = out
            .lines()
            .find(|l| l.contains(&format!("source=\"dlint.{}\"", add.code)))
            .unwrap();
        assert!(
            add_line.starts_with(&format!(
                "    <error line=\"2\" column=\"1\" severity=\"{}\" message=\"",
                severity(add.severity)
            )),
            "{add_line}"
        );
    }

    #[test]
    fn messages_and_names_are_escaped() {
        let mut f = lint("a&b<\"c\">.Dockerfile", "FROM ubuntu:22.04\nUSER 10001\n");
        let code = find("latest-tag").unwrap().meta.code;
        push(
            &mut f,
            diag(
                "latest-tag",
                Severity::Style,
                Span::new(18, 22),
                "use 'x' & <y>\n\"z\"\u{7}",
            ),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Info, Span::new(0, 4), "i"),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Warning, Span::new(0, 4), "w"),
        );
        push(
            &mut f,
            diag("latest-tag", Severity::Error, Span::new(0, 4), "e"),
        );
        let out = render_string(&[f]);
        assert_eq!(
            out,
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                 <checkstyle version=\"4.3\">\n  \
                 <file name=\"a&amp;b&lt;&quot;c&quot;&gt;.Dockerfile\">\n    \
                 <error line=\"2\" column=\"1\" severity=\"info\" message=\"use &apos;x&apos; &amp; &lt;y&gt;&#10;&quot;z&quot;\u{fffd}\" source=\"dlint.{code}\"/>\n    \
                 <error line=\"1\" column=\"1\" severity=\"info\" message=\"i\" source=\"dlint.{code}\"/>\n    \
                 <error line=\"1\" column=\"1\" severity=\"warning\" message=\"w\" source=\"dlint.{code}\"/>\n    \
                 <error line=\"1\" column=\"1\" severity=\"error\" message=\"e\" source=\"dlint.{code}\"/>\n  \
                 </file>\n\
                 </checkstyle>\n"
            )
        );
    }
}
