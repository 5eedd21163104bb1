#!/usr/bin/env bash
# Builds dlint's cargo-fuzz targets (fuzz/) and runs each for a bounded
# time; exits 1 if any target crashes (panic, timeout, out of memory).
#
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_TARGETS    targets to run (default: model lint fix server)
#   FUZZ_MAX_LEN    largest input in bytes (default 8192)
#   FUZZ_RSS_MB     memory limit per process (default 2048)
#   FUZZ_TIMEOUT    seconds one input may take (default 10)
#   FUZZ_TOOLCHAIN  nightly | stable (default: nightly when rustup has it,
#                   else stable with RUSTC_BOOTSTRAP=1)
#   FUZZ_SANITIZER  address (default) | none
#   FUZZ_NICE       niceness of the build and runs (default 0)
#   FUZZ_JOBS       targets run at a time (default: the number of cores)
#   FUZZ_TARGET_DIR cargo target directory (default fuzz/target; with the
#                   stable toolchain its target-stable subdirectory)
#
# Seeds: fuzz/seed.sh (hand-written seeds, plus a sample of the shared
# corpus when present) into fuzz/corpus/<target>/, git-ignored; inputs the
# runs find are added there too. Crashes are written to
# fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-model lint fix server}
max_len=${FUZZ_MAX_LEN:-8192}
rss=${FUZZ_RSS_MB:-2048}
per_input=${FUZZ_TIMEOUT:-10}
sanitizer=${FUZZ_SANITIZER:-address}
nice_n=${FUZZ_NICE:-0}

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

toolchain=${FUZZ_TOOLCHAIN:-}
if [ -z "$toolchain" ]; then
  if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=nightly
  else
    toolchain=stable
  fi
fi
case "$toolchain" in
  nightly) ;;
  stable) export RUSTC_BOOTSTRAP=1 ;;
  *) echo "FUZZ_TOOLCHAIN must be nightly or stable" >&2; exit 2 ;;
esac
echo "== fuzz: toolchain $toolchain$([ "$toolchain" = stable ] && echo ' (RUSTC_BOOTSTRAP=1)'), sanitizer $sanitizer, ${secs}s per target"

cargo_fuzz() {
  nice -n "$nice_n" cargo "+$toolchain" fuzz "$@"
}
# One target directory per toolchain: switching does not rebuild the other.
if [ "$toolchain" = nightly ]; then tdir=${FUZZ_TARGET_DIR:-fuzz/target}; else tdir=${FUZZ_TARGET_DIR:-fuzz}/target-stable; fi

bash fuzz/seed.sh
# cargo-fuzz builds one target per call (or all of them with none named).
for t in $targets; do
  cargo_fuzz build --sanitizer "$sanitizer" --target-dir "$tdir" "$t"
done

# The targets run side by side, as many at a time as there are cores
# (FUZZ_JOBS to override): each is one process on one core.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
run_target() {
  local t=$1 log=fuzz/artifacts/$1.log
  mkdir -p "fuzz/artifacts/$t"
  cargo_fuzz run --sanitizer "$sanitizer" --target-dir "$tdir" "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
      -timeout="$per_input" -dict=fuzz/dockerfile.dict -print_final_stats=1 \
      >"$log" 2>&1
}
declare -A pids=()
order=()
for t in $targets; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "== fuzz $t (${secs}s)"
  run_target "$t" &
  pids[$t]=$!
  order+=("$t")
done
failed=()
for t in "${order[@]}"; do
  log=fuzz/artifacts/$t.log
  if wait "${pids[$t]}"; then
    echo "-- fuzz $t:"
    grep -E '^#[0-9]+ +DONE' "$log" | tail -n 1 || true
    grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
  else
    failed+=("$t")
    echo "!! fuzz $t failed; the end of $log:"
    tail -n 60 "$log"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]} (inputs in fuzz/artifacts/<target>/)"
  exit 1
fi
echo "fuzz: no crash in $targets"
