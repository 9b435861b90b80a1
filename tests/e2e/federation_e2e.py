#!/usr/bin/env python3
"""Partners sign in with their own identity (issue 12, "What must be shown"), end to end against
the real `lakeshare serve --data-dir` and a REAL OpenID provider on loopback: the certified
`oidc-provider` npm package (tests/idp/idp.mjs), started and stopped by this script.

  federation:  an OIDC_FEDERATION recipient with a federation policy (issuer, audience, sub);
               the official Python connector's REST client, with an unmodified v2
               `oauth_client_credentials` profile whose tokenEndpoint is the IdP's, reads the
               shared table; its token (20 s) is renewed by the connector as it expires
  client credentials: an OAUTH_CLIENT_CREDENTIALS recipient; its activation link yields a v2
               profile (client id + secret, once); the connector gets Lakeshare access tokens
               (30 s) from Lakeshare's token endpoint and reads; the connector's private-key JWT
               profile (oauth_jwt_bearer_private_key_jwt) reads with a registered public key
  refusals:    a token of another issuer, of a wrong audience, of a wrong subject, expired, not
               yet valid, alg none, HMAC signed with the IdP's public key, signed with a key the
               IdP rotated out, of a revoked recipient / client: each a 401 whose message says
               which; an unreachable IdP is a 503; a flood of forged tokens fetches the IdP's
               JWKS a bounded number of times (counted at the IdP)
  audit:       the federated reads are audited with issuer, subject and token id, never a token

Usage: federation_e2e.py --lakeshare BIN --scratch DIR --connector-src DIR
Exit 0 on success, 1 on a failed check, 77 (skip) without node + tests/idp's oidc-provider or the
connector.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
import time
import traceback
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

SKIP = 77
ADMIN_TOKEN = "e2e-admin-token-" + "f" * 32
AUDIENCE = "urn:lakeshare:federation-e2e"
IDP_TOKEN_TTL = 20           # seconds: the connector renews (its threshold is 600 s)
LAKESHARE_TOKEN_TTL = 30
SKEW = 2                     # --oidc-clock-skew-seconds
JWKS_MAX_AGE = 3             # --oidc-jwks-max-age-seconds
JWKS_MIN_REFRESH = 2         # --oidc-jwks-min-refresh-seconds
REVOCATION_DELAY_MS = 500
CHECKS = []


def check(name):
    def wrap(fn):
        CHECKS.append((name, fn))
        return fn
    return wrap


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Idp:
    """tests/idp/idp.mjs: oidc-provider on 127.0.0.1:port with the given private JWKs."""

    def __init__(self, scratch: Path, name: str, port: int, keys, clients):
        self.scratch, self.name, self.port = scratch, name, port
        self.issuer = f"http://127.0.0.1:{port}"
        self.keys, self.clients = keys, clients
        self.proc = None

    def start(self):
        cfg = {"port": self.port, "issuer": self.issuer,
               "jwks": {"keys": [json.loads(k.export_private()) for k in self.keys]},
               "clients": [{"client_id": i, "client_secret": s} for i, s in self.clients.items()],
               "audience": AUDIENCE, "access_token_ttl": IDP_TOKEN_TTL}
        path = self.scratch / f"idp-{self.name}.json"
        path.write_text(json.dumps(cfg))
        self.log = open(self.scratch / f"idp-{self.name}.log", "a")
        self.proc = subprocess.Popen(["node", str(ROOT / "tests" / "idp" / "idp.mjs"), str(path)],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if '"ready":true' not in line:
            raise RuntimeError(f"the IdP {self.name} did not start: {line!r}")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def counts(self):
        import requests
        return requests.get(self.issuer + "/test/counts", timeout=10).json()

    def token(self, client_id: str, resource: str | None = None) -> str:
        import requests
        body = {"grant_type": "client_credentials"}
        if resource:
            body["resource"] = resource
        r = requests.post(self.issuer + "/token", data=body, timeout=10,
                          auth=(client_id, self.clients[client_id]))
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["access_token"]


class World:
    def __init__(self, args, server, rc, proto, idp_a, idp_b, keys):
        from platform_harness import Api
        self.args, self.server, self.rc, self.proto = args, server, rc, proto
        self.idp_a, self.idp_b, self.keys = idp_a, idp_b, keys
        self.admin = Api(server.base, ADMIN_TOKEN)
        self.scratch = Path(args.scratch).resolve()
        self.protocol_url = server.endpoint
        self.unused_old_token = None
        self.client_profile = None
        self.federated_token = None


def client_for(w: World, profile: dict):
    path = w.scratch / f"profile-{uuid.uuid4().hex}.share"
    path.write_text(json.dumps(profile))
    return w.rc.DataSharingRestClient(w.proto.DeltaSharingProfile.read_from_file(str(path)),
                                      num_retries=0)


def read_table(w: World, client) -> list:
    """What load_as_pandas does up to the data: list, find the table, list its files, fetch one."""
    import requests
    shares = client.list_shares().shares
    assert [s.name for s in shares] == ["partner_share"], shares
    tables = client.list_all_tables(shares[0]).tables
    assert [(t.schema, t.name) for t in tables] == [("sales", "daily")], tables
    version = client.query_table_version(tables[0]).delta_table_version
    assert version == 1, version
    files = client.list_files_in_table(tables[0])
    assert len(files.add_files) == 4, len(files.add_files)
    data = requests.get(files.add_files[0].url, timeout=30)
    assert data.status_code == 200 and data.content[:4] == b"PAR1", data.status_code
    return files.add_files


def bearer(w: World, token: str, path: str = "/shares"):
    import requests
    return requests.get(w.protocol_url + path, headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def refused(w: World, token: str, words: str, status: int = 401):
    r = bearer(w, token)
    assert r.status_code == status, (r.status_code, r.text)
    message = r.json().get("message", "")
    assert words in message, f"expected '{words}' in: {message}"
    assert token not in r.text, "the refusal echoes the token"
    return message


@check("provider: a table, a share, an OIDC_FEDERATION recipient with a policy, grants")
def provider_setup(w: World):
    from governance_e2e import write_sales_table
    from platform_harness import UC
    table_dir = write_sales_table(w.scratch / "tables" / "daily_sales")
    a = w.admin
    a.declare_location("e2e_tables", table_dir.parent)
    a.post(f"{UC}/catalogs", {"name": "retail"}, expect=200)
    a.post(f"{UC}/schemas", {"name": "sales", "catalog_name": "retail"}, expect=200)
    a.post(f"{UC}/tables", {"name": "daily", "catalog_name": "retail", "schema_name": "sales",
                            "table_type": "EXTERNAL", "data_source_format": "DELTA",
                            "storage_location": str(table_dir)}, expect=200)
    a.post(f"{UC}/shares", {"name": "partner_share"}, expect=200)
    a.patch(f"{UC}/shares/partner_share", {"updates": [{"action": "ADD", "data_object": {
        "name": "retail.sales.daily", "shared_as": "sales.daily"}}]}, expect=200)
    r = a.post(f"{UC}/recipients", {"name": "acme", "authentication_type": "OIDC_FEDERATION"},
               expect=200)
    assert r.json()["authentication_type"] == "OIDC_FEDERATION", r.text
    assert "activation_url" not in r.json() or not r.json()["activation_url"], r.text
    path = "/api/2.0/data-sharing/recipients/acme/federation-policies"
    r = a.post(path, {"name": "acme-m2m", "comment": "ACME's pipeline",
                      "oidc_policy": {"issuer": w.idp_a.issuer, "audiences": [AUDIENCE],
                                      "subject_claim": "sub", "subject": "acme-pipeline"}},
               expect=200)
    policy = r.json()
    assert policy["name"] == "acme-m2m" and policy["oidc_policy"]["subject"] == "acme-pipeline"
    assert policy["id"] and policy["create_time"], policy
    listed = a.get(path, expect=200).json()["policies"]
    assert [p["name"] for p in listed] == ["acme-m2m"], listed
    a.get(path + "/acme-m2m", expect=200)
    assert a.get(path + "/nope").status_code == 404
    # Bad policies are refused at once, saying why: plain http issuer, bad names.
    r = a.post(path, {"name": "bad", "oidc_policy": {"issuer": "http://idp.example.com",
                                                     "audiences": [AUDIENCE],
                                                     "subject_claim": "sub", "subject": "x"}})
    assert r.status_code == 400 and "https" in r.json()["message"], r.text
    r = a.post(path, {"name": "Bad_Name", "oidc_policy": {"issuer": w.idp_a.issuer,
                                                          "audiences": [AUDIENCE],
                                                          "subject_claim": "sub", "subject": "x"}})
    assert r.status_code == 400, r.text
    a.patch(f"{UC}/shares/partner_share/permissions",
            {"changes": [{"principal": "acme", "add": ["SELECT"]}]}, expect=200)


@check("partner (federation): the connector reads with its IdP's token, renewed as it expires")
def federated_read(w: World):
    # Taken now, presented only after the IdP rotated its keys (see key_rotation).
    w.unused_old_token = w.idp_a.token("acme-pipeline")
    # The profile template the provider hands out names the IdP's token endpoint.
    from platform_harness import UC  # noqa: F401
    r = w.admin.get("/api/2.1/lakeshare/recipients/acme/profile-template", expect=200)
    template = r.json()
    assert template["shareCredentialsVersion"] == 2, template
    assert template["type"] == "oauth_client_credentials", template
    assert template["tokenEndpoint"] == w.idp_a.issuer + "/token", template
    profile = dict(template)
    profile["clientId"] = "acme-pipeline"
    profile["clientSecret"] = w.idp_a.clients["acme-pipeline"]
    profile.pop("scope", None)
    before = w.idp_a.counts()["token"]
    client = client_for(w, profile)
    read_table(w, client)
    # Past the IdP token's lifetime the connector fetched new tokens and still reads.
    time.sleep(IDP_TOKEN_TTL + SKEW + 1)
    read_table(w, client)
    client.close()
    after = w.idp_a.counts()["token"]
    assert after - before >= 2, f"the connector asked the IdP for {after - before} token(s)"
    w.federated_token = w.idp_a.token("acme-pipeline")
    assert bearer(w, w.federated_token).status_code == 200


@check("refused: another issuer, wrong audience, wrong subject, each saying which")
def wrong_issuer_audience_subject(w: World):
    refused(w, w.idp_b.token("acme-pipeline"), "is not trusted here")
    refused(w, w.idp_a.token("acme-pipeline", resource="urn:someone-else"),
            "audience ('urn:someone-else') is not accepted")
    message = refused(w, w.idp_a.token("intruder"), "No federation policy matched")
    assert "sub 'intruder'" in message and "acme-pipeline" not in message, message


@check("a team's policy naming acme's issuer with its own keys neither refuses nor takes its tokens")
def squatted_issuer(w: World):
    # Any team that may create a recipient can write such a policy; its recipient's name sorts
    # before acme's, so its key source is the first one tried. IdP B publishes another key of
    # the id that signs acme's tokens ("k1").
    import requests
    jwks_b = requests.get(w.idp_b.issuer + "/.well-known/openid-configuration",
                          timeout=10).json()["jwks_uri"]
    recipients = "/api/2.1/unity-catalog/recipients"
    w.admin.post(recipients, {"name": "aaa_squatter", "authentication_type": "OIDC_FEDERATION"},
                 expect=200)
    try:
        w.admin.post("/api/2.0/data-sharing/recipients/aaa_squatter/federation-policies",
                     {"name": "squat", "oidc_policy": {"issuer": w.idp_a.issuer,
                                                       "audiences": [AUDIENCE],
                                                       "subject_claim": "sub",
                                                       "subject": "someone-else",
                                                       "jwks_uri": jwks_b}}, expect=200)
        time.sleep(REVOCATION_DELAY_MS / 1000 + 0.5)  # acme's issuer's cached policies expire
        r = bearer(w, w.idp_a.token("acme-pipeline"))
        assert r.status_code == 200, (r.status_code, r.text)
        assert [s["name"] for s in r.json()["items"]] == ["partner_share"], r.text
    finally:
        w.admin.delete(f"{recipients}/aaa_squatter", expect=200)
        time.sleep(REVOCATION_DELAY_MS / 1000 + 0.5)


@check("refused: expired, not yet valid, alg none, HMAC with the IdP's public key")
def forged_and_out_of_time(w: World):
    from jwcrypto import jwk, jwt
    key = w.keys["k1"]
    now = int(time.time())
    def signed(claims, header=None):
        token = jwt.JWT(header=header or {"alg": "RS256", "kid": "k1", "typ": "at+jwt"},
                        claims={"iss": w.idp_a.issuer, "aud": AUDIENCE, "sub": "acme-pipeline",
                                "iat": now, "exp": now + 60, "jti": uuid.uuid4().hex, **claims})
        token.make_signed_token(key)
        return token.serialize()
    # Signed by the IdP's own key, but its exp is past / its nbf ahead.
    refused(w, signed({"iat": now - 600, "exp": now - 300}), "expired at")
    refused(w, signed({"nbf": now + 600}), "not valid before")
    body = {"iss": w.idp_a.issuer, "aud": AUDIENCE, "sub": "acme-pipeline", "exp": now + 60}
    none = b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(json.dumps(body).encode()) + "."
    refused(w, none, "not signed")
    # HS256 keyed with the IdP's public key (as PEM, as JWK text): the classic confusion.
    public_pem = key.export_to_pem(private_key=False, password=None)
    for secret in (public_pem, key.export_public().encode()):
        head = b64url(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
        payload = b64url(json.dumps(body).encode())
        mac = hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
        refused(w, f"{head}.{payload}.{b64url(mac)}", "'HS256' is not accepted")
    # A signature by another key under the IdP's kid.
    stranger = jwk.JWK.generate(kty="RSA", size=2048)
    token = jwt.JWT(header={"alg": "RS256", "kid": "k1"},
                    claims={**body, "jti": uuid.uuid4().hex})
    token.make_signed_token(stranger)
    refused(w, token.serialize(), "signature does not verify")


@check("refused: a key the IdP rotated out; the new key works")
def key_rotation(w: World):
    from jwcrypto import jwk
    w.keys["k2"] = jwk.JWK.generate(kty="RSA", size=2048, kid="k2", use="sig", alg="RS256")
    w.idp_a.stop()
    w.idp_a.keys = [w.keys["k2"]]
    w.idp_a.start()
    time.sleep(JWKS_MAX_AGE + 1)  # Lakeshare's cached set is then older than its max age
    refused(w, w.unused_old_token, "'k1' is not a RS256 key")
    fresh = w.idp_a.token("acme-pipeline")
    r = bearer(w, fresh)
    assert r.status_code == 200, (r.status_code, r.text)


@check("a flood of forged tokens fetches the IdP's JWKS a bounded number of times")
def forged_flood(w: World):
    from jwcrypto import jwk, jwt
    forger = jwk.JWK.generate(kty="EC", crv="P-256")
    before = w.idp_a.counts()["jwks"]
    start = time.time()
    n = 200
    for i in range(n):
        token = jwt.JWT(header={"alg": "ES256", "kid": f"forged-{i}-{uuid.uuid4().hex}"},
                        claims={"iss": w.idp_a.issuer, "aud": AUDIENCE, "sub": "acme-pipeline",
                                "exp": int(time.time()) + 60})
        token.make_signed_token(forger)
        assert bearer(w, token.serialize()).status_code == 401
    elapsed = time.time() - start
    fetches = w.idp_a.counts()["jwks"] - before
    # At most one refresh per min-refresh interval for unknown kids, plus one per max age.
    bound = 2 + int(elapsed / JWKS_MIN_REFRESH) + int(elapsed / JWKS_MAX_AGE)
    print(f"     {n} forged tokens in {elapsed:.1f} s: {fetches} JWKS fetches (bound {bound})")
    assert fetches <= bound and fetches < n // 10, (fetches, bound)


@check("an unreachable identity provider is a 503, never a 500")
def unreachable_idp(w: World):
    from jwcrypto import jwk, jwt
    from platform_harness import free_port
    issuer = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    w.admin.post("/api/2.1/unity-catalog/recipients",
                 {"name": "ghost", "authentication_type": "OIDC_FEDERATION"}, expect=200)
    w.admin.post("/api/2.0/data-sharing/recipients/ghost/federation-policies",
                 {"name": "down", "oidc_policy": {"issuer": issuer, "audiences": [AUDIENCE],
                                                  "subject_claim": "sub", "subject": "x"}},
                 expect=200)
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid="x")
    token = jwt.JWT(header={"alg": "ES256", "kid": "x"},
                    claims={"iss": issuer, "aud": AUDIENCE, "sub": "x",
                            "exp": int(time.time()) + 60})
    token.make_signed_token(key)
    r = bearer(w, token.serialize())
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.json()["errorCode"] == "TEMPORARILY_UNAVAILABLE", r.text


class HangingIdp:
    """A loopback listener that accepts connections and never answers, counting how many are
    open at once (the callers the server lets block on an identity provider)."""

    def __init__(self):
        import socket
        import threading
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.issuer = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Lock()
        self.open = self.most = self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.open += 1
                self.accepted += 1
                self.most = max(self.most, self.open)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn):
        try:
            while conn.recv(4096):
                pass  # never answer; the server gives up at its fetch timeout
        except OSError:
            pass
        conn.close()
        with self.lock:
            self.open -= 1

    def close(self):
        self.sock.close()


@check("profile templates naming a hanging IdP hold at most the blocked-caller bound (2)")
def hanging_idp_templates(w: World):
    from concurrent.futures import ThreadPoolExecutor
    idp = HangingIdp()
    try:
        w.admin.post("/api/2.1/unity-catalog/recipients",
                     {"name": "slowpoke", "authentication_type": "OIDC_FEDERATION"}, expect=200)
        w.admin.post("/api/2.0/data-sharing/recipients/slowpoke/federation-policies",
                     {"name": "hangs", "oidc_policy": {"issuer": idp.issuer,
                                                       "audiences": [AUDIENCE],
                                                       "subject_claim": "sub", "subject": "x"}},
                     expect=200)
        n = 6
        with ThreadPoolExecutor(n) as pool:
            replies = list(pool.map(
                lambda _: w.admin.get("/api/2.1/lakeshare/recipients/slowpoke/profile-template"),
                range(n)))
        statuses = sorted(r.status_code for r in replies)
        print(f"     {n} template requests: statuses {statuses}, at most {idp.most} connections "
              f"open at the IdP at once ({idp.accepted} in all)")
        assert statuses == [503] * n, statuses
        # Before the bound, every request held a handler thread on the IdP for the fetch timeout.
        assert idp.most <= 2, idp.most
    finally:
        idp.close()


@check("client credentials: the activation link yields a v2 profile; the connector reads")
def client_credentials(w: World):
    from platform_harness import UC
    import requests
    r = w.admin.post(f"{UC}/recipients", {"name": "globex",
                                          "authentication_type": "OAUTH_CLIENT_CREDENTIALS"},
                     expect=200)
    link = r.json()["activation_url"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    w.admin.patch(f"{UC}/shares/partner_share/permissions",
                  {"changes": [{"principal": "globex", "add": ["SELECT"]}]}, expect=200)
    profile = requests.get(f"{w.server.base}{UC}/public/data_sharing_activation/{token}",
                           timeout=30).json()
    assert profile["shareCredentialsVersion"] == 2, profile
    assert profile["type"] == "oauth_client_credentials", profile
    assert profile["tokenEndpoint"] == w.protocol_url + "/oauth/token", profile
    assert profile["clientId"] and len(profile["clientSecret"]) >= 32, profile
    again = requests.get(f"{w.server.base}{UC}/public/data_sharing_activation/{token}", timeout=30)
    assert again.status_code in (400, 403) and profile["clientSecret"] not in again.text
    # The secret is no bearer token.
    refused(w, profile["clientSecret"], "OAuth client secret")
    client = client_for(w, profile)
    read_table(w, client)
    time.sleep(LAKESHARE_TOKEN_TTL + SKEW + 1)
    read_table(w, client)  # with a renewed access token
    client.close()
    w.client_profile = profile


@check("client credentials with a private-key JWT (the connector's jwt-bearer profile)")
def private_key_jwt(w: World):
    from jwcrypto import jwk
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="globex-key-1")
    w.admin.call("PUT", "/api/2.1/lakeshare/recipients/globex/client-keys",
                 body={"jwks": {"keys": [json.loads(key.export_public())]}}, expect=200)
    key_file = w.scratch / "globex-key.pem"
    key_file.write_bytes(key.export_to_pem(private_key=True, password=None))
    profile = {"shareCredentialsVersion": 2, "type": "oauth_jwt_bearer_private_key_jwt",
               "endpoint": w.protocol_url,
               "auth": {"tokenEndpoint": w.protocol_url + "/oauth/token",
                        "issuer": w.protocol_url + "/oauth/token",
                        "clientId": w.client_profile["clientId"],
                        "audience": w.protocol_url,
                        "privateKey": {"privateKeyFile": str(key_file), "keyId": "globex-key-1",
                                       "algorithm": "RS256"}}}
    client = client_for(w, profile)
    read_table(w, client)
    client.close()


@check("revoked: a deleted policy and a revoked client stop within the revocation delay")
def revocation(w: World):
    from platform_harness import UC, wait_until
    import requests
    # A fresh token: the one of the federated read outlived its 20 s during the client checks.
    w.federated_token = w.idp_a.token("acme-pipeline")
    assert bearer(w, w.federated_token).status_code == 200
    w.admin.delete("/api/2.0/data-sharing/recipients/acme/federation-policies/acme-m2m",
                   expect=200)
    wait_until(lambda: bearer(w, w.federated_token).status_code == 401, 10,
               "the federated token refused once its policy is deleted")
    refused(w, w.federated_token, "is not trusted here")
    # The client: an access token obtained before the revocation stops too.
    r = requests.post(w.client_profile["tokenEndpoint"], data={"grant_type": "client_credentials"},
                      auth=(w.client_profile["clientId"], w.client_profile["clientSecret"]),
                      timeout=30)
    assert r.status_code == 200, r.text
    access = r.json()["access_token"]
    assert bearer(w, access).status_code == 200
    w.admin.delete(f"{UC}/recipients/globex", expect=200)
    wait_until(lambda: bearer(w, access).status_code == 401, 10,
               "the client's access token refused once the client is deleted")


@check("the audit names issuer, subject and token id of federated reads, and no token")
def audit(w: World):
    events = w.admin.get("/api/2.1/lakeshare/audit",
                         params={"recipient": "acme", "max_results": 1000}, expect=200).json()
    listed = [e for e in events["events"] if e["action_name"] == "deltaSharingListShares"
              and e["response"]["status_code"] == 200]
    assert listed, "no federated list-shares in the audit log"
    params = listed[-1]["request_params"]
    assert params.get("token_issuer") == w.idp_a.issuer, params
    assert params.get("token_subject") == "acme-pipeline", params
    assert params.get("token_id"), params
    dump = json.dumps(w.admin.get("/api/2.1/lakeshare/audit", params={"max_results": 1000},
                                  expect=200).json())
    for secret in (w.federated_token, w.unused_old_token, w.client_profile["clientSecret"]):
        assert secret not in dump, "a token or secret is in the audit log"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--connector-src", default="")
    args = ap.parse_args()
    if shutil.which("node") is None or not (ROOT / "tests/idp/node_modules/oidc-provider").is_dir():
        print("SKIP: node or tests/idp/node_modules/oidc-provider is missing "
              "(scripts/install-deps.sh installs it)")
        return SKIP
    try:
        import requests  # noqa: F401
        from jwcrypto import jwk
        from connector_loader import has_source, load_rest_client
    except ImportError as e:
        print(f"SKIP: {e} (scripts/install-deps.sh installs python3-requests, python3-jwcrypto)")
        return SKIP
    if not has_source(args.connector_src):
        print(f"SKIP: the delta-sharing connector source {args.connector_src!r} is absent")
        return SKIP
    rc, proto = load_rest_client(Path(args.connector_src))
    from platform_harness import PlatformServer, free_port

    scratch = Path(args.scratch).resolve()  # table locations must be absolute
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    keys = {"k1": jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig", alg="RS256"),
            "other": jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig", alg="RS256")}
    idp_a = Idp(scratch, "a", free_port(), [keys["k1"]],
                {"acme-pipeline": "secret-of-acme-pipeline-0123456789",
                 "intruder": "secret-of-intruder-0123456789"}).start()
    idp_b = Idp(scratch, "b", free_port(), [keys["other"]],
                {"acme-pipeline": "secret-of-acme-pipeline-elsewhere"}).start()
    # The public URL names the token endpoint that private-key JWT assertions are for (the
    # request's Host is never taken for it).
    port = free_port()
    server = PlatformServer(args.lakeshare, scratch / "data", ADMIN_TOKEN, port=port, extra_args=[
        "--public-url", f"http://127.0.0.1:{port}", "--oidc-allow-loopback-http", "--oidc-clock-skew-seconds", str(SKEW),
        "--oidc-jwks-max-age-seconds", str(JWKS_MAX_AGE),
        "--oidc-jwks-min-refresh-seconds", str(JWKS_MIN_REFRESH),
        "--oauth-access-token-lifetime-seconds", str(LAKESHARE_TOKEN_TTL),
        "--revocation-delay-ms", str(REVOCATION_DELAY_MS)])
    failed = passed = 0
    try:
        with server:
            w = World(args, server, rc, proto, idp_a, idp_b, keys)
            for name, fn in CHECKS:
                try:
                    fn(w)
                    passed += 1
                    print(f"ok   {name}", flush=True)
                except Exception:  # noqa: BLE001 - later steps build on earlier ones
                    failed += 1
                    print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
                    break
    finally:
        idp_a.stop()
        idp_b.stop()
    if failed:
        print(f"server log: {server.log_path}")
        print(server.log_path.read_text()[-3000:])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
