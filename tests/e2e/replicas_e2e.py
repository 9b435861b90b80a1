#!/usr/bin/env python3
"""Two replicas on one PostgreSQL metastore (issue 5, "What must be shown"): `lakeshare serve
--data-dir` twice, on two ports, sharing one PostgreSQL database this script starts itself.

  1. A token revoked on replica A is refused by A at once and by B within the promised delay
     (--revocation-delay-ms, 2000 by default; the bound checked is that delay plus 3 s of slack
     for a loaded machine, and the measured time is printed).
  2. 200 partners onboarded concurrently through both replicas (share, table, recipient, grant per
     partner, alternating replicas, 16 clients at once): nothing is lost or duplicated, every
     partner's link activates and reads through the other replica, and the audit log holds
     exactly one createRecipient event per partner.

Usage: replicas_e2e.py --lakeshare BIN --scratch DIR [--partners N]
Exit 0 on success, 1 on a failed check, 77 (skip) without PostgreSQL binaries.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter  # noqa: E402
from platform_harness import SKIP, UC, Api, PlatformServer, Postgres, wait_until  # noqa: E402

ADMIN_TOKEN = "e2e-replicas-admin-" + "y" * 32
DELAY_MS = 2000


def write_table(root: Path) -> Path:
    t = DeltaTableWriter(root, [("partner_id", "string", False), ("units", "long", False)],
                         partition_columns=["partner_id"])
    t.commit([t.add([{"units": i}], {"partner_id": f"p{i:03d}"}) for i in range(10)], 1767225600000)
    return root


def link_of(rec: dict) -> str:
    link = rec.get("activation_url") or [t["activation_url"] for t in rec.get("tokens", [])
                                         if t.get("activation_url")][-1]
    return link.rstrip("/").rsplit("/", 1)[-1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--partners", type=int, default=200)
    args = ap.parse_args()
    scratch = Path(args.scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    pg = Postgres()
    if pg.available():
        print(f"SKIP: {pg.available()}")
        return SKIP
    table = write_table(scratch / "tables" / "by_partner")
    with pg:
        url = pg.create_database("lakeshare")
        extra = ["--revocation-delay-ms", str(DELAY_MS)]
        with PlatformServer(args.lakeshare, scratch / "replica-a", ADMIN_TOKEN, metastore=url,
                            extra_args=extra) as a, \
             PlatformServer(args.lakeshare, scratch / "replica-b", ADMIN_TOKEN, metastore=url,
                            extra_args=extra) as b:
            print(f"replica A {a.base}, replica B {b.base}, metastore on port {pg.port}", flush=True)
            admin_a, admin_b = Api(a.base, ADMIN_TOKEN), Api(b.base, ADMIN_TOKEN)
            admin_a.declare_location("e2e_tables", table.parent)
            admin_a.post(f"{UC}/catalogs", {"name": "retail"}, expect=200)
            admin_b.post(f"{UC}/schemas", {"name": "sales", "catalog_name": "retail"}, expect=200)
            admin_a.post(f"{UC}/tables", {"name": "by_partner", "catalog_name": "retail",
                                          "schema_name": "sales", "table_type": "EXTERNAL",
                                          "data_source_format": "DELTA",
                                          "storage_location": str(table)}, expect=200)

            # ---- 1. revocation across replicas ------------------------------------------
            admin_a.post(f"{UC}/shares", {"name": "s_revoke"}, expect=200)
            admin_a.patch(f"{UC}/shares/s_revoke", {"updates": [{"action": "ADD", "data_object": {
                "name": "retail.sales.by_partner", "data_object_type": "TABLE"}}]}, expect=200)
            rec = admin_a.post(f"{UC}/recipients", {"name": "r_revoke",
                                                    "authentication_type": "TOKEN"}, expect=200).json()
            admin_a.patch(f"{UC}/shares/s_revoke/permissions",
                          {"changes": [{"principal": "r_revoke", "add": ["SELECT"]}]}, expect=200)
            admin_a.post(f"{UC}/shares", {"name": "s_revoke_2"}, expect=200)
            admin_a.patch(f"{UC}/shares/s_revoke_2/permissions",
                          {"changes": [{"principal": "r_revoke", "add": ["SELECT"]}]}, expect=200)
            profile = Api(b.base, None).get(
                f"{UC}/public/data_sharing_activation/{link_of(rec)}", expect=200).json()
            on_a = Api(a.endpoint, profile["bearerToken"])
            on_b = Api(b.endpoint, profile["bearerToken"])
            on_a.get("/shares", expect=200)
            on_b.get("/shares", expect=200)  # B's cache now holds the token
            # Both replicas sign with the metastore's key: a page token from A works on B.
            page = on_a.get("/shares", params={"maxResults": 1}, expect=200).json()
            assert page.get("nextPageToken"), page
            rest = on_b.get("/shares", params={"maxResults": 1, "pageToken": page["nextPageToken"]},
                            expect=200).json()
            assert [s["name"] for s in page["items"] + rest["items"]] == ["s_revoke", "s_revoke_2"]
            print("ok   a page token made by replica A is accepted by replica B", flush=True)
            admin_a.post(f"{UC}/recipients/r_revoke/rotate-token",
                         {"existing_token_expire_in_seconds": 0}, expect=200)
            revoked_at = time.monotonic()
            r = on_a.get("/shares")
            assert r.status_code == 401, f"replica A still accepts a token it revoked: {r.status_code}"
            bound = DELAY_MS / 1000 + 3
            while True:
                status = on_b.get("/shares").status_code
                elapsed = time.monotonic() - revoked_at
                if status == 401:
                    break
                assert status == 200, status
                assert elapsed < bound, f"replica B still accepts the revoked token after {elapsed:.1f} s"
                time.sleep(0.05)
            print(f"ok   revoked on A: refused by A at once, by B after {elapsed:.2f} s "
                  f"(promised {DELAY_MS / 1000:.1f} s)", flush=True)

            # ---- 2. concurrent onboarding through both replicas ------------------------------
            def onboard(i: int):
                api = admin_a if i % 2 == 0 else admin_b
                name = f"p{i:03d}"
                api.post(f"{UC}/shares", {"name": f"share_{name}"}, expect=200)
                api.patch(f"{UC}/shares/share_{name}", {"updates": [{"action": "ADD", "data_object": {
                    "name": "retail.sales.by_partner", "data_object_type": "TABLE",
                    "partitions": [{"values": [{"name": "partner_id", "op": "EQUAL",
                                                "recipient_property_key": "partner_id"}]}]}}]},
                          expect=200)
                rec = api.post(f"{UC}/recipients", {
                    "name": name, "authentication_type": "TOKEN",
                    "properties_kvpairs": {"properties": {"partner_id": name}}}, expect=200).json()
                api.patch(f"{UC}/shares/share_{name}/permissions",
                          {"changes": [{"principal": name, "add": ["SELECT"]}]}, expect=200)
                return name, link_of(rec)

            started = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                links = dict(pool.map(onboard, range(args.partners)))
            print(f"ok   onboarded {args.partners} partners through both replicas in "
                  f"{time.monotonic() - started:.1f} s", flush=True)

            def list_all(api, what):
                out, token = [], None
                while True:
                    params = {"max_results": 100}
                    if token:
                        params["page_token"] = token
                    body = api.get(f"{UC}/{what}", params=params, expect=200).json()
                    out += [x["name"] for x in body.get(what, [])]
                    token = body.get("next_page_token")
                    if not token:
                        return out
            shares = list_all(admin_b, "shares")
            recipients = list_all(admin_a, "recipients")
            expected = {f"p{i:03d}" for i in range(args.partners)}
            assert len(shares) == len(set(shares)), "a share is listed twice"
            assert {s[len("share_"):] for s in shares if s.startswith("share_p")} == expected
            assert set(recipients) - {"r_revoke"} == expected, sorted(expected ^ set(recipients))
            for i, (name, token) in enumerate(sorted(links.items())):
                if i % 10:
                    continue  # activate and read every tenth partner through the other replica
                other = b if int(name[1:]) % 2 == 0 else a
                prof = Api(other.base, None).get(
                    f"{UC}/public/data_sharing_activation/{token}", expect=200).json()
                p = Api(other.endpoint, prof["bearerToken"])
                got = [s["name"] for s in p.get("/shares", expect=200).json()["items"]]
                assert got == [f"share_{name}"], (name, got)
                grants = admin_a.get(f"{UC}/recipients/{name}/share-permissions", expect=200).json()
                assert [g["share_name"] for g in grants["permissions_out"]] == [f"share_{name}"]
            events, token = [], None
            while True:
                params = {"action": "createRecipient", "max_results": 1000}
                if token:
                    params["page_token"] = token
                body = admin_b.get("/api/2.1/lakeshare/audit", params=params, expect=200).json()
                events += body["events"]
                token = body.get("next_page_token")
                if not token:
                    break
            created = [e for e in events if e["response"]["status_code"] == 200]
            assert len(created) == args.partners + 1, len(created)
            print(f"ok   nothing lost: {len(shares)} shares, {len(recipients)} recipients, "
                  f"{len(created)} createRecipient audit events", flush=True)

            # ---- 3. readiness follows the metastore ----------------------------------------
            # A replica that lost its metastore leaves the load balancer's rotation (/readyz
            # 503, checked at most once a second) but stays alive (/healthz), and comes back by
            # itself, reconnecting, when the metastore does.
            def ready(replica):
                return requests.get(f"{replica.base}/readyz", timeout=10).status_code
            assert ready(a) == 200 and ready(b) == 200
            pg.stop()
            try:
                wait_until(lambda: ready(a) == 503 and ready(b) == 503, 10,
                           "/readyz 503 on both replicas while the metastore is down")
                assert requests.get(f"{a.base}/healthz", timeout=10).status_code == 200
                # Calls fail with a 503 to retry (no 500, no detail of the metastore's address).
                r = admin_a.get(f"{UC}/shares")
                assert r.status_code == 503, (r.status_code, r.text)
                assert r.json()["error_code"] == "TEMPORARILY_UNAVAILABLE", r.text
                assert str(pg.port) not in r.text, r.text
                assert r.headers.get("Retry-After") == "1", r.headers
            finally:
                pg.start()
            wait_until(lambda: ready(a) == 200 and ready(b) == 200, 15,
                       "/readyz 200 again on both replicas once the metastore is back")
            admin_a.post(f"{UC}/shares", {"name": "after_outage"}, expect=200)
            admin_b.get(f"{UC}/shares/after_outage", expect=200)
            print("ok   /readyz follows the metastore: 503 while it was down, 200 and writes "
                  "working again after it came back", flush=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError:
        print(f"FAIL {traceback.format_exc()}")
        sys.exit(1)
