#!/usr/bin/env bash
# Federation (issue 12): authenticated GET /delta-sharing/shares with a federated JWT (RS256,
# issued by an identity provider on loopback, checked against a federation policy; the signature
# check cached per token, at most 10,000 tokens) against the bearer-token path, side by side in one
# run, plus the JWT path with the per-token cache off (every request verifies RS256). Same
# server (jwt_auth_bench: http::Server + SharingService + MetastoreShareProvider on SQLite),
# 1,000 recipients of each kind, wrk rotating over every recipient's token, 4 and 64 connections.
# The server is pinned to one CPU and wrk to the other when the machine has two or more.
set -euo pipefail
build="$1"
scratch="$2"
bin="$build/src/sharing/jwt_auth_bench"
recipients="${BENCH_RECIPIENTS:-1000}"
duration="${BENCH_WRK_SECONDS:-10}"

echo "## Federation: list shares with a federated JWT vs a bearer token"
echo
if [ ! -x "$bin" ]; then
  echo "Skipped: needs $bin (LAKESHARE_BENCH=ON)."
  exit 0
fi
if ! command -v wrk > /dev/null; then
  echo "Skipped: needs wrk (apt-get install wrk)."
  exit 0
fi
work="$scratch/federation"
mkdir -p "$work"
server_cpu=() client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset > /dev/null; then
  server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi

# rotate.lua TOKENS_FILE: each request sends the next token of the file (per wrk thread).
cat > "$work/rotate.lua" <<'LUA'
local tokens = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  i = math.random(1, #tokens)
end
function request()
  i = i % #tokens + 1
  return wrk.format("GET", "/delta-sharing/shares", {["Authorization"] = "Bearer " .. tokens[i]})
end
LUA

wrk_json() {
  python3 -c '
import re, sys, json
text = sys.stdin.read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    n = float(m.group(1))
    return n / 1000 if m.group(2) == "us" else n * 1000 if m.group(2) == "s" else n
out = {"label": sys.argv[1], "c": int(sys.argv[2])}
for q in ("50", "99"):
    m = re.search(r"^\s+" + q + r"%\s+(\S+)", text, re.M)
    out["p" + q + "_ms"] = ms(m.group(1)) if m else None
m = re.search(r"Requests/sec:\s+([\d.]+)", text)
out["rps"] = float(m.group(1)) if m else None
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
out["non2xx"] = int(m.group(1)) if m else 0
print(json.dumps(out))' "$1" "$2"
}

# measure CACHE LABEL TOKENS...: one server, wrk per token file and connection count.
results="$work/results.jsonl"
: > "$results"
measure() {
  local cache="$1"
  shift
  "${server_cpu[@]}" "$bin" serve "$work/data" --recipients "$recipients" \
    --verify-cache "$cache" > "$work/port" 2> "$work/serve.log" &
  local pid=$!
  for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.2; done
  local port
  port=$(cat "$work/port")
  while [ "$#" -gt 0 ]; do
    local label="$1" file="$2"
    shift 2
    for c in 4 64; do
      echo "  $label, $c connections" >&2
      "${client_cpu[@]}" wrk -t2 -c"$c" -d"${duration}s" --latency -s "$work/rotate.lua" \
        "http://127.0.0.1:$port" -- "$work/data/$file" | wrk_json "$label" "$c" >> "$results"
    done
  done
  kill -TERM "$pid"
  wait "$pid" || true
  cat "$work/serve.log" >&2
  rm -f "$work/port"
}
measure 10000 "bearer token" bearer.txt "federated JWT (signature cached per token)" jwt.txt
measure 0 "federated JWT (no cache: RS256 verified per request)" jwt.txt

python3 - "$results" "$recipients" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("%s recipients of each kind, one share each; every request authenticates a random "
      "recipient's token and lists its shares. JWT: RS256 access tokens of an identity provider "
      "on loopback (keys fetched once), checked against each recipient's federation policy "
      "(issuer, audience, sub)." % format(int(sys.argv[2]), ","))
print()
print("| credential | connections | requests/s | p50 | p99 | non-2xx |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print("| %s | %d | %.0f | %.2f ms | %.2f ms | %d |" % (r["label"], r["c"], r["rps"] or 0,
          r["p50_ms"] or 0, r["p99_ms"] or 0, r["non2xx"]))
PY
