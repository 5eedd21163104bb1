//! Deterministic Unicode property test: multi-byte characters inserted at
//! every char boundary of a few feature-dense Dockerfiles. Each variant is
//! linted with every rule, fixed (unsafe fixes too) and inspected; nothing
//! may panic, every span must be a char-boundary range, a fix must not add
//! a BuildKit error, and the language server's position conversion must
//! round-trip (UTF-16 and UTF-8) at every char boundary.
//!
//! The coverage-guided fuzz targets (fuzz/, `tests/fuzz/run.sh`) explore
//! further; this test runs in plain `cargo test`.

use dlint::analysis::analyze;
use dlint::fix::{fix_source, FixOptions};
use dlint::model::Model;
use dlint::server::convert::{self, Encoding};
use dlint::settings::{resolve_selector, Settings};
use dlint::syntax::LineIndex;

/// Whether multi-byte text is also inserted inside `--flags` (from the
/// `--` to the end of the flag word). Off until the fix of the panic in
/// src/syntax/buildkit.rs `extract_builder_flags` (bytes read as Latin-1,
/// so the continuation bytes 0x85 and 0xA0 count as whitespace) lands;
/// then set it to true. With it true before that fix, 170 of the 12,352
/// variants fail: `公` anywhere in a flag (a slice inside the character),
/// and U+0085/U+00A0 in the value of `--from=` (a finding whose span ends
/// inside the character).
const MULTIBYTE_IN_FLAGS: bool = true;

/// The characters inserted: 2-, 3- and 4-byte UTF-8, Unicode whitespace
/// that is not ASCII whitespace, a combining mark. `公` (E5 85 AC) carries
/// the byte 0x85.
const CHARS: &[char] = &[
    'é',        // 2 bytes
    '공',       // 3 bytes
    '公',       // 3 bytes, continuation byte 0x85
    '😀',       // 4 bytes, a surrogate pair in UTF-16
    '\u{85}',   // NEL (C2 85)
    '\u{a0}',   // NO-BREAK SPACE (C2 A0)
    '\u{2028}', // LINE SEPARATOR
    '\u{301}',  // COMBINING ACUTE ACCENT
];

/// Multi-stage, BuildKit flags with values, heredocs, continuations,
/// ARG/ENV expansion, directives.
const MODERN: &str = r#"# syntax=docker/dockerfile:1.7
ARG BASE=debian:bookworm-slim
FROM --platform=$BUILDPLATFORM ${BASE} AS build
# 빌드 단계
ARG VERSION=1.2
ENV APP=/opt/app \
    PATH=/opt/app/bin:$PATH
WORKDIR $APP
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update && apt-get install -y curl \
    && rm -rf /var/lib/apt/lists/*
COPY --chown=1000:1000 --chmod=0755 ./src/ /opt/app/src/
ADD ./conf.d/ /etc/conf.d/
RUN <<EOF
set -e
echo "v${VERSION:-dev}" > /opt/app/VERSION
EOF
COPY <<-EOT /etc/app.conf
	name=app
EOT
FROM scratch
COPY --from=build /opt/app /opt/app
USER 1000
ENTRYPOINT ["/opt/app/bin/app", "--config", "/etc/app.conf"]
"#;

/// Legacy forms and findings with fixes, suppression comments, ONBUILD,
/// JSON and shell forms.
const LEGACY: &str = r#"FROM ubuntu:latest
MAINTAINER Jane <jane@example.com>
LABEL title="앱" version=1
# hadolint ignore=DL3008,DL3015
RUN apt-get update && apt-get install python3
# dlint ignore=latest-tag
FROM node AS web
ENV NODE_ENV production
ADD https://example.com/a.tar.gz /tmp/
ADD a.tar.gz /srv/
COPY . /srv
WORKDIR srv
RUN npm install && sudo chmod 777 /srv
RUN cd /srv; npm run build
EXPOSE 3000/tcp
HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://x.sh | bash
ONBUILD RUN npm ci
USER root
CMD npm start
CMD ["node", "s.js"]
"#;

/// A BOM, CRLF line endings, the backtick escape, apk.
const WINDOWS: &str = "\u{feff}# escape=`\r\nFROM alpine:3.19\r\nRUN apk update && `\r\n    apk add curl\r\nARG USER=app\r\nRUN adduser -S ${USER}\r\nCOPY --link ./a/ /dst/\r\nADD app.conf /etc/\r\nENV A=1 B=\"two words\" C=${A:+set}\r\n# dlint global ignore=missing-healthcheck\r\nRUN --network=none echo hi\r\nENTRYPOINT exec /bin/app\r\n";

/// Offsets inside a `--flag` word of an instruction line: from the `--` to
/// the end of the word, both ends included.
fn flag_offsets(src: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in src.split_inclusive('\n') {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in line.char_indices() {
            match (c.is_whitespace(), start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    words.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((s, line.len()));
        }
        // After the keyword (or `ONBUILD KEYWORD`), the leading `--` words.
        let mut iter = words.iter().skip(1).peekable();
        if words
            .first()
            .is_some_and(|&(s, e)| line[s..e].eq_ignore_ascii_case("onbuild"))
        {
            iter.next();
        }
        for &(s, e) in iter {
            if !line[s..e].starts_with("--") {
                break;
            }
            out.push((line_start + s, line_start + e));
        }
        line_start += line.len();
    }
    out
}

fn all_rules() -> Settings {
    let mut s = Settings::default();
    s.select(&resolve_selector("ALL").unwrap());
    // ShellCheck is a separate program, tested in tests/shellcheck.rs.
    s.ignore(&resolve_selector("shellcheck").unwrap());
    s
}

/// Offsets the position conversion must round-trip: char boundaries not
/// inside a line ending's `\r` run (a position there is the content's
/// end).
fn round_trip_offsets(src: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = src.as_bytes();
    (0..=src.len()).filter(move |&o| {
        src.is_char_boundary(o)
            && !(o > 0 && bytes[o - 1] == b'\r' && {
                // Only `\r`s up to the `\n` (or the end) follow.
                let rest = &bytes[o..];
                let n = rest.iter().take_while(|&&b| b == b'\r').count();
                rest.get(n).is_none_or(|&b| b == b'\n')
            })
    })
}

fn check_positions(src: &str) {
    let lines = LineIndex::new(src);
    for enc in [Encoding::Utf16, Encoding::Utf8] {
        for o in round_trip_offsets(src) {
            let p = convert::position(src, &lines, o, enc);
            let back = convert::offset(src, &lines, p, enc);
            assert_eq!(back, o, "{enc:?} {p:?} in {src:?}");
        }
    }
}

fn valid_span(src: &str, s: dlint::syntax::Span) -> bool {
    s.start <= s.end && src.get(s.start..s.end).is_some()
}

fn check(src: &str, settings: &Settings) {
    let report = analyze(src, None, settings, None);
    for d in &report.diagnostics {
        assert!(valid_span(src, d.span), "{} {:?}", d.rule.name, d.span);
        for e in d.fix.iter().flat_map(|f| &f.edits) {
            assert!(valid_span(src, e.span), "{} fix {:?}", d.rule.name, e.span);
        }
    }
    let out = fix_source(src, None, settings, None, FixOptions { unsafe_fixes: true });
    let before = report.model.errors.len();
    let after = Model::build(&out.fixed);
    assert!(
        after.errors.len() <= before,
        "fix added errors: {:?}\n{:?}\n→\n{:?}",
        after.errors.iter().map(|e| &e.message).collect::<Vec<_>>(),
        src,
        out.fixed
    );
    let doc = dlint::syntax::parse_document(src);
    let inspected = dlint::inspect::inspect("Dockerfile", src, &doc);
    serde_json::to_string(&inspected).unwrap();
    check_positions(src);
}

/// One variant: `c` inserted at byte `at` of `file`; `full` also fixes
/// and inspects it (else it is linted only).
struct Variant {
    file: &'static str,
    name: &'static str,
    at: usize,
    c: char,
    full: bool,
}

/// Every character at every boundary is linted; the fixer, inspect and the
/// position round trip run on every other (character, boundary) pair, so
/// each boundary gets half of the characters and each character half of
/// the boundaries.
fn variants() -> (Vec<Variant>, usize) {
    let mut out = Vec::new();
    let mut skipped = 0;
    for (name, file) in [("modern", MODERN), ("legacy", LEGACY), ("windows", WINDOWS)] {
        let flags = flag_offsets(file);
        let boundaries = (0..=file.len()).filter(|&o| file.is_char_boundary(o));
        for (k, at) in boundaries.enumerate() {
            let in_flag = flags.iter().any(|&(s, e)| s <= at && at <= e);
            if in_flag && !MULTIBYTE_IN_FLAGS {
                skipped += 1;
                continue;
            }
            for (i, &c) in CHARS.iter().enumerate() {
                out.push(Variant {
                    file,
                    name,
                    at,
                    c,
                    full: (k + i) % 2 == 0,
                });
            }
        }
    }
    (out, skipped)
}

fn run(v: &Variant, settings: &Settings) -> Result<(), String> {
    let mut src = String::with_capacity(v.file.len() + 4);
    src.push_str(&v.file[..v.at]);
    src.push(v.c);
    src.push_str(&v.file[v.at..]);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if v.full {
            check(&src, settings);
        } else {
            let report = analyze(&src, None, settings, None);
            for d in &report.diagnostics {
                assert!(valid_span(&src, d.span), "{} {:?}", d.rule.name, d.span);
            }
        }
    }));
    r.map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!(
            "{}: {:?} (U+{:04X}) at byte {}: {msg}\n  {src:?}",
            v.name, v.c, v.c as u32, v.at
        )
    })
}

#[test]
fn files_are_clean_as_written() {
    let settings = all_rules();
    for file in [MODERN, LEGACY, WINDOWS] {
        check(file, &settings);
        // Each has findings with fixes, so the fixer has work to do.
        let report = analyze(file, None, &settings, None);
        assert!(
            report.diagnostics.iter().any(|d| d.fix.is_some()),
            "{file:?}"
        );
    }
}

#[test]
fn multibyte_at_every_boundary() {
    let settings = all_rules();
    let (variants, skipped) = variants();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunk = variants.len().div_ceil(threads);
        let handles: Vec<_> = variants
            .chunks(chunk)
            .map(|part| {
                let settings = &settings;
                s.spawn(move || {
                    part.iter()
                        .filter_map(|v| run(v, settings).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    assert!(variants.len() > 10_000, "{} variants", variants.len());
    assert!(MULTIBYTE_IN_FLAGS || skipped > 0);
    assert!(
        failures.is_empty(),
        "{} of {} variants failed:\n{}",
        failures.len(),
        variants.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
