#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ (git-ignored) for dlint's fuzz targets:
# fuzz/seeds/* (hand-written), plus a deterministic sample of the shared
# Dockerfile corpus read at run time (never copied into the repository).
#
#   DLINT_CORPUS   the corpus' files/ directory (default: ../shared/corpus/files
#                  beside the repository, else /work/shared/corpus/files)
#   SEED_COUNT     how many corpus files (default 400), plus every parser
#                  fixture of moby/buildkit, moby/moby, buildah and kaniko
#   SEED_MAX_LEN   largest file taken, in bytes (default 8192)
#
# lint and fix take a settings byte first (dlint_fuzz::setup): seeds get
# bytes 0..31 in turn. server takes `TEXT [\0 OPS]`: seeds are the text.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
count=${SEED_COUNT:-400}
max=${SEED_MAX_LEN:-8192}
corpus=${DLINT_CORPUS:-}
if [ -z "$corpus" ]; then
  for c in "$repo/../shared/corpus/files" /work/shared/corpus/files; do
    if [ -d "$c" ]; then corpus=$c; break; fi
  done
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
ls "$here"/seeds/* > "$list"
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
  all=$(find "$corpus" -maxdepth 1 -type f -size -"$((max + 1))"c -printf '%f\n' | LC_ALL=C sort)
  n=$(printf '%s\n' "$all" | wc -l)
  step=$(( n / count > 0 ? n / count : 1 ))
  printf '%s\n' "$all" | awk -v s="$step" -v c="$count" 'NR % s == 0 && k++ < c' | sed "s|^|$corpus/|" >> "$list"
  printf '%s\n' "$all" | grep -E '^(moby__buildkit|moby__moby|containers__buildah|GoogleContainerTools__kaniko)__' \
    | sed "s|^|$corpus/|" >> "$list" || true
else
  echo "seed.sh: no corpus found (set DLINT_CORPUS); hand-written seeds only" >&2
fi
LC_ALL=C sort -u -o "$list" "$list"

for t in model lint fix server; do
  mkdir -p "$here/corpus/$t"
done
i=0
while IFS= read -r f; do
  name=$(printf '%s' "$f" | sha1sum | cut -c1-16)
  cp "$f" "$here/corpus/model/seed-$name"
  cp "$f" "$here/corpus/server/seed-$name"
  for t in lint fix; do
    { printf "\\$(printf '%03o' $((i % 32)))"; cat "$f"; } > "$here/corpus/$t/seed-$name"
  done
  i=$((i + 1))
done < "$list"
echo "seed.sh: $i seeds in $here/corpus/{model,lint,fix,server}${corpus:+ (from $corpus)}"
