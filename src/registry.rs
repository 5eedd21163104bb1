//! `--check-base-platforms`: asks each base image's registry which platforms
//! the image has (Docker Registry HTTP API v2, anonymous access, through
//! [`crate::pin::Transport`]), for the `base-image-platform-mismatch` rule
//! (BuildKit's `InvalidBaseImagePlatform`, which BuildKit evaluates with the
//! image it pulled). Only called with that flag: rules never touch the
//! network; they read the answers from `RuleOptions::base_platforms`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::{Base, ImageRef, Model};
use crate::pin::{
    anonymous_token, endpoint, secs, Deadlined, Method, Transport, ACCEPT, PARALLEL, TIMEOUT,
};
pub use crate::rules::buildkit::{BasePlatforms, Platform, Platforms};

/// The external base images of a file, as their FROM names them after
/// expansion.
pub fn base_images(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = m
        .stages
        .iter()
        .filter(|s| matches!(s.base, Base::Image(_)))
        .filter_map(|s| s.image_expanded.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Asks the registry of every reference (each once), [`PARALLEL`] at a
/// time; the whole run ends by `deadline` (`--pin-timeout`), so a registry
/// that never answers costs the deadline once, not 8 s per request.
pub fn resolve(t: &dyn Transport, references: &[String], deadline: Duration) -> BasePlatforms {
    let mut unique: Vec<&String> = references.iter().collect();
    unique.sort();
    unique.dedup();
    let t = Deadlined {
        inner: t,
        end: Instant::now() + deadline,
        late: format!(
            "no answer within the deadline of {} (set it with --pin-timeout)",
            secs(deadline)
        ),
    };
    let next = AtomicUsize::new(0);
    let answers = Mutex::new(BasePlatforms::default());
    std::thread::scope(|s| {
        for _ in 0..unique.len().clamp(1, PARALLEL) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = unique.get(i) else { break };
                let answer = match ImageRef::parse(r) {
                    Some(img) => platforms_of(&t, &img),
                    None => Err(format!("`{r}` is no image reference")),
                };
                answers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .images
                    .insert((*r).clone(), answer);
            });
        }
    });
    answers.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// GET `url` with `accept`, with the anonymous token flow on a 401.
fn get(
    t: &dyn Transport,
    url: &str,
    accept: &str,
    repo: &str,
    host: &str,
    token: &mut Option<String>,
) -> Result<String, String> {
    for _ in 0..2 {
        let bearer = token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("Accept", accept)];
        if let Some(b) = &bearer {
            headers.push(("Authorization", b.as_str()));
        }
        let resp = t
            .send(Method::Get, url, &headers, TIMEOUT)
            .map_err(|e| format!("registry {host} unreachable ({url}): {e}"))?;
        match resp.status {
            200 => return Ok(resp.body),
            401 if token.is_none() => {
                let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
                *token = Some(anonymous_token(t, &challenge, repo, host)?);
            }
            s => return Err(format!("registry {host} answered HTTP {s} for {url}")),
        }
    }
    Err(format!(
        "registry {host} refused anonymous access to {repo}"
    ))
}

fn platform_of(v: &serde_json::Value) -> Option<Platform> {
    let os = v.get("os")?.as_str()?.to_string();
    let arch = v.get("architecture")?.as_str()?.to_string();
    Some((os, arch))
}

/// The platforms of one image.
pub fn platforms_of(t: &dyn Transport, r: &ImageRef) -> Result<Platforms, String> {
    let (scheme, host, repo) = endpoint(r);
    let reference = r
        .digest
        .clone()
        .or_else(|| r.tag.clone())
        .unwrap_or_else(|| "latest".into());
    let base = format!("{scheme}://{host}/v2/{repo}");
    let mut token = None;
    let body = get(
        t,
        &format!("{base}/manifests/{reference}"),
        ACCEPT,
        &repo,
        &host,
        &mut token,
    )?;
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|_| format!("registry {host} answered a manifest that is not JSON"))?;
    if let Some(list) = v.get("manifests").and_then(|m| m.as_array()) {
        let platforms = list
            .iter()
            .filter_map(|m| m.get("platform").and_then(platform_of))
            // Attestation manifests say `unknown/unknown`.
            .filter(|(os, _)| os != "unknown")
            .collect();
        return Ok(Platforms::Index(platforms));
    }
    let config = v
        .get("config")
        .and_then(|c| c.get("digest"))
        .and_then(|d| d.as_str())
        .ok_or_else(|| format!("registry {host} answered a manifest without a config"))?;
    let body = get(
        t,
        &format!("{base}/blobs/{config}"),
        "application/json",
        &repo,
        &host,
        &mut token,
    )?;
    let c: serde_json::Value = serde_json::from_str(&body)
        .map_err(|_| format!("registry {host} answered an image config that is not JSON"))?;
    platform_of(&c)
        .map(Platforms::Single)
        .ok_or_else(|| format!("the image config of {repo} names no platform"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::Response;

    struct Fake(Vec<(&'static str, u16, &'static str)>);

    impl Transport for Fake {
        fn send(
            &self,
            _m: Method,
            url: &str,
            _h: &[(&str, &str)],
            _timeout: Duration,
        ) -> Result<Response, String> {
            for (suffix, status, body) in &self.0 {
                if url.ends_with(suffix) {
                    return Ok(Response {
                        status: *status,
                        headers: Vec::new(),
                        body: body.to_string(),
                    });
                }
            }
            Err("connection refused".into())
        }
    }

    #[test]
    fn index_and_single_images() {
        let t = Fake(vec![
            (
                "/library/alpine/manifests/3.20",
                200,
                r#"{"manifests":[{"platform":{"os":"linux","architecture":"amd64"}},{"platform":{"os":"linux","architecture":"arm64"}},{"platform":{"os":"unknown","architecture":"unknown"}}]}"#,
            ),
            (
                "/team/tool/manifests/1",
                200,
                r#"{"config":{"digest":"sha256:c"}}"#,
            ),
            (
                "/team/tool/blobs/sha256:c",
                200,
                r#"{"os":"linux","architecture":"arm64"}"#,
            ),
        ]);
        let got = resolve(
            &t,
            &[
                "alpine:3.20".into(),
                "ghcr.io/team/tool:1".into(),
                "localhost:1/x:2".into(),
            ],
            Duration::from_secs(20),
        );
        assert_eq!(
            got.get("alpine:3.20"),
            Some(&Platforms::Index(vec![
                ("linux".into(), "amd64".into()),
                ("linux".into(), "arm64".into())
            ]))
        );
        assert_eq!(
            got.get("ghcr.io/team/tool:1"),
            Some(&Platforms::Single(("linux".into(), "arm64".into())))
        );
        assert!(got.images["localhost:1/x:2"].is_err());
    }

    /// A registry that never answers: each request waits out its timeout.
    struct Silent;

    impl Transport for Silent {
        fn send(
            &self,
            _m: Method,
            _url: &str,
            _h: &[(&str, &str)],
            timeout: Duration,
        ) -> Result<Response, String> {
            std::thread::sleep(timeout);
            Err(format!("timed out after {timeout:?}"))
        }
    }

    #[test]
    fn a_silent_registry_costs_the_deadline_once() {
        // 12 images: 96 s one after another at 8 s a request.
        let refs: Vec<String> = (0..12)
            .map(|i| format!("silent.example/img{i}:1"))
            .collect();
        let started = Instant::now();
        let got = resolve(&Silent, &refs, Duration::from_millis(700));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert_eq!(got.images.len(), 12);
        assert!(got
            .images
            .values()
            .all(|a| a.as_ref().is_err_and(|e| e.contains("deadline of 0.7s"))));
    }
}
