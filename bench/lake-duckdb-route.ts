/**
 * How fast could the DuckDB engine ingest if DuckDB read the NDJSON.gz itself (issue 16, item 9)? The
 * route measured: `read_ndjson` decodes the file, the cooking is SQL (times, LakeRunner's columns, the
 * per-file columns), the fingerprint is the lake's own JavaScript function called by DuckDB as a scalar
 * function (the fingerprint must equal the TypeScript engine's, and its tokenizer is not SQL), each
 * 50 k-row slice is sorted and written as ZSTD Parquet by `COPY`, and the message filter is built in
 * JavaScript by the same scalar function (it sees every message). Three variants, so the share of each
 * part shows:
 *
 *   npx tsx bench/lake-duckdb-route.ts --lines 400000 [--runs 3]
 *
 * - `sql only`: no fingerprint (NULL) and no message filter: what DuckDB itself costs;
 * - `+ fingerprint`: the JavaScript fingerprint through the scalar function;
 * - `+ fingerprint + filter`: also the message filter of each slice (the whole route).
 *
 * Rows per CPU-second of the process (DuckDB's threads included), median of --runs. This is a measurement
 * of a route, not the engine: it cooks only this data set's key list (the lake's decoder handles any).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BIGINT, DuckDBInstance, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import { createLogFingerprinter } from '../src/lake/fingerprint/index.js';
import { messageFilterBuilder } from '../src/lake/segments/message-index.js';
import { dayDataSet } from './lake-data.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '400000' },
    runs: { type: 'string', default: '3' },
    dir: { type: 'string', default: '/tmp/bucketkit-lake-duckdb-route' },
  },
});
const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
const SEGMENT_ROWS = 50_000;
const STREAM = 'resource_service_name';

type Variant = 'sql only' | '+ fingerprint' | '+ fingerprint + filter';

async function ingestOnce(
  path: string,
  out: string,
  variant: Variant,
): Promise<{ rows: number; cpu: number }> {
  const fingerprint = await createLogFingerprinter();
  const since = process.cpuUsage();
  const withFilter = variant === '+ fingerprint + filter';
  const filters = new Map<number, ReturnType<typeof messageFilterBuilder>>();
  const filterOf = (segment: number) => {
    let filter = filters.get(segment);
    if (filter === undefined) {
      filter = messageFilterBuilder();
      filters.set(segment, filter);
    }
    return filter;
  };
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  con.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'lake_fingerprint',
      mainFunction: (_info, input, output) => {
        const messages = input.getColumnVector(0);
        const segments = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) {
          const message = messages.getItem(i) as string;
          output.setItem(i, fingerprint(message));
          // the messages pass through JavaScript here anyway: the segment's filter takes them too
          if (withFilter) filterOf(Number(segments.getItem(i))).add(message);
        }
        output.flush();
      },
      returnType: BIGINT,
      parameterTypes: [VARCHAR, BIGINT],
    }),
  );
  const fp = variant === 'sql only' ? 'NULL::BIGINT' : 'lake_fingerprint(message, segment)';
  // LakeRunner's columns from this data set's keys; the per-file columns are constants
  await con.run(`CREATE TEMP TABLE cooked AS
    SELECT epoch_ms(ts)::BIGINT AS chq_timestamp, epoch_ns(ts)::BIGINT AS chq_tsns, ${fp} AS chq_fingerprint,
      'bench' AS chq_customer_id, 'logs' AS chq_telemetry_type, nullif(level, '') AS log_level,
      message AS log_message, 'lake' AS resource_bucket_name, 'unknown' AS resource_file,
      './raw/big.ndjson.gz' AS resource_file_name, 'big' AS resource_file_type,
      resource_k8s_namespace_name, resource_k8s_pod_name, resource_service_name, segment
    FROM (SELECT "timestamp"::TIMESTAMP_NS AS ts, * EXCLUDE ("timestamp"),
            (row_number() OVER () - 1) // ${SEGMENT_ROWS} AS segment
          FROM read_ndjson('${path}', columns = {timestamp: 'VARCHAR', level: 'VARCHAR', message: 'VARCHAR',
            resource_service_name: 'VARCHAR', resource_k8s_namespace_name: 'VARCHAR',
            resource_k8s_pod_name: 'VARCHAR'}))`);
  const count = await con.runAndReadAll('SELECT count(*), max(segment) FROM cooked');
  const [rows, lastSegment] = count.getRows()[0]!.map(Number) as [number, number];
  for (let segment = 0; segment <= lastSegment; segment++) {
    await con.run(`COPY (SELECT * EXCLUDE (segment) FROM cooked WHERE segment = ${segment}
        ORDER BY ${STREAM}, chq_fingerprint NULLS FIRST, chq_tsns)
      TO '${join(out, `tbl_${segment}.parquet`)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 20000, PARQUET_VERSION V2)`);
    await con.run(`COPY (SELECT chq_timestamp - chq_timestamp % 10000 AS bucket_ts, log_level, ${STREAM},
        10000::BIGINT AS frequency, count(*)::BIGINT AS count FROM cooked WHERE segment = ${segment}
        GROUP BY ALL ORDER BY ALL) TO '${join(out, `agg_${segment}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
    if (withFilter) filterOf(segment).build();
  }
  con.closeSync();
  db.closeSync();
  const used = process.cpuUsage(since);
  return { rows, cpu: (used.user + used.system) / 1e6 };
}

const root = resolve(args.dir);
const data = await dayDataSet(root, Number(args.lines), 1, log);
const path = join(data.dir, data.files[0]!);
const out = join(root, 'out');
const table: string[] = [];
for (const variant of ['sql only', '+ fingerprint', '+ fingerprint + filter'] as Variant[]) {
  const rates: number[] = [];
  for (let run = 0; run < Number(args.runs); run++) {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const { rows, cpu } = await ingestOnce(path, out, variant);
    rates.push(rows / cpu);
    log(`${variant}: ${rows.toLocaleString('en')} rows, ${cpu.toFixed(2)} CPU-s`);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  table.push(
    `| ${variant} | ${Math.round(median).toLocaleString('en')} | ${rates.map((r) => Math.round(r / 100) / 10).join(', ')} k |`,
  );
}
await rm(root, { recursive: true, force: true });
console.log('| DuckDB route | rows/CPU-s (median) | runs |\n| --- | ---: | --- |');
console.log(table.join('\n'));
