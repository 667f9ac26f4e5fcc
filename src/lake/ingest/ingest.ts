/**
 * Ingest of one raw object: decode → cook → bin by UTC day → sorted ZSTD segments → one compare-and-swap
 * per day on that day's index. Idempotent: every segment records its source (`key@etag`), and a day whose
 * index already holds that source keeps the rows it has, so a raw object counts once however many times
 * and by however many processes it is ingested. Nothing is published before the whole file decoded: a
 * corrupt file throws and leaves no segment behind.
 */
import { BucketkitError, throwIfAborted } from '../../errors.js';
import { updateDayIndex } from '../catalog/cas.js';
import { keepDayCounts } from '../catalog/day-counts-store.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { LakeContext } from '../context.js';
import { writeSegmentFiles } from '../engines/engine.js';
import { dateintOf, ingestedMarkerKey, newSegmentId, segmentKeys } from '../names.js';
import { LogBuffer } from '../segments/log-buffer.js';
import { summariseRows } from '../segments/summary.js';
import { cookLog, fileColumns } from './normalise.js';
import { decodeObject } from './registry.js';
import { routeRawKey } from './route.js';

export interface IngestProgress {
  rows: number;
  badRows: number;
  segments: number;
}

export interface IngestOptions {
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestResult {
  /** Rows this call published (0 when the object had been ingested before). */
  rows: number;
  /** Rows that could not be decoded, and why (the first 20 reasons). */
  badRows: number;
  badRowReasons: string[];
  /** Table keys of the segments this call published. */
  segments: string[];
  /** True when an earlier ingest (this process or another) had already published the object. */
  alreadyIngested: boolean;
  /** The decoder used (`ndjson`, `csv`, ...), when the object was read. */
  format?: string;
}

interface Marker {
  key: string;
  etag: string;
  rows: number;
  badRows: number;
}

/**
 * Ingests one raw object of the lake's port.
 *
 * @example
 * ```ts
 * const result = await ingestObject(context, 'otel-raw/acme/c1/logs_1.json.gz');
 * ```
 */
export async function ingestObject(
  ctx: LakeContext,
  key: string,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const { port } = ctx;
  const signal = options.signal;
  const route = routeRawKey(key, ctx.orgs);
  const info = await port.head(key, { signal });
  const source = `${key}@${info.etag}`;
  if (await alreadyMarked(ctx, key, info.etag, signal)) {
    return { rows: 0, badRows: 0, badRowReasons: [], segments: [], alreadyIngested: true };
  }
  // the engine loads before any decoding, so a missing one fails fast
  const [fingerprint] = await Promise.all([ctx.fingerprint(), ctx.engine?.()]);
  const file = { bucket: ctx.bucket, key, org: route.org };
  const perFile = fileColumns(file);
  const nowMs = Date.now();
  const progress: IngestProgress = { rows: 0, badRows: 0, segments: 0 };
  const reasons: string[] = [];
  // a day's rows in columns (segments/log-buffer.ts); flushed buffers are reused, so their arrays are too
  const byDay = new Map<number, LogBuffer>();
  const spare: LogBuffer[] = [];
  const written = new Map<number, IndexedSegment[]>();
  const aggFiles = new Map<string, Uint8Array>(); // by segment id, for the day counts
  let buffered = 0;
  let format: string | undefined;

  const flush = async (dateint: number) => {
    const rows = byDay.get(dateint);
    if (!rows) return;
    byDay.delete(dateint);
    buffered -= rows.length;
    const summary = summariseRows(rows, ctx.streamField);
    const id = newSegmentId();
    const keys = segmentKeys({ ...route, dateint, firstMs: summary.startMs, id });
    const { table, agg, messageIndex } = await writeSegmentFiles(ctx, rows);
    const list = written.get(dateint) ?? [];
    written.set(dateint, list);
    const segment: IndexedSegment = {
      ...summary,
      id,
      collector: route.collector,
      table: keys.table,
      tableBytes: table.byteLength,
      agg: keys.agg,
      aggBytes: agg.byteLength,
      messageIndex,
      streamField: ctx.streamField,
      published: true,
      compacted: false,
      createdAt: new Date().toISOString(),
      sources: [source],
    };
    list.push(segment);
    aggFiles.set(id, agg);
    rows.clear();
    spare.push(rows);
    // an MD5 ETag (no `etag: 'any'`): ports that keep it check it on whole reads (DuckDB's in-place reads)
    await port.put(keys.table, table, { contentType: 'application/vnd.apache.parquet', signal });
    await port.put(keys.agg, agg, { contentType: 'application/vnd.apache.parquet', signal });
    progress.segments++;
    options.onProgress?.({ ...progress });
  };

  try {
    const decoded = decodeObject(port, key, info.size, {
      formats: ctx.formats,
      signal,
      onFormat: (f) => {
        format = f.name;
      },
      badRow: (reason) => {
        progress.badRows++;
        if (reasons.length < 20) reasons.push(reason);
      },
    });
    for await (const log of decoded) {
      const row = cookLog(log, file, perFile, { fingerprint, nowMs });
      const dateint = dateintOf(row.chq_timestamp);
      let day = byDay.get(dateint);
      if (!day) {
        day = spare.pop() ?? new LogBuffer();
        byDay.set(dateint, day);
      }
      day.add(row);
      progress.rows++;
      if (++buffered >= ctx.segmentRows) {
        throwIfAborted(signal);
        await flush(largestDay(byDay));
      }
    }
    for (const dateint of [...byDay.keys()]) await flush(dateint);
    spare.length = 0; // the emptied buffers keep their arrays: free them before the day counts' refresh
  } catch (err) {
    await discard(ctx, [...written.values()].flat());
    throw err;
  }

  const published: IndexedSegment[] = [];
  for (const [dateint, segments] of [...written].sort((a, b) => a[0] - b[0])) {
    let mine = false;
    await updateDayIndex(
      port,
      route.org,
      dateint,
      (index) => {
        mine = !index.segments.some((s) => s.sources.includes(source));
        return mine ? { ...index, segments: [...index.segments, ...segments] } : undefined;
      },
      { singleWriter: ctx.singleWriter, signal },
    );
    if (mine) published.push(...segments);
    else await discard(ctx, segments);
    // also when another ingest published first: a retry after a failed refresh completes the counts
    await keepDayCounts(ctx, route.org, dateint, { aggFiles, signal });
  }
  const rows = published.reduce((n, s) => n + s.rows, 0);
  await writeMarker(ctx, { key, etag: info.etag, rows: progress.rows, badRows: progress.badRows }, signal);
  return {
    rows,
    badRows: progress.badRows,
    badRowReasons: reasons,
    segments: published.map((s) => s.table),
    alreadyIngested: published.length === 0 && written.size > 0,
    ...(format === undefined ? {} : { format }),
  };
}

function largestDay(byDay: Map<number, LogBuffer>): number {
  let best = 0;
  let size = -1;
  for (const [dateint, rows] of byDay) {
    if (rows.length > size) {
      best = dateint;
      size = rows.length;
    }
  }
  return best;
}

async function alreadyMarked(ctx: LakeContext, key: string, etag: string, signal?: AbortSignal) {
  try {
    const got = await ctx.port.get(ingestedMarkerKey(key), { signal });
    const marker = JSON.parse(await got.text()) as Partial<Marker>;
    return marker.etag === etag;
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound') || err instanceof SyntaxError) return false;
    throw err;
  }
}

/** The marker is only a shortcut for the next ingest; the index's sources are what guarantee once-only. */
async function writeMarker(ctx: LakeContext, marker: Marker, signal?: AbortSignal) {
  await ctx.port.put(ingestedMarkerKey(marker.key), JSON.stringify(marker), {
    contentType: 'application/json',
    signal,
  });
}

/** Deletes segment objects that will never be published (best effort: the sweeper finds the rest). */
async function discard(ctx: LakeContext, segments: readonly IndexedSegment[]) {
  if (segments.length === 0) return;
  try {
    await ctx.port.deleteMany(segments.flatMap((s) => [s.table, s.agg]));
  } catch {
    // best effort: an unpublished object is garbage a sweep removes; the error that matters is the caller's
  }
}
