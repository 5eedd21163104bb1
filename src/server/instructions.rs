//! Short descriptions of the 18 Dockerfile instructions, shown on hover over
//! an instruction keyword.

/// (keyword, synopsis, description).
pub const INSTRUCTIONS: [(&str, &str, &str); 18] = [
    (
        "FROM",
        "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]",
        "Starts a new build stage from a base image (or `scratch`). Every Dockerfile begins with `FROM`, after any global `ARG`s; each further `FROM` starts another stage, which `AS <name>` lets later stages refer to.",
    ),
    (
        "RUN",
        "RUN [--mount=…] [--network=…] <command> | RUN [\"exe\", \"arg\"…]",
        "Runs a command in a new layer on top of the current image and commits the result. The shell form runs through the stage's `SHELL` (`/bin/sh -c` by default); the exec form runs the program directly.",
    ),
    (
        "CMD",
        "CMD [\"exe\", \"arg\"…] | CMD command arg…",
        "The default command (or the default arguments of `ENTRYPOINT`) when a container starts. Only the last `CMD` of the final stage counts; `docker run` arguments replace it.",
    ),
    (
        "LABEL",
        "LABEL <key>=<value> [<key>=<value>…]",
        "Adds metadata key/value pairs to the image. Labels are inherited from the base image and can be read with `docker inspect`.",
    ),
    (
        "MAINTAINER",
        "MAINTAINER <name>",
        "Deprecated: sets the image's author field. Use `LABEL org.opencontainers.image.authors=…` instead.",
    ),
    (
        "EXPOSE",
        "EXPOSE <port>[/<protocol>] …",
        "Documents the ports the container listens on (TCP unless `/udp`). It publishes nothing by itself: `docker run -p` or `-P` does.",
    ),
    (
        "ENV",
        "ENV <key>=<value> …",
        "Sets environment variables for the rest of the stage and for containers run from the image. The values stay in the image: do not put secrets here.",
    ),
    (
        "ADD",
        "ADD [--chown=…] [--chmod=…] [--checksum=…] <src>… <dest>",
        "Copies files into the image like `COPY`, and also fetches URLs and Git repositories and unpacks local tar archives. Prefer `COPY` when none of that is wanted.",
    ),
    (
        "COPY",
        "COPY [--from=<stage|image>] [--chown=…] [--chmod=…] [--link] <src>… <dest>",
        "Copies files from the build context (or, with `--from`, from another stage or image) into the image. Sources are filtered by `.dockerignore`; changes to them invalidate the cache from this instruction on.",
    ),
    (
        "ENTRYPOINT",
        "ENTRYPOINT [\"exe\", \"arg\"…] | ENTRYPOINT command arg…",
        "The program a container runs. `CMD` (or `docker run` arguments) are appended to the exec form; the shell form ignores them and does not receive signals as PID 1.",
    ),
    (
        "VOLUME",
        "VOLUME [\"/path\"…] | VOLUME /path …",
        "Declares mount points for external or anonymous volumes. Changes to these paths made by later build steps are discarded.",
    ),
    (
        "USER",
        "USER <user>[:<group>]",
        "Sets the user (and group) for the rest of the stage's `RUN`, `CMD` and `ENTRYPOINT`, and for containers run from the image. Without it, containers run as root.",
    ),
    (
        "WORKDIR",
        "WORKDIR <path>",
        "Sets the working directory for the instructions that follow and for the container, creating it if needed. Relative paths are resolved against the previous `WORKDIR`.",
    ),
    (
        "ARG",
        "ARG <name>[=<default>]",
        "Declares a build argument that `docker build --build-arg` can set. Before the first `FROM` it is global (usable in `FROM` lines); inside a stage it is in scope until the stage ends. Values can be read from the image history: not for secrets.",
    ),
    (
        "ONBUILD",
        "ONBUILD <instruction>",
        "Registers an instruction to run later, when another build uses this image as its base (`FROM`). `ONBUILD ONBUILD`, `FROM` and `MAINTAINER` are not allowed as triggers.",
    ),
    (
        "STOPSIGNAL",
        "STOPSIGNAL <signal>",
        "The signal `docker stop` sends to the container's main process (default `SIGTERM`), by name or number.",
    ),
    (
        "HEALTHCHECK",
        "HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--retries=…] CMD <command> | HEALTHCHECK NONE",
        "Tells the engine how to check that the container still works: the command's exit status 0 means healthy. `NONE` disables a check inherited from the base image.",
    ),
    (
        "SHELL",
        "SHELL [\"executable\", \"param\"…]",
        "Replaces the shell used by the shell form of `RUN`, `CMD` and `ENTRYPOINT` for the rest of the stage (default `[\"/bin/sh\", \"-c\"]`), e.g. `[\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`.",
    ),
];

/// The hover text of an instruction keyword (any case), as markdown.
pub fn describe(keyword: &str) -> Option<String> {
    let (name, synopsis, text) = INSTRUCTIONS
        .iter()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(keyword))?;
    Some(format!(
        "**{name}**: Dockerfile instruction\n\n```dockerfile\n{synopsis}\n```\n\n{text}\n\n[Dockerfile reference](https://docs.docker.com/reference/dockerfile/#{})",
        name.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    #[test]
    fn every_model_kind_has_a_description() {
        for (k, _, _) in INSTRUCTIONS {
            assert_ne!(Kind::from_keyword(k), Kind::Unknown, "{k}");
            assert!(describe(&k.to_ascii_lowercase()).is_some());
        }
        assert!(describe("BOGUS").is_none());
    }
}
