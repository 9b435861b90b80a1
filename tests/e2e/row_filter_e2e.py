#!/usr/bin/env python3
"""Per-recipient row filters and column lists are physically enforced (issue 11).

One Delta table (change data feed on) whose every data file mixes the countries DE, FR and NL and
holds an `email` column is shared with a row filter on the non-partition column `country` against
each recipient's `country` property and a column list without `email`. Three recipients: `de`
(country=DE), `fr` (country=FR) and `nobody` (no country property). Each asks as a dashboard
client does (no capabilities header: the parquet format) for the snapshot, the table at version 0
(time travel) and the change data feed of versions 1-2; every file it is given is downloaded and
read with DuckDB (tools/duckdb), not with the code under test. Each file must hold only the
recipient's rows and only the listed columns, the rows must be exactly the recipient's rows the
test wrote, and `nobody` must get no row at all (not everything).

The audit (`lakeshare admin audit`) must then say, per recipient, which source files were
rewritten for it (built, or served from the cache built for another request) under which
transform digest (one per resolved filter: de's differs from fr's), with rows and bytes; and a
fourth recipient `nl`, whose query fails because the table's data files were deleted, must find
that failure audited under its name with the file that failed.

Tables `tp` and `tpc` (the same data, partitioned by the date column `day`; `tpc` shared with
the column list id, country, which drops the partition column) are shared with a filter mixing a
data column and the partition column: `country = recipientProperty(country) AND day >=
'2024-01-02'`. Data files do not hold `day` (its value is in each add action's partitionValues):
the rewrite reads it from there. Each recipient's /query (snapshot and startingVersion) must
announce only the files of the passing partitions (the lines of the response are counted: the
2024-01-01 partition, the null partition and the removed file are not even announced), every
downloaded file must hold exactly the recipient's rows of those partitions, `tpc`'s files only
id and country and its partitionValues no `day`, and `nobody` must be announced no file.

A second table `tc`, shared with the same row filter and no column list, holds a file of DE rows
only, one of FR rows only and a mixed one: their statistics let the server serve the DE file to
`de` as it is (its original /files/ URL), the mixed file rewritten (/materialized/), the FR file
not at all, on the snapshot and on startingVersion; the rows downloaded are still exactly de's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter  # noqa: E402
from platform_harness import UC, Api, PlatformServer, wait_until  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "r" * 32
DUCKDB = Path(__file__).resolve().parent.parent / "conformance" / "delta_duckdb.mjs"
COUNTRIES = ("DE", "FR", "NL")
VISIBLE = ["id", "country", "amount"]  # the column list: `email` is never shared
FILTER = json.dumps({"op": "equal", "children": [
    {"op": "column", "name": "country", "valueType": "string"},
    {"op": "recipientProperty", "name": "country", "valueType": "string"}]})
failures: list[str] = []


def check(ok: bool, what: str, detail: str = ""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + ("" if ok else f"\n     {detail}"), flush=True)
    if not ok:
        failures.append(what)


def rows_of(first_id: int, n: int, change_type: str | None = None):
    rows = []
    for i in range(first_id, first_id + n):
        row = {"id": i, "country": COUNTRIES[i % 3], "email": f"user{i}@example.com",
               "amount": float(i) * 1.5}
        if change_type:
            row["_change_type"] = change_type
        rows.append(row)
    return rows


def write_table(root: Path) -> dict:
    """Versions 0 and 1 append mixed-country files, version 2 deletes rows 0-5 (with a change
    data file). Returns the ids per version for the expected answers."""
    w = DeltaTableWriter(root, [("id", "long", False), ("country", "string", True),
                                ("email", "string", True), ("amount", "double", True)],
                         configuration={"delta.enableChangeDataFeed": "true"})
    v0 = w.add(rows_of(0, 30))
    w.commit([v0], 1714557600000)
    v1 = w.add(rows_of(30, 30))
    w.commit([v1], 1714644000000)
    kept = w.add([r for r in rows_of(0, 30) if r["id"] >= 6])
    w.commit([DeltaTableWriter.remove(v0), kept, w.cdc(rows_of(0, 6, "delete"))], 1714730400000,
             operation="DELETE")
    return {"snapshot": set(range(6, 60)), "version0": set(range(30)),
            "changes": {("insert", i) for i in range(30, 60)} | {("delete", i) for i in range(6)}}


def write_table_clustered(root: Path) -> dict:
    """Table tc (no column list): one file of DE rows only, one of FR rows only, one mixed; the
    harness writes min/max/nullCount statistics for each. Returns the file names."""
    w = DeltaTableWriter(root, [("id", "long", False), ("country", "string", True),
                                ("amount", "double", True)])
    def rows(ids, country=None):
        return [{"id": i, "country": country or COUNTRIES[i % 3], "amount": float(i)} for i in ids]
    de, fr, mixed = (w.add(rows(range(100, 110), "DE")), w.add(rows(range(110, 120), "FR")),
                     w.add(rows(range(120, 130))))
    w.commit([de, fr, mixed], 1714557600000)
    name = lambda a: a["add"]["path"].rsplit("/", 1)[-1]
    return {"de": name(de), "fr": name(fr), "mixed": name(mixed),
            "rows": {c: {i for i in range(100, 130)
                         if (i < 110 and c == "DE") or (110 <= i < 120 and c == "FR") or
                         (i >= 120 and COUNTRIES[i % 3] == c)} for c in COUNTRIES}}


DAYS = ("2024-01-01", "2024-01-02", "2024-01-03", None)
PARTITION_FILTER = json.dumps({"op": "and", "children": [
    json.loads(FILTER),
    {"op": "greaterThanOrEqual", "children": [
        {"op": "column", "name": "day", "valueType": "date"},
        {"op": "literal", "value": "2024-01-02", "valueType": "date"}]}]})


def write_table_partitioned(root: Path) -> dict:
    """Version 0: one file of mixed countries per day of DAYS (the last: a null day); version 1
    removes the 2024-01-01 file and adds one more 2024-01-03 file. Returns the rows per read."""
    w = DeltaTableWriter(root, [("id", "long", False), ("country", "string", True),
                                ("amount", "double", True), ("day", "date", True)],
                         partition_columns=["day"])
    def rows(first, n):
        return [{"id": i, "country": COUNTRIES[i % 3], "amount": float(i)}
                for i in range(first, first + n)]
    adds = [w.add(rows(200 + 10 * k, 9), {"day": day}) for k, day in enumerate(DAYS)]
    w.commit(adds, 1714557600000)
    later = w.add(rows(300, 9), {"day": "2024-01-03"})
    w.commit([DeltaTableWriter.remove(adds[0]), later], 1714644000000)
    # Days 2024-01-02 (ids 210-218) and 2024-01-03 (220-228, then 300-308) pass.
    passing = set(range(210, 219)) | set(range(220, 229)) | set(range(300, 309))
    return {"snapshot": passing, "snapshot_files": 3, "v1": set(range(300, 309)), "v1_files": 1}


def setup_partitioned(server: PlatformServer, tables: Path) -> dict:
    """Tables tp (no column list) and tpc (columns id, country: no `day`), same data."""
    a = Api(server.base, ADMIN_TOKEN)
    truth = {}
    for name, columns in (("tp", None), ("tpc", ["id", "country"])):
        truth = write_table_partitioned(tables / name)
        a.post(f"{UC}/tables", {"name": name, "catalog_name": "c", "schema_name": "s",
                                "table_type": "EXTERNAL", "data_source_format": "DELTA",
                                "storage_location": str(tables / name)}, expect=200)
        obj = {"name": f"c.s.{name}", "shared_as": f"s.{name}", "data_object_type": "TABLE",
               "history_data_sharing_status": "ENABLED", "row_filter": PARTITION_FILTER}
        if columns:
            obj["columns"] = columns
        a.patch(f"{UC}/shares/sh", {"updates": [{"action": "ADD", "data_object": obj}]},
                expect=200)
    return truth


def query_lines(api: Api, path: str, body: dict) -> list[dict]:
    r = api.call("POST", path, body=body)
    if r.status_code != 200:
        raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")
    return [json.loads(text) for text in r.text.splitlines() if text.strip()]


def check_partitioned(name: str, api: Api, country: str | None, truth: dict, scratch: Path):
    """tp / tpc: only the passing partitions' files are announced, each holding exactly the
    recipient's rows of them (DuckDB); tpc's files and partitionValues without `day`."""
    for table in ("tp", "tpc"):
        path = f"/shares/sh/schemas/s/tables/{table}/query"
        for what, body, rows_key, files_key in (
                ("snapshot", {}, "snapshot", "snapshot_files"),
                ("startingVersion", {"startingVersion": 1}, "v1", "v1_files")):
            lines = query_lines(api, path, body)
            file_lines = [l for l in lines if {"file", "add", "remove", "cdf"} & l.keys()]
            label = f"{name}: {table} {what}"
            if country is None:
                check(file_lines == [], f"{label} announces no file (no country property)",
                      json.dumps(file_lines)[:400])
                continue
            check(len(file_lines) == truth[files_key] and
                  all(("file" in l or "add" in l) for l in file_lines),
                  f"{label} announces exactly the {truth[files_key]} file(s) of the passing "
                  f"partitions (no other partition's file, no remove)",
                  f"{len(file_lines)} line(s): {json.dumps(file_lines)[:600]}")
            entries = [l.get("file") or l.get("add") for l in file_lines]
            days = [e.get("partitionValues", {}).get("day") for e in entries]
            metadata = next((l["metaData"] for l in lines if "metaData" in l), {})
            if table == "tp":
                check(all(d in ("2024-01-02", "2024-01-03") for d in days),
                      f"{label}: partitionValues name only passing days", str(days))
            else:
                check(all("day" not in e.get("partitionValues", {}) for e in entries) and
                      "day" not in metadata.get("partitionColumns", ["day"]) and
                      '"day"' not in metadata.get("schemaString", '"day"'),
                      f"{label}: `day` is in no partitionValues, partitionColumns or schema",
                      json.dumps(entries)[:400] + json.dumps(metadata)[:400])
            columns, got = read_files([(e["url"], "file") for e in entries],
                                      scratch / name / f"{table}-{what}")
            want_columns = ["country", "id"] if table == "tpc" else ["amount", "country", "id"]
            check(all(sorted(c) == want_columns for c in columns),
                  f"{label}: every file holds only the columns {want_columns}",
                  json.dumps(columns))
            ids = {int(r[0]) for r in got}
            want = {i for i in truth[rows_key] if COUNTRIES[i % 3] == country}
            check(ids == want and all(r[1] == country for r in got),
                  f"{label} holds exactly its {len(want)} row(s)",
                  f"missing {sorted(want - ids)[:10]}, extra {sorted(ids - want)[:10]}")


def check_served_as_is(name: str, api: Api, country: str | None, tc: dict, scratch: Path):
    """tc: a file whose statistics prove the filter is served as it is (its original URL path),
    a mixed file is rewritten, a file of other countries is not announced, and the rows the
    recipient downloads are exactly its own (DuckDB)."""
    path = "/shares/sh/schemas/s/tables/tc"
    for what, files in (("snapshot", protocol_files(api, f"{path}/query", "POST", {})),
                        ("startingVersion", protocol_files(api, f"{path}/query", "POST",
                                                           {"startingVersion": 0}))):
        urls = [u for u, _ in files]
        originals = [u for u in urls if "/materialized/" not in u]
        if country is None:
            check(urls == [], f"{name}: tc {what} announces no file (no country property)",
                  json.dumps(urls)[:400])
            continue
        own, other = tc[country.lower()] if country.lower() in tc else None, \
            tc["fr" if country == "DE" else "de"]
        check(len(originals) == 1 and own is not None and own in originals[0].split("?")[0],
              f"{name}: tc {what}: the file of {country} rows only is served as it is",
              json.dumps(urls)[:600])
        check(sum("/materialized/" in u for u in urls) == 1 and
              not any(other in u.split("?")[0] for u in urls),
              f"{name}: tc {what}: the mixed file is rewritten, the other country's not announced",
              json.dumps(urls)[:600])
        _, got = read_files(files, scratch / name / f"tc-{what}")
        ids = {int(r[0]) for r in got}
        check(ids == tc["rows"][country] and all(r[1] == country for r in got),
              f"{name}: tc {what} holds exactly its {len(tc['rows'][country])} row(s)",
              f"missing {sorted(tc['rows'][country] - ids)[:10]}, "
              f"extra {sorted(ids - tc['rows'][country])[:10]}")


def setup_clustered(server: PlatformServer, tables: Path) -> dict:
    """Table tc, shared with the same row filter and no column list."""
    tc = write_table_clustered(tables / "tc")
    a = Api(server.base, ADMIN_TOKEN)
    a.post(f"{UC}/tables", {"name": "tc", "catalog_name": "c", "schema_name": "s",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(tables / "tc")}, expect=200)
    a.patch(f"{UC}/shares/sh", {"updates": [{"action": "ADD", "data_object": {
        "name": "c.s.tc", "shared_as": "s.tc", "data_object_type": "TABLE",
        "history_data_sharing_status": "ENABLED", "row_filter": FILTER}}]}, expect=200)
    return tc


def duckdb(statements: list[str]):
    proc = subprocess.run(["node", str(DUCKDB)], input=json.dumps(statements),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"DuckDB (tools/duckdb) failed: {proc.stderr[:400]}")
    return json.loads(proc.stdout)


def read_files(files: list[tuple[str, str]], folder: Path):
    """(columns of every file, [(id, country, change type)]) read by DuckDB. `files` are
    (url, kind): a snapshot's files are "file", the change feed's "add" (inserts), "remove"
    (deletes) or "cdf" (the type is the file's _change_type column), as the protocol answers."""
    folder.mkdir(parents=True, exist_ok=True)
    columns, rows = [], []
    for i, (url, kind) in enumerate(files):
        r = requests.get(url, timeout=120)
        r.raise_for_status()
        path = folder / f"{i:03d}.parquet"
        path.write_bytes(r.content)
        change = "_change_type" if kind == "cdf" else \
            {"add": "'insert'", "remove": "'delete'"}.get(kind, "NULL")
        described, got = duckdb([f"DESCRIBE SELECT * FROM read_parquet('{path}')",
                                 f"SELECT id, country, {change} FROM read_parquet('{path}')"])
        columns.append([row[0] for row in described])
        rows += [tuple(row) for row in got]
    return columns, rows


def protocol_files(api: Api, path: str, method: str, body=None) -> list[tuple[str, str]]:
    """(url, kind) of every file line of a query or changes answer (parquet format)."""
    r = api.call(method, path, body=body)
    if r.status_code != 200:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
    out = []
    for line in (json.loads(text) for text in r.text.splitlines() if text.strip()):
        for kind in ("file", "add", "cdf", "remove"):
            if kind in line:
                out.append((line[kind]["url"], kind))
    return out


def check_recipient(name: str, api: Api, country: str | None, truth: dict, scratch: Path):
    table = "/shares/sh/schemas/s/tables/t"
    reads = {
        "snapshot": protocol_files(api, f"{table}/query", "POST", {}),
        "version0": protocol_files(api, f"{table}/query", "POST", {"version": 0}),
        "changes": protocol_files(api, f"{table}/changes?startingVersion=1&endingVersion=2",
                                  "GET"),
    }
    # A client that only reads the delta format would get the original files: refused instead.
    r = api.call("POST", f"{table}/query", body={},
                 headers={"delta-sharing-capabilities": "responseformat=delta"})
    check(r.status_code == 400 and "parquet" in r.text,
          f"{name}: a delta-format-only query is refused (400, saying to offer parquet)",
          f"{r.status_code} {r.text[:300]}")
    for what, urls in reads.items():
        columns, rows = read_files(urls, scratch / name / what)
        if country is None:
            check(rows == [], f"{name}: {what} holds no row (no country property)",
                  f"{len(urls)} file(s), {len(rows)} row(s)")
            continue
        check(all(sorted(set(c) - {"_change_type"}) == sorted(VISIBLE) for c in columns)
              and columns,
              f"{name}: every {what} file holds only the listed columns", json.dumps(columns))
        check(all(r[1] == country for r in rows) and rows,
              f"{name}: every {what} row is of country {country}",
              json.dumps(sorted({r[1] for r in rows})))
        ids = {int(r[0]) for r in rows}
        if what == "changes":
            got = {(r[2], int(r[0])) for r in rows}
            want = {(t, i) for t, i in truth["changes"] if COUNTRIES[i % 3] == country}
        else:
            got = ids
            want = {i for i in truth[what] if COUNTRIES[i % 3] == country}
        check(got == want, f"{name}: {what} holds exactly its {len(want)} row(s)",
              f"missing {sorted(want - got)[:10]}, extra {sorted(got - want)[:10]}")


def audit_events(server: PlatformServer, recipient: str, table: str | None = "t") -> list[dict]:
    """The recipient's deltaSharingMaterializedFiles events about `table` (None: any), read with
    `lakeshare admin audit`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKESHARE_")}
    env["LAKESHARE_TOKEN"] = ADMIN_TOKEN
    p = subprocess.run([server.lakeshare, "admin", "--host", server.base, "audit", "--action",
                        "deltaSharingMaterializedFiles", "--recipient", recipient, "--jsonl"],
                       capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"lakeshare admin audit: exit {p.returncode}: {p.stderr[-600:]}")
    events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return [e for e in events if table is None or e["response"]["result"].get("table") == table]


def check_audit(server: PlatformServer, tables: Path):
    """Each recipient's materializations are audited under its name; a failure too."""
    events = {}
    for name in ("de", "fr", "nobody"):
        # 3 reads of t (snapshot, version 0, changes); the refused delta-format query adds none.
        events[name] = wait_until(lambda n=name: len(audit_events(server, n)) >= 3 and
                                  audit_events(server, n), 20, f"{name}'s materialization events")
    for name, evs in events.items():
        results = [e["response"]["result"] for e in evs]
        if name == "nobody":
            # Every file is proven to hold none of its rows: none rewritten, none announced.
            check(all(e["recipient"] == name for e in evs) and
                  all(r["transform"] == "recipient" and r["table"] == "t" and r["files"] == 0 and
                      r["notAnnounced"] >= 1 and r["listed"] == [] for r in results),
                  f"{name}: each read's audit counts the files not announced, none rewritten",
                  json.dumps(results)[:800])
            continue
        check(all(e["recipient"] == name for e in evs) and
              all(r["transform"] == "recipient" and r["table"] == "t" and r["files"] >= 1 and
                  r["listed"] and all(f["path"].endswith(".parquet") for f in r["listed"])
                  for r in results),
              f"{name}: each read's audit names the table, the transform and the files rewritten",
              json.dumps(results)[:800])
        check(all(r["built"] + r["reused"] + r["cached"] == r["files"] and r["failed"] == 0
                  for r in results),
              f"{name}: every file it was served is audited as built or cached, none failed",
              json.dumps(results)[:800])
        check(all('"DE"' not in json.dumps(r) and '"FR"' not in json.dumps(r) for r in results),
              f"{name}: the audit holds the filter's digest, not the property values")
    digest = {n: {e["response"]["result"]["transformDigest"] for e in evs}
              for n, evs in events.items()}
    check(len(digest["de"]) == 1 and digest["de"] != digest["fr"] and
          digest["de"] != digest["nobody"],
          "one digest per resolved filter: de's differs from fr's and nobody's", str(digest))
    rows = {n: sum(e["response"]["result"]["rowsWritten"] for e in evs)
            for n, evs in events.items()}
    check(rows["de"] > 0 and rows["fr"] > 0 and rows["nobody"] == 0,
          "the audit's row counts: de and fr were served rows, nobody none", str(rows))
    # nl's query needs files nobody rewrote for its filter yet; they are gone: it fails.
    for f in (tables / "t").glob("*.parquet"):
        f.unlink()
    r = server_partners["nl"].call("POST", "/shares/sh/schemas/s/tables/t/query", body={})
    check(r.status_code >= 400 and r.status_code != 500,
          "nl: a query whose files cannot be rewritten is refused (not a 500)",
          f"{r.status_code} {r.text[:300]}")
    failed = wait_until(lambda: [e for e in audit_events(server, "nl")
                                 if e["response"]["result"].get("failed", 0) >= 1], 20,
                        "nl's failed materialization event")
    result = failed[0]["response"]["result"]
    check(failed[0]["response"]["status_code"] == r.status_code and
          result["listed"][0]["outcome"] == "failed" and result["listed"][0].get("error"),
          "nl: the failed rewrite is audited with its status, file and error",
          json.dumps(failed[0])[:800])


server_partners: dict = {}


def setup(server: PlatformServer, tables: Path) -> dict:
    a = Api(server.base, ADMIN_TOKEN)
    a.declare_location("e2e_tables", tables)
    a.post(f"{UC}/catalogs", {"name": "c"}, expect=200)
    a.post(f"{UC}/schemas", {"name": "s", "catalog_name": "c"}, expect=200)
    a.post(f"{UC}/tables", {"name": "t", "catalog_name": "c", "schema_name": "s",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(tables / "t")}, expect=200)
    a.post(f"{UC}/shares", {"name": "sh"}, expect=200)
    a.patch(f"{UC}/shares/sh", {"updates": [{"action": "ADD", "data_object": {
        "name": "c.s.t", "shared_as": "s.t", "data_object_type": "TABLE",
        "history_data_sharing_status": "ENABLED", "cdf_enabled": True,
        "row_filter": FILTER, "columns": VISIBLE}}]}, expect=200)
    partners = {}
    for name, country in (("de", "DE"), ("fr", "FR"), ("nobody", None), ("nl", "NL")):
        body = {"name": name, "authentication_type": "TOKEN"}
        if country:
            body["properties_kvpairs"] = {"properties": {"country": country}}
        rec = a.post(f"{UC}/recipients", body, expect=200).json()
        a.patch(f"{UC}/shares/sh/permissions",
                {"changes": [{"principal": name, "add": ["SELECT"]}]}, expect=200)
        link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
        profile = Api(server.base, None).get(
            f"{UC}/public/data_sharing_activation/{link.rstrip('/').rsplit('/', 1)[-1]}",
            expect=200).json()
        partners[name] = (Api(profile["endpoint"], profile["bearerToken"]), country)
    return partners


def prepare(doc: str):
    """--lakeshare and --scratch from the command line, the scratch folder emptied and the table
    written: (args, scratch, tables folder, truth), or None when DuckDB is absent (skip)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--lakeshare", required=True)
    parser.add_argument("--scratch", required=True, type=Path)
    args = parser.parse_args()
    if subprocess.run(["node", str(DUCKDB)], input="[]", capture_output=True,
                      text=True).returncode != 0:
        print("SKIP: DuckDB (tools/duckdb) is not installed; scripts/install-deps.sh installs it")
        return None
    scratch = args.scratch.resolve()
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    tables = scratch / "tables"
    return args, scratch, tables, write_table(tables / "t")


def main() -> int:
    prepared = prepare(__doc__)
    if prepared is None:
        return 77
    args, scratch, tables, truth = prepared
    started = time.monotonic()
    with PlatformServer(args.lakeshare, scratch / "data", ADMIN_TOKEN) as server:
        partners = setup(server, tables)
        tc = setup_clustered(server, tables)
        tp = setup_partitioned(server, tables)
        server_partners.update({name: api for name, (api, _) in partners.items()})
        for name, (api, country) in partners.items():
            if name != "nl":  # nl only reads once the files are gone (check_audit)
                check_recipient(name, api, country, truth, scratch / "downloads")
                check_served_as_is(name, api, country, tc, scratch / "downloads")
                check_partitioned(name, api, country, tp, scratch / "downloads")
        check_audit(server, tables)
    print(f"{len(failures)} failure(s) in {time.monotonic() - started:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
