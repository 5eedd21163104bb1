//! `non-numeric-user`: the image's user is a name, not a numeric UID, so
//! the host (and Kubernetes `runAsNonRoot`) cannot tell who it is.
use crate::diagnostic::Severity;
use crate::model::{Base, Model};
use crate::rules::{Category, Checker, FixAvailability, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "D420",
    name: "non-numeric-user",
    category: Category::Security,
    severity: Severity::Info,
    fix: FixAvailability::None,
    aliases: &["DL3066"],
    summary: "The image's USER is a name, not a numeric UID: the host and Kubernetes `runAsNonRoot` cannot resolve it",
    default_enabled: true,
};

/// The USER the built image ends with: (instruction, written, expanded),
/// following `FROM <stage>` when the stage sets none.
fn effective_user(m: &Model, stage: usize) -> Option<&(usize, String, String)> {
    let mut s = stage;
    for _ in 0..64 {
        if let Some(u) = m.stages[s].users.last() {
            return Some(u);
        }
        match m.stages[s].base {
            Base::Stage(p) if p < s => s = p,
            _ => return None,
        }
    }
    None
}

pub fn check(cx: &mut Checker) {
    let m = cx.model;
    let Some(fin) = m.final_stage(cx.target) else {
        // No FROM (not a Dockerfile BuildKit builds): the last USER.
        if let Some(u) = m
            .instructions
            .iter()
            .rev()
            .find(|i| i.kind == crate::model::Kind::User)
        {
            if let Some(a) = u.args.first() {
                let uid = a.value.split(':').next().unwrap_or("");
                if !uid.is_empty()
                    && !uid.contains('$')
                    && !uid.bytes().all(|b| b.is_ascii_digit())
                    && uid != "root"
                {
                    cx.report(
                        u.args_span(),
                        format!(
                            "The image runs as `{uid}`, a user name: use the numeric UID (and GID)"
                        ),
                    );
                }
            }
        }
        return;
    };
    // Windows users are names (`ContainerUser`); there are no UIDs.
    if crate::rules::shell::stage_image_shell(m, fin.index)
        == crate::rules::shell::ImageShell::Windows
    {
        return;
    }
    let Some((idx, written, expanded)) = effective_user(m, fin.index) else {
        return;
    };
    let uid = expanded.split(':').next().unwrap_or("").trim();
    // A variable without a value may well be a number; `root` is reported
    // by root-user.
    if uid.is_empty()
        || uid.contains('$')
        || uid.bytes().all(|b| b.is_ascii_digit())
        || uid == "root"
    {
        return;
    }
    let inst = &m.instructions[*idx];
    let e = m.expand_in_stage_full(inst.stage.unwrap_or(fin.index), written);
    if !e.unresolved.is_empty() {
        return;
    }
    let msg = format!(
        "The image runs as `{uid}`, a user name: only the image's /etc/passwd knows its UID, so the host, volume permissions and Kubernetes `runAsNonRoot` (which refuses a name it cannot check) see no number. Use the numeric UID (and GID), e.g. `USER 10001:10001`, the ones the user was created with"
    );
    cx.report(inst.args_span(), msg);
}
