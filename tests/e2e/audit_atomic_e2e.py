#!/usr/bin/env python3
"""Atomic management audit end to end (issue 10, item 6), on SQLite or on a PostgreSQL server
this script starts itself:

  - a stream of management writes (each with its own X-Request-Id), while the server is killed
    with SIGKILL again and again; after each kill the server is started again on the same
    metastore and the writes go on, a write whose answer was lost being retried with the same
    request id. In the end every change that was committed has exactly one audit event, and no
    request id has two;
  - a request retried with the same X-Request-Id (the second attempt answered 409) is audited
    once, as the change it made.

Usage: audit_atomic_e2e.py --lakeshare BIN --scratch DIR [--backend sqlite|postgres]
       [--writes N] [--kills K]
Exit 0 on success, 1 on a failed check, 77 (skip) when PostgreSQL is asked for and absent.
"""

from __future__ import annotations

import argparse
import collections
import random
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from platform_harness import SKIP, UC, Api, PlatformServer, Postgres  # noqa: E402

ADMIN_TOKEN = "e2e-admin-token-" + "k" * 32


class Writer(threading.Thread):
    """Creates catalogs c0000, c0001, ... one at a time, each with its own request id, retrying
    a request whose answer was lost (same id) until it gets one."""

    def __init__(self, count: int):
        super().__init__(daemon=True)
        self.count = count
        self.base = None
        self.lock = threading.Lock()
        self.answers = {}  # request id -> status of the answer that arrived
        self.retries = 0
        self.error = None

    def set_base(self, base):
        with self.lock:
            self.base = base

    def run(self):
        try:
            for i in range(self.count):
                rid = f"atomic-{i:04d}"
                while True:
                    with self.lock:
                        base = self.base
                    try:
                        r = requests.post(f"{base}{UC}/catalogs", json={"name": f"c{i:04d}"},
                                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                                   "X-Request-Id": rid}, timeout=10)
                    except requests.RequestException:
                        self.retries += 1
                        time.sleep(0.05)
                        continue
                    if r.status_code >= 500:
                        self.retries += 1
                        time.sleep(0.05)
                        continue
                    assert r.status_code in (200, 409), (rid, r.status_code, r.text)
                    self.answers[rid] = r.status_code
                    break
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e


def kill_during_writes(args, data_dir: Path, metastore: str):
    writer = Writer(args.writes)
    rng = random.Random(7)
    server = PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore).start()
    writer.set_base(server.base)
    writer.start()
    kills = 0
    while kills < args.kills and writer.is_alive():
        time.sleep(rng.uniform(0.05, 0.4))
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        server.log.close()
        kills += 1
        server = PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore).start()
        writer.set_base(server.base)
    writer.join(timeout=600)
    try:
        assert writer.error is None, writer.error
        assert not writer.is_alive(), "the writes did not finish"
        admin = Api(server.base, ADMIN_TOKEN)
        catalogs = set()
        token = None
        while True:
            body = admin.get(f"{UC}/catalogs", params={"max_results": 1000, **(
                {"page_token": token} if token else {})}, expect=200).json()
            catalogs |= {c["name"] for c in body.get("catalogs", [])}
            token = body.get("next_page_token")
            if not token:
                break
        events = collections.Counter()
        token = None
        while True:
            params = {"action": "createCatalog", "max_results": 1000}
            if token:
                params["page_token"] = token
            body = admin.get("/api/2.1/lakeshare/audit", params=params, expect=200).json()
            for e in body["events"]:
                # The client's X-Request-Id (request_id is the server's own, one per attempt).
                events[e["request_params"].get("client_request_id")] += 1
            token = body.get("next_page_token")
            if not token:
                break
        twice = [rid for rid, n in events.items() if n > 1]
        assert not twice, f"{len(twice)} requests audited more than once, e.g. {twice[:3]}"
        without = [c for c in sorted(catalogs) if events[f"atomic-{c[1:]}"] != 1]
        assert not without, f"{len(without)} of {len(catalogs)} committed changes have no event, " \
                            f"e.g. {without[:5]}"
        assert len(catalogs) == args.writes, (len(catalogs), args.writes)
        print(f"ok   {args.writes} writes, {kills} SIGKILLs, {writer.retries} retried answers: "
              f"every committed change has exactly one event", flush=True)
    finally:
        server.stop()


def retried_request_is_audited_once(args, data_dir: Path, metastore: str):
    with PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN, metastore=metastore) as server:
        admin = Api(server.base, ADMIN_TOKEN)
        headers = {"X-Request-Id": "retry-same-id-1"}
        admin.post(f"{UC}/shares", {"name": "retried"}, headers=headers, expect=200)
        admin.post(f"{UC}/shares", {"name": "retried"}, headers=headers, expect=409)
        # Another request under the same id (another body) is another event.
        admin.post(f"{UC}/shares", {"name": "other"}, headers=headers, expect=200)
        body = admin.get("/api/2.1/lakeshare/audit", params={"action": "createShare"},
                         expect=200).json()
        mine = [e for e in body["events"]
                if e["request_params"].get("client_request_id") == "retry-same-id-1"]
        assert len(mine) == 2, mine
        first = [e for e in mine if e["request_params"].get("name") == "retried"]
        assert len(first) == 1 and first[0]["response"]["status_code"] == 200, first
    print("ok   a retried request (same X-Request-Id) is audited once", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--writes", type=int, default=300)
    ap.add_argument("--kills", type=int, default=12)
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    Path(args.scratch).mkdir(parents=True)
    print(f"backend: {args.backend}", flush=True)

    def run(metastore_kill: str, metastore_retry: str) -> int:
        try:
            retried_request_is_audited_once(args, Path(args.scratch) / "retry", metastore_retry)
            kill_during_writes(args, Path(args.scratch) / "kill", metastore_kill)
        except Exception:  # noqa: BLE001
            import traceback
            print(f"FAIL\n{traceback.format_exc()}", flush=True)
            return 1
        return 0

    if args.backend == "sqlite":
        return run("", "")
    pg = Postgres()
    why = pg.available()
    if why:
        print(f"SKIP: {why}")
        return SKIP
    with pg:
        return run(pg.create_database("kill"), pg.create_database("retry"))


if __name__ == "__main__":
    sys.exit(main())
