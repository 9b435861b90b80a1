"""`make run` as a new user meets it (issue 14): the demo is started as `make run` starts it, and
every partner step is what the demo PRINTED, parsed and done literally:

  1. what the partner receives: each per-table line printed by `make run`, and the same table in
     README.md, is checked against what the partner is actually served (items 1);
  2. the browser path: the printed link opened in Chromium, the printed button clicked, the file
     kept in the printed folder (HOME is the test's), the printed `export PROFILE=...; chmod 600`
     line, then the printed pandas and curl commands with it; the page names the provider and
     lists the partner's real tables (items 5, 6, 7, 13);
  3. the printed curl download on the used link fails and prints why (item 6);
  4. a second `make run` while one runs (same folder; another folder on the same port) refuses,
     says how to reuse or stop the first, and the running demo's credential keeps working (2);
  5. Ctrl-C stops the demo; a new `make run` issues a new link; the printed curl download gives a
     file only its owner can read (13), and the printed pandas and curl commands work with it.

The printed pandas command runs literally when pandas, pyarrow and the connector import (a
partner's machine); Debian packages neither pyarrow nor the connector's Rust reader, so here its
table is read through the connector's own REST client and fsspec as load_as_pandas does up to
the data, with DuckDB (tools/duckdb) in pyarrow's place (said in the output).

Exit 0 when every check passed, 1 on a failure, 77 when the browser or the connector's source is
missing (scripts/install-deps.sh installs the browser; the source is ../shared/clients/...).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from connector_loader import PartnerReader, full_connector_importable, has_source, summarize  # noqa: E402
from demo_harness import Demo, shell  # noqa: E402

SKIP = 77
failures: list[str] = []


STARTED = time.monotonic()


def check(ok, what, detail=""):
    print(f"{time.monotonic() - STARTED:6.1f}s " + ("ok   " if ok else "FAIL ") + what
          + ("" if ok or not detail else f"\n     {detail}"), flush=True)
    if not ok:
        failures.append(what)
    return ok


# ---- 1. what the partner receives ---------------------------------------------------------------

def readme_claims(readme: Path) -> dict:
    """The README's table 'rows `<partner>` receives': "share.schema.table" -> claim."""
    claims = {}
    for line in readme.read_text().splitlines():
        m = re.match(r"^\|\s*`(\w+\.\w+\.\w+)`\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            claims[m.group(1)] = m.group(2).replace("`", "")
    return claims


def table_truth(lakeshare: str, table_dir: Path, *options: str) -> dict:
    """The whole table's current snapshot (or the version `options` name), read from its folder
    (the provider's view)."""
    out = subprocess.run([lakeshare, "delta", "files", str(table_dir), *options], check=True,
                         capture_output=True, text=True).stdout
    files = []
    for line in out.splitlines():
        add = json.loads(line)["add"]
        files.append((table_dir / add["path"], add.get("partitionValues") or {}))
    return summarize(files)


def check_claim(coordinates: str, claim: str, served: dict, full: dict):
    """One claim against what the partner received (`served`) and the whole table (`full`),
    each {"rows": n, "countries": {country: rows} or None}."""
    countries = sorted(served["countries"] or {})
    all_countries = sorted(full["countries"] or {})
    detail = f"served {json.dumps(served)}; the whole table {json.dumps(full)}"
    if m := re.match(r"^every country \(([A-Z ]+)\)", claim):
        check(served == full and countries == sorted(m.group(1).split()),
              f"{coordinates}: '{claim}' is true", detail)
    elif m := re.match(r"^country ([A-Z]{2}) only", claim):
        mine = (full["countries"] or {}).get(m.group(1))
        check(countries == [m.group(1)] and served["rows"] == mine and len(all_countries) > 1,
              f"{coordinates}: '{claim}' is true", detail)
    elif claim.startswith("every article (no country column)"):
        check(served == full and full["countries"] is None and full["rows"] > 0,
              f"{coordinates}: '{claim}' is true", detail)
    else:
        check(False, f"{coordinates}: the claim '{claim}' is one this test can check",
              "use 'every country (...)', 'country XX only', or 'every article (no country "
              "column)', or teach tests/e2e/demo_e2e.py the new claim")


def check_what_the_partner_receives(printed, readme, reader, lakeshare, data_dir, scratch):
    claims = printed.claims
    check(len(claims) == 3, "make run says what the partner receives for each of 3 tables",
          json.dumps(claims))
    check(readme == claims, "README.md says the same, table by table",
          f"README: {json.dumps(readme)}\nmake run: {json.dumps(claims)}")
    check(sorted(reader.all_tables()) == sorted(claims),
          "the partner is served exactly the tables named", json.dumps(reader.all_tables()))
    for coordinates, claim in claims.items():
        name = coordinates.split(".")[2]
        check_claim(coordinates, claim, reader.summary(coordinates),
                    table_truth(lakeshare, data_dir / name))
        if m := re.match(r"^country ([A-Z]{2}) only \(row filter", claim):
            check_row_filter_history(coordinates, m.group(1), reader, lakeshare, data_dir / name)


def check_row_filter_history(coordinates, country, reader, lakeshare, table_dir):
    """A row filter holds on history too: time travel to version 3 serves that version's rows of
    `country` only, and every file of the change data feed of versions 13-14 (a day's append and
    the MERGE correction) holds rows of `country` only, each file read by DuckDB."""
    served = reader.summary(coordinates, version=3)
    full = table_truth(lakeshare, table_dir, "--version", "3")
    mine = (full["countries"] or {}).get(country)
    check(sorted(served["countries"] or {}) == [country] and served["rows"] == mine
          and len(full["countries"] or {}) > 1,
          f"{coordinates}: time travel to version 3 serves country {country} only",
          f"served {json.dumps(served)}; version 3 {json.dumps(full)}")
    files = reader.change_files(coordinates, starting_version=13, ending_version=14)
    changes = summarize(files)
    check(len(files) > 0 and sorted(changes["countries"] or {}) == [country],
          f"{coordinates}: the change data feed of versions 13-14 holds country {country} only",
          f"{len(files)} file(s): {json.dumps(changes)}")


# ---- the partner's printed commands ------------------------------------------------------------

def run_pandas_line(printed, env, cwd, src, lakeshare, scratch):
    """The printed pandas command: literally where load_as_pandas can run, else its reads."""
    if full_connector_importable():
        r = shell(printed.pandas, dict(env, PYTHONPATH=str(src)), cwd)
        check(r.returncode == 0 and "rows" in r.stdout, "the printed pandas command prints rows",
              r.stdout[-500:] + r.stderr[-500:])
        return
    m = re.search(r'load_as_pandas\(os\.environ\["PROFILE"\] \+ "#([\w.]+)"\)', printed.pandas)
    if not check(m is not None, "the printed pandas command loads PROFILE#share.schema.table",
                 printed.pandas):
        return
    print("note: pandas/pyarrow are not on this machine (Debian packages neither); the printed "
          "load_as_pandas is replayed with the connector's REST client and fsspec")
    reader = PartnerReader(src, os.path.expanduser(env["PROFILE"]), scratch)
    try:
        rows = reader.summary(m.group(1))["rows"]
    finally:
        reader.close()
    check(rows > 0, f"load_as_pandas('{m.group(1)}') with $PROFILE reads rows ({rows})")


def profile_env(export_line: str, env: dict, cwd: Path) -> dict:
    """The environment after the printed `export PROFILE=...` line (and what follows it)."""
    r = shell(export_line + '; printf "%s" "$PROFILE"', env, cwd)
    check(r.returncode == 0, f"the printed line runs: {export_line}", r.stderr)
    return dict(env, PROFILE=r.stdout)


def run_partner_commands(printed, env, cwd, src, lakeshare, scratch, path_name):
    run_pandas_line(printed, env, cwd, src, lakeshare, scratch / path_name)
    r = shell(printed.curl_tables, env, cwd)
    names = []
    try:
        names = sorted(f"{t['share']}.{t['schema']}.{t['name']}"
                       for t in json.loads(r.stdout)["items"])
    except (ValueError, KeyError):
        pass
    check(r.returncode == 0 and names == sorted(printed.claims),
          f"{path_name}: the printed curl command lists the partner's tables",
          r.stdout[-500:] + r.stderr[-500:])


def follow_browser(args, printed, downloads: Path) -> dict | None:
    r = subprocess.run([args.node, str(args.browser_helper), "--link", printed.link,
                        "--button", printed.button, "--downloads", str(downloads)],
                       capture_output=True, text=True)
    if r.returncode == SKIP:
        print(r.stdout.strip())
        return None
    if not check(r.returncode == 0, "the browser follows the printed link", r.stderr[-2000:]):
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---- the journey ---------------------------------------------------------------------------------

def second_run_refuses(args, demo: Demo, profile_reader: PartnerReader, scratch: Path):
    """Item 2: another `make run` while this one runs touches nothing."""
    before = profile_reader.all_tables()
    for label, demo_dir in (("the same folder", demo.demo_dir),
                            ("another folder on the same port", scratch / "demo-other")):
        other = Demo(args.repo, args.lakeshare, demo_dir, demo.home, port=demo.port)
        r = subprocess.run(other.command(), env=other.env(), capture_output=True, text=True,
                           cwd=args.repo, timeout=120)
        said = r.stdout + r.stderr
        check(r.returncode != 0, f"a second make run from {label} refuses to start", said[-800:])
        check("serving on" not in said and "activate" not in said,
              f"the refusal ({label}) prints no link and does not claim to serve", said[-800:])
        check(re.search(r"already (running|taken)", said) is not None
              and "Ctrl-C" in said and "partner-instructions.txt" in said
              and f"LAKESHARE_PORT=" in said,
              f"the refusal ({label}) says what runs, how to reuse it, stop it, or run another",
              said)
        if label != "the same folder":
            check(str(demo_dir / "partner-instructions.txt") not in said,
                  "the refusal does not send the user to this folder's instructions: the running "
                  "demo's are in its own folder", said)
        if label == "the same folder":
            pid = (demo.demo_dir / "server.pid").read_text().strip()
            check(f"kill {pid}" in said, "the refusal names the running server's pid", said)
    check(profile_reader.all_tables() == before,
          "the running demo's credential still works after the refused second runs")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--repo", required=True, type=Path)
    p.add_argument("--scratch", required=True, type=Path)
    p.add_argument("--connector-src", required=True, type=Path)
    p.add_argument("--node", default="node")
    p.add_argument("--browser-helper", type=Path,
                   default=HERE.parent / "browser" / "follow_activation.mjs")
    args = p.parse_args()
    args.lakeshare = str(Path(args.lakeshare).resolve())
    if not has_source(args.connector_src):
        print(f"SKIP: the delta-sharing Python connector's source {args.connector_src} is absent")
        return SKIP
    shutil.rmtree(args.scratch, ignore_errors=True)
    scratch = args.scratch.resolve()
    home = scratch / "home"
    work = scratch / "partner"  # where the partner runs the printed commands
    work.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home))
    browser_skipped = False

    demo = Demo(args.repo, args.lakeshare, scratch / "demo", home)
    with demo:
        printed = demo.start()
        print(f"make run printed ({demo.log}):\n{printed.text}")
        check(printed.link and printed.button and printed.browser_folder and printed.curl_download
              and printed.profile_browser and printed.profile_curl and printed.pandas
              and printed.curl_tables and printed.guides,
              "make run prints the browser path, the curl path, PROFILE lines, pandas, curl, guides")

        # 2. The browser path, as printed.
        downloads = home / printed.browser_folder
        page = follow_browser(args, printed, downloads)
        if page is None:
            browser_skipped = True
        elif page:
            check(page.get("saved") == str(downloads / "config.share"),
                  f"the browser saved config.share in ~/{printed.browser_folder}", json.dumps(page))
            check(page.get("organization") == "Lakeshare Demo Retail",
                  "the page names the provider organisation", page.get("organization", ""))
            check(sorted(page.get("tables") or []) == sorted(printed.claims),
                  "after the download the page lists the partner's real tables",
                  json.dumps(page.get("tables")))
            first = (page.get("tables") or ["?"])[0]
            check(f'load_as_pandas("config.share#{first}")' in (page.get("example") or ""),
                  "the page's pandas example names a real table", page.get("example", ""))
            check("chmod 600" in (page.get("done") or ""),
                  "the page tells the partner to protect the file")
            check(not page.get("console_errors"), "the page ran without script errors",
                  json.dumps(page.get("console_errors")))
            g = subprocess.run(["curl", "-sS", "-f", page.get("guides", "")], capture_output=True,
                               text=True)
            check(g.returncode == 0 and "partner-pandas.md" in g.stdout and
                  page.get("guides") == printed.guides,
                  "the guides the page and make run point to are served", g.stderr)
            # A browser saves with the user's umask; the printed line protects it.
            os.chmod(downloads / "config.share", 0o644)
            benv = profile_env(printed.profile_browser, env, work)
            mode = stat.S_IMODE(os.stat(benv["PROFILE"]).st_mode)
            check(mode == 0o600, f"after the printed browser line the file is 0600 ({oct(mode)})")
            run_partner_commands(printed, benv, work, args.connector_src, args.lakeshare,
                                 scratch, "browser path")
            # 3. The printed curl download on the link the browser used: fails and says why.
            r = shell(printed.curl_download, env, work)
            check(r.returncode != 0 and "already used" in (r.stdout + r.stderr),
                  "the printed curl download on a used link fails and prints why",
                  r.stdout[-500:] + r.stderr[-500:])

            # 1. What the partner receives, checked against the browser path's credential.
            reader = PartnerReader(args.connector_src, benv["PROFILE"], scratch / "read")
            try:
                check_what_the_partner_receives(printed, readme_claims(args.repo / "README.md"),
                                                reader, args.lakeshare, demo.demo_dir / "data",
                                                scratch)
                # 4. A second make run touches nothing.
                second_run_refuses(args, demo, reader, scratch)
            finally:
                reader.close()
        check(demo.stop() == 0, "Ctrl-C stops the demo")
        check(not (demo.demo_dir / "server.pid").exists(), "the stopped demo leaves no pid file")

    # 5. A new make run: a new link; the curl path, as printed.
    demo2 = Demo(args.repo, args.lakeshare, scratch / "demo", home, port=demo.port,
                 log=scratch / "make-run-2.log")
    with demo2:
        printed = demo2.start()
        check(printed.link != demo.instructions.link, "a new make run issues a new link")
        r = shell(printed.curl_download, env, work)
        check(r.returncode == 0, "the printed curl download works", r.stdout + r.stderr)
        cenv = profile_env(printed.profile_curl, env, work)
        profile = Path(cenv["PROFILE"])
        ok = profile.is_file()
        check(ok and stat.S_IMODE(profile.stat().st_mode) == 0o600,
              "the curl download leaves a file only its owner can read",
              oct(stat.S_IMODE(profile.stat().st_mode)) if ok else "no file")
        if ok:
            check(json.loads(profile.read_text()).get("shareCredentialsVersion") == 1,
                  "it is a profile (credential file)")
            run_partner_commands(printed, cenv, work, args.connector_src, args.lakeshare,
                                 scratch, "curl path")
            if browser_skipped:  # what the browser path would have checked, with this file
                reader = PartnerReader(args.connector_src, cenv["PROFILE"], scratch / "read")
                try:
                    check_what_the_partner_receives(printed, readme_claims(args.repo / "README.md"),
                                                    reader, args.lakeshare,
                                                    demo2.demo_dir / "data", scratch)
                    second_run_refuses(args, demo2, reader, scratch)
                finally:
                    reader.close()
        check(demo2.stop() == 0, "Ctrl-C stops the second demo")

    print(f"demo e2e: {len(failures)} failed" + (f": {failures}" if failures else ""))
    if failures:
        return 1
    if browser_skipped:
        print("SKIP: the browser path did not run (see above); everything else passed")
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
