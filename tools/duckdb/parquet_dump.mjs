#!/usr/bin/env node
// parquet_dump.mjs: print a Parquet file's rows as JSON lines in Lakeshare's canonical form, read
// by DuckDB. It is the independent reader of tests/conformance/parquet_conformance.py, which
// compares its output with `lakeshare parquet cat FILE` row by row.
//
//   node parquet_dump.mjs FILE [--columns a,b] [--limit N] [--types-out PATH]
//   node parquet_dump.mjs --batch      (many files per process; protocol at batch() below)
//
// One JSON object per row; keys are the top-level field names in schema order (with --columns,
// only those fields, still in schema order). The canonical form of each value is the one
// `lakeshare parquet cat` documents: exact integers, shortest round-trip doubles (FLOAT widened to
// double), "NaN"/"Infinity"/"-Infinity" strings, decimals as exact strings with `scale` digits,
// dates "YYYY-MM-DD", times and timestamps with 3/6/9 fraction digits by unit and "Z" when adjusted
// to UTC, binary as padded base64, UUIDs lowercase, intervals as {"months","days","millis"},
// structs as objects, lists as arrays, maps as objects (string keys) or [{"key","value"}] arrays.
//
// DuckDB hides some Parquet facts behind its own types (a MILLIS timestamp arrives as a microsecond
// TIMESTAMP, an INT96 one too), so the Parquet schema (`parquet_schema()`) is walked alongside
// DuckDB's types to print each value at the unit the file declares. Where DuckDB exposes less
// precision than the canonical form asks for (INT96 carries nanoseconds, DuckDB keeps
// microseconds), the value is printed at DuckDB's resolution (6 fraction digits) and the leaf is
// marked `truncate_fraction_to` in the --types-out description, so the comparison can compare at
// that resolution without guessing.
//
// --types-out PATH writes, before any row is printed, a JSON description of the columns:
//   {"columns": [[name, node], ...]} with node one of
//   {"kind": "leaf", "duckdb": "TIMESTAMP", "parquet": "INT96", "truncate_fraction_to": 6,
//    "rounding": "floor"|"toward_zero"}
//   {"kind": "struct", "fields": [[name, node], ...]}   {"kind": "list", "element": node}
//   {"kind": "map", "object": true|false, "key": node, "value": node}
//
// Exit codes: 0 rows printed; 1 bad usage; 2 DuckDB cannot read the file (message on stderr);
// 3 the file holds a type this tool cannot print in the canonical form (message on stderr).
//
// Runs single-threaded (SET threads=1) and streams chunk by chunk, so a file of millions of rows
// needs memory for one chunk (2048 rows) at a time.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';

class UnsupportedError extends Error {}
class UsageError extends Error {}

function usage(message) {
  process.stderr.write(
    `${message ? `parquet_dump: ${message}\n` : ''}` +
      'usage: node parquet_dump.mjs FILE [--columns a,b] [--limit N] [--types-out PATH]\n',
  );
  process.exit(1);
}

function parseArgs(argv) {
  const args = { file: null, columns: null, limit: null, typesOut: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--columns') {
      args.columns = value().split(',').filter((c) => c.length > 0);
    } else if (a === '--limit') {
      const v = value();
      if (!/^\d+$/.test(v)) usage(`--limit wants a non-negative integer, got '${v}'`);
      args.limit = BigInt(v);
    } else if (a === '--types-out') {
      args.typesOut = value();
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else if (args.file === null) {
      args.file = a;
    } else {
      usage(`unexpected argument '${a}'`);
    }
  }
  if (args.file === null) usage('missing FILE');
  return args;
}

// ---------------------------------------------------------------------------------------------
// The Parquet schema, as DuckDB's parquet_schema() lists it: the footer's flattened element list
// in depth-first order, rebuilt into a tree with num_children.

function buildSchemaTree(rows) {
  let next = 0;
  const build = () => {
    if (next >= rows.length) throw new Error('parquet_schema() ended inside a group');
    const r = rows[next++];
    const node = {
      name: r.name,
      type: r.type, // physical type, null for groups
      repetition: r.repetition_type,
      converted: r.converted_type,
      logical: r.logical_type, // Thrift's printTo() text, e.g. TimestampType(isAdjustedToUTC=1, ...)
      children: [],
    };
    const n = r.num_children === null ? 0 : Number(r.num_children);
    for (let i = 0; i < n; i++) node.children.push(build());
    return node;
  };
  return build();
}

// The node holding a LIST's elements, after the Parquet format's LogicalTypes.md "Lists" rules,
// including its backward-compatibility rules for 2-level lists.
function listElementNode(node) {
  if (!node) return null;
  if (node.repetition === 'REPEATED' && node.converted !== 'LIST') {
    // "A repeated field that is neither contained by a LIST- or MAP-annotated group nor annotated
    // by LIST or MAP should be interpreted as a required list of required elements."
    return { ...node, repetition: 'REQUIRED' };
  }
  if (node.children.length !== 1) return null;
  const repeated = node.children[0];
  if (repeated.repetition !== 'REPEATED') return null;
  // "If the repeated field is not a group, then its type is the element type."
  if (repeated.children.length === 0) return { ...repeated, repetition: 'REQUIRED' };
  // "If the repeated field is a group with multiple fields, then its type is the element type."
  if (repeated.children.length > 1) return { ...repeated, repetition: 'REQUIRED' };
  // "If the repeated field is a group with one field with repeated repetition, then its type is
  // the element type and elements are required."
  if (repeated.children[0].repetition === 'REPEATED') return { ...repeated, repetition: 'REQUIRED' };
  // "If the repeated field is a group with one field and is named either array or uses the
  // LIST-annotated group's name with _tuple appended then the repeated type is the element type."
  if (repeated.name === 'array' || repeated.name === `${node.name}_tuple`) {
    return { ...repeated, repetition: 'REQUIRED' };
  }
  return repeated.children[0];
}

// [keyNode, valueNode] of a MAP (or legacy MAP_KEY_VALUE) group.
function mapEntryNodes(node) {
  if (!node || node.children.length !== 1) return [null, null];
  const kv = node.children[0];
  return [kv.children[0] ?? null, kv.children[1] ?? null];
}

// Unit and UTC flag of a TIMESTAMP/TIME leaf: the logical type wins, then the legacy converted
// types (TIMESTAMP_MILLIS/MICROS count as adjusted to UTC), then INT96.
function temporalInfo(node) {
  if (!node) return null;
  if (node.type === 'INT96') return { unit: 'INT96', utc: false };
  const m = /^(?:Timestamp|Time)Type\(isAdjustedToUTC=(\w+), unit=TimeUnit\(MILLIS=(.*?), MICROS=(.*?), NANOS=(.*?)\)\)/.exec(
    node.logical ?? '',
  );
  if (m) {
    const utc = m[1] === '1' || m[1] === 'true';
    const unit = m[2] !== '<null>' ? 'MILLIS' : m[3] !== '<null>' ? 'MICROS' : m[4] !== '<null>' ? 'NANOS' : null;
    if (unit) return { unit, utc };
  }
  switch (node.converted) {
    case 'TIMESTAMP_MILLIS':
      return { unit: 'MILLIS', utc: true };
    case 'TIMESTAMP_MICROS':
      return { unit: 'MICROS', utc: true };
    case 'TIME_MILLIS':
      return { unit: 'MILLIS', utc: true };
    case 'TIME_MICROS':
      return { unit: 'MICROS', utc: true };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Value formatting.

const DIGITS = { MILLIS: 3, MICROS: 6, NANOS: 9 };

function pad(n, width) {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

// Proleptic Gregorian civil date of a day count since 1970-01-01 (H. Hinnant's days-to-civil
// algorithm). Years outside 0..9999 keep their sign and at least four digits.
function civilFromDays(days) {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

function floorDivMod(a, b) {
  let q = a / b;
  let r = a % b;
  if (r < 0n) {
    r += b;
    q -= 1n;
  }
  return [q, r];
}

// "YYYY-MM-DDTHH:MM:SS[.f{digits}]" of `ticks` ticks of 10^-digits seconds since the epoch.
function formatTimestamp(ticks, digits) {
  const perSecond = 10n ** BigInt(digits);
  const [seconds, fraction] = floorDivMod(ticks, perSecond);
  const [days, secondOfDay] = floorDivMod(seconds, 86400n);
  const sod = Number(secondOfDay);
  const hms = `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`;
  const frac = digits > 0 ? `.${pad(fraction, digits)}` : '';
  return `${civilFromDays(Number(days))}T${hms}${frac}`;
}

// "HH:MM:SS.f{digits}" of `ticks` ticks of 10^-digits seconds since midnight.
function formatTime(ticks, digits) {
  const perSecond = 10n ** BigInt(digits);
  const [seconds, fraction] = floorDivMod(ticks, perSecond);
  const s = Number(seconds);
  const hms = `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`;
  return `${hms}.${pad(fraction, digits)}`;
}

// Shortest text that round-trips the double (ECMAScript Number::toString is shortest
// round-trip), with JSON-safe spellings for the values JSON has no number for.
function formatDouble(x) {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  if (x === 0 && 1 / x < 0) return '-0.0'; // String(-0) is "0"; keep the sign visible
  return String(x);
}

function formatDecimal(unscaled, scale) {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = pad(digits, scale + 1);
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return JSON.stringify(`${negative ? '-' : ''}${digits}`);
}

function base64(bytes) {
  return JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
}

// Build a formatter (value -> JSON text; value is never null here) and a description for one
// DuckDB type, with the matching Parquet schema node (or null when it could not be matched, in
// which case DuckDB's type alone decides).
function makeColumn(type, node, where) {
  const leaf = (fmt, extra = {}) => ({
    fmt,
    desc: { kind: 'leaf', duckdb: type.toString(), parquet: node?.type ?? null, ...extra },
  });
  const id = type.typeId;
  const declaredDecimal = node && (node.converted === 'DECIMAL' || /^DecimalType\(/.test(node.logical ?? ''));
  if (declaredDecimal && id !== DuckDBTypeId.DECIMAL) {
    // DuckDB reads a DECIMAL wider than 38 digits as DOUBLE: the exact value is gone.
    throw new UnsupportedError(`${where}: DECIMAL read by DuckDB as ${type.toString()}`);
  }
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return leaf((v) => (v ? 'true' : 'false'));
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return leaf((v) => v.toString()); // number or bigint: exact either way
    case DuckDBTypeId.FLOAT: // arrives widened to a JS double, exactly
    case DuckDBTypeId.DOUBLE:
      return leaf(formatDouble);
    case DuckDBTypeId.DECIMAL:
      return leaf((v) => formatDecimal(v.value, v.scale));
    case DuckDBTypeId.VARCHAR: // also JSON, an alias of VARCHAR
    case DuckDBTypeId.ENUM:
      return leaf((v) => JSON.stringify(v));
    case DuckDBTypeId.BLOB:
    case DuckDBTypeId.GEOMETRY: // WKB bytes as stored
      return leaf((v) => base64(v.bytes));
    case DuckDBTypeId.UUID:
      return leaf((v) => JSON.stringify(v.toString().toLowerCase()));
    case DuckDBTypeId.DATE:
      return leaf((v) => JSON.stringify(civilFromDays(v.days)));
    case DuckDBTypeId.INTERVAL:
      // Parquet INTERVAL holds milliseconds; DuckDB widens them to microseconds.
      return leaf((v) => {
        if (v.micros % 1000n !== 0n) throw new UnsupportedError(`${where}: interval with sub-millisecond part`);
        return `{"months":${v.months},"days":${v.days},"millis":${v.micros / 1000n}}`;
      });
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.TIME_NS: {
      const info = temporalInfo(node);
      if (id === DuckDBTypeId.TIME_NS) return leaf((v) => JSON.stringify(formatTime(v.nanos, 9)));
      // DuckDB keeps microseconds; a UTC-adjusted TIME arrives as TIME WITH TIME ZONE at offset 0.
      if (info?.unit === 'MILLIS') {
        return leaf((v) => JSON.stringify(v.micros % 1000n === 0n ? formatTime(v.micros / 1000n, 3) : formatTime(v.micros, 6)));
      }
      if (info?.unit === 'NANOS') {
        return leaf((v) => JSON.stringify(formatTime(v.micros, 6)), { truncate_fraction_to: 6, rounding: 'floor' });
      }
      return leaf((v) => JSON.stringify(formatTime(v.micros, 6)));
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_S: {
      const info = temporalInfo(node);
      const utc = info ? info.utc : id === DuckDBTypeId.TIMESTAMP_TZ;
      const z = utc ? 'Z' : '';
      // The value in DuckDB's own unit.
      const ticks =
        id === DuckDBTypeId.TIMESTAMP_NS
          ? [(v) => v.nanos, 9]
          : id === DuckDBTypeId.TIMESTAMP_MS
            ? [(v) => v.millis, 3]
            : id === DuckDBTypeId.TIMESTAMP_S
              ? [(v) => v.seconds * 1000n, 3]
              : [(v) => v.micros, 6];
      const [get, exposed] = ticks;
      const wanted = info && info.unit !== 'INT96' ? DIGITS[info.unit] : info?.unit === 'INT96' ? 9 : exposed;
      if (wanted === exposed) return leaf((v) => JSON.stringify(formatTimestamp(get(v), exposed) + z));
      if (wanted > exposed) {
        // The file holds finer ticks than DuckDB keeps (INT96 or NANOS read as microseconds):
        // print what DuckDB exposes and mark the leaf, so that the comparison cuts the other side
        // to the same resolution the way DuckDB did: INT96 nanoseconds of the day divided down
        // (a floor, they are never negative), an epoch count in nanoseconds divided by C++ integer
        // division (toward zero: -1 ns becomes 0, i.e. 1970-01-01T00:00:00.000000).
        const rounding = info?.unit === 'INT96' ? 'floor' : 'toward_zero';
        return leaf((v) => JSON.stringify(formatTimestamp(get(v), exposed) + z), {
          truncate_fraction_to: exposed,
          rounding,
        });
      }
      // The file's unit is coarser than DuckDB's (MILLIS read as microseconds): divide exactly,
      // or print DuckDB's full value so that a mismatch shows.
      const scaleDown = 10n ** BigInt(exposed - wanted);
      return leaf((v) => {
        const t = get(v);
        return JSON.stringify(
          (t % scaleDown === 0n ? formatTimestamp(t / scaleDown, wanted) : formatTimestamp(t, exposed)) + z,
        );
      });
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const element = makeColumn(type.valueType, listElementNode(node), `${where}[]`);
      const fmt = element.fmt;
      return {
        fmt: (v) => {
          const parts = new Array(v.items.length);
          for (let i = 0; i < v.items.length; i++) {
            const item = v.items[i];
            parts[i] = item === null ? 'null' : fmt(item);
          }
          return `[${parts.join(',')}]`;
        },
        desc: { kind: 'list', element: element.desc },
      };
    }
    case DuckDBTypeId.STRUCT: {
      const names = type.entryNames;
      let childNodes = names.map(() => null);
      if (node && node.children.length === names.length) {
        childNodes = node.children; // DuckDB keeps the file's field order
      } else if (node) {
        childNodes = names.map((n) => node.children.find((c) => c.name === n) ?? null);
      }
      const fields = names.map((n, i) => makeColumn(type.entryTypes[i], childNodes[i], `${where}.${n}`));
      const keys = names.map((n) => `${JSON.stringify(n)}:`);
      return {
        fmt: (v) => {
          const parts = new Array(names.length);
          for (let i = 0; i < names.length; i++) {
            const item = v.entries[names[i]];
            parts[i] = keys[i] + (item === null || item === undefined ? 'null' : fields[i].fmt(item));
          }
          return `{${parts.join(',')}}`;
        },
        desc: { kind: 'struct', fields: names.map((n, i) => [n, fields[i].desc]) },
      };
    }
    case DuckDBTypeId.MAP: {
      const [keyNode, valueNode] = mapEntryNodes(node);
      const key = makeColumn(type.keyType, keyNode, `${where}.key`);
      const value = makeColumn(type.valueType, valueNode, `${where}.value`);
      const asObject = type.keyType.typeId === DuckDBTypeId.VARCHAR;
      const fmtValue = (x) => (x === null ? 'null' : value.fmt(x));
      return {
        fmt: (v) => {
          const parts = new Array(v.entries.length);
          for (let i = 0; i < v.entries.length; i++) {
            const e = v.entries[i];
            if (asObject) {
              if (e.key === null) throw new UnsupportedError(`${where}: map with a null key`);
              parts[i] = `${JSON.stringify(e.key)}:${fmtValue(e.value)}`;
            } else {
              parts[i] = `{"key":${e.key === null ? 'null' : key.fmt(e.key)},"value":${fmtValue(e.value)}}`;
            }
          }
          return asObject ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
        },
        desc: { kind: 'map', object: asObject, key: key.desc, value: value.desc },
      };
    }
    default:
      throw new UnsupportedError(`${where}: DuckDB type ${type.toString()} has no canonical form here`);
  }
}

// ---------------------------------------------------------------------------------------------

function quoteSqlString(s) {
  return `'${s.replace(/'/g, "''")}'`;
}

// read_parquet() treats its argument as a glob; a path with glob characters gets a plain-named
// symlink so that DuckDB opens exactly that file.
function globSafePath(file, cleanup) {
  if (!/[*?[\]{}]/.test(file)) return file;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parquet-dump-'));
  const link = path.join(dir, 'file.parquet');
  fs.symlinkSync(file, link);
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return link;
}

class UnreadableError extends Error {}

// Print one file. `sink.write(text)` takes whole lines (it may return a promise for backpressure).
// Returns the number of rows; throws UnreadableError (DuckDB cannot read the file),
// UnsupportedError (no canonical form for a type) or UsageError.
async function dumpFile(con, request, sink) {
  const absolute = path.resolve(request.file);
  if (!fs.existsSync(absolute)) throw new UnreadableError(`no such file: ${request.file}`);
  const cleanup = [];
  try {
    const file = globSafePath(absolute, cleanup);
    let columns;
    let sql;
    try {
      const schemaRows = (
        await con.runAndReadAll(
          'SELECT name, type, repetition_type, num_children, converted_type, logical_type FROM parquet_schema(?)',
          [file],
        )
      ).getRowObjects();
      const tree = buildSchemaTree(schemaRows);
      // hive_partitioning=false: DuckDB would otherwise add a column for each key=value folder.
      const source = `read_parquet(${quoteSqlString(file)}, hive_partitioning=false, binary_as_string=false)`;
      const described = await con.runAndReadAll(`SELECT * FROM ${source} LIMIT 0`);
      const allNames = tree.children.map((c) => c.name);
      if (described.columnCount !== allNames.length) {
        throw new Error(`DuckDB shows ${described.columnCount} columns, the footer ${allNames.length}`);
      }
      let positions = allNames.map((_, i) => i);
      if (request.columns) {
        const unknown = request.columns.filter((c) => !allNames.includes(c));
        if (unknown.length > 0) throw new UsageError(`no such column: ${unknown.join(', ')}`);
        positions = positions.filter((i) => request.columns.includes(allNames[i]));
      }
      columns = positions.map((i) => ({
        name: allNames[i],
        ...makeColumn(described.columnType(i), tree.children[i], allNames[i]),
      }));
      // Positional references (#n) sidestep DuckDB's case-insensitive, de-duplicated names.
      const projection = positions.length > 0 ? positions.map((i) => `#${i + 1}`).join(', ') : '1';
      const limit = request.limit !== null && request.limit !== undefined ? ` LIMIT ${BigInt(request.limit)}` : '';
      sql = `SELECT ${projection} FROM ${source}${limit}`;
    } catch (e) {
      if (e instanceof UnsupportedError || e instanceof UsageError) throw e;
      throw new UnreadableError(e.message);
    }
    if (request.typesOut) {
      fs.writeFileSync(request.typesOut, JSON.stringify({ columns: columns.map((c) => [c.name, c.desc]) }));
    }

    const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
    const vectors = columns.map(() => null);
    const parts = columns.map(() => null);
    let rowCount = 0;
    let result;
    try {
      result = await con.stream(sql);
    } catch (e) {
      throw new UnreadableError(e.message);
    }
    for (;;) {
      let chunk;
      try {
        chunk = await result.fetchChunk();
      } catch (e) {
        throw new UnreadableError(e.message);
      }
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      for (let c = 0; c < columns.length; c++) vectors[c] = chunk.getColumnVector(c);
      const lines = new Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < columns.length; c++) {
          const v = vectors[c].getItem(r);
          parts[c] = keys[c] + (v === null ? 'null' : columns[c].fmt(v));
        }
        lines[r] = `{${parts.join(',')}}\n`;
      }
      rowCount += rows;
      await sink.write(lines.join(''));
    }
    return rowCount;
  } finally {
    for (const f of cleanup) f();
  }
}

const stdoutSink = {
  write(text) {
    if (process.stdout.write(text)) return undefined;
    return new Promise((resolve) => process.stdout.once('drain', resolve));
  },
};

function fileSink(fd) {
  return {
    write(text) {
      fs.writeSync(fd, text);
    },
  };
}

async function openDuckDB() {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    autoinstall_known_extensions: 'false',
  });
  const con = await instance.connect();
  await con.run('SET threads=1');
  return con;
}

// --batch: one long-lived process for many files, so that loading DuckDB (most of a short run's
// time) is paid once. Reads requests as JSON lines on stdin:
//   {"file": PATH, "out": PATH, "types_out": PATH|null, "columns": [..]|null, "limit": N|null}
// writes the rows to "out" and answers each request with one JSON line on stdout:
//   {"file": PATH, "status": "ok"|"unreadable"|"unsupported"|"usage", "rows": N, "message": TEXT}
async function batch() {
  const con = await openDuckDB();
  const readline = await import('node:readline');
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let request;
    let answer;
    try {
      request = JSON.parse(line);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ status: 'usage', message: `bad request: ${e.message}` })}\n`);
      continue;
    }
    let fd = null;
    try {
      fd = fs.openSync(request.out, 'w');
      const rows = await dumpFile(
        con,
        { file: request.file, columns: request.columns ?? null, limit: request.limit ?? null, typesOut: request.types_out ?? null },
        fileSink(fd),
      );
      answer = { file: request.file, status: 'ok', rows, message: '' };
    } catch (e) {
      const status =
        e instanceof UnsupportedError ? 'unsupported' : e instanceof UsageError ? 'usage' : 'unreadable';
      answer = { file: request.file, status, rows: 0, message: e.message };
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

async function main() {
  if (process.argv[2] === '--batch') {
    await batch();
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const con = await openDuckDB();
  try {
    await dumpFile(con, args, stdoutSink);
  } catch (e) {
    if (e instanceof UnsupportedError) {
      process.stderr.write(`parquet_dump: unsupported: ${e.message}\n`);
      process.exit(3);
    }
    if (e instanceof UsageError) usage(e.message);
    process.stderr.write(`parquet_dump: DuckDB cannot read ${args.file}: ${e.message}\n`);
    process.exit(2);
  }
}

await main();
