#!/usr/bin/env bash
# `make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="zip_archive pickle"]`: builds the libFuzzer targets
# (preset `fuzz`: clang, ASan + UBSan) and runs each for N seconds, one at a time, at low priority.
#
# Corpora: each run starts from the committed seeds (tests/fuzz/corpus/<target>/) plus what earlier
# runs found (build/fuzz/corpus/<target>/, kept between runs, not committed). Crashes, hangs
# (> 1 s per input) and out-of-memory (> 2 GiB) land as files in build/fuzz/crashes/<target>/;
# copy one to tests/fuzz/regressions/<target>/ once fixed, and `make test` replays it forever.
# Figures per target (executions, coverage, features, corpus) go to build/fuzz/summary.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
# libFuzzer's per-input limit is wall-clock; on a loaded shared machine set FUZZ_TIMEOUT=5 (say) so
# that load alone does not end a run: every timeout kept is judged again below by its CPU time.
TIMEOUT="${FUZZ_TIMEOUT:-1}"
shift || true
WANTED="${*:-}"
BUILD=build/fuzz

cmake --preset fuzz >/dev/null
nice -n 10 cmake --build --preset fuzz

mkdir -p "$BUILD/corpus" "$BUILD/crashes" "$BUILD/logs"
summary="$BUILD/summary.tsv"
[[ -f "$summary" ]] || printf 'date\ttarget\tseconds\texecutions\tcov\tft\tcorpus\tcrashes\n' >"$summary"

found=0
for exe in "$BUILD"/fuzz/fuzz-*; do
  name="$(basename "$exe")"
  target="${name#fuzz-}"
  target="${target//-/_}"
  if [[ -n "$WANTED" && " $WANTED " != *" $target "* ]]; then continue; fi
  seeds="tests/fuzz/corpus/$target"
  work="$BUILD/corpus/$target"
  crashes="$BUILD/crashes/$target"
  mkdir -p "$work" "$crashes"
  log="$BUILD/logs/$target.log"
  before=$(find "$crashes" -type f | wc -l)
  touch "$log.start"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  # -timeout: an input taking over a second is a hang; -rss_limit_mb=2048: over 2 GiB is an OOM.
  nice -n 10 "$exe" -max_total_time="$SECONDS_PER_TARGET" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1 || true
  # On a shared, loaded machine an input can pass the wall-clock limit without being slow: a timeout
  # is kept only when the input, run again alone, still takes over a second of CPU time (user + sys,
  # the process start included).
  for t in $(find "$crashes" -type f -name 'timeout-*' -newer "$log.start"); do
    cpu=$( { TIMEFORMAT='%3U %3S'; time timeout 30 "$exe" "$t" >/dev/null 2>&1; } 2>&1 | tail -1 | awk '{print $1 + $2}')
    if awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }'; then
      echo "fuzz: $target: $(basename "$t") takes ${cpu} s of CPU when run alone (a timeout from load); dropped"
      rm -f "$t"
    fi
  done
  after=$(find "$crashes" -type f | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  corp=$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  new=$((after - before))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$SECONDS_PER_TARGET" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$new" >>"$summary"
  echo "fuzz: $target: ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, new crashes $new"
  if [[ $new -gt 0 ]]; then
    found=1
    echo "fuzz: $target: NEW CRASH(ES) in $crashes (log: $log)"
    grep -m3 -E 'ERROR: |fuzz target|SUMMARY' "$log" || true
  fi
done
exit $found
