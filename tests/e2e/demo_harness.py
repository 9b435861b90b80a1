"""`make run`'s demo for the end-to-end tests: scripts/run-demo.sh as `make run` starts it, on a
free port, in a scratch folder, with HOME in the scratch folder (so a printed `~/Downloads` is the
test's own). The test reads what the script PRINTS and does that: `Instructions` parses the
printed text into the commands a person would copy; nothing here knows the demo's names.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from platform_harness import free_port

# Bounds on promises of the product (the demo starts, a stopped demo exits), not speed checks.
START_BOUND_S = 600
STOP_BOUND_S = 60


@dataclass
class Instructions:
    """What `make run` printed for the partner, line by line as a person reads it."""
    text: str
    claims: dict = field(default_factory=dict)   # "share.schema.table" -> claim text
    link: str = ""                               # the activation link (browser path)
    button: str = ""                             # the button the browser path clicks
    browser_folder: str = ""                     # where the browser saves the file ("Downloads")
    curl_download: str = ""                      # the curl download command
    profile_browser: str = ""                    # the "export PROFILE=..." line of the browser path
    profile_curl: str = ""                       # the same for the curl path
    pandas: str = ""                             # the pandas command
    curl_tables: str = ""                        # the curl command that lists tables
    guides: str = ""                             # the URL of the partner guides
    base: str = ""                               # "serving on <base>"


def parse_instructions(text: str) -> Instructions:
    lines = text.splitlines()
    out = Instructions(text=text)

    def after(marker: str) -> str:
        """The rest of the first line that holds `marker`, stripped ('' when absent)."""
        for line in lines:
            if marker in line:
                return line.split(marker, 1)[1].strip()
        return ""

    def next_line(marker: str) -> str:
        for i, line in enumerate(lines):
            if marker in line and i + 1 < len(lines):
                return lines[i + 1].strip()
        return ""

    in_claims = False
    for line in lines:
        if re.search(r"receives, table by table:$", line):
            in_claims = True
            continue
        if in_claims:
            m = re.match(r"^\s+(\w+\.\w+\.\w+)\s+(.+?)\s*$", line)
            if not m:
                in_claims = False
                continue
            out.claims[m.group(1)] = m.group(2)
    out.link = after("browser: open ")
    m = re.search(r'click "([^"]+)": \S+ lands in your (\w+) folder', text)
    if m:
        out.button, out.browser_folder = m.group(1), m.group(2)
    out.curl_download = after("curl:    ")
    for line in lines:
        if line.strip().startswith("export PROFILE=") and "# if you used the browser" in line:
            out.profile_browser = line.split("#")[0].strip()
        if line.strip().startswith("export PROFILE=") and "# if you used curl" in line:
            out.profile_curl = line.split("#")[0].strip()
    out.pandas = next_line("demo: pandas")
    out.curl_tables = next_line("demo: curl with the file's token")
    out.guides = after("partner guides (served by this server): ")
    m = re.search(r"serving on (http://\S+)", text)
    if m:
        out.base = m.group(1)
    return out


class Demo:
    """scripts/run-demo.sh in its own process group (Ctrl-C reaches it as it would a person's)."""

    def __init__(self, repo: Path, lakeshare: str, demo_dir: Path, home: Path, port: int = 0,
                 log: Path | None = None):
        self.repo = Path(repo)
        self.lakeshare = lakeshare
        self.demo_dir = Path(demo_dir)
        self.home = Path(home)
        self.port = port or free_port()
        self.log = log or self.demo_dir.parent / f"make-run-{self.port}.log"
        self.proc = None
        self.printed = ""
        self.instructions = None

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update({"LAKESHARE_PORT": str(self.port), "LAKESHARE_DEMO_DIR": str(self.demo_dir),
                    "HOME": str(self.home)})
        env.update(extra)
        return env

    def command(self):
        return ["bash", str(self.repo / "scripts" / "run-demo.sh"), self.lakeshare]

    def start(self) -> Instructions:
        """Start the demo and return its printed instructions once it says it is serving."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.command(), env=self.env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                     cwd=self.repo)
        lines: queue.Queue = queue.Queue()

        def pump():
            for line in self.proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        printed = []
        while True:
            try:
                line = lines.get(timeout=START_BOUND_S)
            except queue.Empty:
                raise RuntimeError(f"make run printed nothing for {START_BOUND_S} s:\n"
                                   + "".join(printed)) from None
            if line is None:
                self.proc.wait()
                raise RuntimeError(f"make run exited ({self.proc.returncode}) before serving:\n"
                                   + "".join(printed))
            printed.append(line)
            if line.startswith("demo: serving on "):
                break
        self.printed = "".join(printed)
        self.log.write_text(self.printed)
        # Keep draining what it prints later, so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in iter(lines.get, None)],
                         daemon=True).start()
        self.instructions = parse_instructions(self.printed)
        return self.instructions

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; the exit status of the script."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise RuntimeError(f"make run did not stop on Ctrl-C within {STOP_BOUND_S} s") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        except Exception:  # noqa: BLE001 - already failing or stopped; do not mask the cause
            pass


def shell(command: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    """Run a printed command line the way a person pastes it into bash."""
    return subprocess.run(["bash", "-c", command], env=env, cwd=cwd, capture_output=True,
                          text=True)
