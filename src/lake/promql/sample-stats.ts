/** Order statistics and variance of a list of sample values, shared by aggregations and `*_over_time`. */

/**
 * Prometheus's `quantile`: linear interpolation between the closest ranks.
 *
 * @example
 * ```ts
 * quantileOf(0.5, [1, 2, 3, 4]); // 2.5
 * ```
 */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(sorted.length - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/**
 * The population variance of `values` (Welford's running form, as Prometheus computes `stdvar`).
 *
 * @example
 * ```ts
 * variance([1, 2, 3, 4]); // 1.25
 * ```
 */
export function variance(values: number[]): number {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    count++;
    const delta = v - mean;
    mean += delta / count;
    m2 += delta * (v - mean);
  }
  return m2 / count;
}
