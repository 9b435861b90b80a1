// Runs SQL statements with DuckDB (tools/duckdb) for delta_replay.py: reads a JSON array of
// statements on stdin and prints a JSON array with, per statement, its rows (arrays of values,
// BIGINTs as strings) or {"error": message}. One thread, in-memory database.
import { DuckDBInstance } from '../../tools/duckdb/node_modules/@duckdb/node-api/lib/index.js';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const statements = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
const out = [];
for (const sql of statements) {
  try {
    const r = await con.runAndReadAll(sql);
    out.push(r.getRowsJS());
  } catch (e) {
    out.push({ error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
