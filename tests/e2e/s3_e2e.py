"""End-to-end test of S3 table locations: tables uploaded with boto3 to moto's S3 server on
loopback, shared by `lakeshare serve` with a custom S3 endpoint (path-style), read through the
protocol; file URLs are SigV4 pre-signed GET URLs for that endpoint and are fetched with plain
HTTP, then read back with `lakeshare parquet cat`.

    python3 s3_e2e.py --lakeshare build/lakeshare --scratch build/e2e-scratch/s3

Exit status: 0 passed, 1 failed, 77 skipped (moto, boto3 or requests missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--scratch", required=True)
    args = p.parse_args()
    try:
        import boto3
        import requests
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        print(f"SKIP: moto/boto3/requests not importable: {e}")
        return 77
    import sharing_e2e as e2e
    from harness import Client, Server, ndjson, parquet_rows

    scratch = Path(args.scratch)
    tables = scratch / "tables"
    e2e.build_tables(tables)
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="lakeshare-e2e")
        for name in ("people", "events"):
            for f in sorted((tables / name).rglob("*")):
                if f.is_file():
                    s3.put_object(Bucket="lakeshare-e2e", Key=f"tables/{f.relative_to(tables)}",
                                  Body=f.read_bytes())
        config = f"""
version: 1
shares:
- name: s3share
  schemas:
  - name: main
    tables:
    - name: people
      location: "s3://lakeshare-e2e/tables/people"
      historyShared: true
    - name: events
      location: "s3a://lakeshare-e2e/tables/events"
authorization:
  bearerToken: "{e2e.GLOBAL_TOKEN}"
preSignedUrlTimeoutSeconds: 600
s3:
  endpoint: "{endpoint}"
  region: us-east-1
  addressing: path
"""
        env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
        with Server(args.lakeshare, config, scratch / "logs", env=env) as server:
            c = Client(server.endpoint, e2e.GLOBAL_TOKEN)
            base = "/shares/s3share/schemas/main/tables"
            v = c.get(base + "/people/version")
            check(v.status_code == 200 and v.headers.get("Delta-Table-Version") == "4",
                  f"/version on S3 ({v.status_code} {v.text[:200]})")
            r = c.post(base + "/people/query", {})
            check(r.status_code == 200, f"/query on S3 ({r.status_code} {r.text[:300]})")
            lines = ndjson(r)
            files = [l["file"] for l in lines[2:]]
            check(len(files) == 4, "4 files")
            rows = []
            for f in files:
                url = urlparse(f["url"])
                check(f"{url.scheme}://{url.netloc}" == endpoint and
                      url.path.startswith("/lakeshare-e2e/tables/people/") and
                      "X-Amz-Signature=" in url.query and "X-Amz-Expires=600" in url.query,
                      "pre-signed path-style URL for the custom endpoint")
                got = requests.get(f["url"], timeout=60)
                check(got.status_code == 200 and len(got.content) == f["size"],
                      f"plain HTTP GET of the pre-signed URL ({got.status_code})")
                for row in parquet_rows(args.lakeshare, got.content, scratch / "dl"):
                    row.update(f["partitionValues"])
                    rows.append(row)
                part = requests.get(f["url"], headers={"Range": "bytes=0-3"}, timeout=60)
                check(part.status_code == 206 and part.content == b"PAR1", "Range read")
            check(sorted(r["id"] for r in rows) == [1, 2, 3, 6, 7, 8, 9, 10], "rows read back")
            ch = c.get(base + "/people/changes", params={"startingVersion": 0})
            check(ch.status_code == 200, f"/changes on S3 ({ch.status_code} {ch.text[:300]})")
            cdf = [l["cdf"] for l in ndjson(ch)[2:] if "cdf" in l]
            check(len(cdf) == 2 and all(requests.get(x["url"], timeout=60).status_code == 200
                                        for x in cdf), "change data files downloadable")
            d = c.post(base + "/people/query", {"version": 1},
                       headers={"delta-sharing-capabilities": "responseformat=delta"})
            dl = ndjson(d)
            check(d.status_code == 200 and len(dl) == 2 + 4 and all(
                requests.get(l["file"]["deltaSingleAction"]["add"]["path"], timeout=60).status_code == 200
                for l in dl[2:]), "delta format at version 1 on S3")
            ev = c.post(base + "/events/query", {"maxFiles": 10})
            evl = ndjson(ev)
            check(ev.status_code == 200 and len(evl) == 2 + 10 + 1 and
                  "nextPageToken" in evl[-1]["endStreamAction"], "s3a:// location, paginated")
            missing = c.get("/shares/s3share/schemas/main/tables/nope/version")
            check(missing.status_code == 404, "unknown table is 404")
    finally:
        moto.stop()
    print(f"s3 e2e: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
