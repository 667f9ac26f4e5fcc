/**
 * `lake.sql`: SQL for analysts over the segments the index selects. The day indexes of the range pick the
 * published segments of one signal that overlap it (for metrics, one tier: LakeRunner's choice for the
 * range unless `frequencyMs` says otherwise); the engine exposes them as a view named by the signal
 * (`logs`, `metrics`, `traces`), rows already limited to `[from, to)`, and runs the query.
 */
import { bkError } from '../../errors.js';
import { readDayIndex } from '../catalog/cas.js';
import type { LakeContext } from '../context.js';
import { readMetricDayIndex } from '../metrics/catalog.js';
import { METRIC_FREQUENCIES, pickFrequency } from '../metrics/tiers.js';
import { dateintsBetween } from '../names.js';
import { readTraceDayIndex } from '../traces/catalog.js';
import { newStats, type QueryStats } from './stats.js';

export type LakeSignal = 'logs' | 'metrics' | 'traces';

export interface SqlOptions {
  org: string;
  /** The view the query reads: `logs`, `metrics` or `traces`. */
  signal: LakeSignal;
  from: number | Date;
  to: number | Date;
  /** Metrics only: the tier to read (default: LakeRunner's choice for the range). */
  frequencyMs?: number;
  abort?: AbortSignal;
}

/** One result column: its name and DuckDB type. */
export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  /** Rows as objects; BIGINT values are bigints, text is decoded exactly. */
  rows: Record<string, unknown>[];
  stats: QueryStats;
}

/** What an engine runs: the query over a view of these segment objects, limited to a time range. */
export interface SqlSource {
  view: LakeSignal;
  objects: [key: string, size: number][];
  fromMs: number;
  toMs: number;
}

/**
 * Runs `query` over the segments the index selects.
 *
 * @example
 * ```ts
 * const { rows } = await lakeSql(ctx, 'SELECT span_name, count(*) AS n FROM traces GROUP BY 1', { org, signal: 'traces', from, to });
 * ```
 */
export async function lakeSql(ctx: LakeContext, query: string, options: SqlOptions): Promise<SqlResult> {
  const fromMs = typeof options.from === 'number' ? options.from : options.from.getTime();
  const toMs = typeof options.to === 'number' ? options.to : options.to.getTime();
  if (!(toMs > fromMs)) throw bkError('InvalidArgument', 'lake.sql needs from < to');
  const frequency = options.frequencyMs ?? pickFrequency(toMs - fromMs);
  if (options.signal === 'metrics' && !(METRIC_FREQUENCIES as readonly number[]).includes(frequency)) {
    throw bkError('InvalidArgument', `frequencyMs must be one of ${METRIC_FREQUENCIES.join(', ')}`);
  }
  if (!['logs', 'metrics', 'traces'].includes(options.signal)) {
    throw bkError('InvalidArgument', `signal must be logs, metrics or traces, not ${String(options.signal)}`);
  }
  const engine = await ctx.engine?.();
  if (!engine?.sql) {
    throw bkError(
      'Unsupported',
      "lake.sql runs on DuckDB: run `npm install @duckdb/node-api` and open the lake with engine 'auto' or 'duckdb'",
    );
  }
  const stats = newStats();
  const objects: [string, number][] = [];
  const overlaps = (s: { startMs: number; endMs: number; published: boolean }) =>
    s.published && s.endMs > fromMs && s.startMs < toMs;
  for (const dateint of dateintsBetween(fromMs, toMs)) {
    let listed: { table: string; bytes: number }[];
    let bytes: number;
    if (options.signal === 'logs') {
      const day = await readDayIndex(ctx.port, options.org, dateint, options.abort);
      listed = day.index.segments.filter(overlaps).map((s) => ({ table: s.table, bytes: s.tableBytes }));
      bytes = day.bytes;
    } else if (options.signal === 'metrics') {
      const day = await readMetricDayIndex(ctx.port, options.org, dateint, options.abort);
      listed = day.index.segments.filter((s) => overlaps(s) && s.frequencyMs === frequency);
      bytes = day.bytes;
    } else {
      const day = await readTraceDayIndex(ctx.port, options.org, dateint, options.abort);
      listed = day.index.segments.filter(overlaps);
      bytes = day.bytes;
    }
    stats.indexReads++;
    stats.requests++;
    stats.bytesRead += bytes;
    for (const segment of listed) objects.push([segment.table, segment.bytes]);
  }
  stats.segmentsConsidered = objects.length;
  const source: SqlSource = { view: options.signal, objects, fromMs, toMs };
  return engine.sql(ctx, source, query, stats, options.abort);
}
