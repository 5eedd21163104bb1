//! Image references, read as Docker's reference grammar reads them
//! (`github.com/distribution/reference`): `[host[:port]/]path[:tag][@digest]`.

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (with port), when one is named.
    pub registry: Option<String>,
    /// The repository path without the registry (`library/nginx` is written
    /// `nginx`).
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference; `None` when it is empty or malformed.
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        if s.is_empty() || s.chars().any(char::is_whitespace) {
            return None;
        }
        let (name_tag, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (s, None),
        };
        if name_tag.is_empty() {
            return None;
        }
        // The tag is after the last ':' that comes after the last '/'.
        let last_slash = name_tag.rfind('/');
        let (name, tag) = match name_tag.rfind(':') {
            Some(c) if last_slash.is_none_or(|sl| c > sl) => (
                name_tag.get(..c).unwrap_or(""),
                Some(name_tag.get(c + 1..).unwrap_or("").to_string()),
            ),
            _ => (name_tag, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (Some(first.to_string()), rest.to_string())
            }
            _ => (None, name.to_string()),
        };
        if path.is_empty() {
            return None;
        }
        Some(ImageRef {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// The registry the image is pulled from (`docker.io` by default).
    pub fn registry_or_default(&self) -> &str {
        self.registry.as_deref().unwrap_or("docker.io")
    }

    /// Whether this names Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.registry.as_deref(),
            None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io")
        )
    }

    /// The repository as Docker Hub spells it (`library/` for official images).
    pub fn full_path(&self) -> String {
        if self.is_docker_hub() && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.clone()
        }
    }

    /// The last path component (`nginx` for `docker.io/library/nginx`).
    pub fn short_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// `name[:tag]` without the digest, registry included when written.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(r) => format!("{r}/{}", self.path),
            None => self.path.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_is_not_a_tag() {
        let r = ImageRef::parse("localhost:5000/team/app").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn registry_tag_and_digest() {
        let r = ImageRef::parse("docker.io/library/nginx:latest").unwrap();
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert!(r.is_docker_hub());
        let r = ImageRef::parse("gcr.io/distroless/static:nonroot@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("gcr.io"));
        assert_eq!(r.tag.as_deref(), Some("nonroot"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("registry:5000/x:1.0").unwrap();
        assert_eq!(r.registry.as_deref(), Some("registry:5000"));
        assert_eq!(r.tag.as_deref(), Some("1.0"));
    }

    #[test]
    fn plain_names() {
        let r = ImageRef::parse("ubuntu").unwrap();
        assert_eq!(r.full_path(), "library/ubuntu");
        assert_eq!(r.tag, None);
        assert_eq!(
            ImageRef::parse("node:20-alpine").unwrap().tag.as_deref(),
            Some("20-alpine")
        );
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("a:").is_none());
    }
}
