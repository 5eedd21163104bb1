//! Configuration files: `dlint.toml` / `.dlint.toml` (the closest one above
//! the linted file wins), and, when there is none, hadolint's
//! `.hadolint.yaml` read through the rule aliases.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::rules::LabelType;
use crate::settings::{resolve_selector, PerFileIgnore, Settings};
use crate::source::normalize;

pub const CONFIG_NAMES: &[&str] = &["dlint.toml", ".dlint.toml"];
pub const HADOLINT_NAMES: &[&str] = &[".hadolint.yaml", ".hadolint.yml"];

/// A bad config file: names the file, the line when known, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parser messages quote the file's text: escaped.
        let path = self.path.display().to_string();
        let (path, message) = (
            crate::text::escape(&path),
            crate::text::escape(&self.message),
        );
        match self.line {
            Some(l) => write!(f, "{path}:{l}: {message}"),
            None => write!(f, "{path}: {message}"),
        }
    }
}

type Names = Vec<toml::Spanned<String>>;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    select: Option<Names>,
    extend_select: Option<Names>,
    ignore: Option<Names>,
    fail_level: Option<toml::Spanned<String>>,
    context: Option<String>,
    target: Option<String>,
    severity: Option<BTreeMap<toml::Spanned<String>, toml::Spanned<String>>>,
    per_file_ignores: Option<BTreeMap<toml::Spanned<String>, Names>>,
    rules: Option<RulesTable>,
    /// `false`, `true` (from PATH) or the path of the program.
    shellcheck: Option<ShellcheckKey>,
    /// hadolint's `label-schema`: label name → value form.
    label_schema: Option<toml::Spanned<BTreeMap<String, toml::Spanned<String>>>>,
    strict_labels: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ShellcheckKey {
    On(bool),
    Path(String),
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesTable {
    untrusted_registry: Option<TrustedRegistries>,
    root_user: Option<RootUserOptions>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TrustedRegistries {
    trusted_registries: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RootUserOptions {
    #[serde(default)]
    nonroot_images: Vec<String>,
    /// Report base and tool images too (`strict = true`).
    #[serde(default)]
    strict: bool,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.bytes().take(offset).filter(|b| *b == b'\n').count() + 1
}

/// The line of a top-level `key = …`, if it is written on its own line.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Rule indices and sub-codes (`SC2086`) named under a key.
fn resolve_names(
    names: &Names,
    text: &str,
    path: &Path,
    key: &str,
) -> Result<(Vec<usize>, Vec<String>), ConfigError> {
    let mut out = Vec::new();
    let mut codes = Vec::new();
    for n in names {
        let name = n.get_ref().trim();
        if crate::settings::is_sub_code(name) {
            codes.push(name.to_ascii_uppercase());
            continue;
        }
        match resolve_selector(name) {
            Some(r) => out.extend(r),
            None => {
                let hint = crate::rules::did_you_mean(name)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    line: Some(line_of(text, n.span().start)),
                    message: format!("`{key}`: unknown rule `{name}`{hint} (see `dlint rules`)"),
                });
            }
        }
    }
    Ok((out, codes))
}

fn parse_fail_level(s: &str) -> Option<Option<Severity>> {
    if s.eq_ignore_ascii_case("none") {
        return Some(None);
    }
    Severity::parse(s).map(Some)
}

/// The largest config file dlint reads.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

fn read_config(path: &Path) -> Result<String, ConfigError> {
    let err = |message: String| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    let bytes = crate::source::read_regular(path, MAX_CONFIG_BYTES)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|_| err("cannot read: not UTF-8".into()))
}

/// Reads a `dlint.toml`.
pub fn load_toml(path: &Path) -> Result<Settings, ConfigError> {
    let text = read_config(path)?;
    parse_toml(path, &text)
}

pub fn parse_toml(path: &Path, text: &str) -> Result<Settings, ConfigError> {
    let err = |line: Option<usize>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        err(line, e.message().trim().to_string())
    })?;
    let base = normalize(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let mut s = Settings {
        source: Some(path.to_path_buf()),
        ..Settings::default()
    };
    if let Some(sel) = &cfg.select {
        let (r, codes) = resolve_names(sel, text, path, "select")?;
        s.select(&r);
        s.select_codes(&codes);
    }
    if let Some(sel) = &cfg.extend_select {
        let (r, codes) = resolve_names(sel, text, path, "extend-select")?;
        s.extend_select(&r);
        s.extend_select_codes(&codes);
    }
    // `select = ["root-user:strict"]`: root-user in its strict form.
    if cfg
        .select
        .iter()
        .chain(&cfg.extend_select)
        .flatten()
        .any(|n| crate::settings::is_strict_form(n.get_ref()))
    {
        s.options.root_user_strict = true;
    }
    if let Some(ig) = &cfg.ignore {
        let (r, codes) = resolve_names(ig, text, path, "ignore")?;
        s.ignore(&r);
        s.ignore_codes(&codes);
    }
    if let Some(fl) = &cfg.fail_level {
        s.fail_level = parse_fail_level(fl.get_ref()).ok_or_else(|| {
            err(
                Some(line_of(text, fl.span().start)),
                format!(
                    "`fail-level`: `{}` is not one of error, warning, info, style, none",
                    fl.get_ref()
                ),
            )
        })?;
    }
    if let Some(sev) = &cfg.severity {
        for (k, v) in sev {
            let (rules, codes) = resolve_names(&vec![k.clone()], text, path, "severity")?;
            if !codes.is_empty() {
                return Err(err(
                    Some(line_of(text, k.span().start)),
                    format!("`severity.{}`: set the severity of the `shellcheck` rule; single ShellCheck codes keep ShellCheck's", k.get_ref()),
                ));
            }
            let level = Severity::parse(v.get_ref()).ok_or_else(|| {
                err(
                    Some(line_of(text, v.span().start)),
                    format!(
                        "`severity.{}`: `{}` is not one of error, warning, info, style",
                        k.get_ref(),
                        v.get_ref()
                    ),
                )
            })?;
            for r in rules {
                s.severity[r] = level;
            }
        }
    }
    if let Some(pfi) = &cfg.per_file_ignores {
        for (glob, names) in pfi {
            let matcher = globset::GlobBuilder::new(glob.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    err(
                        Some(line_of(text, glob.span().start)),
                        format!("`per-file-ignores`: bad glob `{}`: {e}", glob.get_ref()),
                    )
                })?
                .compile_matcher();
            let (rules, codes) = resolve_names(names, text, path, "per-file-ignores")?;
            if let Some(c) = codes.first() {
                return Err(err(
                    Some(line_of(text, glob.span().start)),
                    format!("`per-file-ignores`: `{c}`: name the `shellcheck` rule here (single ShellCheck codes are ignored with `ignore` or a comment)"),
                ));
            }
            s.per_file_ignores.push(PerFileIgnore {
                matcher,
                base: base.clone(),
                rules,
            });
        }
    }
    if let Some(c) = &cfg.context {
        let dir = normalize(&base.join(c));
        // A config may point the context only inside its own tree: a
        // repository's config must not make `--fix` write elsewhere.
        if !dir.starts_with(normalize(&base)) {
            return Err(err(
                find_key_line(text, "context"),
                format!(
                    "`context = {c:?}` is outside this config's directory; a context there can only be given with `--context`"
                ),
            ));
        }
        s.context = Some(dir);
    }
    s.target = cfg.target.clone();
    match &cfg.shellcheck {
        None | Some(ShellcheckKey::On(true)) => {}
        Some(ShellcheckKey::On(false)) => s.options.shellcheck = crate::shellcheck::Setting::Off,
        Some(ShellcheckKey::Path(p)) => {
            // A bare name is looked up on PATH; a path is the config's.
            let p = Path::new(p);
            let program = if p.components().count() > 1 {
                base.join(p)
            } else {
                p.to_path_buf()
            };
            s.options.shellcheck = crate::shellcheck::Setting::Path(program);
        }
    }
    if let Some(schema) = &cfg.label_schema {
        for (name, ty) in schema.get_ref() {
            let t = LabelType::parse(ty.get_ref()).ok_or_else(|| {
                err(
                    Some(line_of(text, ty.span().start)),
                    format!(
                        "`label-schema.{name}`: `{}` is not one of text, url, semver, hash, rfc3339, spdx, email",
                        ty.get_ref()
                    ),
                )
            })?;
            s.options.label_schema.push((name.clone(), t));
        }
    }
    if let Some(strict) = cfg.strict_labels {
        s.options.strict_labels = strict;
    }
    if let Some(rules) = &cfg.rules {
        if let Some(t) = &rules.untrusted_registry {
            s.options.trusted_registries = t.trusted_registries.clone();
            // Giving the option turns the rule on.
            if let Some(r) = resolve_selector("untrusted-registry") {
                s.extend_select(&r);
            }
        }
        if let Some(r) = &rules.root_user {
            s.options.nonroot_images = r.nonroot_images.clone();
            s.options.root_user_strict = r.strict;
        }
    }
    Ok(s)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct HadolintFile {
    ignored: Option<Vec<String>>,
    #[serde(rename = "trustedRegistries")]
    trusted_registries: Option<OneOrMany>,
    #[serde(rename = "override")]
    overrides: Option<HashMap<String, Vec<String>>>,
    failure_threshold: Option<String>,
    // Keys hadolint has that dlint does not use; accepted so a hadolint
    // config keeps working.
    format: Option<serde_norway::Value>,
    no_color: Option<serde_norway::Value>,
    no_fail: Option<bool>,
    strict_labels: Option<bool>,
    /// Label name → value form, in the file's order.
    label_schema: Option<serde_norway::Mapping>,
    disable_ignore_pragma: Option<serde_norway::Value>,
    require_labels: Option<serde_norway::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Reads a `.hadolint.yaml`: `ignored`, `override`, `trustedRegistries`,
/// `failure-threshold` (and `no-fail`). Rule codes dlint does not implement
/// are skipped; they are valid hadolint codes.
pub fn load_hadolint(path: &Path) -> Result<Settings, ConfigError> {
    let text = read_config(path)?;
    parse_hadolint(path, &text)
}

pub fn parse_hadolint(path: &Path, text: &str) -> Result<Settings, ConfigError> {
    let err = |line: Option<usize>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let cfg: HadolintFile = if text.trim().is_empty() {
        HadolintFile::default()
    } else {
        serde_norway::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            err(line, e.to_string())
        })?
    };
    let _ = (
        &cfg.format,
        &cfg.no_color,
        &cfg.disable_ignore_pragma,
        &cfg.require_labels,
    );
    let mut s = Settings {
        source: Some(path.to_path_buf()),
        ..Settings::default()
    };
    let known = |names: &[String]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| resolve_selector(n))
            .flatten()
            .collect()
    };
    if let Some(ig) = &cfg.ignored {
        s.ignore(&known(ig));
        let (codes, _) = crate::settings::split_sub_codes(ig);
        s.ignore_codes(&codes);
    }
    if let Some(ov) = &cfg.overrides {
        for (level, names) in ov {
            let sev = Severity::parse(level).ok_or_else(|| {
                err(
                    None,
                    format!("`override`: `{level}` is not one of error, warning, info, style"),
                )
            })?;
            for r in known(names) {
                s.severity[r] = sev;
            }
        }
    }
    if let Some(tr) = &cfg.trusted_registries {
        s.options.trusted_registries = match tr {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        };
        if let Some(r) = resolve_selector("untrusted-registry") {
            s.extend_select(&r);
        }
    }
    if let Some(ft) = &cfg.failure_threshold {
        let v = if ft.eq_ignore_ascii_case("ignore") {
            "none"
        } else {
            ft.as_str()
        };
        s.fail_level = parse_fail_level(v).ok_or_else(|| {
            err(
                None,
                format!(
                    "`failure-threshold`: `{ft}` is not one of error, warning, info, style, ignore, none"
                ),
            )
        })?;
    }
    if cfg.no_fail == Some(true) {
        s.fail_level = None;
    }
    if let Some(schema) = &cfg.label_schema {
        for (k, v) in schema {
            let (Some(name), Some(ty)) = (k.as_str(), v.as_str()) else {
                return Err(err(
                    None,
                    "`label-schema`: give each label a type, as `name: text`".to_string(),
                ));
            };
            let t = LabelType::parse(ty).ok_or_else(|| {
                err(
                    None,
                    format!(
                        "`label-schema.{name}`: `{ty}` is not one of text, url, semver, hash, rfc3339, spdx, email"
                    ),
                )
            })?;
            s.options.label_schema.push((name.to_string(), t));
        }
    }
    if let Some(strict) = cfg.strict_labels {
        s.options.strict_labels = strict;
    }
    Ok(s)
}

/// Finds the config for files in a directory: the closest directory, from
/// `dir` up, holding a `dlint.toml`, `.dlint.toml` or `.hadolint.yaml` (in
/// one directory, in that order). The search stops at the repository root
/// (the first directory holding `.git`): a config above the repository
/// never applies to it.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| crate::source::absolute(dir));
    for d in dir.ancestors() {
        for n in CONFIG_NAMES.iter().chain(HADOLINT_NAMES) {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        if d.join(".git").exists() {
            break;
        }
    }
    None
}

/// Loads any supported config file by its name.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        load_hadolint(path)
    } else {
        load_toml(path)
    }
}

/// Caches discovered configs by directory.
#[derive(Default)]
pub struct ConfigCache {
    by_dir: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    loaded: Mutex<HashMap<PathBuf, Result<Settings, ConfigError>>>,
}

impl ConfigCache {
    /// The settings for a file in `dir` (None: no config, use defaults).
    pub fn for_dir(&self, dir: &Path) -> Option<Result<Settings, ConfigError>> {
        let found = {
            let mut m = self.by_dir.lock().unwrap_or_else(|e| e.into_inner());
            m.entry(dir.to_path_buf())
                .or_insert_with(|| discover(dir))
                .clone()
        }?;
        let mut l = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            l.entry(found.clone())
                .or_insert_with(|| load(&found))
                .clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_keys() {
        let s = parse_toml(
            Path::new("dlint.toml"),
            "ignore = [\"DL3006\"]\nfail-level = \"warning\"\n[severity]\nlatest-tag = \"error\"\n",
        )
        .unwrap();
        let i = resolve_selector("untagged-image").unwrap()[0];
        assert!(!s.enabled[i]);
        assert_eq!(s.fail_level, Some(Severity::Warning));
        let j = resolve_selector("DL3007").unwrap()[0];
        assert_eq!(s.severity[j], Severity::Error);
    }

    #[test]
    fn errors_name_key_and_line() {
        let e = parse_toml(Path::new("dlint.toml"), "select = [\"x\"]\n\nbogus = 1\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("bogus"), "{}", e.message);
        let e = parse_toml(Path::new("dlint.toml"), "\nignore = [\"nope\"]\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().contains("unknown rule `nope`"));
        let e = parse_toml(Path::new("dlint.toml"), "fail-level = \"loud\"\n").unwrap_err();
        assert!(e.to_string().starts_with("dlint.toml:1:"), "{e}");
    }

    #[test]
    fn hadolint_yaml() {
        let s = parse_hadolint(
            Path::new(".hadolint.yaml"),
            "ignored:\n  - DL3007\n  - DL3008\noverride:\n  error:\n    - DL3006\ntrustedRegistries: docker.io\nfailure-threshold: warning\n",
        )
        .unwrap();
        let latest = resolve_selector("latest-tag").unwrap()[0];
        assert!(!s.enabled[latest]);
        let untagged = resolve_selector("untagged-image").unwrap()[0];
        assert_eq!(s.severity[untagged], Severity::Error);
        assert_eq!(s.options.trusted_registries, vec!["docker.io"]);
        assert_eq!(s.fail_level, Some(Severity::Warning));
        let e = parse_hadolint(Path::new(".hadolint.yaml"), "bogus: 1\n").unwrap_err();
        assert!(e.message.contains("bogus"));
    }

    #[test]
    fn label_schema_in_both_files() {
        let s = parse_hadolint(
            Path::new(".hadolint.yaml"),
            "label-schema:\n  maintainer: email\n  org.opencontainers.image.source: url\nstrict-labels: true\n",
        )
        .unwrap();
        assert_eq!(
            s.options.label_schema,
            vec![
                ("maintainer".to_string(), LabelType::Email),
                (
                    "org.opencontainers.image.source".to_string(),
                    LabelType::Url
                )
            ]
        );
        assert!(s.options.strict_labels);
        let e = parse_hadolint(Path::new(".hadolint.yaml"), "label-schema:\n  a: colour\n")
            .unwrap_err();
        assert!(e.message.contains("colour"), "{}", e.message);
        let s = parse_toml(
            Path::new("dlint.toml"),
            "strict-labels = true\n[label-schema]\nversion = \"semver\"\n\"org.opencontainers.image.created\" = \"rfc3339\"\n",
        )
        .unwrap();
        assert_eq!(s.options.label_schema.len(), 2);
        assert!(s.options.strict_labels);
        let e =
            parse_toml(Path::new("dlint.toml"), "\n[label-schema]\nx = \"nope\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
    }
}
