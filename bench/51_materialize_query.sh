#!/usr/bin/env bash
# A deletion-vector table read by a parquet-format client (no capabilities header) through
# `lakeshare serve --materialize-cache`: time to the first byte and to the last of the /query
# answer and of the download of the file it names, for a first (cold: the file is rewritten
# before the answer) and a second (cached) query. The table is bench/50_materialize.sh's (run it
# first; BENCH_MATERIALIZE_ROWS picks the same table).
set -euo pipefail
build="$1"
scratch="$2"
rows="${BENCH_MATERIALIZE_ROWS:-4000000}"
table="$scratch/materialize-dv-$rows"
if [ ! -f "$table/_delta_log/00000000000000000000.json" ]; then
  echo "no table at $table: run bench/50_materialize.sh $build $scratch first" >&2
  exit 1
fi
work="$scratch/materialize-query"
rm -rf "$work"
mkdir -p "$work"
cat > "$work/config.yaml" <<EOF
version: 1
shares:
- name: bench
  schemas:
  - name: s
    tables:
    - name: dv
      location: $(cd "$table" && pwd)
authorization:
  bearerToken: bench-token-0123456789
EOF
"$build/lakeshare" serve --config "$work/config.yaml" --listen 127.0.0.1:0 \
  --materialize-cache "$work/cache" --materialize-threads 1 \
  > "$work/stdout" 2> "$work/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
endpoint=$(sed -n 's/^listening on //p' "$work/stdout")
[ -n "$endpoint" ] || { echo "the server did not start; see $work/server.log" >&2; exit 1; }
query() {  # prints "first_byte_s last_byte_s status" of /query, its body in $work/$1.ndjson
  curl -s -o "$work/$1.ndjson" -w '%{time_starttransfer} %{time_total} %{http_code}' \
    -H 'Authorization: Bearer bench-token-0123456789' -H 'Content-Type: application/json' \
    -d '{}' "$endpoint/shares/bench/schemas/s/tables/dv/query"
}
download() {  # the file the answer names
  url=$(python3 -c "import json,sys; print([json.loads(l)['file']['url'] for l in open(sys.argv[1]) if '\"file\"' in l][0])" "$work/$1.ndjson")
  curl -s -o "$work/$1.parquet" -w '%{time_starttransfer} %{time_total} %{http_code}' "$url"
}
echo "  cold query (rewrites the file)" >&2
# A rewrite longer than the server's --materialize-wait-ms is answered 503 + Retry-After while it
# goes on; the client asks again (as the connectors do) until the answer is 200.
cold_start=$(date +%s.%N)
cold_retries=0
while :; do
  cold=$(query cold)
  first_answer=${first_answer:-$cold}
  [ "${cold##* }" = 503 ] || break
  cold_retries=$((cold_retries + 1))
  [ "$cold_retries" -le 600 ] || { echo "still 503 after 600 retries" >&2; exit 1; }
  sleep 1
done
cold_total_ms=$(python3 -c "import sys, time; print(int((time.time() - float(sys.argv[1])) * 1000))" "$cold_start")
cold_dl=$(download cold)
echo "  cached query" >&2
warm=$(query warm)
warm_dl=$(download warm)
python3 - "$table/part-0.parquet" "$cold" "$cold_dl" "$warm" "$warm_dl" "$work/warm.parquet" \
  "$cold_retries" "$cold_total_ms" "$first_answer" <<'PY'
import os, sys
src, cold, cold_dl, warm, warm_dl, out, retries, cold_total, first = sys.argv[1:]
def parse(s):
    a, b, code = s.split()
    return float(a) * 1000, float(b) * 1000, code
rows = []
for name, q, d in (("first (cold)", cold, cold_dl), ("second (cached)", warm, warm_dl)):
    qf, ql, qc = parse(q)
    df, dl, dc = parse(d)
    rows.append(f"| {name} | {qc} | {qf:.0f} ms | {ql:.0f} ms | {dc} | {df:.0f} ms | {dl:.0f} ms |")
print("## Materialized query: a deletion-vector table read by a parquet-format client")
print()
print(f"Table: bench/50_materialize.sh's, one file of {os.path.getsize(src)/1e6:.1f} MB; the client "
      f"sends no capabilities header, so it is given the rewritten copy "
      f"({os.path.getsize(out)/1e6:.1f} MB); server with --materialize-threads 1.")
print()
print("| query | /query status | first byte | last byte | download status | first byte | last byte |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
print("\n".join(rows))
if int(retries):
    print()
    print(f"The first query's rewrite outlasted the server's wait: its first answer was a 503 + "
          f"Retry-After after {float(first.split()[1]) * 1000:.0f} ms; it was answered 503 "
          f"{retries} time(s) (the client asked again every second) and 200 after "
          f"{int(cold_total) / 1000:.1f} s in all, from its first request to the last byte of the "
          f"200; the row above is that last, 200 answer.")
print()
print("Reproduce: `bash bench/50_materialize.sh build build/bench-scratch && "
      "bash bench/51_materialize_query.sh build build/bench-scratch`.")
PY
