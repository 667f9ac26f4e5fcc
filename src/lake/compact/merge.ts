/**
 * Merging a group: read every input table back into cooked rows, then write them as one sorted table
 * and one agg file through the same writers ingest uses, so a merged segment is what one ingest of all
 * those rows would have written (same columns, sort order, row groups and 10 s counts).
 */
import { bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { CookedLog } from '../ingest/normalise.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { type ParquetRow, readParquetRows } from '../query/read-parquet.js';
import { newStats } from '../query/stats.js';
import { LogBuffer } from '../segments/log-buffer.js';
import { type MessageIndexRef, withMessageIndex } from '../segments/message-index.js';
import { summariseRows } from '../segments/summary.js';
import { writeAggFile, writeTableFile } from '../segments/write.js';

const FIXED = new Set([
  'chq_timestamp',
  'chq_tsns',
  'chq_fingerprint',
  'chq_telemetry_type',
  'chq_customer_id',
  'log_message',
  'log_level',
]);

/** A table row as hyparquet reads it, back to the cooked row it was written from. */
export function cookedFromParquet(row: ParquetRow): CookedLog {
  const fields: Record<string, string> = {};
  for (const name in row) {
    const value = row[name];
    if (FIXED.has(name) || value === null || value === undefined) continue;
    fields[name] = String(value);
  }
  const fingerprint = row.chq_fingerprint;
  return {
    chq_timestamp: Number(row.chq_timestamp),
    chq_tsns: BigInt(row.chq_tsns as bigint),
    chq_fingerprint: fingerprint === null || fingerprint === undefined ? null : BigInt(fingerprint as bigint),
    chq_telemetry_type: 'logs',
    chq_customer_id: String(row.chq_customer_id ?? ''),
    log_message: String(row.log_message ?? ''),
    log_level: row.log_level === null || row.log_level === undefined ? null : String(row.log_level),
    fields,
  };
}

/** A merged segment's bytes and what the index records about its rows. */
export interface MergedSegment {
  table: Uint8Array;
  agg: Uint8Array;
  messageIndex: MessageIndexRef;
  summary: ReturnType<typeof summariseRows>;
  /** Bytes read from the inputs. */
  bytesRead: number;
}

/**
 * Reads a group's inputs and writes their rows as one segment (in memory; the caller stores it).
 *
 * @example
 * ```ts
 * const merged = await mergeGroup(port, inputs, 'resource_service_name', zstd, signal);
 * ```
 */
export async function mergeGroup(
  port: StoragePort,
  inputs: readonly IndexedSegment[],
  streamField: string,
  zstd: ZstdCodec,
  signal?: AbortSignal,
): Promise<MergedSegment> {
  const stats = newStats();
  const rows = new LogBuffer();
  for (const input of inputs) {
    const read = await readParquetRows(port, input.table, input.tableBytes, { zstd, stats, signal });
    if (read.length !== input.rows) throw rowCountMismatch(input, read.length);
    for (const row of read) rows.add(cookedFromParquet(row));
  }
  const summary = summariseRows(rows, streamField);
  const { table, messageIndex } = withMessageIndex(writeTableFile(rows, streamField, zstd), rows);
  const agg = writeAggFile(rows, streamField, zstd);
  return { table, agg, messageIndex, summary, bytesRead: stats.bytesRead };
}

/**
 * The error for an input table whose rows do not match its index entry: merging it would lose or invent rows.
 *
 * @example
 * ```ts
 * if (read.length !== input.rows) throw rowCountMismatch(input, read.length);
 * ```
 */
export function rowCountMismatch(input: { table: string; rows: number }, got: number): Error {
  return bkError(
    'Corrupt',
    `segment ${input.table} holds ${got} rows but the index says ${input.rows}; it was left as it is, re-ingest its sources`,
    { details: { key: input.table } },
  );
}
