/**
 * Reading and keeping up to date a day's counts object (`day-counts.ts`). `refreshDayCounts` runs after
 * an ingest publishes and after a compaction swaps: it reads the counts and the day index, carries the
 * counts over compactions, adds every live segment they miss (agg bytes the caller has, else one GET
 * per agg file), and writes the result by compare-and-swap, retrying on a lost race. Counts that no
 * longer fit the index (a segment they hold is gone and no live segment took its rows over whole), or
 * that are damaged, are rebuilt from the live segments' agg files.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { dayCountsKey } from '../names.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { decodeAggFile } from '../segments/agg-file.js';
import { readDayIndex, requireSafeWrites } from './cas.js';
import {
  type AggFileRows,
  addToDayCounts,
  coveredSegments,
  type DayCounts,
  decodeDayCounts,
  emptyDayCounts,
  encodeDayCounts,
} from './day-counts.js';

/** Stored counts as read: undefined when there are none or they are damaged. */
export interface DayCountsState {
  counts: DayCounts | undefined;
  etag: string | undefined;
  /** Bytes read. */
  bytes: number;
}

/**
 * Reads a day's counts: one GET. Missing or damaged counts are `counts: undefined` (a query then reads
 * agg files; the next refresh rebuilds them).
 *
 * @example
 * ```ts
 * const { counts } = await readDayCounts(port, 'acme', 20260102, zstd);
 * ```
 */
export async function readDayCounts(
  port: StoragePort,
  org: string,
  dateint: number,
  zstd: ZstdCodec,
  signal?: AbortSignal,
): Promise<DayCountsState> {
  const key = dayCountsKey(org, dateint);
  let got: Awaited<ReturnType<StoragePort['get']>>;
  try {
    got = await port.get(key, { signal });
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return { counts: undefined, etag: undefined, bytes: 0 };
    throw err;
  }
  const bytes = await got.bytes();
  try {
    return { counts: decodeDayCounts(bytes, zstd, key), etag: got.etag, bytes: bytes.byteLength };
  } catch (err) {
    if (BucketkitError.is(err, 'Corrupt'))
      return { counts: undefined, etag: got.etag, bytes: bytes.byteLength };
    throw err;
  }
}

export interface RefreshOptions {
  singleWriter?: boolean;
  signal?: AbortSignal;
  /** Agg files the caller holds (segments it just wrote), by segment id: no GET for these. */
  aggFiles?: ReadonlyMap<string, Uint8Array>;
  /** Attempts before giving up with `PreconditionFailed` (default 20). */
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
  const decoded = new Map<string, Promise<AggFileRows>>(); // kept across retries
  const rowsOf = (id: string, agg: string, streamField: string) => {
    let pending = decoded.get(id);
    if (!pending) {
      pending = (async () => {
        const bytes = options.aggFiles?.get(id) ?? (await (await port.get(agg, { signal })).bytes());
        return decodeAggFile(bytes, agg, streamField, zstd);
      })();
      decoded.set(id, pending);
    }
    return pending;
  };
  const attempts = options.maxAttempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    const stored = await readDayCounts(port, org, dateint, zstd, signal);
    const { index } = await readDayIndex(port, org, dateint, signal);
    const covered = stored.counts && coveredSegments(stored.counts.segments, index.segments);
    const base =
      stored.counts && covered
        ? { ...stored.counts, segments: [...covered.keys()].sort() }
        : emptyDayCounts();
    const have = new Set(base.segments);
    const missing = index.segments.filter((s) => s.published && s.aggBytes > 0 && !have.has(s.id));
    const unchanged =
      stored.counts !== undefined && missing.length === 0 && sameIds(base.segments, stored.counts.segments);
    // nothing stored and nothing to store, or stored and current: no write
    if (stored.counts === undefined ? stored.etag === undefined && missing.length === 0 : unchanged)
      return base;
    const files = await Promise.all(
      missing.map(async (s) => ({ id: s.id, rows: await rowsOf(s.id, s.agg, s.streamField) })),
    );
    const next = addToDayCounts(base, files);
    const conditions = options.singleWriter
      ? {}
      : stored.etag === undefined
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: stored.etag };
    try {
      await port.put(key, encodeDayCounts(next, zstd), {
        ...conditions,
        contentType: 'application/octet-stream',
        signal,
      });
      return next;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

/**
 * {@link refreshDayCounts}, best effort, after an ingest publishes or a compaction swaps. The counts are
 * a cache of agg files: when this fails (or the process dies first) a count reads the missing agg files
 * itself and the next refresh of the day catches up; the rows are published either way, so a failure
 * here must not fail the ingest.
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
  try {
    await refreshDayCounts(ctx.port, org, dateint, await ctx.zstd(), {
      singleWriter: ctx.singleWriter,
      ...(options.aggFiles ? { aggFiles: options.aggFiles } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch {
    // see above: nothing is lost, a later refresh catches up
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
