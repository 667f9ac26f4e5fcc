/**
 * Reading and keeping up to date a day's counts object (`day-counts.ts`). `refreshDayCounts` runs after
 * an ingest publishes and after a compaction swaps: it reads the counts and the day index, appends one
 * part holding every live segment they miss (agg bytes the caller has, else one GET per agg file), and
 * writes the result by compare-and-swap, retrying on a lost race. Counts that no longer fit the index
 * (a segment they hold is gone and no live segment took its rows over whole), or that are damaged, are
 * rebuilt from the live segments' agg files.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { dayCountsKey } from '../names.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { aggFileRowCount, decodeAggFile } from '../segments/agg-file.js';
import { readDayIndex, requireSafeWrites } from './cas.js';
import { addToPart, decodePart, encodePart, partIntact, type StoredPart } from './counts-part.js';
import { AggRowsSum } from './counts-sum.js';
import { coveredSegments, type DayCounts, decodeDayCounts, encodeDayCounts } from './day-counts.js';
import type { IndexedSegment } from './day-index.js';

/** Stored counts as read: undefined when there are none or they are damaged. */
export interface DayCountsState {
  counts: DayCounts | undefined;
  etag: string | undefined;
  /** Bytes read. */
  bytes: number;
}

/**
 * Reads a day's counts: one GET. Missing or damaged counts are `counts: undefined` (a query then reads
 * agg files; the next refresh rebuilds them). Part bodies stay compressed (`decodePart`).
 *
 * @example
 * ```ts
 * const { counts } = await readDayCounts(port, 'acme', 20260102);
 * ```
 */
export async function readDayCounts(
  port: StoragePort,
  org: string,
  dateint: number,
  signal?: AbortSignal,
): Promise<DayCountsState> {
  const key = dayCountsKey(org, dateint);
  let got: Awaited<ReturnType<StoragePort['get']>>;
  let bytes: Uint8Array;
  try {
    got = await port.get(key, { signal });
    bytes = await got.bytes();
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return { counts: undefined, etag: undefined, bytes: 0 };
    // bytes the port finds rotten: no counts, but the ETag, so a refresh can replace them
    if (BucketkitError.is(err, 'Corrupt'))
      return { counts: undefined, etag: (await port.head(key, { signal })).etag, bytes: 0 };
    throw err;
  }
  try {
    return { counts: decodeDayCounts(bytes, key), etag: got.etag, bytes: bytes.byteLength };
  } catch (err) {
    if (BucketkitError.is(err, 'Corrupt'))
      return { counts: undefined, etag: got.etag, bytes: bytes.byteLength };
    throw err;
  }
}

/** Agg files fetched at once by a refresh. */
const FETCH_AT_ONCE = 8;
/** Rows a refresh's sum is first sized for at most (it grows past them; a footer may lie). */
const MAX_CAPACITY = 2 ** 24;

export interface RefreshOptions {
  singleWriter?: boolean;
  signal?: AbortSignal;
  /** Agg files the caller holds (segments it just wrote), by segment id: no GET for these. */
  aggFiles?: ReadonlyMap<string, Uint8Array>;
  /** Attempts before giving up with `PreconditionFailed` (default 100). */
  maxAttempts?: number;
}

/**
 * Brings a day's counts up to the day index: carries them over compactions, adds the live segments they
 * miss, rebuilds them when they no longer fit. Safe to run by any number of processes at once.
 * Returns the counts as stored afterwards.
 *
 * @example
 * ```ts
 * await refreshDayCounts(port, 'acme', 20260102, zstd, { aggFiles: new Map([[segment.id, aggBytes]]) });
 * ```
 */
export async function refreshDayCounts(
  port: StoragePort,
  org: string,
  dateint: number,
  zstd: ZstdCodec,
  options: RefreshOptions = {},
): Promise<DayCounts> {
  await requireSafeWrites(port, options.singleWriter);
  const { signal } = options;
  const key = dayCountsKey(org, dateint);
  // fetched agg files are kept across retries; decoded rows are not (they are several times larger)
  const fetched = new Map<string, Promise<Uint8Array>>();
  const bytesOf = (id: string, agg: string) => {
    let bytes = options.aggFiles?.get(id) ?? fetched.get(id);
    if (!bytes) {
      bytes = port.get(agg, { signal }).then((got) => got.bytes());
      fetched.set(id, bytes);
    }
    return bytes;
  };
  const attempts = options.maxAttempts ?? 100;
  for (let attempt = 1; ; attempt++) {
    const stored = await readDayCounts(port, org, dateint, signal);
    const { index } = await readDayIndex(port, org, dateint, signal);
    const next = await nextCounts(stored.counts, index.segments, bytesOf, zstd, key);
    if (next === undefined) return { segments: [], parts: [] }; // nothing stored, nothing to store
    if (next === stored.counts) return next; // usable and complete (a query carries it over compactions)
    const conditions = options.singleWriter
      ? {}
      : stored.etag === undefined
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: stored.etag };
    try {
      await port.put(key, encodeDayCounts(next), {
        ...conditions,
        contentType: 'application/octet-stream',
        signal,
      });
      return next;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= attempts) throw err;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** Math.min(attempt, 6))),
      );
    }
  }
}

/**
 * The counts to store: `stored` itself when it covers every live segment, undefined when there is nothing
 * to store, else `stored` (or nothing, when it is unusable or damaged) plus a part for what it misses.
 */
async function nextCounts(
  stored: DayCounts | undefined,
  segments: readonly IndexedSegment[],
  bytesOf: (id: string, agg: string) => Uint8Array | Promise<Uint8Array>,
  zstd: ZstdCodec,
  key: string,
): Promise<DayCounts | undefined> {
  // damaged parts (checked without decompressing them) make the counts unusable: start again
  const covered = stored?.parts.every(partIntact) ? coveredSegments(stored.segments, segments) : undefined;
  const live = segments.filter((s) => s.published && s.aggBytes > 0);
  const missing = live.filter((s) => !covered?.has(s.id));
  if (covered && missing.length === 0) return stored;
  if (!stored && live.length === 0) return undefined;
  const added = async (from: readonly IndexedSegment[]) => {
    if (from.length === 0) return [];
    const files: Uint8Array[] = [];
    for (let i = 0; i < from.length; i += FETCH_AT_ONCE)
      files.push(...(await Promise.all(from.slice(i, i + FETCH_AT_ONCE).map((s) => bytesOf(s.id, s.agg)))));
    // one file decoded at a time into columns sized for all of them (counts-sum.ts): a day's decoded files,
    // or a part copied once per few files, were a 1 GiB ingest's peak memory
    const rows = files.reduce((n, bytes, i) => n + aggFileRowCount(bytes, from[i]!.agg), 0);
    const sum = new AggRowsSum(Math.min(rows, MAX_CAPACITY));
    for (const [i, s] of from.entries()) sum.add(await decodeAggFile(files[i]!, s.agg, s.streamField, zstd));
    return [encodePart(sum.part(), zstd)];
  };
  const rebuild = async () => ({ segments: live.map((s) => s.id).sort(), parts: await added(live) });
  if (!covered) return rebuild();
  try {
    return {
      segments: [...covered.keys(), ...missing.map((s) => s.id)].sort(),
      parts: settleParts([...stored!.parts, ...(await added(missing))], zstd, key),
    };
  } catch (err) {
    // a damaged part of the counts (not a damaged agg file): start them again
    if (BucketkitError.is(err, 'Corrupt') && err.details.key === key) return rebuild();
    throw err;
  }
}

/**
 * Merges the newest parts four at a time when they are of about the same size (within 4×), as size-tiered
 * compaction does: a row is merged again about log4(appends) times, and a day keeps about 3·log4(appends)
 * parts (12 for 96 appends), so appending stays cheap and a query decodes few parts.
 */
function settleParts(parts: StoredPart[], zstd: ZstdCodec, key: string): StoredPart[] {
  const out = [...parts];
  for (;;) {
    const tail = out.slice(-4);
    const rows = tail.map((p) => Math.max(1, p.rows));
    if (tail.length < 4 || Math.max(...rows) > 4 * Math.min(...rows)) return out;
    out.length -= 4;
    const [first, ...rest] = tail.map((p) => decodePart(p, zstd, key));
    out.push(encodePart(addToPart(first!, rest), zstd));
  }
}

/**
 * {@link refreshDayCounts} after an ingest publishes or a compaction swaps. Its failure fails the call
 * as the marker's does, though the rows are published: the counts are a cache of agg files, so a count
 * reads what they miss itself and the next refresh of the day (a retry included) catches up.
 *
 * @example
 * ```ts
 * await keepDayCounts(ctx, 'acme', 20260102, { aggFiles });
 * ```
 */
export async function keepDayCounts(
  ctx: { port: StoragePort; zstd: () => Promise<ZstdCodec>; singleWriter: boolean },
  org: string,
  dateint: number,
  options: { aggFiles?: ReadonlyMap<string, Uint8Array>; signal?: AbortSignal | undefined } = {},
): Promise<void> {
  await refreshDayCounts(ctx.port, org, dateint, await ctx.zstd(), {
    singleWriter: ctx.singleWriter,
    ...(options.aggFiles ? { aggFiles: options.aggFiles } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
