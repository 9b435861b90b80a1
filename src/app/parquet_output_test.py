#!/usr/bin/env python3
"""What `lakeshare parquet copy|gen-types|gen-checkpoint` print on stderr.

On a terminal the writing commands draw a progress line ("\\rN rows written", "\\rrow group i/n")
that the summary must start below, and the summary ("wrote OUT: R rows in G row group(s), B
bytes") must give the file's real row and row-group counts. The commands run under a
pseudo-terminal for the progress case and with stderr on a pipe for the plain one.

Usage: parquet_output_test.py LAKESHARE_BINARY
"""
import os
import pty
import re
import subprocess
import sys
import tempfile

SUMMARY = re.compile(r"wrote (\S+): (\d+) rows in (\d+) row group\(s\), (\d+) bytes")


def run_on_terminal(cmd):
    """Run cmd with stderr on a pseudo-terminal; (exit code, what it wrote there)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the command closed its side
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    # The terminal turns "\n" into "\r\n"; undo it so the text is what the command wrote.
    return proc.wait(), b"".join(chunks).decode().replace("\r\n", "\n")


def run_on_pipe(cmd):
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=60)
    return proc.returncode, proc.stderr.decode()


def check(name, rc, text, out, rows, row_groups, terminal):
    failures = []
    if rc != 0:
        failures.append(f"exit code {rc}")
    lines = text.split("\n")
    if not text.endswith("\n"):
        failures.append("the output does not end its last line (the prompt would land on it)")
    summary = lines[-2] if len(lines) >= 2 else ""
    m = SUMMARY.fullmatch(summary)
    if not m:
        failures.append(f"the last line is not the summary alone: {summary!r}")
    else:
        size = os.path.getsize(out)
        expected = (out, str(rows), str(row_groups), str(size))
        if m.groups() != expected:
            failures.append(f"summary says {m.groups()}, the file is {expected}")
    if terminal and "\r" not in text:
        failures.append("no progress line on a terminal")
    if not terminal and "\r" in text:
        failures.append("a progress line on a pipe")
    if failures:
        print(f"FAIL {name}: {'; '.join(failures)}\n  output: {text!r}")
    else:
        print(f"ok   {name}")
    return not failures


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    lakeshare = sys.argv[1]
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        types = os.path.join(scratch, "types.parquet")
        checkpoint = os.path.join(scratch, "checkpoint.parquet")
        copy = os.path.join(scratch, "copy.parquet")
        cases = [
            ("gen-types", [lakeshare, "parquet", "gen-types", types, "--rows", "7",
                           "--row-group-rows", "3"], types, 7, 3),
            ("gen-checkpoint", [lakeshare, "parquet", "gen-checkpoint", checkpoint, "--rows", "5",
                                "--row-group-rows", "2"], checkpoint, 5, 3),
            ("copy", [lakeshare, "parquet", "copy", types, copy], copy, 7, 3),
        ]
        for terminal in (True, False):
            run = run_on_terminal if terminal else run_on_pipe
            for name, cmd, out, rows, row_groups in cases:
                rc, text = run(cmd)
                where = "terminal" if terminal else "pipe"
                ok &= check(f"{name} ({where})", rc, text, out, rows, row_groups, terminal)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
