// The language server benchmarks' document, included (`include!`) by
// examples/lsp_latency.rs and examples/alloc_counts.rs.

const LINES: usize = 1000;

/// A 1,000-line multi-stage Dockerfile with a few findings in it.
pub fn dockerfile() -> String {
    let mut s = String::from("# syntax=docker/dockerfile:1\nARG BASE=debian:12\n");
    let mut stage = 0;
    while s.lines().count() < LINES - 12 {
        stage += 1;
        s.push_str(&format!("FROM ${{BASE}} AS stage{stage}\n"));
        s.push_str("RUN apt-get update && apt-get install -y --no-install-recommends \\\n");
        s.push_str("      curl ca-certificates git \\\n    && rm -rf /var/lib/apt/lists/*\n");
        s.push_str("WORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\n");
        for i in 0..60 {
            if s.lines().count() >= LINES - 12 {
                break;
            }
            match i % 6 {
                0 => s.push_str(&format!(
                    "RUN echo step {i} && mkdir -p /opt/s{stage}/{i}\n"
                )),
                1 => s.push_str(&format!("ENV VAR_{stage}_{i}=value{i}\n")),
                2 => s.push_str(&format!("COPY src/part{i} /app/src/part{i}\n")),
                3 => s.push_str(&format!(
                    "RUN set -eux; \\\n    for f in a b c; do echo $f > /tmp/{i}$f; done\n"
                )),
                4 => s.push_str(&format!("LABEL com.example.stage{stage}.step{i}=\"yes\"\n")),
                _ => s.push_str(&format!("ADD files/{i}.txt /app/files/{i}.txt\n")),
            }
        }
        s.push_str("USER 1000\n");
    }
    s.push_str("FROM alpine:latest\nCOPY --from=stage1 /app /app\nUSER 1000\n");
    while s.lines().count() < LINES {
        s.push_str("# padding\n");
    }
    s
}
