//! `--pin-digests` against a real registry: Debian's `docker-registry` (the
//! CNCF Distribution registry), started here on 127.0.0.1 with an image
//! pushed over the HTTP API (config blob, layer blob, schema2 manifest).
//!
//! `tests/setup.sh` installs the registry; the tests never do. When it is
//! missing they fail and name that script (tests/common/mod.rs).

mod common;

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{dlint, text};

const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// The `docker-registry` binary, or None when the test should return: a
/// missing registry fails the test (see tests/common/mod.rs for the skip).
fn need_registry(test: &str) -> Option<PathBuf> {
    let bin = common::which("docker-registry");
    if bin.is_none() {
        common::missing(test, "docker-registry (Debian) is not installed");
    }
    bin
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A running registry; killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .proxy(None)
        .build()
        .into()
}

impl Registry {
    fn start(bin: &Path) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let data = dir.path().join("data");
        fs::create_dir_all(&data).unwrap();
        let config = dir.path().join("config.yml");
        fs::write(
            &config,
            format!(
                "version: 0.1\n\
                 log:\n  level: warn\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: 127.0.0.1:{port}\n",
                data.display()
            ),
        )
        .unwrap();
        let log = fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut r = Registry { child, port, dir };
        r.wait_ready();
        r
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let a = agent();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("docker-registry exited ({st}):\n{}", self.log());
            }
            if let Ok(r) = a.get(&format!("{}/v2/", self.base())).call() {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer /v2/ in 20s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Uploads a blob (POST to start, PUT with the digest to finish).
    fn upload_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let a = agent();
        let digest = sha256_digest(bytes);
        let r = a
            .post(&format!("{}/v2/{repo}/blobs/uploads/", self.base()))
            .send_empty()
            .unwrap();
        assert_eq!(r.status(), 202, "start upload");
        let loc = r
            .headers()
            .get("location")
            .expect("upload Location")
            .to_str()
            .unwrap()
            .to_string();
        let loc = if loc.starts_with('/') {
            format!("{}{loc}", self.base())
        } else {
            loc
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = a
            .put(&format!("{loc}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .unwrap();
        assert_eq!(r.status(), 201, "finish upload of {digest}");
        digest
    }

    /// Pushes a one-layer image as `repo:tag`; returns the manifest digest
    /// the registry answered.
    fn push_image(&self, repo: &str, tag: &str) -> (String, String) {
        let layer_tar = tar_with_file("hello.txt", b"hello from the pin test\n");
        let layer_gz = gzip(&layer_tar);
        let diff_id = sha256_digest(&layer_tar);
        let config = format!(
            "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Cmd\":[\"/hello.txt\"]}},\
             \"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{diff_id}\"]}}}}"
        );
        let config_digest = self.upload_blob(repo, config.as_bytes());
        let layer_digest = self.upload_blob(repo, &layer_gz);
        let manifest = format!(
            "{{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"{MANIFEST_V2}\",\n   \"config\": {{\n      \
             \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \
             \"size\": {},\n      \"digest\": \"{config_digest}\"\n   }},\n   \"layers\": [\n      {{\n         \
             \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n         \
             \"size\": {},\n         \"digest\": \"{layer_digest}\"\n      }}\n   ]\n}}",
            config.len(),
            layer_gz.len()
        );
        let r = agent()
            .put(&format!("{}/v2/{repo}/manifests/{tag}", self.base()))
            .header("Content-Type", MANIFEST_V2)
            .send(manifest.as_bytes())
            .unwrap();
        let status = r.status();
        let answered = r
            .headers()
            .get("docker-content-digest")
            .map(|v| v.to_str().unwrap().to_string());
        let mut body = String::new();
        let _ = r.into_body().into_reader().read_to_string(&mut body);
        assert_eq!(status, 201, "PUT manifest: {body}");
        let answered = answered.expect("Docker-Content-Digest on PUT");
        // The digest is the sha256 of the manifest bytes.
        assert_eq!(answered, sha256_digest(manifest.as_bytes()));
        (answered, manifest)
    }

    /// The digest the registry gives for `repo:tag` (HEAD, as a pull would).
    fn head_digest(&self, repo: &str, tag: &str) -> String {
        let r = agent()
            .head(&format!("{}/v2/{repo}/manifests/{tag}", self.base()))
            .header("Accept", MANIFEST_V2)
            .call()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.headers()
            .get("docker-content-digest")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }
}

fn sha256_digest(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let hex = String::from_utf8(out.stdout).unwrap();
    let hex = hex.split_whitespace().next().unwrap().to_string();
    assert_eq!(hex.len(), 64);
    format!("sha256:{hex}")
}

/// A tar archive holding one file (made with `tar`).
fn tar_with_file(name: &str, content: &[u8]) -> Vec<u8> {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("root")).unwrap();
    fs::write(d.path().join("root").join(name), content).unwrap();
    let tar = d.path().join("layer.tar");
    let st = Command::new("tar")
        .arg("--sort=name")
        .arg("--mtime=@0")
        .arg("--owner=0")
        .arg("--group=0")
        .arg("--numeric-owner")
        .arg("-C")
        .arg(d.path().join("root"))
        .arg("-cf")
        .arg(&tar)
        .arg(name)
        .status()
        .expect("tar");
    assert!(st.success());
    fs::read(tar).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("layer.tar");
    fs::write(&p, bytes).unwrap();
    let out = Command::new("gzip")
        .arg("-n")
        .arg("-c")
        .arg(&p)
        .output()
        .expect("gzip");
    assert!(out.status.success());
    out.stdout
}

/// A temp dir with a Dockerfile and a .dockerignore (so no other fix
/// creates one).
fn project(dockerfile: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    fs::write(d.path().join(".dockerignore"), ".git\n").unwrap();
    d
}

#[test]
fn pin_digests_writes_the_registry_digest() {
    let Some(bin) = need_registry("pin_digests_writes_the_registry_digest") else {
        return;
    };
    let reg = Registry::start(&bin);
    let (pushed, _) = reg.push_image("team/app", "1.0");
    let digest = reg.head_digest("team/app", "1.0");
    assert_eq!(digest, pushed);

    let image = format!("127.0.0.1:{}/team/app:1.0", reg.port);
    let src = format!(
        "FROM {image} AS base\nRUN echo hi\n\nFROM base\nCOPY --from={image} /hello.txt /hello.txt\n"
    );
    let d = project(&src);
    let out = dlint(d.path(), &["--fix", "--pin-digests", "Dockerfile"]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert_eq!(
        fixed,
        format!(
            "FROM {image}@{digest} AS base\nRUN echo hi\n\nFROM base\nCOPY --from={image}@{digest} /hello.txt /hello.txt\n"
        ),
        "stderr:\n{}",
        text(&out.stderr)
    );

    // Fixing again changes nothing (and asks nothing: the references carry
    // digests now).
    let again = dlint(d.path(), &["--fix", "--pin-digests", "Dockerfile"]);
    assert_ne!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        fixed
    );
}

#[test]
fn pin_digests_diff_writes_nothing() {
    let Some(bin) = need_registry("pin_digests_diff_writes_nothing") else {
        return;
    };
    let reg = Registry::start(&bin);
    let (digest, _) = reg.push_image("team/app", "1.0");
    let image = format!("127.0.0.1:{}/team/app:1.0", reg.port);
    let src = format!("FROM {image}\nRUN echo hi\n");
    let d = project(&src);
    let out = dlint(d.path(), &["--diff", "--pin-digests", "Dockerfile"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains(&format!("-FROM {image}\n")), "{stdout}");
    assert!(
        stdout.contains(&format!("+FROM {image}@{digest}\n")),
        "{stdout}"
    );
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src
    );
}

#[test]
fn pin_digests_unknown_tag_or_repository_leaves_the_file() {
    let Some(bin) = need_registry("pin_digests_unknown_tag_or_repository_leaves_the_file") else {
        return;
    };
    let reg = Registry::start(&bin);
    reg.push_image("team/app", "1.0");
    let host = format!("127.0.0.1:{}", reg.port);

    let src = format!("FROM {host}/team/app:2.0\nRUN echo hi\n");
    let d = project(&src);
    let out = dlint(d.path(), &["--fix", "--pin-digests", "Dockerfile"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot pin `{host}/team/app:2.0`: tag `2.0` of `team/app` not found on {host} (HTTP 404); its tags: 1.0"
        )),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src
    );

    let src = format!("FROM {host}/team/nope:1.0\n");
    let d = project(&src);
    let out = dlint(d.path(), &["--fix", "--pin-digests", "Dockerfile"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot pin `{host}/team/nope:1.0`: repository `team/nope` not found on {host}"
        )),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src
    );

    // One image known, one not: nothing is written, the bad one is named.
    let src = format!("FROM {host}/team/app:1.0\nFROM {host}/team/app:3.0\n");
    let d = project(&src);
    let out = dlint(d.path(), &["--diff", "--pin-digests", "Dockerfile"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("team/app:3.0"), "{stderr}");
    assert!(!stderr.contains("team/app:1.0`"), "{stderr}");
    assert_eq!(text(&out.stdout), "", "no diff when pinning fails");
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src
    );
}

#[test]
fn pin_digests_unreachable_registry_leaves_the_file() {
    // Needs no registry: a closed port on 127.0.0.1.
    let port = free_port();
    let image = format!("127.0.0.1:{port}/team/app:1.0");
    let src = format!("FROM {image}\nRUN echo hi\n");
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("Dockerfile"), &src).unwrap();
    let out = dlint(d.path(), &["--fix", "--pin-digests", "Dockerfile"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot pin `{image}`: registry 127.0.0.1:{port} unreachable"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src
    );
    // No other fix was written either (no .dockerignore created).
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn without_pin_digests_nothing_is_asked() {
    // A registry address that would fail: without the flag dlint never
    // connects, so --fix succeeds and leaves the reference alone.
    let port = free_port();
    let image = format!("127.0.0.1:{port}/team/app:1.0");
    let src = format!("FROM {image}\nRUN echo hi\n");
    let d = project(&src);
    let out = dlint(d.path(), &["--fix", "Dockerfile"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert!(fixed.contains(&format!("FROM {image}\n")), "{fixed}");
    assert!(!fixed.contains("@sha256:"), "{fixed}");
}

#[test]
fn check_base_platforms_reports_an_image_of_another_platform() {
    let Some(bin) = need_registry("check_base_platforms_reports_an_image_of_another_platform")
    else {
        return;
    };
    let reg = Registry::start(&bin);
    // The pushed image is linux/amd64 only.
    reg.push_image("team/tool", "1.0");
    let image = format!("127.0.0.1:{}/team/tool:1.0", reg.port);
    let src = format!(
        "FROM --platform=linux/arm64 {image} AS arm\nFROM --platform=linux/amd64 {image} AS amd\nFROM 127.0.0.1:{}/team/none:1\n",
        reg.port
    );
    let d = project(&src);
    let args = [
        "--isolated",
        "--select",
        "base-image-platform-mismatch",
        "--format",
        "json",
        "--check-base-platforms",
        "Dockerfile",
    ];
    let out = dlint(d.path(), &args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    let lines: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![1], "{v}");
    assert!(
        v[0]["message"]
            .as_str()
            .unwrap()
            .contains("only built for `linux/amd64`"),
        "{v}"
    );
    // The missing repository is named on stderr; the run goes on.
    assert!(
        text(&out.stderr).contains("team/none"),
        "{}",
        text(&out.stderr)
    );
    // Without the flag nothing is asked and nothing reported.
    let out = dlint(
        d.path(),
        &args[..5]
            .iter()
            .chain(["Dockerfile"].iter())
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(text(&out.stdout).trim(), "[]", "{}", text(&out.stderr));
}
