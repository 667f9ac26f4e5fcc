/**
 * Reads rows of a segment file through hyparquet, with ranged GETs on the port (the footer, kept per port
 * afterwards, then only the column chunks of row groups whose statistics may match), counting requests
 * and bytes.
 */
// hyparquet's own browser build (its default entry adds a Node file reader this code never uses)
import {
  type AsyncBuffer,
  cachedAsyncBuffer,
  parquetMetadataAsync,
  type parquetQuery,
  parquetRead,
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

type FileMetaData = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** Footers kept per port (segment objects never change once written): a repeated read skips the footer GET. */
const FOOTERS_KEPT = 2048;
const footers = new WeakMap<StoragePort, Map<string, FileMetaData>>();

/** A segment's Parquet footer, from memory or read (one ranged GET of the file's last 64 KiB, usually). */
async function footerOf(
  port: StoragePort,
  key: string,
  size: number,
  file: AsyncBuffer,
): Promise<FileMetaData> {
  let kept = footers.get(port);
  if (!kept) {
    kept = new Map();
    footers.set(port, kept);
  }
  const id = `${key}\u0000${size}`;
  const found = kept.get(id);
  if (found) {
    kept.delete(id);
    kept.set(id, found);
    return found;
  }
  const metadata = await parquetMetadataAsync(file, { initialFetchSize: 64 * 1024 });
  kept.set(id, metadata);
  if (kept.size > FOOTERS_KEPT) kept.delete(kept.keys().next().value as string);
  return metadata;
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
    /** Columns not to read (the others are read); ignored when `columns` is given. */
    omit?: readonly string[];
    signal?: AbortSignal;
    /** False: plain BYTE_ARRAY columns (no STRING annotation) come back as bytes, not text. */
    utf8?: boolean;
  },
): Promise<ParquetRow[]> {
  const file = portBuffer(port, key, size, options.stats, options.signal);
  options.stats.segmentsRead++;
  try {
    const metadata = await footerOf(port, key, size, file);
    const { omit } = options;
    const columns =
      options.columns ??
      (omit &&
        metadata.schema.slice(1).flatMap((e) => (e.num_children || omit.includes(e.name) ? [] : [e.name])));
    const rows = await parquetReadObjects({
      file,
      metadata,
      parsers: EXACT_TEXT_PARSERS,
      ...(columns ? { columns } : {}),
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

/**
 * The rows of a Parquet object in a time range, with `where` values, whose message passes `keep`, read in
 * two steps: the time, message and `where` columns of the row groups whose time statistics overlap the
 * range (as arrays, no row objects), then whole rows only where a message passed. For selective text filters (a needle) this decodes two columns instead of all of them.
 *
 * @example
 * ```ts
 * const rows = await readRowsWithMessage(port, seg.table, seg.tableBytes, (m) => m.includes('ord-5e1f'), {
 *   zstd, stats, range: { fromMs, toMs }, where: new Map(),
 * });
 * ```
 */
export async function readRowsWithMessage(
  port: StoragePort,
  key: string,
  size: number,
  keep: (message: string) => boolean,
  options: {
    zstd: ZstdCodec;
    stats: QueryStats;
    range: { fromMs: number; toMs: number };
    where: ReadonlyMap<string, readonly string[]>;
    signal?: AbortSignal;
  },
): Promise<ParquetRow[]> {
  // the second step reads the same column chunks again for each hit: fetch each range once
  const file = cachedAsyncBuffer(portBuffer(port, key, size, options.stats, options.signal), { minSize: 0 });
  options.stats.segmentsRead++;
  const compressors = {
    ZSTD: (input: Uint8Array, outputLength: number) => options.zstd.decompress(input, outputLength),
  };
  try {
    const metadata = await footerOf(port, key, size, file);
    // step one: time, message and `where` columns as arrays (no row objects), row groups pruned by time
    const { fromMs, toMs } = options.range;
    const columns = ['chq_timestamp', 'log_message', ...options.where.keys()];
    const hits: number[] = [];
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const start = groupStart;
      const end = start + Number(group.num_rows);
      groupStart = end;
      const time = group.columns.find((c) => c.meta_data?.path_in_schema[0] === 'chq_timestamp')?.meta_data
        ?.statistics;
      const min = time?.min_value ?? time?.min;
      const max = time?.max_value ?? time?.max;
      if (min != null && max != null && (Number(max) < fromMs || Number(min) >= toMs)) continue;
      const data = new Map<string, unknown[]>(columns.map((c) => [c, new Array<unknown>(end - start)]));
      await parquetRead({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        columns: columns.filter((c) => metadata.schema.some((e) => e.name === c)),
        compressors,
        onChunk: (chunk) => {
          const into = data.get(chunk.columnName);
          if (!into) return;
          for (let i = 0; i < chunk.columnData.length; i++) {
            const at = chunk.rowStart - start + i;
            if (at >= 0 && at < into.length) into[at] = chunk.columnData[i];
          }
        },
      });
      const times = data.get('chq_timestamp')!;
      const messages = data.get('log_message')!;
      next: for (let i = 0; i < end - start; i++) {
        const ms = Number(times[i]);
        if (!(ms >= fromMs && ms < toMs)) continue;
        options.stats.rowsScanned++;
        for (const [column, values] of options.where) {
          const value = data.get(column)![i];
          if (value === null || value === undefined || !values.includes(String(value))) continue next;
        }
        if (keep(String(messages[i] ?? ''))) hits.push(start + i);
      }
    }
    // per row group: a few hits are read row by row, more as the whole group
    const rows: ParquetRow[] = [];
    let start = 0;
    let h = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const inGroup: number[] = [];
      while (h < hits.length && hits[h]! < end) inGroup.push(hits[h++]!);
      if (inGroup.length > 8) {
        const all = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors });
        for (const at of inGroup) rows.push(all[at - start] as ParquetRow);
      } else {
        for (const at of inGroup)
          rows.push(
            ...(await parquetReadObjects({ file, metadata, rowStart: at, rowEnd: at + 1, compressors })),
          );
      }
      start = end;
    }
    return rows;
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    throw bkError('Corrupt', `segment ${key} cannot be read as Parquet; re-ingest its sources`, {
      cause: err,
      details: { key },
    });
  }
}
