/**
 * Counts from the 10 s agg rows, fast. A day with several agg files not in memory reads its day counts
 * object first (one GET: the agg rows of the segments it covers, summed; `catalog/day-counts.ts`), and
 * only the segments it does not cover from their own agg files. Agg files are fetched whole in one GET
 * each (their sizes are in the index), many at a time, decoded once into dictionary-coded columns and
 * kept in a per-port cache (agg files never change once written: a compaction writes new ones under new
 * keys); day counts are kept too, and reused while the day index shows their segments still live.
 * Conditions and label matchers are decided once per (level, stream) pair, not per row.
 */
import { BucketkitError, bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { type AggFileRows, type CountsPart, decodePart } from '../catalog/counts-part.js';
import { coveredSegments } from '../catalog/day-counts.js';
import { readDayCounts } from '../catalog/day-counts-store.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import { dayCountsKey } from '../names.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { decodeAggFile } from '../segments/agg-file.js';
import type { AddAtStep, PreparedCount } from './count.js';
import { rowMatches } from './match.js';
import type { QueryStats } from './stats.js';

/** Agg rows kept per port (about 40 bytes each in memory), agg files and day counts each. */
const CACHE_ROWS = 4_000_000;
/** Agg files out of memory from which a day's counts object is read instead. */
const DAY_COUNTS_FROM = 4;

interface AggCache {
  files: Map<string, { columns: Promise<AggFileRows>; rows: number }>;
  rows: number;
  days: Map<string, DecodedCounts>;
  dayRows: number;
}

/** A day's counts with their parts decoded. */
interface DecodedCounts {
  segments: string[];
  parts: CountsPart[];
  rows: number;
}
const caches = new WeakMap<StoragePort, AggCache>();

/** The adder of one series, by its key (`by` values joined); `labels()` is called once for a new one. */
export type SeriesCounter = (key: string, labels: () => Record<string, string>) => AddAtStep;

/** One day of a count: every segment its index lists, and the candidates the agg rows answer. */
export interface AggDay {
  org: string;
  dateint: number;
  /** The day index's segments (all of them: day counts are checked against it). */
  indexed: readonly IndexedSegment[];
  /** The segments to count from agg rows. */
  segments: readonly IndexedSegment[];
}

/** Rows with a level and a stream per row, the stream's field per stream code. */
interface CodedRows {
  bucket: Float64Array;
  count: Float64Array;
  levelCode: Uint32Array;
  levels: readonly (string | null)[];
  streamCode: Uint32Array;
  streams: readonly string[];
  fieldOf: (streamCode: number) => string;
}

/**
 * Counts the rows of each day's segments from day counts and agg files into `counter`.
 *
 * @example
 * ```ts
 * await countFromAggFiles(port, [{ org, dateint, indexed: index.segments, segments }], prepared, zstd, counter, stats);
 * ```
 */
export async function countFromAggFiles(
  port: StoragePort,
  days: readonly AggDay[],
  prepared: PreparedCount,
  zstd: ZstdCodec,
  counter: SeriesCounter,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<void> {
  const cache = cacheOf(port);
  const perFile: IndexedSegment[] = [];
  for (const day of days) {
    const uncached = day.segments.filter((s) => !cache.files.has(s.agg));
    const summed =
      uncached.length >= DAY_COUNTS_FROM ? await dayCounts(port, day, zstd, stats, signal) : undefined;
    if (!summed) {
      perFile.push(...day.segments);
      continue;
    }
    const { counts, covered } = summed;
    stats.segmentsRead++;
    stats.dayCounts++;
    for (const part of counts.parts) {
      const fields = part.streamFields.map((field) => answersFor(prepared, field));
      addRows(
        { ...part, fieldOf: (code) => part.streamFields[part.streamField[code]!]! },
        prepared,
        counter,
        stats,
        (code) => fields[part.streamField[code]!]!,
      );
    }
    perFile.push(...day.segments.filter((s) => !covered.has(s.id)));
  }
  const files = new Array<AggFileRows>(perFile.length);
  let next = 0;
  const worker = async () => {
    while (next < perFile.length) {
      const i = next++;
      files[i] = await aggColumns(port, perFile[i]!, zstd, stats, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, perFile.length) }, worker));
  for (const file of files) addRows({ ...file, fieldOf: () => file.streamField }, prepared, counter, stats);
}

/** Whether agg rows of a stream field can answer the query (every condition on the level or that field). */
function answersFor(prepared: PreparedCount, field: string): boolean {
  const { where, by, matchColumns } = prepared;
  return [...where.keys(), ...by, ...matchColumns].every((c) => c === 'log_level' || c === field);
}

/** The day's counts and the live segments they cover, from memory while they fit the index, else one GET. */
async function dayCounts(
  port: StoragePort,
  day: AggDay,
  zstd: ZstdCodec,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<{ counts: DecodedCounts; covered: Map<string, IndexedSegment> } | undefined> {
  const cache = cacheOf(port);
  const key = dayCountsKey(day.org, day.dateint);
  const uncoveredUncached = (covered: Map<string, IndexedSegment>) =>
    day.segments.filter((s) => !covered.has(s.id) && !cache.files.has(s.agg)).length;
  const kept = cache.days.get(key);
  const keptCovered = kept && coveredSegments(kept.segments, day.indexed);
  if (kept && keptCovered && uncoveredUncached(keptCovered) < DAY_COUNTS_FROM) {
    stats.cachedBytes += kept.rows * 4;
    return { counts: kept, covered: keptCovered };
  }
  const { counts: stored, bytes } = await readDayCounts(port, day.org, day.dateint, signal);
  stats.requests++;
  stats.bytesRead += bytes;
  const covered = stored && coveredSegments(stored.segments, day.indexed);
  if (!stored || !covered) return kept && keptCovered ? { counts: kept, covered: keptCovered } : undefined;
  let counts: DecodedCounts;
  try {
    const parts = stored.parts.map((part) => decodePart(part, zstd, key));
    counts = { segments: stored.segments, parts, rows: parts.reduce((n, p) => n + p.bucket.length, 0) };
  } catch (err) {
    // damaged counts: count from the agg files (the next refresh rebuilds them)
    if (BucketkitError.is(err, 'Corrupt')) return undefined;
    throw err;
  }
  if (kept) cache.dayRows -= kept.rows;
  cache.days.delete(key);
  cache.days.set(key, counts);
  cache.dayRows += counts.rows;
  for (const [other, value] of cache.days) {
    if (cache.dayRows <= CACHE_ROWS || other === key) break;
    cache.days.delete(other);
    cache.dayRows -= value.rows;
  }
  return { counts, covered };
}

function addRows(
  file: CodedRows,
  prepared: PreparedCount,
  counter: SeriesCounter,
  stats: QueryStats,
  useStream: (code: number) => boolean = () => true,
) {
  const { range, step, by, where, matches } = prepared;
  const { bucket, count, levelCode, streamCode, levels, streams } = file;
  // the series of each (level, stream) pair, or null when a condition or matcher rules it out
  const nStreams = streams.length;
  const pairs = new Array<AddAtStep | null | undefined>(levels.length * nStreams);
  const pairOf = (level: number, stream: number): AddAtStep | null => {
    if (!useStream(stream)) return null;
    const row: Record<string, string | null> = {
      log_level: levels[level]!,
      [file.fieldOf(stream)]: streams[stream]!,
    };
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

function cacheOf(port: StoragePort): AggCache {
  let cache = caches.get(port);
  if (!cache) {
    cache = { files: new Map(), rows: 0, days: new Map(), dayRows: 0 };
    caches.set(port, cache);
  }
  return cache;
}

async function aggColumns(
  port: StoragePort,
  segment: IndexedSegment,
  zstd: ZstdCodec,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<AggFileRows> {
  const cache = cacheOf(port);
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
  let columns: AggFileRows;
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
): Promise<AggFileRows> {
  const bytes = await (await port.get(segment.agg, { signal })).bytes();
  stats.requests++;
  stats.bytesRead += bytes.byteLength;
  return decodeAggFile(bytes, segment.agg, segment.streamField, zstd);
}
