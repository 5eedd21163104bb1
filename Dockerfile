# syntax=docker/dockerfile:1
# dlint in a container:
#   docker build -t dlint .
#   docker run --rm -v "$PWD:/src" -w /src dlint Dockerfile
#   docker run --rm -v "$PWD:/src" -w /src --user "$(id -u):$(id -g)" dlint --fix Dockerfile
# Linted by dlint itself in CI (tests/integrations/run.sh).

# Build stage: the Rust toolchain on Debian 12, like the runtime's glibc.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /build
# A small, stripped binary (the repository's release profile keeps debug info for profiling).
ENV CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_STRIP=true \
    CARGO_TERM_COLOR=never
# Dependencies first: this layer is rebuilt only when Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo fetch --locked \
    && cargo build --release --locked \
    && rm -rf src
# Then dlint itself (rules/ holds the rule docs and data compiled into the binary).
COPY rules ./rules
COPY src ./src
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin dlint \
    && ./target/release/dlint --version

# Runtime: glibc and libgcc only, no shell, user 65532 (nonroot).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/dlint /usr/local/bin/dlint
USER nonroot
WORKDIR /src
ENTRYPOINT ["dlint"]
CMD ["--help"]
