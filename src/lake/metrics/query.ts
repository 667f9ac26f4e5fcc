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
import { readMetricDayIndex } from './catalog.js';
import { mergeRows } from './merge.js';
import type { MetricRow } from './row.js';
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
      const filter: ParquetFilter = {
        chq_timestamp: { $gte: BigInt(query.fromMs), $lt: BigInt(query.toMs) },
        ...(query.metricName !== undefined ? { metric_name: { $eq: query.metricName } } : {}),
      };
      rows.push(
        ...(await readMetricTable(port, segment.table, segment.bytes, {
          zstd,
          stats,
          filter,
          signal: query.signal,
        })),
      );
    }
  }
  return { rows: mergeRows(rows, frequencyMs), frequencyMs, stats };
}
