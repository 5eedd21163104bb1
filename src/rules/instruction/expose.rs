//! EXPOSE ports as BuildKit reads them (`dispatchExpose`, `parsePort`):
//! each word expanded with the stage's variables, then
//! `[ip:][hostPort:]containerPort[/proto]`.
use crate::model::{Instruction, Kind, Model};
use crate::syntax::Span;

/// One port of an EXPOSE, split as BuildKit splits it.
pub struct Port<'a> {
    /// The word as written.
    pub word: &'a crate::model::Word,
    /// Whether the word is written literally (no variable, quote or
    /// escape), so its text in the file is the port.
    pub literal: bool,
    /// The port after expansion.
    pub text: String,
    pub ip: String,
    pub host_port: String,
    pub container: String,
    pub proto: Option<String>,
}

/// `splitParts`: the last two `:`-separated fields are host and container
/// port, anything before is the IP.
fn split_parts(raw: &str) -> (String, String, String) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.as_slice() {
        [c] => (String::new(), String::new(), c.to_string()),
        [h, c] => (String::new(), h.to_string(), c.to_string()),
        [ip, h, c] => (ip.to_string(), h.to_string(), c.to_string()),
        _ => {
            let n = parts.len();
            (
                parts[..n - 2].join(":"),
                parts[n - 2].into(),
                parts[n - 1].into(),
            )
        }
    }
}

/// The ports of an EXPOSE in a stage; words whose variables the file does
/// not define are left out.
pub fn ports<'a>(m: &Model, inst: &'a Instruction) -> Vec<Port<'a>> {
    let mut out = Vec::new();
    let Some(stage) = inst.stage else {
        return out;
    };
    if inst.kind != Kind::Expose {
        return out;
    }
    for w in &inst.args {
        let e = m.expand_in_stage_full(stage, &w.value);
        if !e.unresolved.is_empty() || e.invalid {
            continue;
        }
        let literal = !w.value.contains(['$', '"', '\'', m.escape]) && m.text(w.span) == w.value;
        for p in e.value.split_whitespace() {
            let (ip, host_port, rest) = split_parts(p);
            let (container, proto) = match rest.split_once('/') {
                Some((c, pr)) => (c.to_string(), Some(pr.to_string())),
                None => (rest, None),
            };
            if container.is_empty() {
                // BuildKit: "no port specified", the build fails.
                continue;
            }
            out.push(Port {
                word: w,
                literal,
                text: p.to_string(),
                ip,
                host_port,
                container,
                proto,
            });
        }
    }
    out
}

/// The span of the protocol inside a literal port word.
pub fn proto_span(port: &Port) -> Option<Span> {
    let slash = port.word.value.rfind('/')?;
    Some(Span::new(
        port.word.span.start + slash + 1,
        port.word.span.end,
    ))
}
