//! `expose-protocol-casing`: `EXPOSE 80/TCP`, a protocol not in lowercase
//! (`ExposeProtoCasing`).
use super::expose::{ports, proto_span};
use crate::diagnostic::{Edit, Fix, Severity};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D212",
    name: "expose-protocol-casing",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["ExposeProtoCasing"],
    summary: "An EXPOSE protocol is not lowercase (`80/TCP`)",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        for p in ports(m, inst) {
            let Some(proto) = &p.proto else { continue };
            let lower = proto.to_lowercase();
            if *proto == lower {
                continue;
            }
            let msg = format!(
                "The protocol of `{}` should be lowercase: write `{}/{lower}`. Docker accepts `{proto}` today, but the Dockerfile reference only defines `tcp`, `udp` and `sctp` (BuildKit warns, `ExposeProtoCasing`)",
                p.text, p.container
            );
            let fix = p.literal.then(|| proto_span(&p)).flatten().map(|s| {
                Fix::safe(
                    format!("Write `{lower}`"),
                    vec![Edit::replace(s, lower.clone())],
                )
            });
            cx.report(
                crate::rules::buildkit::report_span(m, inst, p.word.span),
                msg,
            )
            .fix = fix;
        }
    }
}
