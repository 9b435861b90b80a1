#!/usr/bin/env python3
"""Reference SigV4 signatures from botocore, for src/storage/sigv4_botocore_test.cc.

Usage: botocore_sigv4.py CASES.json  -> prints a JSON object {case name: result} on stdout.

Each case is an object with:
  name, kind ("header" | "presign" | "client_presign"), region, access_key, secret_key,
  token (may be empty), timestamp ("YYYYMMDDTHHMMSSZ"), and
  for "header"/"presign": method, scheme, host, path (raw, unencoded), query ([[k, v], ...]),
                          headers ([[k, v], ...]), body (text, "header" only), expires;
  for "client_presign":   endpoint ("" for AWS), addressing ("path" | "virtual"), bucket, key,
                          expires — a whole boto3 client generate_presigned_url('get_object').

Result: {"authorization": ...} for "header", {"signature": ..., "url": ...} for the others.
When botocore or boto3 cannot be imported the output is {"__skip__": reason}.
The clock is pinned by replacing botocore.auth.get_current_datetime.
"""
import datetime
import json
import sys
from urllib.parse import parse_qs, quote, urlsplit

try:
    import boto3  # noqa: F401  (client_presign cases)
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # the C++ test turns this into a visible GTEST_SKIP
    json.dump({"__skip__": f"botocore/boto3 not importable: {e}"}, sys.stdout)
    sys.exit(0)


def pin_clock(timestamp):
    fixed = datetime.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed


def credentials(case):
    return Credentials(case["access_key"], case["secret_key"], case["token"] or None)


def raw_request(case):
    # The S3 serializer quotes keys with safe='/~'; the signers then use the path as is.
    url = f'{case["scheme"]}://{case["host"]}{quote(case["path"], safe="/~")}'
    request = AWSRequest(
        method=case["method"],
        url=url,
        headers=dict(case["headers"]),
        data=case.get("body", "").encode("utf-8"),
        params=dict(case["query"]),
    )
    return request


def sign_header(case):
    request = raw_request(case)
    botocore.auth.S3SigV4Auth(credentials(case), "s3", case["region"]).add_auth(request)
    return {"authorization": request.headers["Authorization"]}


def presign(case):
    request = raw_request(case)
    signer = botocore.auth.S3SigV4QueryAuth(
        credentials(case), "s3", case["region"], expires=case["expires"]
    )
    signer.add_auth(request)
    query = parse_qs(urlsplit(request.url).query)
    return {"signature": query["X-Amz-Signature"][0], "url": request.url}


def client_presign(case):
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=case["endpoint"] or None,
        region_name=case["region"],
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        aws_session_token=case["token"] or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": case["addressing"]}),
    )
    url = client.generate_presigned_url(
        "get_object",
        Params={"Bucket": case["bucket"], "Key": case["key"]},
        ExpiresIn=case["expires"],
    )
    query = parse_qs(urlsplit(url).query)
    return {"signature": query["X-Amz-Signature"][0], "url": url}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = {}
    for case in cases:
        pin_clock(case["timestamp"])
        kind = case["kind"]
        if kind == "header":
            results[case["name"]] = sign_header(case)
        elif kind == "presign":
            results[case["name"]] = presign(case)
        elif kind == "client_presign":
            results[case["name"]] = client_presign(case)
        else:
            raise ValueError(f"unknown kind {kind}")
    json.dump(results, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
