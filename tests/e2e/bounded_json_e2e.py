"""Hostile JSON against a real `lakeshare serve` (issue 10, item 2): a partner with a valid token
sends /query bodies whose JSON nests far deeper, or holds far more elements, than any predicate
needs. Each must be refused with 400 and a message naming the limit, and the server must keep
answering afterwards (before the JSON bounds, the 80,000-deep object predicate overflowed the
stack of the server: SIGSEGV).

    python3 bounded_json_e2e.py --lakeshare build/lakeshare --scratch build/e2e-scratch/json

Exit status: 0 passed, 1 failed, 77 skipped (no `requests`: see harness.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Client, DeltaTableWriter, Server, ndjson  # noqa: E402

import requests  # noqa: E402 (present: harness exits 77 without it)

ARGS = None
ENV = {}
TOKEN = "e2e-json-token-0123456789"
T0 = 1672531200000
TABLE = "/shares/s/schemas/main/tables/t"
DEEP = 80_000  # 160 KB of brackets: under the 1 MiB body limit


def deep_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def equal_id(value: int) -> dict:
    return {"op": "equal", "children": [
        {"op": "column", "name": "id", "valueType": "long"},
        {"op": "literal", "value": str(value), "valueType": "long"}]}


def setUpModule():
    scratch = Path(ARGS.scratch)
    shutil.rmtree(scratch / "table", ignore_errors=True)
    table = DeltaTableWriter(scratch / "table", [("id", "long", False)])
    table.commit([table.add([{"id": i}]) for i in range(3)], T0)
    config = f"""
version: 1
shares:
- name: s
  schemas:
  - name: main
    tables:
    - name: t
      location: "{scratch / 'table'}"
authorization:
  bearerToken: "{TOKEN}"
"""
    ENV["config"] = config
    start_server()


def start_server():
    ENV["server"] = Server(ARGS.lakeshare, ENV["config"], Path(ARGS.scratch) / "logs").__enter__()
    ENV["client"] = Client(ENV["server"].endpoint, TOKEN)


def tearDownModule():
    if "server" in ENV:
        ENV["server"].__exit__(None, None, None)


class BoundedJsonTest(unittest.TestCase):
    def setUp(self):
        # Each case on a live server: one that crashed the server must not fail the next ones.
        if ENV["server"].proc.poll() is not None:
            ENV["server"].__exit__(None, None, None)
            start_server()

    def post(self, body: str):
        try:
            return ENV["client"].post(TABLE + "/query", body)
        except requests.exceptions.ConnectionError as e:
            try:  # diagnostics only: how the server ended, if it did
                status = ENV["server"].proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 (still running)
                status = "still running"
            self.fail(f"the server dropped the connection ({e}); server exit status: {status}")

    def assertRefused(self, body: str, limit_words: str):
        r = self.post(body)
        self.assertEqual(r.status_code, 400, r.text[:300])
        err = r.json()
        self.assertEqual(err["errorCode"], "MALFORMED_REQUEST", err)
        self.assertIn(limit_words, err["message"])
        self.assertStillServing()

    def assertStillServing(self):
        self.assertIsNone(ENV["server"].proc.poll(), "the server process exited")
        r = ENV["client"].get("/shares")
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertEqual([s["name"] for s in r.json()["items"]], ["s"])

    def test_object_predicate_80000_deep_is_refused(self):
        body = '{"jsonPredicateHints":{"op":' + deep_arrays(DEEP) + "}}"
        self.assertLess(len(body), 1 << 20)
        self.assertRefused(body, "deeper than 64 levels")

    def test_string_predicate_80000_deep_is_refused(self):
        body = json.dumps({"jsonPredicateHints": deep_arrays(DEEP)})
        self.assertRefused(body, "deeper than 64 levels")

    def test_deep_body_field_is_refused(self):
        self.assertRefused('{"limitHint":' + deep_arrays(DEEP) + "}", "deeper than 64 levels")

    def test_brackets_inside_strings_do_not_count(self):
        # 80,000 brackets inside a JSON string are text, not nesting: the hint is simply not a
        # valid predicate, which is skipped (hints are best effort), and the query answers.
        r = self.post(json.dumps({"predicateHints": ["[" * DEEP]}))
        self.assertEqual(r.status_code, 200, r.text[:300])

    def test_predicate_with_too_many_elements_is_refused(self):
        wide = {"op": "or", "children": [equal_id(i) for i in range(3000)]}
        self.assertRefused(json.dumps({"jsonPredicateHints": wide}), "more than 10000 elements")
        self.assertRefused(json.dumps({"jsonPredicateHints": json.dumps(wide)}),
                           "more than 10000 elements")

    def test_predicates_within_the_bounds_still_prune(self):
        for hint in (equal_id(1), json.dumps(equal_id(1))):
            lines = ndjson(self.post(json.dumps({"jsonPredicateHints": hint})))
            files = [l for l in lines if "file" in l]
            self.assertEqual(len(files), 1, lines)
        # Nested exactly as deep as the bounds allow (64 levels, the body's own included) and
        # one "and" deeper (66).
        def nested(levels):
            p = equal_id(2)
            for _ in range(levels):
                p = {"op": "and", "children": [p, equal_id(2)]}
            return json.dumps({"jsonPredicateHints": p})
        self.assertEqual(json_depth(nested(30)), 64)
        lines = ndjson(self.post(nested(30)))
        self.assertEqual(len([l for l in lines if "file" in l]), 1, lines)
        self.assertRefused(nested(31), "deeper than 64 levels")


def json_depth(text: str) -> int:
    def depth(v):
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        return 0
    return depth(json.loads(text))

def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--scratch", required=True)
    ARGS, rest = p.parse_known_args()
    prog = unittest.main(module=__name__, argv=[sys.argv[0]] + rest, exit=False)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
