/**
 * LakeRunner's metric tiers: 10 s raw rows rolled up to 60 s, 5 m, 20 m and 1 h, and the tier a query
 * reads, chosen from its range (LakeRunner's thresholds) and, when given, its step.
 */

/** Every tier's frequency in ms, finest first. */
export const METRIC_FREQUENCIES = [10_000, 60_000, 300_000, 1_200_000, 3_600_000] as const;

/** The tier a tier rolls up into, or undefined for the last. */
export function nextFrequency(frequencyMs: number): number | undefined {
  const i = METRIC_FREQUENCIES.indexOf(frequencyMs as (typeof METRIC_FREQUENCIES)[number]);
  return i >= 0 ? METRIC_FREQUENCIES[i + 1] : undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The tier a query reads: by range, ≤ 65 min → 10 s, ≤ 12 h → 60 s, ≤ 1 d → 5 m, ≤ 3 d → 20 m, else 1 h
 * (LakeRunner); never coarser than the step, so every step still gets its own rows.
 *
 * @example
 * ```ts
 * pickFrequency(6 * 3_600_000); // 60_000
 * pickFrequency(7 * 86_400_000, 60_000); // 60_000: a 1 m step needs 1 m rows
 * ```
 */
export function pickFrequency(rangeMs: number, stepMs?: number): number {
  let byRange: number;
  if (rangeMs <= 65 * MINUTE) byRange = 10_000;
  else if (rangeMs <= 12 * HOUR) byRange = 60_000;
  else if (rangeMs <= 24 * HOUR) byRange = 300_000;
  else if (rangeMs <= 72 * HOUR) byRange = 1_200_000;
  else byRange = 3_600_000;
  if (stepMs === undefined) return byRange;
  const byStep = [...METRIC_FREQUENCIES].reverse().find((f) => f <= stepMs) ?? 10_000;
  return Math.min(byRange, byStep);
}
