//! The rule engine: rule metadata, the registry table and the checker every
//! rule reports through.
//!
//! A rule is one file under `src/rules/<category>/` with a `META` constant and
//! a `check` function; its documentation is `rules/<name>.md`, embedded in the
//! binary. `REGISTRY` below is the one list of rules.

pub mod buildkit;
pub mod cache;
pub mod context;
pub mod image;
pub mod instruction;
pub mod package;
pub mod security;
pub mod shell;
pub mod size;
pub mod syntax;

use crate::context::BuildContext;
use crate::diagnostic::Diagnostic;
use crate::model::{Instruction, Model};
use crate::syntax::Span;

pub use crate::diagnostic::{Category, FixAvailability, RuleMeta, DOCS_BASE};

/// Options rules read.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// `untrusted-registry`: registries FROM may pull from (`*.gcr.io` ok).
    pub trusted_registries: Vec<String>,
    /// `root-user`: more images known to start as a non-root user
    /// (`repo` or `repo:tag`, `*` allowed).
    pub nonroot_images: Vec<String>,
    /// `root-user`: also report images that run nothing themselves (no
    /// CMD or ENTRYPOINT, a base image that starts no service): base and
    /// tool images that other images build FROM.
    pub root_user_strict: bool,
    /// `base-image-platform-mismatch`: what the registries said about the
    /// base images (`--check-base-platforms`); None: not asked.
    pub base_platforms: Option<std::sync::Arc<buildkit::BasePlatforms>>,
    /// `shellcheck`: where to find ShellCheck (dlint.toml's `shellcheck`).
    pub shellcheck: crate::shellcheck::Setting,
    /// A runner to use instead of the setting's (the language server's,
    /// which does not block on a cache miss).
    pub shellcheck_runner: Option<std::sync::Arc<crate::shellcheck::ShellCheck>>,
    /// The label rules: labels the image must have, with the form of each
    /// value (hadolint's `label-schema`), in the order given.
    pub label_schema: Vec<(String, LabelType)>,
    /// `superfluous-label`: only the labels of the schema are allowed
    /// (hadolint's `strict-labels`).
    pub strict_labels: bool,
}

/// The form a label's value must have (hadolint's label-schema types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelType {
    Text,
    Url,
    Semver,
    Hash,
    Rfc3339,
    Spdx,
    Email,
}

impl LabelType {
    pub fn parse(s: &str) -> Option<LabelType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "text" | "rawtext" => LabelType::Text,
            "url" => LabelType::Url,
            "semver" => LabelType::Semver,
            "hash" | "githash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "spdx" => LabelType::Spdx,
            "email" => LabelType::Email,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LabelType::Text => "text",
            LabelType::Url => "url",
            LabelType::Semver => "semver",
            LabelType::Hash => "hash",
            LabelType::Rfc3339 => "rfc3339",
            LabelType::Spdx => "spdx",
            LabelType::Email => "email",
        }
    }
}

/// A registry row.
pub struct RuleEntry {
    pub meta: &'static RuleMeta,
    pub check: fn(&mut Checker),
    /// rules/<name>.md
    pub doc: &'static str,
    pub scope: Scope,
}

/// What a rule's findings depend on, which decides how it is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anything in the file: run once, on the whole file.
    File,
    /// Run once per [`Unit`] (the instructions before the first FROM, then
    /// each stage), reading through [`Checker::unit`] only that unit's
    /// instructions and stages. Its findings in a unit lie inside the unit
    /// and depend on nothing but the unit's text and first line, the text
    /// before the first FROM, every FROM instruction, the stages the unit
    /// builds on (FROM, `COPY --from`, `--mount from=`, transitively) and
    /// the stages built on it (transitively), the settings, the build
    /// context and the [`FILE_FACTS`]. A file-wide fact a rule computes
    /// goes through [`Checker::once`]: the rule runs once per unit. The
    /// language server reuses such findings for the units an edit left
    /// alone (src/analysis/reuse.rs).
    Stage,
}

/// File-wide facts a [`Scope::Stage`] rule may read besides its unit
/// (cheap to compute: the reuse cache computes each on every lint, and
/// reuses nothing when one changed).
pub static FILE_FACTS: &[fn(&Model) -> bool] = &[package::apt_install_recommends::configured];

macro_rules! rule {
    ($module:path, $doc:literal) => {
        rule!($module, $doc, File)
    };
    ($module:path, $doc:literal, $scope:ident) => {{
        use $module as m;
        RuleEntry {
            meta: &m::META,
            check: m::check,
            doc: include_str!(concat!("../../rules/", $doc, ".md")),
            scope: Scope::$scope,
        }
    }};
}

/// Every rule dlint has, in code order.
pub static REGISTRY: &[RuleEntry] = &[
    rule!(syntax::invalid_syntax, "invalid-syntax"),
    rule!(syntax::invalid_suppression, "invalid-suppression"),
    rule!(syntax::expansion_limit, "expansion-limit"),
    rule!(syntax::inline_ignore, "inline-ignore"),
    rule!(syntax::invalid_onbuild_trigger, "invalid-onbuild-trigger"),
    rule!(syntax::instruction_before_from, "instruction-before-from"),
    rule!(image::untagged_image, "untagged-image", Stage),
    rule!(image::latest_tag, "latest-tag", Stage),
    rule!(image::untrusted_registry, "untrusted-registry", Stage),
    rule!(
        image::invalid_default_base_image,
        "invalid-default-base-image"
    ),
    rule!(image::undeclared_from_arg, "undeclared-from-arg"),
    rule!(
        image::redundant_target_platform,
        "redundant-target-platform"
    ),
    rule!(image::constant_from_platform, "constant-from-platform"),
    rule!(
        image::base_image_platform_mismatch,
        "base-image-platform-mismatch"
    ),
    rule!(
        instruction::add_instead_of_copy,
        "add-instead-of-copy",
        Stage
    ),
    rule!(instruction::relative_workdir, "relative-workdir"),
    rule!(
        instruction::copy_from_unknown_stage,
        "copy-from-unknown-stage"
    ),
    rule!(instruction::duplicate_stage_name, "duplicate-stage-name"),
    rule!(instruction::multiple_cmd, "multiple-cmd"),
    rule!(instruction::maintainer_deprecated, "maintainer-deprecated"),
    rule!(
        instruction::inconsistent_instruction_casing,
        "inconsistent-instruction-casing"
    ),
    rule!(instruction::from_as_casing, "from-as-casing", Stage),
    rule!(
        instruction::legacy_key_value_format,
        "legacy-key-value-format",
        Stage
    ),
    rule!(instruction::shell_form_cmd, "shell-form-cmd"),
    rule!(
        instruction::empty_continuation_line,
        "empty-continuation-line",
        Stage
    ),
    rule!(
        instruction::expose_protocol_casing,
        "expose-protocol-casing",
        Stage
    ),
    rule!(
        instruction::expose_host_mapping,
        "expose-host-mapping",
        Stage
    ),
    rule!(instruction::stage_name_casing, "stage-name-casing"),
    rule!(instruction::reserved_stage_name, "reserved-stage-name"),
    rule!(instruction::undefined_variable, "undefined-variable"),
    rule!(
        instruction::invalid_substitution,
        "invalid-substitution",
        Stage
    ),
    rule!(
        instruction::invalid_description_comment,
        "invalid-description-comment"
    ),
    rule!(context::copy_ignored_file, "copy-ignored-file", Stage),
    rule!(instruction::consecutive_run, "consecutive-run", Stage),
    rule!(
        instruction::copy_then_extract_archive,
        "copy-then-extract-archive",
        Stage
    ),
    rule!(
        instruction::invalid_expose_port,
        "invalid-expose-port",
        Stage
    ),
    rule!(
        instruction::copy_multiple_sources_to_file,
        "copy-multiple-sources-to-file",
        Stage
    ),
    rule!(
        instruction::copy_relative_without_workdir,
        "copy-relative-without-workdir"
    ),
    rule!(
        instruction::copy_entire_filesystem,
        "copy-entire-filesystem",
        Stage
    ),
    rule!(instruction::env_self_reference, "env-self-reference"),
    rule!(instruction::missing_healthcheck, "missing-healthcheck"),
    rule!(instruction::invalid_label_key, "invalid-label-key", Stage),
    rule!(instruction::missing_label, "missing-label"),
    rule!(instruction::superfluous_label, "superfluous-label"),
    rule!(instruction::empty_label, "empty-label"),
    rule!(instruction::invalid_label_value, "invalid-label-value"),
    rule!(cache::split_apt_layers, "split-apt-layers", Stage),
    rule!(cache::cache_busting_copy, "cache-busting-copy", Stage),
    rule!(cache::missing_assume_yes, "missing-assume-yes"),
    rule!(cache::apt_lists_not_removed, "apt-lists-not-removed"),
    rule!(cache::apk_cache_kept, "apk-cache-kept"),
    rule!(cache::pip_cache_kept, "pip-cache-kept"),
    rule!(cache::yum_cache_not_cleaned, "yum-cache-not-cleaned"),
    rule!(cache::dnf_cache_not_cleaned, "dnf-cache-not-cleaned"),
    rule!(cache::zypper_cache_not_cleaned, "zypper-cache-not-cleaned"),
    rule!(cache::yarn_cache_not_cleaned, "yarn-cache-not-cleaned"),
    rule!(instruction::inline_comment, "inline-comment", Stage),
    rule!(security::root_user, "root-user"),
    rule!(security::sudo_in_run, "sudo-in-run", Stage),
    rule!(
        security::secret_in_arg_or_env,
        "secret-in-arg-or-env",
        Stage
    ),
    rule!(security::non_numeric_user, "non-numeric-user"),
    rule!(context::missing_dockerignore, "missing-dockerignore"),
    rule!(context::dockerignore_gaps, "dockerignore-gaps"),
    rule!(package::unpinned_apt_package, "unpinned-apt-package", Stage),
    rule!(package::unpinned_apk_package, "unpinned-apk-package", Stage),
    rule!(package::unpinned_yum_package, "unpinned-yum-package", Stage),
    rule!(package::unpinned_dnf_package, "unpinned-dnf-package", Stage),
    rule!(
        package::unpinned_zypper_package,
        "unpinned-zypper-package",
        Stage
    ),
    rule!(package::unpinned_pip_package, "unpinned-pip-package", Stage),
    rule!(package::unpinned_npm_package, "unpinned-npm-package", Stage),
    rule!(package::unpinned_gem, "unpinned-gem", Stage),
    rule!(package::unpinned_go_package, "unpinned-go-package", Stage),
    rule!(
        package::apt_install_recommends,
        "apt-install-recommends",
        Stage
    ),
    rule!(package::zypper_dist_upgrade, "zypper-dist-upgrade", Stage),
    rule!(
        package::apt_instead_of_apt_get,
        "apt-instead-of-apt-get",
        Stage
    ),
    rule!(shell::missing_pipefail, "missing-pipefail", Stage),
    rule!(shell::cd_instead_of_workdir, "cd-instead-of-workdir"),
    rule!(shell::wget_without_progress, "wget-without-progress", Stage),
    rule!(shell::curl_and_wget, "curl-and-wget", Stage),
    rule!(
        shell::useradd_without_no_log_init,
        "useradd-without-no-log-init",
        Stage
    ),
    rule!(shell::pointless_command, "pointless-command", Stage),
    rule!(shell::relink_bin_sh, "relink-bin-sh", Stage),
    rule!(size::build_in_final_stage, "build-in-final-stage"),
    rule!(size::heavy_base_image, "heavy-base-image"),
    rule!(size::dev_dependencies_in_image, "dev-dependencies-in-image"),
    rule!(shell::shellcheck, "shellcheck"),
];

/// Finds a rule by code, name or alias; a ShellCheck code (`SC2086`) finds
/// the `shellcheck` rule.
pub fn find(name: &str) -> Option<&'static RuleEntry> {
    if is_shellcheck_code(name) {
        return REGISTRY.iter().find(|e| e.meta.name == "shellcheck");
    }
    REGISTRY.iter().find(|e| e.meta.is_named(name))
}

/// The rule name closest to a name that names no rule, when one is close
/// enough to be a likely typo (`latest-tags`, `DL3070`).
pub fn did_you_mean(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(f64, &'static str)> = None;
    for e in REGISTRY {
        let m = e.meta;
        for cand in std::iter::once(m.name)
            .chain(std::iter::once(m.code))
            .chain(m.aliases.iter().copied())
        {
            let score = strsim::jaro_winkler(&lower, &cand.to_ascii_lowercase());
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, m.name));
            }
        }
    }
    best.filter(|(s, _)| *s >= 0.85).map(|(_, n)| n)
}

/// Whether a name is a ShellCheck code (accepted and ignored in hadolint
/// directives).
pub fn is_shellcheck_code(name: &str) -> bool {
    name.len() == 6
        && name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("SC"))
        && name
            .get(2..)
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// What rules see while they run.
pub struct Checker<'a> {
    pub model: &'a Model,
    pub options: &'a RuleOptions,
    /// The build context, when one is known (not for stdin without --context).
    pub context: Option<&'a BuildContext>,
    /// The stage that is built (`--target`).
    pub target: Option<&'a str>,
    rule: &'static RuleMeta,
    unit: Unit<'a>,
    diagnostics: Vec<Diagnostic>,
    /// File-wide facts rules read, one per type, computed once per lint (a
    /// stage rule runs once per unit): [`Checker::once`].
    facts: std::cell::RefCell<Vec<std::rc::Rc<dyn std::any::Any>>>,
}

/// The part of a file one call of a rule checks: the whole file for a
/// [`Scope::File`] rule; for a [`Scope::Stage`] rule, the instructions
/// before the first FROM (no stage), or one stage.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    pub model: &'a Model,
    /// Indices into `model.instructions`: `first..end`.
    first: usize,
    end: usize,
    /// Indices into `model.stages`: `first_stage..end_stage`.
    first_stage: usize,
    end_stage: usize,
    /// One stage's unit (not the whole file's, nor the first unit).
    is_stage: bool,
}

impl<'a> Unit<'a> {
    /// The whole file.
    pub fn file(model: &'a Model) -> Unit<'a> {
        Unit {
            model,
            first: 0,
            end: model.instructions.len(),
            first_stage: 0,
            end_stage: model.stages.len(),
            is_stage: false,
        }
    }

    /// The file's units in order: the instructions before the first FROM
    /// (possibly none), then each stage.
    pub fn all(model: &'a Model) -> Vec<Unit<'a>> {
        let first_from = model
            .stages
            .first()
            .map_or(model.instructions.len(), |s| s.from);
        let mut out = vec![Unit {
            model,
            first: 0,
            end: first_from,
            first_stage: 0,
            end_stage: 0,
            is_stage: false,
        }];
        for (i, s) in model.stages.iter().enumerate() {
            let end = model
                .stages
                .get(i + 1)
                .map_or(model.instructions.len(), |n| n.from);
            out.push(Unit {
                model,
                first: s.from,
                end,
                first_stage: i,
                end_stage: i + 1,
                is_stage: true,
            });
        }
        out
    }

    /// The unit's instructions, in order.
    pub fn instructions(&self) -> &'a [Instruction] {
        &self.model.instructions[self.first..self.end]
    }

    /// Indices of the unit's stages.
    pub fn stages(&self) -> std::ops::Range<usize> {
        self.first_stage..self.end_stage
    }

    /// The unit's stage, when it is one stage's unit.
    pub fn stage(&self) -> Option<usize> {
        self.is_stage.then_some(self.first_stage)
    }

    /// [`Model::runs`] of the unit.
    pub fn runs(&self) -> impl Iterator<Item = &'a Instruction> {
        self.instructions()
            .iter()
            .filter_map(crate::model::effective_run)
    }

    /// Where the unit's text starts and ends: from its first instruction
    /// (the stage's FROM) to the next unit's first instruction, the whole
    /// text before the first FROM for the first unit, the end of the file
    /// for the last.
    pub fn bytes(&self) -> std::ops::Range<usize> {
        let m = self.model;
        let start = match self.stage() {
            Some(_) => m.instructions[self.first].span.start,
            None => 0,
        };
        let end = m
            .instructions
            .get(self.end)
            .map_or(m.source.len(), |i| i.span.start);
        start..end.max(start)
    }
}

impl<'a> Checker<'a> {
    pub fn new(
        model: &'a Model,
        options: &'a RuleOptions,
        context: Option<&'a BuildContext>,
        target: Option<&'a str>,
    ) -> Self {
        Checker {
            model,
            options,
            context,
            target,
            rule: REGISTRY[0].meta,
            unit: Unit::file(model),
            diagnostics: Vec::new(),
            facts: Default::default(),
        }
    }

    /// A file-wide fact of type `T` (a type of its own per fact), computed
    /// by `f` the first time a rule asks for it in this lint.
    pub fn once<T: 'static>(&self, f: impl FnOnce(&'a Model) -> T) -> std::rc::Rc<T> {
        if let Some(v) = self
            .facts
            .borrow()
            .iter()
            .find_map(|v| v.clone().downcast::<T>().ok())
        {
            return v;
        }
        let v = std::rc::Rc::new(f(self.model));
        self.facts.borrow_mut().push(v.clone());
        v
    }

    /// Runs one rule: a [`Scope::File`] rule on the whole file, a
    /// [`Scope::Stage`] rule on each unit in turn.
    pub fn run(&mut self, entry: &RuleEntry) {
        match entry.scope {
            Scope::File => self.run_on(entry, Unit::file(self.model)),
            Scope::Stage => {
                for unit in Unit::all(self.model) {
                    self.run_on(entry, unit);
                }
            }
        }
    }

    /// Runs one rule on one unit.
    pub fn run_on(&mut self, entry: &RuleEntry, unit: Unit<'a>) {
        self.rule = entry.meta;
        self.unit = unit;
        (entry.check)(self);
        self.unit = Unit::file(self.model);
    }

    /// What the running rule checks: the whole file, or for a
    /// [`Scope::Stage`] rule the unit it runs on.
    pub fn unit(&self) -> Unit<'a> {
        self.unit
    }

    /// How many findings were reported so far.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// The findings reported since the first `from` (for the reuse cache).
    pub fn since(&self, from: usize) -> &[Diagnostic] {
        &self.diagnostics[from..]
    }

    /// Adds findings computed earlier (reused from an earlier lint).
    pub fn extend(&mut self, diags: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diags);
    }

    /// Reports a finding of the running rule.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            rule: self.rule,
            severity: self.rule.severity,
            message: message.into(),
            span,
            related: Vec::new(),
            fix: None,
            sub_code: None,
        });
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}
