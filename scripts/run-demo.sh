#!/usr/bin/env bash
# `make run`: start the main job on the embedded default.
# The sharing server and governance plane are not built yet (see the open issues); until they are,
# this shows what the binary can already do on a real Delta table's files.
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
echo "Lakeshare $("$bin" --version | awk '{print $2}') is built at $bin."
echo
echo "The Delta Sharing server (lakeshare serve) does not exist yet. What works today:"
echo "  $bin parquet schema FILE            schema, row groups, encodings, codecs"
echo "  $bin parquet cat FILE [--columns a,b] [--limit N]   rows as JSON lines"
sample=$(ls "$here"/../shared/delta-corpus/delta-rs/simple_table_with_checkpoint/_delta_log/*.checkpoint.parquet 2>/dev/null | head -n 1 || true)
if [ -n "$sample" ]; then
  echo
  echo "Example, a Delta checkpoint from the shared corpus:"
  echo "+ $bin parquet cat $sample --columns add --limit 2"
  "$bin" parquet cat "$sample" --columns add --limit 2
fi
