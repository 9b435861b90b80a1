"""The official delta-sharing Python connector, as the e2e tests load it.

Its source is kept beside the project (../shared/clients/delta-sharing-python/python). The
package's __init__ imports pandas and pyarrow (and a Rust wheel), which Debian does not package,
so the REST client and protocol modules are loaded without it: a bare package object whose
__path__ is the source folder. They need requests, fsspec and jwcrypto (python3-requests,
python3-fsspec, python3-jwcrypto; fsspec's http filesystem also python3-aiohttp).

`full_connector_importable()` says whether the whole package (load_as_pandas) can run here, so
tests run partner code literally where it can and say so where it cannot.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path


def load_rest_client(src: Path):
    """(rest_client, protocol) modules of the source folder `src` (which holds delta_sharing/)."""
    pkg_dir = Path(src) / "delta_sharing"
    if "delta_sharing" not in sys.modules:
        pkg = types.ModuleType("delta_sharing")
        pkg.__path__ = [str(pkg_dir)]
        sys.modules["delta_sharing"] = pkg
    import delta_sharing.protocol as proto
    import delta_sharing.rest_client as rc
    return rc, proto


def has_source(src) -> bool:
    return bool(src) and (Path(src) / "delta_sharing" / "rest_client.py").is_file()


def full_connector_importable() -> bool:
    """pandas, pyarrow and the connector's Rust reader: what `load_as_pandas` needs."""
    return all(importlib.util.find_spec(m) is not None
               for m in ("pandas", "pyarrow", "delta_kernel_rust_sharing_wrapper"))


class PartnerReader:
    """Reads shared tables as the connector's `load_as_pandas` does up to the data: the REST
    client lists the files (with the same options) and the files are fetched from their URLs
    (the first through fsspec's http filesystem, as the connector does, the others with the
    client's own session); DuckDB (tools/duckdb) stands in for pyarrow to count their rows."""

    def __init__(self, src: Path, profile_path: str, scratch: Path):
        self.rc, self.proto = load_rest_client(src)
        self.profile = self.proto.DeltaSharingProfile.read_from_file(str(profile_path))
        self.client = self.rc.DataSharingRestClient(self.profile, num_retries=0)
        self.scratch = Path(scratch)
        self.downloads = 0

    def close(self):
        self.client.close()

    def table(self, coordinates: str):
        share, schema, name = coordinates.split(".")
        return self.proto.Table(name=name, share=share, schema=schema)

    def all_tables(self) -> list[str]:
        """Every `share.schema.table` the profile can read, as SharingClient.list_all_tables."""
        names = []
        for share in self.client.list_shares().shares:
            for t in self.client.list_all_tables(share).tables:
                names.append(f"{t.share}.{t.schema}.{t.name}")
        return names

    def files(self, coordinates: str, **options) -> list[tuple[Path, dict]]:
        """The table's files, downloaded: (local path, partition values) each."""
        listing = self.client.list_files_in_table(self.table(coordinates), **options)
        return self._download(coordinates, listing.add_files)

    def change_files(self, coordinates: str, **options) -> list[tuple[Path, dict]]:
        """The files of list_table_changes(CdfOptions(**options)), downloaded the same way."""
        return self._download(coordinates, self.changes(coordinates, **options))

    def _download(self, coordinates: str, actions) -> list[tuple[Path, dict]]:
        import fsspec
        folder = self.scratch / f"{coordinates}-{self.downloads}"
        self.downloads += 1
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for i, f in enumerate(actions):
            if i == 0:
                with fsspec.filesystem("http").open(f.url, "rb") as fh:
                    data = fh.read()
            else:
                response = self.client._session.get(f.url)
                response.raise_for_status()
                data = response.content
            path = folder / f"{i:05d}.parquet"
            path.write_bytes(data)
            out.append((path, dict(f.partition_values or {})))
        return out

    def summary(self, coordinates: str, **options) -> dict:
        return summarize(self.files(coordinates, **options))

    def changes(self, coordinates: str, **options):
        """The change actions of list_table_changes(CdfOptions(**options))."""
        return self.client.list_table_changes(self.table(coordinates),
                                              self.proto.CdfOptions(**options)).actions


DUCKDB_SCRIPT = Path(__file__).resolve().parent.parent / "conformance" / "delta_duckdb.mjs"


def summarize(files: list[tuple[Path, dict]]) -> dict:
    """{"rows": n, "countries": {country: rows}} of Parquet files (partition values included),
    counted by DuckDB in one process; "countries" is None when no file has a country."""
    if not files:
        return {"rows": 0, "countries": None}
    paths = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p, _ in files) + "]"
    statements = [
        f"SELECT filename, count(*) FROM read_parquet({paths}, filename=true) GROUP BY 1",
        f"SELECT filename, country, count(*) FROM read_parquet({paths}, filename=true, "
        f"union_by_name=true) GROUP BY 1, 2",
    ]
    proc = subprocess.run(["node", str(DUCKDB_SCRIPT)], input=json.dumps(statements),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"DuckDB (tools/duckdb; scripts/install-deps.sh installs it) failed: "
                           f"{proc.stderr.strip()[:500]}")
    per_file, per_country = json.loads(proc.stdout)
    rows = sum(int(n) for _, n in per_file)
    by_file: dict = {}  # file -> {country: rows} from the files' own country column
    if isinstance(per_country, list):  # else no file has a country column (DuckDB's error)
        for name, country, n in per_country:
            if country is not None:
                by_file.setdefault(name, {})[country] = int(n)
    countries: dict = {}
    for path, partition_values in files:
        name = str(path)
        found = by_file.get(name)
        if found is None and partition_values.get("country") is not None:
            n = sum(int(c) for f, c in per_file if f == name)
            found = {partition_values["country"]: n}
        for country, n in (found or {}).items():
            countries[country] = countries.get(country, 0) + n
    return {"rows": rows, "countries": countries or None}
