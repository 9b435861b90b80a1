#!/usr/bin/env bash
# Anonymous flood (issue 10, items 3 and 4): wrk sends GET /delta-sharing/shares with a bad bearer
# token for BENCH_FLOOD_SECONDS (default 15) over 64 connections, while BENCH_IDLE_SOCKETS (default
# 10,000) idle sockets are held open from another address and a partner with a valid token asks
# for its shares, one request at a time, from a third address. Three servers in turn:
#  1. `lakeshare serve --data-dir` with its defaults (per-address rate limit 1000:2000, anonymous
#     refusals aggregated per address and minute);
#  2. the same with --audit-refusal-window-seconds 0 --rate-limit-per-address 0: one audit row per
#     refused request and no rate limit, the audit behaviour before the limits;
#  3. nginx (Debian package) answering every request with a static 401 and writing its access log,
#     the named baseline for requests/s and disk growth per refused request.
# Measured: requests/s and answers by status (wrk), audit rows and metastore bytes added (SQLite
# file + WAL, after a graceful stop), the server's peak RSS, the partner's latencies (p50, p99,
# failures) during the flood. Servers on CPU 0, clients on CPU 1 when there are two.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
lakeshare="$build/lakeshare"
nginx_bin="${NGINX:-/usr/sbin/nginx}"
flood_seconds="${BENCH_FLOOD_SECONDS:-15}"
idle_sockets="${BENCH_IDLE_SOCKETS:-10000}"

section_skip() {
  echo "## Anonymous flood: audit growth, rate limits, a partner's latency"
  echo
  echo "Skipped: $1"
  exit 0
}
[ -x "$lakeshare" ] || section_skip "needs $lakeshare (build it first)."
[ -x "$nginx_bin" ] || section_skip "needs nginx ($nginx_bin; Debian package nginx-light or nginx)."
command -v wrk >/dev/null || section_skip "needs wrk (Debian package wrk)."
python3 -c 'import requests' 2>/dev/null || section_skip "needs python3-requests."

work="$scratch/flood"
rm -rf "$work"
mkdir -p "$work"
if [ "$(nproc)" -ge 2 ]; then server_cpus=0; client_cpus=1; else server_cpus=0; client_cpus=0; fi
printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "$server_cpus" "$lakeshare" > "$work/lakeshare-pinned"
chmod +x "$work/lakeshare-pinned"

python3 - "$here" "$work" "$nginx_bin" "$flood_seconds" "$idle_sockets" "$server_cpus" \
  "$client_cpus" <<'PY'
import os
import re
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

here, work, nginx_bin = Path(sys.argv[1]), Path(sys.argv[2]).resolve(), sys.argv[3]
flood_seconds, idle_count = int(sys.argv[4]), int(sys.argv[5])
server_cpus, client_cpus = sys.argv[6], sys.argv[7]
sys.path.insert(0, str(here / "tests" / "e2e"))
from platform_harness import PlatformServer, free_port  # noqa: E402
from network_limits_e2e import ADMIN_TOKEN, get_from, raise_open_files, setup_partner  # noqa: E402


def log(message):
    print(f"  {message}", file=sys.stderr, flush=True)


def wrk(url):
    """requests/s, total requests, {status class: count} of one wrk flood with a bad token."""
    script = work / "bad_token.lua"
    script.write_text('wrk.headers["Authorization"] = "Bearer not-a-token"\n'
                      'statuses = {}\n'
                      'response = function(status, headers, body)\n'
                      '  statuses[status] = (statuses[status] or 0) + 1\nend\n')
    out = subprocess.run(["taskset", "-c", client_cpus, "wrk", "-t2", "-c64",
                          f"-d{flood_seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, total, int(non2xx.group(1)) if non2xx else 0


def metastore_bytes(data_dir):
    return sum((data_dir / n).stat().st_size for n in ("metastore.db", "metastore.db-wal")
               if (data_dir / n).exists())


def audit_count(data_dir):
    db = sqlite3.connect(f"file:{data_dir / 'metastore.db'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    finally:
        db.close()


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def partner_probe(port, token, stop, latencies, failures):
    while not stop.is_set():
        t0 = time.perf_counter()
        status, _, _ = get_from("127.0.0.2", port, "/delta-sharing/shares", token)
        if status == 200:
            latencies.append((time.perf_counter() - t0) * 1000)
        else:
            failures.append(status)
        time.sleep(0.02)


def hold_idle_sockets(port, count):
    held = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.bind(("127.0.0.3", 0))
            s.connect(("127.0.0.1", port))
            held.append(s)
        except OSError:
            s.close()
    return held


def run_lakeshare(name, extra_args):
    data_dir = work / name
    log(f"{name}: starting lakeshare serve {' '.join(extra_args)}")
    with PlatformServer(str(work / "lakeshare-pinned"), data_dir, ADMIN_TOKEN,
                        extra_args=extra_args) as server:
        port = int(server.base.rsplit(":", 1)[1])
        token = setup_partner(server, "acme")
        time.sleep(1)  # the setup's audit events reach the metastore
        rows_before, bytes_before = audit_count(data_dir), metastore_bytes(data_dir)
        idle = hold_idle_sockets(port, idle_count)
        log(f"{name}: {len(idle)} idle sockets from 127.0.0.3 open; flooding {flood_seconds}s")
        stop, latencies, failures = threading.Event(), [], []
        probe = threading.Thread(target=partner_probe, args=(port, token, stop, latencies, failures))
        probe.start()
        rps, total, non2xx = wrk(f"{server.base}/delta-sharing/shares")
        stop.set()
        probe.join()
        for s in idle:
            s.close()
        rss = peak_rss_mb(server.proc.pid)
        server.stop()
    rows = audit_count(data_dir) - rows_before
    grown = metastore_bytes(data_dir) - bytes_before
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan")
    return {"rps": rps, "total": total, "non2xx": non2xx, "rows": rows, "bytes": grown,
            "rss": rss, "partner_n": len(latencies), "partner_fail": len(failures),
            "p50": statistics.median(latencies) if latencies else float("nan"), "p99": p99}


def run_nginx():
    ndir = work / "nginx"
    for d in ("logs", "tmp"):
        (ndir / d).mkdir(parents=True, exist_ok=True)
    port = free_port()
    (ndir / "nginx.conf").write_text(f"""
daemon on;
worker_processes 1;
pid {ndir}/nginx.pid;
error_log {ndir}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {ndir}/logs/access.log;
  client_body_temp_path {ndir}/tmp/body;
  proxy_temp_path {ndir}/tmp/proxy;
  fastcgi_temp_path {ndir}/tmp/fastcgi;
  uwsgi_temp_path {ndir}/tmp/uwsgi;
  scgi_temp_path {ndir}/tmp/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      default_type application/json;
      return 401 '{{"errorCode":"UNAUTHENTICATED","message":"Invalid bearer token"}}';
    }}
  }}
}}
""")
    log("nginx: static 401, access log on")
    subprocess.run(["taskset", "-c", server_cpus, nginx_bin, "-p", str(ndir), "-c",
                    str(ndir / "nginx.conf")], check=True)
    try:
        time.sleep(0.5)
        rps, total, non2xx = wrk(f"http://127.0.0.1:{port}/delta-sharing/shares")
        grown = (ndir / "logs" / "access.log").stat().st_size
    finally:
        subprocess.run([nginx_bin, "-p", str(ndir), "-c", str(ndir / "nginx.conf"), "-s", "stop"])
    return {"rps": rps, "total": total, "non2xx": non2xx, "bytes": grown}


raise_open_files(idle_count + 4096)
version = subprocess.run([nginx_bin, "-v"], capture_output=True, text=True).stderr.strip()
limited = run_lakeshare("limited", [])
unlimited = run_lakeshare("per-request", ["--audit-refusal-window-seconds", "0",
                                          "--rate-limit-per-address", "0"])
nginx = run_nginx()


def mb(n):
    return f"{n / 1e6:.1f} MB"


def per_req(n, total):
    return f"{n / total:.0f} B" if total else "-"


print("## Anonymous flood: audit growth, rate limits, a partner's latency")
print()
print(f"wrk (2 threads, 64 connections, {flood_seconds} s) sends `GET /delta-sharing/shares` with "
      f"a bad bearer token from 127.0.0.1 while {idle_count:,} idle sockets are opened from "
      f"127.0.0.3 and a partner with a valid token asks for its shares from 127.0.0.2 (one "
      f"request at a time, 20 ms apart). `lakeshare serve --data-dir` (SQLite metastore) with its "
      f"defaults, then with `--audit-refusal-window-seconds 0 --rate-limit-per-address 0` (one "
      f"audit row per refusal, no rate limit: the audit behaviour before the limits); "
      f"{version.replace('nginx version: ', '')} answering a static 401 with its access log on "
      f"as the named baseline. Servers pinned to CPU {server_cpus}, clients to CPU {client_cpus}.")
print()
print("| measurement | lakeshare, defaults | lakeshare, per-request audit, no rate limit | nginx static 401 |")
print("| --- | ---: | ---: | ---: |")
print(f"| flood requests answered (all non-2xx) | {limited['total']:,} | {unlimited['total']:,} | "
      f"{nginx['total']:,} |")
print(f"| flood requests/s | {limited['rps']:,.0f} | {unlimited['rps']:,.0f} | {nginx['rps']:,.0f} |")
print(f"| audit rows added | {limited['rows']:,} | {unlimited['rows']:,} | (access log lines: "
      f"{nginx['total']:,}) |")
print(f"| disk added (metastore file + WAL; nginx: access log) | {mb(limited['bytes'])} | "
      f"{mb(unlimited['bytes'])} | {mb(nginx['bytes'])} |")
print(f"| disk added per flood request | {per_req(limited['bytes'], limited['total'])} | "
      f"{per_req(unlimited['bytes'], unlimited['total'])} | {per_req(nginx['bytes'], nginx['total'])} |")
print(f"| server peak RSS | {limited['rss']:.0f} MB | {unlimited['rss']:.0f} MB | |")
print(f"| partner requests during the flood: answered 200 / refused | {limited['partner_n']} / "
      f"{limited['partner_fail']} | {unlimited['partner_n']} / {unlimited['partner_fail']} | |")
print(f"| partner latency p50 / p99 | {limited['p50']:.1f} / {limited['p99']:.1f} ms | "
      f"{unlimited['p50']:.1f} / {unlimited['p99']:.1f} ms | |")
print()
print("With the defaults most flood requests are answered 429 by the per-address limit before "
      "any token check, and the audit keeps the first refusal of each kind as it came plus one "
      "aggregated count per address and minute (the audit rows above include the partner's "
      "served requests, one row each), so the metastore's growth depends on the flood's duration and "
      "number of addresses, not on its request count. Reproduce: `bash bench/70_flood.sh build "
      "build/bench-scratch` (BENCH_FLOOD_SECONDS, BENCH_IDLE_SOCKETS).")
PY
