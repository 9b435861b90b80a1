"""A deliberately small, independent Parquet writer for the end-to-end tests.

It writes one row group with one uncompressed PLAIN data page (v1) per column, for flat schemas of
long, integer, double, boolean and string columns (optional or required). It shares no code with
Lakeshare's writer, so reading its files back through the server and `lakeshare parquet cat`
checks Lakeshare against an outside implementation of the format (Apache Parquet format spec:
file layout, Thrift compact protocol metadata, RLE/bit-packed definition levels).

    write_parquet(path, [("id", "long", False), ("name", "string", True)],
                  [{"id": 1, "name": "a"}, {"id": 2, "name": None}])
"""

from __future__ import annotations

import struct

# Parquet physical types and converted types (parquet.thrift).
_PHYSICAL = {"boolean": 0, "integer": 1, "long": 2, "double": 5, "string": 6}
_UTF8 = 0

# Thrift compact protocol type ids.
_T_I32, _T_I64, _T_BINARY, _T_LIST, _T_STRUCT = 5, 6, 8, 9, 12


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


class _Struct:
    """Builds one Thrift compact-protocol struct; fields must be added in increasing id order."""

    def __init__(self):
        self.buf = bytearray()
        self.last = 0

    def _header(self, fid: int, ttype: int):
        delta = fid - self.last
        assert 0 < delta <= 15
        self.buf.append((delta << 4) | ttype)
        self.last = fid

    def i32(self, fid, v):
        self._header(fid, _T_I32)
        self.buf += _varint(_zigzag(v))
        return self

    def i64(self, fid, v):
        self._header(fid, _T_I64)
        self.buf += _varint(_zigzag(v))
        return self

    def binary(self, fid, v: bytes):
        self._header(fid, _T_BINARY)
        self.buf += _varint(len(v)) + v
        return self

    def struct(self, fid, s: "_Struct"):
        self._header(fid, _T_STRUCT)
        self.buf += s.done()
        return self

    def list(self, fid, etype, items):
        self._header(fid, _T_LIST)
        n = len(items)
        self.buf.append((n << 4) | etype if n < 15 else 0xF0 | etype)
        if n >= 15:
            self.buf += _varint(n)
        for it in items:
            if etype == _T_I32:
                self.buf += _varint(_zigzag(it))
            elif etype == _T_BINARY:
                self.buf += _varint(len(it)) + it
            elif etype == _T_STRUCT:
                self.buf += it.done()
        return self

    def done(self) -> bytes:
        return bytes(self.buf) + b"\x00"


def _def_levels(present: list[bool]) -> bytes:
    """Definition levels (bit width 1) as one bit-packed run, with the v1 4-byte length prefix."""
    groups = (len(present) + 7) // 8
    body = bytearray(_varint((groups << 1) | 1))
    bits = bytearray(groups)
    for i, p in enumerate(present):
        if p:
            bits[i // 8] |= 1 << (i % 8)
    body += bits
    return struct.pack("<I", len(body)) + bytes(body)


def _plain(kind: str, values: list) -> bytes:
    if kind == "long":
        return b"".join(struct.pack("<q", v) for v in values)
    if kind == "integer":
        return b"".join(struct.pack("<i", v) for v in values)
    if kind == "double":
        return b"".join(struct.pack("<d", v) for v in values)
    if kind == "string":
        out = bytearray()
        for v in values:
            b = v.encode("utf-8")
            out += struct.pack("<I", len(b)) + b
        return bytes(out)
    if kind == "boolean":
        out = bytearray((len(values) + 7) // 8)
        for i, v in enumerate(values):
            if v:
                out[i // 8] |= 1 << (i % 8)
        return bytes(out)
    raise ValueError(kind)


def write_parquet(path, columns: list[tuple[str, str, bool]], rows: list[dict]) -> int:
    """Write `rows` with `columns` = [(name, kind, nullable)]; return the file size."""
    out = bytearray(b"PAR1")
    chunks = []
    for name, kind, nullable in columns:
        values = [r.get(name) for r in rows]
        if not nullable and any(v is None for v in values):
            raise ValueError(f"null in required column {name}")
        data = (_def_levels([v is not None for v in values]) if nullable else b"") + _plain(
            kind, [v for v in values if v is not None]
        )
        dph = _Struct().i32(1, len(rows)).i32(2, 0).i32(3, 3).i32(4, 3)
        header = _Struct().i32(1, 0).i32(2, len(data)).i32(3, len(data)).struct(5, dph).done()
        offset = len(out)
        out += header + data
        size = len(header) + len(data)
        meta = (
            _Struct()
            .i32(1, _PHYSICAL[kind])
            .list(2, _T_I32, [0, 3])
            .list(3, _T_BINARY, [name.encode()])
            .i32(4, 0)
            .i64(5, len(rows))
            .i64(6, size)
            .i64(7, size)
            .i64(9, offset)
        )
        chunks.append((offset, size, meta))
    schema = [_Struct().binary(4, b"schema").i32(5, len(columns))]
    for name, kind, nullable in columns:
        el = _Struct().i32(1, _PHYSICAL[kind]).i32(3, 1 if nullable else 0).binary(4, name.encode())
        if kind == "string":
            el.i32(6, _UTF8)
        schema.append(el)
    column_chunks = [_Struct().i64(2, off).struct(3, meta) for off, _, meta in chunks]
    row_group = (
        _Struct()
        .list(1, _T_STRUCT, column_chunks)
        .i64(2, sum(size for _, size, _ in chunks))
        .i64(3, len(rows))
    )
    footer = (
        _Struct()
        .i32(1, 1)
        .list(2, _T_STRUCT, schema)
        .i64(3, len(rows))
        .list(4, _T_STRUCT, [row_group])
        .binary(6, b"lakeshare e2e mini_parquet")
        .done()
    )
    out += footer + struct.pack("<I", len(footer)) + b"PAR1"
    with open(path, "wb") as f:
        f.write(out)
    return len(out)
