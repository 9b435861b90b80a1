#!/usr/bin/env python3
"""Independent Delta log replay for the delta conformance test (src/delta/delta_conformance_test.cc).

For every table of the shared corpus (archives unpacked once into --scratch by corpus.py) and every
version from 0 to the latest, this computes the active files with an algorithm deliberately unlike
src/delta's: it replays *backwards* (newest commit first, then the checkpoint), keeping the first
reference it meets for each logical file (path, deletion-vector id), as the Delta protocol's
"Action Reconciliation" describes ("keep only the newest reference for each logical file"). JSON
commits are parsed with Python's json module; Parquet checkpoints and sidecars are read by DuckDB
(tools/duckdb, one node process per table); log compaction files are never used.

For the latest version it also counts the table's rows: DuckDB's count(*) over the active data
files minus the deletion vectors' cardinality, when every data file is present.

Output (stdout): one JSON object {"tables": [{"name", "path", "latest", "error"?, "versions":
{"<v>": {"files": [[path, dv_id, size, num_records|null, dv_cardinality]], "protocol": {...},
"schema": "...", "partitions": [...], "cdf": bool, "changes": [[type, path]]} |
{"error": "..."}}, "rows": N|null, "rows_note": "..."}]}.
Exit 77 when the corpus or DuckDB is absent (the test then skips with that message on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (the conformance suite's corpus helper)

REPO = Path(__file__).resolve().parents[2]
DUCKDB_SCRIPT = Path(__file__).resolve().parent / "delta_duckdb.mjs"
COMMIT_RE = re.compile(r"^(\d{20})\.json$")
CLASSIC_RE = re.compile(r"^(\d{20})\.checkpoint\.parquet$")
MULTI_RE = re.compile(r"^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$")
UUID_RE = re.compile(r"^(\d{20})\.checkpoint\.[0-9a-fA-F-]+\.(json|parquet)$")


def dv_id(dv) -> str:
    if not dv:
        return ""
    out = dv["storageType"] + dv["pathOrInlineDv"]
    if dv.get("offset") is not None:
        out += "@" + str(dv["offset"])
    return out


class DuckDB:
    """Runs SQL through tools/duckdb in one node process per batch."""

    def __init__(self):
        self.available = (REPO / "tools/duckdb/node_modules/@duckdb/node-api").is_dir()

    def query(self, statements: list[str]) -> list[list]:
        if not statements:
            return []
        proc = subprocess.run(
            ["node", str(DUCKDB_SCRIPT)],
            input=json.dumps(statements),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"duckdb failed: {proc.stderr.strip()[:500]}")
        return json.loads(proc.stdout)


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class Table:
    def __init__(self, path: Path, duck: DuckDB):
        self.path = path
        self.log = path / "_delta_log"
        self.duck = duck
        self.commits: dict[int, Path] = {}
        self.checkpoints: dict[int, list[tuple[str, list[Path]]]] = {}  # v -> [(kind, files)]
        multi: dict[int, dict[int, dict[int, Path]]] = {}
        for p in sorted(self.log.iterdir()):
            n = p.name
            if m := COMMIT_RE.match(n):
                self.commits[int(m.group(1))] = p
            elif m := CLASSIC_RE.match(n):
                self.checkpoints.setdefault(int(m.group(1)), []).append(("classic", [p]))
            elif m := MULTI_RE.match(n):
                multi.setdefault(int(m.group(1)), {}).setdefault(int(m.group(3)), {})[int(m.group(2))] = p
            elif m := UUID_RE.match(n):
                self.checkpoints.setdefault(int(m.group(1)), []).append(("uuid-" + m.group(2), [p]))
        for v, by_count in multi.items():
            for count, parts in by_count.items():
                if sorted(parts) == list(range(1, count + 1)):
                    self.checkpoints.setdefault(v, []).append(
                        ("multi", [parts[i] for i in sorted(parts)]))
        self._commit_cache: dict[int, list[dict]] = {}
        self._parquet_rows: dict[Path, list[dict]] = {}

    def latest(self) -> int:
        return max(list(self.commits) + list(self.checkpoints) + [-1])

    def commit_actions(self, v: int) -> list[dict]:
        if v not in self._commit_cache:
            actions = []
            with open(self.commits[v], encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        actions.append(json.loads(line))
            self._commit_cache[v] = actions
        return self._commit_cache[v]

    def prefetch_parquet(self):
        """Read every checkpoint and sidecar Parquet file of the table in one DuckDB run."""
        files = []
        for cands in self.checkpoints.values():
            for kind, paths in cands:
                files += [p for p in paths if p.suffix == ".parquet"]
        sidecars = self.log / "_sidecars"
        if sidecars.is_dir():
            files += sorted(sidecars.glob("*.parquet"))
        files = [f for f in files if f not in self._parquet_rows]
        if not files:
            return
        results = self.duck.query(
            [f"SELECT to_json(t) FROM read_parquet({sql_str(str(f))}) t" for f in files])
        for f, rows in zip(files, results):
            if isinstance(rows, dict) and "error" in rows:
                self._parquet_rows[f] = rows  # unreadable checkpoint
            else:
                self._parquet_rows[f] = [json.loads(r[0]) for r in rows]

    def parquet_rows(self, f: Path):
        if f not in self._parquet_rows:
            self.prefetch_parquet()
        rows = self._parquet_rows.get(f)
        if rows is None:
            raise FileNotFoundError(str(f))
        if isinstance(rows, dict):
            raise RuntimeError(rows["error"])
        return rows

    def checkpoint_actions(self, kind: str, paths: list[Path]) -> list[dict]:
        rows = []
        for p in paths:
            if p.suffix == ".json":
                with open(p, encoding="utf-8") as f:
                    rows += [json.loads(l) for l in f if l.strip()]
            else:
                rows += self.parquet_rows(p)
        out = []
        for r in rows:
            for key in ("add", "metaData", "protocol"):
                if r.get(key) is not None:
                    out.append({key: r[key]})
            sc = r.get("sidecar")
            if sc is not None:
                name = unquote(sc["path"]).rsplit("/", 1)[-1]
                for sr in self.parquet_rows(self.log / "_sidecars" / name):
                    if sr.get("add") is not None:
                        out.append({"add": sr["add"]})
        return out

    def replay(self, v: int) -> dict:
        """Backward replay of version v."""
        cands = sorted((cv for cv in self.checkpoints if cv <= v), reverse=True)
        cp = None
        for cv in cands:
            for kind, paths in self.checkpoints[cv]:
                try:
                    cp = (cv, self.checkpoint_actions(kind, paths))
                    break
                except Exception:  # unreadable: try the next candidate
                    continue
            if cp:
                # Its commits must exist; otherwise try an older checkpoint.
                if all(c in self.commits for c in range(cv + 1, v + 1)):
                    break
                cp = None
        start = cp[0] + 1 if cp else 0
        missing = [c for c in range(start, v + 1) if c not in self.commits]
        if missing:
            return {"error": f"missing commit {missing[0]}"}
        seen: set = set()
        files: dict = {}
        protocol = metadata = None

        def visit(action: dict, in_checkpoint: bool):
            nonlocal protocol, metadata
            if "protocol" in action and action["protocol"] is not None and protocol is None:
                protocol = action["protocol"]
            if "metaData" in action and action["metaData"] is not None and metadata is None:
                metadata = action["metaData"]
            for kind in ("add", "remove"):
                a = action.get(kind)
                if a is None:
                    continue
                if in_checkpoint and kind == "remove":
                    continue  # tombstones only
                key = (a["path"], dv_id(a.get("deletionVector")))
                if key in seen:
                    continue
                seen.add(key)
                if kind == "add":
                    files[key] = a

        for c in range(v, start - 1, -1):
            for action in self.commit_actions(c):
                visit(action, False)
        if cp:
            for action in cp[1]:
                visit(action, True)
        if protocol is None or metadata is None:
            return {"error": "no protocol or metaData"}
        out_files = []
        for (path, dvid), a in sorted(files.items()):
            num_records = None
            stats = a.get("stats")
            if isinstance(stats, str):
                try:
                    num_records = json.loads(stats).get("numRecords")
                except ValueError:
                    pass
            elif isinstance(a.get("stats_parsed"), dict):
                num_records = a["stats_parsed"].get("numRecords")
            card = (a.get("deletionVector") or {}).get("cardinality", 0) or 0
            out_files.append([path, dvid, a.get("size"), num_records, card])
        config = metadata.get("configuration") or {}
        out = {"files": out_files, "protocol": protocol,
               "schema": metadata.get("schemaString"),
               "partitions": metadata.get("partitionColumns") or [],
               "cdf": str(config.get("delta.enableChangeDataFeed", "")).lower() == "true"}
        if v in self.commits:
            out["changes"] = self.changes(v)
        return out

    def changes(self, v: int) -> list:
        """The change feed rule for one commit: its cdc files if any, else data-changing
        add/remove actions."""
        actions = self.commit_actions(v)
        cdc = [["cdc", a["cdc"]["path"]] for a in actions if a.get("cdc")]
        if cdc:
            return cdc
        out = []
        for a in actions:
            for kind in ("add", "remove"):
                x = a.get(kind)
                if x and x.get("dataChange", False):
                    out.append([kind, x["path"]])
        return out

    def data_path(self, path: str) -> Path | None:
        if "://" in path or path.startswith("/"):
            return None
        return self.path / unquote(path)

    def row_count(self, version: dict):
        files = version.get("files") or []
        if not files:
            return 0, "empty"
        paths = [self.data_path(f[0]) for f in files]
        if any(p is None or not p.is_file() for p in paths):
            return None, "data files absent"
        if len(paths) > 2000:
            return None, "too many files"
        listing = ",".join(sql_str(str(p)) for p in paths)
        res = self.duck.query([f"SELECT count(*) FROM read_parquet([{listing}])"])[0]
        if isinstance(res, dict):
            return None, "duckdb: " + res["error"][:200]
        return int(res[0][0]) - sum(f[4] for f in files), "duckdb count(*) - dv cardinality"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--only", default=None, help="substring of table names to include")
    args = ap.parse_args()
    root = corpus.find_corpus(args.corpus)
    if root is None:
        print(f"corpus not found ({args.corpus or corpus.DEFAULT_CORPUS})", file=sys.stderr)
        return 77
    duck = DuckDB()
    if not duck.available:
        print("DuckDB (tools/duckdb/node_modules) not installed; run make deps", file=sys.stderr)
        return 77
    out = []
    for t in corpus.delta_tables(root, Path(args.scratch)):
        if args.only and args.only not in t.name:
            continue
        table = Table(t.path, duck)
        entry = {"name": t.name, "path": str(t.path), "latest": table.latest(), "versions": {}}
        if entry["latest"] < 0:
            entry["error"] = "no commits or checkpoints"
            out.append(entry)
            continue
        try:
            table.prefetch_parquet()
            for v in range(0, entry["latest"] + 1):
                entry["versions"][str(v)] = table.replay(v)
            latest = entry["versions"][str(entry["latest"])]
            if "files" in latest:
                entry["rows"], entry["rows_note"] = table.row_count(latest)
        except Exception as e:  # a replay bug must show, not vanish
            entry["error"] = f"replay failed: {type(e).__name__}: {e}"
        out.append(entry)
        print(f"replayed {t.name}", file=sys.stderr)
    json.dump({"tables": out}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
