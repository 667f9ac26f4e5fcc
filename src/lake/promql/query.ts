/**
 * Instant and range PromQL queries over a lake's metric segments: parse, load every selector's series
 * once for the whole range from the tier the range and step call for, then evaluate at each step.
 */
import type { StoragePort } from '../../storage/index.js';
import type { MetricRowCache } from '../metrics/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { newStats, type QueryStats } from '../query/stats.js';
import type { Expr } from './ast.js';
import { promqlError } from './errors.js';
import { evaluateAt } from './evaluate.js';
import { type Labels, labelsKey } from './labels.js';
import { parsePromQL, typeOf } from './parser.js';
import { loadFrame } from './plan.js';

/** Prometheus's default lookback (`--query.lookback-delta`). */
export const DEFAULT_LOOKBACK_MS = 300_000;
/** Prometheus refuses range queries with more points per series. */
export const MAX_POINTS = 11_000;

export interface PromqlQuery {
  org: string;
  query: string | Expr;
  /** Instant queries: the evaluation time; range queries: the first step. ms. */
  startMs: number;
  /** Range queries: the last step (inclusive). Omit for an instant query. */
  endMs?: number;
  stepMs?: number;
  lookbackMs?: number;
  /** The tier to read (default: chosen from range, step and range selectors). */
  frequencyMs?: number;
  zstd?: ZstdCodec;
  signal?: AbortSignal;
  /** Decoded raw-tier tables kept between queries (a server passes one to every query). */
  cache?: MetricRowCache;
}

export type Point = [timeMs: number, value: number];

export type PromqlResult = (
  | { resultType: 'scalar'; result: Point }
  | { resultType: 'string'; result: [number, string] }
  | { resultType: 'vector'; result: { metric: Labels; value: Point }[] }
  | { resultType: 'matrix'; result: { metric: Labels; values: Point[] }[] }
) & { frequencyMs: number; stats: QueryStats };

/**
 * Runs a PromQL query; bad queries are `InvalidArgument` with `details.promql`.
 *
 * @example
 * ```ts
 * const r = await queryPromQL(port, { org: 'acme', query: 'rate(http_requests_total[5m])', startMs, endMs, stepMs: 60_000 });
 * ```
 */
export async function queryPromQL(port: StoragePort, q: PromqlQuery): Promise<PromqlResult> {
  const expr = typeof q.query === 'string' ? parsePromQL(q.query) : q.query;
  const range = q.endMs !== undefined;
  const endMs = q.endMs ?? q.startMs;
  const stepMs = range ? (q.stepMs ?? 0) : 0;
  if (range && !(stepMs > 0))
    throw promqlError(
      'parse',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  if (endMs < q.startMs) throw promqlError('parse', 'end timestamp must not be before start time');
  if (range && (endMs - q.startMs) / stepMs + 1 > MAX_POINTS)
    throw promqlError(
      'limit',
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  const type = typeOf(expr);
  if (range && type !== 'scalar' && type !== 'vector')
    throw promqlError(
      'type',
      `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
    );
  const frame = { startMs: q.startMs, endMs, stepMs, lookbackMs: q.lookbackMs ?? DEFAULT_LOOKBACK_MS };
  const stats = newStats();
  const { data, frequencyMs } = await loadFrame(port, expr, frame, {
    org: q.org,
    frequencyMs: q.frequencyMs,
    zstd: q.zstd,
    signal: q.signal,
    stats,
    cache: q.cache,
  });
  const ctx = { frame, data };
  if (!range) {
    const value = evaluateAt(expr, q.startMs, ctx);
    const base = { frequencyMs, stats };
    switch (value.type) {
      case 'scalar':
        return { resultType: 'scalar', result: [q.startMs, value.v], ...base };
      case 'string':
        return { resultType: 'string', result: [q.startMs, value.s], ...base };
      case 'vector':
        return {
          resultType: 'vector',
          result: value.samples.map((s) => ({ metric: s.labels, value: [q.startMs, s.v] as Point })),
          ...base,
        };
      case 'matrix':
        return {
          resultType: 'matrix',
          result: value.series.map((s) => ({
            metric: s.labels,
            values: s.samples.map((p) => [p.t, p.v] as Point),
          })),
          ...base,
        };
    }
  }
  const series = new Map<string, { metric: Labels; values: Point[] }>();
  for (let t = q.startMs; t <= endMs; t += stepMs) {
    q.signal?.throwIfAborted();
    const value = evaluateAt(expr, t, ctx);
    const samples =
      value.type === 'scalar' ? [{ labels: {}, v: value.v }] : value.type === 'vector' ? value.samples : [];
    for (const s of samples) {
      const key = labelsKey(s.labels);
      let entry = series.get(key);
      if (!entry) {
        entry = { metric: s.labels, values: [] };
        series.set(key, entry);
      }
      entry.values.push([t, s.v]);
    }
  }
  return { resultType: 'matrix', result: [...series.values()], frequencyMs, stats };
}
