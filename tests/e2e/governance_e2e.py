#!/usr/bin/env python3
"""The governance plane end to end (issue 5, "What must be shown"), through REST exactly as a
provider and a partner would, against the real `lakeshare serve --data-dir` on loopback, on the
embedded SQLite metastore or on a PostgreSQL server this script starts itself:

  provider: register a table, create a share, add the table with a per-partner partition filter,
            create a recipient, grant  (five-step onboarding, by a team principal, not the admin)
  partner:  activation info, one-time credential download, read with the downloaded profile
            (only its own partition), a second download refused
  provider: rotation with a grace period (both tokens work), then expiry now (old one refused),
            IP allow-list denial and lifting, revocation by delete, a second team that can see
            and change none of the first team's shares and recipients
  auditor:  every step above is in the audit log (allowed and denied), no secret in it

Usage: governance_e2e.py --lakeshare BIN --scratch DIR [--backend sqlite|postgres]
Exit 0 on success, 1 on a failed check, 77 (skip) when PostgreSQL is asked for and absent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import traceback
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter, ndjson, parquet_rows  # noqa: E402
from platform_harness import SKIP, UC, Api, PlatformServer, Postgres, wait_until  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "x" * 32
# The test client plays the load balancer in front of the platform (see trusted_proxy).
TRUSTED_PROXY = ["--trusted-proxy", "127.0.0.1", "--trusted-proxy", "::1"]
CHECKS = []


def check(name):
    def wrap(fn):
        CHECKS.append((name, fn))
        return fn
    return wrap


def write_sales_table(root: Path) -> Path:
    """daily sales by article and country, partitioned by country, two versions, CDF on."""
    t = DeltaTableWriter(root, [("article_id", "long", False), ("units", "long", False),
                                ("country", "string", False)],
                         partition_columns=["country"],
                         configuration={"delta.enableChangeDataFeed": "true"})
    adds = []
    for country, base in (("DE", 100), ("FR", 200), ("NL", 300)):
        adds.append(t.add([{"article_id": base + i, "units": i + 1} for i in range(5)],
                          {"country": country}))
    t.commit(adds, 1767225600000)
    t.commit([t.add([{"article_id": 150, "units": 9}], {"country": "DE"})], 1767312000000)
    return root


class World:
    """What the steps share."""

    def __init__(self, args, server: PlatformServer):
        self.args = args
        self.server = server
        self.admin = Api(server.base, ADMIN_TOKEN)
        self.anon = Api(server.base, None)
        self.team_a = None
        self.team_b = None
        self.profile = None
        self.activation_url = None
        self.rotated_profile = None
        self.scratch = Path(args.scratch)


def protocol(profile: dict) -> Api:
    return Api(profile["endpoint"], profile["bearerToken"])


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def create_team(w: World, name: str) -> Api:
    r = w.admin.post("/api/2.1/lakeshare/principals", {"name": name, "comment": "team"}, expect=(200, 201))
    body = r.json()
    token = body.get("token_value") or body.get("token") or (body.get("tokens") or [{}])[0].get("token")
    assert token, f"principal creation returned no token: {body}"
    # Teams may create shares and recipients (metastore privileges), nothing else.
    w.admin.patch(f"{UC}/permissions/metastore/metastore",
                  {"changes": [{"principal": name, "add": ["CREATE_SHARE", "CREATE_RECIPIENT"]}]},
                  expect=200)
    return Api(w.server.base, token)


@check("admin registers a catalog, schema and an EXTERNAL Delta table")
def register_table(w: World):
    table_dir = write_sales_table(w.scratch / "tables" / "daily_sales")
    w.admin.declare_location("e2e_tables", table_dir.parent)
    w.admin.post(f"{UC}/catalogs", {"name": "retail", "comment": "retail data"}, expect=200)
    w.admin.post(f"{UC}/schemas", {"name": "sales", "catalog_name": "retail"}, expect=200)
    r = w.admin.post(f"{UC}/tables", {"name": "daily", "catalog_name": "retail", "schema_name": "sales",
                                      "table_type": "EXTERNAL", "data_source_format": "DELTA",
                                      "storage_location": str(table_dir)}, expect=200)
    assert r.json()["full_name"] == "retail.sales.daily", r.text
    w.admin.get(f"{UC}/tables/retail.sales.daily", expect=200)
    # Unknown names get UC's error codes.
    r = w.admin.get(f"{UC}/tables/retail.sales.nope", expect=404)
    assert r.json()["error_code"] == "TABLE_DOES_NOT_EXIST", r.text


@check("two teams exist; team A may read the table")
def teams(w: World):
    w.team_a = create_team(w, "team-a")
    w.team_b = create_team(w, "team-b")
    w.admin.patch(f"{UC}/permissions/table/retail.sales.daily",
                  {"changes": [{"principal": "team-a", "add": ["SELECT"]}]}, expect=200)


@check("five-step onboarding by team A: share, table with partner filter, recipient, grant")
def onboard(w: World):
    a = w.team_a
    a.post(f"{UC}/shares", {"name": "acme_share", "comment": "for ACME"}, expect=200)
    # A filter on a column that is not a partition column could not be enforced: refused at
    # once, naming the column and the table's partition columns, and nothing is added.
    r = a.patch(f"{UC}/shares/acme_share", {"updates": [{"action": "ADD", "data_object": {
        "name": "retail.sales.daily", "partitions": [{"values": [
            {"name": "article_id", "op": "EQUAL", "value": "100"}]}]}}]})
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE", r.text
    assert "article_id" in r.json()["message"] and "country" in r.json()["message"], r.text
    assert a.get(f"{UC}/shares/acme_share", params={"include_shared_data": "true"},
                 expect=200).json().get("objects", []) == []
    r = a.patch(f"{UC}/shares/acme_share", {"updates": [{"action": "ADD", "data_object": {
        "name": "retail.sales.daily", "data_object_type": "TABLE", "shared_as": "sales.daily",
        "history_data_sharing_status": "ENABLED", "cdf_enabled": True,
        "partitions": [{"values": [{"name": "country", "op": "EQUAL",
                                    "recipient_property_key": "country"}]}]}}]}, expect=200)
    objects = r.json()["objects"]
    assert [o["name"] for o in objects] == ["retail.sales.daily"], r.text
    assert objects[0]["shared_as"] == "sales.daily"
    r = a.post(f"{UC}/recipients", {"name": "acme", "authentication_type": "TOKEN",
                                    "comment": "ACME wholesale",
                                    "properties_kvpairs": {"properties": {"country": "DE"}}},
               expect=200)
    rec = r.json()
    link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
    assert "/delta-sharing/activation/" in link, rec
    w.activation_url = link
    assert rec["authentication_type"] == "TOKEN"
    a.patch(f"{UC}/shares/acme_share/permissions",
            {"changes": [{"principal": "acme", "add": ["SELECT"]}]}, expect=200)
    r = a.get(f"{UC}/shares/acme_share/permissions", expect=200)
    assert {"principal": "acme", "privileges": ["SELECT"]} in r.json()["privilege_assignments"], r.text
    r = a.get(f"{UC}/recipients/acme/share-permissions", expect=200)
    assert [p["share_name"] for p in r.json()["permissions_out"]] == ["acme_share"], r.text
    # Re-creating is refused with UC's code.
    r = a.post(f"{UC}/recipients", {"name": "acme", "authentication_type": "TOKEN"}, expect=409)
    assert r.json()["error_code"] == "RECIPIENT_ALREADY_EXISTS", r.text


@check("the activation page, the public info and the one-time credential download")
def activate(w: World):
    token = token_of(w.activation_url)
    page = requests.get(w.activation_url, timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"], page.status_code
    assert token not in page.text, "the activation page echoes its token"
    r = w.anon.get(f"{UC}/public/data_sharing_activation_info/{token}", expect=200)
    assert token not in r.text
    r = w.anon.get(f"{UC}/public/data_sharing_activation/{token}", expect=200)
    profile = r.json()
    assert profile["shareCredentialsVersion"] == 1, profile
    assert profile["endpoint"].endswith("/delta-sharing"), profile
    assert len(profile["bearerToken"]) >= 32, "bearer token too short"
    w.profile = profile
    (w.scratch / "acme.share").write_text(json.dumps(profile))
    # A second download is refused, and says what to do.
    r = w.anon.get(f"{UC}/public/data_sharing_activation/{token}")
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert profile["bearerToken"] not in r.text
    r = w.anon.get(f"{UC}/public/data_sharing_activation/not-a-real-link-token")
    assert r.status_code == 404, (r.status_code, r.text)
    rec = w.team_a.get(f"{UC}/recipients/acme", expect=200).json()
    assert rec.get("activated") is True, rec


@check("the partner reads with the downloaded profile and sees only its own partition")
def partner_reads(w: World):
    p = protocol(w.profile)
    r = p.get("/shares", expect=200)
    assert [s["name"] for s in r.json()["items"]] == ["acme_share"], r.text
    r = p.get("/shares/acme_share/all-tables", expect=200)
    assert [(t["schema"], t["name"]) for t in r.json()["items"]] == [("sales", "daily")], r.text
    r = p.post("/shares/acme_share/schemas/sales/tables/daily/query", {}, expect=200)
    lines = ndjson(r)
    files = [l["file"] for l in lines if "file" in l]
    assert len(files) == 2, f"expected the 2 DE files, got {len(files)}"
    assert all(f["partitionValues"]["country"] == "DE" for f in files), files
    rows = []
    for f in files:
        data = requests.get(f["url"], timeout=60)
        assert data.status_code == 200, data.status_code
        rows += parquet_rows(w.args.lakeshare, data.content, w.scratch / "dl")
    assert sorted(r["article_id"] for r in rows) == [100, 101, 102, 103, 104, 150], rows
    # Time travel is shared (history ENABLED): version 0 has one DE file.
    r = p.post("/shares/acme_share/schemas/sales/tables/daily/query", {"version": 0}, expect=200)
    assert len([l for l in ndjson(r) if "file" in l]) == 1
    # No name probing: an unknown share and an ungranted one look the same.
    assert p.get("/shares/other_share").status_code == 404


@check("a share stops serving a table once its owner loses SELECT on it, and serves it again")
def owner_loses_select(w: World):
    p = protocol(w.profile)
    query = "/shares/acme_share/schemas/sales/tables/daily/query"

    def served():
        tables = p.get("/shares/acme_share/all-tables", expect=200).json()["items"]
        return [t["name"] for t in tables] == ["daily"] and p.post(query, {}).status_code == 200

    def select(change):
        w.admin.patch(f"{UC}/permissions/table/retail.sales.daily",
                      {"changes": [{"principal": "team-a", change: ["SELECT"]}]}, expect=200)

    # Team A shared the admin's table while it held SELECT; the grant is taken back.
    select("remove")
    wait_until(lambda: not served(), 10, "the table unserved after team A lost SELECT")
    r = p.post(query, {})
    assert r.status_code == 404 and r.json()["errorCode"] == "RESOURCE_DOES_NOT_EXIST", r.text
    select("add")
    wait_until(served, 10, "the table served again once team A holds SELECT again")


@check("team B sees and changes none of team A's shares and recipients")
def team_isolation(w: World):
    b = w.team_b
    b.post(f"{UC}/shares", {"name": "bravo_share"}, expect=200)
    names = [s["name"] for s in b.get(f"{UC}/shares", expect=200).json().get("shares", [])]
    assert names == ["bravo_share"], names
    assert [r["name"] for r in b.get(f"{UC}/recipients", expect=200).json().get("recipients", [])] == []
    for method, path, body in (("GET", f"{UC}/shares/acme_share", None),
                               ("PATCH", f"{UC}/shares/acme_share", {"comment": "mine now"}),
                               ("DELETE", f"{UC}/shares/acme_share", None),
                               ("GET", f"{UC}/recipients/acme", None),
                               ("POST", f"{UC}/recipients/acme/rotate-token",
                                {"existing_token_expire_in_seconds": 0}),
                               ("PATCH", f"{UC}/shares/acme_share/permissions",
                                {"changes": [{"principal": "acme", "remove": ["SELECT"]}]})):
        r = b.call(method, path, body=body)
        assert r.status_code in (403, 404), f"team B {method} {path}: {r.status_code} {r.text}"
    # Team B cannot add a table it holds no SELECT on.
    r = b.patch(f"{UC}/shares/bravo_share", {"updates": [{"action": "ADD", "data_object": {
        "name": "retail.sales.daily", "data_object_type": "TABLE"}}]})
    assert r.status_code in (403, 404), (r.status_code, r.text)
    # The admin sees both.
    names = sorted(s["name"] for s in w.admin.get(f"{UC}/shares", expect=200).json()["shares"])
    assert names == ["acme_share", "bravo_share"], names
    # Unauthenticated management calls are refused.
    for api in (w.anon, Api(w.server.base, "made-up-token")):
        r = api.get(f"{UC}/shares")
        assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHENTICATED", r.text
        assert r.headers.get("WWW-Authenticate") == "Bearer"
    # Route groups: each API refuses in its own shape before any handler runs (issue 13).
    made_up = Api(w.server.base, "made-up-token")
    r = made_up.get(f"{UC}/no-such-resource")
    assert r.status_code == 404 and r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", r.text
    r = made_up.get("/delta-sharing/shares")
    assert r.status_code == 401 and r.json()["errorCode"] == "UNAUTHENTICATED", r.text
    assert "error_code" not in r.json(), r.text
    r = made_up.get("/no-such-api/x")
    assert r.status_code == 404 and r.json()["errorCode"] == "RESOURCE_DOES_NOT_EXIST", r.text


@check("rotation: a grace period keeps the old token working, then 0 expires it now")
def rotation(w: World):
    a = w.team_a
    r = a.post(f"{UC}/recipients/acme/rotate-token", {"existing_token_expire_in_seconds": 3600},
               expect=200)
    rec = r.json()
    links = [t.get("activation_url") for t in rec.get("tokens", []) if t.get("activation_url")]
    link = rec.get("activation_url") or (links[-1] if links else None)
    assert link, f"rotate-token returned no new activation link: {rec}"
    new_profile = w.anon.get(f"{UC}/public/data_sharing_activation/{token_of(link)}",
                             expect=200).json()
    assert new_profile["bearerToken"] != w.profile["bearerToken"]
    old, new = protocol(w.profile), protocol(new_profile)
    old.get("/shares", expect=200)
    new.get("/shares", expect=200)
    # A third live token is refused.
    r = a.post(f"{UC}/recipients/acme/rotate-token", {"existing_token_expire_in_seconds": 3600})
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE", r.text
    # Negative is an error; 0 expires every existing token now.
    r = a.post(f"{UC}/recipients/acme/rotate-token", {"existing_token_expire_in_seconds": -1})
    assert r.status_code == 400, r.text
    r = a.post(f"{UC}/recipients/acme/rotate-token", {"existing_token_expire_in_seconds": 0},
               expect=200)
    rec = r.json()
    link = rec.get("activation_url") or [t["activation_url"] for t in rec["tokens"]
                                         if t.get("activation_url")][-1]
    old.get("/shares", expect=401)
    new.get("/shares", expect=401)
    w.rotated_profile = w.anon.get(f"{UC}/public/data_sharing_activation/{token_of(link)}",
                                   expect=200).json()
    protocol(w.rotated_profile).get("/shares", expect=200)


@check("IP allow-list: a partner outside it is refused on the protocol and the activation link")
def ip_denial(w: World):
    a = w.team_a
    p = protocol(w.rotated_profile)
    a.patch(f"{UC}/recipients/acme", {"ip_access_list": {"allowed_ip_addresses": ["10.0.0.0/8"]}},
            expect=200)
    r = p.get("/shares")
    assert r.status_code == 403, (r.status_code, r.text)
    # A new link (rotation with grace) cannot be used from outside the list either.
    rec = a.post(f"{UC}/recipients/acme/rotate-token", {"existing_token_expire_in_seconds": 60},
                 expect=200).json()
    link = rec.get("activation_url") or [t["activation_url"] for t in rec["tokens"]
                                         if t.get("activation_url")][-1]
    assert w.anon.get(f"{UC}/public/data_sharing_activation_info/{token_of(link)}").status_code == 403
    assert w.anon.get(f"{UC}/public/data_sharing_activation/{token_of(link)}").status_code == 403
    # Bad entries are refused with a message naming them.
    r = a.patch(f"{UC}/recipients/acme", {"ip_access_list": {"allowed_ip_addresses": ["10.0.0.300"]}})
    assert r.status_code == 400 and "10.0.0.300" in r.text, r.text
    a.patch(f"{UC}/recipients/acme", {"ip_access_list": {"allowed_ip_addresses": ["127.0.0.1", "::1"]}},
            expect=200)
    p.get("/shares", expect=200)


@check("behind a trusted proxy the client of X-Forwarded-For is gated and audited, not the proxy")
def trusted_proxy(w: World):
    # The server runs with --trusted-proxy 127.0.0.1: this test's requests come "through" it.
    a = w.team_a
    p = protocol(w.rotated_profile)
    a.patch(f"{UC}/recipients/acme", {"ip_access_list": {"allowed_ip_addresses": ["10.20.0.0/16"]}},
            expect=200)
    try:
        p.get("/shares", headers={"X-Forwarded-For": "10.20.30.40"}, expect=200)
        # The proxy's own address (no header) is not the partner's.
        assert p.get("/shares").status_code == 403
        r = p.get("/shares", headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 403 and "198.51.100.7" in r.json()["message"], r.text
        # What the client wrote left of the hop our proxy appended is never believed.
        r = p.get("/shares", headers={"X-Forwarded-For": "10.20.30.40, 198.51.100.7"})
        assert r.status_code == 403, r.text
        # Garbage fails closed.
        assert p.get("/shares", headers={"X-Forwarded-For": "not-an-ip"}).status_code == 403
    finally:
        a.patch(f"{UC}/recipients/acme",
                {"ip_access_list": {"allowed_ip_addresses": ["127.0.0.1", "::1"]}}, expect=200)
    p.get("/shares", expect=200)

    def forwarded_events():
        # Refusals of acme's valid token from a wrong address are audited under acme.
        evs = w.admin.get("/api/2.1/lakeshare/audit",
                          params={"recipient": "acme", "action": "deltaSharingListShares",
                                  "max_results": 1000}, expect=200).json()
        got = {(e["source_ip_address"], e["response"]["status_code"]) for e in evs["events"]}
        return got if {("10.20.30.40", 200), ("198.51.100.7", 403)} <= got else None
    wait_until(forwarded_events, 10, "the forwarded clients' addresses in the audit log")


@check("revocation: deleting the recipient stops its token at once")
def revocation(w: World):
    p = protocol(w.rotated_profile)
    p.get("/shares", expect=200)
    w.team_a.delete(f"{UC}/recipients/acme", expect=200)
    r = p.get("/shares")
    assert r.status_code == 401, (r.status_code, r.text)
    r = w.team_a.get(f"{UC}/recipients/acme", expect=404)
    assert r.json()["error_code"] == "RECIPIENT_DOES_NOT_EXIST", r.text


@check("the audit log holds every step, allowed and denied, and no secret")
def audit(w: World):
    def events():
        out, token = [], None
        while True:
            params = {"max_results": 500}
            if token:
                params["page_token"] = token
            body = w.admin.get("/api/2.1/lakeshare/audit", params=params, expect=200).json()
            out += body["events"]
            token = body.get("next_page_token")
            if not token:
                return out
    needed = {"createCatalog", "createSchema", "createTable", "createShare", "updateShare",
              "createRecipient", "updateSharePermissions", "getActivationUrlInfo",
              "deltaSharingListShares", "deltaSharingListAllTables", "deltaSharingQueryTable",
              "deltaSharingQueriedTable", "rotateRecipientToken", "updateRecipient",
              "deleteRecipient"}
    # Protocol events are written within a second; allow a few for a loaded machine.
    def complete(evs):
        actions = {x["action_name"] for x in evs}
        statuses = {(x["action_name"], x["response"]["status_code"]) for x in evs}
        return needed <= actions and {("deltaSharingListShares", 401),
                                      ("deltaSharingListShares", 403)} <= statuses
    evs = wait_until(lambda: (lambda e: e if complete(e) else None)(events()), 10,
                     "every step (and the refusals) in the audit log")
    actions = {e["action_name"] for e in evs}
    assert needed <= actions, sorted(needed - actions)
    statuses = {(e["action_name"], e["response"]["status_code"]) for e in evs}
    assert ("deltaSharingListShares", 401) in statuses, "a refused token is not audited"
    assert ("deltaSharingListShares", 403) in statuses, "an IP refusal is not audited"
    served = [e for e in evs if e["action_name"] == "deltaSharingQueriedTable"]
    assert served and any(e["recipient"] == "acme" for e in served), served[:1]
    result = served[0]["response"].get("result") or {}
    assert result, f"served event without counters: {served[0]}"
    creators = {e["principal"] for e in evs if e["action_name"] == "createShare"}
    assert creators == {"team-a", "team-b"}, creators
    assert all(e.get("source_ip_address") for e in evs)
    # No secret anywhere in the trail: bearer tokens, admin token, link tokens.
    dump = json.dumps(evs)
    for secret in (ADMIN_TOKEN, w.profile["bearerToken"], w.rotated_profile["bearerToken"],
                   token_of(w.activation_url)):
        assert secret not in dump, "a secret is in the audit log"
    # The JSON-lines export gives the same events.
    r = w.admin.get("/api/2.1/lakeshare/audit", params={"format": "jsonl"}, expect=200)
    lines = [json.loads(l) for l in r.text.splitlines() if l.strip()]
    assert len(lines) >= len(evs), (len(lines), len(evs))
    # Team members do not read the audit log.
    assert w.team_b.get("/api/2.1/lakeshare/audit").status_code == 403


def graceful_stop_loses_nothing(args, data_dir: Path, metastore: str):
    """Protocol events are queued (written within a second): requests answered right before a
    SIGTERM must still be in the audit log after a restart on the same metastore."""
    ids = [f"e2e-stop-{i:03d}" for i in range(50)]
    # Every refusal recorded one by one (by default repeated anonymous refusals are counted into
    # one event per address and minute, catalog/audit_aggregator.h), so each id can be looked up.
    server = PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore,
                            extra_args=TRUSTED_PROXY + ["--audit-refusal-window-seconds", "0"])
    with server:
        p = Api(server.endpoint, "no-such-token")
        for rid in ids:
            assert p.get("/shares", headers={"X-Request-Id": rid}).status_code == 401
        # SIGTERM right away: no time for the background writer's timer.
    assert server.proc.returncode == 0, server.proc.returncode
    with PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore,
                        extra_args=TRUSTED_PROXY) as again:
        admin = Api(again.base, ADMIN_TOKEN)
        body = admin.get("/api/2.1/lakeshare/audit",
                         params={"action": "deltaSharingListShares", "max_results": 1000},
                         expect=200).json()
        seen = {e["request_params"].get("client_request_id") for e in body["events"]}
        missing = [rid for rid in ids if rid not in seen]
        assert not missing, f"{len(missing)} events lost by a graceful stop, e.g. {missing[:3]}"


def run(args, metastore: str) -> int:
    data_dir = Path(args.scratch) / "data"
    server = PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore,
                            extra_args=TRUSTED_PROXY)
    failed = 0
    with server:
        w = World(args, server)
        for name, fn in CHECKS:
            try:
                fn(w)
                print(f"ok   {name}", flush=True)
            except Exception:  # noqa: BLE001 - report every failing check, then fail
                failed += 1
                print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
                break  # later steps build on earlier ones
    rc = server.proc.returncode
    if rc not in (0, None):
        print(f"FAIL the server exited with {rc} on SIGTERM")
        failed += 1
    if not failed:
        try:
            graceful_stop_loses_nothing(args, data_dir, metastore)
            print("ok   a graceful stop loses no audit event", flush=True)
        except Exception:  # noqa: BLE001
            failed += 1
            print(f"FAIL a graceful stop loses no audit event\n{traceback.format_exc()}", flush=True)
    if failed:
        print(f"server log: {server.log_path}")
        print(server.log_path.read_text()[-3000:])
    print(f"{'all' if not failed else 'not all'} {len(CHECKS) + 1} checks passed; {failed} failed")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    Path(args.scratch).mkdir(parents=True)
    print(f"backend: {args.backend}", flush=True)
    if args.backend == "sqlite":
        return run(args, "")
    pg = Postgres()
    why = pg.available()
    if why:
        print(f"SKIP: {why}")
        return SKIP
    with pg:
        return run(args, pg.create_database("lakeshare"))


if __name__ == "__main__":
    sys.exit(main())
