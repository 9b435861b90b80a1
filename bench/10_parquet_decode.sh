#!/usr/bin/env bash
# Parquet decode of a Delta-checkpoint-shaped file (1,000,000 rows, nested `add` struct with a
# partitionValues map and a stats string), written by our writer; ours vs DuckDB, one thread.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${BENCH_CHECKPOINT_ROWS:-1000000}"
file="$scratch/checkpoint-${rows}.parquet"
if [ ! -f "$file" ]; then
  echo "  writing $file ($rows rows) with lakeshare parquet gen-checkpoint" >&2
  "$build/lakeshare" parquet gen-checkpoint "$file" --rows "$rows" >&2
fi
columns="add.path,add.partitionValues,add.size,add.modificationTime,add.dataChange,add.stats"
echo "  decoding with lakeshare" >&2
ours=$("$build/lakeshare" parquet scan "$file" --columns "$columns" --repeat 5 --json)
echo "  decoding with DuckDB" >&2
theirs=$(node "$here/tools/duckdb/bench_parquet_scan.mjs" "$file" 5)
python3 - "$file" "$ours" "$theirs" "$columns" <<'PY'
import json, os, sys
f, ours, theirs, cols = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
size = os.path.getsize(f) / 1e6
ratio = ours["seconds"] / theirs["seconds"]
print("## Parquet decode: checkpoint-shaped file, 1 thread")
print()
print(f"File: {os.path.basename(f)}, {size:.1f} MB, written by `lakeshare parquet gen-checkpoint` (SNAPPY).")
print(f"Columns: `{cols}` ({ours['columns']} leaf columns, {ours['entries']:,} level entries).")
print()
print("| reader | best of 5 | ratio |")
print("| --- | ---: | ---: |")
print(f"| lakeshare `parquet scan` (decode every chunk into columns) | {ours['seconds']*1000:.0f} ms | {ratio:.2f} |")
print(f"| DuckDB `read_parquet` aggregating every one of those columns | {theirs['seconds']*1000:.0f} ms | 1.00 |")
print()
print(f"Goal: ratio <= 1.0. Result: {'met' if ratio <= 1.0 else 'NOT met'} ({ratio:.2f}).")
print()
print("Reproduce: `make bench` (section bench/10_parquet_decode.sh).")
PY
