#!/usr/bin/env python3
"""Parquet writer round trip: files rewritten by Lakeshare's writer, read back by us and by DuckDB.

For each source file S and writer configuration C (codec, dictionary on/off, data page v1/v2, page
size) this produces OUT in one of two ways:

    copy:   lakeshare parquet copy S OUT C                      (column by column)
    write:  lakeshare parquet cat S | lakeshare parquet write --schema-from S OUT C
                                                                (JSON rows shredded back)

and checks two things:

  1. `lakeshare parquet cat OUT` equals `lakeshare parquet cat S`, byte for byte;
  2. DuckDB's reading of OUT (tools/duckdb/parquet_dump.mjs, an independent reader) equals
     `lakeshare parquet cat OUT`, compared exactly as parquet_conformance.py compares (its parse
     and compare functions are imported, so the normalizations are the same and no others).

Sources: every .parquet file of the shared corpus (archives included) -- each is copied under one
configuration, rotating over the list, and every third one is also written back from its JSON
rows --; the DuckDB-written fixtures of tools/duckdb/make_fixtures.mjs (types the corpus lacks);
and files made by the writer itself (`parquet gen-types`: every type and nesting, nulls and empty
containers at every level; `parquet gen-checkpoint`: a Delta checkpoint), which go through every
configuration both ways and are checked against DuckDB as written, too. --all-configs puts every
source through every configuration.

A source we refuse to read (an unsupported codec) passes when the copy is refused as well. When
DuckDB cannot read OUT, the job passes only if DuckDB cannot read S either. A corpus file listed in
parquet_conformance.KNOWN_DIFFERENCES (a known reader difference between DuckDB and us) that fails
check 2 while passing check 1 is reported as XFAIL.

Exit status: 0 all passed, 1 some job failed, 2 bad setup (no lakeshare binary), 77 skipped (the
corpus folder or DuckDB's node package is absent; ctest's SKIP_RETURN_CODE).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (beside this script)
import parquet_conformance as pc  # noqa: E402  (the comparison rules and the DuckDB dumper)

REPO_ROOT = Path(__file__).resolve().parents[2]

# Writer configurations: a name and the flags of `parquet copy` / `parquet write`.
CONFIGS: list[tuple[str, list[str]]] = [
    ("snappy-dict-v1", []),
    ("zstd-dict-v2", ["--compression", "zstd", "--page-version", "2"]),
    ("gzip-plain-v1", ["--compression", "gzip", "--no-dictionary"]),
    ("none-plain-v2", ["--compression", "none", "--no-dictionary", "--page-version", "2"]),
    ("lz4raw-dict-v1-4k", ["--compression", "lz4_raw", "--page-size", "4096"]),
    ("snappy-plain-v2-1k", ["--no-dictionary", "--page-version", "2", "--page-size", "1024"]),
]

# Sources larger than this are only copied: JSON rows of big files cost more than they add.
MAX_WRITE_BYTES = 8 << 20


@dataclasses.dataclass
class Job:
    mode: str  # "copy", "write", or "as-written" (the source itself against DuckDB)
    config: str
    flags: list[str]


@dataclasses.dataclass
class Source:
    name: str
    path: str
    jobs: list[Job]


@dataclasses.dataclass
class Outcome:
    name: str
    mode: str
    config: str
    status: str  # PASS, FAIL, XFAIL
    rows: int = 0
    detail: str = ""
    seconds: float = 0.0


_config: dict = {}
_dumper: "pc.Dumper | None" = None


def _init_worker(config: dict) -> None:
    _config.update(config)


def _get_dumper() -> "pc.Dumper":
    global _dumper
    if _dumper is None or not _dumper.alive():
        _dumper = pc.Dumper(_config["node"], Path(_config["work"]))
    return _dumper


def _run(cmd: list[str], stdin=None, stdout=None) -> tuple[int, str]:
    """Run a command with the per-step timeout; (exit code, stderr text)."""
    try:
        proc = subprocess.run(cmd, stdin=stdin, stdout=stdout if stdout is not None else subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=_config["timeout"])
    except subprocess.TimeoutExpired:
        return -999, f"timed out after {_config['timeout']:.0f} s"
    err = proc.stderr.decode(errors="replace").strip().replace("\n", " | ")
    return proc.returncode, err[:400]


def _exit_text(code: int) -> str:
    return "timed out" if code == -999 else f"killed by signal {-code}" if code < 0 else f"exit {code}"


def _cat(path: Path, out: Path) -> tuple[int, str]:
    with open(out, "wb") as f:
        return _run([_config["lakeshare"], "parquet", "cat", str(path)], stdout=f)


def _first_difference(a: Path, b: Path) -> str:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        row = 0
        while True:
            la, lb = fa.readline(), fb.readline()
            row += 1
            if la != lb:
                show = lambda x: x.decode(errors="replace").rstrip()[:300] or "<end of output>"  # noqa: E731
                return f"row {row}: original {show(la)} vs copy {show(lb)}"
            if not la:
                return "identical"


def _duckdb_vs_cat(out: Path, cat_out: Path, stem: str) -> tuple[str, int, str]:
    """Compare DuckDB's reading of `out` with our cat of it: (status, rows, detail), status one
    of ok / mismatch / unreadable."""
    work = Path(_config["work"])
    duck_out, types_out = work / f"{stem}.duck.jsonl", work / f"{stem}.types"
    answer = _get_dumper().dump(out, duck_out, types_out, _config["timeout"])
    if answer["status"] != "ok":
        return "unreadable", 0, f"DuckDB: {answer['status']}: {answer['message'][:300]}"
    types = json.loads(types_out.read_text())
    row_node = {"kind": "row", "columns": types["columns"]}
    rows = 0
    with open(cat_out, "rb") as ours, open(duck_out, "rb") as duck:
        for ours_line, duck_line in zip(ours, duck):
            rows += 1
            try:
                pc.compare(pc.parse_line(ours_line), pc.parse_line(duck_line), row_node, "")
            except pc.Mismatch as m:
                return "mismatch", rows, f"row {rows}: {m.describe().replace('vs DuckDB', 'vs DuckDB of the copy')}"
            except ValueError as e:
                return "mismatch", rows, f"row {rows}: not JSON: {e}"
    ours_total = sum(1 for _ in open(cat_out, "rb"))
    if ours_total != answer["rows"]:
        return "mismatch", rows, f"row count: ours {ours_total}, DuckDB {answer['rows']}"
    return "ok", rows, ""


def run_source(src: Source) -> list[Outcome]:
    work = Path(_config["work"])
    stem = f"w{os.getpid()}"
    orig_cat = work / f"{stem}.orig.jsonl"
    outcomes = []
    code, err = _cat(Path(src.path), orig_cat)
    for job in src.jobs:
        start = time.monotonic()
        o = Outcome(src.name, job.mode, job.config, "FAIL")
        try:
            _run_job(src, job, o, orig_cat, code == 0, err, stem)
        except Exception as e:  # noqa: BLE001  (one job's trouble is that job's FAIL)
            o.status, o.detail = "FAIL", f"harness error: {type(e).__name__}: {e}"
        o.seconds = time.monotonic() - start
        outcomes.append(o)
    return outcomes


_duck_reads_cache: dict[str, bool] = {}


def duck_reads(src: Source) -> bool:
    """Whether DuckDB can read the source itself (asked once per source and worker)."""
    if src.path not in _duck_reads_cache:
        work = Path(_config["work"])
        stem = f"w{os.getpid()}.src"
        answer = _get_dumper().dump(Path(src.path), work / f"{stem}.jsonl", work / f"{stem}.types", _config["timeout"])
        _duck_reads_cache[src.path] = answer["status"] == "ok"
    return _duck_reads_cache[src.path]


def _run_job(src: Source, job: Job, o: Outcome, orig_cat: Path, source_readable: bool, source_err: str,
             stem: str) -> None:
    global _job_counter
    work = Path(_config["work"])
    lakeshare = _config["lakeshare"]
    # A fresh name per job: DuckDB may keep metadata of a file it read under the same name.
    _job_counter += 1
    out = work / f"{stem}.{_job_counter}.out.parquet"
    copy_cat = work / f"{stem}.copy.jsonl"
    try:
        _run_job_at(src, job, o, orig_cat, source_readable, source_err, stem, out, copy_cat)
    finally:
        out.unlink(missing_ok=True)


_job_counter = 0


def _run_job_at(src: Source, job: Job, o: Outcome, orig_cat: Path, source_readable: bool, source_err: str,
                stem: str, out: Path, copy_cat: Path) -> None:
    lakeshare = _config["lakeshare"]
    if job.mode == "as-written":
        out, copy_cat = Path(src.path), orig_cat
    elif job.mode == "copy":
        code, err = _run([lakeshare, "parquet", "copy", src.path, str(out), *job.flags])
        if not source_readable:
            if code == 0:
                o.detail = f"we refuse to read the source ({source_err}) but copied it"
            elif code < 0 or code == -999:
                o.detail = f"copy {_exit_text(code)}"
            else:
                o.status, o.detail = "PASS", f"source refused, copy refused too ({err[:150]})"
            return
        if code != 0:
            o.detail = f"copy {_exit_text(code)}: {err}"
            return
    else:  # write
        if not source_readable:
            o.status, o.detail = "PASS", "source refused by `parquet cat`: nothing to write"
            return
        with open(orig_cat, "rb") as rows:
            code, err = _run([lakeshare, "parquet", "write", "--schema-from", src.path, str(out), *job.flags],
                             stdin=rows)
        if code != 0:
            o.detail = f"write {_exit_text(code)}: {err}"
            return
    if job.mode != "as-written":
        code, err = _cat(out, copy_cat)
        if code != 0:
            o.detail = f"cat of the copy {_exit_text(code)}: {err}"
            return
        if not _same_file(orig_cat, copy_cat):
            o.detail = f"cat differs: {_first_difference(orig_cat, copy_cat)}"
            return
    o.rows = sum(1 for _ in open(copy_cat, "rb"))
    status, rows, detail = _duckdb_vs_cat(out, copy_cat, stem)
    if status == "ok":
        o.status = "PASS"
        return
    if status == "unreadable":
        if job.mode != "as-written" and not duck_reads(src):
            o.status, o.detail = "PASS", f"DuckDB cannot read the source either ({detail[:150]})"
        else:
            o.detail = detail
        return
    o.detail = detail
    reason = pc.known_difference(src.name)
    if reason is not None:
        o.status, o.detail = "XFAIL", f"{detail}\n        known reader difference: {reason}"


def _same_file(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def writer_sources(lakeshare: str, folder: Path) -> list[Source]:
    """Files written by the writer itself: they are checked as written, then copied and written
    back under every configuration."""
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        ("writer/types.parquet", ["gen-types", "--rows", "2000"]),
        ("writer/types-zstd-v2.parquet", ["gen-types", "--rows", "700", "--compression", "zstd",
                                          "--page-version", "2", "--page-size", "2048"]),
        ("writer/checkpoint.parquet", ["gen-checkpoint", "--rows", "5000", "--partition-columns", "3"]),
    ]
    sources = []
    for name, args in made:
        path = folder / Path(name).name
        cmd = [lakeshare, "parquet", args[0], str(path), *args[1:]]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace').strip()}")
        jobs = [Job("as-written", "as-written", [])]
        for cname, flags in CONFIGS:
            jobs.append(Job("copy", cname, flags))
            jobs.append(Job("write", cname, flags))
        sources.append(Source(name, str(path), jobs))
    return sources


def plan(files: list[corpus.CorpusFile], all_configs: bool) -> list[Source]:
    sources = []
    for i, f in enumerate(files):
        if all_configs:
            jobs = [Job("copy", n, fl) for n, fl in CONFIGS]
            if f.path.stat().st_size <= MAX_WRITE_BYTES:
                jobs += [Job("write", n, fl) for n, fl in CONFIGS]
        else:
            name, flags = CONFIGS[i % len(CONFIGS)]
            jobs = [Job("copy", name, flags)]
            if i % 3 == 0 and f.path.stat().st_size <= MAX_WRITE_BYTES:
                wname, wflags = CONFIGS[(i + 1) % len(CONFIGS)]
                jobs.append(Job("write", wname, wflags))
        sources.append(Source(f.name, str(f.path), jobs))
    return sources


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lakeshare", default=str(REPO_ROOT / "build" / "lakeshare"), help="lakeshare binary")
    parser.add_argument("--corpus", default=None, help=f"corpus folder (default {corpus.DEFAULT_CORPUS})")
    parser.add_argument("--scratch", default=str(Path(tempfile.gettempdir()) / "lakeshare-corpus-scratch"),
                        help="folder for unpacked archives, fixtures and temporary outputs (reused)")
    parser.add_argument("--filter", default=None, help="only sources whose name contains SUBSTR")
    parser.add_argument("--jobs", type=int, default=2, help="sources checked in parallel (default 2)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per step (default 300)")
    parser.add_argument("--all-configs", action="store_true", help="every source through every configuration")
    parser.add_argument("--no-generated", action="store_true", help="skip the DuckDB-written fixtures")
    args = parser.parse_args(argv)

    root = corpus.find_corpus(args.corpus)
    if root is None:
        print(f"corpus not found at {Path(args.corpus or corpus.DEFAULT_CORPUS)}: skipping", flush=True)
        return 77
    node = shutil.which("node")
    if node is None or not pc.DUCKDB_PACKAGE.is_dir():
        missing = "node is not on PATH" if node is None else f"{pc.DUCKDB_PACKAGE} is missing"
        print(f"DuckDB's node package is not installed ({missing}; run `npm ci` in {pc.DUCKDB_TOOL_DIR}): "
              "skipping", flush=True)
        return 77
    lakeshare = Path(args.lakeshare)
    if not (lakeshare.is_file() and os.access(lakeshare, os.X_OK)):
        print(f"lakeshare binary not found at {lakeshare} (build it, or pass --lakeshare)", file=sys.stderr)
        return 2
    lakeshare_path = str(lakeshare.resolve())

    scratch = Path(args.scratch).resolve()
    print(f"corpus {root}; unpacking archives into {scratch} ...", flush=True)
    files = corpus.parquet_files(root, scratch)
    if not args.no_generated:
        files += pc.generated_files(scratch, node)
    work = Path(tempfile.mkdtemp(prefix="parquet-roundtrip-", dir=scratch))
    try:
        sources = writer_sources(lakeshare_path, work / "writer") + plan(files, args.all_configs)
        if args.filter:
            sources = [s for s in sources if args.filter in s.name]
        if not sources:
            print(f"no source matches filter {args.filter!r}", flush=True)
            return 1
        total = sum(len(s.jobs) for s in sources)
        width = len(str(total))
        counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0}
        failures: list[str] = []
        config = {"node": node, "work": str(work), "lakeshare": lakeshare_path, "timeout": args.timeout}
        started = time.monotonic()
        print(f"{total} round trips over {len(sources)} sources with {lakeshare} ({args.jobs} jobs)", flush=True)
        done = 0
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs), initializer=_init_worker,
                                                    initargs=(config,)) as pool:
            # Big sources first, so a long one does not start last.
            order = sorted(sources, key=lambda s: -Path(s.path).stat().st_size)
            futures = [pool.submit(run_source, s) for s in order]
            for future in concurrent.futures.as_completed(futures):
                for o in future.result():
                    done += 1
                    counts[o.status] += 1
                    rows = f"{o.rows} rows" if o.rows != 1 else "1 row"
                    line = f"[{done:>{width}}/{total}] {o.status:<5} {o.name} [{o.mode} {o.config}] ({rows}, {o.seconds:.1f} s)"
                    if o.detail and (o.status != "PASS" or "refuse" in o.detail or "cannot read" in o.detail):
                        line += f"\n        {o.detail}"
                    print(line, flush=True)
                    if o.status == "FAIL":
                        failures.append(f"  {o.name} [{o.mode} {o.config}]\n      {o.detail}")
        elapsed = time.monotonic() - started
        print(f"\nsummary: {total} round trips in {elapsed:.0f} s: {counts['PASS']} passed, {counts['FAIL']} failed, "
              f"{counts['XFAIL']} known reader differences", flush=True)
        if failures:
            print("failed round trips:\n" + "\n".join(failures), flush=True)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
