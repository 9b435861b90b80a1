"""Every shell and Python block of the partner guides (docs/guides/partner-*.md), run against a
`make run` demo as a partner copies them (issue 14, item 10).

The demo is scripts/run-demo.sh (tests/e2e/demo_harness.py). A partner replaces the guides'
placeholders with what they received; the test does the same, and only that:
`https://share.example.com` is the demo's address, `3q2X...` its activation token and
`/secure/config.share` the downloaded file. The blocks
run in one partner folder, in the order of the guides (partner-activation.md first, whose curl
block downloads `config.share` there), each guide's Python blocks in one namespace, like a
notebook.

Marks (HTML comments on the line before a block, visible in the guides):
  <!-- guide-test: skip: REASON -->  not run (a BI tool, Spark, Windows, PyPI); said in the output
  <!-- guide-test: output -->        a plain block that is the previous block's output
  <!-- guide-test: output of a second run -->  the previous block, run again, prints this
In an output block `...` matches any text.

Python blocks run literally when pandas, pyarrow and the connector's Rust reader import (a
partner's machine). Debian packages none of them, so here the connector package is stood in for
by its own REST client (the package's `SharingClient` listings are thin loops over it, done the
same way here), and each `load_*` call is replayed through the REST client with the same table
and options (files listed and fetched, rows counted by DuckDB): it must return rows. Statements
that then use the DataFrame are not run; the output lists each one.

Every block, run or not, is also read for table names (`SHARE.SCHEMA.TABLE`) and dates, which must
be the demo partner's tables and fall within the demo's data (May 2024).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from connector_loader import (PartnerReader, full_connector_importable, has_source,  # noqa: E402
                              load_rest_client)
from demo_harness import Demo, shell  # noqa: E402

SKIP = 77
GUIDES = ["partner-activation.md", "partner-pandas.md", "partner-spark.md",
          "partner-powerbi.md", "partner-tableau.md", "partner-excel.md"]
RUN_LANGUAGES = {"sh", "python"}
failures: list[str] = []


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else f"\n     {detail}"),
          flush=True)
    if not ok:
        failures.append(what)
    return ok


@dataclass
class Block:
    guide: str
    line: int
    lang: str
    code: str
    mark: str = ""  # "skip: ...", "output", "output of a second run" or ""


def parse_blocks(guide: str, text: str) -> list[Block]:
    blocks = []
    lines = text.splitlines()
    i = 0
    mark = ""
    while i < len(lines):
        m = re.match(r"^<!-- guide-test: (.+?) -->\s*$", lines[i])
        if m:
            mark = m.group(1)
            i += 1
            continue
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence:
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            blocks.append(Block(guide, start, fence.group(1), "\n".join(lines[start:j]) + "\n",
                                mark))
            mark = ""
            i = j + 1
            continue
        if lines[i].strip():
            mark = "" if not lines[i].startswith("<!--") else mark
        i += 1
    return blocks


def matches(expected: str, actual: str) -> bool:
    """`expected` with `...` as a wildcard, against `actual` (surrounding whitespace ignored)."""
    pattern = ".*?".join(re.escape(part) for part in expected.strip().split("..."))
    return re.fullmatch(pattern, actual.strip(), re.S) is not None


# ---- the connector, or its REST client standing in for it --------------------------------------

class NeedsPandas(Exception):
    """A load_* call whose REST part succeeded; its DataFrame needs pandas/pyarrow."""


def stand_in_module(reader_for):
    """`delta_sharing` as far as it works without pandas: listings are real (the connector's REST
    client), load_* calls replay their requests and raise NeedsPandas."""
    import types
    mod = types.ModuleType("delta_sharing")
    mod.__path__ = sys.modules["delta_sharing"].__path__  # the REST modules stay importable

    class SharingClient:
        def __init__(self, profile):
            self._reader = reader_for(profile)

        def list_shares(self):
            return self._reader.client.list_shares().shares

        def list_schemas(self, share):
            return self._reader.client.list_schemas(share).schemas

        def list_tables(self, schema):
            return self._reader.client.list_tables(schema).tables

        def list_all_tables(self):
            return [t for s in self.list_shares()
                    for t in self._reader.client.list_all_tables(s).tables]

    def split(url):
        profile, _, coordinates = url.rpartition("#")
        if coordinates.count(".") != 2 or not profile:
            raise ValueError(f"Invalid 'url': {url}")
        return reader_for(profile), coordinates

    def load_as_pandas(url, limit=None, version=None, timestamp=None, jsonPredicateHints=None,
                       **_):
        reader, coordinates = split(url)
        summary = reader.summary(coordinates, limitHint=limit, version=version,
                                 timestamp=timestamp, jsonPredicateHints=jsonPredicateHints)
        if summary["rows"] == 0:
            raise AssertionError(f"load_as_pandas('{url}') read no rows")
        raise NeedsPandas(f"load_as_pandas('{url}'): {summary['rows']} rows served")

    def load_table_changes_as_pandas(url, starting_version=None, ending_version=None,
                                     starting_timestamp=None, ending_timestamp=None, **_):
        reader, coordinates = split(url)
        actions = reader.changes(coordinates, starting_version=starting_version,
                                 ending_version=ending_version,
                                 starting_timestamp=starting_timestamp,
                                 ending_timestamp=ending_timestamp)
        if not actions:
            raise AssertionError(f"load_table_changes_as_pandas('{url}') returned no changes")
        raise NeedsPandas(f"load_table_changes_as_pandas('{url}'): {len(actions)} change files")

    mod.SharingClient = SharingClient
    mod.load_as_pandas = load_as_pandas
    mod.load_table_changes_as_pandas = load_table_changes_as_pandas
    return mod


def assigned_names(stmt) -> set:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def run_python_stand_in(block: Block, ns: dict, cwd: Path) -> str:
    """Statement by statement; returns what it printed."""
    import contextlib
    import io
    unavailable = ns.setdefault("__needs_pandas__", set())
    out = io.StringIO()
    for stmt in ast.parse(block.code).body:
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load)}
        source = ast.get_source_segment(block.code, stmt) or ""
        first = source.splitlines()[0] if source else "?"
        if used & unavailable:
            print(f"     not run (uses a DataFrame): {first}")
            unavailable |= assigned_names(stmt)
            continue
        try:
            old = os.getcwd()
            os.chdir(cwd)
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(ast.Module([stmt], type_ignores=[]), block.guide, "exec"), ns)
            finally:
                os.chdir(old)
        except NeedsPandas as e:
            print(f"     replayed through the REST client: {e}")
            unavailable |= assigned_names(stmt)
    return out.getvalue()


# ---- static reading of every block -------------------------------------------------------------

def check_names_and_dates(block: Block, tables: set, shares: set):
    names = set(re.findall(r"\b(\w+\.\w+\.\w+)\b", block.code))
    names = {n for n in names if n.split(".")[0] in shares or "#" + n in block.code}
    bad = sorted(n for n in names if n not in tables)
    check(not bad, f"{block.guide}:{block.line}: table names are the demo partner's",
          f"{bad} not in {sorted(tables)}")
    dates = re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", block.code)
    bad_dates = [f"{y}-{m}-{d}" for y, m, d in dates if (y, m) != ("2024", "05")]
    check(not bad_dates, f"{block.guide}:{block.line}: dates fall in the demo's data (May 2024)",
          str(bad_dates))


def check_provider_guide(lakeshare: str, repo: Path):
    """Issue 14 item 4: the provider guide must not deny what `serve --trusted-proxy` does."""
    flags = subprocess.run([lakeshare, "serve", "--help"], capture_output=True, text=True).stdout
    text = (repo / "docs" / "guides" / "provider.md").read_text()
    denial = re.search(r"(does not|doesn't|never) reads?\s+`?X-Forwarded-For", text, re.I)
    if "--trusted-proxy" in flags:
        check(denial is None, "provider.md does not deny reading X-Forwarded-For, which "
              "`serve --trusted-proxy` does", denial.group(0) if denial else "")
        ip_section = text[text.find("## 9. IP allow-lists"):text.find("## 10.")]
        check("--trusted-proxy" in ip_section,
              "provider.md's IP allow-list section says how lists work behind a proxy")


# ---- driver -------------------------------------------------------------------------------------

def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--repo", required=True, type=Path)
    p.add_argument("--scratch", required=True, type=Path)
    p.add_argument("--connector-src", required=True, type=Path)
    args = p.parse_args()
    if not has_source(args.connector_src):
        print(f"SKIP: the delta-sharing Python connector's source {args.connector_src} is absent")
        return SKIP
    shutil.rmtree(args.scratch, ignore_errors=True)
    scratch = args.scratch.resolve()
    work = scratch / "partner"
    work.mkdir(parents=True)
    home = scratch / "home"
    literal = full_connector_importable()
    load_rest_client(args.connector_src)  # before any stand-in takes the package's name
    ran = skipped = 0
    readers: dict = {}

    def reader_for(profile):
        path = str((work / profile).resolve())
        if path not in readers:
            readers[path] = PartnerReader(args.connector_src, path, scratch / "read")
        return readers[path]

    check_provider_guide(args.lakeshare, args.repo)
    with Demo(args.repo, str(Path(args.lakeshare).resolve()), scratch / "demo", home) as demo:
        printed = demo.start()
        token = printed.link.rsplit("/", 1)[1]
        substitutions = {"https://share.example.com": printed.base, "3q2X...": token,
                         "/secure/config.share": str(work / "config.share")}
        tables = set(printed.claims)
        shares = {t.split(".")[0] for t in tables}
        env = dict(os.environ, HOME=str(home))
        if literal:
            env["PYTHONPATH"] = str(args.connector_src)
        else:
            print("note: pandas/pyarrow are not on this machine (Debian packages neither): Python "
                  "blocks run on the connector's REST client, load_* calls are replayed")
        for guide in GUIDES:
            text = (args.repo / "docs" / "guides" / guide).read_text()
            ns: dict = {"__name__": "__guide__"}
            if not literal:
                ns["__builtins__"] = __builtins__
            previous = None  # (block, output) of the last block run
            for block in parse_blocks(guide, text):
                where = f"{guide}:{block.line}"
                if block.lang in ("sh", "python", "scala", "sql", ""):
                    check_names_and_dates(block, tables, shares)
                if block.lang == "json" and '"bearerToken"' in block.code:
                    shown = json.loads(block.code)
                    real = json.loads((work / "config.share").read_text())
                    check(set(shown) - {"expirationTime"} <= set(real) and shown["endpoint"].startswith(
                          "https://share.example.com/"),
                          f"{where}: the profile shown has the real file's fields", str(set(real)))
                    continue
                if block.mark.startswith("output"):
                    if previous is None:
                        check(False, f"{where}: an output block follows a block that ran")
                        continue
                    if block.mark == "output of a second run":
                        r = shell(sub(previous[0].code, substitutions), env, work)
                        actual = r.stdout + r.stderr
                    else:
                        actual = previous[1]
                    check(matches(block.code, actual), f"{where}: the output shown is the output",
                          f"expected:\n{block.code}\nactual:\n{actual}")
                    continue
                if block.lang not in RUN_LANGUAGES:
                    continue
                if block.mark.startswith("skip"):
                    skipped += 1
                    print(f"not run: {where} ({block.lang}): {block.mark[5:].strip()}")
                    continue
                ran += 1
                code = sub(block.code, substitutions)
                if block.lang == "sh":
                    r = shell("set -e\n" + code, env, work)
                    output = r.stdout + r.stderr
                    check(r.returncode == 0, f"{where}: the sh block runs", output[-1500:])
                elif literal:
                    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=work,
                                       capture_output=True, text=True)
                    output = r.stdout
                    check(r.returncode == 0, f"{where}: the Python block runs", r.stderr[-1500:])
                else:
                    ns.setdefault("delta_sharing", stand_in_module(reader_for))
                    sys.modules["delta_sharing"] = ns["delta_sharing"]
                    try:
                        output = run_python_stand_in(
                            Block(block.guide, block.line, block.lang, code), ns, work)
                        check(True, f"{where}: the Python block runs (REST client)")
                    except Exception as e:  # noqa: BLE001 - any error is the block failing
                        output = ""
                        check(False, f"{where}: the Python block runs (REST client)",
                              f"{type(e).__name__}: {e}")
                previous = (block, output)
        for r in readers.values():
            r.close()
    print(f"guides e2e: {ran} blocks run, {skipped} not run (marked), {len(failures)} failed")
    return 1 if failures else 0


def sub(code: str, substitutions: dict) -> str:
    for placeholder, value in substitutions.items():
        code = code.replace(placeholder, value)
    return code


if __name__ == "__main__":
    sys.exit(main())
