# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended;error=true
# 日本語のコメント: Größe prüfen, 보안을 위해 sy😀ntax
FROM python:3.12-slim AS 빌드
ARG A0=x
ARG A1=${A0}${A0}
ENV 설정=값 LANG=C.UTF-8
LABEL maintainer="김철수 <kim@example.com>" description="公共 服务"
RUN pip install --no-cache-dir flask==3.0 \
    # 주석 inside a continuation
    && echo "완료 ✓"
COPY --chown=app:app ["a b.txt", "/dst/파일.txt"]
RUN <<"EOF1" bash -e
echo "${설정:-기본}"
EOF1
FROM 빌드
HEALTHCHECK --interval=5s --timeout=1s --retries=3 CMD ["python", "-c", "print('😀')"]
CMD python -m http.server 8000
