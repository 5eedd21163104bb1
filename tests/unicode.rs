//! Multi-byte text anywhere: each of a few feature-dense Dockerfiles gets a
//! multi-byte char (CJK, Hangul, an emoji, U+0085, U+00A0, é) inserted at
//! every char boundary, and the model, `inspect` and a lint with every rule
//! must not panic and must keep every span on char boundaries.

use dlint::analysis::analyze;
use dlint::model::Model;
use dlint::settings::{resolve_selector, Settings};

const FILES: &[&str] = &[
    concat!(
        "# syntax=docker/dockerfile:1\n",
        "ARG BASE=alpine:3.20\n",
        "FROM --platform=$BUILDPLATFORM $BASE AS build\n",
        "COPY --from=build --chown=1:1 --chmod=0755 a b /dst/\n",
        "RUN --mount=type=cache,target=/root/.cache,sharing=locked \\\n",
        "    apk add --no-cache curl && \\\n",
        "# inside\n",
        "\n",
        "    echo \"q x\" 'y z' | tr a b\n",
        "HEALTHCHECK --interval=5s --retries=3 CMD [\"curl\", \"-f\", \"http://x\"]\n",
        "ENV A=1 B=\"two words\" C\n",
        "LABEL k=v\n",
        "ONBUILD COPY --link . /src\n",
    ),
    concat!(
        "FROM debian:12 AS base\n",
        "RUN <<EOF bash\n",
        "set -e\n",
        "apt-get update && apt-get install -y git\n",
        "EOF\n",
        "COPY <<-\"CONF\" /etc/x.conf\n",
        "\tkey=value\n",
        "\tCONF\n",
        "SHELL [\"/bin/bash\", \"-c\"]\n",
        "USER app:app\n",
        "WORKDIR /w\n",
        "EXPOSE 80/tcp 443\n",
        "STOPSIGNAL SIGTERM\n",
        "FROM base\n",
        "COPY --from=0 /a /b\n",
        "CMD [\"x\"]\n",
    ),
    concat!(
        "# escape=`\n",
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n",
        "RUN dir `\n",
        "  c:\\ `\n",
        "  && echo done\n",
        "HEALTHCHECK NONE\n",
        "VOLUME [\"/data\"] \n",
        "MAINTAINER Jane <j@example.com>\n",
        "ADD --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://e.x/a /a\n",
        "ENTRYPOINT [\"a\", 3]\n",
    ),
];

const CHARS: &[char] = &['公', '저', '😀', '\u{85}', '\u{a0}', 'é'];

#[test]
fn multibyte_chars_at_every_offset() {
    let mut settings = Settings::default();
    settings.select(&resolve_selector("ALL").unwrap());
    let mut runs = 0;
    for file in FILES {
        for &c in CHARS {
            for (i, _) in file.char_indices().chain([(file.len(), ' ')]) {
                let mut src = String::with_capacity(file.len() + 4);
                src.push_str(&file[..i]);
                src.push(c);
                src.push_str(&file[i..]);
                let m = Model::build(&src);
                for e in &m.errors {
                    assert!(
                        src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end),
                        "error span off a char boundary in {src:?}: {e:?}"
                    );
                }
                for inst in &m.instructions {
                    for w in inst.args.iter().chain([&inst.keyword]) {
                        assert!(
                            src.is_char_boundary(w.span.start) && src.is_char_boundary(w.span.end),
                            "span off a char boundary in {src:?}: {w:?}"
                        );
                    }
                    for f in &inst.flags {
                        assert!(
                            src.is_char_boundary(f.span.start) && src.is_char_boundary(f.span.end),
                            "flag span off a char boundary in {src:?}: {f:?}"
                        );
                    }
                }
                let doc = dlint::syntax::parse_document(&src);
                let _ = dlint::inspect::inspect("x", &src, &doc);
                let report = analyze(&src, None, &settings, None);
                for d in &report.diagnostics {
                    assert!(
                        src.is_char_boundary(d.span.start) && src.is_char_boundary(d.span.end),
                        "diagnostic span off a char boundary in {src:?}: {}",
                        d.message
                    );
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 3000, "{runs}");
}
