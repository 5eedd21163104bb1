# syntax=docker/dockerfile:1
# dlint in a container:
#   docker build -t dlint .
#   docker run --rm -v "$PWD:/src" -w /src dlint Dockerfile
#   docker run --rm -v "$PWD:/src" -w /src --user "$(id -u):$(id -g)" dlint --fix Dockerfile
# Linted by dlint itself in CI (tests/integrations/run.sh).

# Build stage: the Rust toolchain on Debian 12, like the runtime's glibc. The `dist` profile of
# Cargo.toml (LTO, one codegen unit, stripped), as for the release binaries.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /build
ENV CARGO_TERM_COLOR=never
# Dependencies first: this layer is rebuilt only when Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo fetch --locked \
    && cargo build --profile dist --locked \
    && rm -rf src
# Then dlint itself (rules/ holds the rule docs and data compiled into the binary; build.rs sets
# the version text). The context has no .git: pass the commit for `dlint --version`, for example
# --build-arg DLINT_COMMIT="$(git log -1 --format='%h %cs')".
ARG DLINT_COMMIT=""
COPY build.rs ./
COPY rules ./rules
COPY src ./src
RUN touch src/main.rs src/lib.rs \
    && cargo build --profile dist --locked --bin dlint \
    && ./target/dist/dlint --version

# Runtime: glibc and libgcc only, no shell, user 65532 (nonroot).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/dist/dlint /usr/local/bin/dlint
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["dlint"]
CMD ["--help"]
