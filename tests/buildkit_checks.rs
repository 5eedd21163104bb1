//! BuildKit's `# check=` directive and comments, read as BuildKit reads
//! them (`linter.ParseLintOptions`, `WithMergedConfigFromComments`), and the
//! checks' agreement with BuildKit on the cases that are easy to get wrong.

use dlint::analysis::analyze;
use dlint::diagnostic::Severity;
use dlint::settings::{resolve_selector, Settings};

/// (rule name, line, severity) of every finding of `src` with default rules.
fn lint_with(src: &str, settings: &Settings) -> Vec<(String, usize, Severity)> {
    let r = analyze(src, None, settings, None);
    r.diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.name.to_string(),
                r.model.line_of(d.span.start),
                d.severity,
            )
        })
        .collect()
}

fn lint(src: &str) -> Vec<(String, usize, Severity)> {
    lint_with(src, &Settings::default())
}

fn has(found: &[(String, usize, Severity)], rule: &str, line: usize) -> bool {
    found.iter().any(|(r, l, _)| r == rule && *l == line)
}

fn count(found: &[(String, usize, Severity)], rule: &str) -> usize {
    found.iter().filter(|(r, _, _)| r == rule).count()
}

#[test]
fn skip_all_silences_buildkit_checks_only() {
    // The CMD: root-user reports an image that runs something (without
    // one it is a base image).
    let src = "# check=skip=all\nFROM alpine:latest as base\nENV A 1\nCMD [\"app\"]\n";
    let f = lint(src);
    assert_eq!(count(&f, "from-as-casing"), 0, "{f:?}");
    assert_eq!(count(&f, "legacy-key-value-format"), 0, "{f:?}");
    // Not BuildKit checks: still reported.
    assert!(has(&f, "latest-tag", 2), "{f:?}");
    assert!(has(&f, "root-user", 2), "{f:?}");
}

#[test]
fn skip_names_are_buildkits_exact_names_or_dlint_names() {
    let base = "FROM alpine:3.20 as base\n";
    let f = lint(&format!("# check=skip=FromAsCasing\n{base}"));
    assert_eq!(count(&f, "from-as-casing"), 0);
    // BuildKit compares names exactly: a lowercase name skips nothing.
    let f = lint(&format!("# check=skip=fromascasing\n{base}"));
    assert_eq!(count(&f, "from-as-casing"), 1);
    let f = lint(&format!("# check=skip=from-as-casing\n{base}"));
    assert_eq!(count(&f, "from-as-casing"), 0);
    // Spaces around names and parts, as BuildKit trims them.
    let f = lint(&format!(
        "# check=skip= StageNameCasing , FromAsCasing ; error=false\n{base}"
    ));
    assert_eq!(count(&f, "from-as-casing"), 0);
}

#[test]
fn a_check_comment_above_an_instruction_skips_it_there_only() {
    let src = "FROM alpine:3.20\n# check=skip=LegacyKeyValueFormat -- the legacy form is fine here\nENV A 1\nENV B 2\n";
    let f = lint(src);
    assert!(!has(&f, "legacy-key-value-format", 3), "{f:?}");
    assert!(has(&f, "legacy-key-value-format", 4), "{f:?}");
    // The value ends at the first space: `skip=all --` is `skip=all`.
    let src = "FROM alpine:3.20\n# check=skip=all // local\nENV A 1\nENV B 2\n";
    let f = lint(src);
    assert!(!has(&f, "legacy-key-value-format", 3), "{f:?}");
    assert!(has(&f, "legacy-key-value-format", 4), "{f:?}");
    // Blank lines do not end BuildKit's comment block; an empty `#` does.
    let src = "FROM alpine:3.20\n# check=skip=LegacyKeyValueFormat\n\nENV A 1\n# check=skip=LegacyKeyValueFormat\n#\nENV B 2\n";
    let f = lint(src);
    assert!(!has(&f, "legacy-key-value-format", 4), "{f:?}");
    assert!(has(&f, "legacy-key-value-format", 7), "{f:?}");
    // A comment that does not parse as check options counts as none.
    let src = "FROM alpine:3.20\n# check=bogus=1\nENV A 1\n";
    assert!(has(&lint(src), "legacy-key-value-format", 3));
}

#[test]
fn checks_buildkit_runs_with_the_file_directive_alone_ignore_comments() {
    let src = "FROM alpine:3.20\nCOPY a /a\n# check=skip=ConsistentInstructionCasing\ncopy b /b\n";
    let f = lint(src);
    assert!(has(&f, "inconsistent-instruction-casing", 4), "{f:?}");
    let src = "FROM alpine:3.20 AS b\n# check=skip=DuplicateStageName\nFROM alpine:3.20 AS b\n";
    assert!(has(&lint(src), "duplicate-stage-name", 3));
}

#[test]
fn multiple_instructions_consult_the_later_instructions_comment() {
    // BuildKit reports the earlier CMD while it handles the later one, with
    // the later one's comments.
    let src = "FROM alpine:3.20\nCMD [\"a\"]\n# check=skip=MultipleInstructionsDisallowed\nCMD [\"b\"]\nCMD [\"c\"]\n";
    let f = lint(src);
    assert!(!has(&f, "multiple-cmd", 2), "{f:?}");
    assert!(has(&f, "multiple-cmd", 4), "{f:?}");
}

#[test]
fn error_true_makes_buildkit_checks_errors() {
    let src = "# check=error=true\nFROM alpine:latest as base\n";
    let f = lint(src);
    let sev = |rule: &str| f.iter().find(|(r, _, _)| r == rule).map(|x| x.2);
    assert_eq!(sev("from-as-casing"), Some(Severity::Error));
    assert_eq!(sev("latest-tag"), Some(Severity::Warning));
    let f = lint("# check=error=false\nFROM alpine:3.20 as base\n");
    assert_eq!(
        f.iter()
            .find(|(r, _, _)| r == "from-as-casing")
            .map(|x| x.2),
        Some(Severity::Warning)
    );
    // `error=yes` is no Go boolean: BuildKit refuses the options, dlint
    // ignores the directive.
    let f = lint("# check=error=yes;skip=FromAsCasing\nFROM alpine:3.20 as base\n");
    assert_eq!(count(&f, "from-as-casing"), 1);
}

#[test]
fn experimental_checks_follow_the_directive() {
    let body = "# not a description\nARG VERSION=1\n";
    // Off by default.
    assert_eq!(
        count(
            &lint(&format!("{body}FROM alpine:3.20\n")),
            "invalid-description-comment"
        ),
        0
    );
    // On with the directive, and BuildKit's skip lists do not apply to it.
    for d in [
        "# check=experimental=InvalidDefinitionDescription",
        "# check=experimental=all",
        "# check=skip=all;experimental=InvalidDefinitionDescription",
    ] {
        let f = lint(&format!("{d}\n\n{body}FROM alpine:3.20\n"));
        assert!(has(&f, "invalid-description-comment", 4), "{d}: {f:?}");
    }
    // On for one instruction with a comment above it.
    let src = "FROM alpine:3.20\n# check=experimental=InvalidDefinitionDescription\nARG A=1\n# hello\nARG B=2\n";
    let f = lint(src);
    assert!(has(&f, "invalid-description-comment", 3), "{f:?}");
    assert!(!has(&f, "invalid-description-comment", 5), "{f:?}");
    // Switched off by the configuration: the directive does not switch it on.
    let mut s = Settings::default();
    s.ignore(&resolve_selector("invalid-description-comment").unwrap());
    let f = lint_with(
        &format!("# check=experimental=all\n\n{body}FROM alpine:3.20\n"),
        &s,
    );
    assert_eq!(count(&f, "invalid-description-comment"), 0);
    // Selected by the configuration: a skip list applies like to any rule.
    let mut s = Settings::default();
    s.extend_select(&resolve_selector("invalid-description-comment").unwrap());
    let f = lint_with(
        &format!("# check=skip=InvalidDefinitionDescription\n\n{body}FROM alpine:3.20\n"),
        &s,
    );
    assert_eq!(count(&f, "invalid-description-comment"), 0);
    let f = lint_with(&format!("{body}FROM alpine:3.20\n"), &s);
    assert_eq!(count(&f, "invalid-description-comment"), 1);
}

#[test]
fn parser_directives_are_no_description_comments() {
    let mut s = Settings::default();
    s.extend_select(&resolve_selector("invalid-description-comment").unwrap());
    let f = lint_with(
        "# syntax=docker/dockerfile:1\n# escape=\\\nARG V=1\nFROM alpine:3.20\n",
        &s,
    );
    assert_eq!(count(&f, "invalid-description-comment"), 0, "{f:?}");
    // After the first ordinary comment, `# syntax=` is an ordinary comment.
    let f = lint_with(
        "# hello\n# syntax=docker/dockerfile:1\nARG V=1\nFROM alpine:3.20\n",
        &s,
    );
    assert_eq!(count(&f, "invalid-description-comment"), 1, "{f:?}");
}

#[test]
fn findings_are_on_the_instructions_first_line_as_buildkit_reports_them() {
    let src = "FROM alpine:3.20\nENV A=1 \\\n    DB_PASSWORD=x \\\n    B=$UNDEFINED_THING\n";
    let f = lint(src);
    assert!(has(&f, "secret-in-arg-or-env", 2), "{f:?}");
    assert!(has(&f, "undefined-variable", 2), "{f:?}");
}

#[test]
fn one_finding_for_a_from_without_valid_defaults() {
    // untagged-image leaves it to invalid-default-base-image.
    for src in [
        "ARG TAG\nFROM nginx:${TAG}\n",
        "FROM REPLACE-ME\n",
        "ARG IMAGE\nFROM $IMAGE\n",
    ] {
        let f = lint(src);
        assert_eq!(count(&f, "invalid-default-base-image"), 1, "{src}: {f:?}");
        assert_eq!(count(&f, "untagged-image"), 0, "{src}: {f:?}");
    }
    // A valid reference keeps untagged-image's finding.
    let f = lint("FROM nginx\n");
    assert_eq!(count(&f, "invalid-default-base-image"), 0);
    assert_eq!(count(&f, "untagged-image"), 1);
}

#[test]
fn non_ascii_text_is_safe() {
    let src = "# 日本語のコメント\nARG 버전=1\nFROM alpine:3.20 AS Größe\n# check=skip=😀\nENV 名前 値 です\nLABEL 설명 \"한국어 설명\"\nEXPOSE 80/ＴＣＰ\nCOPY $변수 /x\nWORKDIR 日本\n";
    let f = lint(src);
    assert!(has(&f, "legacy-key-value-format", 5), "{f:?}");
    assert!(has(&f, "stage-name-casing", 3), "{f:?}");
    let fixed = dlint::fix::fix_source(
        src,
        None,
        &Settings::default(),
        None,
        dlint::fix::FixOptions { unsafe_fixes: true },
    );
    assert!(fixed.fixed.contains("名前=\"値 です\""), "{}", fixed.fixed);
}

#[test]
fn stages_see_the_variables_of_the_stages_they_are_built_on_only() {
    // `one` and `two` are both built on `base`: `two` sees `A` from `base`
    // but not `B`, which its sibling set; `three`, built on `one`, sees both.
    let src = "FROM alpine:3 AS base\nENV A=1\nFROM base AS one\nENV B=2\nFROM base AS two\nCOPY $A$B /x\nFROM one AS three\nCOPY $A$B /y\nFROM alpine:3\nCOPY $A /z\n";
    let r = analyze(src, None, &Settings::default(), None);
    let undefined: Vec<(usize, &str)> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == "undefined-variable")
        .map(|d| (r.model.line_of(d.span.start), d.message.as_str()))
        .collect();
    assert_eq!(undefined.len(), 2, "{undefined:?}");
    assert!(
        undefined[0].0 == 6 && undefined[0].1.starts_with("`$B`"),
        "{undefined:?}"
    );
    assert!(
        undefined[1].0 == 10 && undefined[1].1.starts_with("`$A`"),
        "{undefined:?}"
    );
}

#[test]
fn undefined_variables_are_reported_on_the_word_that_uses_them() {
    // Non-ASCII text before the word; `${X}` is preferred to an earlier
    // `$X`, as before; a name used twice is reported once.
    let src = "FROM alpine:3\nLABEL 설명=\"값 $X\" b=${X} c=$Y$Y\n";
    let r = analyze(src, None, &Settings::default(), None);
    let spans: Vec<&str> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule.name == "undefined-variable")
        .map(|d| r.model.text(d.span))
        .collect();
    assert_eq!(spans, vec!["b=${X}", "c=$Y$Y"]);
}

/// The messages of the undefined-variable findings of `src`, by line.
fn undefined_messages(src: &str) -> Vec<(usize, String)> {
    let r = analyze(src, None, &Settings::default(), None);
    r.diagnostics
        .iter()
        .filter(|d| d.rule.name == "undefined-variable")
        .map(|d| (r.model.line_of(d.span.start), d.message.clone()))
        .collect()
}

#[test]
fn conditional_appends_and_placeholders_are_not_empty_entries() {
    // `${X:+$X:}` and `${X:+:${X}}` add the separator only when X is set:
    // on an image that may set X, nothing to report.
    for value in [
        "${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/opt/lib",
        "/opt/lib${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}",
        "\"${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH}:}/usr/local/nvidia/lib64\"",
    ] {
        let f = undefined_messages(&format!(
            "FROM eclipse-temurin:21\nENV LD_LIBRARY_PATH={value}\n"
        ));
        assert!(f.is_empty(), "{value}: {f:?}");
        // On alpine nothing sets it: BuildKit warns, harmlessly.
        let f = undefined_messages(&format!("FROM alpine:3.20\nENV LD_LIBRARY_PATH={value}\n"));
        assert_eq!(f.len(), 1, "{value}: {f:?}");
        assert!(f[0].1.contains("harmless"), "{value}: {f:?}");
    }
    // A plain append still leaves an empty entry, whatever the image.
    let f =
        undefined_messages("FROM eclipse-temurin:21\nENV LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/x\n");
    assert!(f.len() == 1 && f[0].1.contains("empty entry"), "{f:?}");
    // `ENV X=${X}` copies X (a placeholder the image may fill): no append,
    // not "set by this same ENV", not "defined later".
    let f = undefined_messages("FROM oracle/weblogic:12\nENV A=1 \\\n    MANAGED=${MANAGED}\n");
    assert!(f.is_empty(), "{f:?}");
    let f = undefined_messages("FROM alpine:3.20\nENV M=\"${M}\"\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].1
            .ends_with("Define it with ARG or ENV first. (BuildKit warns, `UndefinedVar`)"),
        "{f:?}"
    );
}

#[test]
fn a_typo_is_of_a_name_the_file_defines_and_does_not_use_alongside() {
    // On golang, GOPATH comes from the image: no typo of BuildKit's PATH.
    let f = undefined_messages("FROM golang:1.22-alpine\nWORKDIR $GOPATH/src/app\n");
    assert!(f.is_empty(), "{f:?}");
    // Two names in one COPY: STARTUP_FILE from the file, START_FILE from
    // the image, not a typo of each other.
    let f = undefined_messages(
        "FROM oracle/database:19.3.0-ee\nENV STARTUP_FILE=s.sh\nCOPY $START_FILE $STARTUP_FILE /opt/\n",
    );
    assert!(f.is_empty(), "{f:?}");
    // Set by the same ENV: that is the reason, on an image that may set it
    // nothing is reported.
    let src = "ENV DOMAIN_NAME=base\nENV DOMAIN_HOME=/d/${DOMAIN_NAME} \\\n    PATH=$PATH:${DOMAIN_HOME}/bin\n";
    let f = undefined_messages(&format!("FROM oracle/weblogic:12.2.1.3-dev\n{src}"));
    assert!(f.is_empty(), "{f:?}");
    let f = undefined_messages(&format!("FROM alpine:3.20\n{src}"));
    assert!(f.len() == 1 && f[0].1.contains("this same ENV"), "{f:?}");
    // A real typo is still reported on any image.
    let f = undefined_messages("FROM node:20\nENV APP_HOME=/app\nWORKDIR $APP_HOM\n");
    assert!(
        f.len() == 1 && f[0].1.contains("Did you mean `$APP_HOME`?"),
        "{f:?}"
    );
}
