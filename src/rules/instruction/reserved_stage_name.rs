//! `reserved-stage-name`: a stage named `scratch` or `context`
//! (`ReservedStageName`, hadolint DL3063).
use crate::diagnostic::Severity;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D215",
    name: "reserved-stage-name",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    aliases: &["ReservedStageName", "DL3063"],
    summary: "A stage is named `scratch` or `context`, names BuildKit reserves",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for st in &m.stages {
        let Some(alias) = &st.alias else { continue };
        let name = alias.value.to_lowercase();
        let why = match name.as_str() {
            "scratch" => "`FROM scratch` means the empty image, so no stage can be built FROM this one by name",
            "context" => "`context` names the build context (`COPY --from=context`, `--build-context`), so references to this stage are ambiguous",
            _ => continue,
        };
        let msg = format!(
            "The stage name `{}` is reserved: {why}. Pick another name (BuildKit warns, `ReservedStageName`)",
            alias.value
        );
        let inst = &m.instructions[st.from];
        cx.report(
            crate::rules::buildkit::report_span(m, inst, alias.span),
            msg,
        );
    }
}
