//! `invalid-expose-port`: EXPOSE with a port above 65535; BuildKit refuses
//! to build it.
use crate::diagnostic::Severity;
use crate::model::{unquote, Kind};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D254",
    name: "invalid-expose-port",
    category: Category::Instruction,
    severity: Severity::Error,
    fix: FixAvailability::None,
    aliases: &["DL3011"],
    summary: "EXPOSE names a port outside 0-65535",
    default_enabled: true,
};

pub fn check(cx: &mut Checker) {
    for inst in cx
        .unit()
        .instructions()
        .iter()
        .filter(|i| i.kind == Kind::Expose)
    {
        for w in &inst.args {
            let v = unquote(&w.value);
            if v.contains('$') {
                continue;
            }
            let ports = v.split('/').next().unwrap_or("");
            let bad = ports
                .split('-')
                .filter_map(|p| p.parse::<u64>().ok())
                .find(|p| *p > 65535);
            let Some(p) = bad else { continue };
            let msg = format!(
                "Port {p} in `EXPOSE {v}` is above 65535, the largest TCP/UDP port: BuildKit stops the build (invalid containerPort)"
            );
            cx.report(w.span, msg);
        }
    }
}
