"""Pieces shared by the platform end-to-end tests (issue 5): `lakeshare serve --data-dir` on a
free loopback port, a throwaway PostgreSQL 15 server, and a small management-API client.

PlatformServer starts `lakeshare serve --data-dir DIR --listen 127.0.0.1:0 [--metastore URL]` with
LAKESHARE_ADMIN_TOKEN set (and LAKESHARE_SIGNING_KEY only when given: by default replicas take the
signing key from their shared metastore), waits for the "listening on <url>" line, and
stops the process with SIGTERM (a graceful stop, which must lose no audit event).

Postgres runs initdb into a temp dir and starts the server on 127.0.0.1 and a free port (as the
`postgres` user when the tests run as root, since initdb refuses root), then stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

SKIP = 77
UC = "/api/2.1/unity-catalog"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def await_listening(proc, log, timeout: float = 60) -> tuple[str, list[str]]:
    """Reads a starting `lakeshare serve`'s stdout up to its "listening on URL" line and returns
    the URL with the lines before it. From then on a daemon thread copies the rest of stdout into
    `log` (the server's stderr file), so a chatty server never blocks on a full pipe. Raises
    RuntimeError, with the log's tail, when the server exits or stays silent past `timeout`."""
    lines = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            proc.wait(timeout=10)
            log.flush()
            raise RuntimeError(f"server exited (rc={proc.returncode}); see {log.name}:\n"
                               + Path(log.name).read_text()[-2000:])
        line = line.strip()
        if line.startswith("listening on "):
            threading.Thread(target=_drain, args=(proc.stdout, log), daemon=True).start()
            return line[len("listening on "):], lines
        lines.append(line)
    raise RuntimeError(f"server did not report its address; see {log.name}")


def _drain(stream, log):
    try:
        for line in stream:
            log.write(line)
            log.flush()
    except (ValueError, OSError):  # the stream or the log was closed at stop
        pass


class PlatformServer:
    """`lakeshare serve --data-dir` for the duration of a `with` block."""

    def __init__(self, lakeshare: str, data_dir: Path, admin_token: str, metastore: str = "",
                 signing_key: str = "", extra_args=(), env=None,
                 port: int = 0):
        self.lakeshare = lakeshare
        self.data_dir = Path(data_dir)
        self.admin_token = admin_token
        self.metastore = metastore
        self.signing_key = signing_key
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.port = port
        self.proc = None
        self.base = None
        self.endpoint = None
        self.startup_lines = []  # stdout lines up to "listening on"

    def start(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [self.lakeshare, "serve", "--data-dir", str(self.data_dir),
                "--listen", f"127.0.0.1:{self.port}"] + self.extra_args
        if self.metastore:
            args += ["--metastore", self.metastore]
        self.log_path = self.data_dir / f"server-{time.time_ns()}.log"
        self.log = open(self.log_path, "w")
        env = {**os.environ, "LAKESHARE_ADMIN_TOKEN": self.admin_token, **self.env}
        env.pop("LAKESHARE_SIGNING_KEY", None)
        if self.signing_key:
            env["LAKESHARE_SIGNING_KEY"] = self.signing_key
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=env)
        self.endpoint, self.startup_lines = await_listening(self.proc, self.log)
        self.base = self.endpoint[: self.endpoint.index("/", len("http://"))]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class Postgres:
    """A PostgreSQL server of Debian's packages on loopback, for one test script."""

    def __init__(self):
        self.bin = ""
        for v in ("17", "16", "15"):
            d = f"/usr/lib/postgresql/{v}/bin"
            if os.path.exists(f"{d}/initdb"):
                self.bin = d
                break
        self.dir = None
        self.port = None
        self.as_user = []

    def available(self) -> str:
        """'' when a server can be started, else why not."""
        if not self.bin:
            return "PostgreSQL server binaries not found (apt-get install postgresql)"
        return ""

    def _run(self, *args, log):
        with open(Path(self.dir) / log, "w") as f:
            return subprocess.run(self.as_user + list(args), stdout=f, stderr=subprocess.STDOUT).returncode

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="lakeshare-e2e-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        data = f"{self.dir}/data"
        if self._run(f"{self.bin}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                     "--no-sync", "-E", "UTF8", "--locale=C", log="initdb.log") != 0:
            raise RuntimeError("initdb failed: " + (Path(self.dir) / "initdb.log").read_text())
        self.start()
        return self

    def start(self):
        """Start the server (again, after stop(): same data, same port)."""
        opts = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c max_connections=300")
        if self._run(f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l",
                     f"{self.dir}/server.log", "-w", "-t", "60", "-o", opts, "start",
                     log="pg_ctl.log") != 0:
            raise RuntimeError("pg_ctl start failed: " + (Path(self.dir) / "server.log").read_text())

    def stop(self):
        """Stop the server (fast shutdown: clients are disconnected), keeping its data."""
        if self._run(f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop",
                     log="stop.log") != 0:
            raise RuntimeError("pg_ctl stop failed")

    def create_database(self, name: str) -> str:
        if self._run(f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                     "postgres", name, log=f"createdb-{name}.log") != 0:
            raise RuntimeError(f"createdb {name} failed")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def __exit__(self, *exc):
        if self.dir:
            self._run(f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop",
                      log="stop.log")
            shutil.rmtree(self.dir, ignore_errors=True)
        return False


class Api:
    """A management-API client: JSON in, JSON out, the status kept for assertions."""

    def __init__(self, base: str, token: str | None):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, params=None, expect=None, headers=None):
        url = path if path.startswith("http") else self.base + path
        r = self.session.request(method, url, json=body, params=params, timeout=60,
                                 headers=headers or {})
        if expect is not None:
            ok = r.status_code in expect if isinstance(expect, (tuple, list, set)) else r.status_code == expect
            assert ok, f"{method} {path}: expected {expect}, got {r.status_code}: {r.text[:500]}"
        return r

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body if body is not None else {}, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body=body if body is not None else {}, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def declare_location(self, name: str, url, **kw):
        """Declare an external location (a metastore admin's step before registering tables under
        `url`: registration never declares one, issue 10)."""
        return self.post("/api/2.1/unity-catalog/external-locations",
                         {"name": name, "url": str(url)}, expect=200, **kw)


def wait_until(predicate, timeout_s: float, what: str, interval_s: float = 0.1):
    """Poll `predicate` until it is true; fail naming `what` after `timeout_s` (a bound on a
    promise of the product, not a speed measurement)."""
    deadline = time.time() + timeout_s
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"{what}: not true within {timeout_s} s (last: {last!r})")
