//! The rule docs under `rules/` agree with the registry, and their examples
//! do what they say: the `Example` Dockerfile fires the rule, the
//! `Use instead` Dockerfile does not.
//!
//! A doc's examples are fenced blocks: the `dockerfile` block of a section
//! is written as `Dockerfile` to a fresh build context, together with the
//! section's `context:<relative path>` blocks (an empty block makes an empty
//! file), and linted with only the documented rule selected.

mod common;

use std::fs;
use std::path::{Component, Path, PathBuf};

use dlint::analysis::analyze;
use dlint::context::BuildContext;
use dlint::diagnostic::{Applicability, Diagnostic};
use dlint::rules::{FixAvailability, RuleEntry, REGISTRY};
use dlint::settings::{resolve_selector, Settings};

/// Sections every doc has, in this order.
const REQUIRED_SECTIONS: &[&str] = &[
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Not flagged",
    "Fix safety",
    "Suppressing it",
];

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

fn doc_path(name: &str) -> PathBuf {
    rules_dir().join(format!("{name}.md"))
}

/// A fenced code block: its info string and its body.
struct Block {
    info: String,
    body: String,
}

impl Block {
    fn lang(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }

    /// The path of a `context:<path>` block.
    fn context_path(&self) -> Option<&str> {
        self.info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("context:"))
    }
}

/// A `## ` section of a doc.
struct Section {
    title: String,
    blocks: Vec<Block>,
}

/// Splits a doc into its `## ` sections and their fenced blocks.
fn sections(doc: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut open: Option<Block> = None;
    for line in doc.lines() {
        if let Some(block) = open.as_mut() {
            if line.trim_end() == "```" {
                let block = open.take().expect("open block");
                if let Some(s) = out.last_mut() {
                    s.blocks.push(block);
                }
            } else {
                block.body.push_str(line);
                block.body.push('\n');
            }
            continue;
        }
        if let Some(info) = line.strip_prefix("```") {
            open = Some(Block {
                info: info.trim().to_string(),
                body: String::new(),
            });
        } else if let Some(title) = line.strip_prefix("## ") {
            out.push(Section {
                title: title.trim().to_string(),
                blocks: Vec::new(),
            });
        }
    }
    assert!(open.is_none(), "a fenced block is never closed");
    out
}

/// The header table as (column, cell) pairs.
fn table(doc: &str) -> Vec<(String, String)> {
    let rows: Vec<Vec<String>> = doc
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert!(rows.len() >= 3, "no header table");
    rows[0]
        .iter()
        .cloned()
        .zip(rows[2].iter().cloned())
        .collect()
}

fn cell<'t>(table: &'t [(String, String)], column: &str) -> Option<&'t str> {
    table
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, v)| v.as_str())
}

/// The kinds of fix a Fix cell names: `safe`, `unsafe`, `suggestion only`,
/// or several joined by ` or ` (`safe or unsafe`); `none` names no kind.
fn fix_kinds(cell: &str) -> Vec<&str> {
    if cell == "none" {
        return Vec::new();
    }
    cell.split(" or ").map(str::trim).collect()
}

/// The Fix-cell word for a fix of this applicability.
fn fix_kind(a: Applicability) -> &'static str {
    match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
        Applicability::DisplayOnly => "suggestion only",
    }
}

fn settings_for(entry: &RuleEntry) -> Settings {
    let mut settings = Settings::default();
    settings.select(&resolve_selector(entry.meta.name).expect("rule resolves"));
    if entry.meta.name == "untrusted-registry" {
        // The doc states its examples assume this list.
        settings.options.trusted_registries = vec!["docker.io".into()];
    }
    if matches!(
        entry.meta.name,
        "missing-label" | "superfluous-label" | "empty-label" | "invalid-label-value"
    ) {
        // The label docs state their examples assume this label schema
        // (and `strict-labels` for superfluous-label).
        use dlint::rules::LabelType;
        settings.options.label_schema = vec![
            ("org.opencontainers.image.source".into(), LabelType::Url),
            ("org.opencontainers.image.licenses".into(), LabelType::Spdx),
            ("org.opencontainers.image.version".into(), LabelType::Semver),
        ];
        settings.options.strict_labels = entry.meta.name == "superfluous-label";
    }
    if entry.meta.name == "base-image-platform-mismatch" {
        // The doc states what the registry answers (`--check-base-platforms`).
        use dlint::rules::buildkit::{BasePlatforms, Platforms};
        let mut b = BasePlatforms::default();
        let p = |o: &str, a: &str| (o.to_string(), a.to_string());
        b.images.insert(
            "vendor/tool:1.0".into(),
            Ok(Platforms::Single(p("linux", "arm64"))),
        );
        b.images.insert(
            "vendor/tool:1.1".into(),
            Ok(Platforms::Index(vec![
                p("linux", "amd64"),
                p("linux", "arm64"),
            ])),
        );
        settings.options.base_platforms = Some(std::sync::Arc::new(b));
    }
    settings
}

/// Lints one section's example in a fresh context; returns the rule's
/// findings, rendered, and the findings themselves.
fn run_section(entry: &RuleEntry, section: &Section) -> Result<(String, Vec<Diagnostic>), String> {
    let dockerfiles: Vec<&Block> = section
        .blocks
        .iter()
        .filter(|b| b.lang() == "dockerfile" && b.context_path().is_none())
        .collect();
    let [dockerfile] = dockerfiles.as_slice() else {
        return Err(format!(
            "has {} `dockerfile` blocks, expected exactly one",
            dockerfiles.len()
        ));
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for block in section.blocks.iter() {
        let Some(rel) = block.context_path() else {
            continue;
        };
        let rel_path = Path::new(rel);
        if rel.is_empty()
            || !rel_path
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "`context:{rel}` is not a relative path inside the context"
            ));
        }
        let path = dir.path().join(rel_path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        fs::write(&path, &block.body).map_err(|e| format!("writing {rel}: {e}"))?;
    }
    let df = dir.path().join("Dockerfile");
    fs::write(&df, &dockerfile.body).map_err(|e| e.to_string())?;
    let settings = settings_for(entry);
    let ctx = BuildContext::load(dir.path(), Some(&df));
    let report = analyze(&dockerfile.body, Some(&df), &settings, Some(&ctx));
    let findings: Vec<Diagnostic> = report
        .diagnostics
        .into_iter()
        .filter(|d| d.rule.name == entry.meta.name)
        .collect();
    let rendered = findings
        .iter()
        .map(|d| {
            format!(
                "  line {}: [{}] {}\n",
                report.model.line_of(d.span.start),
                d.rule.code,
                d.message
            )
        })
        .collect::<String>();
    Ok((rendered, findings))
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let mut failures = Vec::new();
    for entry in REGISTRY {
        let (name, code) = (entry.meta.name, entry.meta.code);
        let path = doc_path(name);
        let Ok(text) = fs::read_to_string(&path) else {
            failures.push(format!("{name}: {} is missing", path.display()));
            continue;
        };
        let first = text.lines().next().unwrap_or("");
        let want = format!("# {name} ({code})");
        if first != want {
            failures.push(format!("{name}: first line is `{first}`, want `{want}`"));
        }
        if entry.doc != text {
            failures.push(format!(
                "{name}: the embedded doc differs from {} (rebuild?)",
                path.display()
            ));
        }
    }
    for dirent in fs::read_dir(rules_dir()).expect("rules/ exists") {
        let path = dirent.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if !REGISTRY.iter().any(|e| e.meta.name == stem) {
            failures.push(format!("{} belongs to no rule in REGISTRY", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn docs_have_the_sections_and_a_table_that_matches_meta() {
    let mut failures = Vec::new();
    for entry in REGISTRY {
        let meta = entry.meta;
        let name = meta.name;
        let doc = entry.doc;
        let titles: Vec<String> = sections(doc).into_iter().map(|s| s.title).collect();
        let mut last = None;
        for want in REQUIRED_SECTIONS {
            match titles.iter().position(|t| t == want) {
                None => failures.push(format!("{name}: no `## {want}` section")),
                Some(i) if last.is_some_and(|l| i < l) => {
                    failures.push(format!("{name}: `## {want}` is out of order"))
                }
                Some(i) => last = Some(i),
            }
        }

        let t = table(doc);
        let mut expect =
            |column: &str, ok: &dyn Fn(&str) -> bool, want: String| match cell(&t, column) {
                None => failures.push(format!("{name}: the table has no `{column}` column")),
                Some(v) if !ok(v) => {
                    failures.push(format!("{name}: `{column}` is `{v}`, want {want}"))
                }
                Some(_) => {}
            };
        let category = meta.category.as_str();
        expect("Category", &|v| v == category, format!("`{category}`"));
        let severity = meta.severity.as_str();
        expect("Severity", &|v| v == severity, format!("`{severity}`"));
        let enabled = if meta.default_enabled { "yes" } else { "no" };
        expect(
            "Enabled by default",
            &|v| v == enabled,
            format!("`{enabled}`"),
        );
        let aliases = meta.aliases;
        expect(
            "Aliases",
            &|v| {
                if aliases.is_empty() {
                    v == "—"
                } else {
                    aliases.iter().all(|a| v.contains(&format!("`{a}`")))
                }
            },
            if aliases.is_empty() {
                "`—`".to_string()
            } else {
                format!("every alias of {aliases:?}")
            },
        );
        let fix = meta.fix;
        expect(
            "Fix",
            &|v| match fix {
                FixAvailability::None => v == "none",
                _ => {
                    let kinds = fix_kinds(v);
                    !kinds.is_empty()
                        && kinds
                            .iter()
                            .all(|k| matches!(*k, "safe" | "unsafe" | "suggestion only"))
                }
            },
            format!(
                "{} (the rule's fix availability is {fix:?})",
                if fix == FixAvailability::None {
                    "`none`"
                } else {
                    "`safe`, `unsafe`, `suggestion only` or several joined by ` or `"
                }
            ),
        );

        // The sentence under the table is the summary.
        let summary_line = doc
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .skip_while(|l| l.starts_with('|'))
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if !summary_line.starts_with(meta.summary) {
            failures.push(format!(
                "{name}: the line under the table is `{summary_line}`, want the summary `{}`",
                meta.summary
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn doc_examples_behave_as_documented() {
    let mut failures = Vec::new();
    for entry in REGISTRY {
        let name = entry.meta.name;
        if name == "shellcheck" && dlint::shellcheck::ShellCheck::get(&Default::default()).is_err()
        {
            common::missing(
                "doc_examples_behave_as_documented (shellcheck)",
                "shellcheck is not on PATH",
            );
            continue;
        }
        let secs = sections(entry.doc);
        for (title, should_fire) in [("Example", true), ("Use instead", false)] {
            let Some(section) = secs.iter().find(|s| s.title == title) else {
                failures.push(format!("{name}: no `## {title}` section"));
                continue;
            };
            let (rendered, findings) = match run_section(entry, section) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{name} / {title}: {e}"));
                    continue;
                }
            };
            if should_fire && findings.is_empty() {
                let dockerfile = section
                    .blocks
                    .iter()
                    .find(|b| b.lang() == "dockerfile" && b.context_path().is_none())
                    .map(|b| b.body.as_str())
                    .unwrap_or("");
                failures.push(format!(
                    "{name} / {title}: the rule does not fire (no findings) on:\n{dockerfile}"
                ));
            }
            if !should_fire && !findings.is_empty() {
                failures.push(format!(
                    "{name} / {title}: the rule fires {} time(s):\n{rendered}",
                    findings.len()
                ));
            }
            // A fix the example gets must be what the table promises.
            if should_fire {
                let table = table(entry.doc);
                let table_fix = cell(&table, "Fix").unwrap_or("");
                for d in &findings {
                    if let Some(f) = &d.fix {
                        let got = fix_kind(f.applicability);
                        if !fix_kinds(table_fix).contains(&got) {
                            failures.push(format!(
                                "{name} / {title}: the fix `{}` is {got}, the table says `{table_fix}`",
                                f.title
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every rule code, name or alias the docs mention resolves to a rule
/// (`dlint rule X`, ignore comments and configs all use the same lookup),
/// except the codes listed under a "Not implemented" heading.
#[test]
fn every_rule_named_in_the_docs_resolves() {
    use regex::Regex;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = Regex::new(r"\b(DL[0-9]{4}|SC[0-9]{4}|D[0-9]{3})\b").unwrap();
    let buildkit = Regex::new(r"\b(ConsistentInstructionCasing|CopyIgnoredFile|DuplicateStageName|ExposeInvalidFormat|ExposeProtoCasing|FromAsCasing|FromPlatformFlagConstDisallowed|InvalidBaseImagePlatform|InvalidDefaultArgInFrom|InvalidDefinitionDescription|JSONArgsRecommended|LegacyKeyValueFormat|MaintainerDeprecated|MultipleInstructionsDisallowed|NoEmptyContinuation|RedundantTargetPlatform|ReservedStageName|SecretsUsedInArgOrEnv|StageNameCasing|UndefinedArgInFrom|UndefinedVar|WorkdirRelativePath)\b").unwrap();
    let link = Regex::new(r"\]\((?:\.\./rules/|)([a-z0-9-]+)\.md\)").unwrap();
    let mut files = Vec::new();
    for dir in ["docs", "rules"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "md") {
                files.push(p);
            }
        }
    }
    files.push(root.join("README.md"));
    let mut unknown = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let mut not_implemented = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                not_implemented = line.to_ascii_lowercase().contains("not implemented");
            }
            if not_implemented {
                continue;
            }
            let names = code
                .captures_iter(line)
                .chain(buildkit.captures_iter(line))
                .map(|c| c[1].to_string());
            let docs = link
                .captures_iter(line)
                .map(|c| c[1].to_string())
                .filter(|n| {
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("rules")
                        .join(format!("{n}.md"))
                        .exists()
                });
            for n in names.chain(docs) {
                checked += 1;
                // ShellCheck codes resolve once the ShellCheck rule exists;
                // until then they are accepted in hadolint comments only.
                if n.starts_with("SC")
                    && dlint::rules::is_shellcheck_code(&n)
                    && dlint::rules::find(&n).is_none()
                {
                    continue;
                }
                if dlint::rules::find(&n).is_none() {
                    unknown.push(format!(
                        "{}:{}: {n}",
                        f.strip_prefix(root).unwrap().display(),
                        i + 1
                    ));
                }
            }
        }
    }
    assert!(checked > 50, "the scan found only {checked} names");
    assert!(
        unknown.is_empty(),
        "names in the docs that resolve to no rule:\n{}",
        unknown.join("\n")
    );
}
