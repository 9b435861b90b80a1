#!/usr/bin/env bash
# Run every libFuzzer target of BUILD_DIR (listed with its seed folder in BUILD_DIR/fuzzers.tsv,
# written by CMake's lakeshare_add_fuzzer) for SECONDS each, starting from its seeds in the
# repository (new inputs go to a scratch corpus in the build folder, not into the repository).
#
# A crash, leak, hang or sanitizer report fails the run. The input that caused it is copied into
# the target's seed folder (testdata/fuzz/<target>/crash-<sha1>), where the replay test of every
# build (ctest label unit) runs it from then on: fix the bug and commit the seed with the fix.
# Usage: scripts/run-fuzzers.sh BUILD_DIR [SECONDS [TARGET...]]
# With TARGETs, only those targets run (the CI stage, `make test-asan`); a TARGET that
# fuzzers.tsv does not list fails the run, and each target left out is named.
set -euo pipefail
build="$1"
seconds="${2:-60}"
shift $(( $# < 2 ? $# : 2 ))
only=" $* "
here="$(cd "$(dirname "$0")/.." && pwd)"
list="$build/fuzzers.tsv"
if [ ! -s "$list" ]; then
  echo "fuzz: $list lists no fuzzer; build with LAKESHARE_FUZZ=ON first (make fuzz)" >&2
  exit 1
fi
passed=0
failed=0
for wanted in $only; do
  if ! cut -f1 "$list" | grep -qx "$wanted"; then
    echo "fuzz: $wanted is not a fuzz target of $build (see $list)" >&2
    exit 1
  fi
done
if [ "$only" = "  " ]; then
  count=$(wc -l < "$list")
else
  count=$(( $(echo $only | wc -w) ))
fi
echo "fuzz: $count target(s), ${seconds}s each"
while IFS=$'\t' read -r name binary seeds; do
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then
    echo "fuzz: $name not run here (not in the list given)"
    continue
  fi
  bin="$build/$binary"
  work="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name/"
  mkdir -p "$work" "$artifacts" "$here/$seeds"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $name: no binary at $bin (build it: ninja -C $build fuzzers)"
    failed=$((failed + 1))
    continue
  fi
  echo "fuzz: $name for ${seconds}s (seeds: $seeds)"
  if "$bin" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$work" "$here/$seeds" >"$work.log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::number_of_executed_units' "$work.log" | sed "s/^/fuzz: $name: /" || true
  else
    failed=$((failed + 1))
    echo "fuzz: $name FAILED; the end of $work.log:"
    grep -v '^#[0-9]' "$work.log" | tail -n 40 | sed 's/^/    /'
    for found in "$artifacts"*; do
      [ -f "$found" ] || continue
      seed="$here/$seeds/$(basename "$found")"
      cp "$found" "$seed"
      echo "fuzz: $name: the input, $(wc -c < "$found") bytes, base64 (first 4 KiB):"
      head -c 4096 "$found" | base64 -w 76 | sed 's/^/    /'
      echo "fuzz: $name: the input is now a seed: ${seed#"$here"/}; fix the bug, commit the seed" \
           "with the fix (every build replays it)"
    done
  fi
done < "$list"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
