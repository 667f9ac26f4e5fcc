/**
 * Segment files written by DuckDB: cooked rows go in through an appender (one temporary table per
 * segment), `COPY … ORDER BY` sorts them as the TypeScript writer does and writes ZSTD Parquet with the
 * same columns, column order, types, row-group size and key-value metadata; the agg file is a
 * `GROUP BY` of the same table. The bytes then go to the port like any segment's.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogBuffer } from '../../segments/log-buffer.js';
import { AGG_BUCKET_MS, ROW_GROUP_ROWS, tableColumnNames } from '../../segments/write.js';
import type { SegmentFiles } from '../engine.js';
import { type DuckdbInstance, duckdbCall, sqlName, sqlString } from './load.js';

const FIXED_STRINGS = ['chq_customer_id', 'chq_telemetry_type', 'log_level', 'log_message'] as const;

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
  const dynamic = names.slice(3 + FIXED_STRINGS.length);
  const id = randomUUID().replaceAll('-', '');
  const table = `seg_${id}`;
  const tablePath = join(tempDir, `tbl_${id}.parquet`);
  const aggPath = join(tempDir, `agg_${id}.parquet`);
  const con = await duckdbCall('connecting', () => db.connect());
  try {
    return await duckdbCall('writing a segment', async () => {
      const columns = [
        'chq_timestamp BIGINT NOT NULL',
        'chq_tsns BIGINT NOT NULL',
        'chq_fingerprint BIGINT',
        ...[...FIXED_STRINGS, ...dynamic].map((name) => `${sqlName(name)} VARCHAR`),
      ];
      await con.run(`CREATE TEMP TABLE ${table} (${columns.join(', ')})`);
      const appender = await con.createAppender(table);
      const fields = dynamic.map((name) => rows.fields.get(name)!);
      for (let i = 0; i < rows.length; i++) {
        appender.appendBigInt(BigInt(rows.ms[i]!));
        appender.appendBigInt(rows.tsns[i]!);
        if (rows.hasFingerprint[i]) appender.appendBigInt(rows.fingerprints[i]!);
        else appender.appendNull();
        appender.appendVarchar(rows.customers.get(i) ?? '');
        appender.appendVarchar('logs');
        const level = rows.levels.get(i);
        if (level === null) appender.appendNull();
        else appender.appendVarchar(level);
        appender.appendVarchar(rows.messages.text(i));
        for (const column of fields) {
          const value = column.get(i);
          if (value === null) appender.appendNull();
          else appender.appendVarchar(value);
        }
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      const stream = dynamic.includes(streamField) ? `coalesce(${sqlName(streamField)}, '')` : `''`;
      const options = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, PARQUET_VERSION V2`;
      // rowid keeps rows that tie on the sort key in arrival order, as the TypeScript (stable) sort does
      await con.run(
        `COPY (SELECT ${names.map(sqlName).join(', ')} FROM ${table}
           ORDER BY ${dynamic.includes(streamField) ? `${stream}, ` : ''}chq_fingerprint NULLS FIRST, chq_tsns, rowid)
         TO ${sqlString(tablePath)}
         (${options}, KV_METADATA {'bucketkit.lake.stream_field': ${sqlString(streamField)}})`,
      );
      await con.run(
        `COPY (SELECT chq_timestamp - chq_timestamp % ${AGG_BUCKET_MS} AS bucket_ts, log_level,
                 ${stream} AS ${sqlName(streamField)}, ${AGG_BUCKET_MS}::BIGINT AS frequency,
                 count(*)::BIGINT AS count
               FROM ${table} GROUP BY ALL ORDER BY bucket_ts, log_level NULLS FIRST, 3)
         TO ${sqlString(aggPath)} (${options})`,
      );
      const [tableBytes, aggBytes] = await Promise.all([readFile(tablePath), readFile(aggPath)]);
      return { table: new Uint8Array(tableBytes), agg: new Uint8Array(aggBytes) };
    });
  } finally {
    await con.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    con.closeSync();
    await Promise.all([rm(tablePath, { force: true }), rm(aggPath, { force: true })]);
  }
}
