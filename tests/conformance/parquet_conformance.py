#!/usr/bin/env python3
"""Parquet reader conformance: `lakeshare parquet cat` against DuckDB, file by file, row by row.

For every .parquet file of the shared corpus (those inside its .tar.zst archives too, unpacked once
into --scratch), plus fixtures for what the corpus lacks -- tools/duckdb/make_fixtures.mjs writes
types, encodings and codecs with DuckDB ("generated/..."), handmade_parquet.py builds legacy
shapes no writer at hand produces ("handmade/..."); --no-generated leaves both out -- this runs

    lakeshare parquet cat FILE                     (our reader)
    node tools/duckdb/parquet_dump.mjs FILE         (DuckDB, an independent reader)

and compares the two JSON-lines outputs row by row; then the same with `--columns` (every other
top-level column, listed in reverse order) and `--limit 3`. Both print the canonical form of
docs/parquet.md, so the comparison is equality of parsed JSON values, with these normalizations
and no others. Each one bridges a representation gap; none lets a different value through:

  1. Numbers are compared as numbers, not as text: "1e+21" and "1e21", "1.0" and "1", are the same
     double; the shortest round-trip texts of C++ and JavaScript differ in spelling only. The
     comparison stays exact: an integer equals a float only if they are the same number, a boolean
     never equals a number, and -0.0 differs from 0.0.
  2. Timestamps DuckDB holds at a coarser resolution than the canonical form are compared at
     DuckDB's resolution: INT96 and TIMESTAMP(NANOS, UTC) carry nanoseconds, DuckDB keeps
     microseconds, so our value is brought to microseconds the way DuckDB does it (floor for
     INT96, toward zero for epoch nanoseconds) and then compared exactly. This is applied only at
     the leaves parquet_dump.mjs marks ("truncate_fraction_to" and "rounding" in its --types-out
     description), never by guessing from the text.

Objects (rows, structs, string-keyed maps) must have the same keys in the same order.

Where DuckDB cannot be the reference (it refuses a valid file, or departs from the Parquet format),
KNOWN_DIFFERENCES names the file, quotes the rule and gives the expected rows, and our output is
checked against those instead.

A file DuckDB cannot read passes only if lakeshare refuses it too, with an error exit (a crash is
a failure). A file DuckDB reads but cannot show exactly (parquet_dump.mjs exits "unsupported", e.g.
a DECIMAL wider than 38 digits, which DuckDB turns into a DOUBLE) is UNCHECKED: lakeshare must
still read it without error, and the summary counts it. A KNOWN_DIFFERENCES entry without expected
rows turns a failure into XFAIL (not failing the run); an entry whose file now matches DuckDB is
reported as XPASS, so that the entry gets removed.

Exit status: 0 all passed, 1 some file failed, 2 bad setup (no lakeshare binary), 77 skipped
(corpus folder or DuckDB's node package absent; ctest's SKIP_RETURN_CODE).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime
import fnmatch
import hashlib
import json
import math
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (beside this script)
import handmade_parquet as handmade  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DUCKDB_TOOL_DIR = REPO_ROOT / "tools" / "duckdb"
DUMP_SCRIPT = DUCKDB_TOOL_DIR / "parquet_dump.mjs"
FIXTURE_SCRIPT = DUCKDB_TOOL_DIR / "make_fixtures.mjs"
DUCKDB_PACKAGE = DUCKDB_TOOL_DIR / "node_modules" / "@duckdb" / "node-api"



@dataclasses.dataclass(frozen=True)
class Known:
    reason: str
    # Rows in the canonical form to check our output against instead of DuckDB's. Without them,
    # a failing comparison is reported as XFAIL; with them, the file is still fully checked.
    expected: list[dict] | None = None

    def __str__(self) -> str:
        return self.reason


# Files where DuckDB cannot be the reference, each with the reason. Keys are fnmatch patterns over
# file names (corpus.py: "kernel/x.tar.zst!/x/part-0.parquet"; "generated/..." and "handmade/..."
# for the fixtures). An entry must describe a difference that is not a bug of ours -- DuckDB
# cannot read the file, or DuckDB departs from the Parquet format and we follow it, with the rule
# quoted -- and should carry the expected rows, so that our output is still checked. A bug of ours
# gets fixed, not listed.
KNOWN_DIFFERENCES: dict[str, Known] = {
    # LogicalTypes.md, Lists, backward-compatibility rule 4: "If the repeated field is a group with
    # one field and is named either `array` or uses the `LIST`-annotated group's name with `_tuple`
    # appended then the repeated type is the element type and elements are required." DuckDB 1.5
    # takes the group's one field as the element instead ([1, 2] for [{"x": 1}, {"x": 2}]).
    "handmade/nesting_array_group.parquet": Known(
        "DuckDB ignores list rule 4 (`array` group)", handmade.EXPECTED["nesting_array_group.parquet"]),
    "handmade/nesting_tupled.parquet": Known(
        "DuckDB ignores list rule 4 (`<list>_tuple` group)", handmade.EXPECTED["nesting_tupled.parquet"]),
    # LogicalTypes.md, Maps, backward-compatibility rules: "a group annotated with `MAP_KEY_VALUE`
    # that is not contained by a `MAP`-annotated group should be handled as a `MAP`-annotated
    # group." DuckDB 1.5 refuses the file: "MAP_KEY_VALUE requires two children".
    "handmade/nesting_outer_key_value_map.parquet": Known(
        "DuckDB refuses MAP_KEY_VALUE on the outer group", handmade.EXPECTED["nesting_outer_key_value_map.parquet"]),
    # DuckDB 1.5 refuses the BSON converted type ("Unsupported converted type (20)"); the canonical
    # form prints BSON like any binary, as base64.
    "handmade/bson.parquet": Known("DuckDB refuses BSON columns", handmade.EXPECTED["bson.parquet"]),
    # LogicalTypes.md, INTERVAL: "three little-endian unsigned integers"; DuckDB 1.5 reads the
    # months and days as signed 32-bit values (4294967295 months become -1).
    "handmade/interval_unsigned.parquet": Known(
        "DuckDB reads INTERVAL months and days as signed", handmade.EXPECTED["interval_unsigned.parquet"]),
    # DuckDB refuses a STRING that is not UTF-8 ("Invalid string encoding found in Parquet file");
    # the canonical form replaces the invalid bytes with U+FFFD.
    "handmade/invalid_utf8.parquet": Known(
        "DuckDB refuses strings that are not UTF-8", handmade.EXPECTED["invalid_utf8.parquet"]),
}

MAX_SHOWN = 300  # characters of a value shown in a failure line


# ---------------------------------------------------------------------------------------------
# Parsing and comparison.


class Obj(list):
    """A JSON object as its ordered (key, value) pairs: keeps order and duplicate keys."""


def _parse_int(text: str):
    # "-0" is how a C++ shortest round-trip prints negative zero; json would make it int 0.
    return -0.0 if text == "-0" else int(text)


def parse_line(line: str):
    return json.loads(line, object_pairs_hook=Obj, parse_int=_parse_int)


def _show(value) -> str:
    def plain(v):
        if isinstance(v, Obj):
            return {k: plain(x) for k, x in v}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    text = json.dumps(plain(value), ensure_ascii=False)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


_TIMESTAMP = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d+)(Z?)$")
_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d+)$")
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _ticks(text: str):
    """(ticks since the epoch or midnight, fraction digits, suffix) of a canonical timestamp or
    time, or None."""
    m = _TIMESTAMP.match(text)
    if m:
        try:
            days = datetime.date(int(m[1]), int(m[2]), int(m[3])).toordinal() - _EPOCH_ORDINAL
        except ValueError:
            return None
        seconds = days * 86400 + int(m[4]) * 3600 + int(m[5]) * 60 + int(m[6])
        return seconds * 10 ** len(m[7]) + int(m[7]), len(m[7]), m[8]
    m = _TIME.match(text)
    if m:
        seconds = int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
        return seconds * 10 ** len(m[4]) + int(m[4]), len(m[4]), ""
    return None


def _coarsen(ticks: int, factor: int, rounding: str) -> int:
    if rounding == "toward_zero" and ticks < 0:
        return -(-ticks // factor)
    return ticks // factor


class Mismatch(Exception):
    def __init__(self, where: str, ours, duck, note: str = ""):
        super().__init__(where)
        self.where, self.ours, self.duck, self.note = where, ours, duck, note

    def describe(self, ref_name: str = "DuckDB") -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.where or '<row>'}: ours {_show(self.ours)} vs {ref_name} {_show(self.duck)}{note}"


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same_scalar(ours, duck, node) -> bool:
    if _is_number(ours) and _is_number(duck):
        if isinstance(ours, float) and math.isnan(ours) or isinstance(duck, float) and math.isnan(duck):
            return False  # NaN is spelled "NaN" in the canonical form, never a number
        return ours == duck and (ours != 0 or math.copysign(1, ours) == math.copysign(1, duck))
    if type(ours) is not type(duck):
        return False
    if ours == duck:
        return True
    digits = node.get("truncate_fraction_to") if node else None
    if digits is not None and isinstance(ours, str):
        # Normalization 2: bring our value to the resolution DuckDB exposes, rounding the way
        # DuckDB did (the dump says how), then compare exactly.
        o, d = _ticks(ours), _ticks(duck)
        if o and d and d[1] == digits and o[1] > digits and o[2] == d[2]:
            return _coarsen(o[0], 10 ** (o[1] - digits), node.get("rounding", "floor")) == d[0]
    return False


def compare(ours, duck, node, where: str) -> None:
    """Raise Mismatch at the first difference; `node` is the dump's description of this value."""
    kind = node.get("kind") if node else None
    if isinstance(duck, Obj):
        if not isinstance(ours, Obj):
            raise Mismatch(where, ours, duck, "not an object")
        ours_keys, duck_keys = [k for k, _ in ours], [k for k, _ in duck]
        if ours_keys != duck_keys:
            raise Mismatch(where, ours_keys, duck_keys, "keys differ")
        for i, ((key, o), (_, d)) in enumerate(zip(ours, duck)):
            if kind == "struct":
                child = node["fields"][i][1] if i < len(node["fields"]) else None
            elif kind == "map" and node.get("object"):
                child = node["value"]
            elif kind == "row":
                child = node["columns"][i][1] if i < len(node["columns"]) else None
            elif kind == "entry":  # {"key": k, "value": v} of a map with non-string keys
                child = node.get(key)
            else:
                child = None
            compare(o, d, child, f"{where}.{key}" if kind != "map" else f"{where}[{json.dumps(key)}]")
        return
    if isinstance(duck, list):
        if not isinstance(ours, list) or isinstance(ours, Obj):
            raise Mismatch(where, ours, duck, "not an array")
        if len(ours) != len(duck):
            raise Mismatch(where, ours, duck, f"{len(ours)} items vs {len(duck)}")
        if kind == "list":
            child = node["element"]
        elif kind == "map":
            child = {"kind": "entry", "key": node["key"], "value": node["value"]}
        else:
            child = None
        for i, (o, d) in enumerate(zip(ours, duck)):
            compare(o, d, child, f"{where}[{i}]")
        return
    if not _same_scalar(ours, duck, node):
        raise Mismatch(where, ours, duck)


# ---------------------------------------------------------------------------------------------
# Workers: each owns one long-lived `parquet_dump.mjs --batch` process (loading DuckDB costs more
# than dumping a small file) and runs lakeshare once per file.


@dataclasses.dataclass
class Outcome:
    name: str
    status: str  # PASS, FAIL, UNCHECKED (DuckDB cannot show a value exactly; we read the file)
    rows: int = 0
    detail: str = ""
    verbose: str = ""
    seconds: float = 0.0


_config: dict = {}
_dumper: "Dumper | None" = None


class Dumper:
    def __init__(self, node: str, work: Path):
        self.proc = subprocess.Popen(
            [node, str(DUMP_SCRIPT), "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(work / f"dump-{os.getpid()}.stderr", "wb"),
            cwd=str(DUCKDB_TOOL_DIR),
        )
        self.buffer = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def dump(self, file: Path, out: Path, types_out: Path, timeout: float,
             columns: list[str] | None = None, limit: int | None = None) -> dict:
        request = {"file": str(file), "out": str(out), "types_out": str(types_out), "columns": columns,
                   "limit": limit}
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.proc.kill()
                    raise TimeoutError(f"DuckDB dump took longer than {timeout:.0f} s")
                data = os.read(self.proc.stdout.fileno(), 65536)
                if not data:
                    raise RuntimeError(f"parquet_dump.mjs exited ({self.proc.wait()})")
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


def _init_worker(config: dict) -> None:
    _config.update(config)


def _get_dumper() -> Dumper:
    global _dumper
    if _dumper is None or not _dumper.alive():
        _dumper = Dumper(_config["node"], Path(_config["work"]))
    return _dumper


def _read_err(path: Path, limit: int = 500) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    text = " | ".join(line for line in text.splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit] + "..."


def _exit_text(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def check_file(name: str, path: str, expected: list[str] | None) -> Outcome:
    start = time.monotonic()
    try:
        outcome = _check_file(name, Path(path), expected)
    except Exception as e:  # noqa: BLE001  (one file's trouble, e.g. a binary being relinked, is that file's FAIL)
        outcome = Outcome(name, "FAIL", detail=f"harness error: {type(e).__name__}: {e}")
    outcome.seconds = time.monotonic() - start
    return outcome


def _check_file(name: str, path: Path, expected: list[str] | None) -> Outcome:
    """Compare our rows with DuckDB's or, for a KNOWN_DIFFERENCES entry with expected rows, with
    those (then DuckDB's output only tells whether the entry is still needed)."""
    work = Path(_config["work"])
    stem = f"w{os.getpid()}"
    ours_out, duck_out, types_out, err = (work / f"{stem}.{x}" for x in ("ours", "duck", "types", "err"))
    try:
        answer = _get_dumper().dump(path, duck_out, types_out, _config["timeout"])
    except Exception as e:  # noqa: BLE001  (report, and let the next file start a fresh dumper)
        return Outcome(name, "FAIL", detail=f"DuckDB side failed: {e}")

    with open(ours_out, "wb") as out, open(err, "wb") as errf:
        try:
            code = subprocess.run([_config["lakeshare"], "parquet", "cat", str(path)], stdout=out, stderr=errf,
                                  timeout=_config["timeout"]).returncode
        except subprocess.TimeoutExpired:
            return Outcome(name, "FAIL", detail=f"lakeshare took longer than {_config['timeout']:.0f} s")
    ours_rows = _count_lines(ours_out)

    if expected is not None:
        expected_out = work / f"{stem}.expected"
        expected_out.write_text("".join(line + "\n" for line in expected))
        if code != 0:
            return Outcome(name, "FAIL", ours_rows, f"lakeshare {_exit_text(code)}: {_read_err(err)}")
        failure = _compare_files(ours_out, expected_out, None, "expected")
        if failure:
            return Outcome(name, "FAIL", ours_rows, failure[0] + " (checked against the expected rows)", failure[1])
        agrees = answer["status"] == "ok" and not _compare_files(ours_out, duck_out, types_out, "DuckDB")
        return Outcome(name, "PASS", ours_rows, "matches the expected rows" +
                       ("; DuckDB agrees now, so the KNOWN_DIFFERENCES entry can go" if agrees else ""))

    if answer["status"] == "unsupported":
        # DuckDB reads the file but cannot show a value exactly (e.g. a DECIMAL wider than 38
        # digits becomes a DOUBLE): nothing to compare against, but we must read it.
        why = f"DuckDB cannot show it exactly: {answer['message'][:200]}"
        if code != 0:
            return Outcome(name, "FAIL", ours_rows, f"lakeshare {_exit_text(code)}: {_read_err(err)}; {why}")
        return Outcome(name, "UNCHECKED", ours_rows, why)
    if answer["status"] != "ok":
        # DuckDB cannot read it: we must refuse it as well, with an error rather than a crash.
        why = f"DuckDB: {answer['status']}: {answer['message'][:200]}"
        if code == 0:
            return Outcome(name, "FAIL", ours_rows, f"we printed {ours_rows} rows; {why}")
        if code < 0:
            return Outcome(name, "FAIL", 0, f"lakeshare {_exit_text(code)}; {why}")
        return Outcome(name, "PASS", 0, f"both refuse it ({why}; ours: {_read_err(err, 200)})")
    if code != 0:
        return Outcome(name, "FAIL", ours_rows, f"lakeshare {_exit_text(code)} after {ours_rows} rows: {_read_err(err)}")
    failure = _compare_files(ours_out, duck_out, types_out, "DuckDB")
    if failure:
        return Outcome(name, "FAIL", ours_rows, failure[0], failure[1])
    failure = _check_projection(path, types_out, work / stem)
    if failure:
        return Outcome(name, "FAIL", ours_rows, failure[0], failure[1])
    return Outcome(name, "PASS", ours_rows)


PROJECTION_LIMIT = 3


def _check_projection(path: Path, types_out: Path, prefix: Path):
    """`cat --columns --limit`: every other top-level column, asked for in reverse order (the
    output keeps schema order), first rows only. None when it matches DuckDB."""
    names = [name for name, _ in json.loads(types_out.read_text())["columns"]]
    chosen = [n for i, n in enumerate(names) if i % 2 == 1]
    if not chosen or any("," in n for n in chosen):
        return None
    ours_out, duck_out, types2, err = (Path(f"{prefix}.p{x}") for x in ("ours", "duck", "types", "err"))
    answer = _get_dumper().dump(path, duck_out, types2, _config["timeout"], chosen, PROJECTION_LIMIT)
    if answer["status"] != "ok":
        return None  # the full comparison passed; DuckDB's trouble here is not ours
    arg = ",".join(reversed(chosen))
    what = f"with --columns {arg} --limit {PROJECTION_LIMIT}"
    with open(ours_out, "wb") as out, open(err, "wb") as errf:
        code = subprocess.run([_config["lakeshare"], "parquet", "cat", str(path), "--columns", arg,
                               "--limit", str(PROJECTION_LIMIT)], stdout=out, stderr=errf,
                              timeout=_config["timeout"]).returncode
    if code != 0:
        return f"{what}: lakeshare {_exit_text(code)}: {_read_err(err)}", ""
    failure = _compare_files(ours_out, duck_out, types2, "DuckDB")
    return (f"{what}: {failure[0]}", failure[1]) if failure else None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def _compare_files(ours_path: Path, ref_path: Path, types_path: Path | None, ref_name: str):
    """None when equal, else (one-line description, both full rows)."""
    columns = json.loads(types_path.read_text())["columns"] if types_path else []
    row_node = {"kind": "row", "columns": columns}
    rows = 0
    with open(ours_path, "rb") as ours_f, open(ref_path, "rb") as ref_f:
        while True:
            ours_line, ref_line = ours_f.readline(), ref_f.readline()
            if not ours_line or not ref_line:
                break
            rows += 1
            try:
                ours = parse_line(ours_line)
            except ValueError as e:
                return f"row {rows}: our output is not JSON ({e}): {ours_line[:MAX_SHOWN]!r}", ""
            try:
                compare(ours, parse_line(ref_line), row_node, "")
            except Mismatch as m:
                both = (
                    f"    ours:   {ours_line.decode(errors='replace').rstrip()[:4000]}\n"
                    f"    {ref_name + ':':<7} {ref_line.decode(errors='replace').rstrip()[:4000]}"
                )
                return f"row {rows}: {m.describe(ref_name)}", both
        if ours_line or ref_line:
            ours_total = rows + (1 if ours_line else 0) + sum(1 for _ in ours_f)
            ref_total = rows + (1 if ref_line else 0) + sum(1 for _ in ref_f)
            return f"row count: ours {ours_total}, {ref_name} {ref_total}", ""
    return None


# ---------------------------------------------------------------------------------------------


def generated_files(scratch: Path, node: str) -> list[corpus.CorpusFile]:
    """Files of tools/duckdb/make_fixtures.mjs (types, encodings and codecs the corpus lacks),
    written once into scratch/generated and rewritten when the script or DuckDB changes."""
    out = scratch / "generated"
    digest = hashlib.sha256(FIXTURE_SCRIPT.read_bytes() + (DUCKDB_PACKAGE / "package.json").read_bytes())
    stamp = digest.hexdigest() + "\n"
    with corpus.scratch_lock(scratch):
        stamp_file = out / ".stamp"
        if not (stamp_file.is_file() and stamp_file.read_text() == stamp):
            tmp = Path(tempfile.mkdtemp(prefix="generated.tmp-", dir=scratch))
            try:
                subprocess.run([node, str(FIXTURE_SCRIPT), str(tmp)], check=True, cwd=str(DUCKDB_TOOL_DIR),
                               stdout=subprocess.DEVNULL)
                (tmp / ".stamp").write_text(stamp)
                if out.exists():
                    shutil.rmtree(out)
                tmp.rename(out)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return [corpus.CorpusFile(f"generated/{p.name}", p) for p in sorted(out.glob("*.parquet"))]


def handmade_files(scratch: Path) -> list[corpus.CorpusFile]:
    """Files of handmade_parquet.py (shapes no writer at hand produces), written once into
    scratch/handmade and rewritten when the script changes."""
    out = scratch / "handmade"
    stamp = hashlib.sha256(Path(handmade.__file__).read_bytes()).hexdigest() + "\n"
    with corpus.scratch_lock(scratch):
        stamp_file = out / ".stamp"
        if not (stamp_file.is_file() and stamp_file.read_text() == stamp):
            if out.exists():
                shutil.rmtree(out)
            handmade.write_all(out)
            stamp_file.write_text(stamp)
    return [corpus.CorpusFile(f"handmade/{p.name}", p) for p in sorted(out.glob("*.parquet"))]


def known_difference(name: str) -> Known | None:
    for pattern, known in KNOWN_DIFFERENCES.items():
        if fnmatch.fnmatchcase(name, pattern):
            return known
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lakeshare", default=str(REPO_ROOT / "build" / "lakeshare"), help="lakeshare binary")
    parser.add_argument("--corpus", default=None, help=f"corpus folder (default {corpus.DEFAULT_CORPUS})")
    parser.add_argument(
        "--scratch",
        default=str(Path(tempfile.gettempdir()) / "lakeshare-corpus-scratch"),
        help="folder for unpacked archives and temporary outputs (reused between runs)",
    )
    parser.add_argument("--filter", default=None, help="only files whose corpus name contains SUBSTR")
    parser.add_argument("--jobs", type=int, default=2, help="files checked in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per file and reader (default 300)")
    parser.add_argument("--no-generated", action="store_true",
                        help="only the corpus: skip the fixtures of tools/duckdb/make_fixtures.mjs and handmade_parquet.py")
    parser.add_argument("--verbose", action="store_true", help="show both full rows at the first difference")
    args = parser.parse_args(argv)

    root = corpus.find_corpus(args.corpus)
    if root is None:
        print(f"corpus not found at {Path(args.corpus or corpus.DEFAULT_CORPUS)}: skipping", flush=True)
        return 77
    node = shutil.which("node")
    if node is None or not DUCKDB_PACKAGE.is_dir():
        missing = "node is not on PATH" if node is None else f"{DUCKDB_PACKAGE} is missing"
        print(f"DuckDB's node package is not installed ({missing}; run `npm ci` in {DUCKDB_TOOL_DIR}): skipping",
              flush=True)
        return 77
    lakeshare = Path(args.lakeshare)
    if not (lakeshare.is_file() and os.access(lakeshare, os.X_OK)):
        print(f"lakeshare binary not found at {lakeshare} (build it, or pass --lakeshare)", file=sys.stderr)
        return 2

    scratch = Path(args.scratch).resolve()
    print(f"corpus {root}; unpacking archives into {scratch} ...", flush=True)
    files = corpus.parquet_files(root, scratch)
    if not args.no_generated:
        files += generated_files(scratch, node) + handmade_files(scratch)
    if args.filter:
        files = [f for f in files if args.filter in f.name]
    if not files:
        print(f"no .parquet file matches filter {args.filter!r}", flush=True)
        return 1
    unused = [p for p in KNOWN_DIFFERENCES if not any(fnmatch.fnmatchcase(f.name, p) for f in files)]

    work = Path(tempfile.mkdtemp(prefix="parquet-conformance-", dir=scratch))
    config = {"node": node, "work": str(work), "lakeshare": str(lakeshare.resolve()), "timeout": args.timeout}
    total = len(files)
    width = len(str(total))
    counts = {"PASS": 0, "FAIL": 0, "UNCHECKED": 0, "XFAIL": 0, "XPASS": 0}
    refused = 0
    failures: list[str] = []
    started = time.monotonic()
    print(f"comparing {total} files: lakeshare {lakeshare} vs DuckDB ({args.jobs} jobs)", flush=True)
    try:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=max(1, args.jobs), initializer=_init_worker, initargs=(config,)
        ) as pool:
            futures = []
            for f in files:
                known = known_difference(f.name)
                expected = None
                if known is not None and known.expected is not None:
                    expected = [json.dumps(row, ensure_ascii=False) for row in known.expected]
                futures.append(pool.submit(check_file, f.name, str(f.path), expected))
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                o = future.result()
                known = known_difference(o.name)
                reason = known.reason if known else None
                status = o.status
                if known is not None and known.expected is None and o.status != "UNCHECKED":
                    status = "XFAIL" if o.status == "FAIL" else "XPASS"
                if known is not None and known.expected is not None and "DuckDB agrees now" in o.detail:
                    status = "XPASS"
                counts[status] += 1
                if status == "PASS" and o.detail.startswith("both refuse"):
                    refused += 1
                rows = f"{o.rows} rows" if o.rows != 1 else "1 row"
                line = f"[{done:>{width}}/{total}] {status:<5} {o.name} ({rows}, {o.seconds:.1f} s)"
                if o.detail and (status != "PASS" or args.verbose or o.detail.startswith("both refuse")
                                 or known is not None):
                    line += f"\n        {o.detail}"
                if known is not None and known.expected is not None and status != "XPASS":
                    line += f"\n        (not compared with DuckDB: {reason})"
                if status == "XFAIL":
                    line += f"\n        known difference: {reason}"
                if status == "XPASS":
                    line += "\n        listed in KNOWN_DIFFERENCES but DuckDB agrees now: remove the entry"
                if status == "FAIL" and args.verbose and o.verbose:
                    line += "\n" + o.verbose
                print(line, flush=True)
                if status == "FAIL":
                    failures.append(f"  {o.name}\n      {o.detail}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    print(
        f"\nsummary: {total} files in {elapsed:.0f} s: {counts['PASS']} passed"
        f" ({refused} refused by both readers), {counts['FAIL']} failed, {counts['UNCHECKED']} unchecked,"
        f" {counts['XFAIL']} known differences, {counts['XPASS']} known differences now passing",
        flush=True,
    )
    for p in unused:
        if not args.filter:
            print(f"note: KNOWN_DIFFERENCES entry {p!r} matches no file", flush=True)
    if failures:
        print("failed files:\n" + "\n".join(failures), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
