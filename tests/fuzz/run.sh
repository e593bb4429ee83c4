#!/usr/bin/env bash
# Runs every libFuzzer target of the fuzz build (cmake --preset fuzz), as many
# at a time as --jobs says (each is one process on one core), each on a fresh
# copy of its corpus and regressions, then
# prints per target the executions, executions per second, and the coverage
# reached (cov: code edges covered; ft: libFuzzer's features, edges with hit
# counts; corp: inputs in the corpus at the end), so a shallow run shows
# (a slow target at 20 s runs few executions). Fails if any
# target crashed: a sanitizer report, a failed FUZZ_CHECK, a leak, one input
# taking over 10 s or the process over 2 GiB. What a run finds (crash-*,
# leak-*, timeout-*, oom-*) stays in BUILD/findings/TIME/TARGET/, never in the
# committed corpus; the corpus copies the fuzzers grew are in BUILD/fuzz-run/.
#   tests/fuzz/run.sh [--build DIR] [--seconds N] [--runs N] [--jobs N] [TARGET...]
#     --build DIR  the fuzz build (default build/fuzz)
#     --seconds N  time per target (default 60)
#     --runs N     also stop a target after N executions
#     --jobs N     targets fuzzed at once (default: the machine's cores)
#     TARGET       only these (default: every folder of tests/fuzz/corpus)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

build=build/fuzz
seconds=60
runs=
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$here"/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

work=$build/fuzz-run
findings=$build/findings/$(date +%Y%m%d-%H%M%S)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One target: its log in $work/TARGET.log, its row of the table in
# $work/TARGET.row, and $work/TARGET.failed when it crashed.
fuzz_one() {
  local t=$1 bin=$build/tests/fuzz/fuzz_$t log start rc elapsed execs rate last cov ft corp result
  local extra=()
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t/corpus" "$work/$t/regressions" "$findings/$t"
  cp -R "$here/corpus/$t/." "$work/$t/corpus/"
  cp -R "$here/regressions/$t/." "$work/$t/regressions/"
  log=$work/$t.log
  echo "fuzz: $t for ${seconds}s${runs:+ or $runs runs} (log: $log)"
  start=$(date +%s%N)
  set +e
  # tests/fuzz/options/TARGET: more libFuzzer flags for that target, if any.
  if [ -f "$here/options/$t" ]; then read -r -a extra <"$here/options/$t"; fi
  "$bin" -max_total_time="$seconds" ${runs:+-runs=$runs} -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/$t/" "${extra[@]}" \
    "$work/$t/corpus" "$work/$t/regressions" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  # The last status line: "#RUNS DONE cov: N ft: N corp: N/SIZE ... exec/s: N ...".
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  if [ -z "$execs" ]; then  # it stopped early: the last status line says how far it got
    execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
    rate=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  fi
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  result=ok
  if [ $rc -ne 0 ]; then
    result=FAILED
    : >"$work/$t.failed"
  fi
  printf '%-20s %-7s %12s %6d.%d %10s %7s %7s %6s\n' "$t" "$result" "${execs:-?}" \
    $((elapsed / 1000)) $((elapsed % 1000 / 100)) "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" >"$work/$t.row"
}

for t in "${targets[@]}"; do
  if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
    echo "run.sh: $build/tests/fuzz/fuzz_$t is missing: build it with cmake --build --preset fuzz" >&2
    exit 2
  fi
  rm -f "$work/$t.row" "$work/$t.failed"
done
mkdir -p "$work"
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait || true

failed=()
rows=()
for t in "${targets[@]}"; do
  rows+=("$(cat "$work/$t.row")")
  if [ -f "$work/$t.failed" ]; then failed+=("$t"); fi
done

echo
printf '%-20s %-7s %12s %8s %10s %7s %7s %6s\n' target result execs seconds exec/s cov ft corp
printf '%s\n' "${rows[@]}"
for t in "${failed[@]}"; do
  log=$work/$t.log
  echo
  echo "== $t failed (log: $log)"
  grep -m 1 -E '^SUMMARY: |fuzz check failed|^==[0-9]+== ERROR: libFuzzer' "$log" || tail -n 5 "$log"
  for f in "$findings/$t"/*; do
    [ -f "$f" ] || continue
    echo "input: $f ($(wc -c <"$f") bytes)"
    od -An -tx1 -v "$f" | head -n 8
  done
done
find "$findings" -type d -empty -delete 2>/dev/null || true
if [ ${#failed[@]} -gt 0 ]; then
  echo
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}. Inputs: $findings/"
  echo "fuzz: to keep one as a regression: cp INPUT tests/fuzz/regressions/TARGET/NAME"
  exit 1
fi
echo "fuzz: every target ran clean."
