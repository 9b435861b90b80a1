#!/usr/bin/env python3
"""The provider guide's storage-governance example (docs/guides/provider.md, section 3, "Storage:
where teams may register tables"), run as written against a real `lakeshare serve` (issue 10).

The blocks from the line `<!-- guide-test: governance example -->` to the end of that
subsection run in order in one folder with bash, as an admin would paste them. The guide's
placeholders are replaced by this machine's, and only those: `https://share.example.com` by the
server's address, `/var/lib/lakeshare/admin-token` by a file holding the admin token (the server
writes it at its first start; here the token is chosen), `/srv/retail` by a scratch folder,
and `lakeshare` is the built binary (first on PATH). The files the guide says exist are written
first: `./analytics-secret-key` and `./team-retail-token` (the team principal of section 3,
created with the API). A `sh` block followed by a `<!-- guide-test: output -->` block must fail
with exit code 2 and print that output (`...` matches any text); every other block must succeed.
Then the outcome is checked through the API: the table is registered, nothing was registered at
/etc, and the secret is in no reply.

Usage: provider_guide_e2e.py --lakeshare BIN --scratch DIR
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from platform_harness import UC, Api, PlatformServer  # noqa: E402

GUIDE = HERE.parent.parent / "docs" / "guides" / "provider.md"
MARK = "<!-- guide-test: governance example -->"
ADMIN_TOKEN = "guide-admin-token-" + "p" * 32
SECRET = "wJalrXUtnFEMI/K7MDENG/guideEXAMPLEKEY" + "7" * 6


def example_blocks(text: str) -> list[tuple[str, str, str | None]]:
    """(language, code, expected output or None) of every fenced block of the example."""
    start = text.index(MARK)
    end = re.compile(r"\n##+ ").search(text, start)  # the next heading
    section = text[start:end.start() if end else len(text)]
    blocks = []
    for m in re.finditer(r"(<!-- guide-test: output -->\n)?```(\w+)\n(.*?)```", section, re.S):
        if m.group(1):
            lang, code, _ = blocks[-1]
            blocks[-1] = (lang, code, m.group(3))
        else:
            blocks.append((m.group(2), m.group(3), None))
    return blocks


def matches(expected: str, got: str) -> bool:
    parts = [re.escape(p) for p in expected.strip().split("...")]
    return re.search("(?s)" + ".*".join(parts), got) is not None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakeshare", required=True)
    ap.add_argument("--scratch", required=True)
    args = ap.parse_args()
    scratch = Path(args.scratch).resolve()
    shutil.rmtree(scratch, ignore_errors=True)
    work, bin_dir, data_dir = scratch / "admin", scratch / "bin", scratch / "lakeshare"
    retail = scratch / "data" / "retail"
    for d in (work, bin_dir, retail):
        d.mkdir(parents=True)
    (bin_dir / "lakeshare").symlink_to(Path(args.lakeshare).resolve())
    blocks = example_blocks(GUIDE.read_text())
    if len(blocks) < 3:
        print(f"FAIL: the example in {GUIDE.name} has {len(blocks)} blocks")
        return 1
    failures = 0
    with PlatformServer(args.lakeshare, data_dir, ADMIN_TOKEN) as server:
        admin = Api(server.base, ADMIN_TOKEN)
        team = admin.post("/api/2.1/lakeshare/principals", {"name": "team-retail"},
                          expect=200).json()
        (work / "team-retail-token").write_text(team["token_value"] + "\n")
        (work / "analytics-secret-key").write_text(SECRET + "\n")
        (work / "admin-token").write_text(ADMIN_TOKEN + "\n")  # what the first start writes
        os.chmod(work / "team-retail-token", 0o600)
        os.chmod(work / "analytics-secret-key", 0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAKESHARE_")}
        env["PATH"] = f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}"
        prelude = ""  # the exports of earlier blocks carry over, as in one terminal
        for lang, code, expected in blocks:
            if lang != "sh":
                continue
            script = (code.replace("https://share.example.com", server.base)
                      .replace("/var/lib/lakeshare/admin-token", str(work / "admin-token"))
                      .replace("/srv/retail", str(retail)))
            p = subprocess.run(["bash", "-eo", "pipefail", "-c", prelude + script], cwd=work, env=env,
                               capture_output=True, text=True, timeout=300)
            out = p.stdout + p.stderr
            first = code.strip().splitlines()[-1]
            if expected is None:
                ok = p.returncode == 0
            else:
                ok = p.returncode == 2 and matches(expected, out)
            print(("ok   " if ok else "FAIL ") + first + ("" if ok else f"\n     exit "
                  f"{p.returncode}:\n{out}"), flush=True)
            failures += not ok
            if SECRET in out:
                print(f"FAIL the secret access key was printed by: {first}")
                failures += 1
            prelude += "".join(line + "\n" for line in script.splitlines()
                               if line.startswith("export "))
        table = admin.get(f"{UC}/tables/retail_team.sales.orders", expect=200).json()
        if table["storage_location"] != str(retail / "orders") or table["owner"] != "team-retail":
            print(f"FAIL the team's table: {table}")
            failures += 1
        admin.get(f"{UC}/tables/retail_team.sales.secrets", expect=404)
        creds = admin.get(f"{UC}/storage-credentials/analytics_keys", expect=200)
        location = admin.get(f"{UC}/external-locations/analytics_lake", expect=200).json()
        if SECRET in creds.text or location["credential_name"] != "analytics_keys":
            print(f"FAIL the credential or its location: {creds.text} {location}")
            failures += 1
    print(f"provider guide example: {failures} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
