/**
 * Reads metric rows back: the day indexes of a time range, the published segments of one tier that
 * overlap it (and list the metric, when one is named), their rows filtered in Parquet by time and name,
 * rows of one series and bucket merged (a late rollup can split a bucket across segments).
 */
import type { StoragePort } from '../../storage/index.js';
import { dateintsBetween } from '../names.js';
import { loadZstd, type ZstdCodec } from '../parquet/zstd.js';
import type { ParquetFilter } from '../query/read-parquet.js';
import { newStats, type QueryStats } from '../query/stats.js';
import { type MetricSegment, readMetricDayIndex } from './catalog.js';
import { mergeRows } from './merge.js';
import { compareMetricRows, METRIC_BUCKET_MS, type MetricRow } from './row.js';
import type { MetricRowCache } from './row-cache.js';
import { readMetricTable } from './table.js';
import { pickFrequency } from './tiers.js';

export interface MetricRowsQuery {
  org: string;
  fromMs: number;
  toMs: number;
  metricName?: string;
  /** The tier to read; default {@link pickFrequency} of the range and step. */
  frequencyMs?: number;
  stepMs?: number;
  /** The ZSTD codec (default: `loadZstd()`). */
  zstd?: ZstdCodec;
  signal?: AbortSignal;
  /**
   * Raw tier only: read gauges' and counters' exact values without their sketch and rollup statistics
   * (`chq_sketch` empty, `chq_rollup_*` but count NaN), which is most of a row's bytes. A segment holding
   * histogram rows, and every segment when a bucket is split across segments (it is merged through its
   * sketches), is read whole.
   */
  lean?: boolean;
  /** Lean reads only: whole tables kept decoded between queries (then filtered in memory). */
  cache?: MetricRowCache;
}

/**
 * Metric rows of `[fromMs, toMs)` from one tier, sorted by `[metric_name, chq_tid, chq_timestamp]`.
 *
 * @example
 * ```ts
 * const { rows } = await readMetricRows(port, { org: 'acme', fromMs, toMs, metricName: 'up', zstd });
 * ```
 */
export async function readMetricRows(
  port: StoragePort,
  query: MetricRowsQuery,
): Promise<{ rows: MetricRow[]; frequencyMs: number; stats: QueryStats }> {
  const frequencyMs = query.frequencyMs ?? pickFrequency(query.toMs - query.fromMs, query.stepMs);
  const stats = newStats();
  const zstd = query.zstd ?? (await loadZstd());
  const lean = query.lean === true && frequencyMs === METRIC_BUCKET_MS;
  const read = async (segment: MetricSegment, whole: boolean): Promise<MetricRow[]> => {
    const filter: ParquetFilter = {
      chq_timestamp: { $gte: BigInt(query.fromMs), $lt: BigInt(query.toMs) },
      ...(query.metricName !== undefined ? { metric_name: { $eq: query.metricName } } : {}),
    };
    const options = { zstd, stats, filter, signal: query.signal, lean: !whole };
    if (!whole && query.cache) {
      const cached = await query.cache.rowsOf(`${segment.table}\u0000${segment.bytes}`, async () => {
        const all = await readMetricTable(port, segment.table, segment.bytes, {
          ...options,
          filter: undefined,
        });
        return all.some(needsWhole) ? NEEDS_WHOLE : all;
      });
      if (cached.hit) stats.cachedBytes += segment.bytes;
      if (cached.rows !== NEEDS_WHOLE) {
        const { fromMs, toMs, metricName } = query;
        return cached.rows.filter(
          (r) =>
            r.chq_timestamp >= fromMs &&
            r.chq_timestamp < toMs &&
            (metricName === undefined || r.metric_name === metricName),
        );
      }
      return readMetricTable(port, segment.table, segment.bytes, { ...options, lean: false });
    }
    const rows = await readMetricTable(port, segment.table, segment.bytes, options);
    if (whole || !rows.some(needsWhole)) return rows;
    return readMetricTable(port, segment.table, segment.bytes, { ...options, lean: false });
  };
  const segmentsRead: MetricSegment[] = [];
  const rows: MetricRow[] = [];
  for (const dateint of dateintsBetween(query.fromMs, query.toMs)) {
    const { index, bytes } = await readMetricDayIndex(port, query.org, dateint, query.signal);
    stats.indexReads++;
    stats.requests++;
    stats.bytesRead += bytes;
    for (const segment of index.segments) {
      if (!segment.published || segment.frequencyMs !== frequencyMs) continue;
      if (segment.endMs <= query.fromMs || segment.startMs >= query.toMs) continue;
      stats.segmentsConsidered++;
      if (query.metricName !== undefined && !segment.metricNames.includes(query.metricName)) {
        stats.segmentsPruned++;
        continue;
      }
      segmentsRead.push(segment);
      for (const row of await read(segment, !lean)) rows.push(row);
    }
  }
  // a segment holds one row per series and bucket: only segments sharing a metric and time can split one
  if (!segmentsRead.some((a, i) => segmentsRead.slice(i + 1).some((b) => mayShareBuckets(a, b)))) {
    return { rows: rows.sort(compareMetricRows), frequencyMs, stats };
  }
  if (lean && hasSplitBucket(rows)) {
    rows.length = 0;
    for (const segment of segmentsRead) for (const row of await read(segment, true)) rows.push(row);
  }
  return { rows: mergeRows(rows, frequencyMs), frequencyMs, stats };
}

/** Rows a lean read cannot give: histograms (their sketch is the value) and rows without an exact value. */
const needsWhole = (r: MetricRow) => r.chq_value === null || r.chq_metric_type === 'histogram';
/** What the cache keeps for a table whose rows need whole reads (it keeps no rows of it). */
const NEEDS_WHOLE: readonly MetricRow[] = Object.freeze([]);

function mayShareBuckets(a: MetricSegment, b: MetricSegment): boolean {
  return (
    a.startMs < b.endMs && b.startMs < a.endMs && a.metricNames.some((name) => b.metricNames.includes(name))
  );
}

/** Whether two rows share a series and bucket (rows come sorted per segment, not across segments). */
function hasSplitBucket(rows: readonly MetricRow[]): boolean {
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.metric_name}\u0000${row.chq_tid}\u0000${row.chq_temporality}\u0000${row.chq_timestamp}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}
