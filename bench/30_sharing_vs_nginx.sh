#!/usr/bin/env bash
# Delta Sharing server vs nginx (Debian package), side by side in one run:
#  1. the full /query response of kernel/300k-add-files-100-col-partitioned served by
#     `lakeshare serve` (time, bytes, server memory growth over the cached snapshot) against
#     nginx serving the same bytes as a static file;
#  2. a partition-equality query on that table (jsonPredicateHints and predicateHints) against
#     the unfiltered one;
#  3. authenticated GET /delta-sharing/shares under wrk with 64 connections against nginx
#     serving a static file of the same size.
# Both servers are pinned to the same CPU (taskset) and the clients (curl, wrk) to the other one
# when the machine has two or more; nginx runs one worker process per server CPU.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${LAKESHARE_CORPUS:-$here/../shared/delta-corpus}"
lakeshare="$build/lakeshare"
nginx_bin="${NGINX:-/usr/sbin/nginx}"
repeat="${BENCH_REPEAT:-7}"
wrk_seconds="${BENCH_WRK_SECONDS:-10}"
wrk_connections=64
archive="$corpus/kernel/300k-add-files-100-col-partitioned.tar.zst"

section_skip() {
  echo "## Sharing server vs nginx"
  echo
  echo "Skipped: $1"
  exit 0
}
[ -x "$lakeshare" ] || section_skip "needs $lakeshare (build it first)."
[ -f "$archive" ] || section_skip "needs the shared corpus ($archive)."
[ -x "$nginx_bin" ] || section_skip "needs nginx ($nginx_bin; Debian package nginx-light or nginx)."
command -v wrk >/dev/null || section_skip "needs wrk (Debian package wrk)."
command -v curl >/dev/null || section_skip "needs curl."

mkdir -p "$scratch/delta"
table="$scratch/delta/300k-add-files-100-col-partitioned"
if [ ! -d "$table/_delta_log" ]; then
  echo "  unpacking 300k-add-files-100-col-partitioned" >&2
  tar --zstd -xf "$archive" -C "$scratch/delta"
fi

# CPU placement: servers on CPU 0, clients on CPU 1 (when there is one).
cpus=$(nproc)
if [ "$cpus" -ge 2 ]; then
  server_cpus="0"
  client_cpus="1"
  server_workers=1
else
  server_cpus="0"
  client_cpus="0"
  server_workers=1
fi
on_client() { taskset -c "$client_cpus" "$@"; }

work="$scratch/sharing"
rm -rf "$work"
mkdir -p "$work/www" "$work/nginx/logs" "$work/nginx/tmp"
. "$here/bench/lib/serve_beside_nginx.sh"
write_share_config t300k "$table"
trap stop_servers EXIT
start_lakeshare
query_url="$endpoint/shares/bench/schemas/default/tables/t300k/query"
auth="Authorization: Bearer $token"

# curl: "<seconds> <bytes>" of one request whose body is written to $1.
fetch() {
  local out="$1"
  shift
  on_client curl -sS --fail -o "$out" -w '%{time_total} %{size_download}\n' "$@"
}
query() {
  fetch "$1" -X POST -H "$auth" -H 'Content-Type: application/json' --data-binary "$2" "$query_url"
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

echo "  warm-up query (loads and caches the snapshot)" >&2
query "$work/www/query.ndjson" '{}' > /dev/null
query "$work/www/query.ndjson" '{}' > /dev/null
rss_warm_kb=$(status_kb "$server_pid" VmRSS)
lines=$(wc -l < "$work/www/query.ndjson")
fetch "$work/www/shares.json" -H "$auth" "$endpoint/shares" > /dev/null

start_nginx "$server_workers" "$work/www" shares.json "keepalive_requests 1000000;"
fetch "$work/nginx.out" "http://127.0.0.1:$nginx_port/query.ndjson" > /dev/null
cmp -s "$work/nginx.out" "$work/www/query.ndjson" || section_skip "nginx served different bytes."

echo "  full query x$repeat, lakeshare and nginx alternating" >&2
: > "$work/full.txt"
: > "$work/peak.txt"
: > "$work/nginx_full.txt"
for _ in $(seq "$repeat"); do
  echo 5 > "/proc/$server_pid/clear_refs"  # resets VmHWM to the current RSS
  query /dev/null '{}' >> "$work/full.txt"
  status_kb "$server_pid" VmHWM >> "$work/peak.txt"
  fetch /dev/null "http://127.0.0.1:$nginx_port/query.ndjson" >> "$work/nginx_full.txt"
done

json_hint='{"jsonPredicateHints": "{\"op\":\"equal\",\"children\":[{\"op\":\"column\",\"name\":\"partition_col\",\"valueType\":\"string\"},{\"op\":\"literal\",\"value\":\"part_7\",\"valueType\":\"string\"}]}"}'
sql_hint='{"predicateHints": ["partition_col = '"'"'part_7'"'"'"]}'
echo "  partition-equality queries x$repeat, lakeshare" >&2
: > "$work/json_hint.txt"
: > "$work/sql_hint.txt"
for _ in $(seq "$repeat"); do
  query /dev/null "$json_hint" >> "$work/json_hint.txt"
  query /dev/null "$sql_hint" >> "$work/sql_hint.txt"
done
query "$work/json_hint.out" "$json_hint" > /dev/null
query "$work/sql_hint.out" "$sql_hint" > /dev/null
hint_lines=$(wc -l < "$work/json_hint.out")
sql_hint_lines=$(wc -l < "$work/sql_hint.out")

wrk_script="$work/wrk_auth.lua"
echo "wrk.headers[\"Authorization\"] = \"Bearer $token\"" > "$wrk_script"
run_wrk() {
  # "<requests/s> <non-2xx responses>" of one wrk run; 2 client threads.
  on_client wrk -t2 -c"$wrk_connections" -d"${wrk_seconds}s" "$@" 2>&1 |
    awk '/^Requests\/sec/ {r = $2} /Non-2xx/ {e = $NF} END {print r + 0, e + 0}'
}
echo "  wrk GET /shares and static file, ${wrk_seconds}s x3 each, alternating" >&2
: > "$work/wrk_ours.txt"
: > "$work/wrk_nginx.txt"
for _ in 1 2 3; do
  run_wrk -s "$wrk_script" "$endpoint/shares" >> "$work/wrk_ours.txt"
  run_wrk "http://127.0.0.1:$nginx_port/shares.json" >> "$work/wrk_nginx.txt"
done
server_threads=$(ls "/proc/$server_pid/task" | wc -l)

python3 - "$work" "$rss_warm_kb" "$lines" "$hint_lines" "$sql_hint_lines" "$repeat" \
  "$server_cpus" "$client_cpus" "$server_workers" "$server_threads" "$wrk_seconds" \
  "$wrk_connections" <<'PY'
import os, statistics, sys
work = sys.argv[1]
rss_warm_kb = int(sys.argv[2])
lines, hint_lines, sql_hint_lines, repeat = (int(a) for a in sys.argv[3:7])
server_cpus, client_cpus, workers, threads, wrk_seconds, conns = sys.argv[7:13]

def runs(name):
    out = []
    with open(os.path.join(work, name)) as f:
        for line in f:
            t, n = line.split()
            out.append((float(t), int(float(n))))
    return out

def floats(name):
    with open(os.path.join(work, name)) as f:
        return [float(x) for x in f.read().split()]

full, nginx = runs("full.txt"), runs("nginx_full.txt")
jh, sh = runs("json_hint.txt"), runs("sql_hint.txt")
peaks = floats("peak.txt")
def wrk(name):
    pairs = [line.split() for line in open(os.path.join(work, name))]
    if any(int(e) for _, e in pairs):
        sys.exit(f"bench: {name}: wrk saw non-2xx responses")
    return [float(r) for r, _ in pairs]
ours_rps, nginx_rps = wrk("wrk_ours.txt"), wrk("wrk_nginx.txt")
size = full[0][1]
best = lambda r: min(t for t, _ in r)
med = lambda r: statistics.median(t for t, _ in r)
mbps = lambda t: size / t / 1e6
growth_mb = (max(peaks) - rss_warm_kb) / 1024
speed_ratio = best(nginx) / best(full)
speed_ratio_med = med(nginx) / med(full)
hint_pct = 100 * best(jh) / best(full)
sql_pct = 100 * best(sh) / best(full)
rps_ratio = max(ours_rps) / max(nginx_rps)
rps_ratio_med = statistics.median(ours_rps) / statistics.median(nginx_rps)
shares_size = os.path.getsize(os.path.join(work, "www", "shares.json"))
met = lambda ok: "met" if ok else "NOT met"

print("## Sharing server vs nginx")
print()
print(f"Table `kernel/300k-add-files-100-col-partitioned` served by `lakeshare serve` (YAML config, bearer "
      f"token, local storage, self-signed file URLs); nginx {os.popen('/usr/sbin/nginx -v 2>&1').read().split('/')[-1].strip()} "
      f"serves the saved responses as static files. Both servers pinned to CPU {server_cpus} "
      f"(lakeshare: its default io and handler threads, {threads} threads in all; nginx: {workers} worker "
      f"process, sendfile on); curl and wrk on CPU {client_cpus}. Both write an access log line per request.")
print()
print(f"| measurement | lakeshare | nginx | ratio | goal |")
print("| --- | ---: | ---: | ---: | --- |")
print(f"| full `/query` response, {lines:,} lines, {size/1e6:.1f} MB: best of {repeat} | {best(full)*1e3:.0f} ms "
      f"({mbps(best(full)):.0f} MB/s) | {best(nginx)*1e3:.0f} ms ({mbps(best(nginx)):.0f} MB/s) | "
      f"{speed_ratio:.2f} of nginx's speed | >= 0.33: {met(speed_ratio >= 1/3)} |")
print(f"| same, median | {med(full)*1e3:.0f} ms | {med(nginx)*1e3:.0f} ms | {speed_ratio_med:.2f} | |")
print(f"| server memory growth during the full response (peak RSS minus RSS after warm-up) | "
      f"{growth_mb:.1f} MB (RSS {rss_warm_kb/1024:.0f} MB after warm-up, peak {max(peaks)/1024:.0f} MB) | | | "
      f"< 50 MB: {met(growth_mb < 50)} |")
print(f"| partition-equality query, `jsonPredicateHints` `partition_col = 'part_7'` ({hint_lines:,} lines): best of {repeat} | "
      f"{best(jh)*1e3:.1f} ms | | {hint_pct:.2f}% of unfiltered | < 5%: {met(hint_pct < 5)} |")
print(f"| same with `predicateHints` ({sql_hint_lines:,} lines) | {best(sh)*1e3:.1f} ms | | {sql_pct:.2f}% of unfiltered | < 5%: {met(sql_pct < 5)} |")
print(f"| authenticated `GET /delta-sharing/shares` ({shares_size} bytes) vs static file of the same bytes, wrk "
      f"{conns} connections, 2 threads, {wrk_seconds}s: best of 3 | {max(ours_rps):,.0f} req/s | {max(nginx_rps):,.0f} req/s | "
      f"{rps_ratio:.2f} | >= 0.5: {met(rps_ratio >= 0.5)} |")
print(f"| same, median | {statistics.median(ours_rps):,.0f} req/s | {statistics.median(nginx_rps):,.0f} req/s | {rps_ratio_med:.2f} | |")
print()
print("Times are curl's `time_total` for the whole response (request sent to last byte received). "
      "The peak RSS is the server's VmHWM, reset through /proc/PID/clear_refs before each measured query. "
      "Reproduce: `make bench` (section bench/30_sharing_vs_nginx.sh), or "
      "`bash bench/30_sharing_vs_nginx.sh build build/bench-scratch` (BENCH_REPEAT, BENCH_WRK_SECONDS).")
PY
