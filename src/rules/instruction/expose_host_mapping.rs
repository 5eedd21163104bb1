//! `expose-host-mapping`: `EXPOSE 127.0.0.1:80:80` or `EXPOSE 8080:80`, an
//! IP address or host port in EXPOSE (`ExposeInvalidFormat`).
use super::expose::ports;
use crate::diagnostic::{Edit, Fix, Severity};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D213",
    name: "expose-host-mapping",
    category: Category::Instruction,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    aliases: &["ExposeInvalidFormat"],
    summary: "EXPOSE names an IP address or a host port, which only `docker run -p` can publish",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    for inst in cx.unit().instructions() {
        for p in ports(m, inst) {
            if p.ip.is_empty() && p.host_port.is_empty() {
                continue;
            }
            let keep = match &p.proto {
                Some(pr) => format!("{}/{pr}", p.container),
                None => p.container.clone(),
            };
            let what = if p.ip.is_empty() {
                "a host port"
            } else {
                "an IP address and a host port"
            };
            let msg = format!(
                "`{}` gives {what}, which EXPOSE ignores: the image only records the container port `{keep}`, and publishing to the host is `docker run -p {}`'s job. Write `EXPOSE {keep}` (BuildKit warns that this will become an error, `ExposeInvalidFormat`)",
                p.text, p.text
            );
            let fix = p.literal.then(|| {
                Fix::safe(
                    format!("Expose only `{keep}`"),
                    vec![Edit::replace(p.word.span, keep.clone())],
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
