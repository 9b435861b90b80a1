#!/usr/bin/env bash
# The cost of the network limits (issue 10): authenticated GET /delta-sharing/shares under wrk
# (2 threads, 64 connections) against `lakeshare serve --data-dir` (SQLite metastore) with every
# limit switched on but set above the offered load (so each request pays the checks: per-address
# and per-recipient token buckets, the per-address connection count, the head timeout, audit
# aggregation) against the same server with the limits off. The two run in alternating pairs
# (on, off, on, off, ...) so drift on a shared machine falls on both; the table gives the median
# of each. Server pinned to CPU 0, wrk to CPU 1 when the machine has two or more.
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
lakeshare="$build/lakeshare"
pairs="${BENCH_PAIRS:-3}"
seconds="${BENCH_WRK_SECONDS:-10}"

echo "## Limits on vs off: authenticated list-shares"
echo
[ -x "$lakeshare" ] || { echo "Skipped: needs $lakeshare (build it first)."; exit 0; }
command -v wrk > /dev/null || { echo "Skipped: needs wrk (apt-get install wrk)."; exit 0; }
work="$(realpath -m "$scratch")/limits_overhead"
rm -rf "$work" && mkdir -p "$work"
server_cpus=0 client_cpus=0
if [ "$(nproc)" -ge 2 ]; then server_cpus=0 client_cpus=1; fi
printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "$server_cpus" "$lakeshare" > "$work/lakeshare-pinned"
chmod +x "$work/lakeshare-pinned"

python3 - "$here" "$work" "$pairs" "$seconds" "$client_cpus" <<'PY'
import re
import statistics
import subprocess
import sys
from pathlib import Path

here, work = Path(sys.argv[1]), Path(sys.argv[2])
pairs, seconds, client_cpus = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, str(here / "tests" / "e2e"))
from platform_harness import PlatformServer  # noqa: E402
from network_limits_e2e import ADMIN_TOKEN, setup_partner  # noqa: E402

HIGH = "1000000:2000000"
CONFIGS = {
    "limits on (above the load)": ["--rate-limit-per-address", HIGH,
                                   "--rate-limit-per-recipient", HIGH,
                                   "--max-connections-per-address", "256"],
    "limits off": ["--rate-limit-per-address", "0", "--rate-limit-per-recipient", "0",
                   "--max-connections-per-address", "0"],
}


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port, token):
    script = work / "token.lua"
    script.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    out = subprocess.run(["taskset", "-c", client_cpus, "wrk", "-t2", "-c64", f"-d{seconds}s",
                          "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/delta-sharing/shares"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, to_ms(*p99.groups()), int(bad.group(1)) if bad else 0


results = {name: [] for name in CONFIGS}
for i in range(pairs):
    for name, args in CONFIGS.items():
        data_dir = work / f"{i}-{len(results[name])}-{name.split()[1]}"
        with PlatformServer(str(work / "lakeshare-pinned"), data_dir, ADMIN_TOKEN,
                            extra_args=args) as server:
            port = int(server.base.rsplit(":", 1)[1])
            token = setup_partner(server, "acme")
            rps, p99, bad = wrk(port, token)
        results[name].append((rps, p99, bad))
        print(f"  pair {i + 1}/{pairs} {name}: {rps:,.0f} req/s, p99 {p99:.2f} ms, "
              f"non-2xx {bad}", file=sys.stderr, flush=True)

on, off = (results[n] for n in CONFIGS)
med = lambda rows, k: statistics.median(r[k] for r in rows)  # noqa: E731
print(f"wrk (2 threads, 64 connections, {seconds} s) with one recipient's bearer token, "
      f"{pairs} alternating pairs, medians:")
print()
print("| | " + " | ".join(CONFIGS) + " | on / off |")
print("| --- | --- | --- | --- |")
print(f"| requests/s | {med(on, 0):,.0f} | {med(off, 0):,.0f} | {med(on, 0) / med(off, 0):.3f} |")
print(f"| p99 latency | {med(on, 1):.2f} ms | {med(off, 1):.2f} ms | "
      f"{med(on, 1) / med(off, 1):.3f} |")
print(f"| non-2xx answers | {sum(r[2] for r in on)} | {sum(r[2] for r in off)} | |")
print()
print("Reproduce: `bash bench/71_limits_overhead.sh build build/bench-scratch` "
      "(BENCH_PAIRS, BENCH_WRK_SECONDS).")
PY
