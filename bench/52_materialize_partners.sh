#!/usr/bin/env bash
# The materialization cache under many partners (issue 11): one table shared with a row filter on
# a non-partition column against each recipient's `region` property; 1,000 recipients over 20
# distinct region values each ask once for the table as a parquet-format client (no capabilities
# header) and download the first file. The cache keys on the resolved filter, so the files of a
# region are rewritten for its first partner only: the table gives the rewrites the engine made
# (from /metrics), the hit rate, and the /query latency of a region's first partner (cold: the
# rewrite happens before the answer) against its other partners (cached), and how many files
# were served as they are (their statistics prove every row is the partner's: never rewritten).
# BENCH_CLUSTERED=1 adds one file per region holding that region's rows only (a table clustered
# by region), which the statistics shortcut serves as it is to that region's partners; the other
# regions' files are proven to hold none of a partner's rows and are neither rewritten nor
# announced (counted as "not announced").
set -euo pipefail
build="$1"
scratch="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
lakeshare="$build/lakeshare"
partners="${BENCH_PARTNERS:-1000}"
regions="${BENCH_REGIONS:-20}"
rows="${BENCH_PARTNER_ROWS:-20000}"
clustered="${BENCH_CLUSTERED:-0}"

echo "## Materialization cache: $partners partners over $regions filter values"
echo
[ -x "$lakeshare" ] || { echo "Skipped: needs $lakeshare (build it first)."; exit 0; }
work="$(realpath -m "$scratch")/materialize_partners"
rm -rf "$work" && mkdir -p "$work"
printf '#!/bin/sh\nexec taskset -c 0 "%s" "$@"\n' "$lakeshare" > "$work/lakeshare-pinned"
chmod +x "$work/lakeshare-pinned"

python3 - "$here" "$work" "$partners" "$regions" "$rows" "$clustered" <<'PY'
import json
import re
import statistics
import sys
import time
from pathlib import Path

import requests

here, work = Path(sys.argv[1]), Path(sys.argv[2])
partners, regions, rows = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
clustered = sys.argv[6] == "1"
sys.path.insert(0, str(here / "tests" / "e2e"))
from harness import DeltaTableWriter  # noqa: E402
from platform_harness import UC, Api, PlatformServer  # noqa: E402

ADMIN = "bench-admin-token-" + "m" * 32
FILES = 4
FILTER = json.dumps({"op": "equal", "children": [
    {"op": "column", "name": "region", "valueType": "string"},
    {"op": "recipientProperty", "name": "region", "valueType": "string"}]})


def log(message):
    print(f"  {message}", file=sys.stderr, flush=True)


def built_files(base):
    text = requests.get(base + "/metrics", timeout=30).text
    m = re.search(r'lakeshare_materialized_files_total\{outcome="built"\} (\d+)', text)
    return int(m.group(1)) if m else 0


log(f"writing a table of {FILES} files x {rows} rows, every file mixing {regions} regions")
table = work / "tables" / "sales"
w = DeltaTableWriter(table, [("id", "long", False), ("region", "string", True),
                             ("amount", "double", True)])
adds = []
for f in range(FILES):
    adds.append(w.add([{"id": f * rows + i, "region": f"r{(f * rows + i) % regions:02d}",
                        "amount": i * 0.5} for i in range(rows)]))
if clustered:
    for r in range(regions):
        adds.append(w.add([{"id": FILES * rows + r * 1000 + i, "region": f"r{r:02d}",
                            "amount": i * 0.5} for i in range(1000)]))
w.commit(adds, 1714557600000)

with PlatformServer(str(work / "lakeshare-pinned"), work / "data", ADMIN,
                    extra_args=["--rate-limit-per-address", "0",
                                "--rate-limit-per-recipient", "0"]) as server:
    a = Api(server.base, ADMIN)
    a.declare_location("bench", work / "tables")
    a.post(f"{UC}/catalogs", {"name": "c"}, expect=200)
    a.post(f"{UC}/schemas", {"name": "s", "catalog_name": "c"}, expect=200)
    a.post(f"{UC}/tables", {"name": "sales", "catalog_name": "c", "schema_name": "s",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(table)}, expect=200)
    a.post(f"{UC}/shares", {"name": "sh"}, expect=200)
    a.patch(f"{UC}/shares/sh", {"updates": [{"action": "ADD", "data_object": {
        "name": "c.s.sales", "shared_as": "s.sales", "row_filter": FILTER}}]}, expect=200)
    tokens = []
    t0 = time.monotonic()
    for i in range(partners):
        name = f"p{i:04d}"
        rec = a.post(f"{UC}/recipients", {"name": name, "authentication_type": "TOKEN",
                                          "properties_kvpairs": {"properties": {
                                              "region": f"r{i % regions:02d}"}}},
                     expect=200).json()
        a.patch(f"{UC}/shares/sh/permissions",
                {"changes": [{"principal": name, "add": ["SELECT"]}]}, expect=200)
        link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
        profile = Api(server.base, None).get(
            f"{UC}/public/data_sharing_activation/{link.rstrip('/').rsplit('/', 1)[-1]}",
            expect=200).json()
        tokens.append(profile["bearerToken"])
        if (i + 1) % 200 == 0:
            log(f"{i + 1}/{partners} partners onboarded ({time.monotonic() - t0:.0f} s)")
    endpoint = server.base + "/delta-sharing/shares/sh/schemas/s/tables/sales/query"
    cold, warm, seen = [], [], set()
    as_is = 0
    not_announced = 0
    for i, token in enumerate(tokens):
        region = i % regions
        t = time.monotonic()
        r = requests.post(endpoint, json={}, headers={"Authorization": f"Bearer {token}"},
                          timeout=600)
        elapsed = (time.monotonic() - t) * 1000
        assert r.status_code == 200, f"partner {i}: {r.status_code} {r.text[:300]}"
        urls = [json.loads(x)["file"]["url"] for x in r.text.splitlines() if '"file"' in x]
        want = FILES + (1 if clustered else 0)
        assert len(urls) == want, f"partner {i}: {len(urls)} files, expected {want}"
        as_is += sum("/materialized/" not in u for u in urls)
        not_announced += len(adds) - len(urls)
        requests.get(urls[0], timeout=600).raise_for_status()
        (warm if region in seen else cold).append(elapsed)
        seen.add(region)
        if (i + 1) % 200 == 0:
            log(f"{i + 1}/{partners} partners served")
    built = built_files(server.base)

# Files the partners were served (announced); files of other regions are not asked for.
asked = partners * (FILES + (1 if clustered else 0))
layout = (f"{FILES} files x {rows:,} rows (every file mixing the {regions} regions)" +
          (f" and {regions} files x 1,000 rows of one region each" if clustered else ""))
print(f"One table of {layout}, "
      f"shared with a row filter `region = recipientProperty(region)`; {partners:,} recipients, "
      f"region i mod {regions}, each asking once as a parquet-format client, in order "
      f"(`lakeshare serve --data-dir`, one server CPU, rate limits off).")
print()
print("| measurement | value |")
print("| --- | ---: |")
print(f"| files asked for (partners x files) | {asked:,} |")
print(f"| files rewritten (`lakeshare_materialized_files_total{{outcome=\"built\"}}`) | {built:,} |")
print(f"| files served as they are (statistics prove every row passes) | {as_is:,} |")
print(f"| files not announced (statistics prove no row passes; never rewritten) | "
      f"{not_announced:,} |")
print(f"| cache hit rate | {100.0 * (asked - built - as_is) / (asked - as_is):.1f}% |")
print(f"| /query, a region's first partner (cold, {len(cold)}): median / max | "
      f"{statistics.median(cold):.0f} / {max(cold):.0f} ms |")
print(f"| /query, every other partner (cached, {len(warm)}): median / p99 | "
      f"{statistics.median(warm):.1f} / {sorted(warm)[int(len(warm) * 0.99) - 1]:.1f} ms |")
print()
print("Reproduce: `bash bench/52_materialize_partners.sh build build/bench-scratch` "
      "(BENCH_PARTNERS, BENCH_REGIONS, BENCH_PARTNER_ROWS, BENCH_CLUSTERED).")
PY
