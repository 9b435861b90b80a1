#!/usr/bin/env python3
"""Storage credentials at serve time (issue 10 item 1): a table under an external location that
names a storage credential is read, and its file URLs are pre-signed, with that credential's keys,
not the server's own environment keys; a table under a location without one uses the server's.

moto's S3 server on loopback holds two tables (uploaded with boto3); `lakeshare serve
--data-dir` runs with its own AWS_ACCESS_KEY_ID (the server's keys) and AWS_ENDPOINT_URL_S3 at
moto. moto does not check signatures, so the test asserts what the URLs say: the access key id
in X-Amz-Credential of every pre-signed URL; and that the URLs are fetched (200, the file's size).
The credential's secret appears in no reply.

Usage: s3_credentials_e2e.py --lakeshare BIN --scratch DIR
Exit status: 0 passed, 1 failed, 77 skipped (moto, boto3 or requests missing).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ADMIN_TOKEN = "s3cred-admin-token-" + "c" * 32
SERVER_KEY_ID = "AKIDSERVERENVIRONMENT"
TEAM_KEY_ID = "AKIDTEAMCREDENTIAL01"
TEAM_SECRET = "teamSecret/" + "k" * 29
BUCKET = "governed"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    try:
        import boto3
        import requests
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        print(f"SKIP: moto/boto3/requests not importable: {e}")
        return 77
    from harness import DeltaTableWriter, ndjson
    from platform_harness import UC, Api, PlatformServer

    scratch = Path(args.scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    local = scratch / "local"
    for name in ("orders", "plain"):
        t = DeltaTableWriter(local / name, [("id", "long", False), ("name", "string", True)])
        t.commit([t.add([{"id": i, "name": f"row {i}"}]) for i in range(2)], 1767225600000)
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)

    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket=BUCKET)
        prefixes = {"orders": "team/orders", "plain": "shared/plain"}
        for name, prefix in prefixes.items():
            for f in sorted((local / name).rglob("*")):
                if f.is_file():
                    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{f.relative_to(local / name)}",
                                  Body=f.read_bytes())
        env = {"AWS_ACCESS_KEY_ID": SERVER_KEY_ID, "AWS_SECRET_ACCESS_KEY": "server-env-secret",
               "AWS_ENDPOINT_URL_S3": endpoint, "AWS_REGION": "us-east-1",
               "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
        with PlatformServer(args.lakeshare, scratch / "data", ADMIN_TOKEN, env=env) as server:
            a = Api(server.base, ADMIN_TOKEN)
            r = a.post(f"{UC}/storage-credentials", {"name": "team_keys", "aws_access_key": {
                "access_key_id": TEAM_KEY_ID, "secret_access_key": TEAM_SECRET}}, expect=200)
            check(TEAM_SECRET not in r.text, "the credential's secret is not returned")
            a.post(f"{UC}/external-locations", {"name": "team_zone", "url": f"s3://{BUCKET}/team",
                                                "credential_name": "team_keys"}, expect=200)
            a.declare_location("shared_zone", f"s3://{BUCKET}/shared")
            a.post(f"{UC}/catalogs", {"name": "lake"}, expect=200)
            a.post(f"{UC}/schemas", {"name": "s", "catalog_name": "lake"}, expect=200)
            for name, prefix in prefixes.items():
                a.post(f"{UC}/tables", {"name": name, "catalog_name": "lake", "schema_name": "s",
                                        "storage_location": f"s3://{BUCKET}/{prefix}"},
                       expect=200)
            a.post(f"{UC}/shares", {"name": "lake_share"}, expect=200)
            a.patch(f"{UC}/shares/lake_share", {"updates": [
                {"action": "ADD", "data_object": {"name": f"lake.s.{n}"}} for n in prefixes]},
                expect=200)
            rec = a.post(f"{UC}/recipients", {"name": "partner", "authentication_type": "TOKEN"},
                         expect=200).json()
            a.patch(f"{UC}/shares/lake_share/permissions",
                    {"changes": [{"principal": "partner", "add": ["SELECT"]}]}, expect=200)
            link = rec.get("activation_url") or rec["tokens"][0]["activation_url"]
            profile = Api(server.base, None).get(
                f"{UC}/public/data_sharing_activation/{link.rstrip('/').rsplit('/', 1)[-1]}",
                expect=200).json()
            partner = Api(profile["endpoint"], profile["bearerToken"])
            for name, key_id in (("orders", TEAM_KEY_ID), ("plain", SERVER_KEY_ID)):
                r = partner.post(f"/shares/lake_share/schemas/s/tables/{name}/query", {})
                check(r.status_code == 200, f"{name}: query on S3 ({r.status_code}"
                      + ("" if r.status_code == 200 else f" {r.text[:300]}") + ")")
                if r.status_code != 200:
                    continue
                check(TEAM_SECRET not in r.text, f"{name}: no secret in the reply")
                files = [l["file"] for l in ndjson(r) if "file" in l]
                check(len(files) == 2, f"{name}: 2 files ({len(files)})")
                for f in files:
                    q = parse_qs(urlparse(f["url"]).query)
                    signer = q.get("X-Amz-Credential", [""])[0].split("/")[0]
                    check(signer == key_id, f"{name}: URL signed by {key_id} (got '{signer}')")
                    got = requests.get(f["url"], timeout=60)
                    check(got.status_code == 200 and len(got.content) == f["size"],
                          f"{name}: the pre-signed URL is fetched ({got.status_code})")
    finally:
        moto.stop()
    print(f"{len(failures)} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
