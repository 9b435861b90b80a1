"""Shared pieces of the end-to-end tests: a Delta table writer, the server under test, a small
protocol client.

DeltaTableWriter writes Delta tables the way a Delta writer would (JSON commits in _delta_log,
Parquet data files from mini_parquet, per-file statistics, change data files), with commit times
set through the commit files' modification times, so tests know every expected answer.

Server starts `lakeshare serve --config <generated yaml> --listen 127.0.0.1:0`, reads the
"listening on <url>" line and stops the process by its pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

try:
    import requests
except ImportError:  # pragma: no cover
    print("SKIP: python3 `requests` is not installed")
    sys.exit(77)  # SKIP: every e2e script imports this module first

from mini_parquet import write_parquet
from platform_harness import await_listening

SKIP = 77


class DeltaTableWriter:
    """Writes one Delta table. `columns` = [(name, spark_type, nullable)]; spark types long,
    integer, double, boolean, string (and date/timestamp/string for partition columns only)."""

    def __init__(self, root: Path, columns, partition_columns=(), configuration=None,
                 table_id=None, reader_version=1, writer_version=2):
        self.root = Path(root)
        self.columns = list(columns)
        self.partition_columns = list(partition_columns)
        self.configuration = dict(configuration or {})
        self.table_id = table_id or str(uuid.uuid4())
        self.version = -1
        self.reader_version = reader_version
        self.writer_version = writer_version
        (self.root / "_delta_log").mkdir(parents=True, exist_ok=True)

    def schema_string(self, extra_fields=()):
        fields = [{"name": n, "type": t, "nullable": nullable, "metadata": {}}
                  for n, t, nullable in list(self.columns) + list(extra_fields)]
        return json.dumps({"type": "struct", "fields": fields}, separators=(",", ":"))

    def metadata_action(self, description=None, extra_fields=()):
        md = {"id": self.table_id, "format": {"provider": "parquet", "options": {}},
              "schemaString": self.schema_string(extra_fields),
              "partitionColumns": self.partition_columns,
              "configuration": self.configuration, "createdTime": 1672531200000}
        if description:
            md["description"] = description
        return {"metaData": md}

    def protocol_action(self):
        return {"protocol": {"minReaderVersion": self.reader_version,
                             "minWriterVersion": self.writer_version}}

    def _data_columns(self):
        return [c for c in self.columns if c[0] not in self.partition_columns]

    def _write_file(self, folder: str, rows, partition_values):
        pv = dict(partition_values or {})
        dirs = []
        for col in self.partition_columns:
            v = pv.get(col)
            dirs.append(f"{col}={'__HIVE_DEFAULT_PARTITION__' if v is None else v}")
        rel = "/".join(([folder] if folder else []) + dirs + [f"part-{uuid.uuid4()}.parquet"])
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        kinds = {"long": "long", "integer": "integer", "double": "double", "boolean": "boolean",
                 "string": "string"}
        cols = [(n, kinds[t], nullable) for n, t, nullable in self._data_columns()]
        extra = [k for k in (rows[0].keys() if rows else []) if k == "_change_type"]
        cols += [(k, "string", False) for k in extra]
        size = write_parquet(path, cols, rows)
        return rel, size

    def _stats(self, rows):
        stats = {"numRecords": len(rows), "minValues": {}, "maxValues": {}, "nullCount": {}}
        for name, kind, _ in self._data_columns():
            values = [r.get(name) for r in rows]
            present = [v for v in values if v is not None]
            stats["nullCount"][name] = len(values) - len(present)
            if present and kind in ("long", "integer", "double", "string"):
                stats["minValues"][name] = min(present)
                stats["maxValues"][name] = max(present)
        return json.dumps(stats, separators=(",", ":"))

    def add(self, rows, partition_values=None, data_change=True, stats=True):
        """Write a data file; return its add action (not committed yet)."""
        rel, size = self._write_file("", rows, partition_values)
        action = {"path": _encode_path(rel),
                  "partitionValues": {c: (partition_values or {}).get(c)
                                      for c in self.partition_columns},
                  "size": size, "modificationTime": 1672531200000, "dataChange": data_change}
        if stats:
            action["stats"] = self._stats(rows)
        return {"add": action}

    @staticmethod
    def remove(add_action, data_change=True):
        a = add_action["add"]
        return {"remove": {"path": a["path"], "partitionValues": a["partitionValues"],
                           "size": a["size"], "deletionTimestamp": 1672531200000,
                           "dataChange": data_change}}

    def cdc(self, rows, partition_values=None):
        """A change data file: `rows` carry _change_type."""
        rel, size = self._write_file("_change_data", rows, partition_values)
        return {"cdc": {"path": _encode_path(rel),
                        "partitionValues": {c: (partition_values or {}).get(c)
                                            for c in self.partition_columns},
                        "size": size, "dataChange": False}}

    def commit(self, actions, timestamp_ms: int, with_header=False, operation="WRITE"):
        """Write the next commit; its time is the commit file's modification time."""
        self.version += 1
        lines = [{"commitInfo": {"timestamp": timestamp_ms, "operation": operation}}]
        if with_header or self.version == 0:
            lines += [self.protocol_action(), self.metadata_action()]
        lines += actions
        path = self.root / "_delta_log" / f"{self.version:020d}.json"
        path.write_text("".join(json.dumps(l, separators=(",", ":")) + "\n" for l in lines))
        os.utime(path, (timestamp_ms / 1000, timestamp_ms / 1000))
        return self.version


def _encode_path(rel: str) -> str:
    from urllib.parse import quote
    return quote(rel, safe="/=")


class Server:
    """`lakeshare serve` on a free loopback port, for the duration of a `with` block."""

    def __init__(self, lakeshare: str, config: str, workdir: Path, env: dict | None = None,
                 args: tuple = ()):
        self.lakeshare = lakeshare
        self.env = env
        self.args = list(args)  # more `serve` flags
        self.config_text = config
        self.workdir = Path(workdir)
        self.proc = None
        self.base = None
        self.endpoint = None

    def __enter__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        fd, cfg = tempfile.mkstemp(suffix=".yaml", dir=self.workdir)
        with os.fdopen(fd, "w") as f:
            f.write(self.config_text)
        self.log = open(self.workdir / f"server-{os.getpid()}-{time.time_ns()}.log", "w")
        self.proc = subprocess.Popen(
            [self.lakeshare, "serve", "--config", cfg, "--listen", "127.0.0.1:0", *self.args],
            stdout=subprocess.PIPE, stderr=self.log, text=True,
            env={**os.environ, **(self.env or {})})
        self.endpoint, _ = await_listening(self.proc, self.log)
        self.base = self.endpoint[: self.endpoint.index("/", len("http://"))]
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        return False


class Client:
    """A protocol client that checks what the official clients rely on in every answer."""

    def __init__(self, endpoint: str, token: str | None):
        self.endpoint = endpoint.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kw):
        return self.session.get(self.endpoint + path, timeout=60, **kw)

    def post(self, path, body=None, **kw):
        data = body if isinstance(body, (str, bytes)) else json.dumps({} if body is None else body)
        return self.session.post(self.endpoint + path, data=data, timeout=60,
                                 headers={"Content-Type": "application/json", **kw.pop("headers", {})},
                                 **kw)

    def head(self, path, **kw):
        return self.session.head(self.endpoint + path, timeout=60, **kw)


def ndjson(response) -> list[dict]:
    """Parse an NDJSON body strictly: every line one JSON object with exactly one key, no blank
    lines (the Python connector parses every line after the second as an action)."""
    text = response.text
    assert text.endswith("\n"), "NDJSON body must end with a newline"
    lines = text[:-1].split("\n")
    out = []
    for line in lines:
        assert line.strip(), "blank line in NDJSON"
        obj = json.loads(line)
        assert isinstance(obj, dict) and len(obj) == 1, f"line is not a one-key wrapper: {line[:200]}"
        out.append(obj)
    return out


def parquet_rows(lakeshare: str, data: bytes, scratch: Path) -> list[dict]:
    """Rows of a Parquet file given as bytes, read by `lakeshare parquet cat`."""
    scratch.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(suffix=".parquet", dir=scratch)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        out = subprocess.run([lakeshare, "parquet", "cat", path], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return [json.loads(l) for l in out.splitlines() if l.strip()]
