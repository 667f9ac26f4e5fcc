/**
 * Metric tables written by DuckDB. The cooked columns go in as they are: per row only numbers, through
 * data chunks filled from JavaScript (typed arrays copied once per 2,048 rows, no call per value), with a
 * series index and a sketch index into two small tables (a series' text once, a shared one-value sketch
 * once). `COPY` then joins them back in row order and writes ZSTD Parquet with the TypeScript writer's
 * columns, column order and types (`metrics/table.ts`), so either engine reads the other's tables.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { MetricColumns } from '../../metrics/columns.js';
import { ROLLUP_COLUMNS } from '../../metrics/row.js';
import { METRIC_ROW_GROUP_ROWS, METRIC_STRINGS, metricFieldNames } from '../../metrics/table.js';
import {
  type DuckdbInstance,
  duckdbCall,
  importDuckdb,
  runOnThisThread,
  sqlName,
  sqlString,
} from './load.js';

/** DuckDB's vector size: the most rows a data chunk holds. */
const CHUNK_ROWS = 2048;

/** The per-row numbers, in the temporary table's column order. */
const NUMBERS = [
  'ts_ms',
  'tsns_ms',
  'tsns_sub',
  ...ROLLUP_COLUMNS,
  'chq_value',
  'has_value',
  'chq_reset_adjust',
] as const;

/**
 * The table file of `rows` (in their order), written by DuckDB.
 *
 * @example
 * ```ts
 * const bytes = await writeMetricTableWithDuckdb(db, tempDir, builder.columns());
 * ```
 */
export async function writeMetricTableWithDuckdb(
  db: DuckdbInstance,
  tempDir: string,
  rows: MetricColumns,
): Promise<Uint8Array> {
  const duckdb = await importDuckdb();
  const fields = metricFieldNames(rows);
  const id = randomUUID().replaceAll('-', '');
  const [r, s, k] = [`mr_${id}`, `ms_${id}`, `mk_${id}`];
  const path = join(tempDir, `metrics_${id}.parquet`);
  const con = await duckdbCall('connecting', () => db.connect());
  try {
    return await duckdbCall('writing a metric table', async () => {
      const numbers = NUMBERS.map((name) => `${sqlName(name)} DOUBLE`);
      await runOnThisThread(con, `CREATE TEMP TABLE ${r} (sid INTEGER, kid INTEGER, ${numbers.join(', ')})`);
      const strings = [...METRIC_STRINGS, 'chq_temporality', ...fields].map((n) => `${sqlName(n)} VARCHAR`);
      await runOnThisThread(
        con,
        `CREATE TEMP TABLE ${s} (sid INTEGER, metric_name VARCHAR, chq_tid BIGINT, ${strings.join(', ')})`,
      );
      await runOnThisThread(con, `CREATE TEMP TABLE ${k} (kid INTEGER, chq_sketch BLOB)`);

      const series = await con.createAppender(s);
      for (const [i, one] of rows.series.entries()) {
        series.appendInteger(i);
        series.appendVarchar(one.metric_name);
        series.appendBigInt(one.chq_tid);
        for (const name of METRIC_STRINGS) series.appendVarchar(one[name]);
        appendText(series, one.chq_temporality);
        for (const name of fields) appendText(series, one.fields[name] ?? null);
        series.endRow();
      }
      series.closeSync();

      // one row per distinct sketch array: rows of one-value sketches share theirs
      const sketchIds = new Map<Uint8Array, number>();
      const kids = new Int32Array(rows.length);
      const sketches = await con.createAppender(k);
      for (let i = 0; i < rows.length; i++) {
        const bytes = rows.sketch[i]!;
        let kid = sketchIds.get(bytes);
        if (kid === undefined) {
          kid = sketchIds.size;
          sketchIds.set(bytes, kid);
          sketches.appendInteger(kid);
          sketches.appendBlob(bytes);
          sketches.endRow();
        }
        kids[i] = kid;
      }
      sketches.closeSync();

      const appender = await con.createAppender(r);
      const types = [duckdb.INTEGER, duckdb.INTEGER, ...NUMBERS.map(() => duckdb.DOUBLE)];
      const chunk = duckdb.DuckDBDataChunk.create(types);
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        appendRows(appender, chunk, rows, kids, start, Math.min(CHUNK_ROWS, rows.length - start));
      }
      appender.flushSync();
      appender.closeSync();

      const select = [
        's.metric_name',
        's.chq_tid',
        'r.ts_ms::BIGINT AS chq_timestamp',
        '(r.tsns_ms::BIGINT * 1000000 + r.tsns_sub::BIGINT) AS chq_tsns',
        ...METRIC_STRINGS.map((n) => `s.${sqlName(n)}`),
        'k.chq_sketch',
        ...ROLLUP_COLUMNS.map((n) => `r.${sqlName(n)}`),
        'if(r.has_value = 1, r.chq_value, NULL) AS chq_value',
        'r.chq_reset_adjust',
        's.chq_temporality',
        ...fields.map((n) => `s.${sqlName(n)}`),
      ];
      const options = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${METRIC_ROW_GROUP_ROWS}, PARQUET_VERSION ${parquetVersion(rows)}`;
      await runOnThisThread(
        con,
        `COPY (SELECT ${select.join(', ')} FROM ${r} r JOIN ${s} s USING (sid) JOIN ${k} k USING (kid)
               ORDER BY r.rowid)
         TO ${sqlString(path)} (${options})`,
      );
      return new Uint8Array(await readFile(path));
    });
  } finally {
    for (const table of [r, s, k])
      await runOnThisThread(con, `DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    con.closeSync();
    await rm(path, { force: true });
  }
}

/**
 * DuckDB picks encodings by the format version, not per column: V2 writes every DOUBLE
 * BYTE_STREAM_SPLIT, which suits whole numbers (counters: the TypeScript writer's choice too) but
 * doubles the size of random-walk gauges, where V1's PLAIN (as the TypeScript writer) does better even
 * with V1's plain `chq_tsns` (measured on bench/lake-metrics' data: gauges 54.7 → 31.9 B/sample).
 */
function parquetVersion(rows: MetricColumns): 'V1' | 'V2' {
  const columns = [...ROLLUP_COLUMNS.map((name) => rows.rollups[name]), rows.value];
  for (const column of columns)
    for (let i = 0; i < rows.length; i++) if (!Number.isInteger(column[i]!)) return 'V1';
  return 'V2';
}

function appendText(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

/** Rows `[start, start + count)` through one data chunk. */
function appendRows(
  appender: DuckDBAppender,
  chunk: DuckDBDataChunk,
  rows: MetricColumns,
  kids: Int32Array,
  start: number,
  count: number,
): void {
  chunk.rowCount = count;
  const vector = (c: number) => chunk.getColumnVector(c) as DuckDBVector<number>;
  // no nulls in the chunk (chq_value's come from has_value in SQL): the client's validity masks cost a
  // BigInt operation per value once a column holds one
  const fill = (c: number, values: ArrayLike<number>) => {
    const v = vector(c);
    for (let i = 0; i < count; i++) v.setItem(i, values[start + i]!);
    v.flush();
  };
  fill(0, rows.seriesOf);
  fill(1, kids);
  fill(2, rows.timestampMs);
  fill(3, rows.tsnsMs);
  fill(4, rows.tsnsSub);
  for (const [j, name] of ROLLUP_COLUMNS.entries()) fill(5 + j, rows.rollups[name]);
  fill(5 + ROLLUP_COLUMNS.length, rows.value);
  fill(6 + ROLLUP_COLUMNS.length, rows.hasValue);
  fill(7 + ROLLUP_COLUMNS.length, rows.resetAdjust);
  appender.appendDataChunk(chunk);
}
