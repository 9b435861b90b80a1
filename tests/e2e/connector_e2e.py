"""The official delta-sharing Python connector's REST client against `lakeshare serve`.

The connector's source is kept beside the project (../shared/clients/delta-sharing-python/python;
CMake passes it as --connector-src, LAKESHARE_DELTA_SHARING_PYTHON names another folder). Its REST
client needs only requests, fsspec and jwcrypto (Debian: python3-requests, python3-fsspec,
python3-jwcrypto; fsspec's http filesystem also aiohttp), which scripts/install-deps.sh installs;
pandas/pyarrow are needed only to load data, so the package's __init__ (which imports them) is
bypassed and the REST modules are loaded directly. When the folder is there but the client cannot
be loaded, the test FAILS (a dependency is missing); it skips (77, with a message) only when the
folder is absent and no connector is installed.

What it drives, as `SharingClient`/`load_*` would: profile file parsing, list_shares / schemas /
tables / all-tables, query_table_version (with startingTimestamp), query_table_metadata,
autoresolve_query_format, list_files_in_table (hints, limit, version, timestamp) in the parquet
and delta formats, list_table_changes with its Python-style booleans, file URLs read through
fsspec's http filesystem as the connector's readers do; downloaded files are read back with
`lakeshare parquet cat`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from connector_loader import has_source, load_rest_client  # noqa: E402


def load_installed():
    """The installed connector's modules, or None with the reason."""
    try:
        import delta_sharing.rest_client as rc
        import delta_sharing.protocol as proto
        return rc, proto, "installed package"
    except Exception as e:  # noqa: BLE001 - any import problem means "not available"
        return None, None, f"{type(e).__name__}: {e}"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--scratch", required=True)
    p.add_argument("--connector-src", default=os.environ.get("LAKESHARE_DELTA_SHARING_PYTHON"))
    args = p.parse_args()
    try:
        import requests  # noqa: F401
    except ImportError:
        print("SKIP: python3 `requests` is not installed")
        return 77
    src = Path(args.connector_src) if args.connector_src else None
    if has_source(src):
        try:
            rc, proto = load_rest_client(src)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL: the connector's REST client in {src} cannot be imported with "
                  f"{sys.executable}: {type(e).__name__}: {e}\n"
                  "      run scripts/install-deps.sh (python3-requests, python3-fsspec, "
                  "python3-jwcrypto, python3-aiohttp)")
            return 1
        origin = f"source {src / 'delta_sharing'}"
    else:
        rc, proto, reason = load_installed()
        if rc is None:
            print(f"SKIP: the delta-sharing Python connector's source folder "
                  f"{src or '(none given)'} is absent and no connector is installed ({reason})")
            return 77
        origin = reason
    print(f"delta-sharing connector REST client from {origin}")

    import sharing_e2e as e2e  # tables and configuration of the main end-to-end test
    from harness import Server, parquet_rows

    scratch = Path(args.scratch)
    e2e.build_tables(scratch / "tables")
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with Server(args.lakeshare, e2e.config(scratch / "tables"), scratch / "logs") as server:
        profile_path = scratch / "profile.share"
        profile_path.write_text(json.dumps({"shareCredentialsVersion": 1,
                                            "endpoint": server.endpoint + "/",
                                            "bearerToken": e2e.GLOBAL_TOKEN}))
        profile = proto.DeltaSharingProfile.read_from_file(str(profile_path))
        client = rc.DataSharingRestClient(profile, num_retries=0)

        shares = client.list_shares().shares
        check([s.name for s in shares] == ["demo", "partners", "zz_last"], "list_shares")
        demo = [s for s in shares if s.name == "demo"][0]
        schemas = client.list_schemas(demo).schemas
        check([s.name for s in schemas] == ["empty", "main"], "list_schemas")
        main_schema = [s for s in schemas if s.name == "main"][0]
        tables = client.list_tables(main_schema).tables
        check([t.name for t in tables] == ["events", "growing", "nohist", "people"], "list_tables")
        all_tables = client.list_all_tables(demo).tables
        check(len(all_tables) == 4, "list_all_tables")
        people = [t for t in tables if t.name == "people"][0]

        check(client.query_table_version(people).delta_table_version == 4, "query_table_version")
        check(client.query_table_version(people, starting_timestamp=e2e.iso(e2e.T0 + e2e.HOUR))
              .delta_table_version == 1, "query_table_version(starting_timestamp)")
        md = client.query_table_metadata(people)
        check(md.delta_table_version == 4 and md.metadata.partition_columns == ["country"],
              "query_table_metadata")
        check(client.autoresolve_query_format(people) == "parquet", "autoresolve_query_format")

        files = client.list_files_in_table(people)
        check(files.delta_table_version == 4 and len(files.add_files) == 4, "list_files_in_table")
        rows = []
        for f in files.add_files:
            data = client._session.get(f.url).content  # the connector reads URLs with fsspec/http
            for row in parquet_rows(args.lakeshare, data, scratch / "dl"):
                row.update(f.partition_values)
                rows.append(row)
        check(sorted(r["id"] for r in rows) == [1, 2, 3, 6, 7, 8, 9, 10], "data read back")
        # The connector opens file URLs with fsspec.filesystem(<scheme>) and hands the file to
        # pyarrow, which reads the footer first with range requests.
        import fsspec
        fs = fsspec.filesystem("http")
        url = files.add_files[0].url
        size = fs.size(url)
        with fs.open(url, "rb") as fh:
            fh.seek(size - 8)
            footer = fh.read(8)
            fh.seek(0)
            whole = fh.read()
        direct = client._session.get(url).content
        check(size == files.add_files[0].size and footer[-4:] == b"PAR1" and whole == direct,
              "fsspec http filesystem: size, footer range read, whole file")
        hinted = client.list_files_in_table(people, predicateHints=["country = 'US'"], limitHint=3)
        check(len(hinted.add_files) == 1, "list_files_in_table(predicateHints, limitHint)")
        old = client.list_files_in_table(people, version=0)
        check(old.delta_table_version == 0 and len(old.add_files) == 3, "list_files_in_table(version)")
        ts = client.list_files_in_table(people, timestamp=e2e.iso(e2e.T0 + 2 * e2e.HOUR))
        check(ts.delta_table_version == 2, "list_files_in_table(timestamp)")

        client.set_delta_format_header()
        delta = client.list_files_in_table(people)
        check(len(delta.lines) == 6 and "deltaProtocol" in json.loads(delta.lines[0])["protocol"],
              "list_files_in_table in the delta format")
        client.remove_delta_format_header()

        changes = client.list_table_changes(people, proto.CdfOptions(
            starting_version=0, ending_version=4, include_historical_metadata=False))
        kinds = sorted(type(a).__name__ for a in changes.actions)
        check(kinds == ["AddCdcFile", "AddCdcFile", "AddFile", "AddFile", "AddFile", "AddFile",
                        "AddFile"], f"list_table_changes ({kinds})")
        check(all(a.version is not None and a.timestamp is not None for a in changes.actions),
              "change actions carry version and timestamp")
        client.set_delta_format_header(for_cdf=True)
        dchanges = client.list_table_changes(people, proto.CdfOptions(
            starting_version=1, include_historical_metadata=True))
        ok = True
        for line in dchanges.lines[1:]:
            obj = json.loads(line)
            ok = ok and (("file" in obj and "version" in obj["file"] and "timestamp" in obj["file"])
                         or ("metaData" in obj and "version" in obj["metaData"]))
        check(ok, "list_table_changes in the delta format: file and metaData lines with versions")
        client.remove_delta_format_header()
        try:
            client.list_files_in_table(
                type(people)(name="nope", share="demo", schema="main"))
            check(False, "unknown table raises")
        except Exception as e:  # noqa: BLE001
            check("404" in str(e) and "RESOURCE_DOES_NOT_EXIST" in str(e), "unknown table: HTTP 404")
        client.close()
    print(f"connector e2e: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
