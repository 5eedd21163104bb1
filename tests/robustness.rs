//! Random Dockerfiles (fragments that stress the reader, plus random bytes):
//! analysis, inspect and the fixer never panic, fixes never make a file
//! invalid, and fixing twice changes nothing.

use dlint::analysis::analyze;
use dlint::fix::{fix_source, FixOptions};
use dlint::model::Model;
use dlint::settings::Settings;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "MAINTAINER",
    "from",
    "Bogus",
];
const WORDS: &[&str] = &[
    "alpine:3.20",
    "ubuntu",
    "node:latest",
    "a.txt",
    "src/",
    ".",
    "/app/",
    "--from=build",
    "--chown=1:1",
    "--mount=type=cache,target=/var/lib/apt",
    "AS",
    "build",
    "x=y",
    "$VAR",
    "${A:-b}",
    "[\"a\", \"b\"]",
    "<<EOF",
    "<<-EOT",
    "apt-get",
    "update",
    "install",
    "-y",
    "&&",
    "apk",
    "add",
    "npm",
    "ci",
    "pip",
    "-r",
    "requirements.txt",
    "root",
    "1000",
    "'q x'",
    "\"d y\"",
    "\\",
    "`",
    "é",
    "|",
    ";",
    "#",
    "(",
    ")",
    "$(",
    "gosu",
    "https://x/y.tar.gz",
];

fn gen(rng: &mut Rng) -> String {
    let mut lines: Vec<String> = Vec::new();
    if rng.below(8) == 0 {
        lines.push(
            rng.pick(&[
                "# escape=`",
                "# syntax=docker/dockerfile:1",
                "# check=skip=all",
            ])
            .into(),
        );
    }
    for _ in 0..1 + rng.below(10) {
        if rng.below(10) == 0 {
            lines.push(
                rng.pick(&[
                    "",
                    "  ",
                    "# c",
                    "# dlint ignore=latest-tag",
                    "# hadolint ignore=DL3006",
                ])
                .into(),
            );
            continue;
        }
        let mut l = rng.pick(KEYWORDS).to_string();
        for _ in 0..rng.below(7) {
            l.push(' ');
            l.push_str(rng.pick(WORDS));
        }
        if rng.below(4) == 0 {
            l.push_str(" \\\n  ");
            l.push_str(rng.pick(WORDS));
        }
        if l.contains("<<EOF") && rng.below(3) > 0 {
            l.push_str("\napt-get install -y x\nEOF");
        }
        lines.push(l);
    }
    let mut s = lines.join(if rng.below(10) == 0 { "\r\n" } else { "\n" });
    if rng.below(2) == 0 {
        s.push('\n');
    }
    s
}

fn random_bytes(rng: &mut Rng) -> String {
    let n = rng.below(200);
    const ALPHABET: &[u8] = b" \n\t\\`\"'$#{}[]<>-=:/.aAzZ09";
    let bytes: Vec<u8> = (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn random_inputs_never_break_anything() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let settings = Settings::default();
    let opts = FixOptions { unsafe_fixes: true };
    for i in 0..6000 {
        let src = if i % 4 == 3 {
            random_bytes(&mut rng)
        } else {
            gen(&mut rng)
        };
        let report = analyze(&src, None, &settings, None);
        for d in &report.diagnostics {
            assert!(
                d.span.start <= d.span.end && d.span.end <= src.len(),
                "bad span in {src:?}"
            );
        }
        let _ = dlint::inspect::inspect("x", &src, &dlint::syntax::parse_document(&src));
        let before = Model::build(&src).errors.len();
        let fixed = fix_source(&src, None, &settings, None, opts);
        let after = Model::build(&fixed.fixed).errors.len();
        assert!(
            after <= before,
            "a fix made the file invalid:\n{src}\n---\n{}",
            fixed.fixed
        );
        let again = fix_source(&fixed.fixed, None, &settings, None, opts);
        assert_eq!(
            again.fixed, fixed.fixed,
            "fixing twice changed the file:\n{src}"
        );
    }
}
