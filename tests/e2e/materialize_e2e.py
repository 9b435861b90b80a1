"""Materialized files for clients that read Parquet as it is (issue 11), end to end.

Every table of the shared Delta corpus whose latest version has deletion vectors in use or active
column mapping, and whose data files are all present, is shared by a real `lakeshare serve
--materialize-cache`, then read with the official Python connector's REST client:
- without a capabilities header (its parquet path, what Power BI, Tableau and older connectors
  send): the files it is given are downloaded and read by DuckDB as plain Parquet; their rows
  must equal the rows the test computes itself from the table's original files: DuckDB reads
  each active data file with its row numbers, the test drops the rows its deletion vector names
  (decoded here, in Python: z85, the RoaringBitmapArray format) and turns column-mapped physical
  names into logical ones from the schema, partition values added from the log;
- with the delta format and the reader features declared (its delta path): the files are the
  table's own (zero-copy: /files/ URLs, the deletion vectors passed on), never rewritten copies.
A second parquet read of each table must be served from the cache (no new rewrite: the server's
/metrics counter of built files does not move). Altered /materialized URLs (another path, a path
escaping the cache, a /files signature) are refused.

    python3 materialize_e2e.py --lakeshare build/lakeshare --corpus ../shared/delta-corpus \
        --scratch build/corpus-scratch --work build/e2e-scratch/materialize \
        --connector-src ../shared/clients/delta-sharing-python/python

Exit status: 0 passed, 1 failed, 77 skipped (corpus, connector source or DuckDB absent).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "conformance"))

try:
    import requests
except ImportError:  # pragma: no cover
    print("SKIP: python3 `requests` is not installed")
    sys.exit(77)

from connector_loader import has_source, load_rest_client  # noqa: E402
from corpus import delta_tables, find_corpus  # noqa: E402
from delta_replay import DuckDB, Table, dv_id, sql_str  # noqa: E402
from harness import Server  # noqa: E402

TOKEN = "materialize-e2e-token-0123456789"
MAX_FILES = 40

# --- deletion vectors, decoded by the test (Delta protocol, "Deletion Vector Format") ---------

Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
Z85_INDEX = {c: i for i, c in enumerate(Z85)}
DV_MAGIC = 1681511377


def z85_decode(text: str) -> bytes:
    out = bytearray()
    for i in range(0, len(text), 5):
        v = 0
        for c in text[i:i + 5]:
            v = v * 85 + Z85_INDEX[c]
        out += struct.pack(">I", v)
    return bytes(out)


def roaring32(buf: bytes, pos: int) -> tuple[set, int]:
    """A portable 32-bit Roaring bitmap at `pos`: (values, end)."""
    cookie = struct.unpack_from("<I", buf, pos)[0]
    pos += 4
    has_runs = (cookie & 0xFFFF) == 12347
    if has_runs:
        size = (cookie >> 16) + 1
        run_flags = buf[pos:pos + (size + 7) // 8]
        pos += (size + 7) // 8
    elif cookie == 12346:
        size = struct.unpack_from("<I", buf, pos)[0]
        pos += 4
        run_flags = b""
    else:
        raise ValueError(f"not a Roaring bitmap (cookie {cookie})")
    header = [struct.unpack_from("<HH", buf, pos + 4 * i) for i in range(size)]
    pos += 4 * size
    if not has_runs or size >= 4:
        pos += 4 * size  # offsets
    values = set()
    for i, (key, card_minus_1) in enumerate(header):
        high = key << 16
        if has_runs and run_flags[i // 8] & (1 << (i % 8)):
            n = struct.unpack_from("<H", buf, pos)[0]
            pos += 2
            for _ in range(n):
                start, length = struct.unpack_from("<HH", buf, pos)
                pos += 4
                values.update(high | v for v in range(start, start + length + 1))
        elif card_minus_1 + 1 > 4096:
            words = struct.unpack_from("<1024Q", buf, pos)
            pos += 8192
            for w, word in enumerate(words):
                while word:
                    bit = word & -word
                    values.add(high | (w * 64 + bit.bit_length() - 1))
                    word ^= bit
        else:
            n = card_minus_1 + 1
            values.update(high | v for v in struct.unpack_from(f"<{n}H", buf, pos))
            pos += 2 * n
    return values, pos


def deleted_rows(table_path: Path, dv: dict) -> set:
    """Row indexes a deletion vector descriptor deletes."""
    kind = dv["storageType"]
    if kind == "i":
        data = z85_decode(dv["pathOrInlineDv"])
    else:
        if kind == "u":
            p = dv["pathOrInlineDv"]
            raw = z85_decode(p[-20:])
            h = raw.hex()
            uuid = f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
            name = f"deletion_vector_{uuid}.bin"
            file = table_path / p[:-20] / name if len(p) > 20 else table_path / name
        elif kind == "p":
            file = Path(unquote(urlparse(dv["pathOrInlineDv"]).path))
        else:
            raise ValueError(f"deletion vector storage type {kind!r}")
        blob = file.read_bytes()
        offset = dv.get("offset") or 1  # after the format version byte
        size = struct.unpack_from(">I", blob, offset)[0]
        data = blob[offset + 4:offset + 4 + size]
    if struct.unpack_from("<I", data, 0)[0] != DV_MAGIC:
        raise ValueError("deletion vector without its magic number")
    count = struct.unpack_from("<Q", data, 4)[0]
    pos, rows = 12, set()
    for _ in range(count):
        high = struct.unpack_from("<I", data, pos)[0]
        values, pos = roaring32(data, pos + 4)
        rows.update((high << 32) | v for v in values)
    if len(rows) != dv["cardinality"]:
        raise ValueError(f"decoded {len(rows)} deleted rows, the log says {dv['cardinality']}")
    return rows


# --- the expected rows --------------------------------------------------------------------------

def physical_map(fields: list) -> dict:
    """physical name -> (logical name, nested map of a struct field)."""
    out = {}
    for f in fields:
        md = f.get("metadata") or {}
        physical = md.get("delta.columnMapping.physicalName", f["name"])
        t = f["type"]
        nested = physical_map(t["fields"]) if isinstance(t, dict) and t.get("type") == "struct" else None
        out[physical] = (f["name"], nested)
    return out


def rename(value, mapping):
    """A row (or struct value) as a Delta reader reads it: the schema's columns only (a data file
    may hold others, e.g. `_change_type`), under their logical names."""
    if mapping is None or not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k in mapping:
            logical, nested = mapping[k]
            out[logical] = rename(v, nested)
    return out


def canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def read_rows(duck: DuckDB, paths: list[Path]) -> list:
    """Per file, its rows (JSON objects with `__row`, the row's index in the file)."""
    stmts = [f"SELECT file_row_number, to_json(t) FROM read_parquet({sql_str(str(p))}, "
             f"file_row_number=true) t" for p in paths]
    out = []
    for p, res in zip(paths, duck.query(stmts)):
        if isinstance(res, dict):
            raise RuntimeError(f"DuckDB cannot read {p.name}: {res['error'][:300]}")
        rows = []
        for n, text in res:
            row = json.loads(text)
            row.pop("file_row_number", None)
            row["__row"] = int(n)
            rows.append(row)
        out.append(rows)
    return out


def expected_rows(t: Table, replayed: dict, adds: dict, duck: DuckDB) -> list[str]:
    schema = json.loads(replayed["schema"])
    mapping = physical_map(schema["fields"])
    files = replayed["files"]
    paths = [t.data_path(f[0]) for f in files]
    rows = []
    for f, file_rows in zip(files, read_rows(duck, paths)):
        add = adds[(f[0], f[1])]
        dv = add.get("deletionVector")
        gone = deleted_rows(t.path, dv) if dv else set()
        pv = {mapping.get(k, (k, None))[0]: v for k, v in (add.get("partitionValues") or {}).items()}
        for r in file_rows:
            if r.pop("__row") in gone:
                continue
            r = rename(r, mapping)
            for k, v in pv.items():
                r[k] = v
            rows.append(r)
    return canonical(rows)


def all_adds(t: Table) -> dict:
    """(path, dv id) -> add action, from every commit and checkpoint of the table."""
    out = {}
    for v in sorted(t.commits):
        for a in t.commit_actions(v):
            if a.get("add"):
                out[(a["add"]["path"], dv_id(a["add"].get("deletionVector")))] = a["add"]
    for cands in t.checkpoints.values():
        for kind, paths in cands:
            try:
                for a in t.checkpoint_actions(kind, paths):
                    if a.get("add"):
                        out.setdefault((a["add"]["path"], dv_id(a["add"].get("deletionVector"))),
                                       a["add"])
            except Exception:  # noqa: BLE001 - an unreadable checkpoint adds nothing
                continue
    return out


def candidate(t: Table, replayed: dict) -> str | None:
    """Why the table needs materialized files for a parquet client, or None."""
    files = replayed.get("files") or []
    if not files or len(files) > MAX_FILES:
        return None
    if any(t.data_path(f[0]) is None or not t.data_path(f[0]).is_file() for f in files):
        return None
    why = []
    if any(f[1] for f in files):
        why.append("deletion vectors")
    if "delta.columnMapping.physicalName" in (replayed.get("schema") or ""):
        why.append("column mapping")
    return " and ".join(why) or None


# --- the checks ---------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.failures = []

    def __call__(self, ok: bool, what: str) -> bool:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)
        return ok


def built_counter(base: str) -> float:
    text = requests.get(base + "/metrics", timeout=30).text
    m = re.search(r'^lakeshare_materialized_files_total\{outcome="built"\} ([0-9.e+]+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def download(session, files, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, f in enumerate(files):
        r = session.get(f.url, timeout=60)
        r.raise_for_status()
        p = folder / f"{i:05d}.parquet"
        p.write_bytes(r.content)
        out.append(p)
    return out


def served_rows(duck: DuckDB, files, paths: list[Path]) -> list[str]:
    rows = []
    for f, file_rows in zip(files, read_rows(duck, paths)):
        for r in file_rows:
            r.pop("__row")
            for k, v in (f.partition_values or {}).items():
                r[k] = v
            rows.append(r)
    return canonical(rows)


def check_attacks(check, base: str, url: str):
    """A /materialized URL altered in every way a client could: refused, never served."""
    u = urlparse(url)
    parts = u.path.split("/")  # ["", "materialized", share, table, ...path]
    other = "/".join(parts[:4] + ["00", "0" * 64 + ".parquet"])
    escape = "/".join(parts[:4] + ["..", "..", "etc", "passwd"])
    as_file = "/".join(["", "files"] + parts[2:])
    for name, path in (("another cache path", other), ("a path out of the cache", escape),
                       ("the same path under /files", as_file)):
        r = requests.get(urlunparse(u._replace(path=path)), timeout=30)
        check(r.status_code in (400, 403, 404) and b"PAR1" not in r.content[:4],
              f"altered materialized URL ({name}) refused: {r.status_code}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--lakeshare", required=True)
    p.add_argument("--corpus")
    p.add_argument("--scratch", required=True, help="where corpus archives are unpacked")
    p.add_argument("--work", required=True)
    p.add_argument("--connector-src", default=os.environ.get("LAKESHARE_DELTA_SHARING_PYTHON"))
    p.add_argument("--only", help="regular expression on table names")
    args = p.parse_args()
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print(f"SKIP: the shared Delta corpus is not at {args.corpus or 'the default place'}")
        return 77
    src = Path(args.connector_src) if args.connector_src else None
    if not has_source(src):
        print(f"SKIP: the delta-sharing Python connector's source folder {src} is absent")
        return 77
    duck = DuckDB()
    if not duck.available:
        print("SKIP: DuckDB (tools/duckdb) is not installed; run scripts/install-deps.sh")
        return 77
    rc, proto = load_rest_client(src)

    chosen = []
    for t in delta_tables(corpus, Path(args.scratch)):
        if args.only and not re.search(args.only, t.name):
            continue
        table = Table(t.path, duck)
        if table.latest() < 0:
            continue
        try:
            replayed = table.replay(table.latest())
        except Exception:  # noqa: BLE001 - tables the replay cannot read are corpus_e2e's
            continue
        if "error" in replayed:
            continue
        why = candidate(table, replayed)
        if why:
            chosen.append((t, table, replayed, why))
    if not chosen:
        print("SKIP: no corpus table with deletion vectors or column mapping and its data files")
        return 77

    work = Path(args.work)
    names = {}
    cfg = ["version: 1", "shares:", "- name: corpus", "  schemas:", "  - name: all", "    tables:"]
    for i, (t, _, _, _) in enumerate(chosen):
        names[t.name] = f"t{i:02d}_" + re.sub(r"[^A-Za-z0-9_]", "_", t.name.split("!/")[-1])[-60:]
        cfg += [f"    - name: {names[t.name]}", f"      location: {json.dumps(str(t.path))}"]
    cfg += ["authorization:", f"  bearerToken: {TOKEN}"]
    check = Checks()
    cache = work / "cache"
    with Server(args.lakeshare, "\n".join(cfg) + "\n", work / "logs",
                args=("--materialize-cache", str(cache))) as server:
        profile = work / "profile.share"
        profile.write_text(json.dumps({"shareCredentialsVersion": 1,
                                       "endpoint": server.endpoint + "/", "bearerToken": TOKEN}))
        client = rc.DataSharingRestClient(proto.DeltaSharingProfile.read_from_file(str(profile)),
                                          num_retries=0)
        attacked = False
        for t, table, replayed, why in chosen:
            label = f"{t.name} ({why})"
            try:
                expected = expected_rows(table, replayed, all_adds(table), duck)
            except Exception as e:  # noqa: BLE001
                check(False, f"{label}: the test cannot compute the expected rows: {e}")
                continue
            ref = proto.Table(name=names[t.name], share="corpus", schema="all")
            try:
                listing = client.list_files_in_table(ref)
            except Exception as e:  # noqa: BLE001
                check(False, f"{label}: parquet path refused: {e}")
                continue
            files = listing.add_files
            # Only files that need it are rewritten: every file of a column-mapped table, else the
            # files with a deletion vector.
            rewritten = sum(1 for f in files if "/materialized/" in f.url)
            with_dv = sum(1 for f in replayed["files"] if f[1])
            need = len(replayed["files"]) if "column mapping" in why else with_dv
            check(rewritten == need and all("/materialized/" in f.url or "/files/" in f.url
                                            for f in files),
                  f"{label}: {rewritten} of {len(files)} files served rewritten ({need} need it)")
            paths = download(client._session, files, work / "dl" / names[t.name])
            got = served_rows(duck, files, paths)
            check(got == expected,
                  f"{label}: parquet client reads {len(got)} rows, the table holds {len(expected)}"
                  + ("" if got == expected else f"; first differences: "
                     f"{sorted(set(got) ^ set(expected))[:3]}"))
            schema = json.loads(listing.metadata.schema_string)
            logical = json.loads(replayed["schema"])
            check([f["name"] for f in schema["fields"]] == [f["name"] for f in logical["fields"]],
                  f"{label}: metaData names the logical columns")
            if files and not attacked and "/materialized/" in files[0].url:
                check_attacks(check, server.base, files[0].url)
                attacked = True
            # Again: every file from the cache, nothing rewritten.
            before = built_counter(server.base)
            again = client.list_files_in_table(ref)
            check(sorted(f.url.split("?")[0] for f in again.add_files) ==
                  sorted(f.url.split("?")[0] for f in files) and built_counter(server.base) == before,
                  f"{label}: a second read is served from the cache")
            # The delta path, features declared: the table's own files, deletion vectors passed on.
            client.set_delta_format_header()
            try:
                delta = client.list_files_in_table(ref)
                adds = [json.loads(l)["file"]["deltaSingleAction"]["add"] for l in delta.lines[2:]]
                own = all("/files/" in a["path"] for a in adds)
                dvs = sum(1 for a in adds if a.get("deletionVector"))
                check(own and len(adds) == len(replayed["files"]) and
                      dvs == sum(1 for f in replayed["files"] if f[1]),
                      f"{label}: delta client gets the original files ({len(adds)}, {dvs} with DVs)")
            except Exception as e:  # noqa: BLE001
                check(False, f"{label}: delta path refused: {e}")
            finally:
                client.remove_delta_format_header()
        client.close()
        check(server.proc.poll() is None, "the server is still running")
    print(f"materialize e2e: {len(chosen)} tables, {len(check.failures)} failed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
