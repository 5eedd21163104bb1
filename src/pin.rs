//! `--pin-digests`. Placeholder: being written.

/// Rewrites `image:tag` references in `src` as `image:tag@sha256:…`.
/// Returns the new text, or one message per image that could not be pinned
/// (the file is then left untouched).
pub fn pin_source(src: &str) -> Result<String, Vec<String>> {
    let _ = src;
    Err(vec!["--pin-digests is not available in this build".into()])
}
