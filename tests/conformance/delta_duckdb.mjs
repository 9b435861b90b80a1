// Runs SQL statements with DuckDB (tools/duckdb) for delta_replay.py: reads a JSON array of
// statements on stdin and prints a JSON array with, per statement, its rows (arrays of values,
// BIGINTs as strings) or {"error": message}. One thread, in-memory database.
// With `--time N` (bench/20_delta_log.sh) each statement runs N times and its entry is
// {"rows": ..., "best_ms": ..., "best_cpu_ms": ...}, timed inside DuckDB's process (no node
// start-up; CPU time from process.cpuUsage, robust on a loaded machine).
import { DuckDBInstance } from '../../tools/duckdb/node_modules/@duckdb/node-api/lib/index.js';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const statements = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
const timeIndex = process.argv.indexOf('--time');
const repeat = timeIndex > 0 ? Math.max(1, parseInt(process.argv[timeIndex + 1], 10)) : 0;
const out = [];
for (const sql of statements) {
  try {
    if (repeat > 0) {
      let best = Infinity;
      let bestCpu = Infinity;
      let rows = null;
      for (let i = 0; i < repeat; ++i) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await con.runAndReadAll(sql);
        best = Math.min(best, performance.now() - t0);
        const c = process.cpuUsage(c0);
        bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
        rows = r.getRowsJS();
      }
      out.push({ rows, best_ms: best, best_cpu_ms: bestCpu });
    } else {
      const r = await con.runAndReadAll(sql);
      out.push(r.getRowsJS());
    }
  } catch (e) {
    out.push({ error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
