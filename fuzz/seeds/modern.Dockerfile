# syntax=docker/dockerfile:1.7
ARG BASE=debian:bookworm-slim
FROM --platform=$BUILDPLATFORM ${BASE} AS build
# 빌드 단계
ARG VERSION=1.2
ENV APP=/opt/app \
    PATH=/opt/app/bin:$PATH
WORKDIR $APP
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update && apt-get install -y curl \
    && rm -rf /var/lib/apt/lists/*
COPY --chown=1000:1000 --chmod=0755 ./src/ /opt/app/src/
ADD ./conf.d/ /etc/conf.d/
RUN <<EOF
set -e
echo "v${VERSION:-dev}" > /opt/app/VERSION
EOF
COPY <<-EOT /etc/app.conf
	name=app
EOT
FROM scratch
COPY --from=build /opt/app /opt/app
USER 1000
ENTRYPOINT ["/opt/app/bin/app", "--config", "/etc/app.conf"]
