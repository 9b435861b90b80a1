#!/usr/bin/env python3
"""Asynchronous queries (issue 11; PROTOCOL.md "asyncQuery" and "Get Query Info") end to end.

A real `lakeshare serve --data-dir --materialize-wait-ms 0` shares the row-filtered table of
row_filter_e2e (every file must be rewritten for each recipient), so a query that needs files
rewritten is never answered within the wait:
- a client without `asyncquery=true` gets a retryable 503 with Retry-After;
- a client with it gets one `queryStatus` line (status pending, a queryId, asyncquery=true echoed
  in the delta-sharing-capabilities header, Delta-Table-Version set), for the latest snapshot and
  for version 0 (time travel); a retried submission with the same idempotency key, while still
  pending, gets the same queryId;
- polls of another recipient, of another table's route, and of tampered, unsigned, garbage and
  over-long ids are 404 (RESOURCE_DOES_NOT_EXIST), never 403;
- the server is restarted (same metastore, so the same signing key) and the queries are polled
  until done: each answer is the /query body, whose files, downloaded and read with DuckDB
  (tools/duckdb), hold exactly the recipient's rows of that version; pages (maxFiles) come
  through the poll route as the Spark client asks for them; the server log never holds an id.

    python3 async_query_e2e.py --lakeshare build/lakeshare --scratch build/e2e-scratch/async

Exit status: 0 passed, 1 failed, 77 skipped (no DuckDB).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter  # noqa: E402
from platform_harness import UC, Api, PlatformServer, free_port  # noqa: E402
from row_filter_e2e import (ADMIN_TOKEN, COUNTRIES, check, failures, prepare,  # noqa: E402
                            read_files, setup)

TABLE = "/shares/sh/schemas/s/tables/t"
ASYNC = {"delta-sharing-capabilities": "asyncquery=true"}
MAX_POLLS = 600  # a hang guard (0.2 s apart), never a measurement


def lines_of(r) -> list[dict]:
    return [json.loads(text) for text in r.text.splitlines() if text.strip()]


def submit(api: Api, body: dict, what: str) -> str | None:
    """POST /query with asyncquery=true; the queryId of its pending answer."""
    r = api.call("POST", f"{TABLE}/query", body=body, headers=ASYNC)
    lines = lines_of(r) if r.status_code == 200 else []
    status = lines[0].get("queryStatus") if len(lines) == 1 else None
    check(r.status_code == 200 and status is not None and status.get("status") == "pending"
          and bool(status.get("queryId")),
          f"{what}: the submission answers one pending queryStatus line",
          f"{r.status_code} {r.text[:300]}")
    caps = r.headers.get("delta-sharing-capabilities", "")
    check("asyncquery=true" in caps and r.headers.get("Delta-Table-Version", "") != "",
          f"{what}: asyncquery=true is echoed and Delta-Table-Version is set", json.dumps(
              dict(r.headers)))
    return status.get("queryId") if status else None


def poll_until_done(api: Api, query_id: str, what: str, body=None):
    """Poll the query until its answer is the /query body; that answer."""
    for _ in range(MAX_POLLS):
        r = api.call("POST", f"{TABLE}/queries/{query_id}", body=body or {})
        if r.status_code != 200:
            check(False, f"{what}: polls answer 200", f"{r.status_code} {r.text[:300]}")
            return None
        lines = lines_of(r)
        status = lines[0].get("queryStatus") if lines else None
        if status is None:
            return r
        if status.get("status") != "pending" or status.get("queryId") != query_id:
            check(False, f"{what}: a poll is pending with the same queryId until done",
                  r.text[:300])
            return None
        time.sleep(0.2)
    check(False, f"{what}: the query finishes within {MAX_POLLS} polls")
    return None


def check_done(r, country: str, want_ids: set, version: str, scratch: Path, what: str):
    lines = lines_of(r)
    check(len(lines) >= 2 and "protocol" in lines[0] and "metaData" in lines[1],
          f"{what}: the finished query answers the /query body (protocol, metaData, files)",
          r.text[:300])
    check(r.headers.get("Delta-Table-Version") == version,
          f"{what}: Delta-Table-Version {version}", r.headers.get("Delta-Table-Version", ""))
    files = [(line["file"]["url"], "file") for line in lines if "file" in line]
    _, rows = read_files(files, scratch)
    got = {int(row[0]) for row in rows}
    check(got == want_ids and all(row[1] == country for row in rows),
          f"{what}: its files hold exactly the {len(want_ids)} {country} row(s) (DuckDB)",
          f"missing {sorted(want_ids - got)[:10]}, extra {sorted(got - want_ids)[:10]}")


def check_not_found(api: Api, path: str, what: str):
    r = api.call("POST", path, body={})
    code = r.json().get("errorCode") if r.headers.get("content-type", "").startswith(
        "application/json") else None
    check(r.status_code == 404 and code == "RESOURCE_DOES_NOT_EXIST",
          f"{what}: 404 RESOURCE_DOES_NOT_EXIST", f"{r.status_code} {r.text[:300]}")


def add_second_table(server: PlatformServer, tables: Path):
    """A plain table t2 in the same share: its route must not answer t's query ids."""
    w = DeltaTableWriter(tables / "t2", [("id", "long", False)])
    w.commit([w.add([{"id": 1}])], 1714557600000)
    a = Api(server.base, ADMIN_TOKEN)
    a.post(f"{UC}/tables", {"name": "t2", "catalog_name": "c", "schema_name": "s",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(tables / "t2")}, expect=200)
    a.patch(f"{UC}/shares/sh", {"updates": [{"action": "ADD", "data_object": {
        "name": "c.s.t2", "shared_as": "s.t2", "data_object_type": "TABLE"}}]}, expect=200)


def main() -> int:
    prepared = prepare(__doc__)
    if prepared is None:
        return 77
    args, scratch, tables, truth = prepared
    started = time.monotonic()
    server = PlatformServer(args.lakeshare, scratch / "data", ADMIN_TOKEN, port=free_port(),
                            extra_args=["--materialize-wait-ms", "0"])
    with server:
        partners = setup(server, tables)
        add_second_table(server, tables)
        de, _ = partners["de"]
        fr, _ = partners["fr"]
        # Without asyncquery: the bounded wait (0 ms here), then a retryable error.
        r = fr.call("POST", f"{TABLE}/query", body={})
        check(r.status_code == 503 and r.headers.get("Retry-After") and "asyncquery" in r.text,
              "a client without asyncquery gets a retryable 503 with Retry-After",
              f"{r.status_code} {r.text[:300]}")
        key = str(uuid.uuid4())
        latest_id = submit(de, {"idempotencyKey": key}, "latest snapshot")
        retry = de.call("POST", f"{TABLE}/query", body={"idempotency_key": key}, headers=ASYNC)
        retry_status = lines_of(retry)[0].get("queryStatus") if retry.status_code == 200 else None
        if retry_status is not None:
            check(retry_status.get("queryId") == latest_id,
                  "a retried submission (same key, Spark's spelling) gets the same queryId",
                  retry.text[:300])
        else:
            print("note: the work was done before the retried submission; it was answered "
                  "at once (not an idempotency check)")
        if latest_id:
            print(f"note: a queryId without hints is {len(latest_id)} characters")
        v0_id = submit(de, {"version": 0, "idempotencyKey": str(uuid.uuid4())}, "version 0")
        if latest_id is None or v0_id is None:
            return 1
        check_not_found(fr, f"{TABLE}/queries/{latest_id}", "another recipient's queryId")
        check_not_found(de, f"/shares/sh/schemas/s/tables/t2/queries/{latest_id}",
                        "a queryId polled on another table's route")
        tampered = latest_id[:5] + ("B" if latest_id[5] == "A" else "A") + latest_id[6:]
        check_not_found(de, f"{TABLE}/queries/{tampered}", "a tampered queryId")
        check_not_found(de, f"{TABLE}/queries/eyJ2IjoxfQ", "an unsigned queryId")
        check_not_found(de, f"{TABLE}/queries/{'A' * 5000}", "a 5,000-character queryId")
        check_not_found(de, f"{TABLE}/queries/%21not*base64%21", "a queryId that is not base64")
        # Another replica (here: the same server after a restart) answers the polls.
        server.stop()
        server.start()
        done = poll_until_done(de, latest_id, "latest snapshot")
        if done is not None:
            check_done(done, "DE", {i for i in truth["snapshot"] if COUNTRIES[i % 3] == "DE"},
                       "2", scratch / "downloads" / "latest", "latest snapshot")
        done = poll_until_done(de, v0_id, "version 0")
        if done is not None:
            check_done(done, "DE", {i for i in truth["version0"] if COUNTRIES[i % 3] == "DE"},
                       "0", scratch / "downloads" / "v0", "version 0")
        # Pages of a finished query come through the poll route, as the Spark client asks.
        page = de.call("POST", f"{TABLE}/queries/{latest_id}", body={"maxFiles": 1})
        end = lines_of(page)[-1].get("endStreamAction") if page.status_code == 200 else None
        check(end is not None, "a finished query's poll with maxFiles ends with an "
              "endStreamAction", f"{page.status_code} {page.text[:300]}")
    logs = "".join(p.read_text(errors="replace") for p in (scratch / "data").glob("*.log"))
    check(latest_id not in logs and v0_id not in logs,
          "the server log never holds a queryId (polls are logged by their route pattern)")
    print(f"{len(failures)} failure(s) in {time.monotonic() - started:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
