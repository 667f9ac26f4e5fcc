/**
 * Runs a LogQL query against a lake: log queries give streams, metric queries a matrix (range) or a vector
 * (instant). Each result carries what the lake read (`stats`, summed over the lake calls).
 */
import { bkError } from '../../errors.js';
import type { Lake } from '../lake.js';
import { newStats, type QueryStats } from '../query/stats.js';
import type { LogExpr, LogQLExpr } from './ast.js';
import { type Labels, labelsKey, streamLabels } from './labels.js';
import { evaluateMetric, type Sample } from './metric.js';
import { parseLogQL } from './parser.js';
import { compilePipeline } from './pipeline.js';
import { pushdown } from './pushdown.js';

export interface LogQLQuery {
  org: string;
  /** The LogQL text, or an already parsed expression. */
  query: string | LogQLExpr;
  /** Range start (ms, inclusive); for an instant query, its time. */
  start: number;
  /** Range end (ms): exclusive for log lines, the last evaluation time for metrics. */
  end: number;
  /** Step between metric evaluations (ms); absent: an instant query at `end`. */
  step?: number;
  /** Most log lines (default 100, as Loki). */
  limit?: number;
  /** `backward` (newest first, the default) or `forward`. */
  direction?: 'forward' | 'backward';
  signal?: AbortSignal;
}

/** One log stream: its labels and its `[ns, line]` entries in the query's direction. */
export interface LogStream {
  labels: Labels;
  entries: [bigint, string][];
}

/** One metric series: labels and `[ms, value]` samples in time order. */
export interface MetricSeries {
  labels: Labels;
  samples: Sample[];
}

export type LogQLResult =
  | { type: 'streams'; streams: LogStream[]; stats: QueryStats }
  | { type: 'matrix'; series: MetricSeries[]; stats: QueryStats }
  | { type: 'vector'; series: MetricSeries[]; stats: QueryStats };

/**
 * Evaluates a LogQL query (see docs/lake.md for the subset).
 *
 * @example
 * ```ts
 * const result = await evaluateLogQL(lake, {
 *   org: 'acme', query: 'sum by (level) (count_over_time({service="api"}[5m]))',
 *   start: Date.parse('2026-01-02T00:00:00Z'), end: Date.parse('2026-01-03T00:00:00Z'), step: 300_000,
 * });
 * if (result.type === 'matrix') for (const s of result.series) console.log(s.labels, s.samples.length);
 * ```
 */
export async function evaluateLogQL(lake: Lake, query: LogQLQuery): Promise<LogQLResult> {
  const expr = typeof query.query === 'string' ? parseLogQL(query.query) : query.query;
  if (!Number.isFinite(query.start) || !Number.isFinite(query.end) || query.end < query.start)
    throw bkError('InvalidArgument', 'a LogQL query needs start ≤ end (epoch milliseconds)');
  if (expr.kind === 'log') {
    return { type: 'streams', ...(await logStreams(lake, expr, query)) };
  }
  const stats = newStats();
  const instant = query.step === undefined;
  const step = query.step ?? 1;
  if (!Number.isInteger(step) || step < 1)
    throw bkError('InvalidArgument', 'step must be a whole number of ms ≥ 1');
  const start = instant ? query.end : query.start;
  const series = await evaluateMetric(lake, expr, {
    org: query.org,
    start,
    end: query.end,
    step,
    stats,
    ...(query.signal ? { signal: query.signal } : {}),
  });
  return { type: instant ? 'vector' : 'matrix', series, stats };
}

async function logStreams(lake: Lake, expr: LogExpr, query: LogQLQuery) {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 0)
    throw bkError('InvalidArgument', 'limit must be a whole number ≥ 0');
  const plan = pushdown(expr);
  const run = compilePipeline(plan.residual);
  const streams = new Map<string, LogStream>();
  const stats = newStats();
  if (limit > 0 && query.end > query.start) {
    const rows = lake.logs({
      org: query.org,
      from: query.start,
      to: query.end,
      where: plan.where,
      match: plan.match,
      ...(plan.contains !== undefined ? { contains: plan.contains } : {}),
      ...(plan.regex ? { regex: plan.regex } : {}),
      limit: plan.residual.length === 0 ? limit : Number.MAX_SAFE_INTEGER,
      order: query.direction ?? 'backward',
      ...(query.signal ? { signal: query.signal } : {}),
    });
    let sent = 0;
    try {
      for await (const row of rows) {
        const labels = run(row.log_message, streamLabels(row));
        if (labels === null) continue;
        const key = labelsKey(labels);
        let stream = streams.get(key);
        if (!stream) {
          stream = { labels, entries: [] };
          streams.set(key, stream);
        }
        stream.entries.push([row.chq_tsns, row.log_message]);
        if (++sent >= limit) break;
      }
    } finally {
      addStats(stats, rows.stats);
    }
  }
  return { streams: [...streams.values()], stats };
}

/** Adds one lake call's stats to a running total. */
export function addStats(total: QueryStats, part: QueryStats): void {
  total.indexReads += part.indexReads;
  total.segmentsConsidered += part.segmentsConsidered;
  total.segmentsPruned += part.segmentsPruned;
  total.segmentsRead += part.segmentsRead;
  total.usedAggFiles ||= part.usedAggFiles;
  total.requests += part.requests;
  total.bytesRead += part.bytesRead;
  total.rowsScanned += part.rowsScanned;
}
