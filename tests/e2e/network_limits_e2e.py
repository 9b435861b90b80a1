"""Anyone on the network, as an attacker (issue 10, items 3, 4 and 8): `lakeshare serve --data-dir`
on loopback, attacked from distinct addresses of 127/8.

  idle_sockets:   10,000 idle TCP connections from 127.0.0.2 (no byte sent) must not keep other
                  addresses out: /healthz and a partner's request from other addresses are served,
                  the address over its budget gets 429, the idle sockets are closed after the
                  head timeout.
  ambiguous_head: a request without Host, with two Host or two Authorization headers, two
                  Content-Length or Transfer-Encoding with Content-Length gets 400.
  audit_flood:    a flood of unauthenticated requests (bad tokens, unknown routes) adds a bounded
                  number of audit rows (per address and minute: the first refusal of each kind
                  and one count of the rest, whatever the number of requests), which still
                  account for every refused request; refusals of an
                  authenticated partner are each recorded.
  audit_retention: events older than --audit-retention-days are exported (JSONL, 0600) to
                  --audit-export-dir, then deleted; recent ones stay.
  audit_unaggregated: with --audit-refusal-window-seconds 0 (the behaviour before aggregation)
                  the same count grows by one row per refused request: what audit_flood measures
                  can fail.
  rate_limits:    past the per-address and per-recipient limits: 429 RESOURCE_EXHAUSTED with
                  Retry-After (both API shapes), served again after Retry-After; the separate
                  health listener answers.
  connector:      (--part connector) the official Python connector's REST client retries the
                  429s of a low per-recipient limit with its exponential backoff and gets every
                  answer.

Every check fails on a server without the limits. The script raises its own open-file limit (the
idle sockets need one descriptor each) and uses fewer sockets when the hard limit is too low.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import shutil
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from platform_harness import SKIP, UC, Api, PlatformServer, wait_until  # noqa: E402

ADMIN_TOKEN = "network-limits-admin-token-0123456789abcdef"
IDLE_SOCKETS = 10_000


def raise_open_files(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def raw_exchange(port: int, data: bytes, source: str = "127.0.0.1") -> tuple[int, bytes]:
    """Send raw bytes, return (status, whole reply until close or 10 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(data)
        reply = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if b"\r\n\r\n" in reply and b"Connection: close" not in reply:
                    head, _, body = reply.partition(b"\r\n\r\n")
                    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                              if l.lower().startswith(b"content-length:")]
                    if length and len(body) >= length[0]:
                        break
        except socket.timeout:
            pass
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    return status, reply


def get_from(source: str, port: int, path: str, token: str | None = None) -> tuple[int, dict, str]:
    """GET on a new connection from `source`; (status, headers, body), status 0 when refused."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    except (ConnectionError, OSError) as e:
        return 0, {}, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


def metric(base: str, name: str) -> float:
    text = Api(base, None).get("/metrics", expect=200).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def setup_partner(server: PlatformServer, name: str) -> str:
    """A share and a recipient `name` holding SELECT on it; returns its bearer token."""
    admin = Api(server.base, ADMIN_TOKEN)
    admin.post(f"{UC}/shares", {"name": f"{name}_share"}, expect=200)
    rec = admin.post(f"{UC}/recipients", {"name": name, "authentication_type": "TOKEN"},
                     expect=200).json()
    admin.patch(f"{UC}/shares/{name}_share/permissions",
                {"changes": [{"principal": name, "add": ["SELECT"]}]}, expect=200)
    link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
    link_token = link.rstrip("/").rsplit("/", 1)[-1]
    profile = Api(server.base, None).get(f"{UC}/public/data_sharing_activation/{link_token}",
                                         expect=200).json()
    return profile["bearerToken"]


# ---- Checks ----


def check_idle_sockets(server: PlatformServer, partner_token: str, count: int):
    port = port_of(server.base)
    idle = []
    refused_at_connect = 0
    print(f"  opening {count} idle sockets from 127.0.0.2", flush=True)
    for i in range(count):
        s = socket.socket()
        s.settimeout(10)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", port))
            idle.append(s)
        except OSError:
            refused_at_connect += 1
            s.close()
        if (i + 1) % 2500 == 0:
            print(f"  {i + 1} sockets", flush=True)
    try:
        status, _, body = get_from("127.0.0.3", port, "/healthz")
        assert status == 200, f"/healthz from another address under 10,000 idle sockets: {body}"
        status, _, body = get_from("127.0.0.4", port, "/delta-sharing/shares", partner_token)
        assert status == 200, f"a partner from another address: {status} {body}"
        # Sockets past the address's budget were answered 429 + Retry-After, then closed (read
        # from the sockets themselves: the head timeout may have freed budget since).
        refused_replies = 0
        for s in idle[256:]:
            s.setblocking(False)
            try:
                reply = s.recv(4096, socket.MSG_PEEK)
            except (BlockingIOError, OSError):
                continue
            if reply.startswith(b"HTTP/1.1 429") and b"Retry-After:" in reply:
                refused_replies += 1
        assert refused_replies > 0, "no idle socket past the address's budget was answered 429"
        refused = metric(server.base, "lakeshare_http_connections_refused_total")
        assert refused >= refused_replies, f"refused connections metric: {refused}"
        # The idle sockets are closed by the head timeout (3 s here), counted in the metrics.
        wait_until(lambda: metric(server.base, "lakeshare_http_head_timeouts_total") >= 200, 60,
                   "idle sockets closed by the head timeout")
    finally:
        for s in idle:
            s.close()


def check_ambiguous_head(server: PlatformServer, partner_token: str):
    port = port_of(server.base)
    auth = f"Authorization: Bearer {partner_token}\r\n".encode()
    cases = {
        "no Host": b"GET /delta-sharing/shares HTTP/1.1\r\n" + auth + b"\r\n",
        "two Host": b"GET /delta-sharing/shares HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + auth + b"\r\n",
        "bad Host": b"GET /delta-sharing/shares HTTP/1.1\r\nHost: evil.example/x\r\n" + auth + b"\r\n",
        "two Authorization": (b"GET /delta-sharing/shares HTTP/1.1\r\nHost: h\r\n" + auth +
                              b"Authorization: Bearer other\r\n\r\n"),
        "two Content-Length": (b"POST /delta-sharing/shares HTTP/1.1\r\nHost: h\r\n" + auth +
                               b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
        "Transfer-Encoding gzip": (b"POST /delta-sharing/shares HTTP/1.1\r\nHost: h\r\n" + auth +
                                   b"Transfer-Encoding: gzip\r\n\r\n"),
    }
    for what, request in cases.items():
        status, reply = raw_exchange(port, request)
        assert status == 400 and b"MALFORMED_REQUEST" in reply, (
            f"{what}: expected 400 MALFORMED_REQUEST, got {reply[:300]!r}")
    status, _ = raw_exchange(port, b"GET /delta-sharing/shares HTTP/1.1\r\nHost: h\r\n" + auth + b"\r\n")
    assert status == 200, f"the same request with one Host and one Authorization: {status}"


def flood(port: int, source: str, path: str, token: str | None, total: int,
          threads: int = 4) -> dict:
    """`total` GETs over keep-alive connections from `source`; counts by status."""
    counts: dict = {}
    lock = threading.Lock()

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _ in range(n):
            try:
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (ConnectionError, OSError, http.client.HTTPException):
                conn.close()
                status = 0
            with lock:
                counts[status] = counts.get(status, 0) + 1
        conn.close()

    workers = [threading.Thread(target=worker, args=(total // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts


def audit_rows(data_dir: Path) -> list[dict]:
    db = sqlite3.connect(f"file:{data_dir / 'metastore.db'}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(
            "SELECT id, time_ms, action, principal, recipient, source_ip, params, status_code "
            "FROM audit_events ORDER BY id")]
    finally:
        db.close()


def check_audit_flood(server: PlatformServer, partner_token: str):
    port = port_of(server.base)
    before = len(audit_rows(server.data_dir))
    print("  flooding: 3,000 bad-token requests from 127.0.0.5, 1,000 unknown routes from "
          "127.0.0.6", flush=True)
    bad = flood(port, "127.0.0.5", "/delta-sharing/shares", "not-a-token", 3000)
    unknown = flood(port, "127.0.0.6", "/no/such/route", None, 1000)
    partner = flood(port, "127.0.0.7", "/delta-sharing/shares/not_granted", partner_token, 40, 1)
    assert set(bad) <= {401, 429} and bad.get(401, 0) > 0, f"bad tokens: {bad}"
    assert set(unknown) <= {404, 429}, f"unknown routes: {unknown}"
    assert partner == {404: 40}, f"the partner's refused requests: {partner}"
    server.stop()  # a graceful stop writes the groups still open
    # The flood's addresses only: events of the checks before may still have been queued.
    rows = [r for r in audit_rows(server.data_dir)[before:]
            if r["source_ip"] in ("127.0.0.5", "127.0.0.6", "127.0.0.7")]
    added = len(rows)
    print(f"  audit rows added by 4,040 requests: {added}", flush=True)

    def accounted(source):
        mine = [r for r in rows if r["source_ip"] == source]
        single = [r for r in mine if r["action"] != "anonymousRefusalsAggregated"]
        grouped = [r for r in mine if r["action"] == "anonymousRefusalsAggregated"]
        total = len(single) + sum(int(json.loads(r["params"])["count"]) for r in grouped)
        # The minutes the flood touched, from the rows themselves (no clock in the test), and
        # the kinds of refusal (action, status) recorded as they came.
        windows = {r["time_ms"] // 60_000 for r in single}
        windows |= {int(json.loads(r["params"])["windowStartMs"]) // 60_000 for r in grouped}
        kinds = {(r["action"], r["status_code"]) for r in single}
        return total, len(single), len(grouped), len(windows), len(kinds)

    bound = 40
    for source, sent in (("127.0.0.5", 3000), ("127.0.0.6", 1000)):
        total, single, grouped, windows, kinds = accounted(source)
        assert total == sent, f"{source}: the audit accounts for {total} of {sent} refusals"
        # O(windows), not O(requests): per address and minute, the first refusal of each kind
        # as it came and one count of the rest.
        assert kinds <= 2, f"{source}: {kinds} kinds of refusal (401 or 404, and 429)"
        assert single <= kinds * windows and grouped <= windows, (
            f"{source}: {single} single and {grouped} aggregated rows for {sent} requests in "
            f"{windows} minute(s)")
        assert windows <= 3, f"{source}: a flood of a few seconds spread over {windows} minutes?"
        bound += (kinds + 1) * windows
    kept = [r for r in rows if r["source_ip"] == "127.0.0.7"]
    assert len(kept) == 40 and all(r["recipient"] and r["status_code"] == 404 for r in kept), (
        f"authenticated refusals must each be kept: {len(kept)} rows")
    by_source = {}
    for r in rows:
        key = (r["source_ip"], r["action"], r["status_code"])
        by_source[key] = by_source.get(key, 0) + 1
    assert added <= bound, f"{added} audit rows for one flood (at most {bound}): {by_source}"


def check_audit_unaggregated(server: PlatformServer):
    """--audit-refusal-window-seconds 0: one row per refusal (the count above would see it)."""
    port = port_of(server.base)
    counts = flood(port, "127.0.0.12", "/delta-sharing/shares", "not-a-token", 300, 2)
    assert sum(counts.values()) == 300 and 0 not in counts, counts
    server.stop()  # writes what is queued
    added = len([r for r in audit_rows(server.data_dir) if r["source_ip"] == "127.0.0.12"])
    print(f"  audit rows added by 300 refused requests without aggregation: {added}", flush=True)
    assert added == 300, f"expected one row per refusal without aggregation, got {added}"


def check_audit_retention(lakeshare: str, data_dir: Path, export_dir: Path):
    """Old events of a stopped server's metastore go (exported first) when it restarts with
    --audit-retention-days; recent ones stay."""
    now_ms = int(time.time() * 1000)
    day = 86_400_000
    db = sqlite3.connect(str(data_dir / "metastore.db"))
    try:
        with db:
            for i, age in enumerate((40, 31)):
                db.execute(
                    "INSERT INTO audit_events (time_ms, request_id, action, principal, recipient, "
                    "source_ip, user_agent, params, status_code, error, volume) "
                    "VALUES (?, ?, 'oldEvent', '', 'acme', '192.0.2.1', 'ua', '{}', 200, '', '{}')",
                    (now_ms - age * day, f"old-{i}"))
    finally:
        db.close()
    recent_before = [r for r in audit_rows(data_dir) if r["action"] != "oldEvent"]
    with PlatformServer(lakeshare, data_dir, ADMIN_TOKEN,
                        extra_args=["--audit-retention-days", "30",
                                    "--audit-export-dir", str(export_dir)]) as server:
        wait_until(lambda: not [r for r in audit_rows(data_dir) if r["action"] == "oldEvent"], 60,
                   "events older than --audit-retention-days deleted")
        server.stop()
    left = audit_rows(data_dir)
    assert {r["id"] for r in recent_before} <= {r["id"] for r in left}, "recent events were deleted"
    files = list(export_dir.iterdir())
    assert len(files) == 1, files
    assert files[0].stat().st_mode & 0o077 == 0, oct(files[0].stat().st_mode)
    lines = [json.loads(l) for l in files[0].read_text().splitlines()]
    assert sorted(l["request_id"] for l in lines) == ["old-0", "old-1"], lines
    assert all(l["action_name"] == "oldEvent" and l["recipient"] == "acme" for l in lines), lines


def check_rate_limits(server: PlatformServer, partner_token: str, health_port: int):
    port = port_of(server.base)
    # Per address (50/s, burst 100): anonymous requests from one address.
    counts = flood(port, "127.0.0.8", "/delta-sharing/shares", "not-a-token", 400, 2)
    assert counts.get(429, 0) > 0, f"no 429 past the per-address limit: {counts}"
    status, headers, body = get_from("127.0.0.8", port, "/delta-sharing/shares")
    if status != 429:
        status, headers, body = get_from("127.0.0.8", port, "/delta-sharing/shares")
    assert status == 429, (status, body)
    assert json.loads(body)["errorCode"] == "RESOURCE_EXHAUSTED", body
    retry = int(headers["retry-after"])
    assert 1 <= retry <= 60, headers
    # The management API answers the same limit in its own shape. A token refills every 20 ms,
    # so on a loaded machine one request may pass (401, no token): empty the bucket again.
    for _ in range(5):
        status, _, body = get_from("127.0.0.8", port, f"{UC}/catalogs")
        if status == 429:
            break
        flood(port, "127.0.0.8", f"{UC}/catalogs", None, 200, 2)
    assert status == 429 and json.loads(body)["error_code"] == "RESOURCE_EXHAUSTED", body
    time.sleep(retry)
    status, _, body = get_from("127.0.0.8", port, "/delta-sharing/shares", partner_token)
    assert status == 200, f"after Retry-After: {status} {body}"
    # Per recipient (5/s, burst 10), from two addresses: one budget.
    statuses = []
    for i in range(30):
        status, headers, _ = get_from("127.0.0.9" if i % 2 else "127.0.0.10", port,
                                      "/delta-sharing/shares", partner_token)
        statuses.append(status)
    assert 429 in statuses and statuses[:5] == [200] * 5, statuses
    assert metric(server.base, "lakeshare_http_rate_limited_total") >= 2
    # The health listener answers, and only probes.
    status, _, _ = get_from("127.0.0.11", health_port, "/healthz")
    assert status == 200
    status, _, _ = get_from("127.0.0.11", health_port, "/readyz")
    assert status == 200
    status, _, _ = get_from("127.0.0.11", health_port, "/delta-sharing/shares", partner_token)
    assert status == 404


def check_connector(server: PlatformServer, partner_token: str, rc, proto, scratch: Path):
    profile_path = scratch / "partner.share"
    profile_path.write_text(json.dumps({"shareCredentialsVersion": 1,
                                        "endpoint": server.endpoint + "/",
                                        "bearerToken": partner_token}))
    profile = proto.DeltaSharingProfile.read_from_file(str(profile_path))
    client = rc.DataSharingRestClient(profile)  # the connector's default: 10 retries
    sleeps = []
    real_sleeper = client._sleeper
    client._sleeper = lambda ms: (sleeps.append(ms), real_sleeper(ms))
    limited_before = metric(server.base, "lakeshare_http_rate_limited_total")
    for _ in range(12):
        shares = client.list_shares().shares
        assert [s.name for s in shares] == ["acme_share"], shares
    limited = metric(server.base, "lakeshare_http_rate_limited_total") - limited_before
    print(f"  12 list_shares: {int(limited)} answered 429, connector slept {sleeps} ms", flush=True)
    assert limited > 0 and sleeps, "the per-recipient limit (2/s, burst 4) never answered 429"
    assert sleeps[0] == 100, sleeps  # the connector's backoff starts at 100 ms and doubles


# ---- Main ----


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--part", choices=["limits", "connector"], default="limits")
    p.add_argument("--connector-src", default="")
    p.add_argument("--only", default="", help="comma-separated checks to run (default: all)")
    p.add_argument("--no-new-flags", action="store_true",
                   help="start the first server without flags older builds lack (to show the "
                        "attacks against such a build)")
    args = p.parse_args()
    scratch = Path(args.scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    if args.part == "connector":
        return run_connector(args, scratch)

    sockets = min(IDLE_SOCKETS, raise_open_files(IDLE_SOCKETS + 2000) - 2000)
    if sockets < IDLE_SOCKETS:
        print(f"note: the open-file limit allows {sockets} idle sockets, not {IDLE_SOCKETS}")
    only = set(filter(None, args.only.split(",")))
    failures = []

    def run(name, fn, *fn_args):
        if only and name not in only:
            return
        try:
            fn(*fn_args)
            print(f"ok   {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - report every check
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            failures.append(name)

    # Defaults, but a short head timeout so that the test need not wait 10 s.
    with PlatformServer(args.lakeshare, scratch / "defaults", ADMIN_TOKEN,
                        extra_args=[] if args.no_new_flags else ["--head-timeout-seconds", "3"]
                        ) as server:
        token = setup_partner(server, "acme")
        run("idle_sockets", check_idle_sockets, server, token, sockets)
        run("ambiguous_head", check_ambiguous_head, server, token)
        run("audit_flood", check_audit_flood, server, token)
    run("audit_retention", check_audit_retention, args.lakeshare, scratch / "defaults",
        scratch / "audit-export")
    if not only or only & {"rate_limits", "audit_unaggregated"}:
        with PlatformServer(args.lakeshare, scratch / "limits", ADMIN_TOKEN,
                            extra_args=["--rate-limit-per-address", "50:100",
                                        "--rate-limit-per-recipient", "5:10",
                                        "--health-listen", "127.0.0.1:0",
                                        "--audit-refusal-window-seconds", "0"]) as server:
            token = setup_partner(server, "acme")
            health = [l for l in server.startup_lines if l.startswith("health listener on ")]
            assert health, server.startup_lines
            health_port = int(health[0].split()[3].rsplit(":", 1)[1])
            run("rate_limits", check_rate_limits, server, token, health_port)
            run("audit_unaggregated", check_audit_unaggregated, server)
    print(f"network limits e2e: {len(failures)} failed")
    return 1 if failures else 0


def run_connector(args, scratch: Path) -> int:
    from connector_loader import has_source, load_rest_client
    if not has_source(args.connector_src):
        print(f"SKIP: the delta-sharing Python connector's source folder {args.connector_src!r} "
              f"is absent")
        return SKIP
    try:
        rc, proto = load_rest_client(Path(args.connector_src))
    except ImportError as e:
        print(f"SKIP: the connector's REST client does not import here ({e}; "
              f"scripts/install-deps.sh installs its dependencies)")
        return SKIP
    with PlatformServer(args.lakeshare, scratch / "connector", ADMIN_TOKEN,
                        extra_args=["--rate-limit-per-recipient", "2:4"]) as server:
        token = setup_partner(server, "acme")
        try:
            check_connector(server, token, rc, proto, scratch)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL connector retries 429: {type(e).__name__}: {e}")
            return 1
    print("ok   connector retries 429 and gets every answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
