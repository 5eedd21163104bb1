//! Which files a lint run reads.

use super::say;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Whether a file name looks like a Dockerfile.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
        || lower.starts_with("containerfile.")
        || lower.ends_with(".containerfile")
}

/// One input of a lint run.
pub enum Input {
    File(PathBuf),
    Stdin,
    Missing(PathBuf, String),
}

/// The inputs named on the command line: files as given, directories
/// searched recursively for Dockerfiles (honouring `.gitignore`), `-` for
/// standard input. Problems are written to `err` and set `had_error`.
pub fn discover(paths: &[PathBuf], err: &mut dyn Write, had_error: &mut bool) -> Vec<Input> {
    let mut out = Vec::new();
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        if p.is_dir() {
            let mut found = Vec::new();
            let walker = ignore::WalkBuilder::new(&p)
                .hidden(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file())
                            && is_dockerfile_name(&e.file_name().to_string_lossy())
                        {
                            found.push(e.into_path());
                        }
                    }
                    Err(e) => {
                        say(err, &format!("{e}"));
                        *had_error = true;
                    }
                }
            }
            found.sort();
            if found.is_empty() {
                say(
                    err,
                    &format!("{}: no Dockerfiles found in this directory", p.display()),
                );
                *had_error = true;
            }
            out.extend(found.into_iter().map(Input::File));
        } else if p.exists() || p.is_symlink() {
            out.push(Input::File(p));
        } else {
            out.push(Input::Missing(p, "no such file or directory".into()));
        }
    }
    out
}

/// How a path is shown in every output format: as given, without leading
/// `./` components (`./a/Dockerfile` and `a/Dockerfile` are one file).
pub fn display_path(p: &Path) -> String {
    let mut comps = p.components().peekable();
    while comps.peek() == Some(&Component::CurDir) && p.components().count() > 1 {
        comps.next();
        if comps.peek().is_none() {
            return ".".into();
        }
    }
    let rest: PathBuf = comps.collect();
    if rest.as_os_str().is_empty() {
        return p.to_string_lossy().into_owned();
    }
    rest.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_drop_leading_dot_components() {
        assert_eq!(display_path(Path::new("./Dockerfile")), "Dockerfile");
        assert_eq!(display_path(Path::new("././a/Dockerfile")), "a/Dockerfile");
        assert_eq!(display_path(Path::new("a/./Dockerfile")), "a/Dockerfile");
        assert_eq!(display_path(Path::new("/x/Dockerfile")), "/x/Dockerfile");
        assert_eq!(display_path(Path::new("../Dockerfile")), "../Dockerfile");
        assert_eq!(display_path(Path::new(".")), ".");
    }
}
