//! `--pin-digests`: asks each image's registry for the digest of its tag
//! (Docker Registry HTTP API v2, with the anonymous bearer-token flow Docker
//! Hub uses) and rewrites `image:tag` as `image:tag@sha256:…`.
//!
//! Only called with `--pin-digests` (and its transport by
//! `--check-base-platforms`, `crate::registry`): nothing else in dlint
//! touches the network. The HTTP goes through [`Transport`] so tests can
//! fake a registry.
//!
//! A [`Pinner`] serves one run: the images of every file are asked once,
//! [`PARALLEL`] at a time, and the whole run has a deadline (20 s unless
//! configured), so a registry that never answers costs the deadline, not
//! 8 s per image one after another.
//!
//! Registry answers (tags, digests, challenge parameters, error text) are
//! escaped before they reach a message: no control character from the
//! network gets to a terminal.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::model::{ImageRef, Model};
use crate::rules::image::{image_uses, Use, UseKind};
use crate::syntax::Span;

/// The manifest media types asked for, most specific last: an OCI index or
/// a Docker manifest list for multi-platform images, a single manifest
/// otherwise. The digest of whichever the registry stores is the one a pull
/// by tag resolves to.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Per-request time limit.
pub const TIMEOUT: Duration = Duration::from_secs(8);
/// Connection set-up limit.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
/// The whole run's time limit, unless configured (`--pin-timeout`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);
/// Images resolved at once (requests in flight, across all files).
pub const PARALLEL: usize = 8;

/// An HTTP method the pinning uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Head,
    Get,
}

/// An HTTP answer: status, headers (names lower-cased) and body.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How requests are sent. `Err` is a transport failure (no HTTP answer),
/// worded for a person: "connection refused", "timed out after 8s", ….
/// `timeout` bounds the whole request (what is left of the run's deadline,
/// at most [`TIMEOUT`]).
pub trait Transport: Sync {
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Response, String>;
}

/// The real transport: `ureq`, https with rustls, plain http for registries
/// on the loopback interface.
pub struct HttpTransport {
    agent: ureq::Agent,
    /// No proxy: loopback registries are reached directly.
    local: ureq::Agent,
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpTransport {
    pub fn new() -> HttpTransport {
        let build = |proxy: bool| -> ureq::Agent {
            let mut b = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(TIMEOUT))
                .timeout_connect(Some(CONNECT_TIMEOUT))
                .max_redirects(5)
                .user_agent(concat!("dlint/", env!("CARGO_PKG_VERSION")));
            if !proxy {
                b = b.proxy(None);
            }
            b.build().into()
        };
        HttpTransport {
            agent: build(true),
            local: build(false),
        }
    }
}

impl Transport for HttpTransport {
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Response, String> {
        let agent = match url_host(url) {
            Some(h) if is_loopback(h) => &self.local,
            _ => &self.agent,
        };
        let timeout = timeout.min(TIMEOUT);
        let connect = timeout.min(CONNECT_TIMEOUT);
        let result = match method {
            Method::Head => {
                let mut r = agent.head(url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.config()
                    .timeout_global(Some(timeout))
                    .timeout_connect(Some(connect))
                    .build()
                    .call()
            }
            Method::Get => {
                let mut r = agent.get(url);
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r.config()
                    .timeout_global(Some(timeout))
                    .timeout_connect(Some(connect))
                    .build()
                    .call()
            }
        };
        let mut resp = result.map_err(|e| describe_error(e, timeout))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = if method == Method::Get {
            resp.body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_string()
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

fn describe_error(e: ureq::Error, timeout: Duration) -> String {
    let timed_out = || format!("timed out after {}", secs(timeout));
    match e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => timed_out(),
            _ => io.to_string(),
        },
        ureq::Error::Timeout(_) => timed_out(),
        ureq::Error::HostNotFound => "host not found (DNS)".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// `8s`, `2.5s`.
pub(crate) fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `host[:port]` of an `http(s)://host[:port]/…` URL.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?']).next().unwrap_or(rest))
}

/// Whether `host[:port]` is on the loopback interface (`localhost`,
/// `127.x.x.x`, `[::1]`): such registries speak plain http, as Docker
/// assumes too.
pub fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Where to ask for an image: (scheme, registry host, repository).
pub fn endpoint(r: &ImageRef) -> (&'static str, String, String) {
    if r.is_docker_hub() {
        return ("https", "registry-1.docker.io".into(), r.full_path());
    }
    let host = r.registry.clone().unwrap_or_default();
    let scheme = if is_loopback(&host) { "http" } else { "https" };
    (scheme, host, r.path.clone())
}

/// One image reference to pin.
#[derive(Debug, Clone)]
pub struct Target {
    /// The image word in the source (exactly `text`).
    pub span: Span,
    /// As written: `name:tag`.
    pub text: String,
    pub image: ImageRef,
}

/// The references that can be pinned: external images with a tag and no
/// digest, written as a plain `name:tag` (no `$`, no quotes), in FROM,
/// `COPY --from=` and `RUN --mount=from=`.
pub fn targets(m: &Model) -> Vec<Target> {
    let mut out = Vec::new();
    for u in image_uses(crate::rules::Unit::file(m)) {
        if u.dynamic {
            continue;
        }
        let UseKind::Known(r) = &u.kind else { continue };
        if r.tag.is_none() || r.digest.is_some() {
            continue;
        }
        if !plain(&u.text) {
            continue;
        }
        let span = match u.how {
            Use::From | Use::CopyFrom => u.span,
            Use::MountFrom => match find_in_mount(m, u.span, &u.text) {
                Some(s) => s,
                None => continue,
            },
        };
        if m.text(span) != u.text {
            continue;
        }
        // The written text must name the same image (no ARG expansion
        // involved).
        if ImageRef::parse(&u.text).as_ref() != Some(r) {
            continue;
        }
        out.push(Target {
            span,
            text: u.text.clone(),
            image: r.clone(),
        });
    }
    out.sort_by_key(|t| t.span.start);
    out.dedup_by_key(|t| t.span.start);
    out
}

fn plain(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '[' | ']')
        })
}

/// The `from=<text>` value inside a `--mount=…` flag, when it is there once.
fn find_in_mount(m: &Model, mount: Span, text: &str) -> Option<Span> {
    let src = m.text(mount);
    let needle = format!("from={text}");
    let mut hits = src.match_indices(&needle);
    let (i, _) = hits.next()?;
    if hits.next().is_some() {
        return None;
    }
    // The value must end there (`,`, a quote or the end of the flag).
    let end = i + needle.len();
    if src
        .get(end..)
        .and_then(|s| s.chars().next())
        .is_some_and(|c| !matches!(c, ',' | '"' | '\''))
    {
        return None;
    }
    let start = mount.start + i + "from=".len();
    Some(Span::new(start, start + text.len()))
}

/// Rewrites `image:tag` references in `src` as `image:tag@sha256:…`.
/// Returns the new text, or one message per image that could not be pinned
/// (the file is then left untouched). One file, its own deadline: a run
/// over many files shares a [`Pinner`].
pub fn pin_source(src: &str) -> Result<String, Vec<String>> {
    Pinner::new(DEFAULT_DEADLINE).pin(src)
}

/// [`pin_source`] with a given transport.
pub fn pin_with(src: &str, t: &dyn Transport) -> Result<String, Vec<String>> {
    Pinner::with_transport(t, DEFAULT_DEADLINE).pin(src)
}

/// One `--pin-digests` run: a deadline for the whole run (counted from the
/// first request), each image asked once across all files, at most
/// [`PARALLEL`] requests in flight.
pub struct Pinner<'t> {
    transport: TransportRef<'t>,
    deadline: Duration,
    started: OnceLock<Instant>,
    /// Image text → its answer, computed once (a second asker waits).
    answers: Mutex<HashMap<String, Answer>>,
    slots: Semaphore,
}

/// A digest, or why there is none; filled once.
type Answer = Arc<OnceLock<Result<String, String>>>;

enum TransportRef<'t> {
    Owned(HttpTransport),
    Borrowed(&'t dyn Transport),
}

impl Pinner<'static> {
    /// The real registries, with this deadline for the whole run.
    pub fn new(deadline: Duration) -> Pinner<'static> {
        Pinner::build(TransportRef::Owned(HttpTransport::new()), deadline)
    }
}

impl<'t> Pinner<'t> {
    pub fn with_transport(t: &'t dyn Transport, deadline: Duration) -> Pinner<'t> {
        Pinner::build(TransportRef::Borrowed(t), deadline)
    }

    fn build(transport: TransportRef<'t>, deadline: Duration) -> Pinner<'t> {
        Pinner {
            transport,
            deadline,
            started: OnceLock::new(),
            answers: Mutex::new(HashMap::new()),
            slots: Semaphore::new(PARALLEL),
        }
    }

    fn transport(&self) -> &dyn Transport {
        match &self.transport {
            TransportRef::Owned(h) => h,
            TransportRef::Borrowed(t) => *t,
        }
    }

    /// When the run must be over.
    fn end(&self) -> Instant {
        *self.started.get_or_init(Instant::now) + self.deadline
    }

    fn late(&self) -> String {
        format!(
            "no answer within the --pin-digests deadline of {} (set it with --pin-timeout)",
            secs(self.deadline)
        )
    }

    /// [`pin_source`] within this run.
    pub fn pin(&self, src: &str) -> Result<String, Vec<String>> {
        let m = Model::build(src);
        let targets = targets(&m);
        if targets.is_empty() {
            return Ok(src.to_string());
        }
        let mut unique: Vec<&Target> = Vec::new();
        for tg in &targets {
            if !unique.iter().any(|u| u.text == tg.text) {
                unique.push(tg);
            }
        }
        let digests = self.resolve_all(&unique);
        self.finish(src, &targets, digests)
    }

    /// Resolves every image, [`PARALLEL`] at a time.
    fn resolve_all(&self, unique: &[&Target]) -> BTreeMap<String, Result<String, String>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Mutex<BTreeMap<String, Result<String, String>>> = Mutex::new(BTreeMap::new());
        let workers = unique.len().clamp(1, PARALLEL);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(tg) = unique.get(i) else { break };
                    let r = self.answer(&tg.text, &tg.image);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(tg.text.clone(), r);
                });
            }
        });
        results.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// The run's answer for one image, asked once.
    fn answer(&self, text: &str, image: &ImageRef) -> Result<String, String> {
        let cell = self
            .answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(text.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| {
            let end = self.end();
            let _slot = self.slots.acquire_until(end);
            if Instant::now() >= end {
                return Err(self.late());
            }
            let t = Deadlined {
                inner: self.transport(),
                end,
                late: self.late(),
            };
            resolve_digest(&t, image)
        })
        .clone()
    }

    fn finish(
        &self,
        src: &str,
        targets: &[Target],
        digests: BTreeMap<String, Result<String, String>>,
    ) -> Result<String, Vec<String>> {
        let errors: Vec<String> = digests
            .iter()
            .filter_map(|(text, r)| {
                r.as_ref().err().map(|e| {
                    // Registry text may be in `e`: no control characters.
                    format!("cannot pin `{text}`: {}", crate::text::escape(e))
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut out = src.to_string();
        for tg in targets.iter().rev() {
            let Some(Ok(d)) = digests.get(&tg.text) else {
                continue;
            };
            out.replace_range(tg.span.start..tg.span.end, &format!("{}@{d}", tg.text));
        }
        Ok(out)
    }
}

/// A transport whose requests end by the run's deadline.
pub(crate) struct Deadlined<'a> {
    pub(crate) inner: &'a dyn Transport,
    pub(crate) end: Instant,
    /// The error of a request the deadline cut.
    pub(crate) late: String,
}

impl Transport for Deadlined<'_> {
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Response, String> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.late.clone());
        }
        let r = self.inner.send(method, url, headers, timeout.min(left));
        match r {
            // The request used up the run's time.
            Err(_) if Instant::now() >= self.end => Err(self.late.clone()),
            r => r,
        }
    }
}

/// A counting semaphore: at most n holders.
struct Semaphore {
    free: Mutex<usize>,
    cv: Condvar,
}

struct Permit<'a>(Option<&'a Semaphore>);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.0 {
            *s.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            s.cv.notify_one();
        }
    }
}

impl Semaphore {
    fn new(n: usize) -> Semaphore {
        Semaphore {
            free: Mutex::new(n),
            cv: Condvar::new(),
        }
    }

    /// A permit, or none once `end` has passed.
    fn acquire_until(&self, end: Instant) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *free > 0 {
                *free -= 1;
                return Permit(Some(self));
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Permit(None);
            }
            free = self
                .cv
                .wait_timeout(free, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Asks the registry for the digest of `r`'s tag.
pub fn resolve_digest(t: &dyn Transport, r: &ImageRef) -> Result<String, String> {
    let tag = r.tag.as_deref().ok_or("no tag to resolve")?;
    let (scheme, host, repo) = endpoint(r);
    let url_base = format!("{scheme}://{host}/v2/{repo}");
    let url = format!("{url_base}/manifests/{tag}");
    let send = |auth: Option<&str>, method: Method| -> Result<Response, String> {
        let bearer;
        let mut headers: Vec<(&str, &str)> = vec![("Accept", ACCEPT)];
        if let Some(tok) = auth {
            bearer = format!("Bearer {tok}");
            headers.push(("Authorization", bearer.as_str()));
        }
        t.send(method, &url, &headers, TIMEOUT)
            .map_err(|e| format!("registry {host} unreachable ({url}): {e}"))
    };
    let mut token: Option<String> = None;
    let mut resp = send(None, Method::Head)?;
    if resp.status == 401 {
        let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
        let tok = anonymous_token(t, &challenge, &repo, &host)?;
        resp = send(Some(&tok), Method::Head)?;
        token = Some(tok);
    }
    match resp.status {
        200 => {
            let Some(d) = resp.header("docker-content-digest") else {
                return Err(format!(
                    "registry {host} answered without a Docker-Content-Digest header for {repo}:{tag}"
                ));
            };
            let d = d.trim();
            if valid_digest(d) {
                Ok(d.to_string())
            } else {
                Err(format!(
                    "registry {host} answered a malformed digest `{}` for {repo}:{tag}",
                    crate::text::quote(d, 100)
                ))
            }
        }
        404 => Err(not_found(t, &url_base, &repo, tag, &host, token.as_deref())),
        401 | 403 => Err(format!(
            "access to `{repo}` on {host} denied (HTTP {}): the image does not exist or is \
             private, and dlint only uses anonymous access",
            resp.status
        )),
        429 => Err(format!(
            "registry {host} is rate-limiting requests (HTTP 429); try again later"
        )),
        s => Err(format!(
            "registry {host} answered HTTP {s} for {repo}:{tag}"
        )),
    }
}

/// Why a tag is not found: the repository is unknown, or it has other tags
/// (`GET /v2/<repo>/tags/list`, the first few named).
fn not_found(
    t: &dyn Transport,
    url_base: &str,
    repo: &str,
    tag: &str,
    host: &str,
    token: Option<&str>,
) -> String {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = vec![("Accept", "application/json")];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    let fallback = format!("tag `{tag}` of `{repo}` not found on {host} (HTTP 404)");
    let Ok(r) = t.send(
        Method::Get,
        &format!("{url_base}/tags/list?n=20"),
        &headers,
        TIMEOUT,
    ) else {
        return fallback;
    };
    match r.status {
        404 if error_code(&r.body).as_deref() == Some("NAME_UNKNOWN") => {
            format!("repository `{repo}` not found on {host} (HTTP 404, NAME_UNKNOWN)")
        }
        200 => {
            let tags: Vec<String> = serde_json::from_str::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| {
                    v.get("tags")?.as_array().map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(str::to_string))
                            .collect()
                    })
                })
                .unwrap_or_default();
            if tags.is_empty() {
                format!("{fallback}; the repository has no tags")
            } else {
                let more = if tags.len() >= 20 { ", …" } else { "" };
                // Tags are the registry's text: shortened and escaped.
                let tags: Vec<String> = tags
                    .iter()
                    .take(20)
                    .map(|t| crate::text::quote(t, 128))
                    .collect();
                format!("{fallback}; its tags: {}{more}", tags.join(", "))
            }
        }
        _ => fallback,
    }
}

/// `sha256:<64 hex>` or `sha512:<128 hex>`, lower-case.
pub fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The first error code of a registry error body
/// (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`).
fn error_code(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("errors")?
        .get(0)?
        .get("code")?
        .as_str()
        .map(str::to_string)
}

/// Parses `Bearer realm="…",service="…",scope="…"`: the scheme and its
/// parameters.
pub fn parse_challenge(h: &str) -> Option<(String, BTreeMap<String, String>)> {
    let h = h.trim();
    let (scheme, rest) = match h.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (h, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = BTreeMap::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i] == ',' || chars[i].is_whitespace()) {
            i += 1;
        }
        let ks = i;
        while i < chars.len() && chars[i] != '=' && chars[i] != ',' {
            i += 1;
        }
        let key: String = chars[ks..i].iter().collect::<String>().trim().to_string();
        if i >= chars.len() || chars[i] != '=' {
            continue;
        }
        i += 1;
        let mut value = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < chars.len() && chars[i] != ',' {
                value.push(chars[i]);
                i += 1;
            }
            value = value.trim().to_string();
        }
        if !key.is_empty() {
            params.insert(key.to_ascii_lowercase(), value);
        }
    }
    Some((scheme.to_string(), params))
}

/// The anonymous bearer-token flow: GET `realm?service=…&scope=…`, read
/// `token` (or `access_token`).
pub(crate) fn anonymous_token(
    t: &dyn Transport,
    challenge: &str,
    repo: &str,
    host: &str,
) -> Result<String, String> {
    let Some((scheme, params)) = parse_challenge(challenge) else {
        return Err(format!(
            "registry {host} asked for authentication (HTTP 401) without a WWW-Authenticate challenge"
        ));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(format!(
            "registry {host} requires credentials ({} authentication); dlint only uses \
             anonymous access",
            crate::text::quote(&scheme, 40)
        ));
    }
    let Some(realm) = params.get("realm").filter(|r| !r.is_empty()) else {
        return Err(format!(
            "registry {host} sent a bearer challenge without a realm"
        ));
    };
    if !(realm.starts_with("https://") || realm.starts_with("http://")) {
        return Err(format!(
            "registry {host} sent a token realm that is not an http(s) URL: `{}`",
            crate::text::quote(realm, 200)
        ));
    }
    // From here on the realm is quoted in messages: escaped, shortened.
    let shown_realm = crate::text::quote(realm, 200);
    let scope = params
        .get("scope")
        .cloned()
        .unwrap_or_else(|| format!("repository:{repo}:pull"));
    let mut query = Vec::new();
    if let Some(s) = params.get("service") {
        query.push(format!("service={}", encode(s)));
    }
    query.push(format!("scope={}", encode(&scope)));
    let sep = if realm.contains('?') { '&' } else { '?' };
    let url = format!("{realm}{sep}{}", query.join("&"));
    let resp = t
        .send(
            Method::Get,
            &url,
            &[("Accept", "application/json")],
            TIMEOUT,
        )
        .map_err(|e| format!("token service {shown_realm} unreachable: {e}"))?;
    if resp.status != 200 {
        return Err(format!(
            "token service {shown_realm} answered HTTP {} for scope `{}`",
            resp.status,
            crate::text::quote(&scope, 200)
        ));
    }
    let v: serde_json::Value = serde_json::from_str(&resp.body)
        .map_err(|_| format!("token service {shown_realm} answered something that is not JSON"))?;
    v.get("token")
        .or_else(|| v.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("token service {shown_realm} answered without a token"))
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    /// (method, url, Authorization header) → answer.
    type Route = (Method, String, Option<String>, Result<Response, String>);

    /// A fake registry: answers by (method, url, authorized).
    #[derive(Default)]
    struct Fake {
        routes: Vec<Route>,
        log: Mutex<Vec<(Method, String, Option<String>)>>,
    }

    impl Fake {
        fn on(
            mut self,
            m: Method,
            url: &str,
            auth: Option<&str>,
            r: Result<Response, String>,
        ) -> Self {
            self.routes
                .push((m, url.to_string(), auth.map(str::to_string), r));
            self
        }
    }

    fn ok(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, String> {
        Ok(Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.to_string(),
        })
    }

    impl Transport for Fake {
        fn send(
            &self,
            method: Method,
            url: &str,
            headers: &[(&str, &str)],
            _timeout: Duration,
        ) -> Result<Response, String> {
            let auth = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.to_string());
            if url.contains("/manifests/") {
                assert!(headers
                    .iter()
                    .any(|(k, v)| *k == "Accept" && v.contains("manifest.list.v2+json")));
            }
            self.log
                .lock()
                .unwrap()
                .push((method, url.to_string(), auth.clone()));
            for (m, u, a, r) in &self.routes {
                if *m == method && u == url && *a == auth {
                    return r.clone();
                }
            }
            ok(404, &[], "")
        }
    }

    #[test]
    fn local_registry_plain_http() {
        let f = Fake::default().on(
            Method::Head,
            "http://localhost:5000/v2/team/app/manifests/1.0",
            None,
            ok(200, &[("Docker-Content-Digest", D1)], ""),
        );
        let out = pin_with("FROM localhost:5000/team/app:1.0 AS b\nRUN x\n", &f).unwrap();
        assert_eq!(
            out,
            format!("FROM localhost:5000/team/app:1.0@{D1} AS b\nRUN x\n")
        );
    }

    #[test]
    fn crlf_bom_and_backtick_files_keep_their_bytes() {
        let f = Fake::default().on(
            Method::Head,
            "http://localhost:5000/v2/a/manifests/1",
            None,
            ok(200, &[("Docker-Content-Digest", D1)], ""),
        );
        let src = "\u{feff}# escape=`\r\nFROM localhost:5000/a:1\r\nRUN echo a `\r\n  b\r\n";
        let out = pin_with(src, &f).unwrap();
        assert_eq!(
            out,
            format!(
                "\u{feff}# escape=`\r\nFROM localhost:5000/a:1@{D1}\r\nRUN echo a `\r\n  b\r\n"
            )
        );
    }

    #[test]
    fn docker_hub_bearer_flow() {
        let challenge = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        let f = Fake::default()
            .on(
                Method::Head,
                "https://registry-1.docker.io/v2/library/nginx/manifests/1.27",
                None,
                ok(401, &[("WWW-Authenticate", challenge)], ""),
            )
            .on(
                Method::Get,
                "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull",
                None,
                ok(200, &[], r#"{"token":"tok","expires_in":300}"#),
            )
            .on(
                Method::Head,
                "https://registry-1.docker.io/v2/library/nginx/manifests/1.27",
                Some("Bearer tok"),
                ok(200, &[("docker-content-digest", D2)], ""),
            );
        let src = "FROM nginx:1.27\nFROM nginx:1.27 AS again\nCOPY --from=nginx:1.27 /a /b\n";
        let out = pin_with(src, &f).unwrap();
        assert_eq!(
            out,
            format!(
                "FROM nginx:1.27@{D2}\nFROM nginx:1.27@{D2} AS again\nCOPY --from=nginx:1.27@{D2} /a /b\n"
            )
        );
        // One resolution for the three references: HEAD, token, HEAD.
        assert_eq!(f.log.lock().unwrap().len(), 3);
        // Pinned again: nothing to ask.
        let again = pin_with(&out, &Fake::default()).unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn skips_what_cannot_be_pinned() {
        let src = "ARG V=1\nFROM alpine:$V AS a\nFROM a\nFROM scratch\nFROM ubuntu\nFROM busybox:1@sha256:abc\nFROM \"quoted:1\"\n";
        let f = Fake::default();
        assert_eq!(pin_with(src, &f).unwrap(), src);
        assert!(
            f.log.lock().unwrap().is_empty(),
            "{:?}",
            f.log.lock().unwrap()
        );
    }

    #[test]
    fn mount_from_image() {
        let f = Fake::default().on(
            Method::Head,
            "http://127.0.0.1:5000/v2/x/manifests/2",
            None,
            ok(200, &[("Docker-Content-Digest", D1)], ""),
        );
        let out = pin_with(
            "FROM scratch\nRUN --mount=type=bind,from=127.0.0.1:5000/x:2,target=/x true\n",
            &f,
        )
        .unwrap();
        assert!(
            out.contains(&format!("from=127.0.0.1:5000/x:2@{D1},target")),
            "{out}"
        );
    }

    #[test]
    fn failures_name_each_image() {
        let f = Fake::default()
            .on(
                Method::Head,
                "https://ghcr.io/v2/org/missing/manifests/9",
                None,
                ok(404, &[], ""),
            )
            .on(
                Method::Get,
                "https://ghcr.io/v2/org/missing/tags/list?n=20",
                None,
                ok(200, &[], r#"{"name":"org/missing","tags":["1","2"]}"#),
            )
            .on(
                Method::Head,
                "https://ghcr.io/v2/org/gone/manifests/1",
                None,
                ok(404, &[], ""),
            )
            .on(
                Method::Get,
                "https://ghcr.io/v2/org/gone/tags/list?n=20",
                None,
                ok(404, &[], r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#),
            )
            .on(
                Method::Head,
                "https://quay.io/v2/org/nodigest/manifests/1",
                None,
                ok(200, &[], ""),
            )
            .on(
                Method::Head,
                "https://quay.io/v2/org/bad/manifests/1",
                None,
                ok(200, &[("Docker-Content-Digest", "sha256:xyz")], ""),
            )
            .on(
                Method::Head,
                "http://localhost:1/v2/down/manifests/1",
                None,
                Err("connection refused".into()),
            );
        let src = "FROM ghcr.io/org/missing:9\nFROM ghcr.io/org/gone:1\nFROM quay.io/org/nodigest:1\nFROM quay.io/org/bad:1\nFROM localhost:1/down:1\n";
        let errs = pin_with(src, &f).unwrap_err();
        assert_eq!(errs.len(), 5, "{errs:?}");
        let all = errs.join("\n");
        assert!(all.contains("cannot pin `ghcr.io/org/missing:9`: tag `9` of `org/missing` not found on ghcr.io (HTTP 404); its tags: 1, 2"), "{all}");
        assert!(all.contains("cannot pin `ghcr.io/org/gone:1`: repository `org/gone` not found on ghcr.io (HTTP 404, NAME_UNKNOWN)"), "{all}");
        assert!(all.contains("cannot pin `quay.io/org/nodigest:1`: registry quay.io answered without a Docker-Content-Digest header"), "{all}");
        assert!(all.contains("cannot pin `quay.io/org/bad:1`: registry quay.io answered a malformed digest `sha256:xyz`"), "{all}");
        assert!(all.contains("cannot pin `localhost:1/down:1`: registry localhost:1 unreachable (http://localhost:1/v2/down/manifests/1): connection refused"), "{all}");
    }

    #[test]
    fn bad_token_answers() {
        let challenge = r#"Bearer realm="https://auth.example/token",service="reg""#;
        let head = "https://reg.example/v2/a/manifests/1";
        let base = || {
            Fake::default().on(
                Method::Head,
                head,
                None,
                ok(401, &[("WWW-Authenticate", challenge)], ""),
            )
        };
        let token_url = "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull";
        let e = resolve_digest(
            &base().on(Method::Get, token_url, None, ok(200, &[], "not json")),
            &ImageRef::parse("reg.example/a:1").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        let e = resolve_digest(
            &base().on(Method::Get, token_url, None, ok(200, &[], "{}")),
            &ImageRef::parse("reg.example/a:1").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("without a token"), "{e}");
        let e = resolve_digest(
            &base().on(Method::Get, token_url, None, ok(500, &[], "")),
            &ImageRef::parse("reg.example/a:1").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("answered HTTP 500"), "{e}");
        // A token that does not open the repository (Docker Hub's answer for
        // an unknown or private image).
        let e = resolve_digest(
            &base()
                .on(
                    Method::Get,
                    token_url,
                    None,
                    ok(200, &[], r#"{"access_token":"t"}"#),
                )
                .on(Method::Head, head, Some("Bearer t"), ok(401, &[], "")),
            &ImageRef::parse("reg.example/a:1").unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("denied (HTTP 401)"), "{e}");
        // Basic auth: not anonymous.
        let f = Fake::default().on(
            Method::Head,
            head,
            None,
            ok(401, &[("WWW-Authenticate", r#"Basic realm="x""#)], ""),
        );
        let e = resolve_digest(&f, &ImageRef::parse("reg.example/a:1").unwrap()).unwrap_err();
        assert!(e.contains("requires credentials (Basic"), "{e}");
    }

    #[test]
    fn challenge_parsing() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://a/token",service="r s",scope="repository:x/y:pull,push""#,
        )
        .unwrap();
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://a/token");
        assert_eq!(p["service"], "r s");
        assert_eq!(p["scope"], "repository:x/y:pull,push");
    }

    #[test]
    fn loopback_and_endpoints() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("127.0.0.2:80"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example.com:5000"));
        let e = endpoint(&ImageRef::parse("docker.io/library/node:20").unwrap());
        assert_eq!(
            e,
            (
                "https",
                "registry-1.docker.io".into(),
                "library/node".into()
            )
        );
        let e = endpoint(&ImageRef::parse("bitnami/redis:7").unwrap());
        assert_eq!(e.2, "bitnami/redis");
        assert!(valid_digest(D1));
        assert!(!valid_digest("sha256:ABC"));
    }

    /// A registry that never answers: each request waits for its whole
    /// timeout, then fails as ureq would.
    struct Silent {
        in_flight: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
    }

    impl Transport for Silent {
        fn send(
            &self,
            _: Method,
            _: &str,
            _: &[(&str, &str)],
            timeout: Duration,
        ) -> Result<Response, String> {
            use std::sync::atomic::Ordering::SeqCst;
            let n = self.in_flight.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(n, SeqCst);
            std::thread::sleep(timeout);
            self.in_flight.fetch_sub(1, SeqCst);
            Err(format!("timed out after {}", secs(timeout)))
        }
    }

    fn many_images(host: &str, n: usize) -> String {
        let mut src = String::new();
        for i in 0..n {
            src.push_str(&format!("FROM {host}/img{i}:1 AS s{i}\n"));
        }
        src
    }

    #[test]
    fn a_silent_registry_costs_the_deadline_once_in_parallel() {
        // issue 9 §2: 8 s per image, one after another.
        let t = Silent {
            in_flight: Default::default(),
            most: Default::default(),
        };
        let pinner = Pinner::with_transport(&t, Duration::from_millis(700));
        let start = Instant::now();
        let src = many_images("localhost:5000", 20);
        let errs = pinner.pin(&src).unwrap_err();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(3), "{took:?}");
        assert_eq!(errs.len(), 20, "{errs:?}");
        assert!(
            errs.iter().all(|e| e.contains("deadline of 0.7s")),
            "{errs:?}"
        );
        let most = t.most.load(std::sync::atomic::Ordering::SeqCst);
        assert!((2..=PARALLEL).contains(&most), "{most} in flight");
        // A second file of the same run: the deadline has passed, nothing
        // more is asked.
        let before = Instant::now();
        assert!(pinner.pin("FROM localhost:5000/other:2\n").is_err());
        assert!(before.elapsed() < Duration::from_millis(200));
    }

    #[test]
    fn answers_are_shared_across_files_of_a_run() {
        let f = Fake::default().on(
            Method::Head,
            "http://localhost:5000/v2/a/manifests/1",
            None,
            ok(200, &[("Docker-Content-Digest", D1)], ""),
        );
        let p = Pinner::with_transport(&f, DEFAULT_DEADLINE);
        p.pin("FROM localhost:5000/a:1\n").unwrap();
        p.pin("FROM localhost:5000/a:1 AS x\n").unwrap();
        assert_eq!(f.log.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_real_listener_that_never_answers() {
        // Accepts every connection and keeps it open, silent.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let held = Arc::new(Mutex::new(Vec::new()));
        let h = held.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                h.lock().unwrap().push(s);
            }
        });
        let pinner = Pinner::new(Duration::from_secs(2));
        let start = Instant::now();
        let errs = pinner
            .pin(&many_images(&format!("127.0.0.1:{port}"), 12))
            .unwrap_err();
        let took = start.elapsed();
        // 12 images: 96 s one after another; one deadline here.
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(errs.len(), 12);
        assert!(
            errs.iter().all(|e| e.contains("deadline of 2s")),
            "{errs:?}"
        );
        assert!(!held.lock().unwrap().is_empty(), "nothing connected");
    }

    #[test]
    fn registry_text_is_escaped_in_messages() {
        let f = Fake::default()
            .on(
                Method::Head,
                "https://ghcr.io/v2/org/a/manifests/9",
                None,
                ok(404, &[], ""),
            )
            .on(
                Method::Get,
                "https://ghcr.io/v2/org/a/tags/list?n=20",
                None,
                ok(
                    200,
                    &[],
                    r#"{"tags":["1\u001b]0;owned\u0007","2\r\nFAKE LOG LINE"]}"#,
                ),
            )
            .on(
                Method::Head,
                "https://quay.io/v2/org/b/manifests/1",
                None,
                ok(200, &[("Docker-Content-Digest", "sha256:\u{1b}[2J")], ""),
            )
            .on(
                Method::Head,
                "https://quay.io/v2/org/c/manifests/1",
                None,
                ok(
                    401,
                    &[("WWW-Authenticate", "Bearer realm=\"ftp://x\u{1b}[31m\"")],
                    "",
                ),
            );
        let errs = pin_with(
            "FROM ghcr.io/org/a:9\nFROM quay.io/org/b:1\nFROM quay.io/org/c:1\n",
            &f,
        )
        .unwrap_err();
        let all = errs.join("\n");
        assert!(
            !errs.iter().any(|e| e.chars().any(crate::text::is_unsafe)),
            "{all}"
        );
        assert!(
            all.contains("its tags: 1\\u{1b}]0;owned\\u{7}, 2\\r\\nFAKE LOG LINE"),
            "{all}"
        );
        assert!(
            all.contains("malformed digest `sha256:\\u{1b}[2J`"),
            "{all}"
        );
        assert!(all.contains("`ftp://x\\u{1b}[31m`"), "{all}");
    }
}
