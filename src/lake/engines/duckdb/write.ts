/**
 * Segment files written by DuckDB: the buffer's columns go in through data chunks (one temporary table
 * per segment, `log-chunks.ts`), a view gives them back as the segment's columns, and `COPY … ORDER BY`
 * sorts them as the TypeScript writer does and writes ZSTD Parquet with the same columns, column order,
 * types, row-group size and key-value metadata; the agg file is a `GROUP BY` of the same view. The bytes then go to the port like any segment's.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogBuffer } from '../../segments/log-buffer.js';
import { AGG_BUCKET_MS, ROW_GROUP_ROWS, tableColumnNames } from '../../segments/write.js';
import type { SegmentFiles } from '../engine.js';
import {
  type DuckdbInstance,
  duckdbCall,
  importDuckdb,
  runOnThisThread,
  sqlName,
  sqlString,
} from './load.js';
import { appendLogRows, decodedColumnsSql, rowTableColumns, textColumnsOf } from './log-chunks.js';

/** `chq_timestamp`, `chq_tsns`, `chq_fingerprint` and the four fixed text columns come first. */
const FIXED_COLUMNS = 7;

/**
 * Sorts `rows` into a table file and counts them into an agg file, both through DuckDB.
 *
 * @example
 * ```ts
 * const { table, agg } = await writeSegmentWithDuckdb(db, tempDir, rows, 'resource_service_name');
 * ```
 */
export async function writeSegmentWithDuckdb(
  db: DuckdbInstance,
  tempDir: string,
  rows: LogBuffer,
  streamField: string,
): Promise<SegmentFiles> {
  const names = tableColumnNames(rows);
  const dynamic = names.slice(FIXED_COLUMNS);
  const id = randomUUID().replaceAll('-', '');
  const table = `seg_${id}`;
  const view = `segv_${id}`;
  const tablePath = join(tempDir, `tbl_${id}.parquet`);
  const aggPath = join(tempDir, `agg_${id}.parquet`);
  const duckdb = await importDuckdb();
  const con = await duckdbCall('connecting', () => db.connect());
  try {
    return await duckdbCall('writing a segment', async () => {
      const text = textColumnsOf(rows, dynamic);
      await runOnThisThread(con, `CREATE TEMP TABLE ${table} (${rowTableColumns(text).join(', ')})`);
      const appender = await con.createAppender(table);
      appendLogRows(duckdb, appender, rows, text);
      appender.flushSync();
      appender.closeSync();
      await runOnThisThread(
        con,
        `CREATE TEMP VIEW ${view} AS SELECT ${decodedColumnsSql(text)} FROM ${table}`,
      );
      const stream = dynamic.includes(streamField) ? `coalesce(${sqlName(streamField)}, '')` : `''`;
      const options = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, PARQUET_VERSION V2`;
      // _row (the row's arrival) keeps rows that tie on the sort key in order, as the TypeScript (stable) sort does
      await runOnThisThread(
        con,
        `COPY (SELECT ${names.map(sqlName).join(', ')} FROM ${view}
           ORDER BY ${dynamic.includes(streamField) ? `${stream}, ` : ''}chq_fingerprint NULLS FIRST, chq_tsns, _row)
         TO ${sqlString(tablePath)}
         (${options}, KV_METADATA {'bucketkit.lake.stream_field': ${sqlString(streamField)}})`,
      );
      await runOnThisThread(
        con,
        `COPY (SELECT chq_timestamp - chq_timestamp % ${AGG_BUCKET_MS} AS bucket_ts, log_level,
                 ${stream} AS ${sqlName(streamField)}, ${AGG_BUCKET_MS}::BIGINT AS frequency,
                 count(*)::BIGINT AS count
               FROM ${view} GROUP BY ALL ORDER BY bucket_ts, log_level NULLS FIRST, 3)
         TO ${sqlString(aggPath)} (${options})`,
      );
      const [tableBytes, aggBytes] = await Promise.all([readFile(tablePath), readFile(aggPath)]);
      return { table: new Uint8Array(tableBytes), agg: new Uint8Array(aggBytes) };
    });
  } finally {
    await runOnThisThread(con, `DROP VIEW IF EXISTS ${view}`).catch(() => undefined);
    await runOnThisThread(con, `DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    con.closeSync();
    await Promise.all([rm(tablePath, { force: true }), rm(aggPath, { force: true })]);
  }
}
