/**
 * The `chq_rollup_*` columns of a metric row: count, sum, avg, min, max and six quantiles. Count, sum,
 * min and max are exact when the caller tracked them (ingest and rollups do); quantiles come from the sketch.
 */
import type { DDSketch } from './sketch.js';

/** Quantiles LakeRunner precomputes, by column suffix. */
export const ROLLUP_QUANTILES = { p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/** Exactly tracked statistics of the values a sketch holds. */
export interface ExactStats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The rollup columns of one row. */
export interface Rollup extends ExactStats {
  avg: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * Rollup statistics of a sketch; `exact` replaces the sketch's approximations of count, sum, min, max.
 *
 * @example
 * ```ts
 * const r = rollupOf(sketch, { count: 3, sum: 117, min: 12, max: 90 });
 * r.p50; // from the sketch
 * ```
 */
export function rollupOf(sketch: DDSketch, exact?: ExactStats): Rollup {
  const stats = exact ?? approximateStats(sketch);
  // one distinct value (most raw rows hold one sample): every quantile clamps to it, no need to walk the bins
  const single = sketch.count > 0 && stats.min === stats.max;
  const quantile = (q: number): number =>
    single ? stats.min : clamp(sketch.quantile(q), stats.min, stats.max);
  return {
    ...stats,
    avg: stats.count === 0 ? Number.NaN : stats.sum / stats.count,
    p25: quantile(ROLLUP_QUANTILES.p25),
    p50: quantile(ROLLUP_QUANTILES.p50),
    p75: quantile(ROLLUP_QUANTILES.p75),
    p90: quantile(ROLLUP_QUANTILES.p90),
    p95: quantile(ROLLUP_QUANTILES.p95),
    p99: quantile(ROLLUP_QUANTILES.p99),
  };
}

// A bin's value may fall outside the exact [min, max]; clamping only brings it closer to the truth.
function clamp(v: number, min: number, max: number): number {
  if (Number.isNaN(v) || Number.isNaN(min) || Number.isNaN(max)) return v;
  return Math.min(max, Math.max(min, v));
}

function approximateStats(sketch: DDSketch): ExactStats {
  let sum = 0;
  const m = sketch.mapping;
  const { positive, negative } = sketch;
  for (let i = positive.minIndex; i <= positive.maxIndex; i++) sum += m.value(i) * positive.count(i);
  for (let i = negative.minIndex; i <= negative.maxIndex; i++) sum -= m.value(i) * negative.count(i);
  return { count: sketch.count, sum, min: sketch.min, max: sketch.max };
}
