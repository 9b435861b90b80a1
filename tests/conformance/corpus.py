"""The shared Delta corpus (../shared/delta-corpus), for conformance tests.

The corpus is read-only. Some of its tables come as NAME.tar.zst archives; `unpack_archives()`
unpacks each one once into a scratch folder (normally under the build tree), idempotently and
safely when several test processes start at the same time, and later runs reuse the unpacked copy
while the archive is unchanged.

    from corpus import find_corpus, parquet_files, delta_tables
    root = find_corpus(args.corpus)              # None when the folder is absent: skip the test
    for f in parquet_files(root, scratch):       # every *.parquet, archives included
        ... f.path (to open), f.name (stable, for messages and expectation lists)
    for t in delta_tables(root, scratch):        # every folder that holds a _delta_log
        ... t.path, t.name

Names are relative to the corpus root; a file or table inside an archive is named
"kernel/cdf-table.tar.zst!/cdf-table/part-0.parquet", so names never depend on the scratch folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ARCHIVE_SUFFIX = ".tar.zst"
ARCHIVE_SEPARATOR = "!/"
_STAMP = ".lakeshare-unpacked"  # in each unpacked folder: which archive state it was made from

# tests/conformance/corpus.py -> repository root -> sibling "shared/delta-corpus", the default that
# CMake's LAKESHARE_CORPUS also uses.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "delta-corpus"


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    name: str  # relative to the corpus root, "dir/a.tar.zst!/inner/path" inside archives
    path: Path  # where to read it (inside the corpus, or inside the scratch folder)


@dataclasses.dataclass(frozen=True)
class DeltaTable:
    name: str  # as CorpusFile.name, naming the table folder
    path: Path  # the folder that holds _delta_log


def find_corpus(path: str | os.PathLike | None = None) -> Path | None:
    """The corpus folder (`path`, else the default next to the repository), or None if absent."""
    root = Path(path) if path else DEFAULT_CORPUS
    return root.resolve() if root.is_dir() else None


def archives(corpus: Path) -> list[Path]:
    """Every NAME.tar.zst in the corpus, sorted."""
    return sorted(p for p in corpus.rglob("*" + ARCHIVE_SUFFIX) if p.is_file())


def _stamp_text(archive: Path) -> str:
    st = archive.stat()
    return f"{archive.name} size={st.st_size} mtime_ns={st.st_mtime_ns}\n"


def _unpacked_dir(corpus: Path, scratch: Path, archive: Path) -> Path:
    rel = archive.relative_to(corpus)
    return scratch / rel.parent / rel.name[: -len(ARCHIVE_SUFFIX)]


@contextlib.contextmanager
def scratch_lock(scratch: Path):
    """Hold an exclusive lock on the scratch folder (one writer at a time across processes)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with open(scratch / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def unpack_archive(corpus: Path, scratch: Path, archive: Path) -> Path:
    """Unpack one archive into scratch (once) and return its folder. Caller holds the lock."""
    target = _unpacked_dir(corpus, scratch, archive)
    stamp = _stamp_text(archive)
    stamp_file = target / _STAMP
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return target
    # Missing, half-written by an interrupted run, or made from an older archive: redo it in a
    # temporary folder beside the target and rename it into place, so the target is never partial.
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        subprocess.run(
            ["tar", "--zstd", "-xf", str(archive), "-C", str(tmp)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        (tmp / _STAMP).write_text(stamp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(
            f"cannot unpack {archive}: {e.stderr.decode(errors='replace').strip()}"
        ) from e
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def unpack_archives(corpus: Path, scratch: Path) -> dict[Path, Path]:
    """Unpack every archive of the corpus into scratch once; {archive: unpacked folder}."""
    scratch = Path(scratch).resolve()
    with scratch_lock(scratch):
        return {a: unpack_archive(corpus, scratch, a) for a in archives(corpus)}


def _walk(corpus: Path, scratch: Path):
    """(name prefix, folder) for the corpus itself and for each unpacked archive."""
    yield "", corpus
    for archive, folder in unpack_archives(corpus, scratch).items():
        yield archive.relative_to(corpus).as_posix() + ARCHIVE_SEPARATOR, folder


def parquet_files(corpus: Path, scratch: Path) -> list[CorpusFile]:
    """Every *.parquet file of the corpus, including those inside archives, sorted by name."""
    found = []
    for prefix, folder in _walk(corpus, scratch):
        for p in folder.rglob("*.parquet"):
            if p.is_file():
                found.append(CorpusFile(prefix + p.relative_to(folder).as_posix(), p))
    return sorted(found, key=lambda f: f.name)


def delta_tables(corpus: Path, scratch: Path) -> list[DeltaTable]:
    """Every folder holding a _delta_log (tables are not searched for nested tables)."""
    found = []
    for prefix, folder in _walk(corpus, scratch):
        for dirpath, dirnames, _ in os.walk(folder):
            if "_delta_log" in dirnames:
                d = Path(dirpath)
                rel = d.relative_to(folder).as_posix()
                name = prefix + rel if rel != "." else prefix.removesuffix(ARCHIVE_SEPARATOR)
                found.append(DeltaTable(name, d))
                dirnames.clear()
            else:
                dirnames.sort()
    return sorted(found, key=lambda t: t.name)
