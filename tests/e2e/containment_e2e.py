#!/usr/bin/env python3
"""Storage containment end to end (issue 10, items 1 and 5), against the real
`lakeshare serve --data-dir` on loopback, as an attacker who can register tables would try it:

  symlinks   a Delta table whose data files are symlinks to the server's DATA_DIR/admin-token,
             DATA_DIR/metastore.db and a secret file outside the table
  dotdot     a table whose log adds "../../secret.txt" and "%2e%2e/%2e%2e/secret.txt"
  absolute   a table whose log adds an absolute file:// URI of a file outside the table

Each is registered, shared and granted to a recipient, who then queries it and fetches every URL
it is given. Nothing outside a table may be served: a query on a table whose log points outside
answers 400 UNSUPPORTED_OPERATION (never a 5xx), and a symlinked data file is a 404.

Usage: containment_e2e.py --lakeshare BIN --scratch DIR
Exit 0 on success, 1 on a failed check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import traceback
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DeltaTableWriter, ndjson  # noqa: E402
from platform_harness import UC, Api, PlatformServer  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "c" * 32
SECRET = "TOP-SECRET-" + "7" * 24
CHECKS = []


def check(name):
    def wrap(fn):
        CHECKS.append((name, fn))
        return fn
    return wrap


class World:
    def __init__(self, args, server: PlatformServer, data_dir: Path):
        self.args = args
        self.server = server
        self.data_dir = data_dir
        self.scratch = Path(args.scratch)
        self.tables = self.scratch / "tables"
        self.secret = self.scratch / "secret.txt"
        self.admin = Api(server.base, ADMIN_TOKEN)
        self.partner = None


def new_table(root: Path) -> DeltaTableWriter:
    return DeltaTableWriter(root, [("id", "long", False), ("name", "string", True)])


def write_symlink_table(w: World) -> Path:
    """Three real data files, then each replaced by a symlink to a secret of the server."""
    root = w.tables / "symlinks"
    t = new_table(root)
    adds = [t.add([{"id": i, "name": f"row {i}"}]) for i in range(3)]
    t.commit(adds, 1767225600000)
    targets = [w.data_dir / "admin-token", w.data_dir / "metastore.db", w.secret]
    for add, target in zip(adds, targets):
        data_file = root / add["add"]["path"]
        data_file.unlink()
        data_file.symlink_to(target)
    # A symlinked directory holding a "data file" too.
    (root / "linked_dir").symlink_to(w.data_dir, target_is_directory=True)
    t.commit([{"add": {"path": "linked_dir/metastore.db", "partitionValues": {},
                       "size": 10, "modificationTime": 1767225600000, "dataChange": True}}],
             1767312000000)
    return root


def write_log_table(w: World, name: str, paths: list[str]) -> Path:
    """A table whose log adds files by the given paths (next to one real file)."""
    root = w.tables / name
    t = new_table(root)
    actions = [t.add([{"id": 1, "name": "real"}])]
    for path in paths:
        actions.append({"add": {"path": path, "partitionValues": {}, "size": len(SECRET),
                                "modificationTime": 1767225600000, "dataChange": True}})
    t.commit(actions, 1767225600000)
    return root


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


@check("tables whose files point outside them are registered and shared")
def setup(w: World):
    w.secret.write_text(SECRET)
    (w.data_dir / "admin-token").write_text(SECRET + "\n")
    tables = {
        "symlinks": write_symlink_table(w),
        "dotdot": write_log_table(w, "dotdot", ["../../secret.txt", "%2e%2e/%2e%2e/secret.txt"]),
        "absolute": write_log_table(w, "absolute", ["file://" + str(w.secret),
                                                    "file:" + str(w.data_dir / "metastore.db")]),
    }
    a = w.admin
    # Governance may require an external location around table roots; where the endpoint does
    # not exist yet the tables register without one.
    a.post(f"{UC}/external-locations", {"name": "e2e_tables", "url": str(w.tables)})
    a.post(f"{UC}/catalogs", {"name": "attack"}, expect=200)
    a.post(f"{UC}/schemas", {"name": "s", "catalog_name": "attack"}, expect=200)
    a.post(f"{UC}/shares", {"name": "loot"}, expect=200)
    for name, root in tables.items():
        a.post(f"{UC}/tables", {"name": name, "catalog_name": "attack", "schema_name": "s",
                                "table_type": "EXTERNAL", "data_source_format": "DELTA",
                                "storage_location": str(root)}, expect=200)
        a.patch(f"{UC}/shares/loot", {"updates": [{"action": "ADD", "data_object": {
            "name": f"attack.s.{name}", "data_object_type": "TABLE"}}]}, expect=200)
    rec = a.post(f"{UC}/recipients", {"name": "thief", "authentication_type": "TOKEN"},
                 expect=200).json()
    link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
    a.patch(f"{UC}/shares/loot/permissions",
            {"changes": [{"principal": "thief", "add": ["SELECT"]}]}, expect=200)
    profile = Api(w.server.base, None).get(
        f"{UC}/public/data_sharing_activation/{token_of(link)}", expect=200).json()
    w.partner = Api(profile["endpoint"], profile["bearerToken"])


def assert_nothing_served(urls: list[str]):
    for url in urls:
        for method in ("GET", "HEAD"):
            r = requests.request(method, url, timeout=60)
            assert r.status_code != 200 and r.status_code < 500, \
                f"{method} {url}: {r.status_code} (a file outside the table was served?)"
            assert SECRET not in r.text and "SQLite format" not in r.text, f"{url} leaked data"


def query(w: World, table: str):
    return w.partner.post(f"/shares/loot/schemas/s/tables/{table}/query", {})


@check("symlinked data files (admin-token, metastore.db, a secret) are never served")
def symlinks(w: World):
    r = query(w, "symlinks")
    assert r.status_code < 500, f"query: {r.status_code} {r.text[:300]}"
    assert SECRET not in r.text
    urls = [l["file"]["url"] for l in ndjson(r) if "file" in l] if r.status_code == 200 else []
    assert_nothing_served(urls)
    if r.status_code == 200:
        assert len(urls) == 4, f"expected the 4 files of the log, got {len(urls)}"
        for url in urls:
            status = requests.get(url, timeout=60).status_code
            assert status == 404, f"{url}: {status}, expected 404 (a symlink is not a file)"


@check("a log adding '../../secret.txt' (raw and percent-encoded) answers 400, serves nothing")
def dotdot(w: World):
    r = query(w, "dotdot")
    assert r.status_code == 400, f"query: {r.status_code} {r.text[:300]}"
    body = r.json()
    assert body["errorCode"] == "UNSUPPORTED_OPERATION", body
    assert "outside the table location" in body["message"], body
    assert SECRET not in r.text and str(w.scratch) not in r.text, r.text


@check("a log adding an absolute file:// URI outside the table answers 400, serves nothing")
def absolute(w: World):
    r = query(w, "absolute")
    assert r.status_code == 400, f"query: {r.status_code} {r.text[:300]}"
    assert r.json()["errorCode"] == "UNSUPPORTED_OPERATION", r.text
    assert SECRET not in r.text and str(w.scratch) not in r.text, r.text


@check("altered file URLs ('..', encoded dots, a symlinked folder) are refused, serve nothing")
def file_route(w: World):
    r = query(w, "symlinks")
    if r.status_code != 200:
        return
    url = [l["file"]["url"] for l in ndjson(r) if "file" in l][0]
    base, query_string = url.split("?", 1)
    prefix = base.rsplit("/", 1)[0]
    for tail in ("..%2F..%2Fsecret.txt", "%2e%2e/%2e%2e/secret.txt", "linked_dir%2Fmetastore.db"):
        probe = requests.get(f"{prefix}/{tail}?{query_string}", timeout=60)
        assert probe.status_code in (400, 403, 404), (tail, probe.status_code)
        assert SECRET not in probe.text


def shared_status(w: World, share: str, table: str) -> str:
    got = w.admin.get(f"{UC}/shares/{share}?include_shared_data=true", expect=200).json()
    return next(o["status"] for o in got["objects"] if o["name"] == table)


@check("a shared table deleted later answers 404 saying so (never a 5xx), on every endpoint, "
       "and its share shows it as SOURCE_NOT_FOUND to the provider")
def deleted_table(w: World):
    root = w.tables / "doomed"
    t = new_table(root)
    t.commit([t.add([{"id": 1, "name": "x"}])], 1767225600000)
    a = w.admin
    a.post(f"{UC}/tables", {"name": "doomed", "catalog_name": "attack", "schema_name": "s",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(root)}, expect=200)
    a.patch(f"{UC}/shares/loot", {"updates": [{"action": "ADD", "data_object": {
        "name": "attack.s.doomed", "data_object_type": "TABLE"}}]}, expect=200)
    assert query(w, "doomed").status_code == 200
    assert shared_status(w, "loot", "attack.s.doomed") == "ACTIVE"
    shutil.rmtree(root)
    assert shared_status(w, "loot", "attack.s.doomed") == "SOURCE_NOT_FOUND"
    base = "/shares/loot/schemas/s/tables/doomed"
    for r in (query(w, "doomed"), w.partner.get(f"{base}/metadata"),
              w.partner.get(f"{base}/version")):
        assert r.status_code == 404, f"{r.request.url}: {r.status_code} {r.text[:300]}"
        body = r.json()
        assert body["errorCode"] == "RESOURCE_DOES_NOT_EXIST", body
        assert "Table 'doomed' is not available" in body["message"], body
        assert str(w.scratch) not in body["message"], body


@check("share, recipient and catalog names with bidi controls or invisible characters are refused")
def spoofed_names(w: World):
    for path, body in ((f"{UC}/shares", {"name": "report\u202Efdp.exe"}),
                       (f"{UC}/recipients", {"name": "ac\u200Bme", "authentication_type": "TOKEN"}),
                       (f"{UC}/catalogs", {"name": "sales\u2066x\u2069"})):
        r = w.admin.post(path, body)
        assert r.status_code == 400, f"{path}: {r.status_code} {r.text[:200]}"
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE", r.text
        assert "U+" in r.json()["message"], r.text
    names = [s["name"] for s in w.admin.get(f"{UC}/shares", expect=200).json().get("shares", [])]
    assert not any("\u202e" in n for n in names), names


def run(args) -> int:
    scratch = Path(args.scratch)
    data_dir = scratch / "data"
    server = PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN)
    failed = 0
    with server:
        w = World(args, server, data_dir)
        w.tables.mkdir(parents=True, exist_ok=True)
        for name, fn in CHECKS:
            try:
                fn(w)
                print(f"ok   {name}", flush=True)
            except Exception:  # noqa: BLE001 - report every failing check
                failed += 1
                print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
                if fn is setup:
                    break
    if failed:
        print(f"server log: {server.log_path}")
        print(server.log_path.read_text()[-3000:])
    print(f"{'all' if not failed else 'not all'} {len(CHECKS)} checks passed; {failed} failed")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    Path(args.scratch).mkdir(parents=True)
    os.chmod(args.scratch, 0o755)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
