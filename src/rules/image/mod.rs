//! Base images and image references.
pub mod base_image_platform_mismatch;
pub mod constant_from_platform;
pub mod from_args;
pub mod invalid_default_base_image;
pub mod latest_tag;
pub mod redundant_target_platform;
pub mod runtime;
pub mod undeclared_from_arg;
pub mod untagged_image;
pub mod untrusted_registry;

use crate::model::{Base, FromRef, ImageRef, Kind, Model};
use crate::syntax::Span;

/// Where an image is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    From,
    CopyFrom,
    MountFrom,
}

impl Use {
    pub fn describe(self) -> &'static str {
        match self {
            Use::From => "base image",
            Use::CopyFrom => "`COPY --from` image",
            Use::MountFrom => "`RUN --mount` image",
        }
    }
}

/// An external image reference in the file.
#[derive(Debug, Clone)]
pub struct ImageUse {
    pub span: Span,
    /// As written.
    pub text: String,
    pub how: Use,
    pub kind: UseKind,
    /// Part of the reference comes from a build argument without a default.
    pub dynamic: bool,
}

#[derive(Debug, Clone)]
pub enum UseKind {
    /// Fully known after expanding ARG defaults.
    Known(ImageRef),
    /// The tag (or the whole reference) comes from build args without a
    /// default.
    FromArgs {
        vars: Vec<String>,
        partial: Option<ImageRef>,
    },
}

const PLACEHOLDER: &str = "\u{1}";

/// Whether `COPY --from=NAME` is `copy-from-unknown-stage`'s finding rather
/// than an image reference: a bare name (no registry, tag, digest or path)
/// that is no stage is far more often a mistyped stage than an image pull
/// (`--from=build` where the stage is `builder`), and a stage naming itself
/// is a circular dependency. One finding, with a did-you-mean, not two.
pub fn copy_from_owns(m: &Model, inst: &crate::model::Instruction) -> bool {
    let (Some(stage), Some(flag)) = (inst.stage, inst.flag("from")) else {
        return false;
    };
    let raw = flag.value.as_deref().unwrap_or("");
    let name = m.expand_in_stage(stage, raw);
    // The model's index of stage names: not a scan of every stage per COPY.
    let is_stage = m.stage_named(&name).is_some();
    is_stage || !name.contains(['/', ':', '.', '@'])
}

/// Every external image the file pulls: FROM bases (not stages, not
/// scratch), `COPY --from=<image>` and `RUN --mount=from=<image>`.
pub fn image_uses(unit: crate::rules::Unit) -> Vec<ImageUse> {
    let m = unit.model;
    let mut out = Vec::new();
    for st in &m.stages[unit.stages()] {
        let Some(word) = &st.image else { continue };
        let kind = match &st.base {
            Base::Image(r) => UseKind::Known(r.clone()),
            Base::Unresolved { text, vars } => {
                // Expand again with placeholders for unknown args to see
                // which part they fill.
                // Declared ARGs without a default are placeholders; a name
                // that is no declared ARG expands to nothing, as in BuildKit.
                let lookup = |name: &str| -> Option<String> {
                    if m.is_global_arg(name) {
                        Some(
                            m.global_value(name)
                                .unwrap_or_else(|| PLACEHOLDER.to_string()),
                        )
                    } else {
                        Some(crate::model::automatic_arg(name).unwrap_or("").to_string())
                    }
                };
                let vars: Vec<String> = vars
                    .iter()
                    .filter(|v| m.is_global_arg(v))
                    .cloned()
                    .collect();
                let e = m.expand_with(text, &lookup);
                if e.invalid || e.limited.is_some() {
                    // A template placeholder, not a Dockerfile BuildKit builds.
                    continue;
                }
                let partial = ImageRef::parse(&e.value);
                if let Some(r) = &partial {
                    let path_dynamic = r.path.contains(PLACEHOLDER);
                    let tag_dynamic = r.tag.as_deref().is_some_and(|t| t.contains(PLACEHOLDER));
                    let digest = r.digest.is_some();
                    if !path_dynamic && !tag_dynamic && !digest {
                        // Only the registry or namespace is an arg: the tag
                        // is (or is not) written, judge it as known.
                        let mut known = r.clone();
                        known.registry = known.registry.map(|x| x.replace(PLACEHOLDER, "ARG"));
                        out.push(ImageUse {
                            span: word.span,
                            text: word.value.clone(),
                            how: Use::From,
                            kind: UseKind::Known(known),
                            dynamic: true,
                        });
                        continue;
                    }
                    if !tag_dynamic && (r.tag.is_some() || digest) {
                        let mut known = r.clone();
                        known.path = known.path.replace(PLACEHOLDER, "ARG");
                        known.registry = known.registry.map(|x| x.replace(PLACEHOLDER, "ARG"));
                        out.push(ImageUse {
                            span: word.span,
                            text: word.value.clone(),
                            how: Use::From,
                            kind: UseKind::Known(known),
                            dynamic: true,
                        });
                        continue;
                    }
                }
                if vars.is_empty() {
                    continue;
                }
                UseKind::FromArgs { vars, partial }
            }
            _ => continue,
        };
        let dynamic = matches!(kind, UseKind::FromArgs { .. });
        out.push(ImageUse {
            span: word.span,
            text: word.value.clone(),
            how: Use::From,
            kind,
            dynamic,
        });
    }
    for inst in unit.instructions() {
        let Some(si) = inst.stage else { continue };
        if let Some(c) = &inst.copy {
            if let Some((FromRef::Image(r), span)) = &c.from {
                if copy_from_owns(m, inst) {
                    continue;
                }
                // Narrow `--from=nginx` to `nginx` when it is on one line.
                let text = m.text(*span);
                let (span, text) = match text.split_once('=') {
                    Some((_, v)) if !text.contains('\n') => {
                        (Span::new(span.end - v.len(), span.end), v.to_string())
                    }
                    _ => (*span, text.to_string()),
                };
                out.push(ImageUse {
                    span,
                    text,
                    how: Use::CopyFrom,
                    kind: UseKind::Known(r.clone()),
                    dynamic: false,
                });
            }
        }
        if inst.kind == Kind::Run {
            {
                for mount in &inst.mounts {
                    if let Some(f) = mount.get("from") {
                        if let FromRef::Image(r) = m.resolve_from(si, f) {
                            out.push(ImageUse {
                                span: mount.span,
                                text: f.to_string(),
                                how: Use::MountFrom,
                                kind: UseKind::Known(r),
                                dynamic: false,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}
