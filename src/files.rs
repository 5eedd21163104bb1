//! Reading files of a repository dlint did not write (ignore files, config
//! files) without trusting them: only regular files, never blocking on a
//! FIFO or a device, never more than a size cap.
//!
//! A `.dockerignore` that is a FIFO, or a link to `/dev/zero`, made a plain
//! `read_to_string` wait for ever or grow without bound (issue 9 §2).

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// The largest file read (10 MiB).
pub const MAX_FILE: u64 = 10 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// No such file (a dangling symlink included).
    NotFound,
    /// Not a regular file: what it is ("a FIFO", "a character device", …).
    NotRegular(&'static str),
    /// Larger than the cap (its size, when known).
    TooLarge {
        size: u64,
        max: u64,
    },
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => write!(f, "no such file"),
            ReadError::NotRegular(what) => write!(f, "{what}, not a regular file"),
            ReadError::TooLarge { size, max } => write!(
                f,
                "larger than {} MiB ({size} bytes), so dlint does not read it",
                max >> 20
            ),
            ReadError::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                write!(f, "permission denied")
            }
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

fn io_err(e: io::Error) -> ReadError {
    if e.kind() == io::ErrorKind::NotFound {
        ReadError::NotFound
    } else {
        ReadError::Io(e)
    }
}

/// The bytes of `path` (symlinks followed) when it is a regular file of at
/// most `max` bytes. Checked before opening, opened without blocking (a
/// FIFO swapped in meanwhile cannot make `open` wait), and checked again on
/// the open handle.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(io_err)?;
    check(&meta, max)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = opts.open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    check(&meta, max)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the check: read one byte past the cap at most.
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            max,
        });
    }
    Ok(bytes)
}

fn check(meta: &std::fs::Metadata, max: u64) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            max,
        });
    }
    Ok(())
}

/// [`read_regular`] as UTF-8 text, invalid bytes replaced (an ignore file
/// with one stray byte still applies its other lines, as Docker's does).
pub fn read_text_lossy(path: &Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_regular(path, max)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// [`read_regular`] as UTF-8 text; invalid UTF-8 is an error.
pub fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_regular(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Whether `path` itself is a symbolic link (dangling or not).
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, "x\n").unwrap();
        assert_eq!(read_text(&p, MAX_FILE).unwrap(), "x\n");
        assert!(read_text(&dir.path().join("none"), MAX_FILE)
            .unwrap_err()
            .is_not_found());
        let e = read_text(dir.path(), MAX_FILE).unwrap_err();
        assert_eq!(e.to_string(), "a directory, not a regular file");
        std::fs::write(&p, "0123456789").unwrap();
        let e = read_text(&p, 4).unwrap_err();
        assert!(
            matches!(e, ReadError::TooLarge { size: 10, max: 4 }),
            "{e:?}"
        );
        std::fs::write(&p, b"ok\xffok").unwrap();
        assert_eq!(read_text_lossy(&p, MAX_FILE).unwrap(), "ok\u{fffd}ok");
        assert!(read_text(&p, MAX_FILE).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_links_to_them_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = read_regular(&fifo, MAX_FILE).unwrap_err();
        assert_eq!(e.to_string(), "a FIFO (named pipe), not a regular file");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_regular(&zero, MAX_FILE).unwrap_err();
        assert_eq!(e.to_string(), "a character device, not a regular file");
        assert!(is_symlink(&zero));
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(read_regular(&dangling, MAX_FILE)
            .unwrap_err()
            .is_not_found());
        assert!(is_symlink(&dangling));
        assert!(!is_symlink(&fifo));
    }
}
