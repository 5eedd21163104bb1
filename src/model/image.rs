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

/// Why `reference.ParseNormalizedNamed` (distribution/reference, what
/// BuildKit reads FROM images and `COPY --from` images with) refuses a
/// reference, or `None` when it accepts it.
pub fn reference_error(s: &str) -> Option<String> {
    const INVALID: &str = "invalid reference format";
    if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(format!(
            "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        ));
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        if !valid_digest(d) {
            return Some(INVALID.into());
        }
    }
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(c) if last_slash.is_none_or(|sl| c > sl) => {
            (name_tag.get(..c).unwrap_or(""), name_tag.get(c + 1..))
        }
        _ => (name_tag, None),
    };
    if let Some(t) = tag {
        let mut cs = t.chars();
        let ok = t.len() <= 128
            && cs
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !ok {
            return Some(INVALID.into());
        }
    }
    if name.is_empty() {
        return Some(INVALID.into());
    }
    // The first component is a domain when it has a '.' or ':' or is
    // `localhost` (or has an uppercase letter) and more components follow.
    let (domain, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    };
    if let Some(d) = domain {
        if !valid_domain(d) {
            return Some(INVALID.into());
        }
    }
    let components_ok = path.split('/').all(valid_path_component);
    if !components_ok {
        let lower = path.to_ascii_lowercase();
        if lower != path && lower.split('/').all(valid_path_component) {
            let full = if domain.is_none() && !path.contains('/') {
                format!("library/{path}")
            } else {
                path.to_string()
            };
            return Some(format!(
                "{INVALID}: repository name ({full}) must be lowercase"
            ));
        }
        return Some(INVALID.into());
    }
    if name.len() > 255 {
        return Some("repository name must not be more than 255 characters".into());
    }
    None
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: '.', '_', '__' or '-'+, then alnum.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        let ok = sep == b"." || sep == b"_" || sep == b"__" || sep.iter().all(|&x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `domain-component(\.domain-component)*(:port)?` or `[ipv6](:port)?`.
fn valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, after)) => {
                if ip.is_empty() || !ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                    return false;
                }
                match after.strip_prefix(':') {
                    Some(p) => ("", Some(p)),
                    None if after.is_empty() => ("", None),
                    None => return false,
                }
            }
            None => return false,
        }
    } else {
        match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    if d.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && alg.split(['-', '_', '+', '.']).all(|p| {
            let mut cs = p.chars();
            cs.next().is_some_and(|c| c.is_ascii_alphabetic())
                && cs.all(|c| c.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_like_distribution() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "library/alpine:3",
            "docker.io/library/nginx:latest",
            "localhost:5000/team/app",
            "my-registry.example.com:443/a/b_c/d__e/f-g:v1.0-rc",
            "gcr.io/distroless/static@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "[::1]:5000/x",
            "Registry.Example.com/app",
        ] {
            assert_eq!(reference_error(ok), None, "{ok}");
        }
        for bad in [
            "Ubuntu",
            "alpine:3.20:x",
            "a b",
            "-x",
            "a//b",
            "a:",
            "x@sha256:abc",
            "ALPINE:latest",
            "a..b",
        ] {
            assert!(reference_error(bad).is_some(), "{bad}");
        }
        assert_eq!(
            reference_error("Ubuntu").as_deref(),
            Some("invalid reference format: repository name (library/Ubuntu) must be lowercase")
        );
    }

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
