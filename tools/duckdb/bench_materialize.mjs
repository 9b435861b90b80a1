// Benchmark baseline for bench/50_materialize.sh: DuckDB (one thread) writing the rows of a
// Parquet file that a deletion vector keeps (every row whose index is not a multiple of 10) to a
// new Parquet file, the work `lakeshare delta materialize` does. Also writes the input file.
// Usage: node bench_materialize.mjs gen FILE ROWS | node bench_materialize.mjs copy FILE OUT [REPEAT]
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, file, arg, repeatArg] = process.argv.slice(2);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
if (mode === 'gen') {
  await con.run(`COPY (SELECT i AS id, ['DE','FR','NL','IT','ES','PL','AT','BE'][1 + i % 8] AS country,
      (i % 100000) / 100.0 AS amount, TIMESTAMP '2024-01-01' + to_seconds(i) AS at,
      'order note ' || (i % 1000) AS note FROM range(${Number(arg)}) t(i))
    TO ${q(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 131072)`);
  console.log(JSON.stringify({ written: file }));
} else {
  let best = Infinity;
  for (let i = 0; i < Number(repeatArg || 3); i++) {
    const t = performance.now();
    await con.run(`COPY (SELECT * EXCLUDE (file_row_number)
        FROM read_parquet(${q(file)}, file_row_number = true) WHERE file_row_number % 10 <> 0)
      TO ${q(arg)} (FORMAT parquet, COMPRESSION snappy)`);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  console.log(JSON.stringify({ seconds: best }));
}
