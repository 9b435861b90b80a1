// Benchmark baseline: DuckDB (one thread) decoding the columns of a checkpoint-shaped Parquet file
// that `lakeshare parquet scan` decodes. Prints {"seconds": best} as JSON.
// Usage: node bench_parquet_scan.mjs FILE [REPEAT]
import { DuckDBInstance } from '@duckdb/node-api';

const [file, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg || 5);
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
// Aggregates force every column to be decoded while keeping result transfer negligible.
const sql = `SELECT max(length(add.path)), max(cardinality(add.partitionValues)), max(add.size),
  max(add.modificationTime), bool_or(add.dataChange), max(length(add.stats))
  FROM read_parquet('${file.replace(/'/g, "''")}')`;
let best = Infinity;
for (let i = 0; i < repeat; i++) {
  const t = performance.now();
  await con.runAndReadAll(sql);
  best = Math.min(best, (performance.now() - t) / 1000);
}
console.log(JSON.stringify({ seconds: best }));
