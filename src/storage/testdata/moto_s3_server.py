#!/usr/bin/env python3
"""A moto S3 server on 127.0.0.1 for src/storage/s3_object_store_integration_test.cc.

Starts moto's ThreadedMotoServer on a free loopback port and prints one JSON line
{"port": N} (or {"skip": reason} when moto or boto3 cannot be imported). It then serves
commands from the test, one JSON object per stdin line, answering one JSON line each, using
boto3 against the server — the reference client seeds and checks what the C++ store sees:

  {"op": "create_bucket", "bucket": B}
  {"op": "put", "bucket": B, "key": K, "data_b64": D}
  {"op": "put_many", "bucket": B, "prefix": P, "count": N}   keys P + "%05d" % i, body = key
  {"op": "get", "bucket": B, "key": K}            -> {"data_b64": D} or {"error": code}
  {"op": "list", "bucket": B, "prefix": P}        -> {"keys": [...]}

Every answer also has "ok": true/false. End of stdin (the test finished or died) stops the
server, so no process outlives its test.

With --auth, moto checks every S3 request the way AWS does: an IAM user with an s3:* policy and
an access key is created, then moto's "initial no-auth action count" is set to 0 so that each
request's SigV4 signature is recomputed by moto (with botocore) and compared. The first line is
then {"port": N, "access_key": ..., "secret_key": ...}.
"""
import base64
import json
import sys
from concurrent.futures import ThreadPoolExecutor


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def aws_client(service, endpoint, access_key, secret_key, **kwargs):
    """A boto3 client of `service` on the moto server (main() has checked that boto3 imports)."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        **kwargs,
    )


def main():
    try:
        import boto3  # noqa: F401 (only probed here; aws_client uses it)
        from botocore.config import Config
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        reply({"skip": f"moto/boto3 not importable: {e}"})
        return

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    access_key, secret_key = "testing", "testing"
    hello = {"port": port}
    if "--auth" in sys.argv[1:]:
        from moto import settings
        from moto.core.authorization import ActionAuthenticatorMixin

        iam = aws_client("iam", endpoint, access_key, secret_key)
        iam.create_user(UserName="lakeshare")
        iam.put_user_policy(
            UserName="lakeshare",
            PolicyName="s3-all",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="lakeshare")["AccessKey"]
        access_key, secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0
        hello.update({"access_key": access_key, "secret_key": secret_key})
    client = aws_client(
        "s3",
        endpoint,
        access_key,
        secret_key,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
    )
    reply(hello)

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "create_bucket":
                client.create_bucket(Bucket=cmd["bucket"])
                reply({"ok": True})
            elif op == "put":
                body = base64.b64decode(cmd["data_b64"])
                client.put_object(Bucket=cmd["bucket"], Key=cmd["key"], Body=body)
                reply({"ok": True})
            elif op == "put_many":
                keys = [f'{cmd["prefix"]}{i:05d}' for i in range(cmd["count"])]
                with ThreadPoolExecutor(max_workers=8) as pool:
                    list(
                        pool.map(
                            lambda k: client.put_object(
                                Bucket=cmd["bucket"], Key=k, Body=k.encode()
                            ),
                            keys,
                        )
                    )
                reply({"ok": True})
            elif op == "get":
                try:
                    obj = client.get_object(Bucket=cmd["bucket"], Key=cmd["key"])
                    data = base64.b64encode(obj["Body"].read()).decode()
                    reply({"ok": True, "data_b64": data})
                except client.exceptions.NoSuchKey:
                    reply({"ok": False, "error": "NoSuchKey"})
            elif op == "list":
                keys = []
                paginator = client.get_paginator("list_objects_v2")
                for page in paginator.paginate(Bucket=cmd["bucket"], Prefix=cmd["prefix"]):
                    keys.extend(o["Key"] for o in page.get("Contents", []))
                reply({"ok": True, "keys": keys})
            else:
                reply({"ok": False, "error": f"unknown op {op}"})
        except Exception as e:  # report, keep serving
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"})

    server.stop()


if __name__ == "__main__":
    main()
