#!/usr/bin/env bash
# `make bench`: run every side-by-side benchmark in bench/*.sh in one run on this machine and
# write docs/benchmarks.md. Each section script prints a markdown section on stdout and progress
# on stderr; it receives the build dir and a scratch dir.
set -euo pipefail
build="${1:-build}"
here="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$here/$build/bench-scratch"
mkdir -p "$scratch"
out="$here/docs/benchmarks.md"
tmp="$(mktemp)"
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`make bench\` (scripts/bench.sh) in one run, side by side with the named baseline."
  echo "Numbers are best-of-N wall-clock times on a shared machine; compare ratios, not absolutes."
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "- commit: $(git -C "$here" rev-parse --short HEAD)"
  echo "- DuckDB: $(node -e "console.log(require('$here/tools/duckdb/node_modules/@duckdb/node-api/package.json').version)" 2>/dev/null || echo unavailable) (npm @duckdb/node-api), single thread"
  echo
  for section in "$here"/bench/*.sh; do
    echo "bench: $(basename "$section")" >&2
    bash "$section" "$here/$build" "$scratch"
    echo
  done
} > "$tmp"
mv "$tmp" "$out"
echo "bench: wrote ${out#$here/}"
