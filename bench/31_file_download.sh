#!/usr/bin/env bash
# A data file downloaded through its signed /files URL from `lakeshare serve` against nginx
# (Debian package) serving the same file, side by side in one run: the whole file and a 4 MiB
# Range of it (what a Parquet reader asks for), repeated, alternating. The file is 256 MiB of
# random bytes in a one-file Delta table written here (the bytes are never parsed when served).
# The server is pinned to CPU 0 with nginx, curl to CPU 1 (when there are two).
set -euo pipefail
build="$1"
scratch="$2"
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
on_server() { taskset -c "$server_cpus" "$@"; }
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

token="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat > "$work/server.yaml" <<EOF
version: 1
shares:
- name: "bench"
  schemas:
  - name: "default"
    tables:
    - name: "big"
      location: "$table"
authorization:
  bearerToken: "$token"
host: "127.0.0.1"
port: 0
endpoint: "/delta-sharing"
signingKey: "bench-signing-key-0123456789abcdef0123456789abcdef"
EOF

server_pid=""
nginx_started=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$nginx_started" ] && [ -f "$work/nginx/nginx.pid" ]; then
    "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -s stop 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo "  starting lakeshare serve (CPU $server_cpus)" >&2
# taskset execs the server: $! is the server's pid (a function in the background would be a subshell).
taskset -c "$server_cpus" "$lakeshare" serve --config "$work/server.yaml" --listen 127.0.0.1:0 \
  --rate-limit-per-address 0 --rate-limit-per-recipient 0 \
  > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; section_skip "lakeshare serve did not start."; }
  sleep 0.1
done
endpoint=$(sed -n 's/^listening on //p' "$work/server.out")
[ -n "$endpoint" ] || section_skip "lakeshare serve did not print its address."
curl -sS --fail -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{}' "$endpoint/shares/bench/schemas/default/tables/big/query" > "$work/query.ndjson"
file_url=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    f = json.loads(line).get("file")
    if f: print(f["url"]); break' "$work/query.ndjson")
[ -n "$file_url" ] || section_skip "the query answered no file URL."

nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
echo "  starting nginx (1 worker, CPU $server_cpus, port $nginx_port)" >&2
on_server "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" 2> "$work/nginx/start.log"
nginx_started=1
nginx_url="http://127.0.0.1:$nginx_port/part-00000.parquet"
for _ in $(seq 50); do curl -s -o /dev/null "$nginx_url" && break; sleep 0.1; done

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
