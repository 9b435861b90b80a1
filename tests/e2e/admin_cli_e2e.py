#!/usr/bin/env python3
"""End-to-end test of `lakeshare admin` (docs/cli.md) against the real server.

Starts `lakeshare serve --data-dir <scratch> --listen 127.0.0.1:0` with LAKESHARE_ADMIN_TOKEN,
writes the demo tables with `lakeshare demo write`, and drives the CLI as a provider would:
onboards one partner with a per-partner partition filter and reads its slice with the downloaded
profile, onboards 50 partners from a CSV file twice (the second run creates nothing and reports
all of them as present), checks that --json output parses, that the audit export lists the
onboarding events, and that errors exit with 2 and say what to do next. Exits 77 (skip) when the
server has no --data-dir (the governance plane is not wired in).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import requests
from platform_harness import await_listening

SKIP = 77


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


class Lakeshare:
    def __init__(self, binary: str, scratch: Path):
        self.binary = binary
        self.scratch = scratch
        self.token = "adm-" + secrets.token_hex(24)
        self.proc = None
        self.base = None
        self.outputs = []  # every CLI output, to check no token leaks

    def start(self):
        self.log = open(self.scratch / "server.log", "w")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", str(self.scratch / "metastore"),
             "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            env={**os.environ, "LAKESHARE_ADMIN_TOKEN": self.token})
        try:
            endpoint, _ = await_listening(self.proc, self.log)
        except RuntimeError as e:
            raise Failure(f"server did not start: {e}")
        self.base = endpoint[: endpoint.index("/", len("http://"))]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def admin(self, *args, expect=0, token=True, stdin=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKESHARE_")}
        if token:
            env["LAKESHARE_TOKEN"] = self.token
        cmd = [self.binary, "admin", "--host", self.base, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, input=stdin, timeout=600)
        self.outputs.append(p.stdout + p.stderr)
        if expect is not None and p.returncode != expect:
            raise Failure(f"{' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                          f"stdout: {p.stdout[-3000:]}\nstderr: {p.stderr[-3000:]}")
        return p

    def admin_json(self, *args):
        p = self.admin("--json", *args)
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError as e:
            raise Failure(f"{' '.join(args)} --json is not JSON ({e}): {p.stdout[:500]}")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_onboard_one(ls: Lakeshare, data: Path, work: Path):
    links = work / "acme-links.csv"
    # Tables are registered only under a declared external location, for admins too (issue 10).
    p = ls.admin("external-locations", "create", "demo_data", str(data))
    check("external location demo_data created" in p.stdout, p.stdout)
    p = ls.admin("onboard", "--partner", "acme", "--share", "acme_share",
                 "--table", f"demo.retail.daily_sales={data / 'daily_sales'}",
                 "--table", f"demo.retail.stock_levels={data / 'stock_levels'}",
                 "--property", "country=DE", "--partition", "stock_levels:country=@country",
                 "--with-history", "--links-out", str(links))
    check("1 created, 0 already present, 0 failed" in p.stdout, p.stdout)
    onboarded = p
    # Issue 14 item 5: a nameless sender is warned about, and one command names it.
    check("no organisation name is set" in p.stderr and "--organization-name" in p.stderr,
          p.stderr)
    ls.admin("settings", "set", "--organization-name", "Lakeside Retail GmbH")
    check(ls.admin_json("settings", "get")["delta_sharing_organization_name"] ==
          "Lakeside Retail GmbH", "settings set did not set the organisation name")
    p = ls.admin("settings", "set", expect=2)
    check("--organization-name" in p.stderr, p.stderr)
    check(mode_of(links) == 0o600, f"links file mode {oct(mode_of(links))}")
    rows = list(csv.DictReader(io.StringIO(links.read_text())))
    check(len(rows) == 1 and rows[0]["partner"] == "acme", rows)
    link = rows[0]["activation_url"]
    check(link.startswith("http"), f"activation link: {link!r}")
    check(link not in onboarded.stdout, "with --links-out the link must not be printed")

    # Issue 14 item 8: --with-history claims changes only where the table has a change data
    # feed (the demo's daily_sales has one, stock_levels none); `shares get` says the same.
    note = onboarded.stderr
    check("stock_levels" in note and "no change data feed" in note and
          "daily_sales" not in note.split("no change data feed")[1], note)
    table = ls.admin("shares", "get", "acme_share").stdout.splitlines()
    at = [l for l in table if l.startswith("OBJECT")][0].index("CDF")
    cdf = {l.split()[0]: l[at:].split()[0] for l in table if l.startswith("demo.retail.")}
    check(cdf == {"demo.retail.daily_sales": "true", "demo.retail.stock_levels": "false"},
          f"CDF column: {cdf}")
    share = ls.admin_json("shares", "get", "acme_share")
    names = sorted(o["name"] for o in share["objects"])
    check(names == ["demo.retail.daily_sales", "demo.retail.stock_levels"], names)
    stock = [o for o in share["objects"] if o["name"].endswith("stock_levels")][0]
    values = stock["partitions"][0]["values"][0]
    check(values.get("recipient_property_key") == "country" and values["name"] == "country",
          stock)

    # The partner's side: download the profile once through the public endpoint, read its slice.
    token = link.rstrip("/").rsplit("/", 1)[-1]
    info = requests.get(
        f"{ls.base}/api/2.1/unity-catalog/public/data_sharing_activation_info/{token}", timeout=30)
    check(info.json().get("organizationName") == "Lakeside Retail GmbH", info.text[:300])
    r = requests.get(f"{ls.base}/api/2.1/unity-catalog/public/data_sharing_activation/{token}",
                     timeout=30)
    check(r.status_code == 200, f"download: {r.status_code} {r.text[:300]}")
    profile = r.json()
    again = requests.get(f"{ls.base}/api/2.1/unity-catalog/public/data_sharing_activation/{token}",
                         timeout=30)
    check(again.status_code >= 400, "a second download must be refused")
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {profile['bearerToken']}"
    endpoint = profile["endpoint"].rstrip("/")
    tables = s.get(f"{endpoint}/shares/acme_share/all-tables", timeout=30)
    check(tables.status_code == 200, f"all-tables: {tables.status_code} {tables.text[:300]}")
    listed = sorted(t["name"] for t in tables.json()["items"])
    check(listed == ["daily_sales", "stock_levels"], listed)
    q = s.post(f"{endpoint}/shares/acme_share/schemas/retail/tables/stock_levels/query",
               json={}, timeout=60)
    check(q.status_code == 200, f"query: {q.status_code} {q.text[:300]}")
    files = [json.loads(l)["file"] for l in q.text.splitlines() if '"file"' in l[:10]]
    countries = {f["partitionValues"]["country"] for f in files}
    check(countries == {"DE"}, f"per-partner filter: partner acme (country=DE) sees {countries}")
    # Idempotent: a second run changes nothing and prints no link.
    p = ls.admin("onboard", "--partner", "acme", "--share", "acme_share",
                 "--table", "demo.retail.daily_sales", "--table", "demo.retail.stock_levels",
                 "--property", "country=DE", "--partition", "stock_levels:country=@country",
                 "--organization-name", "Lakeside Retail AG")
    check("0 created, 1 already present, 0 failed" in p.stdout, p.stdout)
    check("no organisation name" not in p.stderr, p.stderr)
    check(ls.admin_json("settings", "get")["delta_sharing_organization_name"] ==
          "Lakeside Retail AG", "onboard --organization-name did not set the name")
    check("activation" not in p.stdout, p.stdout)
    return profile["bearerToken"]


def partners_csv(data: Path) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["partner", "share", "tables", "properties", "ip_access_list", "partitions",
                "comment"])
    countries = ["DE", "FR", "NL", "IT", "ES", "PL", "AT", "BE"]
    for i in range(1, 51):
        c = countries[i % len(countries)]
        w.writerow([f"partner{i:03d}", "retail",
                    f"demo.retail.daily_sales;demo.retail.articles={data / 'articles'};"
                    "demo.retail.stock_levels",
                    f"country={c};partner_id=P{i:03d}",
                    "127.0.0.0/8;::1" if i % 2 else "",
                    "stock_levels:country=@country",
                    f"partner {i}, tier {'gold' if i % 5 == 0 else 'standard'}"])
    return out.getvalue()


def test_onboard_csv(ls: Lakeshare, data: Path, work: Path):
    csv_path = work / "partners.csv"
    csv_path.write_text(partners_csv(data))
    links = work / "links.json"
    first = ls.admin_json("onboard", "--csv", str(csv_path), "--parallel", "8",
                          "--links-out", str(links))
    check(first["partners_total"] == 50 and first["created"] == 50 and first["failed"] == 0,
          {k: first[k] for k in ("partners_total", "created", "already_present", "failed")}
          | {"first failures": [p for p in first["partners"] if p["status"] == "failed"][:3]})
    objects = first["objects"]
    check(objects["recipients"] == {"created": 50, "present": 0}, objects)
    check(objects["grants"] == {"created": 50, "present": 0}, objects)
    check(objects["shares"]["created"] == 1, objects)
    check(objects["tables"]["created"] == 1 and objects["tables"]["present"] == 2, objects)
    check(all("activation_url" not in p for p in first["partners"]),
          "with --links-out the links stay out of stdout")
    check(mode_of(links) == 0o600, oct(mode_of(links)))
    linked = json.loads(links.read_text())
    check(sorted(l["partner"] for l in linked) == [f"partner{i:03d}" for i in range(1, 51)],
          linked[:3])
    check(len({l["activation_url"] for l in linked}) == 50, "links must be distinct")

    second = ls.admin_json("onboard", "--csv", str(csv_path), "--parallel", "8",
                           "--links-out", str(work / "links-2.json"))
    check(second["created"] == 0 and second["already_present"] == 50 and second["failed"] == 0,
          {k: second[k] for k in ("created", "already_present", "failed")})
    for kind, counts in second["objects"].items():
        check(counts["created"] == 0, f"second run created {kind}: {counts}")
    check(second["objects"]["recipients"]["present"] == 50, second["objects"])
    check(json.loads((work / "links-2.json").read_text()) == [],
          "no partner was activated or rotated: no new links")
    check(all("settings_left" not in p for p in second["partners"]),
          [p for p in second["partners"] if "settings_left" in p][:3])

    # The human summary of a third run, and nothing duplicated on the server.
    third = ls.admin("onboard", "--csv", str(csv_path))
    check("50 total, 0 created, 50 already present, 0 failed" in third.stdout, third.stdout)
    recipients = ls.admin_json("recipients", "list")["recipients"]
    check(len(recipients) == 51, f"{len(recipients)} recipients")
    check(all("activation_url" not in r for r in recipients), "list must not show links")
    grants = ls.admin_json("share-permissions", "get", "retail")["privilege_assignments"]
    check(sorted(g["principal"] for g in grants) == [f"partner{i:03d}" for i in range(1, 51)],
          grants[:3])
    p7 = ls.admin_json("recipients", "get", "partner007")
    check(p7["properties_kvpairs"]["properties"] == {"country": "BE", "partner_id": "P007"}, p7)
    check(p7["ip_access_list"]["allowed_ip_addresses"] == ["127.0.0.0/8", "::1"], p7)

    table = ls.admin("recipients", "list").stdout.splitlines()
    check(table[0].split()[:3] == ["NAME", "AUTH", "ACTIVATED"], table[0])
    check(len(table) == 52, f"{len(table)} lines")
    perms = ls.admin("recipients", "share-permissions", "partner001").stdout
    check("retail" in perms and "SELECT" in perms, perms)

    # A partner that exists with other settings than the file asks keeps them (onboarding never
    # changes a recipient); the run says so with the command that applies the file's.
    ls.admin("recipients", "update", "partner001", "--property", "country=XX", "--clear-ip")
    p = ls.admin("onboard", "--csv", str(csv_path))
    want = ("lakeshare admin recipients update partner001 --property country=FR "
            "--ip 127.0.0.0/8 --ip ::1")
    check("1 partner(s) already existed with other properties" in p.stderr and
          f"  {want}\n" in p.stderr, p.stderr)
    ls.admin(*want.split()[2:])
    p1 = ls.admin_json("recipients", "get", "partner001")
    check(p1["properties_kvpairs"]["properties"] == {"country": "FR", "partner_id": "P001"} and
          p1["ip_access_list"]["allowed_ip_addresses"] == ["127.0.0.0/8", "::1"], p1)
    p = ls.admin("onboard", "--csv", str(csv_path))
    check("already existed" not in p.stderr, p.stderr)


def test_reissue(ls: Lakeshare, work: Path):
    p = ls.admin("recipients", "rotate-token", "partner050",
                 "--existing-token-expire-in-seconds", "0")
    check("activation link" in p.stdout and "expires in 72 hours" in p.stdout, p.stdout)
    p = ls.admin("onboard", "--partner", "partner049", "--share", "retail", "--table",
                 "demo.retail.daily_sales", "--reissue-links")
    check("1 created, 0 already present, 0 failed" in p.stdout and "partner049" in p.stdout,
          p.stdout)
    check("each works once and expires in 72 hours" in p.stdout, p.stdout)


def test_recipient_links(ls: Lakeshare):
    """Issue 14 item 11: the token table of `create` is filled in, the link's real lifetime is
    said, and `get` shows an issued, unused link."""
    p = ls.admin("recipients", "create", "linkcheck")
    lines = p.stdout.splitlines()
    header = [i for i, l in enumerate(lines) if l.split()[:2] == ["ID", "KIND"]]
    check(header, f"no token table: {p.stdout}")
    row = lines[header[0] + 1].split()
    check(row[0].startswith("link-") and row[-1].startswith("20"), f"token row: {row}")
    check("expires in 72 hours" in p.stdout, p.stdout)  # the server's default TTL
    got = ls.admin("recipients", "get", "linkcheck").stdout
    check(row[0] in got and "activation link, unused" in got, got)
    check("/activation/" not in got, "get must not show the link itself again")


def test_object_verbs(ls: Lakeshare):
    """get / update / delete of catalogs, schemas, shares and recipients, add-table and
    remove-table: the verbs one helper (NamedVerb, UpdateVerb) serves for every noun."""
    ls.admin("catalogs", "create", "verbs_cat", "--comment", "first")
    check(ls.admin_json("catalogs", "get", "verbs_cat")["comment"] == "first", "catalogs get")
    got = ls.admin_json("catalogs", "update", "verbs_cat", "--comment", "second")
    check(got["comment"] == "second", f"catalogs update: {got}")
    p = ls.admin("catalogs", "update", "verbs_cat", expect=2)
    check("nothing to update" in p.stderr and "--new-name" in p.stderr, p.stderr)
    ls.admin("schemas", "create", "s1", "verbs_cat")
    got = ls.admin_json("schemas", "update", "verbs_cat.s1", "--new-name", "s2")
    check(got["name"] == "s2", f"schemas update: {got}")
    check(ls.admin_json("schemas", "get", "verbs_cat.s2")["full_name"] == "verbs_cat.s2",
          "schemas get after rename")
    p = ls.admin("schemas", "delete", "verbs_cat.s2")
    check("schema verbs_cat.s2 deleted" in p.stdout, p.stdout)
    ls.admin("schemas", "get", "verbs_cat.s2", expect=2)
    p = ls.admin("catalogs", "delete", "verbs_cat")
    check("catalog verbs_cat deleted" in p.stdout, p.stdout)

    ls.admin("shares", "create", "verbs_share")
    p = ls.admin("shares", "add-table", "verbs_share", "demo.retail.daily_sales",
                 "--as", "retail.sales")
    check("table demo.retail.daily_sales added to share verbs_share" in p.stdout, p.stdout)
    p = ls.admin("shares", "get", "verbs_share")
    check("retail.sales" in p.stdout, p.stdout)
    p = ls.admin("shares", "remove-table", "verbs_share", "demo.retail.daily_sales")
    check("removed from share verbs_share" in p.stdout, p.stdout)
    got = ls.admin_json("shares", "update", "verbs_share", "--new-name", "verbs_share2")
    check(got["name"] == "verbs_share2", f"shares update: {got}")
    p = ls.admin("shares", "delete", "verbs_share2")
    check("share verbs_share2 deleted" in p.stdout, p.stdout)
    ls.admin("shares", "get", "verbs_share2", expect=2)

    ls.admin("recipients", "create", "verbs_r", "--property", "a=1", "--property", "b=2")
    got = ls.admin_json("recipients", "update", "verbs_r", "--property", "c=3",
                        "--remove-property", "a", "--comment", "updated")
    props = got["properties_kvpairs"]["properties"]
    check(props == {"b": "2", "c": "3"} and got["comment"] == "updated", f"recipients update: {got}")
    ls.admin("recipients", "update", "verbs_r", "--expiration-time", "yesterday", expect=2)
    p = ls.admin("recipients", "delete", "verbs_r")
    check("recipient verbs_r deleted" in p.stdout, p.stdout)
    ls.admin("recipients", "get", "verbs_r", expect=2)

    ls.admin("recipients", "create", "verbs_fed", "--type", "OIDC_FEDERATION")
    p = ls.admin("federation-policies", "create", "verbs_fed", "m2m", "--issuer",
                 "https://idp.example.com", "--audience", "lakeshare", "--subject", "app-1")
    check("federation policy m2m of recipient verbs_fed created" in p.stdout, p.stdout)
    listed = ls.admin_json("federation-policies", "list", "verbs_fed")["policies"]
    check([x["name"] for x in listed] == ["m2m"], f"federation-policies list: {listed}")
    got = ls.admin_json("federation-policies", "get", "verbs_fed", "m2m")
    check(got["oidc_policy"]["subject"] == "app-1", f"federation-policies get: {got}")
    p = ls.admin("federation-policies", "delete", "verbs_fed", "m2m")
    check("federation policy m2m of recipient verbs_fed deleted" in p.stdout, p.stdout)
    ls.admin("federation-policies", "get", "verbs_fed", "m2m", expect=2)
    ls.admin("recipients", "delete", "verbs_fed")


def test_audit(ls: Lakeshare, work: Path):
    p = ls.admin("audit", "--jsonl")
    events = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    check(f"exported {len(events)} audit events" in p.stderr, p.stderr)
    actions = {}
    for e in events:
        actions[e["action_name"]] = actions.get(e["action_name"], 0) + 1
    for name in ("createCatalog", "createSchema", "createTable", "createShare", "updateShare",
                 "createRecipient", "updateSharePermissions"):
        check(actions.get(name, 0) >= 1, f"no {name} in the audit export: {sorted(actions)}")
    check(actions["createRecipient"] >= 51, actions)
    # Issue 14 item 12: onboarding 51 partners (and rerunning it) probed nothing that 404s.
    probes = [f"{e['action_name']} {e.get('request_params')}" for e in events
              if e.get("response", {}).get("status_code") == 404]
    check(not probes, f"{len(probes)} 404s in the audit log, e.g. {probes[:5]}")
    created = ls.admin_json("audit", "--action", "createRecipient", "--max-results", "1000")
    check(len(created["events"]) >= 51, len(created["events"]))
    check(all(e["action_name"] == "createRecipient" for e in created["events"]), "filter")
    text = ls.admin("audit", "--action", "createShare", "--since", "1h").stdout.splitlines()
    check(text[0].split()[:2] == ["TIME", "ACTION"] and "createShare" in text[1], text[:2])

    # Issue 14 item 3: the newest events first, and a listing says when more match.
    newest = ls.admin_json("audit", "--since", "1h", "--limit", "5")
    times = [e["event_time"] for e in newest["events"]]
    check(len(times) == 5 and times == sorted(times, reverse=True), f"not newest first: {times}")
    check(times[0] >= max(e["event_time"] for e in events), "the newest event is not shown first")
    check(newest.get("next_page_token"), "a listing of 5 of many events must give a page token")
    p = ls.admin("audit", "--since", "1h", "--limit", "5")
    check("more match" in p.stderr and "--page-token" in p.stderr, p.stderr)
    # The rotation of test_reissue (a recent event among hundreds of older ones) is on page one.
    recent = ls.admin("audit", "--since", "1h", "--limit", "20").stdout
    check("rotateRecipientToken" in recent, recent[:2000])
    following = ls.admin_json("audit", "--since", "1h", "--limit", "5",
                              "--page-token", newest["next_page_token"])
    later = [e["event_time"] for e in following["events"]]
    check(len(later) == 5 and max(later) <= min(times), f"page 2 {later} after page 1 {times}")
    check([e["request_id"] for e in following["events"]] !=
          [e["request_id"] for e in newest["events"]], "page 2 repeats page 1")
    oldest = ls.admin_json("audit", "--oldest-first", "--limit", "3")["events"]
    check([e["event_time"] for e in oldest] == sorted(e["event_time"] for e in events)[:3],
          "--oldest-first must start at the oldest event")
    p = ls.admin("audit", "--action", "rotateRecipientToken")
    check("no more match" in p.stderr, p.stderr)
    (work / "audit.jsonl").write_text(p.stdout)


def test_storage_credentials_and_groups(ls: Lakeshare, work: Path):
    """`storage-credentials` (secrets from a file or stdin, never argv, never shown) and `groups`
    (issue 10 item 1, CLI nouns)."""
    secret, secret2 = "cliSecret/" + secrets.token_hex(16), "cliStdin/" + secrets.token_hex(16)
    secret_file = work / "aws-secret"
    secret_file.write_text(secret + "\n")
    p = ls.admin("storage-credentials", "create", "cli_keys", "--access-key-id", "AKIDCLI",
                 "--secret-file", str(secret_file), "--comment", "analytics bucket")
    check("storage credential cli_keys created" in p.stdout, p.stdout)
    p = ls.admin("storage-credentials", "create", "cli_stdin", "--access-key-id", "AKIDSTDIN",
                 "--secret-file", "-", stdin=secret2 + "\n")
    check("storage credential cli_stdin created" in p.stdout, p.stdout)
    ls.admin("storage-credentials", "create", "cli_profile", "--profile", "analytics")
    p = ls.admin("storage-credentials", "create", "argv", "--access-key-id", "AKID",
                 "--secret-access-key", "not-a-flag", expect=None)
    check(p.returncode != 0, "a secret on the command line must be refused")
    p = ls.admin("storage-credentials", "create", "nofile", "--access-key-id", "AKID", expect=2)
    check("never taken from the command line" in p.stderr, p.stderr)
    empty = work / "empty-secret"
    empty.write_text("\n")
    p = ls.admin("storage-credentials", "create", "empty", "--access-key-id", "AKID",
                 "--secret-file", str(empty), expect=2)
    check("is empty" in p.stderr, p.stderr)
    p = ls.admin("storage-credentials", "list")
    check(all(n in p.stdout for n in ("cli_keys", "cli_stdin", "cli_profile")), p.stdout)
    listed = ls.admin_json("storage-credentials", "list")["storage_credentials"]
    by_name = {c["name"]: c for c in listed}
    check(by_name["cli_keys"]["aws_access_key"] == {"access_key_id": "AKIDCLI"}, by_name)
    check(by_name["cli_profile"]["aws_profile"] == {"profile_name": "analytics"}, by_name)
    got = ls.admin_json("storage-credentials", "get", "cli_stdin")
    check(got["aws_access_key"] == {"access_key_id": "AKIDSTDIN"}, got)
    ls.admin("external-locations", "create", "cli_bucket", "s3://cli-bucket/data",
             "--credential", "cli_keys")
    p = ls.admin("storage-credentials", "delete", "cli_keys", expect=2)  # a location uses it
    ls.admin("external-locations", "delete", "cli_bucket")
    for name in ("cli_keys", "cli_stdin", "cli_profile"):
        p = ls.admin("storage-credentials", "delete", name)
        check(f"storage credential {name} deleted" in p.stdout, p.stdout)
    ls.admin("storage-credentials", "get", "cli_keys", expect=2)
    for out in ls.outputs:
        check(secret not in out and secret2 not in out, "a storage credential secret was printed")

    r = requests.post(f"{ls.base}/api/2.1/lakeshare/principals", json={"name": "carol"},
                      headers={"Authorization": f"Bearer {ls.token}"}, timeout=60)
    check(r.status_code == 200, r.text)
    p = ls.admin("groups", "create", "analysts", "--comment", "data analysts", "--member", "carol")
    check("group analysts created" in p.stdout, p.stdout)
    check(ls.admin_json("groups", "get", "analysts")["members"] == ["carol"], "carol is a member")
    ls.admin("groups", "remove-member", "analysts", "carol")
    check(ls.admin_json("groups", "get", "analysts")["members"] == [], "carol was removed")
    ls.admin("groups", "add-member", "analysts", "carol")
    check(ls.admin_json("groups", "get", "analysts")["members"] == ["carol"], "carol is back")
    p = ls.admin("groups", "add-member", "analysts", "nobody-here", expect=2)
    check("nobody-here" in p.stderr, p.stderr)
    p = ls.admin("groups", "list")
    check("analysts" in p.stdout, p.stdout)
    p = ls.admin("groups", "delete", "analysts")
    check("group analysts deleted" in p.stdout, p.stdout)
    ls.admin("groups", "get", "analysts", expect=2)


def test_errors(ls: Lakeshare, work: Path, data: Path):
    p = ls.admin("recipients", "get", "nobody", expect=2)
    check("hint:" in p.stderr and "recipients list" in p.stderr, p.stderr)
    check("RECIPIENT_DOES_NOT_EXIST" in p.stderr or "does not exist" in p.stderr.lower(), p.stderr)

    p = ls.admin("recipients", "create", "acme", expect=2)
    check("ALREADY_EXISTS" in p.stderr and "hint:" in p.stderr, p.stderr)

    # A mistyped option name with a secret after it: the parser's refusal must not echo the secret
    # (main() checks every output for the token).
    p = ls.admin("--tokn", ls.token, "shares", "list", expect=2, token=False)
    check("--tokn <value>" in p.stderr, p.stderr)
    p = ls.admin(f"--token-fil={ls.token}", "shares", "list", expect=2, token=False)
    check("--token-fil=<value>" in p.stderr, p.stderr)

    p = ls.admin("--token", "not-the-token", "shares", "list", expect=2, token=False)
    check("--token-file" in p.stderr, p.stderr)

    p = ls.admin("shares", "list", expect=2, token=False)
    check("no admin token" in p.stderr, p.stderr)

    p = ls.admin("onboard", "--partner", "x", expect=2)
    check("no tables" in p.stderr, p.stderr)

    bad = work / "bad.csv"
    bad.write_text("partner,tables\nok,demo.retail.daily_sales\nbroken,sales_only\n")
    p = ls.admin("onboard", "--csv", str(bad), expect=2)
    check("line 3" in p.stderr and "catalog.schema.table" in p.stderr, p.stderr)

    # Issue 14 item 9: the whole file is checked (the server's CIDR parser and name rule), every
    # problem reported in one run, and nothing is sent.
    bad.write_text("partner,tables,ip_access_list\n"
                   "precheck1,demo.retail.daily_sales,10.0.0.0/8\n"
                   "precheck2,demo.retail.daily_sales,10.0.0.0/33\n"
                   "precheck3,sales_only,\n"
                   "pre check4,demo.retail.daily_sales,\n")
    p = ls.admin("onboard", "--csv", str(bad), expect=2)
    for needle in ("3 problems", "line 3: ip_access_list", "line 4, column tables", "line 5:"):
        check(needle in p.stderr, f"{needle!r} not in: {p.stderr}")
    for name in ("precheck1", "precheck2"):
        ls.admin("recipients", "get", name, expect=2)  # nothing was sent

    p = ls.admin("onboard", "--partner", "y", "--table", "demo.retail.daily_sales",
                 "--links-out", str(work / "acme-links.csv"), expect=2)
    check("exists" in p.stderr, p.stderr)

    p = ls.admin("tables", "create", "demo.retail.loot", "--storage-location", "/etc",
                 expect=None)
    check(p.returncode != 0 and "create an external location first" in p.stderr
          and "lakeshare admin external-locations create" in p.stderr, p.stdout + p.stderr)
    p = ls.admin("onboard", "--partner", "z", "--table", "demo.retail.missing_table", expect=2)
    check("is not registered" in p.stdout + p.stderr and "=LOCATION" in p.stdout + p.stderr,
          p.stdout + p.stderr)

    p = ls.admin("share-permissions", "update", "retail", expect=2)
    check("--grant" in p.stderr, p.stderr)

    unreachable = ls.base.rsplit(":", 1)[0] + ":1"
    p = ls.admin("--host", unreachable, "shares", "list", expect=1)
    check("cannot reach" in p.stderr and "lakeshare serve --data-dir" in p.stderr, p.stderr)


def check_demo_tables(lakeshare: str, data: Path):
    """The demo tables read back: per-file stats agree with the rows DuckDB reads from the same
    files (skipped when tools/duckdb is not installed)."""
    out = subprocess.run([lakeshare, "delta", "files", str(data / "daily_sales")],
                         capture_output=True, text=True, check=True).stdout
    adds = [json.loads(l)["add"] for l in out.splitlines() if l.strip()]
    check(len(adds) == 3 * 8, f"{len(adds)} active files")
    stats_rows = sum(json.loads(a["stats"])["numRecords"] for a in adds)
    duckdb = Path(__file__).resolve().parents[2] / "tools" / "duckdb" / "node_modules"
    if not duckdb.is_dir() or shutil.which("node") is None:
        print("note: tools/duckdb not installed; DuckDB read of the demo tables skipped")
        return
    files = [str(data / "daily_sales" / a["path"]) for a in adds]
    script = (
        "import { DuckDBInstance } from '" + str(duckdb) + "/@duckdb/node-api/lib/index.js';\n"
        "const con = await (await DuckDBInstance.create(':memory:')).connect();\n"
        "const r = await con.runAndReadAll(process.argv[2]);\n"
        "console.log(JSON.stringify(r.getRowsJS(), (k, v) => typeof v === 'bigint' ? "
        "Number(v) : v));\n")
    mjs = data.parent / "duck.mjs"
    mjs.write_text(script)
    sql = ("SELECT count(*), count(DISTINCT country), min(revenue_eur) > 0 FROM read_parquet("
           + json.dumps(files).replace('"', "'") + ")")
    r = subprocess.run(["node", str(mjs), sql], capture_output=True, text=True)
    check(r.returncode == 0, f"DuckDB: {r.stderr[-500:]}")
    rows = json.loads(r.stdout)
    check(rows == [[stats_rows, 8, True]], f"DuckDB read {rows}, stats say {stats_rows} rows")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()

    help_text = subprocess.run([args.lakeshare, "serve", "--help"], capture_output=True,
                               text=True).stdout
    if "--data-dir" not in help_text:
        print("SKIP: `lakeshare serve` has no --data-dir (governance plane not wired in)")
        return SKIP

    scratch = Path(args.scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    data = scratch / "data"
    w = subprocess.run([args.lakeshare, "demo", "write", str(data), "--days", "3",
                        "--articles", "60", "--rows-per-day", "200"],
                       capture_output=True, text=True)
    if w.returncode != 0:
        print(f"FAIL: demo write: {w.stderr}")
        return 1
    d = subprocess.run([args.lakeshare, "delta", "describe", str(data / "daily_sales")],
                       capture_output=True, text=True)
    if d.returncode != 0:
        print(f"FAIL: delta describe of the demo table: {d.stderr}")
        return 1

    ls = Lakeshare(args.lakeshare, scratch)
    try:
        check_demo_tables(args.lakeshare, data)
        ls.start()
        bearer = test_onboard_one(ls, data, scratch)
        test_onboard_csv(ls, data, scratch)
        test_reissue(ls, scratch)
        test_recipient_links(ls)
        test_audit(ls, scratch)
        test_object_verbs(ls)
        test_storage_credentials_and_groups(ls, scratch)
        test_errors(ls, scratch, data)
        for out in ls.outputs:
            check(ls.token not in out, "the admin token appeared in CLI output")
            check(bearer not in out, "a recipient bearer token appeared in CLI output")
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        ls.stop()
    print("PASS: admin CLI end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
