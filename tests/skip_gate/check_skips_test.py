#!/usr/bin/env python3
"""scripts/check-skips.py against a real ctest run of tests/skip_gate/fixture.

The fixture's tests skip like ours: a GTEST_SKIP for a missing Python module, one for missing
PostgreSQL binaries, one for the absent shared corpus, one for a kernel without IPv6, and a script
that exits 77 for a missing npm package.
Checks that the gate refuses each dependency skip (exit 1, naming the test and what to run), and
accepts the corpus skip only while the corpus folder is absent and the kernel skip always.
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240)


def gate(root, build, only, corpus):
    """Runs the fixture's tests matching `only`, then the gate; returns (exit code, its output)."""
    (build / "test-shared-folders.txt").write_text(f"corpus={corpus}\nconnector={build}/none\n")
    (build / "ctest-results.xml").unlink(missing_ok=True)
    ctest = run(["ctest", "-R", only, "--output-junit", "ctest-results.xml"], build)
    if ctest.returncode != 0:
        print(ctest.stdout + ctest.stderr)
        return None, ""
    result = run([sys.executable, str(root / "scripts/check-skips.py"), "."], build)
    return result.returncode, result.stdout + result.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True, type=Path)
    ap.add_argument("--scratch", required=True, type=Path)
    args = ap.parse_args()
    shutil.rmtree(args.scratch, ignore_errors=True)
    build = args.scratch / "build"
    configure = run(["cmake", "-S", str(args.root / "tests/skip_gate/fixture"), "-B", str(build),
                     "-G", "Ninja", f"-DLAKESHARE_ROOT={args.root}"], args.scratch.parent)
    made = configure.returncode == 0 and run(["ninja", "-C", str(build)], build).returncode == 0
    check(made, "the fixture builds")
    if not made:
        print(configure.stdout + configure.stderr)
        return 1
    absent = args.scratch / "no-corpus"
    present = args.scratch / "corpus"
    present.mkdir()

    code, out = gate(args.root, build, "Runs", absent)
    check(code == 0 and "skipped" not in out, "a run without skips passes, saying nothing")

    code, out = gate(args.root, build, "NeedsMoto", absent)
    check(code == 1, "a GTEST_SKIP for a missing Python module fails the run")
    check("FAILED skipper.Skipper.NeedsMoto skipped: moto is not importable" in out.replace(
        "Skipping S3 integration: ", ""), "the refusal names the test and its reason")
    check("python3 that has them" in out, "the refusal says where moto comes from")

    code, out = gate(args.root, build, "NeedsPostgres", absent)
    check(code == 1 and "FAILED skipper.Skipper.NeedsPostgres" in out,
          "a GTEST_SKIP for missing PostgreSQL binaries fails the run")
    check("run scripts/install-deps.sh" in out, "the refusal says what to run")

    code, out = gate(args.root, build, "script_needs_browser", absent)
    check(code == 1 and "playwright-core is not installed" in out,
          "a script that exits 77 for a missing npm package fails the run")

    code, out = gate(args.root, build, "NeedsCorpus", absent)
    check(code == 0 and "skipped skipper.Skipper.NeedsCorpus" in out,
          "a corpus skip passes, listed, while the corpus folder is absent")
    code, out = gate(args.root, build, "NeedsCorpus", present)
    check(code == 1 and "is present" in out, "a corpus skip fails while the corpus folder exists")

    code, out = gate(args.root, build, "NeedsIpv6", absent)
    check(code == 0 and "skipped skipper.Skipper.NeedsIpv6" in out,
          "a kernel without IPv6 loopback is a listed skip, not a failure")

    code, out = gate(args.root, build, "Skipper|script", absent)
    check(code == 1 and out.count("FAILED ") == 3 and out.count("skipped skipper") == 2,
          "in one run, the three dependency skips are refused and both others listed")
    shutil.rmtree(args.scratch, ignore_errors=True)
    print(f"{len(FAILURES)} failed" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
