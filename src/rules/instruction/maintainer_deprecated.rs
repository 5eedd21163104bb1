//! `maintainer-deprecated`: MAINTAINER is deprecated; a LABEL says the same.
use crate::diagnostic::{Edit, Fix, Severity};
use crate::model::Kind;
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D206",
    name: "maintainer-deprecated",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    aliases: &["DL4000", "MaintainerDeprecated"],
    summary: "MAINTAINER is deprecated; use `LABEL org.opencontainers.image.authors=…`",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let esc = m.escape;
    for inst in &m.instructions {
        if inst.kind != Kind::Maintainer || inst.start_line != inst.end_line {
            continue;
        }
        let value = inst.args.first().map(|a| a.value.as_str()).unwrap_or("");
        let mut quoted = String::with_capacity(value.len() + 2);
        for c in value.chars() {
            if c == '"' || c == esc || c == '$' {
                quoted.push(esc);
            }
            quoted.push(c);
        }
        let label = if inst.keyword.value.chars().all(|c| c.is_ascii_lowercase()) {
            "label"
        } else {
            "LABEL"
        };
        let text = format!("{label} org.opencontainers.image.authors=\"{quoted}\"");
        let msg = "MAINTAINER is deprecated: the author belongs in the standard OCI label `org.opencontainers.image.authors`, which `docker inspect` and registries show".to_string();
        let fix = (!value.is_empty()).then(|| {
            Fix::safe(
                "Replace with `LABEL org.opencontainers.image.authors=…`",
                vec![Edit {
                    span: inst.span,
                    text,
                }],
            )
        });
        cx.report(inst.keyword.span, msg).fix = fix;
    }
}
