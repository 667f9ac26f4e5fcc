/**
 * Rollups: a day's segments of one tier that no rollup has read yet become one segment of the next tier
 * (10 s → 60 s → 5 m → 20 m → 1 h), its rows merged per series and bucket. The output table is written
 * first, then one compare-and-swap adds it and marks its sources `rolledup` — only if none of them was
 * rolled up meanwhile, so a repeated or concurrent rollup adds nothing twice and a crash before the swap
 * leaves only an unreferenced file. Sources stay published: every tier stays queryable, as in LakeRunner.
 */
import type { StoragePort } from '../../storage/index.js';
import type { EngineOption } from '../engines/engine.js';
import { loadZstd, type ZstdCodec } from '../parquet/zstd.js';
import { newStats } from '../query/stats.js';
import { type MetricSegment, readMetricDayIndex, updateMetricDayIndex } from './catalog.js';
import { metricColumnsOfRows } from './columns.js';
import { writeMetricSegment } from './ingest.js';
import { mergeRows } from './merge.js';
import { readMetricTable } from './table.js';
import { nextFrequency } from './tiers.js';

export interface RollupOptions {
  org: string;
  dateint: number;
  /** The tier to read (default 10 s). */
  fromFrequencyMs?: number;
  /** The ZSTD codec (default: `loadZstd()`). */
  zstd?: ZstdCodec;
  singleWriter?: boolean;
  signal?: AbortSignal;
  /** The engine that writes the rolled-up table (default `auto`, as for ingest: DuckDB when installed). */
  engine?: EngineOption;
}

export interface RollupResult {
  /** The new segment, or undefined when there was nothing to roll up (or another rollup won). */
  segment?: MetricSegment;
  sourceIds: string[];
  rowsRead: number;
}

/**
 * Rolls one tier of one day up into the next tier.
 *
 * @example
 * ```ts
 * for (const f of [10_000, 60_000, 300_000, 1_200_000]) {
 *   await rollupMetrics(port, { org: 'acme', dateint: 20260102, fromFrequencyMs: f, zstd });
 * }
 * ```
 */
export async function rollupMetrics(port: StoragePort, options: RollupOptions): Promise<RollupResult> {
  const from = options.fromFrequencyMs ?? 10_000;
  const to = nextFrequency(from);
  if (to === undefined) return { sourceIds: [], rowsRead: 0 };
  const { index } = await readMetricDayIndex(port, options.org, options.dateint, options.signal);
  const sources = index.segments.filter((s) => s.published && !s.rolledup && s.frequencyMs === from);
  if (sources.length === 0) return { sourceIds: [], rowsRead: 0 };
  const stats = newStats();
  const zstd = options.zstd ?? (await loadZstd());
  const rows = (
    await Promise.all(
      sources.map((s) => readMetricTable(port, s.table, s.bytes, { zstd, stats, signal: options.signal })),
    )
  ).flat();
  const merged = mergeRows(rows, to);
  const segment = await writeMetricSegment(
    port,
    { ...options, zstd },
    {
      collector: sources[0]!.collector,
      dateint: options.dateint,
      columns: metricColumnsOfRows(merged),
      frequencyMs: to,
    },
  );
  const sourceIds = sources.map((s) => s.id);
  segment.rolledFrom = sourceIds;
  segment.sources = [...new Set(sources.flatMap((s) => s.sources))];
  let added = false;
  await updateMetricDayIndex(
    port,
    options.org,
    options.dateint,
    (current) => {
      added = false;
      const live = current.segments.filter((s) => sourceIds.includes(s.id));
      if (live.length !== sourceIds.length || live.some((s) => s.rolledup || !s.published)) return undefined;
      for (const s of live) s.rolledup = true;
      current.segments.push(segment);
      added = true;
      return current;
    },
    options,
  );
  if (!added) {
    await port.delete(segment.table, { signal: options.signal }).catch(() => undefined);
    return { sourceIds: [], rowsRead: rows.length };
  }
  return { segment, sourceIds, rowsRead: rows.length };
}
