#!/usr/bin/env python3
"""Storage governance end to end (issue 10, item 1 and "Storage governance, Unity Catalog
style"), against the real `lakeshare serve --data-dir` on loopback.

The reproduction of item 1: a team holding only CREATE_CATALOG, CREATE_SHARE and CREATE_RECIPIENT
tries to register, share and read what it was not given:

  another team's table folder (and a folder inside it), a folder that is a symlink to the
  server's DATA_DIR, DATA_DIR itself, metastore.db, /etc, "file:///...%2e%2e/...", and a folder
  of its own whose data files are symlinks to DATA_DIR/admin-token, DATA_DIR/metastore.db and
  /etc/shadow.

Every registration outside what the team was granted is refused with a 4xx that says what to do;
the one folder it may use serves none of the symlinked files. Then the governance objects
themselves: external locations never overlap nor hold the server's data, a group's grant of
CREATE_EXTERNAL_TABLE works for its members and stops at once when a member leaves, a storage
credential's secret is never returned nor audited.

Usage: storage_governance_e2e.py --lakeshare BIN --scratch DIR
Exit 0 on success, 1 on a failed check.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import traceback
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter, ndjson  # noqa: E402
from platform_harness import UC, Api, PlatformServer  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "g" * 32
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-" + "9" * 8
CHECKS = []
LS = "/api/2.1/lakeshare"


def check(name):
    def wrap(fn):
        CHECKS.append((name, fn))
        return fn
    return wrap


class World:
    def __init__(self, args, server: PlatformServer, data_dir: Path):
        self.server = server
        self.data_dir = data_dir
        self.scratch = Path(args.scratch)
        self.tables = self.scratch / "tables"
        self.admin = Api(server.base, ADMIN_TOKEN)
        self.teams = {}
        self.lakeshare = args.lakeshare
        self.mallory_token = ""


def new_table(root: Path) -> DeltaTableWriter:
    t = DeltaTableWriter(root, [("id", "long", False), ("name", "string", True)])
    return t


def write_table(root: Path) -> list:
    t = new_table(root)
    adds = [t.add([{"id": i, "name": f"row {i}"}]) for i in range(3)]
    t.commit(adds, 1767225600000)
    return adds


def create_team(w: World, name: str) -> Api:
    body = w.admin.post(f"{LS}/principals", {"name": name, "comment": "team"},
                        expect=(200, 201)).json()
    w.admin.patch(f"{UC}/permissions/metastore/metastore",
                  {"changes": [{"principal": name, "add": [
                      "CREATE_CATALOG", "CREATE_SHARE", "CREATE_RECIPIENT"]}]}, expect=200)
    api = Api(w.server.base, body["token_value"])
    if name == "mallory":
        w.mallory_token = body["token_value"]
    api.post(f"{UC}/catalogs", {"name": f"{name}_cat"}, expect=200)
    api.post(f"{UC}/schemas", {"name": "s", "catalog_name": f"{name}_cat"}, expect=200)
    w.teams[name] = api
    return api


def register(api: Api, team: str, name: str, location: str, expect):
    return api.post(f"{UC}/tables", {"name": name, "catalog_name": f"{team}_cat",
                                     "schema_name": "s", "table_type": "EXTERNAL",
                                     "data_source_format": "DELTA",
                                     "storage_location": location}, expect=expect)


def assert_refused(r, statuses, *words):
    assert r.status_code in statuses, f"{r.status_code}: {r.text[:400]}"
    body = r.json()
    message = body.get("message", "")
    for word in words:
        assert word in message, f"'{word}' not in the refusal: {message}"
    assert "SQLite format" not in r.text
    return message


@check("a team registers its own tables inside the location it was given")
def setup(w: World):
    (w.data_dir / "admin-token").exists() or (w.data_dir / "admin-token").write_text("x\n")
    write_table(w.tables / "alpha" / "sales")
    alpha = create_team(w, "alpha")
    create_team(w, "mallory")
    w.admin.post(f"{UC}/external-locations", {"name": "alpha_zone", "url": str(w.tables / "alpha"),
                                              "owner": "alpha"}, expect=200)
    (w.tables / "mallory").mkdir(parents=True)
    w.admin.post(f"{UC}/external-locations", {"name": "mallory_zone",
                                              "url": str(w.tables / "mallory")}, expect=200)
    w.admin.patch(f"{UC}/permissions/external_location/mallory_zone",
                  {"changes": [{"principal": "mallory", "add": ["CREATE_EXTERNAL_TABLE"]}]},
                  expect=200)
    register(alpha, "alpha", "sales", str(w.tables / "alpha" / "sales"), 200)


@check("another team's table folder (and a folder inside it) is refused: 403 saying what to do")
def other_team(w: World):
    m = w.teams["mallory"]
    for location in (str(w.tables / "alpha" / "sales"), str(w.tables / "alpha" / "sales" / "x"),
                     "file://" + str(w.tables / "alpha" / "sales")):
        r = register(m, "mallory", "stolen", location, None)
        assert_refused(r, (403,), "CREATE_EXTERNAL_TABLE", "alpha_zone")
    # Even with the right to register somewhere, nothing overlaps another table.
    w.admin.patch(f"{UC}/permissions/external_location/alpha_zone",
                  {"changes": [{"principal": "mallory", "add": ["CREATE_EXTERNAL_TABLE"]}]},
                  expect=200)
    r = register(m, "mallory", "stolen", str(w.tables / "alpha" / "sales" / "x"), None)
    assert_refused(r, (400,), "LOCATION_OVERLAP")
    r = register(m, "mallory", "stolen", str(w.tables / "alpha"), None)
    assert_refused(r, (400,), "LOCATION_OVERLAP")
    w.admin.patch(f"{UC}/permissions/external_location/alpha_zone",
                  {"changes": [{"principal": "mallory", "remove": ["CREATE_EXTERNAL_TABLE"]}]},
                  expect=200)


@check("the server's data (DATA_DIR, metastore.db, a link to them, '%2e%2e', /etc) is refused")
def server_data(w: World):
    m = w.teams["mallory"]
    link = w.tables / "mallory" / "linked_data"
    link.symlink_to(w.data_dir, target_is_directory=True)
    data = str(w.data_dir)
    cases = [
        (data, (403,), "no external location"),
        (data + "/metastore.db", (403,), "no external location"),
        ("/etc", (403,), "no external location"),
        (str(link), (403,), "no external location"),  # resolved: it is DATA_DIR
        ("file://" + str(w.tables / "mallory") + "/%2e%2e/alpha/sales", (400,), ".."),
        ("file://" + str(w.tables / "mallory") + "/x%00y", (400,), ""),
        ("file://evil.example/etc", (400,), ""),
    ]
    for location, statuses, word in cases:
        r = register(m, "mallory", "loot", location, None)
        assert_refused(r, statuses, word)
    # Not even an admin can register them: a table lies under a declared external location,
    # for admins too, and registration never declares one (Unity Catalog's rule) ...
    before = w.admin.get(f"{UC}/external-locations", expect=200).json()["external_locations"]
    for location in (data, data + "/metastore.db", str(link), "/etc"):
        r = w.admin.post(f"{UC}/tables", {"name": "loot", "catalog_name": "mallory_cat",
                                          "schema_name": "s", "storage_location": location})
        message = assert_refused(r, (400,), "create an external location first")
        assert "lakeshare admin external-locations create NAME URL" in message, message
    after = w.admin.get(f"{UC}/external-locations", expect=200).json()["external_locations"]
    assert after == before, f"registration declared an external location: {after}"
    # ... nor declare them as one.
    for url in ("/", str(w.data_dir.parent), data, str(link)):
        r = w.admin.post(f"{UC}/external-locations", {"name": "everything", "url": url})
        assert_refused(r, (400,), "server's own data")
    r = m.post(f"{UC}/external-locations", {"name": "mine", "url": "/etc"})
    assert_refused(r, (403,), "CREATE_EXTERNAL_LOCATION")


@check("a folder of symlinks to admin-token, metastore.db and /etc/shadow serves none of them")
def symlinked_files(w: World):
    m = w.teams["mallory"]
    root = w.tables / "mallory" / "links"
    adds = write_table(root)
    targets = [w.data_dir / "admin-token", w.data_dir / "metastore.db", Path("/etc/shadow")]
    for add, target in zip(adds, targets):
        data_file = root / add["add"]["path"]
        data_file.unlink()
        data_file.symlink_to(target)
    register(m, "mallory", "links", str(root), 200)
    m.post(f"{UC}/shares", {"name": "loot"}, expect=200)
    m.patch(f"{UC}/shares/loot", {"updates": [{"action": "ADD", "data_object": {
        "name": "mallory_cat.s.links", "data_object_type": "TABLE"}}]}, expect=200)
    rec = m.post(f"{UC}/recipients", {"name": "accomplice", "authentication_type": "TOKEN"},
                 expect=200).json()
    link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
    m.patch(f"{UC}/shares/loot/permissions",
            {"changes": [{"principal": "accomplice", "add": ["SELECT"]}]}, expect=200)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    profile = Api(w.server.base, None).get(
        f"{UC}/public/data_sharing_activation/{token}", expect=200).json()
    partner = Api(profile["endpoint"], profile["bearerToken"])
    r = partner.post("/shares/loot/schemas/s/tables/links/query", {})
    assert r.status_code == 200, f"query: {r.status_code} {r.text[:300]}"
    urls = [l["file"]["url"] for l in ndjson(r) if "file" in l]
    assert len(urls) == 3, f"expected the 3 files of the log, got {len(urls)}"
    for url in urls:
        got = requests.get(url, timeout=60)
        assert got.status_code in (403, 404), f"{url}: {got.status_code}"
        assert "SQLite format" not in got.text and ADMIN_TOKEN not in got.text


@check("a table folder swapped for a link to another team's table: the checks do not read it")
def swapped_folder(w: World):
    # Alpha's table, partitioned by a column mallory should never learn.
    secret = DeltaTableWriter(w.tables / "alpha" / "regions",
                              [("id", "long", False), ("secret_region", "string", True)],
                              partition_columns=("secret_region",),
                              configuration={"delta.enableChangeDataFeed": "true"})
    secret.commit([secret.add([{"id": 1}], {"secret_region": "north"})], 1767225600000)
    m = w.teams["mallory"]
    mine = w.tables / "mallory" / "decoy"
    write_table(mine)
    register(m, "mallory", "decoy", str(mine), 200)
    m.post(f"{UC}/shares", {"name": "decoys"}, expect=200)
    m.patch(f"{UC}/shares/decoys", {"updates": [{"action": "ADD", "data_object": {
        "name": "mallory_cat.s.decoy", "data_object_type": "TABLE",
        "history_data_sharing_status": "ENABLED"}}]}, expect=200)

    def decoy_object():
        share = m.get(f"{UC}/shares/decoys?include_shared_data=true", expect=200).json()
        return [o for o in share["objects"] if o["name"] == "mallory_cat.s.decoy"][0]

    assert decoy_object()["status"] == "ACTIVE", decoy_object()
    shutil.rmtree(mine)
    mine.symlink_to(w.tables / "alpha" / "regions", target_is_directory=True)
    # Serving opens the folder the registration checked, following no link: so do the checks.
    o = decoy_object()
    assert o["status"] == "SOURCE_NOT_FOUND", f"the link was followed: {o}"
    assert "changes_served" not in o, o
    r = m.patch(f"{UC}/shares/decoys", {"updates": [{
        "action": "UPDATE", "data_object": {
            "name": "mallory_cat.s.decoy", "data_object_type": "TABLE",
            "partitions": [{"values": [{"name": "secret_region", "op": "EQUAL",
                                        "value": "north"}]}]}}]})
    assert r.status_code == 400, f"the partition check read the other table: {r.status_code} " \
                                 f"{r.text[:300]}"
    assert "cannot read the Delta log" in r.text, r.text[:300]


@check("external locations never overlap one another")
def no_overlap(w: World):
    for url in (str(w.tables / "alpha" / "sales"), str(w.tables)):
        r = w.admin.post(f"{UC}/external-locations", {"name": "over", "url": url})
        assert_refused(r, (400,), "LOCATION_OVERLAP")
    listed = w.admin.get(f"{UC}/external-locations", expect=200).json()["external_locations"]
    names = sorted(l["name"] for l in listed)
    assert "alpha_zone" in names and "mallory_zone" in names, names
    # A team sees the locations it owns or may use, not the others.
    seen = w.teams["mallory"].get(f"{UC}/external-locations", expect=200).json()
    assert [l["name"] for l in seen["external_locations"]] == ["mallory_zone"], seen
    w.teams["mallory"].get(f"{UC}/external-locations/alpha_zone", expect=404)


@check("a location's owner moves it, or detaches its keys, only with CREATE_EXTERNAL_LOCATION")
def owner_moves_location(w: World):
    # alpha owns alpha_zone but may not declare locations: moving it onto a folder nobody
    # claimed would let alpha register (and share) whatever lies there.
    write_table(w.tables / "unclaimed" / "payroll")
    alpha = w.teams["alpha"]
    for change in ({"url": str(w.tables / "unclaimed"), "force": True},
                   {"url": str(w.tables)}, {"credential_name": ""}):
        r = alpha.patch(f"{UC}/external-locations/alpha_zone", change)
        assert_refused(r, (403,), "CREATE_EXTERNAL_LOCATION")
    r = register(alpha, "alpha", "payroll", str(w.tables / "unclaimed" / "payroll"), None)
    assert_refused(r, (400, 403), "external location")
    got = alpha.get(f"{UC}/external-locations/alpha_zone", expect=200).json()
    assert got["url"] == str(w.tables / "alpha"), got
    alpha.patch(f"{UC}/external-locations/alpha_zone", {"comment": "alpha's"}, expect=200)


@check("a group's CREATE_EXTERNAL_TABLE works for its members, and stops when one leaves")
def groups(w: World):
    write_table(w.tables / "alpha" / "orders")
    bob = create_team(w, "bob")
    w.admin.post(f"{LS}/groups", {"name": "alpha_team", "members": ["bob"]}, expect=200)
    w.admin.patch(f"{UC}/permissions/external_location/alpha_zone",
                  {"changes": [{"principal": "alpha_team", "add": ["CREATE_EXTERNAL_TABLE"]}]},
                  expect=200)
    w.admin.patch(f"{LS}/groups/alpha_team", {"remove_members": ["bob"]}, expect=200)
    r = register(bob, "bob", "orders", str(w.tables / "alpha" / "orders"), None)
    assert_refused(r, (403,), "CREATE_EXTERNAL_TABLE")
    w.admin.patch(f"{LS}/groups/alpha_team", {"add_members": ["bob"]}, expect=200)
    register(bob, "bob", "orders", str(w.tables / "alpha" / "orders"), 200)
    assert bob.get(f"{LS}/groups/alpha_team", expect=200).json()["members"] == ["bob"]
    w.teams["mallory"].get(f"{LS}/groups/alpha_team", expect=404)


@check("a storage credential's secret is never returned nor audited")
def credentials(w: World):
    body = {"name": "s3_keys", "aws_access_key": {"access_key_id": "AKIDEXAMPLE",
                                                  "secret_access_key": SECRET_KEY}}
    r = w.admin.post(f"{UC}/storage-credentials", body, expect=200)
    assert SECRET_KEY not in r.text and r.json()["aws_access_key"]["access_key_id"] == "AKIDEXAMPLE"
    for path in (f"{UC}/storage-credentials", f"{UC}/storage-credentials/s3_keys"):
        assert SECRET_KEY not in w.admin.get(path, expect=200).text
    w.admin.post(f"{UC}/external-locations", {"name": "bucket", "url": "s3://governed-bucket/t",
                                              "credential_name": "s3_keys"}, expect=200)
    r = w.teams["mallory"].post(f"{UC}/storage-credentials", body)
    assert_refused(r, (403,), "CREATE_STORAGE_CREDENTIAL")
    w.admin.delete(f"{UC}/storage-credentials/s3_keys", expect=400)
    audit = w.admin.get(f"{LS}/audit", params={"max_results": 1000}, expect=200).text
    assert SECRET_KEY not in audit
    for stored in w.data_dir.glob("metastore.db*"):
        assert SECRET_KEY.encode() not in stored.read_bytes(), f"{stored.name} holds the secret"


@check("`lakeshare admin external-locations` creates, grants, lists and refuses what the API does")
def cli(w: World):
    import os
    import subprocess

    def run(*args, token=ADMIN_TOKEN):
        env = {**os.environ, "LAKESHARE_HOST": w.server.base, "LAKESHARE_TOKEN": token}
        return subprocess.run([w.lakeshare, "admin", "external-locations", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    (w.tables / "cli_zone").mkdir(parents=True)
    r = run("create", "cli_zone", str(w.tables / "cli_zone"), "--comment", "from the CLI")
    assert r.returncode == 0, r.stderr
    r = run("grant", "cli_zone", "mallory")
    assert r.returncode == 0, r.stderr
    r = run("list", token=w.mallory_token)
    assert r.returncode == 0 and "cli_zone" in r.stdout and "alpha_zone" not in r.stdout, r.stdout
    r = run("create", "inside", str(w.tables / "cli_zone" / "x"))
    assert r.returncode != 0 and "LOCATION_OVERLAP" in r.stderr, (r.returncode, r.stderr)
    r = run("revoke", "cli_zone", "mallory")
    assert r.returncode == 0, r.stderr
    r = run("delete", "cli_zone")
    assert r.returncode == 0, r.stderr


@check("a table whose external location is dropped or narrowed after registration is not served")
def serve_time(w: World):
    a = w.admin
    root = w.tables / "late" / "sales" / "orders"
    write_table(root)
    a.declare_location("late_zone", w.tables / "late")
    a.post(f"{UC}/catalogs", {"name": "late_cat"}, expect=200)
    a.post(f"{UC}/schemas", {"name": "s", "catalog_name": "late_cat"}, expect=200)
    a.post(f"{UC}/tables", {"name": "orders", "catalog_name": "late_cat", "schema_name": "s",
                            "storage_location": str(root)}, expect=200)
    a.post(f"{UC}/shares", {"name": "late_share"}, expect=200)
    a.patch(f"{UC}/shares/late_share", {"updates": [{"action": "ADD", "data_object": {
        "name": "late_cat.s.orders", "data_object_type": "TABLE"}}]}, expect=200)
    rec = a.post(f"{UC}/recipients", {"name": "late_partner", "authentication_type": "TOKEN"},
                 expect=200).json()
    link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
    a.patch(f"{UC}/shares/late_share/permissions",
            {"changes": [{"principal": "late_partner", "add": ["SELECT"]}]}, expect=200)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    profile = Api(w.server.base, None).get(
        f"{UC}/public/data_sharing_activation/{token}", expect=200).json()
    partner = Api(profile["endpoint"], profile["bearerToken"])
    query = "/shares/late_share/schemas/s/tables/orders/query"
    r = partner.post(query, {}, expect=200)
    urls = [l["file"]["url"] for l in ndjson(r) if "file" in l]
    assert len(urls) == 3 and requests.get(urls[0], timeout=60).status_code == 200, urls

    def refused(r):
        assert r.status_code == 403, f"{r.status_code}: {r.text[:300]}"
        assert "late_share.s.orders" in r.text, r.text
        for leak in (str(w.tables), "late_zone", "file:"):
            assert leak not in r.text, f"the refusal leaks '{leak}': {r.text}"

    # Narrowed (force) so that the table lies outside it: refused at once, file URLs too.
    (w.tables / "late" / "other").mkdir(parents=True)
    a.patch(f"{UC}/external-locations/late_zone",
            {"url": str(w.tables / "late" / "other"), "force": True}, expect=200)
    refused(partner.post(query, {}))
    refused(partner.get("/shares/late_share/schemas/s/tables/orders/metadata"))
    got = requests.get(urls[0], timeout=60)
    assert got.status_code == 403 and str(w.tables) not in got.text, (got.status_code, got.text)
    # Declared again: served again. Dropped (force): refused again.
    a.patch(f"{UC}/external-locations/late_zone", {"url": str(w.tables / "late")}, expect=200)
    partner.post(query, {}, expect=200)
    a.delete(f"{UC}/external-locations/late_zone", params={"force": "true"}, expect=200)
    refused(partner.post(query, {}))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    Path(args.scratch).mkdir(parents=True)
    data_dir = Path(args.scratch) / "data"
    failed = 0
    with PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN) as server:
        w = World(args, server, data_dir)
        for name, fn in CHECKS:
            try:
                fn(w)
                print(f"ok   {name}", flush=True)
            except Exception:  # noqa: BLE001
                failed += 1
                print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
