/**
 * The functions over a range vector, as Prometheus 2.x computes them: `rate`/`increase`/`delta` with
 * Prometheus's extrapolation, `irate`/`idelta`, `deriv`, `predict_linear`, `holt_winters`, `changes`,
 * `resets` and `*_over_time`. Each takes the samples of one series inside `[t - range, t]` (of a range
 * selector or a subquery) and its scalar arguments, and returns a value or undefined (no sample).
 */

import { DDSketch, decodeSketch } from '../sketch/index.js';
import { promqlError } from './errors.js';
import { quantileOf, variance } from './sample-stats.js';
import type { Sample } from './source.js';

export interface Window {
  samples: readonly Sample[];
  /** Range start and end (ms), offset applied. */
  startMs: number;
  endMs: number;
  rangeMs: number;
  /** The evaluation time (ms, before any offset): `predict_linear` predicts from it. */
  evalMs: number;
}

/** `params` are the call's scalar arguments in order (`quantile_over_time`'s φ, `holt_winters`' factors). */
type RangeFunction = (w: Window, params: readonly number[]) => number | undefined;

/**
 * Prometheus's `extrapolatedRate`: the change over the samples, extrapolated to the range's edges
 * (by at most half the average interval when an edge is far, and never below zero for counters).
 */
function extrapolated(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const s = w.samples;
  if (s.length < 2) return undefined;
  const first = s[0]!;
  const last = s[s.length - 1]!;
  let result = last.v - first.v;
  if (isCounter) {
    for (let i = 1; i < s.length; i++) {
      if (s[i]!.v < s[i - 1]!.v) result += s[i - 1]!.v;
      result += s[i]!.hiddenResets;
    }
  }
  let durationToStart = (first.t - w.startMs) / 1000;
  const durationToEnd = (w.endMs - last.t) / 1000;
  const sampled = (last.t - first.t) / 1000;
  const averageInterval = sampled / (s.length - 1);
  if (isCounter && result > 0 && first.v >= 0) {
    const durationToZero = sampled * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageInterval * 1.1;
  let interval = sampled;
  interval += durationToStart < threshold ? durationToStart : averageInterval / 2;
  interval += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
  result *= interval / sampled;
  return isRate ? result / (w.rangeMs / 1000) : result;
}

function instant(w: Window, isRate: boolean): number | undefined {
  const s = w.samples;
  if (s.length < 2) return undefined;
  const last = s[s.length - 1]!;
  const previous = s[s.length - 2]!;
  let result = isRate && last.v < previous.v ? last.v : last.v - previous.v;
  const interval = (last.t - previous.t) / 1000;
  if (interval === 0) return undefined;
  if (isRate) result /= interval;
  return result;
}

/**
 * Prometheus's `linearRegression`: least-squares slope per second and the value at `interceptMs`, times
 * in seconds relative to it, sums compensated (Kahan) as Prometheus's; a constant series is slope 0.
 */
function linearRegression(samples: readonly Sample[], interceptMs: number): [number, number] {
  const initY = samples[0]!.v;
  let constY = true;
  const n = samples.length;
  const x = new Kahan();
  const y = new Kahan();
  const xy = new Kahan();
  const x2 = new Kahan();
  samples.forEach((p, i) => {
    if (constY && i > 0 && p.v !== initY) constY = false;
    const dx = (p.t - interceptMs) / 1000;
    x.add(dx);
    y.add(p.v);
    xy.add(dx * p.v);
    x2.add(dx * dx);
  });
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [Number.NaN, Number.NaN];
  const [sumX, sumY, sumXY, sumX2] = [x.value(), y.value(), xy.value(), x2.value()];
  const slope = (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n);
  return [slope, sumY / n - (slope * sumX) / n];
}

/** Kahan–Babuška (Neumaier) summation, Prometheus's `kahanSumInc`. */
class Kahan {
  private sum = 0;
  private c = 0;
  add(v: number): void {
    const t = this.sum + v;
    if (!Number.isFinite(t)) this.c = 0;
    else if (Math.abs(this.sum) >= Math.abs(v)) this.c += this.sum - t + v;
    else this.c += v - t + this.sum;
    this.sum = t;
  }
  value(): number {
    return this.sum + this.c;
  }
}

/** Per-second slope, times relative to the first sample as Prometheus's `deriv` does. */
function deriv(w: Window): number | undefined {
  const s = w.samples;
  if (s.length < 2) return undefined;
  return linearRegression(s, s[0]!.t)[0];
}

/** The value `seconds` after the evaluation time, by the least-squares line through the window. */
function predictLinear(w: Window, seconds: number): number | undefined {
  if (w.samples.length < 2) return undefined;
  const [slope, intercept] = linearRegression(w.samples, w.evalMs);
  return slope * seconds + intercept;
}

/** Prometheus 2.x's double exponential smoothing (`holt_winters`, smoothing `sf`, trend `tf`). */
function holtWinters(w: Window, sf: number, tf: number): number | undefined {
  if (!(sf > 0 && sf < 1))
    throw promqlError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFloat(sf)}`);
  if (!(tf > 0 && tf < 1))
    throw promqlError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${goFloat(tf)}`);
  const s = w.samples;
  if (s.length < 2) return undefined;
  let s0 = 0;
  let s1 = s[0]!.v;
  let b = s[1]!.v - s[0]!.v;
  for (let i = 1; i < s.length; i++) {
    const x = sf * s[i]!.v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/** Go's `%f`. */
const goFloat = (v: number) =>
  Number.isFinite(v) ? v.toFixed(6) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';

/** Prometheus 2.x's running mean (it avoids overflow the same way, so results agree to the last bits). */
function average(values: number[]): number {
  let mean = 0;
  let count = 0;
  for (const v of values) {
    count++;
    if (!Number.isFinite(mean) && Number.isFinite(v)) continue;
    if (!Number.isFinite(mean) && !Number.isFinite(v)) {
      mean = mean + v;
      continue;
    }
    mean += v / count - mean / count;
  }
  return mean;
}

const values = (w: Window) => w.samples.map((s) => s.v);
const nonEmpty = (w: Window, f: (v: number[]) => number) =>
  w.samples.length === 0 ? undefined : f(values(w));

/**
 * On rolled-up tiers a row stands for many samples: count, sum, min, max and avg over time come from
 * the rows' exact statistics (equal to Prometheus's over the raw samples when the window holds whole
 * buckets), not from the rows' last values.
 */
function overRollups(w: Window, f: 'count' | 'sum' | 'min' | 'max' | 'avg'): number | undefined {
  if (w.samples.length === 0 || w.samples[0]!.stats === undefined) return undefined;
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { stats } of w.samples) {
    if (!stats) continue;
    count += stats.count;
    sum += stats.sum;
    min = Math.min(min, stats.min);
    max = Math.max(max, stats.max);
  }
  return { count, sum, min, max, avg: sum / count }[f];
}

const rolled =
  (f: 'count' | 'sum' | 'min' | 'max' | 'avg', raw: RangeFunction): RangeFunction =>
  (w, params) =>
    w.samples[0]?.stats ? overRollups(w, f) : raw(w, params);

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (w) => extrapolated(w, true, true),
  increase: (w) => extrapolated(w, true, false),
  delta: (w) => extrapolated(w, false, false),
  irate: (w) => instant(w, true),
  idelta: (w) => instant(w, false),
  deriv,
  predict_linear: (w, [seconds]) => predictLinear(w, seconds!),
  holt_winters: (w, [sf, tf]) => holtWinters(w, sf!, tf!),
  changes: (w) =>
    nonEmpty(
      w,
      (v) => v.slice(1).filter((x, i) => x !== v[i] && !(Number.isNaN(x) && Number.isNaN(v[i]!))).length,
    ),
  resets: (w) => nonEmpty(w, (v) => v.slice(1).filter((x, i) => x < v[i]!).length),
  avg_over_time: rolled('avg', (w) => nonEmpty(w, average)),
  min_over_time: rolled('min', (w) =>
    nonEmpty(w, (v) => v.reduce((m, x) => (x < m || Number.isNaN(m) ? x : m))),
  ),
  max_over_time: rolled('max', (w) =>
    nonEmpty(w, (v) => v.reduce((m, x) => (x > m || Number.isNaN(m) ? x : m))),
  ),
  sum_over_time: rolled('sum', (w) => nonEmpty(w, (v) => v.reduce((a, x) => a + x, 0))),
  count_over_time: rolled('count', (w) => nonEmpty(w, (v) => v.length)),
  last_over_time: (w) => nonEmpty(w, (v) => v[v.length - 1]!),
  present_over_time: (w) => nonEmpty(w, () => 1),
  stddev_over_time: (w) => nonEmpty(w, (v) => Math.sqrt(variance(v))),
  stdvar_over_time: (w) => nonEmpty(w, variance),
  quantile_over_time: (w, [q]) => {
    if (w.samples.length === 0) return undefined;
    if (w.samples[0]!.sketch) return sketchQuantile(w.samples, q!);
    return quantileOf(q!, values(w));
  },
};

/** A quantile of the values the window's rows hold, from their sketches (merged, or the newest when cumulative). */
function sketchQuantile(samples: readonly Sample[], q: number): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const last = samples[samples.length - 1]!;
  if (last.cumulative && last.sketch) return decodeSketch(last.sketch).quantile(q);
  const merged = new DDSketch();
  for (const s of samples) if (s.sketch) merged.merge(decodeSketch(s.sketch));
  return merged.quantile(q);
}
