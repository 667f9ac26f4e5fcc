/**
 * Counts from the 10 s agg files, fast: each file is fetched whole in one GET (its size is in the index),
 * many at a time, decoded once into dictionary-coded columns and kept in a per-port cache (agg files never
 * change once written: a compaction writes new ones under new keys). Conditions and label matchers are
 * then decided once per (level, stream) pair of a file, not per row.
 */
import { parquetReadObjects } from 'hyparquet/src/index.js';
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import type { AddAtStep, PreparedCount } from './count.js';
import { rowMatches } from './match.js';
import type { QueryStats } from './stats.js';

/** One agg file, decoded: rows sorted by bucket, level and stream as codes into small tables. */
interface AggColumns {
  bucket: Float64Array;
  count: Float64Array;
  levelCode: Uint32Array;
  levels: (string | null)[];
  streamCode: Uint32Array;
  streams: string[];
  streamField: string;
}

/** Agg rows kept per port (about 40 bytes each in memory). */
const CACHE_ROWS = 4_000_000;
interface AggCache {
  files: Map<string, { columns: Promise<AggColumns>; rows: number }>;
  rows: number;
}
const caches = new WeakMap<StoragePort, AggCache>();

/** The adder of one series, by its key (`by` values joined); `labels()` is called once for a new one. */
export type SeriesCounter = (key: string, labels: () => Record<string, string>) => AddAtStep;

/**
 * Counts the rows of `segments` from their agg files into `add`.
 *
 * @example
 * ```ts
 * await countFromAggFiles(port, segments, prepared, zstd, collector.counter, stats);
 * ```
 */
export async function countFromAggFiles(
  port: StoragePort,
  segments: readonly IndexedSegment[],
  prepared: PreparedCount,
  zstd: ZstdCodec,
  counter: SeriesCounter,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<void> {
  const files = new Array<AggColumns>(segments.length);
  let next = 0;
  const worker = async () => {
    while (next < segments.length) {
      const i = next++;
      files[i] = await aggColumns(port, segments[i]!, zstd, stats, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, segments.length) }, worker));
  for (const file of files) addFile(file, prepared, counter, stats);
}

function addFile(file: AggColumns, prepared: PreparedCount, counter: SeriesCounter, stats: QueryStats) {
  const { range, step, by, where, matches } = prepared;
  const { bucket, count, levelCode, streamCode, levels, streams, streamField } = file;
  // the series of each (level, stream) pair, or null when a condition or matcher rules it out
  const nStreams = streams.length;
  const pairs = new Array<AddAtStep | null | undefined>(levels.length * nStreams);
  const pairOf = (level: number, stream: number): AddAtStep | null => {
    const row: Record<string, string | null> = { log_level: levels[level]!, [streamField]: streams[stream]! };
    for (const [column, values] of where) {
      const value = row[column];
      if (value === null || value === undefined || !values.includes(value)) return null;
    }
    if (!rowMatches(row, matches)) return null;
    const values = by.map((c) => row[c] ?? '');
    return counter(values.join('\u0000'), () => {
      const labels: Record<string, string> = {};
      by.forEach((c, i) => {
        if (values[i] !== '') labels[c] = values[i]!;
      });
      return labels;
    });
  };
  const { fromMs, toMs } = range;
  const first = firstAtOrAfter(bucket, fromMs);
  let i = first;
  for (; i < bucket.length && bucket[i]! < toMs; i++) {
    const pair = levelCode[i]! * nStreams + streamCode[i]!;
    let add = pairs[pair];
    if (add === undefined) {
      add = pairOf(levelCode[i]!, streamCode[i]!);
      pairs[pair] = add;
    }
    if (add) add(Math.floor((bucket[i]! - fromMs) / step), count[i]!);
  }
  stats.rowsScanned += i - first;
}

function firstAtOrAfter(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function aggColumns(
  port: StoragePort,
  segment: IndexedSegment,
  zstd: ZstdCodec,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<AggColumns> {
  let cache = caches.get(port);
  if (!cache) {
    cache = { files: new Map(), rows: 0 };
    caches.set(port, cache);
  }
  if (segment.aggBytes <= 0) throw bkError('Corrupt', `segment ${segment.table} lists no agg file`);
  stats.segmentsRead++;
  const cached = cache.files.get(segment.agg);
  if (cached) {
    cache.files.delete(segment.agg); // most recently used goes last
    cache.files.set(segment.agg, cached);
    stats.cachedBytes += segment.aggBytes;
    return cached.columns;
  }
  const entry = { columns: fetchAgg(port, segment, zstd, stats, signal), rows: 0 };
  cache.files.set(segment.agg, entry);
  let columns: AggColumns;
  try {
    columns = await entry.columns;
  } catch (err) {
    if (cache.files.get(segment.agg) === entry) cache.files.delete(segment.agg);
    throw err;
  }
  entry.rows = columns.bucket.length;
  cache.rows += entry.rows;
  for (const [key, other] of cache.files) {
    if (cache.rows <= CACHE_ROWS || other === entry) break;
    cache.files.delete(key);
    cache.rows -= other.rows;
  }
  return columns;
}

async function fetchAgg(
  port: StoragePort,
  segment: IndexedSegment,
  zstd: ZstdCodec,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<AggColumns> {
  const bytes = await (await port.get(segment.agg, { signal })).bytes();
  stats.requests++;
  stats.bytesRead += bytes.byteLength;
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      columns: ['bucket_ts', 'log_level', segment.streamField, 'count'],
      compressors: { ZSTD: (input: Uint8Array, length: number) => zstd.decompress(input, length) },
    });
  } catch (err) {
    if (BucketkitError.is(err)) throw err;
    throw bkError('Corrupt', `agg file ${segment.agg} cannot be read as Parquet; re-ingest its sources`, {
      cause: err,
      details: { key: segment.agg },
    });
  }
  const n = rows.length;
  const out: AggColumns = {
    bucket: new Float64Array(n),
    count: new Float64Array(n),
    levelCode: new Uint32Array(n),
    levels: [],
    streamCode: new Uint32Array(n),
    streams: [],
    streamField: segment.streamField,
  };
  const levelIds = new Map<string | null, number>();
  const streamIds = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    out.bucket[i] = Number(row.bucket_ts);
    out.count[i] = Number(row.count);
    const level = (row.log_level as string | null | undefined) ?? null;
    let code = levelIds.get(level);
    if (code === undefined) {
      code = out.levels.push(level) - 1;
      levelIds.set(level, code);
    }
    out.levelCode[i] = code;
    const stream = String(row[segment.streamField] ?? '');
    code = streamIds.get(stream);
    if (code === undefined) {
      code = out.streams.push(stream) - 1;
      streamIds.set(stream, code);
    }
    out.streamCode[i] = code;
  }
  for (let i = 1; i < n; i++) {
    if (out.bucket[i]! < out.bucket[i - 1]!)
      throw bkError('Corrupt', `agg file ${segment.agg} is not sorted by bucket_ts`);
  }
  return out;
}
