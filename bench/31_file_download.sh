#!/usr/bin/env bash
# A data file downloaded through its signed /files URL from `lakeshare serve` against nginx
# (Debian package) serving the same file, side by side in one run: the whole file and a 4 MiB
# Range of it (what a Parquet reader asks for), repeated, alternating. The file is 256 MiB of
# random bytes in a one-file Delta table written here (the bytes are never parsed when served).
# The server is pinned to CPU 0 with nginx, curl to CPU 1 (when there are two).
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
lakeshare="$build/lakeshare"
nginx_bin="${NGINX:-/usr/sbin/nginx}"
repeat="${BENCH_REPEAT:-5}"
size_mib="${BENCH_FILE_MIB:-256}"

section_skip() {
  echo "## File download vs nginx"
  echo
  echo "Skipped: $1"
  exit 0
}
[ -x "$lakeshare" ] || section_skip "needs $lakeshare (build it first)."
[ -x "$nginx_bin" ] || section_skip "needs nginx ($nginx_bin; Debian package nginx-light or nginx)."
command -v curl >/dev/null || section_skip "needs curl."

if [ "$(nproc)" -ge 2 ]; then server_cpus=0 client_cpus=1; else server_cpus=0 client_cpus=0; fi
on_client() { taskset -c "$client_cpus" "$@"; }

work="$scratch/download"
table="$work/table"
rm -rf "$work"
mkdir -p "$table/_delta_log" "$work/www" "$work/nginx/logs" "$work/nginx/tmp"
echo "  writing a one-file Delta table ($size_mib MiB)" >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$table/part-00000.parquet"
cp "$table/part-00000.parquet" "$work/www/part-00000.parquet"
bytes=$(stat -c %s "$table/part-00000.parquet")
schema='{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}'
cat > "$table/_delta_log/00000000000000000000.json" <<EOF
{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"bench-download","format":{"provider":"parquet","options":{}},"schemaString":"$schema","partitionColumns":[],"configuration":{},"createdTime":0}}
{"add":{"path":"part-00000.parquet","partitionValues":{},"size":$bytes,"modificationTime":0,"dataChange":true}}
EOF

. "$here/bench/lib/serve_beside_nginx.sh"
write_share_config big "$table"
trap stop_servers EXIT
start_lakeshare
curl -sS --fail -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{}' "$endpoint/shares/bench/schemas/default/tables/big/query" > "$work/query.ndjson"
file_url=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    f = json.loads(line).get("file")
    if f: print(f["url"]); break' "$work/query.ndjson")
[ -n "$file_url" ] || section_skip "the query answered no file URL."

start_nginx 1 "$work/www" part-00000.parquet
nginx_url="http://127.0.0.1:$nginx_port/part-00000.parquet"

# "<seconds> <bytes>" of one GET whose body is written to $1.
fetch() {
  local out="$1"
  shift
  on_client curl -sS --fail -o "$out" -w '%{time_total} %{size_download}\n' "$@"
}
fetch "$work/ours.bin" "$file_url" > /dev/null
cmp -s "$work/ours.bin" "$table/part-00000.parquet" || section_skip "lakeshare served different bytes."
rm -f "$work/ours.bin"

range="bytes=$((bytes / 2))-$((bytes / 2 + 4 * 1024 * 1024 - 1))"
echo "  whole file and a 4 MiB range x$repeat, lakeshare and nginx alternating" >&2
: > "$work/ours_full.txt"; : > "$work/nginx_full.txt"; : > "$work/ours_range.txt"; : > "$work/nginx_range.txt"
for _ in $(seq "$repeat"); do
  fetch /dev/null "$file_url" >> "$work/ours_full.txt"
  fetch /dev/null "$nginx_url" >> "$work/nginx_full.txt"
  fetch /dev/null -H "Range: $range" "$file_url" >> "$work/ours_range.txt"
  fetch /dev/null -H "Range: $range" "$nginx_url" >> "$work/nginx_range.txt"
done

python3 - "$work" "$size_mib" "$repeat" <<'PY'
import statistics, sys
work, size_mib, repeat = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def runs(name):
    return [tuple(map(float, l.split())) for l in open(f"{work}/{name}.txt") if l.strip()]
print("## File download vs nginx")
print()
print(f"One {size_mib} MiB data file of a one-file Delta table, downloaded by curl through its signed "
      f"`/files` URL from `lakeshare serve --config` and from nginx (1 worker, sendfile on) serving the "
      f"same file; servers on one CPU, curl on the other; {repeat} runs each, alternating. Median (min-max).")
print()
print("| request | lakeshare | nginx | lakeshare / nginx |")
print("| --- | ---: | ---: | ---: |")
for label, ours, theirs in (("whole file", "ours_full", "nginx_full"), ("4 MiB range", "ours_range", "nginx_range")):
    a, b = runs(ours), runs(theirs)
    ta, tb = [t for t, _ in a], [t for t, _ in b]
    if {n for _, n in a} != {n for _, n in b}:
        print(f"| {label} | sizes differ: {a} vs {b} | | |")
        continue
    mib = a[0][1] / 1048576
    ma, mb = statistics.median(ta), statistics.median(tb)
    fmt = lambda m, ts: f"{m*1000:.1f} ms ({min(ts)*1000:.1f}-{max(ts)*1000:.1f}), {mib/m:.0f} MiB/s"
    print(f"| {label} | {fmt(ma, ta)} | {fmt(mb, tb)} | {ma/mb:.2f} |")
PY
