#!/usr/bin/env python3
"""Fails a test run in which a test skipped for a missing test dependency.

Usage: check-skips.py BUILD_DIR

Reads BUILD_DIR/ctest-results.xml (ctest --output-junit) and BUILD_DIR/test-shared-folders.txt
(written by tests/e2e/CMakeLists.txt). A skipped test is one that exited 77 (SKIP_RETURN_CODE) or
whose GoogleTest output says `[  SKIPPED ]` (the SKIP_REGULAR_EXPRESSION that CMake's
gtest_discover_tests sets on every test it discovers).

A skip is accepted only when
  - it says a shared folder beside the project is absent (the Delta corpus, the connector's
    source) and that folder really is absent: README says those tests skip with a message; or
  - it names a capability of the kernel or the network that no package provides (MACHINE below).
Every other skip means that something `scripts/install-deps.sh` installs (or the machine's Python
provides) is missing, and `make test` must not report such a run as passed: exit 1, with each
test, its reason and what to do next. Accepted skips are listed too, so they stay visible.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

RESULTS = "ctest-results.xml"
FOLDERS = "test-shared-folders.txt"

# Skips that no install can mend: what the kernel, the filesystem or the network offers, and one
# test whose input is random (auth/jwk_test.cc: a leading zero byte in 4,000 signatures).
MACHINE = [
    re.compile(r"no IPv6 loopback"),
    re.compile(r"openat2\(2\) is not available"),
    re.compile(r"no /dev/shm to keep a 64-bit file time"),
    re.compile(r"this filesystem clamps file times"),
    re.compile(r"no signature with a leading zero byte"),
]

# The S3 emulator and its client come with the machine's python3 (Debian 12 packages no moto).
PYTHON_ONLY = re.compile(r"\b(moto|boto3|botocore)\b")

# A shared folder's skip names it with one of these words.
SHARED = {"corpus": re.compile(r"corpus", re.I), "connector": re.compile(r"connector", re.I)}


def read_folders(build):
    folders = {}
    path = os.path.join(build, FOLDERS)
    if not os.path.exists(path):
        return folders  # no e2e tests configured: every shared-folder skip counts as missing
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key:
                folders[key] = value
    return folders


def reason_of(output):
    """The line that says why: a `SKIP:` line of a script, or the line after gtest's `Skipped`."""
    lines = [line.strip() for line in output.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("SKIP:"):
            return line[len("SKIP:"):].strip()
        if line.endswith(": Skipped") and i + 1 < len(lines):
            return lines[i + 1]
    return next((line for line in lines if "skip" in line.lower()), "(no reason printed)")


def verdict(output, folders):
    """(accepted, why) for one skipped test's output."""
    for pattern in MACHINE:
        if pattern.search(output):
            return True, "the machine lacks it (no package provides it)"
    for key, pattern in SHARED.items():
        folder = folders.get(key)
        if folder is not None and pattern.search(output):
            if not os.path.isdir(folder):
                return True, f"the shared folder {folder} is absent"
            return False, f"the shared folder {folder} is present: the test should have run"
    if PYTHON_ONLY.search(output):
        return False, ("this python3 lacks moto/boto3, which no Debian package provides: run the "
                       "tests with a python3 that has them (the machine's own), then make test")
    return False, "a test dependency is missing: run scripts/install-deps.sh, then make test"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    build = argv[1]
    path = os.path.join(build, RESULTS)
    if not os.path.exists(path):
        print(f"check-skips: {path} is missing: run ctest with --output-junit {RESULTS}",
              file=sys.stderr)
        return 2
    folders = read_folders(build)
    accepted, refused = [], []
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.get("status") != "notrun":
            continue
        output = case.findtext("system-out") or ""
        ok, why = verdict(output, folders)
        (accepted if ok else refused).append((case.get("name"), reason_of(output), why))
    for name, reason, why in accepted:
        print(f"check-skips: skipped {name}: {reason} ({why})")
    for name, reason, why in refused:
        print(f"check-skips: FAILED {name} skipped: {reason} ({why})")
    if refused:
        print(f"check-skips: {len(refused)} test(s) skipped for a missing dependency; "
              "a run with such skips does not pass")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
