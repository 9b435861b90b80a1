#!/usr/bin/env bash
# Materialization throughput: one data file of a deletion-vector table (rows whose index is a
# multiple of 10 deleted) rewritten without those rows, `lakeshare delta materialize --threads 1`
# vs DuckDB's COPY (SELECT ... WHERE ...) TO 'x.parquet', one thread each, same input file.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
rows="${BENCH_MATERIALIZE_ROWS:-4000000}"
table="$scratch/materialize-dv-$rows"
if [ ! -f "$table/_delta_log/00000000000000000000.json" ]; then
  echo "  writing $table ($rows rows) with DuckDB and a deletion vector" >&2
  mkdir -p "$table/_delta_log"
  node "$here/tools/duckdb/bench_materialize.mjs" gen "$table/part-0.parquet" "$rows" >&2
  python3 - "$table" "$rows" <<'PY'
import json, os, struct, sys, zlib
table, rows = sys.argv[1], int(sys.argv[2])
deleted = range(0, rows, 10)
# RoaringBitmapArray, portable format: magic, one bucket (key 0), one bitmap container per 2^16 rows.
blocks = {}
for r in deleted:
    blocks.setdefault(r >> 16, []).append(r & 0xFFFF)
keys = sorted(blocks)
body = struct.pack("<II", 12346, len(keys))
for k in keys:
    body += struct.pack("<HH", k, len(blocks[k]) - 1)
offset = len(body) + 4 * len(keys)
containers = b""
for k in keys:
    vals = blocks[k]
    body += struct.pack("<I", offset + len(containers))
    if len(vals) <= 4096:
        containers += b"".join(struct.pack("<H", v) for v in vals)
    else:
        words = [0] * 1024
        for v in vals:
            words[v // 64] |= 1 << (v % 64)
        containers += b"".join(struct.pack("<Q", w) for w in words)
bitmap = struct.pack("<IQI", 1681511377, 1, 0) + body + containers
uuid = bytes(range(16))
z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
enc = ""
for i in range(0, 16, 4):
    v = int.from_bytes(uuid[i:i + 4], "big")
    enc += "".join(z85[(v // 85 ** p) % 85] for p in range(4, -1, -1))
dv = b"\x01" + struct.pack(">I", len(bitmap)) + bitmap + struct.pack(">I", zlib.crc32(bitmap))
with open(os.path.join(table, "deletion_vector_00010203-0405-0607-0809-0a0b0c0d0e0f.bin"), "wb") as f:
    f.write(dv)
schema = {"type": "struct", "fields": [
    {"name": n, "type": t, "nullable": True, "metadata": {}}
    for n, t in [("id", "long"), ("country", "string"), ("amount", "double"), ("at", "timestamp"),
                 ("note", "string")]]}
lines = [
    {"protocol": {"minReaderVersion": 3, "minWriterVersion": 7, "readerFeatures": ["deletionVectors"],
                  "writerFeatures": ["deletionVectors"]}},
    {"metaData": {"id": "bench-materialize", "format": {"provider": "parquet", "options": {}},
                  "schemaString": json.dumps(schema), "partitionColumns": [],
                  "configuration": {"delta.enableDeletionVectors": "true"}, "createdTime": 1}},
    {"add": {"path": "part-0.parquet", "partitionValues": {},
             "size": os.path.getsize(os.path.join(table, "part-0.parquet")), "modificationTime": 1,
             "dataChange": True, "stats": json.dumps({"numRecords": rows}),
             "deletionVector": {"storageType": "u", "pathOrInlineDv": enc, "offset": 1,
                                "sizeInBytes": len(bitmap), "cardinality": len(deleted)}}},
]
with open(os.path.join(table, "_delta_log", "00000000000000000000.json"), "w") as f:
    f.write("\n".join(json.dumps(l) for l in lines) + "\n")
PY
fi
input="$table/part-0.parquet"
best=""
for i in 1 2 3; do
  rm -rf "$scratch/materialize-cache"
  start=$(date +%s.%N)
  "$build/lakeshare" delta materialize "$table" --cache "$scratch/materialize-cache" --threads 1 \
    > "$scratch/materialize-summary.json" 2>/dev/null
  end=$(date +%s.%N)
  t=$(python3 -c "print($end - $start)")
  best=$(python3 -c "print(min(float('${best:-1e9}'), $t))")
done
echo "  COPY with DuckDB" >&2
theirs=$(node "$here/tools/duckdb/bench_materialize.mjs" copy "$input" "$scratch/duckdb-copy.parquet" 3)
python3 - "$input" "$best" "$theirs" "$scratch/materialize-summary.json" "$scratch/duckdb-copy.parquet" <<'PY'
import json, os, sys
f, ours, theirs, summary, copy = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5]
s = json.load(open(summary))
mb = os.path.getsize(f) / 1e6
ratio = ours / theirs["seconds"]
print("## Materialization: deletion vector applied to one data file, 1 thread")
print()
print(f"Input: {os.path.basename(f)}, {mb:.1f} MB, {s['rowsRead']:,} rows (SNAPPY, written by DuckDB); "
      f"the deletion vector deletes every 10th row ({s['rowsRead'] - s['rowsWritten']:,} rows).")
print()
print("| writer | best of 3 | input MB/s | output | ratio |")
print("| --- | ---: | ---: | ---: | ---: |")
print(f"| `lakeshare delta materialize --threads 1` (whole command: log, DV, rewrite) | {ours*1000:.0f} ms | {mb/ours:.0f} | {s['bytesWritten']/1e6:.1f} MB | {ratio:.2f} |")
print(f"| DuckDB `COPY (SELECT * ... WHERE file_row_number % 10 <> 0) TO 'x.parquet'` | {theirs['seconds']*1000:.0f} ms | {mb/theirs['seconds']:.0f} | {os.path.getsize(copy)/1e6:.1f} MB | 1.00 |")
print()
print(f"Goal: ratio <= 1.0. Result: {'met' if ratio <= 1.0 else 'NOT met'} ({ratio:.2f}).")
print()
print("Reproduce: `bash bench/50_materialize.sh build build/bench-scratch`.")
PY
