"""End-to-end tests of the Delta Sharing server: the real `lakeshare serve`, tables written here,
a plain HTTP client (requests).

Every endpoint, both response formats, pagination across pages, time travel, the change data
feed, predicates that prune and predicates that must not, limit hints, refresh tokens, the
capabilities/fileidhash headers, signed-URL downloads (read back with `lakeshare parquet cat`),
Range/ETag, expiry and tampering, and every error path (status and errorCode).

    python3 sharing_e2e.py --lakeshare build/lakeshare --scratch build/e2e-scratch [-k pattern]

Exit status: 0 passed, 1 failed, 77 skipped (no `requests`).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import requests  # noqa: F401
except ImportError:  # pragma: no cover
    print("SKIP: python3 `requests` is not installed")
    sys.exit(77)

from harness import Client, DeltaTableWriter, Server, ndjson, parquet_rows  # noqa: E402

ARGS = None
ENV = {}

GLOBAL_TOKEN = "e2e-global-token-0123456789"
ACME_TOKEN = "e2e-acme-token-0123456789"
SIGNING_KEY = "e2e-signing-key-0123456789"
HOUR = 3600 * 1000
T0 = 1672531200000  # 2023-01-01T00:00:00Z
PEOPLE = "/shares/demo/schemas/main/tables/people"
EVENTS = "/shares/demo/schemas/main/tables/events"
NOHIST = "/shares/demo/schemas/main/tables/nohist"
GROWING = "/shares/demo/schemas/main/tables/growing"
US_ONLY = "/shares/partners/schemas/eu/tables/people_us"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + "Z"


def build_tables(root: Path) -> dict:
    """people: partitioned by country, CDF on, 5 commits; events: 25 files with stats;
    growing: a table the refresh-token test extends."""
    shutil.rmtree(root, ignore_errors=True)
    cols = [("id", "long", False), ("name", "string", True), ("score", "double", True),
            ("country", "string", True)]
    people = DeltaTableWriter(root / "people", cols, ["country"],
                              {"delta.enableChangeDataFeed": "true"})
    us = people.add([{"id": 1, "name": "ann", "score": 1.5}, {"id": 2, "name": "bob", "score": 2.5},
                     {"id": 3, "name": None, "score": None}], {"country": "US"})
    fr = people.add([{"id": 4, "name": "chloe", "score": 4.0}, {"id": 5, "name": "dan", "score": 5.0}],
                    {"country": "FR"})
    nul = people.add([{"id": 10, "name": "nobody", "score": 0.0}], {"country": None})
    people.commit([us, fr, nul], T0)  # v0
    de = people.add([{"id": 6, "name": "eve", "score": 6.0}, {"id": 7, "name": "fay", "score": 7.0}],
                    {"country": "DE"})
    people.commit([de], T0 + HOUR)  # v1: insert
    people.commit([people.remove(fr),
                   people.cdc([{"id": 4, "name": "chloe", "score": 4.0, "_change_type": "delete"},
                               {"id": 5, "name": "dan", "score": 5.0, "_change_type": "delete"}],
                              {"country": "FR"})], T0 + 2 * HOUR, operation="DELETE")  # v2
    de2 = people.add([{"id": 6, "name": "EVE", "score": 6.0}, {"id": 7, "name": "fay", "score": 7.0}],
                     {"country": "DE"})
    people.commit([people.remove(de), de2,
                   people.cdc([{"id": 6, "name": "eve", "score": 6.0, "_change_type": "update_preimage"},
                               {"id": 6, "name": "EVE", "score": 6.0, "_change_type": "update_postimage"}],
                              {"country": "DE"})], T0 + 3 * HOUR, operation="UPDATE")  # v3
    us2 = people.add([{"id": 8, "name": "gus", "score": 8.0}, {"id": 9, "name": "hal", "score": 9.0}],
                     {"country": "US"})
    people.commit([people.metadata_action(description="people v4"), us2], T0 + 4 * HOUR)  # v4

    events = DeltaTableWriter(root / "events", [("id", "long", False), ("kind", "string", True)])
    files = []
    for i in range(25):
        files.append(events.add([{"id": i * 4 + k, "kind": f"k{(i * 4 + k) % 3}"} for k in range(4)]))
    events.commit(files[:10], T0)
    events.commit(files[10:], T0 + HOUR)

    growing = DeltaTableWriter(root / "growing", [("id", "long", False)])
    growing.commit([growing.add([{"id": 1}])], T0)
    return {"people": people, "events": events, "growing": growing}


def config(root: Path, url_timeout=3600) -> str:
    people = root / "people"
    return f"""
version: 1
shares:
- name: demo
  schemas:
  - name: main
    tables:
    - name: people
      location: "{people}"
      historyShared: true
    - name: events
      location: "{root / 'events'}"
      historyShared: true
      id: "11111111-2222-3333-4444-555555555555"
    - name: nohist
      location: "{people}"
    - name: growing
      location: "{root / 'growing'}"
      historyShared: true
  - name: empty
- name: partners
  schemas:
  - name: eu
    tables:
    - name: people_us
      location: "{people}"
      historyShared: true
      partitionFilter: '{{"op":"equal","children":[{{"op":"column","name":"country","valueType":"string"}},{{"op":"literal","value":"US","valueType":"string"}}]}}'
- name: zz_last
authorization:
  bearerToken: "{GLOBAL_TOKEN}"
recipients:
- name: acme
  bearerToken: "{ACME_TOKEN}"
  shares: [partners]
signingKey: "{SIGNING_KEY}"
preSignedUrlTimeoutSeconds: {url_timeout}
queryTablePageSizeLimit: 1000
"""


def setUpModule():
    scratch = Path(ARGS.scratch)
    ENV["scratch"] = scratch
    ENV["tables"] = build_tables(scratch / "tables")
    ENV["server"] = Server(ARGS.lakeshare, config(scratch / "tables"), scratch / "logs").__enter__()
    ENV["client"] = Client(ENV["server"].endpoint, GLOBAL_TOKEN)
    ENV["acme"] = Client(ENV["server"].endpoint, ACME_TOKEN)


def tearDownModule():
    if "server" in ENV:
        ENV["server"].__exit__(None, None, None)


class Base(unittest.TestCase):
    maxDiff = None

    @property
    def c(self) -> Client:
        return ENV["client"]

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text[:500])
        body = response.json()
        self.assertEqual(body.get("errorCode"), code, body)
        self.assertIsInstance(body.get("message"), str)

    def query(self, path=PEOPLE, body=None, caps=None, client=None, headers=None):
        h = dict(headers or {})
        if caps:
            h["delta-sharing-capabilities"] = caps
        r = (client or self.c).post(path + "/query", body or {}, headers=h)
        self.assertEqual(r.status_code, 200, r.text[:1000])
        self.assertTrue(r.headers["Content-Type"].startswith("application/x-ndjson"))
        return r, ndjson(r)

    def download(self, url, **kw):
        r = requests.get(url, timeout=60, **kw)
        return r

    def rows_of(self, lines, wrapper="file"):
        """Download every file of a parquet-format response; rows with partition values added."""
        out = []
        for line in lines:
            if wrapper not in line:
                continue
            f = line[wrapper]
            r = self.download(f["url"])
            self.assertEqual(r.status_code, 200, r.text[:300])
            self.assertEqual(len(r.content), f["size"])
            for row in parquet_rows(ARGS.lakeshare, r.content, ENV["scratch"] / "dl"):
                row.update(f["partitionValues"])
                out.append(row)
        return out


class ListingTest(Base):
    def test_list_shares_pages_and_ids(self):
        r = self.c.get("/shares")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        items = r.json()["items"]
        self.assertEqual([s["name"] for s in items], ["demo", "partners", "zz_last"])
        for s in items:
            self.assertRegex(s["id"], UUID_RE)
        self.assertNotIn("nextPageToken", r.json())
        # Ids are stable across requests.
        self.assertEqual(items, self.c.get("/shares").json()["items"])
        names, token, pages = [], None, 0
        while True:
            params = {"maxResults": 1}
            if token:
                params["pageToken"] = token
            body = self.c.get("/shares", params=params).json()
            pages += 1
            names += [s["name"] for s in body.get("items", [])]
            token = body.get("nextPageToken")
            if not token:
                break
        self.assertEqual(names, ["demo", "partners", "zz_last"])
        self.assertEqual(pages, 3)

    def test_max_results_zero_and_bad_values(self):
        body = self.c.get("/shares", params={"maxResults": 0}).json()
        self.assertEqual(body["items"], [])
        self.assertIn("nextPageToken", body)
        nxt = self.c.get("/shares", params={"maxResults": 5, "pageToken": body["nextPageToken"]})
        self.assertEqual(len(nxt.json()["items"]), 3)
        for bad in ("-1", "abc", "1.5", "99999999999"):
            self.assertError(self.c.get("/shares", params={"maxResults": bad}), 400,
                             "INVALID_PARAMETER_VALUE")

    def test_page_tokens_are_bound_and_signed(self):
        token = self.c.get("/shares", params={"maxResults": 1}).json()["nextPageToken"]
        tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
        self.assertError(self.c.get("/shares", params={"pageToken": tampered}), 400,
                         "INVALID_PARAMETER_VALUE")
        self.assertError(self.c.get("/shares", params={"pageToken": "garbage"}), 400,
                         "INVALID_PARAMETER_VALUE")
        # A token of the shares listing is foreign to the schemas listing and to another caller.
        self.assertError(self.c.get("/shares/demo/schemas", params={"pageToken": token}), 400,
                         "INVALID_PARAMETER_VALUE")
        self.assertError(ENV["acme"].get("/shares", params={"pageToken": token}), 400,
                         "INVALID_PARAMETER_VALUE")

    def test_get_share_schemas_tables(self):
        r = self.c.get("/shares/DEMO")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["share"]["name"], "demo")
        schemas = self.c.get("/shares/demo/schemas").json()["items"]
        self.assertEqual(schemas, [{"name": "empty", "share": "demo"}, {"name": "main", "share": "demo"}])
        empty = self.c.get("/shares/demo/schemas/empty/tables").json()
        self.assertEqual(empty.get("items", []), [])
        tables = self.c.get("/shares/demo/schemas/main/tables").json()["items"]
        self.assertEqual([t["name"] for t in tables], ["events", "growing", "nohist", "people"])
        for t in tables:
            self.assertEqual((t["share"], t["schema"]), ("demo", "main"))
            self.assertRegex(t["id"], UUID_RE)
            self.assertRegex(t["shareId"], UUID_RE)
            self.assertNotIn("location", t)
        self.assertEqual(tables[0]["id"], "11111111-2222-3333-4444-555555555555")
        self.assertEqual(len({t["id"] for t in tables}), 4)

    def test_all_tables_pages(self):
        seen, token = [], None
        while True:
            params = {"maxResults": 3}
            if token:
                params["pageToken"] = token
            body = self.c.get("/shares/demo/all-tables", params=params).json()
            seen += [(t["schema"], t["name"]) for t in body["items"]]
            token = body.get("nextPageToken")
            if not token:
                break
        self.assertEqual(seen, [("main", "events"), ("main", "growing"), ("main", "nohist"),
                                ("main", "people")])

    def test_not_found_looks_the_same_for_unknown_and_invisible(self):
        acme = ENV["acme"]
        self.assertEqual([s["name"] for s in acme.get("/shares").json()["items"]], ["partners"])
        for path in ("/shares/demo", "/shares/nope", "/shares/demo/schemas",
                     "/shares/demo/schemas/main/tables", "/shares/demo/all-tables",
                     PEOPLE + "/version", PEOPLE + "/metadata"):
            self.assertError(acme.get(path), 404, "RESOURCE_DOES_NOT_EXIST")
        self.assertError(acme.post(PEOPLE + "/query", {}), 404, "RESOURCE_DOES_NOT_EXIST")
        self.assertError(self.c.get("/shares/demo/schemas/nope/tables"), 404, "RESOURCE_DOES_NOT_EXIST")
        self.assertError(self.c.get("/shares/demo/schemas/main/tables/nope/version"), 404,
                         "RESOURCE_DOES_NOT_EXIST")
        r = self.c.head("/shares/demo/schemas/main/tables/nope")
        self.assertEqual(r.status_code, 404)

    def test_authentication(self):
        anon = Client(ENV["server"].endpoint, None)
        self.assertError(anon.get("/shares"), 401, "UNAUTHENTICATED")
        self.assertError(Client(ENV["server"].endpoint, "wrong").get("/shares"), 401, "UNAUTHENTICATED")
        r = requests.get(ENV["server"].endpoint + "/shares", headers={"Authorization": "Basic eDp5"})
        self.assertError(r, 401, "UNAUTHENTICATED")
        r = requests.get(ENV["server"].endpoint + "/shares",
                         headers={"Authorization": "bearer " + GLOBAL_TOKEN})
        self.assertEqual(r.status_code, 200)

    def test_unknown_routes_and_methods(self):
        self.assertEqual(self.c.get("/nothing").status_code, 404)
        self.assertEqual(self.c.session.delete(self.c.endpoint + "/shares").status_code, 405)
        self.assertError(self.c.post(PEOPLE + "/queries/abc", {}), 404, "RESOURCE_DOES_NOT_EXIST")
        r = requests.get(ENV["server"].base + "/healthz")
        self.assertEqual(r.status_code, 200)


class VersionMetadataTest(Base):
    def test_version_and_legacy_head(self):
        r = self.c.get(PEOPLE + "/version")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Delta-Table-Version"], "4")
        h = self.c.head("/shares/Demo/schemas/Main/tables/People")
        self.assertEqual(h.status_code, 200)
        self.assertEqual(h.headers["delta-table-version"], "4")

    def test_version_starting_timestamp(self):
        def v(ts):
            r = self.c.get(PEOPLE + "/version", params={"startingTimestamp": ts})
            return r
        self.assertEqual(v(iso(T0 + HOUR)).headers["Delta-Table-Version"], "1")
        self.assertEqual(v(iso(T0 + HOUR + 1000)).headers["Delta-Table-Version"], "2")
        self.assertEqual(v(iso(T0 - 10 * HOUR)).headers["Delta-Table-Version"], "0")
        self.assertEqual(v("2023-01-01 02:00:00").headers["Delta-Table-Version"], "2")
        self.assertError(v(iso(T0 + 10 * HOUR)), 400, "INVALID_PARAMETER_VALUE")
        self.assertError(v("not a time"), 400, "INVALID_PARAMETER_VALUE")
        self.assertError(self.c.get(NOHIST + "/version", params={"startingTimestamp": iso(T0)}), 400,
                         "INVALID_PARAMETER_VALUE")

    def test_metadata_parquet_format(self):
        r = self.c.get(PEOPLE + "/metadata")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.headers["Delta-Table-Version"], "4")
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=parquet")
        lines = ndjson(r)
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0], {"protocol": {"minReaderVersion": 1}})
        md = lines[1]["metaData"]
        self.assertEqual(md["id"], ENV["tables"]["people"].table_id)
        self.assertEqual(md["format"], {"provider": "parquet"})
        self.assertEqual(md["partitionColumns"], ["country"])
        self.assertEqual(md["description"], "people v4")
        self.assertEqual(md["configuration"], {"enableChangeDataFeed": "true"})
        self.assertEqual([f["name"] for f in json.loads(md["schemaString"])["fields"]],
                         ["id", "name", "score", "country"])
        self.assertNotIn("version", md)
        # Without shared change data feed, no CDF configuration is advertised.
        nohist = ndjson(self.c.get(NOHIST + "/metadata"))[1]["metaData"]
        self.assertNotIn("configuration", nohist)

    def test_metadata_time_travel_and_delta_format(self):
        r = self.c.get(PEOPLE + "/metadata", params={"version": 1})
        self.assertEqual(r.headers["Delta-Table-Version"], "1")
        md = ndjson(r)[1]["metaData"]
        self.assertEqual(md["version"], 1)
        self.assertNotIn("description", md)
        r = self.c.get(PEOPLE + "/metadata", params={"timestamp": iso(T0 + 3 * HOUR + 5)})
        self.assertEqual(r.headers["Delta-Table-Version"], "3")
        r = self.c.get(PEOPLE + "/metadata",
                       headers={"delta-sharing-capabilities": "responseformat=delta"})
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=delta")
        lines = ndjson(r)
        self.assertEqual(lines[0]["protocol"]["deltaProtocol"]["minReaderVersion"], 1)
        dm = lines[1]["metaData"]["deltaMetadata"]
        self.assertEqual(dm["configuration"], {"delta.enableChangeDataFeed": "true"})
        self.assertEqual(dm["createdTime"], 1672531200000)
        # Both formats offered: a table without advanced features is answered in parquet.
        r = self.c.get(PEOPLE + "/metadata",
                       headers={"delta-sharing-capabilities":
                                "responseformat=delta,parquet;readerfeatures=deletionvectors"})
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=parquet")

    def test_metadata_errors(self):
        e = self.assertError
        e(self.c.get(PEOPLE + "/metadata", params={"version": 1, "timestamp": iso(T0)}), 400,
          "INVALID_PARAMETER_VALUE")
        e(self.c.get(PEOPLE + "/metadata", params={"version": -1}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.get(PEOPLE + "/metadata", params={"version": 99}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.get(PEOPLE + "/metadata", params={"timestamp": iso(T0 - HOUR)}), 400,
          "INVALID_PARAMETER_VALUE")
        e(self.c.get(NOHIST + "/metadata", params={"version": 1}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.get(PEOPLE + "/metadata", headers={"delta-sharing-capabilities": "responseformat=csv"}),
          400, "INVALID_PARAMETER_VALUE")


class QueryTest(Base):
    def expected_people(self, version):
        rows = {0: [1, 2, 3, 4, 5, 10], 1: [1, 2, 3, 4, 5, 6, 7, 10], 2: [1, 2, 3, 6, 7, 10],
                3: [1, 2, 3, 6, 7, 10], 4: [1, 2, 3, 6, 7, 8, 9, 10]}
        return rows[version]

    def test_snapshot_query_and_data(self):
        r, lines = self.query()
        self.assertEqual(r.headers["Delta-Table-Version"], "4")
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=parquet")
        self.assertEqual(lines[0], {"protocol": {"minReaderVersion": 1}})
        self.assertIn("metaData", lines[1])
        files = [l["file"] for l in lines[2:]]
        self.assertTrue(all(set(l) == {"file"} for l in lines[2:]), "only file lines")
        self.assertEqual(len(files), 4)
        for f in files:
            self.assertRegex(f["id"], r"^[0-9a-f]{32}$")
            self.assertIn("expirationTimestamp", f)
            self.assertNotIn("version", f)
            self.assertIn("numRecords", json.loads(f["stats"]))
        rows = self.rows_of(lines)
        self.assertEqual(sorted(r["id"] for r in rows), self.expected_people(4))
        by_id = {r["id"]: r for r in rows}
        self.assertEqual(by_id[6]["name"], "EVE")
        self.assertEqual(by_id[6]["country"], "DE")
        self.assertIsNone(by_id[10]["country"])
        self.assertIsNone(by_id[3]["name"])
        # File ids are stable across requests.
        again = [l["file"]["id"] for l in self.query()[1][2:]]
        self.assertEqual(sorted(again), sorted(f["id"] for f in files))

    def test_no_end_stream_action_unless_asked(self):
        _, lines = self.query()
        self.assertFalse(any("endStreamAction" in l for l in lines))
        r, lines = self.query(caps="includeendstreamaction=true")
        self.assertEqual(r.headers["delta-sharing-capabilities"],
                         "responseformat=parquet;includeendstreamaction=true")
        end = lines[-1]["endStreamAction"]
        self.assertEqual(end["minUrlExpirationTimestamp"],
                         min(l["file"]["expirationTimestamp"] for l in lines[2:-1]))
        self.assertNotIn("nextPageToken", end)

    def test_time_travel(self):
        for v in range(5):
            r, lines = self.query(body={"version": v})
            self.assertEqual(r.headers["Delta-Table-Version"], str(v))
            self.assertEqual(lines[1]["metaData"]["version"], v)
            for l in lines[2:]:
                self.assertEqual(l["file"]["version"], v)
                self.assertEqual(l["file"]["timestamp"], T0 + v * HOUR)
            self.assertEqual(sorted(r["id"] for r in self.rows_of(lines)), self.expected_people(v))
        r, lines = self.query(body={"timestamp": iso(T0 + 2 * HOUR + 30 * 60 * 1000)})
        self.assertEqual(r.headers["Delta-Table-Version"], "2")
        self.assertEqual(sorted(r["id"] for r in self.rows_of(lines)), self.expected_people(2))

    def test_time_travel_errors(self):
        e = self.assertError
        e(self.c.post(NOHIST + "/query", {"version": 1}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(NOHIST + "/query", {"timestamp": iso(T0)}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(NOHIST + "/query", {"startingVersion": 1}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"version": 5}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"version": -1}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"timestamp": iso(T0 - HOUR)}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"version": 1, "timestamp": iso(T0)}), 400,
          "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"version": 1, "startingVersion": 1}), 400,
          "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"startingVersion": 9}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"startingVersion": 1, "endingVersion": 9}), 400,
          "INVALID_PARAMETER_VALUE")

    def test_malformed_bodies(self):
        e = self.assertError
        e(self.c.post(PEOPLE + "/query", "{"), 400, "MALFORMED_REQUEST")
        e(self.c.post(PEOPLE + "/query", "[]"), 400, "MALFORMED_REQUEST")
        e(self.c.post(PEOPLE + "/query", {"predicateHints": "x"}), 400, "MALFORMED_REQUEST")
        e(self.c.post(PEOPLE + "/query", {"limitHint": "many"}), 400, "MALFORMED_REQUEST")
        e(self.c.post(PEOPLE + "/query", {"limitHint": -3}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"maxFiles": 0}), 400, "INVALID_PARAMETER_VALUE")
        e(self.c.post(PEOPLE + "/query", {"includeRefreshToken": True, "version": 1}), 400,
          "INVALID_PARAMETER_VALUE")
        r = self.c.post(PEOPLE + "/query", "{" + " " * (2 << 20) + "}")
        self.assertEqual(r.status_code, 413)
        # An empty body is a valid query (some clients send none).
        r = self.c.session.post(self.c.endpoint + PEOPLE + "/query", data=b"")
        self.assertEqual(r.status_code, 200)
        # Unknown fields are ignored; both spellings of the idempotency key are accepted.
        self.query(body={"idempotency_key": "k1", "somethingNew": 1})
        self.query(body={"idempotencyKey": "k2"})

    def test_partition_predicates_prune(self):
        def ids(body):
            return sorted(r["id"] for r in self.rows_of(self.query(body=body)[1]))
        self.assertEqual(ids({"predicateHints": ["country = 'US'"]}), [1, 2, 3, 8, 9])
        self.assertEqual(ids({"predicateHints": ["'DE' = country"]}), [6, 7])
        self.assertEqual(ids({"predicateHints": ["country IS NULL"]}), [10])
        self.assertEqual(ids({"predicateHints": ["country <> 'US'"]}), [6, 7])
        self.assertEqual(ids({"predicateHints": ["country > 'A'", "country < 'E'"]}), [6, 7])
        json_hint = json.dumps({"op": "and", "children": [
            {"op": "equal", "children": [{"op": "column", "name": "country", "valueType": "string"},
                                         {"op": "literal", "value": "US", "valueType": "string"}]},
            {"op": "greaterThan", "children": [{"op": "column", "name": "id", "valueType": "long"},
                                               {"op": "literal", "value": "5", "valueType": "long"}]}]})
        self.assertEqual(ids({"jsonPredicateHints": json_hint}), [8, 9])
        # Both kinds of hints are AND-ed.
        self.assertEqual(ids({"jsonPredicateHints": json_hint, "predicateHints": ["country = 'FR'"]}), [])

    def test_predicates_that_must_not_prune(self):
        everything = self.expected_people(4)

        def ids(body):
            return sorted(r["id"] for r in self.rows_of(self.query(body=body)[1]))
        for body in (
            {"predicateHints": ["country = "]},                 # unparsable SQL
            {"predicateHints": ["nosuchcolumn = 1"]},          # unknown column
            {"jsonPredicateHints": "{not json"},
            {"jsonPredicateHints": json.dumps({"op": "=", "children": []})},          # bad op
            {"jsonPredicateHints": json.dumps({"op": "equal", "children": [
                {"op": "column", "name": "country", "valueType": "integer"},        # bad type
                {"op": "literal", "value": "US", "valueType": "integer"}]})},
            # True for some row of every file (statistics must not drop any).
            {"predicateHints": ["score >= 0"]},
            {"predicateHints": ["id <= 10", "id >= 1"]},
        ):
            self.assertEqual(ids(body), everything, body)
        # Only the file whose name range holds the value can match; the others are pruned.
        self.assertEqual(ids({"predicateHints": ["name = 'nobody'"]}), [10])

    def test_stats_pruning_and_limit_hint(self):
        def files(body):
            return [l["file"] for l in self.query(EVENTS, body)[1][2:]]
        hint = json.dumps({"op": "greaterThanOrEqual", "children": [
            {"op": "column", "name": "id", "valueType": "long"},
            {"op": "literal", "value": "92", "valueType": "long"}]})
        got = files({"jsonPredicateHints": hint})
        self.assertEqual(len(got), 2)  # files 23 (92..95) and 24 (96..99)
        self.assertEqual(len(files({"predicateHints": ["id < 4"]})), 1)
        self.assertEqual(len(files({"limitHint": 10})), 3)  # 4 rows each: 3 files reach 10 rows
        self.assertEqual(len(files({"limitHint": 1})), 1)
        self.assertEqual(len(files({"limitHint": 1000})), 25)
        # The limit applies after the predicate.
        limited = files({"jsonPredicateHints": hint, "limitHint": 1})
        self.assertEqual(len(limited), 1)
        rows = self.rows_of([{"file": limited[0]}])
        self.assertTrue(all(r["id"] >= 92 for r in rows))

    def test_pagination(self):
        seen, token, pages = [], None, 0
        while True:
            body = {"maxFiles": 10}
            if token:
                body["pageToken"] = token
            r, lines = self.query(EVENTS, body)
            pages += 1
            self.assertEqual(r.headers["delta-sharing-capabilities"],
                             "responseformat=parquet;includeendstreamaction=true")
            self.assertIn("protocol", lines[0])
            self.assertIn("metaData", lines[1])
            end = lines[-1]["endStreamAction"]
            files = [l["file"] for l in lines[2:-1]]
            self.assertLessEqual(len(files), 10)
            seen += [f["id"] for f in files]
            token = end.get("nextPageToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(len(seen), 25)
        self.assertEqual(len(set(seen)), 25)
        all_ids = {l["file"]["id"] for l in self.query(EVENTS)[1][2:]}
        self.assertEqual(set(seen), all_ids)

    def test_page_token_misuse(self):
        _, lines = self.query(EVENTS, {"maxFiles": 5})
        token = lines[-1]["endStreamAction"]["nextPageToken"]
        e = self.assertError
        # Different parameters than the first page.
        e(self.c.post(EVENTS + "/query", {"maxFiles": 5, "pageToken": token, "limitHint": 3}), 400,
          "INVALID_PARAMETER_VALUE")
        # Another table.
        e(self.c.post(PEOPLE + "/query", {"maxFiles": 5, "pageToken": token}), 400,
          "INVALID_PARAMETER_VALUE")
        # Tampered.
        e(self.c.post(EVENTS + "/query", {"maxFiles": 5, "pageToken": token[:-2] + "xx"}), 400,
          "INVALID_PARAMETER_VALUE")
        # A list token is not a query token.
        lt = self.c.get("/shares", params={"maxResults": 1}).json()["nextPageToken"]
        e(self.c.post(EVENTS + "/query", {"maxFiles": 5, "pageToken": lt}), 400,
          "INVALID_PARAMETER_VALUE")

    def test_pages_survive_new_commits(self):
        """A paginated query pins its snapshot: later commits do not shift its pages."""
        growing = ENV["tables"]["growing"]
        for i in range(2, 6):
            growing.commit([growing.add([{"id": i}])], T0 + i * HOUR)
        _, first = self.query(GROWING, {"maxFiles": 2})
        token = first[-1]["endStreamAction"]["nextPageToken"]
        version = int(self.c.get(GROWING + "/version").headers["Delta-Table-Version"])
        growing.commit([growing.add([{"id": 100}])], T0 + 50 * HOUR)
        seen = [l["file"]["id"] for l in first[2:-1]]
        while token:
            r, lines = self.query(GROWING, {"maxFiles": 2, "pageToken": token})
            self.assertEqual(r.headers["Delta-Table-Version"], str(version))
            seen += [l["file"]["id"] for l in lines[2:-1]]
            token = lines[-1]["endStreamAction"].get("nextPageToken")
        _, pinned = self.query(GROWING, {"version": version})
        self.assertEqual(sorted(seen), sorted(l["file"]["id"] for l in pinned[2:]))
        self.assertEqual(len(seen), len(set(seen)))
        _, now = self.query(GROWING)
        self.assertEqual(len(now) - 2, len(seen) + 1)

    def test_refresh_token(self):
        r, lines = self.query(GROWING, {"includeRefreshToken": True})
        version = r.headers["Delta-Table-Version"]
        end = lines[-1]["endStreamAction"]
        self.assertIn("refreshToken", end)
        count = len(lines) - 3
        growing = ENV["tables"]["growing"]
        growing.commit([growing.add([{"id": 1000 + count}])], T0 + 100 * HOUR + count)
        r2, again = self.query(GROWING, {"refreshToken": end["refreshToken"]})
        self.assertEqual(r2.headers["Delta-Table-Version"], version)
        self.assertEqual(len(again) - 3, count)
        self.assertEqual({l["file"]["id"] for l in again[2:-1]}, {l["file"]["id"] for l in lines[2:-1]})
        self.assertIn("refreshToken", again[-1]["endStreamAction"])
        self.assertEqual(len(self.query(GROWING)[1]) - 2, count + 1)
        self.assertError(self.c.post(EVENTS + "/query", {"refreshToken": end["refreshToken"]}), 400,
                         "INVALID_PARAMETER_VALUE")
        self.assertError(self.c.post(GROWING + "/query", {"refreshToken": "x.y"}), 400,
                         "INVALID_PARAMETER_VALUE")

    def test_streaming_query_from_starting_version(self):
        r, lines = self.query(body={"startingVersion": 1})
        self.assertEqual(r.headers["Delta-Table-Version"], "1")
        self.assertEqual(lines[1]["metaData"]["version"], 1)
        actions = [(k, v["version"]) for l in lines[2:] for k, v in l.items()]
        # v2 has change data files, yet streaming reads its add/remove: the FR file removed.
        self.assertEqual(sorted(actions), sorted([("add", 1), ("remove", 2), ("remove", 3), ("add", 3),
                                                  ("metaData", 4), ("add", 4)]))
        for l in lines[2:]:
            for k, v in l.items():
                if k in ("add", "remove"):
                    self.assertEqual(v["timestamp"], T0 + v["version"] * HOUR)
                    self.assertIn("url", v)
        _, bounded = self.query(body={"startingVersion": 1, "endingVersion": 2})
        self.assertEqual(sorted((k, v["version"]) for l in bounded[2:] for k, v in l.items()),
                         [("add", 1), ("remove", 2)])
        # Paginated streaming.
        seen, token = [], None
        while True:
            body = {"startingVersion": 0, "maxFiles": 2}
            if token:
                body["pageToken"] = token
            _, page = self.query(body=body)
            seen += [(k, v["version"], v.get("id")) for l in page[2:-1] for k, v in l.items()
                     if k != "metaData"]
            token = page[-1]["endStreamAction"].get("nextPageToken")
            if not token:
                break
        _, whole = self.query(body={"startingVersion": 0})
        self.assertEqual(sorted(seen), sorted((k, v["version"], v.get("id")) for l in whole[2:]
                                              for k, v in l.items() if k != "metaData"))

    def test_delta_format_query(self):
        r, lines = self.query(caps="responseformat=delta;readerfeatures=deletionvectors,columnmapping")
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=delta")
        self.assertIn("deltaProtocol", lines[0]["protocol"])
        self.assertIn("deltaMetadata", lines[1]["metaData"])
        for l in lines[2:]:
            f = l["file"]
            self.assertRegex(f["id"], r"^[0-9a-f]{64}$")
            add = f["deltaSingleAction"]["add"]
            self.assertTrue(add["path"].startswith("http://"))
            self.assertIn("modificationTime", add)
            self.assertIn("stats", add)
            body = self.download(add["path"])
            self.assertEqual(body.status_code, 200)
            self.assertEqual(len(body.content), add["size"])

    def test_fileidhash(self):
        r, lines = self.query(headers={"fileidhash": "DELTA"})
        self.assertEqual(r.headers["fileidhash"], "delta")
        self.assertRegex(lines[2]["file"]["id"], r"^[0-9a-f]{64}$")
        r, lines = self.query(caps="responseformat=delta", headers={"fileidhash": "parquet"})
        self.assertEqual(r.headers["fileidhash"], "parquet")
        self.assertRegex(lines[2]["file"]["id"], r"^[0-9a-f]{32}$")
        self.assertError(self.c.post(PEOPLE + "/query", {}, headers={"fileidhash": "sha1"}), 400,
                         "INVALID_PARAMETER_VALUE")

    def test_case_insensitive_paths(self):
        r, lines = self.query("/shares/DEMO/schemas/Main/tables/PEOPLE")
        self.assertEqual(len(lines), 6)


class ChangesTest(Base):
    def changes(self, params, path=PEOPLE, caps=None, client=None):
        h = {"delta-sharing-capabilities": caps} if caps else {}
        r = (client or self.c).get(path + "/changes", params=params, headers=h)
        self.assertEqual(r.status_code, 200, r.text[:1000])
        return r, ndjson(r)

    def test_change_data_feed(self):
        r, lines = self.changes({"startingVersion": 0, "endingVersion": 4})
        self.assertEqual(r.headers["Delta-Table-Version"], "0")
        self.assertEqual(lines[0], {"protocol": {"minReaderVersion": 1}})
        self.assertEqual(lines[1]["metaData"]["version"], 4)  # latest without historical metadata
        kinds = sorted((k, v["version"]) for l in lines[2:] for k, v in l.items())
        self.assertEqual(kinds, [("add", 0), ("add", 0), ("add", 0), ("add", 1), ("add", 4),
                                 ("cdf", 2), ("cdf", 3)])
        for l in lines[2:]:
            (k, v), = l.items()
            self.assertEqual(v["timestamp"], T0 + v["version"] * HOUR)
            self.assertIn("expirationTimestamp", v)
        cdf_rows = []
        for l in lines[2:]:
            if "cdf" in l:
                for row in self.rows_of([l], "cdf"):
                    cdf_rows.append((l["cdf"]["version"], row["id"], row["_change_type"], row["country"]))
        self.assertEqual(sorted(cdf_rows), [(2, 4, "delete", "FR"), (2, 5, "delete", "FR"),
                                            (3, 6, "update_postimage", "DE"),
                                            (3, 6, "update_preimage", "DE")])

    def test_historical_metadata_and_booleans(self):
        _, lines = self.changes({"startingVersion": 1, "includeHistoricalMetadata": "True"})
        self.assertEqual(lines[1]["metaData"]["version"], 1)
        md = [l["metaData"] for l in lines[2:] if "metaData" in l]
        self.assertEqual(len(md), 1)
        self.assertEqual(md[0]["version"], 4)
        self.assertEqual(md[0]["description"], "people v4")
        _, lines = self.changes({"startingVersion": 1, "includeHistoricalMetadata": "FALSE"})
        self.assertFalse(any("metaData" in l for l in lines[2:]))
        self.assertError(self.c.get(PEOPLE + "/changes",
                                    params={"startingVersion": 1, "includeHistoricalMetadata": "yes"}),
                         400, "INVALID_PARAMETER_VALUE")

    def test_timestamps(self):
        r, lines = self.changes({"startingTimestamp": iso(T0 + HOUR + 1000),
                                 "endingTimestamp": iso(T0 + 3 * HOUR + 1000)})
        self.assertEqual(r.headers["Delta-Table-Version"], "2")
        self.assertEqual(sorted({v["version"] for l in lines[2:] for v in l.values()}), [2, 3])

    def test_delta_format(self):
        r, lines = self.changes({"startingVersion": 2, "endingVersion": 3},
                                caps="responseformat=delta;readerfeatures=deletionvectors,columnmapping")
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=delta")
        self.assertIn("deltaProtocol", lines[0]["protocol"])
        self.assertEqual(lines[1]["metaData"]["version"], 4)
        actions = sorted(next(iter(l["file"]["deltaSingleAction"])) for l in lines[2:])
        self.assertEqual(actions, ["cdc", "cdc"])
        for l in lines[2:]:
            f = l["file"]
            self.assertIn(f["version"], (2, 3))
            self.assertIn("timestamp", f)
            cdc = f["deltaSingleAction"]["cdc"]
            self.assertTrue(cdc["path"].startswith("http://"))
            self.assertEqual(self.download(cdc["path"]).status_code, 200)

    def test_pagination(self):
        seen, token, pages = [], None, 0
        while True:
            params = {"startingVersion": 0, "maxFiles": 2}
            if token:
                params["pageToken"] = token
            _, lines = self.changes(params)
            pages += 1
            seen += [(k, v["version"], v["id"]) for l in lines[2:-1] for k, v in l.items()]
            token = lines[-1]["endStreamAction"].get("nextPageToken")
            if not token:
                break
        self.assertEqual(pages, 4)
        _, whole = self.changes({"startingVersion": 0})
        self.assertEqual(sorted(seen), sorted((k, v["version"], v["id"]) for l in whole[2:]
                                              for k, v in l.items()))

    def test_errors(self):
        e = self.assertError
        g = lambda p, path=PEOPLE: self.c.get(path + "/changes", params=p)  # noqa: E731
        e(g({}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": 1, "startingTimestamp": iso(T0)}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": 3, "endingVersion": 2}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": 9}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": 0, "endingVersion": 9}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": -1}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": "one"}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingTimestamp": iso(T0 + 99 * HOUR)}), 400, "INVALID_PARAMETER_VALUE")
        e(g({"startingVersion": 0}, NOHIST), 400, "UNSUPPORTED_OPERATION")
        # The events table never enabled the change data feed.
        e(g({"startingVersion": 0}, EVENTS), 400, "UNSUPPORTED_OPERATION")
        e(g({"startingVersion": 0, "maxFiles": 2, "pageToken": "abc.def"}), 400,
          "INVALID_PARAMETER_VALUE")


class PartitionFilterTest(Base):
    """partners.eu.people_us shares only country=US of the people table, to acme."""

    def test_query_sees_only_the_shared_partition(self):
        acme = ENV["acme"]
        r, lines = self.query(US_ONLY, client=acme)
        rows = self.rows_of(lines)
        self.assertEqual(sorted(r["id"] for r in rows), [1, 2, 3, 8, 9])
        self.assertTrue(all(r["country"] == "US" for r in rows))
        self.assertNotIn("numFiles", lines[1]["metaData"])
        # Hints cannot widen the filter; limit hints count only shared files.
        _, lines = self.query(US_ONLY, {"predicateHints": ["country = 'DE'"]}, client=acme)
        self.assertEqual(len(lines), 2)
        _, lines = self.query(US_ONLY, {"version": 1}, client=acme)
        self.assertEqual(sorted(r["id"] for r in self.rows_of(lines)), [1, 2, 3])

    def test_changes_are_filtered(self):
        acme = ENV["acme"]
        r = acme.get(US_ONLY + "/changes", params={"startingVersion": 0})
        lines = ndjson(r)
        self.assertEqual(sorted((k, v["partitionValues"]["country"]) for l in lines[2:] for k, v in l.items()),
                         [("add", "US"), ("add", "US")])

    def test_signed_urls_are_bound_to_the_recipient(self):
        _, lines = self.query(US_ONLY, client=ENV["acme"])
        url = lines[2]["file"]["url"]
        self.assertIn("recipient=acme", url)
        self.assertEqual(self.download(url.replace("recipient=acme", "recipient=default")).status_code, 403)


class SignedUrlTest(Base):
    def a_url(self):
        _, lines = self.query()
        return lines[2]["file"]

    def test_range_etag_head(self):
        f = self.a_url()
        whole = self.download(f["url"])
        self.assertEqual(whole.status_code, 200)
        self.assertEqual(whole.headers["Accept-Ranges"], "bytes")
        etag = whole.headers["ETag"]
        part = self.download(f["url"], headers={"Range": "bytes=0-3"})
        self.assertEqual(part.status_code, 206)
        self.assertEqual(part.content, b"PAR1")
        self.assertEqual(part.headers["Content-Range"], f"bytes 0-3/{f['size']}")
        tail = self.download(f["url"], headers={"Range": "bytes=-8"})
        self.assertEqual(tail.content, whole.content[-8:])
        self.assertEqual(tail.content[-4:], b"PAR1")
        mid = self.download(f["url"], headers={"Range": "bytes=10-"})
        self.assertEqual(mid.content, whole.content[10:])
        self.assertEqual(self.download(f["url"], headers={"Range": f"bytes={f['size']}-"}).status_code, 416)
        self.assertEqual(self.download(f["url"], headers={"If-None-Match": etag}).status_code, 304)
        head = requests.head(f["url"], timeout=30)
        self.assertEqual(head.status_code, 200)
        self.assertEqual(int(head.headers["Content-Length"]), f["size"])

    def test_tampering(self):
        url = self.a_url()["url"]
        sig = re.search(r"signature=([^&]+)", url).group(1)
        cases = [
            url.replace(sig, sig[:-3] + ("AAA" if not sig.endswith("AAA") else "BBB")),
            re.sub(r"expires=(\d+)", lambda m: f"expires={int(m.group(1)) + 1000}", url),
            url.replace("/part-", "/xpart-"),
            re.sub(r"/files/[^/]+/[^/]+/", "/files/x/y/", url),
            re.sub(r"/files/([^/]+)/([^/]+)/[^?]+", r"/files/\1/\2/../../people/_delta_log/00000000000000000000.json", url),
            url.split("?")[0],
        ]
        for bad in cases:
            r = self.download(bad)
            self.assertIn(r.status_code, (403, 404), bad)
            self.assertNotEqual(r.status_code, 200)

    def test_expiry(self):
        """A second server with 1-second URLs (same signing key, like a replica)."""
        scratch = ENV["scratch"]
        with Server(ARGS.lakeshare, config(scratch / "tables", url_timeout=1), scratch / "logs2") as s:
            client = Client(s.endpoint, GLOBAL_TOKEN)
            r = client.post(PEOPLE + "/query", {})
            f = ndjson(r)[2]["file"]
            self.assertLessEqual(f["expirationTimestamp"], time.time() * 1000 + 1500)
            # Page tokens are signed with the shared key: a replica accepts them.
            token = self.c.get("/shares", params={"maxResults": 1}).json()["nextPageToken"]
            self.assertEqual(client.get("/shares", params={"pageToken": token}).status_code, 200)
            time.sleep(2.2)
            expired = self.download(f["url"])
            self.assertEqual(expired.status_code, 403)
            self.assertEqual(expired.json()["errorCode"], "PERMISSION_DENIED")


class TlsTest(Base):
    """ssl.certificateFile / certificateKeyFile: HTTPS only, file URLs in https too."""

    def test_https(self):
        import subprocess
        import warnings
        openssl = shutil.which("openssl")
        if not openssl:
            self.skipTest("no openssl command to make a certificate")
        d = ENV["scratch"] / "tls"
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(d / "key.pem"),
                        "-out", str(d / "cert.pem")], check=True, capture_output=True)
        cfg = config(ENV["scratch"] / "tables") + (
            f"ssl:\n  certificateFile: \"{d / 'cert.pem'}\"\n"
            f"  certificateKeyFile: \"{d / 'key.pem'}\"\n")
        with Server(ARGS.lakeshare, cfg, ENV["scratch"] / "logs-tls") as s:
            self.assertTrue(s.endpoint.startswith("https://"), s.endpoint)
            client = Client(s.endpoint, GLOBAL_TOKEN)
            client.session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides `verify`
            client.session.verify = str(d / "cert.pem")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.assertEqual(client.get("/shares").status_code, 200)
                lines = ndjson(client.post(PEOPLE + "/query", {}))
                url = lines[2]["file"]["url"]
                self.assertTrue(url.startswith("https://"), url)
                r = client.session.get(url, timeout=60)  # no bearer needed, but harmless
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.content[:4], b"PAR1")
                with self.assertRaises(requests.exceptions.ConnectionError):
                    requests.get(s.endpoint.replace("https://", "http://") + "/shares", timeout=5)


class MetricsTest(Base):
    def test_metrics_count_files(self):
        self.query()
        text = requests.get(ENV["server"].base + "/metrics", timeout=30).text
        self.assertIn('lakeshare_sharing_files_served_total{format="parquet"}', text)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("-k", dest="pattern", action="append", default=[])
    p.add_argument("-v", action="store_true")
    ARGS, rest = p.parse_known_args()
    argv = [sys.argv[0]] + rest + (["-v"] if ARGS.v else [])
    for k in ARGS.pattern:
        argv += ["-k", k]
    prog = unittest.main(module=__name__, argv=argv, exit=False)
    result = prog.result
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
