"""End-to-end tests over the shared Delta corpus (tables written by Spark, Delta and delta-rs): every
table of ../shared/delta-corpus is shared by a real `lakeshare serve`, then read through the
protocol as a client would.

For each table: /version, legacy HEAD, /metadata and /query in the delta format with every reader
feature offered must answer 200, or 400 UNSUPPORTED_OPERATION for a table this server cannot
read; never a 5xx. Every file line must carry a downloadable URL (the first bytes are "PAR1";
deletion-vector URLs are downloaded too). Tables whose reader features need nothing from a Parquet
reader (reader version 1, or v2Checkpoint, timestampNtz, ... without deletion vectors in use or
active column mapping) are also read in the parquet format (minReaderVersion 1) and, when small,
downloaded completely: the rows that `lakeshare parquet cat` reads from the
downloaded files must number what the statistics announce. Tables with the change data feed
enabled are read through /changes.

    python3 corpus_e2e.py --lakeshare build/lakeshare --corpus ../shared/delta-corpus \
        --scratch build/corpus-scratch --work build/e2e-scratch/corpus

Exit status: 0 passed, 1 failed, 77 skipped (corpus absent or no `requests`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "conformance"))

try:
    import requests
except ImportError:  # pragma: no cover
    print("SKIP: python3 `requests` is not installed")
    sys.exit(77)

from corpus import delta_tables, find_corpus  # noqa: E402
from harness import Client, Server, ndjson, parquet_rows  # noqa: E402

TOKEN = "corpus-e2e-token-0123456789"
ALL_FEATURES = ("responseformat=delta;readerfeatures=deletionvectors,columnmapping,timestampntz,"
                "typewidening,varianttype,v2checkpoint,domainmetadata")
# Big tables: metadata and a tiny query only (the benchmark reads them whole).
BIG = ("300k-add-files",)
# Tables the Delta reader rightly refuses as corrupt (an INTERNAL_ERROR, never data), with why.
CORRUPT = {
    "delta-rs/delta-live-table": "its metaData action has no schemaString",
}
SMALL_TABLE_FILES = 40


def table_name(name: str, used: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", name.split("!/")[-1].replace("/", "_"))[-200:]
    out, i = base, 2
    while out.lower() in used:
        out, i = f"{base}_{i}", i + 1
    used.add(out.lower())
    return out


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok: bool, table: str, what: str):
        if not ok:
            self.items.append(f"{table}: {what}")
        return ok


def stats_rows(lines, wrapper, key):
    total = 0
    for line in lines:
        if wrapper not in line:
            continue
        f = line[wrapper]
        add = f["deltaSingleAction"]["add"] if key == "delta" else f
        stats = add.get("stats")
        if not stats:
            return None
        n = json.loads(stats).get("numRecords")
        if n is None:
            return None
        dv = add.get("deletionVector") if key == "delta" else None
        total += n - (dv["cardinality"] if dv else 0)
    return total


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--corpus")
    p.add_argument("--scratch", required=True, help="where corpus archives are unpacked")
    p.add_argument("--work", required=True)
    p.add_argument("--only", help="regular expression on table names")
    args = p.parse_args()
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print(f"SKIP: the shared Delta corpus is not at {args.corpus or 'the default place'}")
        return 77
    tables = delta_tables(corpus, Path(args.scratch))
    if args.only:
        tables = [t for t in tables if re.search(args.only, t.name)]
    used: set = set()
    entries = []
    for t in tables:
        entries.append((t, table_name(t.name, used)))
    cfg = ["version: 1", "shares:", "- name: corpus", "  schemas:", "  - name: all", "    tables:"]
    for t, name in entries:
        cfg += [f"    - name: {name}", f"      location: {json.dumps(str(t.path))}",
                "      historyShared: true"]
    cfg += ["authorization:", f"  bearerToken: {TOKEN}"]
    failures = Failures()
    summary = {"served": 0, "unsupported": 0, "files": 0, "rows_checked": 0, "changes": 0}
    with Server(args.lakeshare, "\n".join(cfg) + "\n", Path(args.work)) as server:
        client = Client(server.endpoint, TOKEN)
        for t, name in entries:
            path = f"/shares/corpus/schemas/all/tables/{name}"
            try:
                check_table(client, path, t.name, t.path, args, failures, summary)
            except Exception as e:  # a crash of the check itself is a failure of this table
                failures.check(False, t.name, f"{type(e).__name__}: {e}")
            if server.proc.poll() is not None:
                failures.check(False, t.name, "the server died")
                break
    print(f"corpus e2e: {len(entries)} tables, {summary['served']} served, "
          f"{summary['unsupported']} refused as unsupported, {summary['files']} file URLs checked, "
          f"{summary['rows_checked']} rows read back, {summary['changes']} change feeds read")
    for f in failures.items:
        print("FAIL", f)
    return 1 if failures.items else 0


# Reader features after which a client that reads the data files as they are (no capabilities
# header) still reads the right rows: the test's own list, from the Delta protocol's feature list.
PARQUET_AS_IS = {"v2Checkpoint", "vacuumProtocolCheck", "timestampNtz", "typeWidening",
                 "typeWidening-preview", "variantType", "variantType-preview",
                 "variantShredding-preview", "geospatial", "domainMetadata", "appendOnly",
                 "invariants", "checkConstraints", "generatedColumns", "changeDataFeed",
                 "identityColumns", "rowTracking", "icebergCompatV1", "icebergCompatV2",
                 "clustering", "inCommitTimestamp", "columnMapping", "deletionVectors"}


def parquet_servable(protocol, metadata, files) -> bool:
    """True when the table's data files read right as they are: no deletion vector on a file,
    column mapping not active, every reader feature known."""
    features = set(protocol.get("readerFeatures") or [])
    if protocol["minReaderVersion"] == 2:
        features.add("columnMapping")
    if protocol["minReaderVersion"] > 3 or not features <= PARQUET_AS_IS:
        return False
    mode = (metadata.get("configuration") or {}).get("delta.columnMapping.mode", "none").lower()
    if "columnMapping" in features and mode != "none":
        return False
    return not any(f["deltaSingleAction"]["add"].get("deletionVector") for f in files)


def local_file(table_path: Path, url: str) -> Path:
    """The file a self-signed URL names: /files/{share}/{table}/{path}?..."""
    from urllib.parse import unquote, urlparse
    parts = urlparse(url).path.split("/", 4)  # ["", "files", share, table, path]
    return table_path / unquote(parts[4])


def check_table(client, path, name, table_path, args, failures, summary):
    v = client.get(path + "/version")
    if v.status_code != 200:
        code = v.json().get("errorCode")
        unsupported = v.status_code == 400 and code == "UNSUPPORTED_OPERATION"
        # A folder whose _delta_log holds no commit (only a .crc) is no table: 404.
        no_commits = not any(p.suffix in (".json", ".parquet")
                             for p in (table_path / "_delta_log").iterdir())
        missing = v.status_code == 404 and code == "RESOURCE_DOES_NOT_EXIST" and no_commits
        corrupt = v.status_code == 500 and code == "INTERNAL_ERROR" and name in CORRUPT
        failures.check(unsupported or missing or corrupt, name,
                       f"/version answered {v.status_code} {v.text[:300]}")
        summary["unsupported"] += unsupported
        return
    version = v.headers["Delta-Table-Version"]
    h = client.head(path)
    failures.check(h.status_code == 200 and h.headers.get("Delta-Table-Version") == version, name,
                   f"HEAD answered {h.status_code}")
    md = client.get(path + "/metadata", headers={"delta-sharing-capabilities": ALL_FEATURES})
    if md.status_code != 200:
        ok = md.status_code == 400 and md.json().get("errorCode") == "UNSUPPORTED_OPERATION"
        failures.check(ok, name, f"/metadata answered {md.status_code} {md.text[:300]}")
        summary["unsupported"] += ok
        return
    head = ndjson(md)
    protocol = head[0]["protocol"]["deltaProtocol"]
    metadata = head[1]["metaData"]["deltaMetadata"]
    big = any(b in name for b in BIG)
    body = {"limitHint": 1} if big else {}
    q = client.post(path + "/query", body, headers={"delta-sharing-capabilities": ALL_FEATURES})
    if not failures.check(q.status_code == 200, name, f"/query answered {q.status_code} {q.text[:300]}"):
        return
    summary["served"] += 1
    failures.check(q.headers.get("Delta-Table-Version") == version, name, "Delta-Table-Version differs")
    lines = ndjson(q)
    files = [l["file"] for l in lines[2:]]
    failures.check(all("file" in l for l in lines[2:]), name, "a line after the head is not a file")
    for f in files[:3]:
        add = f["deltaSingleAction"]["add"]
        r = requests.get(add["path"], headers={"Range": "bytes=0-3"}, timeout=60)
        if local_file(table_path, add["path"]).is_file():
            failures.check(r.status_code == 206 and r.content == b"PAR1", name,
                           f"data URL answered {r.status_code} {r.content[:40]!r}")
        else:  # many corpus tables ship their log without the data files
            failures.check(r.status_code == 404, name, f"missing file answered {r.status_code}")
        summary["files"] += 1
        dv = add.get("deletionVector")
        if dv and dv["storageType"] == "p":
            r = requests.get(dv["pathOrInlineDv"], timeout=60)
            failures.check(r.status_code == 200 and len(r.content) >= dv["sizeInBytes"], name,
                           f"deletion vector URL answered {r.status_code}")
        elif dv:
            failures.check(dv["storageType"] == "i", name, "deletion vector not rewritten to 'p'")
    if not big and not parquet_servable(protocol, metadata, files):
        # Deletion vectors in use, column mapping active, or a feature unknown to the test.
        pq = client.post(path + "/query", {})
        failures.check(pq.status_code == 400 and pq.json().get("errorCode") == "UNSUPPORTED_OPERATION",
                       name, f"parquet /query of a table needing a rewrite answered {pq.status_code}")
    if parquet_servable(protocol, metadata, files) and not big:
        pq = client.post(path + "/query", {})
        if failures.check(pq.status_code == 200, name, f"parquet /query answered {pq.status_code}"):
            plines = ndjson(pq)
            failures.check(plines[0] == {"protocol": {"minReaderVersion": 1}}, name, "parquet protocol line")
            pfiles = [l["file"] for l in plines[2:]]
            failures.check(len(pfiles) == len(files), name, "parquet and delta formats differ in files")
            expected = stats_rows(plines, "file", "parquet")
            present = all(local_file(table_path, f["url"]).is_file() for f in pfiles)
            if expected is not None and present and len(pfiles) <= SMALL_TABLE_FILES:
                rows = 0
                for f in pfiles:
                    r = requests.get(f["url"], timeout=60)
                    failures.check(r.status_code == 200 and len(r.content) == f["size"], name,
                                   f"download answered {r.status_code}")
                    rows += len(parquet_rows(args.lakeshare, r.content, Path(args.work) / "dl"))
                failures.check(rows == expected, name,
                               f"read back {rows} rows, statistics announce {expected}")
                summary["rows_checked"] += rows
    if metadata.get("configuration", {}).get("delta.enableChangeDataFeed") == "true" and not big:
        c = client.get(path + "/changes", params={"startingVersion": 0},
                       headers={"delta-sharing-capabilities": ALL_FEATURES})
        ok = c.status_code == 200 or (c.status_code == 400 and c.json().get("errorCode") in
                                      ("UNSUPPORTED_OPERATION", "INVALID_PARAMETER_VALUE"))
        failures.check(ok, name, f"/changes answered {c.status_code} {c.text[:300]}")
        if c.status_code == 200:
            summary["changes"] += 1
            for line in ndjson(c)[2:]:
                failures.check(set(line) <= {"file", "metaData"}, name, f"unexpected line {line}")
                if "file" in line:
                    failures.check("version" in line["file"] and "timestamp" in line["file"], name,
                                   "change file without version/timestamp")


if __name__ == "__main__":
    sys.exit(main())
