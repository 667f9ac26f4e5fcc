/**
 * Reads rows of a segment file through hyparquet, with ranged GETs on the port (the footer, then only
 * the column chunks of row groups whose statistics may match), counting requests and bytes.
 */
// hyparquet's own browser build (its default entry adds a Node file reader this code never uses)
import {
  type AsyncBuffer,
  parquetMetadataAsync,
  type parquetQuery,
  parquetReadObjects,
} from 'hyparquet/src/index.js';
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { EXACT_TEXT_PARSERS } from '../parquet/exact-text.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import type { QueryStats } from './stats.js';

export type ParquetFilter = NonNullable<Parameters<typeof parquetQuery>[0]['filter']>;
export type ParquetRow = Record<string, unknown>;

function portBuffer(
  port: StoragePort,
  key: string,
  size: number,
  stats: QueryStats,
  signal?: AbortSignal,
): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const last = Math.min(end ?? size, size) - 1;
      if (last < start) return new ArrayBuffer(0);
      const bytes = await (await port.get(key, { range: { start, end: last }, signal })).bytes();
      stats.requests++;
      stats.bytesRead += bytes.byteLength;
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/**
 * The rows of a Parquet object that pass `filter`, with the listed columns.
 *
 * @example
 * ```ts
 * const rows = await readParquetRows(port, seg.table, seg.tableBytes, { zstd, stats, filter });
 * ```
 */
export async function readParquetRows(
  port: StoragePort,
  key: string,
  size: number,
  options: {
    zstd: ZstdCodec;
    stats: QueryStats;
    filter?: ParquetFilter;
    columns?: string[];
    signal?: AbortSignal;
    /** False: plain BYTE_ARRAY columns (no STRING annotation) come back as bytes, not text. */
    utf8?: boolean;
  },
): Promise<ParquetRow[]> {
  const file = portBuffer(port, key, size, options.stats, options.signal);
  options.stats.segmentsRead++;
  try {
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: 64 * 1024 });
    const rows = await parquetReadObjects({
      file,
      metadata,
      parsers: EXACT_TEXT_PARSERS,
      ...(options.columns ? { columns: options.columns } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
      ...(options.utf8 === false ? { utf8: false } : {}),
      compressors: {
        ZSTD: (input: Uint8Array, outputLength: number) => options.zstd.decompress(input, outputLength),
      },
    });
    options.stats.rowsScanned += rows.length;
    return rows as ParquetRow[];
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    throw bkError('Corrupt', `segment ${key} cannot be read as Parquet; re-ingest its sources`, {
      cause: err,
      details: { key },
    });
  }
}
