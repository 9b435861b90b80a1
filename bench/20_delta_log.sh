#!/usr/bin/env bash
# Delta log reading, ours vs DuckDB, one thread each:
#  1. cold snapshot of kernel/300k-add-files-100-col-partitioned (45 MB of JSON commits, 300,000
#     adds) against DuckDB read_json over the same files for the same fields; peak memory;
#  2. incremental refresh after one new commit on that table;
#  3. cold snapshot of a 1,000,000-add checkpoint written by our writer against DuckDB
#     read_parquet of the same checkpoint columns.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${LAKESHARE_CORPUS:-$here/../shared/delta-corpus}"
bench="$build/src/delta/delta_snapshot_bench"
duck="$here/tests/conformance/delta_duckdb.mjs"
repeat="${BENCH_REPEAT:-5}"

if [ ! -x "$bench" ] || [ ! -f "$corpus/kernel/300k-add-files-100-col-partitioned.tar.zst" ]; then
  echo "## Delta log"
  echo
  echo "Skipped: needs $bench (LAKESHARE_BENCH=ON) and the shared corpus."
  exit 0
fi

mkdir -p "$scratch/delta"
table="$scratch/delta/300k-add-files-100-col-partitioned"
if [ ! -d "$table/_delta_log" ]; then
  echo "  unpacking 300k-add-files-100-col-partitioned" >&2
  tar --zstd -xf "$corpus/kernel/300k-add-files-100-col-partitioned.tar.zst" -C "$scratch/delta"
fi
# The refresh benchmark writes (and removes) a commit: give it its own copy.
refresh_table="$scratch/delta/300k-refresh"
rm -rf "$refresh_table"
cp -r "$table" "$refresh_table"

echo "  cold snapshot, lakeshare" >&2
ours_json=$("$bench" cold "$table" "$repeat")
ours_mem=$("$bench" cold "$table" 1)  # one load in a fresh process: its peak RSS
echo "  incremental refresh, lakeshare" >&2
refresh_json=$("$bench" refresh "$refresh_table" 20)
rm -rf "$refresh_table"

columns="add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR), deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, sizeInBytes INTEGER, cardinality BIGINT))', remove: 'STRUCT(path VARCHAR, deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER))', metaData: 'JSON', protocol: 'JSON', txn: 'JSON', domainMetadata: 'JSON'"
json_sql="SELECT count(add.path), sum(add.size), sum(add.modificationTime), count(add.partitionValues), count_if(add.dataChange), count(add.stats), count(add.tags), count(add.deletionVector.storageType), count(remove.path), count(metaData), count(protocol) FROM read_json('$table/_delta_log/*.json', format='newline_delimited', columns={$columns})"
echo "  JSON scan, DuckDB" >&2
duck_json=$(python3 -c 'import json,sys; print(json.dumps([sys.argv[1]]))' "$json_sql" |
  node "$duck" --time "$repeat")

checkpoint_dir="$scratch/delta/checkpoint-1m"
checkpoint="$checkpoint_dir/_delta_log/00000000000000000000.checkpoint.parquet"
rows=$((${BENCH_CHECKPOINT_ADDS:-1000000} + 2))
if [ ! -f "$checkpoint" ]; then
  echo "  writing a $rows-row checkpoint with lakeshare parquet gen-checkpoint" >&2
  mkdir -p "$checkpoint_dir/_delta_log"
  "$build/lakeshare" parquet gen-checkpoint "$checkpoint" --rows "$rows" >&2
fi
echo "  checkpoint snapshot, lakeshare" >&2
ours_ck=$("$bench" cold "$checkpoint_dir" 3)
ck_sql="SELECT count(add.path), sum(add.size), sum(add.modificationTime), count(add.partitionValues), count_if(add.dataChange), count(add.stats), count(add.tags), count(add.deletionVector.storageType), count(metaData), count(protocol) FROM read_parquet('$checkpoint')"
echo "  checkpoint scan, DuckDB" >&2
duck_ck=$(python3 -c 'import json,sys; print(json.dumps([sys.argv[1]]))' "$ck_sql" | node "$duck" --time 3)

python3 - "$ours_json" "$ours_mem" "$refresh_json" "$duck_json" "$ours_ck" "$duck_ck" "$checkpoint" <<'PY'
import json, os, sys
ours, mem, refresh = (json.loads(a) for a in sys.argv[1:4])
duck = json.loads(sys.argv[4])[0]
ours_ck = json.loads(sys.argv[5])
duck_ck = json.loads(sys.argv[6])[0]
ck_path = sys.argv[7]
ratio = ours["best_ms"] / duck["best_ms"]
cpu_ratio = ours["best_cpu_ms"] / duck["best_cpu_ms"]
ck_cpu_ratio = ours_ck["best_cpu_ms"] / duck_ck["best_cpu_ms"]
peak_mb = mem["peak_rss_kb"] / 1024
refresh_pct = 100 * refresh["best_ms"] / ours["best_ms"]
ck_ratio = ours_ck["best_ms"] / duck_ck["best_ms"]
print("## Delta log: snapshots, 1 thread")
print()
print(f"Table `kernel/300k-add-files-100-col-partitioned`: {ours['bytes_read']/1e6:.1f} MB of JSON commits, "
      f"{ours['files']:,} active files at version {ours['version']}.")
print()
print("| measurement | lakeshare | DuckDB | ratio | goal |")
print("| --- | ---: | ---: | ---: | --- |")
print(f"| cold snapshot (full replay: parse, reconcile, store) vs `read_json` of the same fields | "
      f"{ours['best_ms']:.0f} ms | {duck['best_ms']:.0f} ms | {ratio:.2f} | <= 1.0: {'met' if ratio <= 1.0 else 'NOT met'} |")
print(f"| same, CPU time (user + system) | {ours['best_cpu_ms']:.0f} ms | {duck['best_cpu_ms']:.0f} ms | {cpu_ratio:.2f} | |")
print(f"| peak memory of one cold load (process RSS) | {peak_mb:.0f} MB | | | < 200 MB: {'met' if peak_mb < 200 else 'NOT met'} |")
print(f"| incremental refresh after one new commit | {refresh['best_ms']:.2f} ms | | {refresh_pct:.2f}% of cold | < 1%: {'met' if refresh_pct < 1 else 'NOT met'} |")
print(f"| cold snapshot of a {ours_ck['files']:,}-add checkpoint ({os.path.getsize(ck_path)/1e6:.0f} MB, our writer) vs `read_parquet` of the same columns | "
      f"{ours_ck['best_ms']:.0f} ms | {duck_ck['best_ms']:.0f} ms | {ck_ratio:.2f} | <= 1.0: {'met' if ck_ratio <= 1.0 else 'NOT met'} |")
print(f"| same, CPU time (user + system) | {ours_ck['best_cpu_ms']:.0f} ms | {duck_ck['best_cpu_ms']:.0f} ms | {ck_cpu_ratio:.2f} | |")
print()
print(f"Snapshot memory as accounted by the cache: {ours['snapshot_bytes']/1e6:.1f} MB (300k table), "
      f"{ours_ck['snapshot_bytes']/1e6:.1f} MB (checkpoint; stats kept as raw text).")
print()
print("Best of N wall-clock runs in one process each (DuckDB timed inside node, without start-up). "
      "Reproduce: `make bench` (section bench/20_delta_log.sh), or "
      "`build/src/delta/delta_snapshot_bench cold|refresh TABLE [N]`.")
PY
