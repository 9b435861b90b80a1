#!/usr/bin/env bash
# Run every libFuzzer target in BUILD_DIR for SECONDS each, starting from its seed corpus in
# testdata/fuzz/<target>/ (new inputs go to a scratch corpus, not into the repository).
set -euo pipefail
build="$1"
seconds="${2:-60}"
here="$(cd "$(dirname "$0")/.." && pwd)"
status=0
for bin in "$build"/src/*/*_fuzz; do
  [ -x "$bin" ] || continue
  name="$(basename "$bin")"
  target="${name%_fuzz}"
  seeds="$here/testdata/fuzz/$target"
  work="$build/fuzz-corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s (seeds: ${seeds#$here/})"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
      "$work" "$seeds" 2>"$work.log"; then
    echo "fuzz: $name found a crash; see $work.log and the crash-* file in $(pwd)"
    tail -n 40 "$work.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|cov:' "$work.log" | tail -n 2 || true
  fi
done
exit $status
