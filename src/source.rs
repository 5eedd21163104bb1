//! Reading input text: Dockerfiles, standard input and the build context's
//! small files. The lowest layer: nothing here knows Docker.
//!
//! Inputs may be hostile (dlint runs on untrusted pull requests), so only
//! regular files are read (a FIFO named `Dockerfile` or a link to
//! `/dev/zero` is refused instead of blocking or filling memory), every read
//! is capped, and the reasons given name what is wrong.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The largest Dockerfile (or standard input) dlint reads: 10 MiB. The
/// largest of 3,688 real Dockerfiles is 25 KB.
pub const MAX_SOURCE_BYTES: u64 = 10 * 1024 * 1024;

/// Why a file could not be read, as one line for the user.
pub type ReadError = String;

/// Reads `path` only if it is a regular file (after following links),
/// without ever blocking on a FIFO or a device, and at most `cap` bytes;
/// more is an error. The checks are `crate::files`' (shared with the build
/// context and config readers); this gives their reason as one line.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    crate::files::read_regular(path, cap).map_err(|e| e.to_string())
}

/// Reads at most `cap` bytes from a reader; more is an error.
pub fn read_capped(reader: impl Read, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_reason(&e))?;
    if buf.len() as u64 > cap {
        return Err(too_large(buf.len() as u64, cap));
    }
    Ok(buf)
}

/// Reads a Dockerfile: a regular file of at most [`MAX_SOURCE_BYTES`], as
/// UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if meta.is_dir() {
        return Err("is a directory, not a Dockerfile".into());
    }
    decode(read_regular(path, MAX_SOURCE_BYTES)?)
}

/// Reads standard input as a Dockerfile (at most [`MAX_SOURCE_BYTES`]).
pub fn read_stdin(reader: impl Read) -> Result<String, ReadError> {
    decode(read_capped(reader, MAX_SOURCE_BYTES)?)
}

/// Decodes a Dockerfile's bytes: UTF-8 (with or without a byte order mark);
/// UTF-16 and binary files are named as such.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some(kind) = utf16_kind(&bytes) {
        return Err(format!(
            "{kind} text; dlint reads UTF-8 (convert it, e.g. `iconv -f UTF-16 -t UTF-8`)"
        ));
    }
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes), not a Dockerfile".into());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// `UTF-16LE`/`UTF-16BE` when the bytes look like UTF-16 text: a byte order
/// mark, or ASCII text with every other byte zero.
fn utf16_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xfe]) {
        return Some("UTF-16LE");
    }
    if bytes.starts_with(&[0xfe, 0xff]) {
        return Some("UTF-16BE");
    }
    let head = &bytes[..bytes.len().min(512) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_at = |odd: usize| {
        head.iter()
            .skip(odd)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 9 && even == 0 {
        Some("UTF-16LE")
    } else if even * 10 >= pairs * 9 && odd == 0 {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// `p` made absolute (against the current directory), without touching the
/// file system further.
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `p` absolute, with `.` and `..` resolved lexically.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in absolute(p).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn too_large(len: u64, cap: u64) -> String {
    crate::files::ReadError::TooLarge {
        size: len,
        max: cap,
    }
    .to_string()
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_names_what_it_cannot() {
        assert_eq!(decode(b"FROM a\n".to_vec()).unwrap(), "FROM a\n");
        assert!(decode(vec![0xff, 0xfe, b'F', 0])
            .unwrap_err()
            .contains("UTF-16LE"));
        let le: Vec<u8> = "FROM alpine:3\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode(le).unwrap_err().contains("UTF-16LE"));
        let be: Vec<u8> = "FROM alpine:3\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(decode(be).unwrap_err().contains("UTF-16BE"));
        assert!(decode(vec![b'a', 0, 0, 0, 7, 9])
            .unwrap_err()
            .contains("binary"));
        assert!(decode(vec![b'a', 0xc3]).unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn reads_are_capped() {
        let r = read_capped(&b"0123456789"[..], 4);
        assert!(r.unwrap_err().contains("larger than"));
        assert_eq!(read_capped(&b"0123"[..], 4).unwrap(), b"0123");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let e = read_source(Path::new("/dev/zero")).unwrap_err();
        assert!(e.contains("character device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("Dockerfile");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        let e = read_source(&fifo).unwrap_err();
        assert!(e.contains("FIFO"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_regular(&link, 10).unwrap_err().contains("device"));
    }
}
