"""Hand-built Parquet files for shapes that neither the corpus nor DuckDB's writer produce.

Legacy converted types without logical types, unsigned values above the signed range, INT96 with
sub-microsecond parts, FLOAT16, decimals on variable-length BYTE_ARRAY, millisecond and
nanosecond units, UUID, INTERVAL, BSON, JSON and ENUM annotations, the Parquet format's
backward-compatible list and map shapes (2-level lists, `array` and `<name>_tuple` groups, bare
repeated fields, MAP_KEY_VALUE), strings that are not valid UTF-8, and the DELTA_* encodings at
their edges (wrapping deltas, empty miniblocks, shared prefixes; no writer at hand produces
DELTA_BYTE_ARRAY).

The writer is deliberately minimal: one row group, one data page (v1) per column, PLAIN or a
DELTA_* encoding, no compression, no statistics. Field ids and enum values follow the format's parquet.thrift
(src/parquet/parquet.thrift has the same ones).

    python3 handmade_parquet.py OUTDIR      # or: import handmade_parquet; handmade_parquet.write_all(dir)
"""

from __future__ import annotations

import dataclasses
import struct
import sys
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Thrift compact protocol, only what FileMetaData and PageHeader need.

T_TRUE, T_FALSE, T_BYTE, T_I16, T_I32, T_I64, T_DOUBLE, T_BINARY, T_LIST, T_SET, T_MAP, T_STRUCT = range(1, 13)


@dataclasses.dataclass
class F:
    """One struct field: id, compact type, value (bool for T_TRUE; [F] for T_STRUCT;
    (element type, [values]) for T_LIST)."""

    fid: int
    ftype: int
    value: object


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


def _value(ftype: int, value) -> bytes:
    if ftype in (T_I16, T_I32, T_I64):
        return _varint(_zigzag(value))
    if ftype == T_BYTE:
        return struct.pack("<b", value)
    if ftype == T_BINARY:
        data = value.encode() if isinstance(value, str) else value
        return _varint(len(data)) + data
    if ftype == T_STRUCT:
        return encode_struct(value)
    if ftype == T_LIST:
        etype, items = value
        head = bytes([(len(items) << 4) | etype]) if len(items) < 15 else bytes([0xF0 | etype]) + _varint(len(items))
        return head + b"".join(_value(etype, v) for v in items)
    raise ValueError(f"unsupported thrift type {ftype}")


def encode_struct(fields: list[F]) -> bytes:
    out = bytearray()
    last = 0
    for f in sorted(fields, key=lambda f: f.fid):
        ftype = f.ftype
        if ftype == T_TRUE:
            ftype = T_TRUE if f.value else T_FALSE
        delta = f.fid - last
        if 0 < delta <= 15:
            out.append((delta << 4) | ftype)
        else:
            out.append(ftype)
            out += _varint(_zigzag(f.fid))
        if f.ftype != T_TRUE:
            out += _value(f.ftype, f.value)
        last = f.fid
    out.append(0)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Schema.

BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FLBA = range(8)
REQUIRED, OPTIONAL, REPEATED = range(3)
(UTF8, MAP, MAP_KEY_VALUE, LIST, ENUM, DECIMAL, DATE, TIME_MILLIS, TIME_MICROS, TIMESTAMP_MILLIS,
 TIMESTAMP_MICROS, UINT_8, UINT_16, UINT_32, UINT_64, INT_8, INT_16, INT_32, INT_64, JSON, BSON,
 INTERVAL) = range(22)


def lt_string():
    return [F(1, T_STRUCT, [])]


def lt_enum():
    return [F(4, T_STRUCT, [])]


def lt_json():
    return [F(12, T_STRUCT, [])]


def lt_bson():
    return [F(13, T_STRUCT, [])]


def lt_uuid():
    return [F(14, T_STRUCT, [])]


def lt_float16():
    return [F(15, T_STRUCT, [])]


def lt_list():
    return [F(3, T_STRUCT, [])]


def lt_map():
    return [F(2, T_STRUCT, [])]


def lt_decimal(scale, precision):
    return [F(5, T_STRUCT, [F(1, T_I32, scale), F(2, T_I32, precision)])]


def lt_int(bits, signed):
    return [F(10, T_STRUCT, [F(1, T_BYTE, bits), F(2, T_TRUE, signed)])]


def _unit(unit):
    return [F({"MILLIS": 1, "MICROS": 2, "NANOS": 3}[unit], T_STRUCT, [])]


def lt_time(utc, unit):
    return [F(7, T_STRUCT, [F(1, T_TRUE, utc), F(2, T_STRUCT, _unit(unit))])]


def lt_timestamp(utc, unit):
    return [F(8, T_STRUCT, [F(1, T_TRUE, utc), F(2, T_STRUCT, _unit(unit))])]


@dataclasses.dataclass
class Node:
    name: str
    repetition: int
    ptype: int | None = None  # None for groups
    children: list["Node"] = dataclasses.field(default_factory=list)
    converted: int | None = None
    logical: list | None = None
    type_length: int | None = None
    scale: int | None = None
    precision: int | None = None
    # filled by _levels()
    max_def: int = 0
    max_rep: int = 0
    path: tuple = ()
    encoding: int = 0  # PLAIN; or DELTA_BINARY_PACKED (5), DELTA_LENGTH_BYTE_ARRAY (6), DELTA_BYTE_ARRAY (7)

    def element(self) -> list[F]:
        fields = [F(4, T_BINARY, self.name)]
        if self.ptype is not None:
            fields.append(F(1, T_I32, self.ptype))
        if self.repetition is not None:
            fields.append(F(3, T_I32, self.repetition))
        if self.children:
            fields.append(F(5, T_I32, len(self.children)))
        if self.type_length is not None:
            fields.append(F(2, T_I32, self.type_length))
        if self.converted is not None:
            fields.append(F(6, T_I32, self.converted))
        if self.scale is not None:
            fields.append(F(7, T_I32, self.scale))
        if self.precision is not None:
            fields.append(F(8, T_I32, self.precision))
        if self.logical is not None:
            fields.append(F(10, T_STRUCT, self.logical))
        return fields


def leaf(name, ptype, repetition=OPTIONAL, **kw) -> Node:
    return Node(name, repetition, ptype, **kw)


def group(name, repetition, children, **kw) -> Node:
    return Node(name, repetition, None, children, **kw)


def _levels(node: Node, d: int, r: int, path: tuple, leaves: list[Node]) -> None:
    node.max_def = d + (1 if node.repetition in (OPTIONAL, REPEATED) else 0)
    node.max_rep = r + (1 if node.repetition == REPEATED else 0)
    node.path = path + (node.name,)
    if node.ptype is not None:
        leaves.append(node)
    for c in node.children:
        _levels(c, node.max_def, node.max_rep, node.path, leaves)


def _flatten(node: Node, out: list) -> None:
    out.append(node.element())
    for c in node.children:
        _flatten(c, out)


# --------------------------------------------------------------------------------------------
# Record shredding (Dremel): a row is a dict of top-level values; a group's value is a dict of its
# children; a repeated field's value is a list (None and [] both mean "no item").


def _nulls(node: Node, r: int, d: int, cols: dict) -> None:
    if node.ptype is not None:
        cols[node.path].append((r, d, None))
    for c in node.children:
        _nulls(c, r, d, cols)


def _present(node: Node, value, r: int, d: int, cols: dict) -> None:
    if node.ptype is not None:
        cols[node.path].append((r, d, value))
        return
    for c in node.children:
        _write(c, value.get(c.name) if value is not None else None, r, d, cols)


def _write(node: Node, value, r: int, d: int, cols: dict) -> None:
    if node.repetition == REPEATED:
        items = value or []
        if not items:
            _nulls(node, r, d, cols)
            return
        for i, item in enumerate(items):
            _present(node, item, r if i == 0 else node.max_rep, node.max_def, cols)
    elif node.repetition == OPTIONAL:
        if value is None:
            _nulls(node, r, d, cols)
        else:
            _present(node, value, r, node.max_def, cols)
    else:
        if value is None:
            raise ValueError(f"required field {node.name} is null")
        _present(node, value, r, d, cols)


# --------------------------------------------------------------------------------------------
# Pages.


def _rle_levels(levels: list[int], max_level: int) -> bytes:
    """RLE/bit-packed hybrid with RLE runs only, preceded by its 4-byte length (data page v1)."""
    width = max_level.bit_length()
    nbytes = (width + 7) // 8
    out = bytearray()
    i = 0
    while i < len(levels):
        j = i
        while j < len(levels) and levels[j] == levels[i]:
            j += 1
        out += _varint((j - i) << 1) + levels[i].to_bytes(nbytes, "little")
        i = j
    return struct.pack("<i", len(out)) + bytes(out)


def _plain(node: Node, values: list) -> bytes:
    t = node.ptype
    if t == BOOLEAN:
        out = bytearray((len(values) + 7) // 8)
        for i, v in enumerate(values):
            if v:
                out[i // 8] |= 1 << (i % 8)
        return bytes(out)
    if t == INT32:
        return b"".join(struct.pack("<i", v if v < 2**31 else v - 2**32) for v in values)
    if t == INT64:
        return b"".join(struct.pack("<q", v if v < 2**63 else v - 2**64) for v in values)
    if t == FLOAT:
        return b"".join(struct.pack("<f", v) for v in values)
    if t == DOUBLE:
        return b"".join(struct.pack("<d", v) for v in values)
    if t in (INT96, FLBA):
        for v in values:
            assert len(v) == (12 if t == INT96 else node.type_length), (node.name, v)
        return b"".join(values)
    if t == BYTE_ARRAY:
        return b"".join(struct.pack("<I", len(v)) + v for v in (x.encode() if isinstance(x, str) else x for x in values))
    raise ValueError(t)


PLAIN, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY = 0, 5, 6, 7


def _bitpack(values: list[int], width: int) -> bytes:
    acc = 0
    for i, v in enumerate(values):
        acc |= v << (i * width)
    return acc.to_bytes((len(values) * width + 7) // 8, "little")


def _delta_binary_packed(values: list[int], bits: int) -> bytes:
    """Encodings.md, DELTA_BINARY_PACKED: blocks of 128 values in 4 miniblocks of 32; deltas
    wrap around in the column's bit width, as the format asks."""
    mask = (1 << bits) - 1

    def signed(v: int) -> int:
        v &= mask
        return v - (1 << bits) if v >> (bits - 1) else v

    first = signed(values[0]) if values else 0
    out = bytearray(_varint(128) + _varint(4) + _varint(len(values)) + _varint(_zigzag(first)))
    deltas = [signed(values[i] - values[i - 1]) for i in range(1, len(values))]
    for b in range(0, len(deltas), 128):
        block = deltas[b:b + 128]
        smallest = min(block)
        out += _varint(_zigzag(smallest))
        adjusted = [(d - smallest) & mask for d in block]
        widths, bodies = [], []
        for m in range(4):
            part = adjusted[m * 32:(m + 1) * 32]
            if not part:
                widths.append(0)  # miniblocks past the last value: width present, body absent
                continue
            width = max(part).bit_length()
            widths.append(width)
            bodies.append(_bitpack(part + [0] * (32 - len(part)), width))
        out += bytes(widths) + b"".join(bodies)
    return bytes(out)


def _as_bytes(values: list) -> list[bytes]:
    return [v.encode() if isinstance(v, str) else v for v in values]


def _encode(node: Node, values: list) -> bytes:
    if node.encoding == PLAIN:
        return _plain(node, values)
    if node.encoding == DELTA_BINARY_PACKED:
        return _delta_binary_packed(values, 32 if node.ptype == INT32 else 64)
    data = _as_bytes(values)
    if node.encoding == DELTA_LENGTH_BYTE_ARRAY:
        return _delta_binary_packed([len(v) for v in data], 32) + b"".join(data)
    if node.encoding == DELTA_BYTE_ARRAY:
        prefixes, suffixes, previous = [], [], b""
        for v in data:
            n = 0
            while n < min(len(v), len(previous)) and v[n] == previous[n]:
                n += 1
            prefixes.append(n)
            suffixes.append(v[n:])
            previous = v
        return (_delta_binary_packed(prefixes, 32) + _delta_binary_packed([len(x) for x in suffixes], 32)
                + b"".join(suffixes))
    raise ValueError(node.encoding)


def write_file(path: Path, schema: list[Node], rows: list[dict]) -> None:
    leaves: list[Node] = []
    for n in schema:
        _levels(n, 0, 0, (), leaves)
    cols = {lf.path: [] for lf in leaves}
    for row in rows:
        for n in schema:
            _write(n, row.get(n.name), 0, 0, cols)

    body = bytearray(b"PAR1")
    chunks = []
    total = 0
    for lf in leaves:
        triples = cols[lf.path]
        data = bytearray()
        if lf.max_rep > 0:
            data += _rle_levels([t[0] for t in triples], lf.max_rep)
        if lf.max_def > 0:
            data += _rle_levels([t[1] for t in triples], lf.max_def)
        data += _encode(lf, [t[2] for t in triples if t[1] == lf.max_def])
        header = encode_struct([
            F(1, T_I32, 0),  # DATA_PAGE
            F(2, T_I32, len(data)),
            F(3, T_I32, len(data)),
            F(5, T_STRUCT, [F(1, T_I32, len(triples)), F(2, T_I32, lf.encoding), F(3, T_I32, 3), F(4, T_I32, 3)]),
        ])
        offset = len(body)
        body += header + data
        size = len(header) + len(data)
        total += size
        meta = [
            F(1, T_I32, lf.ptype),
            F(2, T_LIST, (T_I32, sorted({lf.encoding, 3}))),  # the values' encoding, RLE levels
            F(3, T_LIST, (T_BINARY, list(lf.path))),
            F(4, T_I32, 0),  # UNCOMPRESSED
            F(5, T_I64, len(triples)),
            F(6, T_I64, size),
            F(7, T_I64, size),
            F(9, T_I64, offset),
        ]
        chunks.append([F(2, T_I64, offset), F(3, T_STRUCT, meta)])

    elements = [[F(4, T_BINARY, "schema"), F(5, T_I32, len(schema))]]
    for n in schema:
        _flatten(n, elements)
    footer = encode_struct([
        F(1, T_I32, 1),
        F(2, T_LIST, (T_STRUCT, elements)),
        F(3, T_I64, len(rows)),
        F(4, T_LIST, (T_STRUCT, [[F(1, T_LIST, (T_STRUCT, chunks)), F(2, T_I64, total), F(3, T_I64, len(rows))]])),
        F(6, T_BINARY, "lakeshare handmade_parquet.py"),
    ])
    body += footer + struct.pack("<I", len(footer)) + b"PAR1"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(body))
    tmp.rename(path)


# --------------------------------------------------------------------------------------------
# The files.


def int96(julian_day: int, nanos_of_day: int) -> bytes:
    return struct.pack("<qi", nanos_of_day, julian_day)


EPOCH_JULIAN_DAY = 2440588  # 1970-01-01


def be_twos(value: int, length: int | None = None) -> bytes:
    """Big-endian two's complement, minimal length unless `length` is given (decimal bytes)."""
    if length is None:
        length = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return value.to_bytes(length, "big", signed=True)


def interval(months: int, days: int, millis: int) -> bytes:
    return struct.pack("<III", months, days, millis)


def _legacy_types():
    schema = [
        leaf("i8_conv", INT32, converted=INT_8),
        leaf("u8_conv", INT32, converted=UINT_8),
        leaf("u16_logical", INT32, logical=lt_int(16, False)),
        leaf("u32_conv", INT32, converted=UINT_32),
        leaf("u64_conv", INT64, converted=UINT_64),
        leaf("i64_logical", INT64, logical=lt_int(64, True), converted=INT_64),
        leaf("date_conv", INT32, converted=DATE),
        leaf("ts_millis_conv", INT64, converted=TIMESTAMP_MILLIS),
        leaf("ts_micros_conv", INT64, converted=TIMESTAMP_MICROS),
        leaf("ts_millis_local", INT64, logical=lt_timestamp(False, "MILLIS")),
        leaf("ts_millis_utc", INT64, logical=lt_timestamp(True, "MILLIS"), converted=TIMESTAMP_MILLIS),
        leaf("ts_nanos_local", INT64, logical=lt_timestamp(False, "NANOS")),
        leaf("ts_nanos_utc", INT64, logical=lt_timestamp(True, "NANOS")),
        leaf("time_millis_conv", INT32, converted=TIME_MILLIS),
        leaf("time_micros_conv", INT64, converted=TIME_MICROS),
        leaf("time_nanos", INT64, logical=lt_time(False, "NANOS")),
        leaf("int96", INT96),
        leaf("utf8_conv", BYTE_ARRAY, converted=UTF8),
        leaf("enum", BYTE_ARRAY, converted=ENUM, logical=lt_enum()),
        leaf("json", BYTE_ARRAY, converted=JSON, logical=lt_json()),
        leaf("binary", BYTE_ARRAY),
        leaf("flba3", FLBA, type_length=3),
        leaf("uuid", FLBA, type_length=16, logical=lt_uuid()),
        leaf("interval", FLBA, type_length=12, converted=INTERVAL),
        leaf("f16", FLBA, type_length=2, logical=lt_float16()),
        leaf("dec_binary", BYTE_ARRAY, converted=DECIMAL, scale=3, precision=30, logical=lt_decimal(3, 30)),
        leaf("dec_flba", FLBA, type_length=5, converted=DECIMAL, scale=2, precision=10),
        leaf("dec_i64_conv", INT64, converted=DECIMAL, scale=4, precision=18),
        leaf("dec_i32_scale0", INT32, converted=DECIMAL, scale=0, precision=9, logical=lt_decimal(0, 9)),
        leaf("flt", FLOAT),
        leaf("dbl", DOUBLE, repetition=REQUIRED),
        leaf("bool", BOOLEAN),
    ]
    rows = [
        {
            "i8_conv": -128, "u8_conv": 200, "u16_logical": 65535, "u32_conv": 4294967295,
            "u64_conv": 18446744073709551615, "i64_logical": -9223372036854775808,
            "date_conv": -719162,  # 0001-01-01
            "ts_millis_conv": 1700000000123, "ts_micros_conv": -1,
            "ts_millis_local": -1, "ts_millis_utc": 0,
            "ts_nanos_local": 1700000000123456789, "ts_nanos_utc": -1,
            "time_millis_conv": 86399999, "time_micros_conv": 1, "time_nanos": 86399999999999,
            "int96": int96(EPOCH_JULIAN_DAY, 123456789),
            "utf8_conv": "ascii", "enum": "RED", "json": '{"a": [1, 2]}',
            "binary": b"\x00\x01\xfe\xff", "flba3": b"abc",
            "uuid": bytes.fromhex("123e4567e89b12d3a456426614174000"),
            "interval": interval(1, 2, 3), "f16": bytes.fromhex("003c"),  # 1.0
            "dec_binary": be_twos(-1), "dec_flba": be_twos(12345, 5), "dec_i64_conv": -50,
            "dec_i32_scale0": -7, "flt": 0.1, "dbl": 0.1, "bool": True,
        },
        {
            "i8_conv": 127, "u8_conv": 255, "u16_logical": 0, "u32_conv": 2147483648,
            "u64_conv": 9223372036854775808, "i64_logical": 9223372036854775807,
            "date_conv": 2932896,  # 9999-12-31
            "ts_millis_conv": -62135596800000, "ts_micros_conv": 253402300799999999,
            "ts_millis_local": 253402300799999, "ts_millis_utc": -1,
            "ts_nanos_local": -1, "ts_nanos_utc": 1700000000123456789,
            "time_millis_conv": 0, "time_micros_conv": 86399999999, "time_nanos": 1,
            "int96": int96(EPOCH_JULIAN_DAY - 1, 86399999999999),  # 1969-12-31T23:59:59.999999999
            "utf8_conv": "ünïcödé ✓ 𝄞", "enum": "", "json": "[]",
            "binary": b"", "flba3": b"\x00\x00\x00",
            "uuid": bytes(16), "interval": interval(2147483647, 0, 4294967295),
            "f16": bytes.fromhex("ff7b"),  # 65504
            "dec_binary": be_twos(-10**29 + 1), "dec_flba": be_twos(-1, 5), "dec_i64_conv": 999999999999999999,
            "dec_i32_scale0": 0, "flt": float("nan"), "dbl": -0.0, "bool": False,
        },
        {
            "i8_conv": None, "u8_conv": 0, "u16_logical": None, "u32_conv": 0, "u64_conv": 0,
            "i64_logical": 0, "date_conv": None, "ts_millis_conv": None, "ts_micros_conv": 0,
            "ts_millis_local": None, "ts_millis_utc": None, "ts_nanos_local": None, "ts_nanos_utc": 999,
            "time_millis_conv": None, "time_micros_conv": None, "time_nanos": None,
            "int96": int96(2299161, 0),  # 1582-10-15 (first Gregorian day)
            "utf8_conv": None, "enum": None, "json": None, "binary": None, "flba3": None,
            "uuid": None, "interval": None, "f16": bytes.fromhex("0100"),  # smallest subnormal
            "dec_binary": be_twos(12345678901234567890123456789), "dec_flba": None, "dec_i64_conv": None,
            "dec_i32_scale0": None, "flt": float("inf"), "dbl": float("-inf"), "bool": None,
        },
        {
            "f16": bytes.fromhex("007e"), "dec_binary": be_twos(5, 4), "int96": int96(1721426, 1000),  # NaN; padded; 0001-01-01
            "dbl": 5e-324, "flt": -3.4028234663852886e38,
        },
        {"f16": bytes.fromhex("0080"), "dec_binary": None, "int96": None, "dbl": 1e300},  # -0.0
        {"f16": bytes.fromhex("00fc"), "int96": int96(EPOCH_JULIAN_DAY, 999), "dbl": 0.0},  # -inf; 999 ns
    ]
    return schema, rows


def _legacy_nesting():
    schema = [
        # 2-level list: the repeated field is a primitive, so it is the element.
        group("two_level", OPTIONAL, [leaf("array", INT32, repetition=REPEATED)], converted=LIST),
        # A repeated group named "array" with one field: the group itself is the element (a struct).
        group("array_group", OPTIONAL, [group("array", REPEATED, [leaf("x", INT32, repetition=REQUIRED)])],
              converted=LIST, logical=lt_list()),
        # A repeated group named "<list>_tuple" with one field: a struct element as well.
        group("tupled", OPTIONAL, [group("tupled_tuple", REPEATED, [leaf("s", BYTE_ARRAY, converted=UTF8)])],
              converted=LIST),
        # A repeated group with two fields: a struct element.
        group("pairs", OPTIONAL, [group("bag", REPEATED, [leaf("a", INT32, repetition=REQUIRED),
                                                          leaf("b", INT64)])], converted=LIST),
        # Standard 3-level list with a required element and a required list.
        group("three_level", REQUIRED, [group("list", REPEATED, [leaf("element", DOUBLE, repetition=REQUIRED)])],
              converted=LIST, logical=lt_list()),
        # A bare repeated primitive and a bare repeated group: lists of required elements.
        leaf("bare", INT32, repetition=REPEATED),
        group("bare_group", REPEATED, [leaf("p", INT32, repetition=REQUIRED), leaf("q", BYTE_ARRAY, converted=UTF8)]),
        # Legacy maps: MAP_KEY_VALUE on the repeated group (old parquet-mr), and MAP_KEY_VALUE on the
        # outer group instead of MAP (LogicalTypes.md, backward-compatibility rules for maps).
        group("legacy_map", OPTIONAL, [group("map", REPEATED, [
            leaf("key", BYTE_ARRAY, repetition=REQUIRED, converted=UTF8), leaf("value", INT32)],
            converted=MAP_KEY_VALUE)], converted=MAP),
        group("outer_key_value_map", OPTIONAL, [group("map", REPEATED, [
            leaf("key", BYTE_ARRAY, repetition=REQUIRED, converted=UTF8), leaf("value", INT32)])],
            converted=MAP_KEY_VALUE),
        # LogicalTypes.md list rule 3 (a repeated group whose one field is repeated is the element:
        # a list of 2-level lists) and rule 5 (a one-field repeated group of another name holds the
        # element); a map whose key and value fields are misnamed (found by position).
        group("list_of_lists", OPTIONAL, [group("array", REPEATED, [leaf("array", INT32, repetition=REPEATED)],
                                                converted=LIST)], converted=LIST),
        group("rule5", OPTIONAL, [group("element", REPEATED, [leaf("str", BYTE_ARRAY, converted=UTF8)])],
              converted=LIST),
        group("misnamed_map", OPTIONAL, [group("map", REPEATED, [
            leaf("str", BYTE_ARRAY, repetition=REQUIRED, converted=UTF8), leaf("num", INT32, repetition=REQUIRED)])],
            converted=MAP),
        # Map with non-string keys and a list value; a list of maps.
        group("int_map", OPTIONAL, [group("key_value", REPEATED, [
            leaf("key", INT64, repetition=REQUIRED),
            group("value", OPTIONAL, [group("list", REPEATED, [leaf("element", BYTE_ARRAY, converted=UTF8)])],
                  converted=LIST)])], converted=MAP, logical=lt_map()),
        group("list_of_maps", OPTIONAL, [group("list", REPEATED, [group("element", OPTIONAL, [
            group("key_value", REPEATED, [leaf("key", BYTE_ARRAY, repetition=REQUIRED, converted=UTF8),
                                          leaf("value", BOOLEAN)])], converted=MAP)])], converted=LIST),
    ]
    rows = [
        {
            "two_level": {"array": [1, 2, 3]},
            "array_group": {"array": [{"x": 1}, {"x": 2}]},
            "tupled": {"tupled_tuple": [{"s": "a"}, {"s": None}]},
            "pairs": {"bag": [{"a": 1, "b": None}, {"a": 2, "b": 20}]},
            "three_level": {"list": [{"element": 1.5}, {"element": -0.0}]},
            "bare": [7, 8],
            "bare_group": [{"p": 1, "q": "x"}, {"p": 2, "q": None}],
            "legacy_map": {"map": [{"key": "k1", "value": 1}, {"key": "k2", "value": None}]},
            "outer_key_value_map": {"map": [{"key": "k", "value": 3}]},
            "list_of_lists": {"array": [{"array": [1, 2]}, {"array": []}]},
            "rule5": {"element": [{"str": "a"}, {"str": None}]},
            "misnamed_map": {"map": [{"str": "a", "num": 1}, {"str": "b", "num": 2}]},
            "int_map": {"key_value": [{"key": -1, "value": {"list": [{"element": "a"}, {"element": None}]}},
                                      {"key": 2, "value": None}]},
            "list_of_maps": {"list": [{"element": {"key_value": [{"key": "t", "value": True}]}},
                                      {"element": None}, {"element": {"key_value": []}}]},
        },
        {
            "two_level": {"array": []}, "array_group": {"array": []}, "tupled": None, "pairs": {"bag": []},
            "three_level": {"list": []}, "bare": [], "bare_group": [], "legacy_map": {"map": []}, "outer_key_value_map": {"map": []},
            "list_of_lists": {"array": []}, "rule5": {"element": []}, "misnamed_map": {"map": []},
            "int_map": {"key_value": []}, "list_of_maps": {"list": []},
        },
        {
            "two_level": None, "array_group": None, "tupled": {"tupled_tuple": []}, "pairs": None,
            "three_level": {"list": [{"element": 3.0}]}, "bare": [9], "bare_group": [{"p": 3, "q": "z"}],
            "legacy_map": None, "outer_key_value_map": None, "int_map": None, "list_of_maps": None,
            "list_of_lists": None, "rule5": None, "misnamed_map": None,
        },
    ]
    return schema, rows


def _invalid_utf8():
    schema = [leaf("id", INT32, repetition=REQUIRED), leaf("s", BYTE_ARRAY, converted=UTF8, logical=lt_string())]
    # Only byte sequences that are invalid byte by byte: how a truncated multi-byte sequence
    # (b"\xe2\x82") is replaced, once or per byte, is a choice the canonical form leaves open.
    rows = [{"id": 1, "s": "fine"}, {"id": 2, "s": b"bad \xff byte"}, {"id": 3, "s": b"lone \x80 continuation"}]
    return schema, rows


def _delta_encodings():
    # Values chosen for the decoders' edges: deltas that wrap around the type's range, a first
    # value at the minimum, runs of equal values (width 0), more than one block of 128, a last
    # block with empty miniblocks, nulls between values; strings sharing prefixes, empty ones.
    n = 300
    i64 = [-(2**63), 2**63 - 1, -1, 0, 1, 2**62, -(2**62)] + [(i * 7919) ** 3 % (2**40) - 2**39 for i in range(n - 7)]
    i32 = [-(2**31), 2**31 - 1, 0, -1] + [5] * 40 + [(i * 104729) % (2**31) - 2**30 for i in range(n - 44)]
    words = ["", "a", "ab", "abc", "abd", "b", "", "prefix-long-" * 5, "prefix-long-x", "ünï", "ünö"]
    strings = [words[i % len(words)] + ("" if i % 3 else str(i)) for i in range(n)]
    schema = [
        leaf("i64", INT64, encoding=DELTA_BINARY_PACKED),
        leaf("i32", INT32, encoding=DELTA_BINARY_PACKED),
        leaf("u32", INT32, converted=UINT_32, encoding=DELTA_BINARY_PACKED),
        leaf("ts", INT64, logical=lt_timestamp(True, "MICROS"), encoding=DELTA_BINARY_PACKED),
        leaf("dlba", BYTE_ARRAY, converted=UTF8, encoding=DELTA_LENGTH_BYTE_ARRAY),
        leaf("dba", BYTE_ARRAY, converted=UTF8, encoding=DELTA_BYTE_ARRAY),
        leaf("dba_bin", BYTE_ARRAY, encoding=DELTA_BYTE_ARRAY),
        leaf("dba_dec", FLBA, type_length=4, converted=DECIMAL, scale=2, precision=9, encoding=DELTA_BYTE_ARRAY),
        leaf("one", INT64, encoding=DELTA_BINARY_PACKED),
    ]
    rows = []
    for i in range(n):
        rows.append({
            "i64": None if i % 11 == 5 else i64[i],
            "i32": None if i % 13 == 7 else i32[i],
            "u32": (i32[i] * 3) % 2**32,
            "ts": 1_700_000_000_000_000 + i * 1_000_003 - (i % 5) * 10**12,
            "dlba": None if i % 17 == 3 else strings[i],
            "dba": None if i % 19 == 4 else strings[i],
            "dba_bin": bytes([i % 256, (i * 7) % 256]) * (i % 4),
            "dba_dec": None if i % 23 == 0 else be_twos((i * 4099) % 2**31 - 2**30, 4),
            "one": 42 if i == 0 else None,  # a single value: header only, no block
        })
    return schema, rows


def _bson():
    # Alone in its file: DuckDB refuses the whole file for a BSON column.
    schema = [leaf("bson", BYTE_ARRAY, converted=BSON, logical=lt_bson())]
    return schema, [{"bson": b"\x05\x00\x00\x00\x00"}, {"bson": b""}, {"bson": None}]


def _interval_unsigned():
    # Alone in its file: LogicalTypes.md, INTERVAL: "three little-endian unsigned integers";
    # DuckDB reads months and days as signed (4294967295 months becomes -1).
    schema = [leaf("interval", FLBA, type_length=12, converted=INTERVAL)]
    return schema, [{"interval": interval(4294967295, 2147483648, 4294967295)}, {"interval": interval(0, 0, 0)}]


def _split(make):
    """One file per top-level column, so that a shape one reader refuses hides nothing else."""
    schema, rows = make()
    return {n.name: ([n], [{n.name: r.get(n.name)} for r in rows]) for n in schema}


def files() -> dict[str, tuple[list[Node], list[dict]]]:
    out = {
        "legacy_types.parquet": _legacy_types(),
        "bson.parquet": _bson(),
        "interval_unsigned.parquet": _interval_unsigned(),
        "delta_encodings.parquet": _delta_encodings(),
        "invalid_utf8.parquet": _invalid_utf8(),
    }
    for column, content in _split(_legacy_nesting).items():
        out[f"nesting_{column}.parquet"] = content
    return out


# Rows in the canonical form (docs/parquet.md), written from the Parquet format's rules, for the
# files where DuckDB cannot serve as the reference (see KNOWN_DIFFERENCES in
# parquet_conformance.py for why, per file).
EXPECTED: dict[str, list[dict]] = {
    "bson.parquet": [{"bson": "BQAAAAA="}, {"bson": ""}, {"bson": None}],
    "interval_unsigned.parquet": [
        {"interval": {"months": 4294967295, "days": 2147483648, "millis": 4294967295}},
        {"interval": {"months": 0, "days": 0, "millis": 0}},
    ],
    "invalid_utf8.parquet": [
        {"id": 1, "s": "fine"}, {"id": 2, "s": "bad \ufffd byte"}, {"id": 3, "s": "lone \ufffd continuation"},
    ],
    # List rule 4: the repeated group named `array` / `<list>_tuple` is the (struct) element.
    "nesting_array_group.parquet": [
        {"array_group": [{"x": 1}, {"x": 2}]}, {"array_group": []}, {"array_group": None},
    ],
    "nesting_tupled.parquet": [{"tupled": [{"s": "a"}, {"s": None}]}, {"tupled": None}, {"tupled": []}],
    # Maps: MAP_KEY_VALUE outside a MAP group is a MAP.
    "nesting_outer_key_value_map.parquet": [
        {"outer_key_value_map": {"k": 3}}, {"outer_key_value_map": {}}, {"outer_key_value_map": None},
    ],
}


def write_all(outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (schema, rows) in files().items():
        write_file(outdir / name, schema, rows)
        written.append(outdir / name)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: handmade_parquet.py OUTDIR")
    for p in write_all(Path(sys.argv[1])):
        print(p)
