#!/usr/bin/env python3
"""Provider teams sign in with the company's identity provider (issue 12, "Provider teams sign in
the same way"), end to end: the real `lakeshare serve --data-dir` started with
--oidc-principal-issuer/--oidc-principal-audience (the claim left at its default, `sub`) and a
REAL OpenID provider on loopback (the certified `oidc-provider` npm package, tests/idp/idp.mjs,
started and stopped by this script; client-credentials tokens whose `sub` is the client id).

  startup:   a half-configured set of --oidc-principal-* flags is refused, naming the missing flag
  team:      a principal created by `lakeshare admin principals create` (no API token) with
             CREATE_SHARE signs in with its IdP token and creates a share it then owns; it is
             refused 403 what it was not granted (principals, recipients, the metastore grants)
  admin:     an IdP token of an admin principal is an admin; the `lakeshare admin` CLI takes the
             IdP token as LAKESHARE_TOKEN and creates a principal with it
  unknown:   a token naming no principal is a 401 that says how an admin creates it; once created,
             the same token signs in (signing in created no one)
  refused:   another issuer, a wrong audience, expired, alg none, another key's signature: each a
             401 with its reason, never a 500; principal API tokens keep working
  attack:    a forged token that a partner federation policy (company issuer, another jwks_uri)
             accepts on the sharing API signs no principal in
  audit:     the federated sign-ins are audited under the principal, with auth_method,
             issuer, subject and token id, and never the token

Usage: principal_sign_in_e2e.py --lakeshare BIN --scratch DIR
Exit 0 on success, 1 on a failed check, 77 (skip) without node + tests/idp's oidc-provider or
python3-requests / python3-jwcrypto.
"""

from __future__ import annotations

import argparse
import json
import os
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
ADMIN_TOKEN = "e2e-admin-token-" + "a" * 32
STAFF_AUDIENCE = "urn:lakeshare:staff-e2e"
UC = "/api/2.1/unity-catalog"
PRINCIPALS = "/api/2.1/lakeshare/principals"
CHECKS = []


def check(name):
    def wrap(fn):
        CHECKS.append((name, fn))
        return fn
    return wrap


class World:
    def __init__(self, args, server, idp, other_idp, keys):
        from platform_harness import Api
        self.args, self.server, self.idp, self.other_idp = args, server, idp, other_idp
        self.key, self.other_key = keys
        self.admin = Api(server.base, ADMIN_TOKEN)
        self.tokens = []  # every IdP token used: none may appear in the audit

    def staff_token(self, client_id: str, idp=None, resource: str = STAFF_AUDIENCE) -> str:
        token = (idp or self.idp).token(client_id, resource=resource)
        self.tokens.append(token)
        return token

    def as_token(self, token: str):
        from platform_harness import Api
        return Api(self.server.base, token)

    def cli(self, token: str, *args: str, expect_rc: int = 0) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKESHARE_")}
        env["LAKESHARE_TOKEN"] = token
        r = subprocess.run([self.args.lakeshare, "admin", "--host", self.server.base, *args],
                           capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == expect_rc, (args, r.returncode, r.stdout, r.stderr)
        return r.stdout + r.stderr


def refused(w: World, token: str, words: str, status: int = 401) -> str:
    r = w.as_token(token).get(f"{UC}/shares")
    assert r.status_code == status, (r.status_code, r.text)
    message = r.json().get("message", "")
    assert words in message, f"expected '{words}' in: {message}"
    assert token not in r.text, "the refusal echoes the token"
    return message


def startup_refused(args, scratch: Path, flags, words: str):
    r = subprocess.run([args.lakeshare, "serve", "--data-dir", str(scratch / "half"),
                        "--listen", "127.0.0.1:0", "--oidc-allow-loopback-http", *flags],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "LAKESHARE_ADMIN_TOKEN": ADMIN_TOKEN})
    assert r.returncode == 2, (flags, r.returncode, r.stderr)
    assert words in r.stderr, (flags, r.stderr)


@check("team: a principal created without an API token signs in with its IdP token")
def team_member(w: World):
    out = w.cli(ADMIN_TOKEN, "principals", "create", "analyst", "--comment", "data team")
    assert "principal analyst created" in out and "API token" not in out, out
    got = w.admin.get(f"{PRINCIPALS}/analyst/tokens", expect=200).json()
    assert not got.get("token_infos"), got
    w.admin.patch(f"{UC}/permissions/metastore/metastore",
                  {"changes": [{"principal": "analyst", "add": ["CREATE_SHARE"]}]}, expect=200)
    analyst = w.as_token(w.staff_token("analyst"))
    r = analyst.post(f"{UC}/shares", {"name": "team_share", "comment": "made via the IdP"},
                     expect=200)
    assert r.json()["owner"] == "analyst", r.text
    listed = analyst.get(f"{UC}/shares", expect=200).json()
    assert [s["name"] for s in listed.get("shares", [])] == ["team_share"], listed


@check("team: refused 403 what it was not granted")
def team_member_limits(w: World):
    analyst = w.as_token(w.staff_token("analyst"))
    for method, path, body in (("GET", PRINCIPALS, None),
                               ("POST", PRINCIPALS, {"name": "sneaky", "is_admin": True}),
                               ("POST", f"{UC}/recipients", {"name": "partner",
                                                             "authentication_type": "TOKEN"}),
                               ("PATCH", f"{UC}/permissions/metastore/metastore",
                                {"changes": [{"principal": "analyst", "add": ["CREATE_RECIPIENT"]}]})):
        r = analyst.call(method, path, body=body)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error_code"] == "PERMISSION_DENIED", r.text
    assert w.admin.get(f"{PRINCIPALS}/sneaky").status_code == 404


@check("admin: an admin principal's IdP token is an admin, in the API and the CLI")
def admin_principal(w: World):
    w.cli(ADMIN_TOKEN, "principals", "create", "boss", "--admin")
    token = w.staff_token("boss")
    listed = w.as_token(token).get(PRINCIPALS, expect=200).json()
    assert {"admin", "analyst", "boss"} <= {p["name"] for p in listed["principals"]}, listed
    out = w.cli(token, "shares", "list")
    assert "team_share" in out, out
    out = w.cli(token, "principals", "list")
    assert "analyst" in out and "boss" in out, out


@check("unknown: a token naming no principal is a 401 saying how to create it; then it works")
def unknown_principal(w: World):
    token = w.staff_token("newcomer")
    message = refused(w, token, "`lakeshare admin principals create newcomer`")
    assert w.admin.get(f"{PRINCIPALS}/newcomer").status_code == 404, "sign-in created someone"
    out = w.cli(token, "shares", "list", expect_rc=2)
    assert "lakeshare admin principals create newcomer" in out, out
    # An admin signed in with the IdP creates it, as the message says; the same token now works.
    w.cli(w.staff_token("boss"), "principals", "create", "newcomer")
    r = w.as_token(token).get(f"{UC}/shares", expect=200)
    assert r.json().get("shares", []) == [], r.text  # it sees nothing it was not granted
    print(f"     401 said: {message}")


@check("refused: another issuer, a wrong audience, expired, alg none, another key: each 401")
def refusals(w: World):
    from jwcrypto import jwk, jwt
    from federation_e2e import b64url
    refused(w, w.staff_token("analyst", idp=w.other_idp), "signs provider teams in")
    refused(w, w.staff_token("analyst", resource="urn:someone-else"), "audience")
    # The partners' default audience of this IdP is not the staff audience either.
    refused(w, w.staff_token("analyst", resource="urn:lakeshare:federation-e2e"), "audience")
    now = int(time.time())
    claims = {"iss": w.idp.issuer, "aud": STAFF_AUDIENCE, "sub": "boss", "iat": now - 600,
              "exp": now - 300, "jti": uuid.uuid4().hex}
    expired = jwt.JWT(header={"alg": "RS256", "kid": "k1"}, claims=claims)
    expired.make_signed_token(w.key)
    refused(w, expired.serialize(), "expired at")
    live = {**claims, "iat": now, "exp": now + 60}
    none = (b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(json.dumps(live).encode()) + ".")
    refused(w, none, "not signed")
    stranger = jwk.JWK.generate(kty="RSA", size=2048)
    forged = jwt.JWT(header={"alg": "RS256", "kid": "k1"}, claims=live)
    forged.make_signed_token(stranger)
    refused(w, forged.serialize(), "signature does not verify")
    refused(w, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "")
    # Principal API tokens keep working next to the IdP.
    w.admin.get(f"{UC}/shares", expect=200)


@check("attack: a token verified for a partner policy with its own jwks_uri signs no one in")
def policy_key_confusion(w: World):
    # A federation policy names the company issuer but another JWK Set (here: the other IdP's,
    # whose private key the attacker holds). The partner side verifies the forged token with it
    # (and remembers that); the management API must not take that verification for its own.
    from jwcrypto import jwt
    w.admin.post(f"{UC}/recipients", {"name": "mallory", "authentication_type": "OIDC_FEDERATION"},
                 expect=200)
    w.admin.post("/api/2.0/data-sharing/recipients/mallory/federation-policies",
                 {"name": "lookalike", "oidc_policy": {
                     "issuer": w.idp.issuer, "jwks_uri": w.other_idp.issuer + "/jwks",
                     "audiences": [STAFF_AUDIENCE], "subject_claim": "sub", "subject": "boss"}},
                 expect=200)
    now = int(time.time())
    forged = jwt.JWT(header={"alg": "RS256", "kid": "k1"},
                     claims={"iss": w.idp.issuer, "aud": STAFF_AUDIENCE, "sub": "boss",
                             "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex})
    forged.make_signed_token(w.other_key)
    token = forged.serialize()
    r = w.as_token(token).get(f"{w.server.endpoint}/shares")
    assert r.status_code == 200, ("the partner side accepts it for mallory", r.status_code, r.text)
    refused(w, token, "not verified with the keys")
    w.admin.delete(f"{UC}/recipients/mallory", expect=200)


@check("audit: federated sign-ins under the principal, with issuer, subject, token id")
def audit(w: World):
    events = w.admin.get("/api/2.1/lakeshare/audit",
                         params={"principal": "analyst", "max_results": 1000},
                         expect=200).json()["events"]
    created = [e for e in events if e["action_name"] == "createShare"
               and e["response"]["status_code"] == 200]
    assert created, [e["action_name"] for e in events]
    params = created[-1]["request_params"]
    assert params.get("auth_method") == "oidc_federation", params
    assert params.get("token_issuer") == w.idp.issuer, params
    assert params.get("token_subject") == "analyst", params
    assert params.get("token_id"), params
    denied = [e for e in events if e["response"]["status_code"] == 403]
    assert denied and all(e["request_params"].get("auth_method") == "oidc_federation"
                          for e in denied), denied
    dump = json.dumps(w.admin.get("/api/2.1/lakeshare/audit", params={"max_results": 1000},
                                  expect=200).json())
    for token in w.tokens:
        assert token not in dump, "an IdP token is in the audit log"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    if shutil.which("node") is None or not (ROOT / "tests/idp/node_modules/oidc-provider").is_dir():
        print("SKIP: node or tests/idp/node_modules/oidc-provider is missing "
              "(scripts/install-deps.sh installs it)")
        return SKIP
    try:
        import requests  # noqa: F401
        from jwcrypto import jwk
    except ImportError as e:
        print(f"SKIP: {e} (scripts/install-deps.sh installs python3-requests, python3-jwcrypto)")
        return SKIP
    from federation_e2e import Idp
    from platform_harness import PlatformServer, free_port

    scratch = Path(args.scratch).resolve()
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    key = jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig", alg="RS256")
    other = jwk.JWK.generate(kty="RSA", size=2048, kid="k1", use="sig", alg="RS256")
    clients = {name: f"secret-of-{name}-0123456789" for name in ("analyst", "boss", "newcomer")}
    idp = Idp(scratch, "corp", free_port(), [key], clients).start()
    other_idp = Idp(scratch, "elsewhere", free_port(), [other], {"analyst": clients["analyst"]})
    other_idp.start()
    failed = passed = 0
    server = None
    try:
        try:
            startup_refused(args, scratch, ["--oidc-principal-issuer", idp.issuer],
                            "--oidc-principal-audience")
            startup_refused(args, scratch, ["--oidc-principal-audience", STAFF_AUDIENCE],
                            "needs --oidc-principal-issuer")
            startup_refused(args, scratch, ["--oidc-principal-issuer", "http://idp.example.com",
                                            "--oidc-principal-audience", STAFF_AUDIENCE],
                            "https")
            passed += 1
            print("ok   startup: half-configured or plain-http sign-in flags are refused",
                  flush=True)
        except Exception:  # noqa: BLE001
            failed += 1
            print(f"FAIL startup\n{traceback.format_exc()}", flush=True)
        server = PlatformServer(args.lakeshare, scratch / "data", ADMIN_TOKEN, extra_args=[
            "--oidc-allow-loopback-http", "--oidc-principal-issuer", idp.issuer,
            "--oidc-principal-audience", STAFF_AUDIENCE])
        with server:
            w = World(args, server, idp, other_idp, (key, other))
            for name, fn in CHECKS if not failed else []:
                try:
                    fn(w)
                    passed += 1
                    print(f"ok   {name}", flush=True)
                except Exception:  # noqa: BLE001 - later steps build on earlier ones
                    failed += 1
                    print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
                    break
    finally:
        idp.stop()
        other_idp.stop()
    if failed and server is not None and getattr(server, "log_path", None):
        print(f"server log: {server.log_path}")
        print(server.log_path.read_text()[-3000:])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
