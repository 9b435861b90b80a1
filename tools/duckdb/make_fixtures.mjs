#!/usr/bin/env node
// make_fixtures.mjs: write Parquet files that cover what the shared Delta corpus does not (it holds
// no UUID, INTERVAL, TIME, unsigned, NaN, millisecond or nanosecond values, and only Spark's and
// delta-rs's choices of encodings and codecs), for tests/conformance/parquet_conformance.py.
//
//   node make_fixtures.mjs OUTDIR
//
// Each case (a SELECT with edge values) is written once per writer variant (codec, Parquet format
// version 1 or 2 -- version 2 brings data page v2 and the DELTA_* / BYTE_STREAM_SPLIT encodings --,
// row-group size), as OUTDIR/<case>.<variant>.parquet. The files are DuckDB's own writing, so
// the conformance test checks that Lakeshare and DuckDB read the same bytes the same way. BROTLI is
// left out: docs/parquet.md says Lakeshare refuses it on purpose.

import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

// Edge values per type family. Every case also carries NULLs.
const CASES = {
  integers: `
    SELECT * FROM (VALUES
      ((-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER, (-9223372036854775808)::BIGINT,
       0::UTINYINT, 0::USMALLINT, 0::UINTEGER, 0::UBIGINT),
      (127, 32767, 2147483647, 9223372036854775807, 255, 65535, 4294967295, 18446744073709551615),
      (0, -1, -1, -1, 1, 1, 1, 9007199254740993),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(i8, i16, i32, i64, u8, u16, u32, u64)`,
  floats: `
    SELECT f::FLOAT AS f32, d::DOUBLE AS f64 FROM (VALUES
      (0.1, 0.1), ('-0.0', '-0.0'), ('NaN', 'NaN'), ('Infinity', 'Infinity'), ('-Infinity', '-Infinity'),
      (1.401298464324817e-45, 5e-324), (3.4028234663852886e38, 1.7976931348623157e308),
      (16777217, 9007199254740993), (1e-7, 1e21), (123.456, 1e-300), (NULL, NULL)
    ) t(f, d)`,
  decimals: `
    SELECT * FROM (VALUES
      (0.5::DECIMAL(1,1), 12.34::DECIMAL(4,2), (-0.05)::DECIMAL(9,3), 123.4::DECIMAL(18,6),
       (-12345678901234567890.1234567890)::DECIMAL(38,10), 7::DECIMAL(5,0)),
      (-0.9, -99.99, 999999.999, -999999999999.999999,
       99999999999999999999999999.999999999999::DECIMAL(38,12), -99999),
      (0, 0, 0, 0, 0, 0),
      (NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(d1_1, d4_2, d9_3, d18_6, d38_10, d5_0)`,
  strings: `
    SELECT * FROM (VALUES
      ('', ''::BLOB, '{}'::JSON, 'a'::ENUM('a', 'b c', 'é')),
      ('quote " backslash \\ tab \t newline
 end', '\\x00\\xFF\\x10'::BLOB, '{"k": [1, 2.5, "x"]}'::JSON, 'b c'),
      ('ünïcödé ✓ 𝄞 中文', 'abc'::BLOB, '"s"'::JSON, 'é'),
      (chr(1) || chr(31) || chr(127), '\\x80'::BLOB, 'null'::JSON, NULL),
      (repeat('long', 5000), repeat('\\xAB', 3000)::BLOB, NULL, 'a'),
      (NULL, NULL, NULL, NULL)
    ) t(s, b, j, e)`,
  temporal: `
    SELECT * FROM (VALUES
      (DATE '1970-01-01', TIME '00:00:00', TIMETZ '00:00:00+00', TIMESTAMP '1970-01-01 00:00:00',
       TIMESTAMPTZ '1970-01-01 00:00:00+00', TIMESTAMP_MS '1970-01-01 00:00:00',
       TIMESTAMP_NS '1970-01-01 00:00:00', TIMESTAMP_S '1970-01-01 00:00:00', TIME_NS '00:00:00'),
      (DATE '1969-12-31', TIME '23:59:59.999999', TIMETZ '12:34:56.789+00',
       TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00',
       TIMESTAMP_MS '1969-12-31 23:59:59.999', TIMESTAMP_NS '1969-12-31 23:59:59.999999999',
       TIMESTAMP_S '1969-12-31 23:59:59', TIME_NS '23:59:59.999999999'),
      (DATE '0001-01-01', TIME '12:00:00.5', TIMETZ '23:59:59.999999+00',
       TIMESTAMP '0001-01-01 00:00:00', TIMESTAMPTZ '2000-02-29 12:00:00.000001+00',
       TIMESTAMP_MS '2262-04-11 23:47:16.854', TIMESTAMP_NS '1677-09-22 00:00:00.000000001',
       TIMESTAMP_S '9999-12-31 23:59:59', TIME_NS '00:00:00.000000001'),
      (DATE '9999-12-31', TIME '01:02:03.000004', NULL, TIMESTAMP '9999-12-31 23:59:59.999999',
       TIMESTAMPTZ '1900-01-01 00:00:00+00', TIMESTAMP_MS '1582-10-04 12:00:00.001',
       TIMESTAMP_NS '2262-04-10 23:47:16.854775807', NULL, NULL),
      (DATE '1582-10-15', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(d, t_us, t_utc, ts_us, ts_utc, ts_ms, ts_ns, ts_s, t_ns)`,
  other: `
    SELECT * FROM (VALUES
      (UUID '00000000-0000-0000-0000-000000000000', INTERVAL '0 seconds', true),
      (UUID 'ffffffff-ffff-ffff-ffff-ffffffffffff', INTERVAL '14 months 3 days 04:05:06.789', false),
      (UUID 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', INTERVAL '1 millisecond', NULL),
      (NULL, NULL, NULL)
    ) t(u, iv, flag)`,
  nested: `
    SELECT * FROM (VALUES
      ([1, NULL, 3], [[1, 2], [], NULL, [NULL]], {'a': 1, 'b': 'x'},
       {'l': [1.5, NULL], 's': {'z': NULL::INT}}, MAP {'k1': 1, 'k2': NULL},
       MAP {1: 'one', -2: NULL}, [{'x': 1, 'y': [true]}, NULL, {'x': NULL, 'y': NULL}],
       [MAP {'m': [1]}]),
      ([], [], {'a': NULL, 'b': NULL}, {'l': [], 's': NULL}, MAP {}, MAP {}, [], []),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      ([NULL], [[NULL, NULL]], {'a': -1, 'b': ''}, NULL, MAP {'': 0}, MAP {0: ''}, [NULL], [NULL])
    ) t(ints, int_lists, st, st_nested, str_map, int_map, structs, maps)`,
  // No rows at all, and columns that are NULL in every row.
  empty: `SELECT 1::INTEGER AS a, 'x' AS s, [1] AS l WHERE false`,
  all_null: `SELECT NULL::INTEGER AS a, NULL::VARCHAR AS s, NULL::INTEGER[] AS l, NULL::STRUCT(x INT) AS st
             FROM range(3000)`,
  // Enough rows for several pages and row groups, dictionaries that overflow, and runs that
  // exercise RLE and bit-packing.
  bulk: `
    SELECT i::BIGINT AS id,
           CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 13)::INTEGER END AS small,
           (i * 2654435761 % 4294967296)::UBIGINT AS spread,
           'k' || (i % 50) AS low_card,
           CASE WHEN i % 3 = 0 THEN NULL ELSE md5(i::VARCHAR) END AS high_card,
           (i / 3.0)::DOUBLE AS dbl,
           (i / 7.0)::FLOAT AS flt,
           ((i % 100000 - 50000) / 100)::DECIMAL(9,2) AS dec,
           TIMESTAMP '2020-01-01' + to_microseconds(i * 1000003) AS ts,
           i % 2 = 0 AS even,
           CASE WHEN i % 5 = 0 THEN NULL ELSE range(i % 4)::INTEGER[] END AS lst
    FROM range(30000) r(i)`,
};

// Writer variants: COPY options and a short name.
const VARIANTS = [
  { name: 'snappy-v1', options: "COMPRESSION 'snappy'" },
  { name: 'plain-v2', options: "COMPRESSION 'uncompressed', PARQUET_VERSION 'V2'" },
  { name: 'zstd-v2', options: "COMPRESSION 'zstd', PARQUET_VERSION 'V2'" },
  { name: 'gzip-v1', options: "COMPRESSION 'gzip'" },
  { name: 'lz4raw-v1-rg1000', options: "COMPRESSION 'lz4_raw', ROW_GROUP_SIZE 1000" },
];

async function main() {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node make_fixtures.mjs OUTDIR\n');
    process.exit(1);
  }
  fs.mkdirSync(out, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await instance.connect();
  let written = 0;
  for (const [name, sql] of Object.entries(CASES)) {
    for (const variant of VARIANTS) {
      const file = path.join(out, `${name}.${variant.name}.parquet`);
      const tmp = `${file}.tmp`;
      await con.run(`COPY (${sql}) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet, ${variant.options})`);
      fs.renameSync(tmp, file);
      written++;
    }
  }
  process.stdout.write(`wrote ${written} files into ${out}\n`);
}

await main();
