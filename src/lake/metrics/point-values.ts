/**
 * The values a data point puts into its row's DDSketch, as LakeRunner does: one value for gauges and sums;
 * a representative value per bucket for histograms (the bucket's middle; the open first and last buckets
 * take the recorded min and max, else their finite bound), per exponential bucket (its geometric middle),
 * and up to 2048 interpolated samples for summaries. Count, sum, min and max are kept exactly where the
 * point has them.
 */
import { DDSketch, type ExactStats } from '../sketch/index.js';
import type { ExplicitHistogram, ExponentialHistogram, SummaryValue } from './decoded.js';

/** A sketch with its exact statistics. */
export interface SketchedPoint {
  sketch: DDSketch;
  stats: ExactStats;
}

const MAX_SUMMARY_SAMPLES = 2048;

function addFinite(sketch: DDSketch, value: number, count: number): void {
  if (count > 0 && Number.isFinite(value) && Math.abs(value) <= sketch.mapping.maxIndexableValue) {
    sketch.add(value, count);
  }
}

function finish(
  sketch: DDSketch,
  count: number,
  sum?: number,
  min?: number,
  max?: number,
): SketchedPoint | undefined {
  if (sketch.isEmpty) return undefined;
  const approx = approxSum(sketch);
  return {
    sketch,
    stats: {
      count: count > 0 ? count : sketch.count,
      sum: sum !== undefined && Number.isFinite(sum) ? sum : approx,
      min: min !== undefined && Number.isFinite(min) ? min : sketch.min,
      max: max !== undefined && Number.isFinite(max) ? max : sketch.max,
    },
  };
}

function approxSum(sketch: DDSketch): number {
  let sum = 0;
  const { positive, negative, mapping } = sketch;
  for (let i = positive.minIndex; i <= positive.maxIndex; i++) sum += mapping.value(i) * positive.count(i);
  for (let i = negative.minIndex; i <= negative.maxIndex; i++) sum -= mapping.value(i) * negative.count(i);
  return sum;
}

/** An explicit-bucket histogram's values; undefined when it holds none. */
export function sketchHistogram(h: ExplicitHistogram): SketchedPoint | undefined {
  const sketch = new DDSketch();
  const clamp = (v: number) => Math.min(h.max ?? v, Math.max(h.min ?? v, v));
  for (let i = 0; i < h.counts.length; i++) {
    const count = h.counts[i] as number;
    if (count === 0) continue;
    const lo = i === 0 ? Number.NEGATIVE_INFINITY : (h.bounds[i - 1] ?? Number.POSITIVE_INFINITY);
    const hi = i < h.bounds.length ? (h.bounds[i] as number) : Number.POSITIVE_INFINITY;
    let value: number;
    if (Number.isFinite(lo) && Number.isFinite(hi)) value = (lo + hi) / 2;
    else if (Number.isFinite(hi)) value = h.min ?? hi;
    else if (Number.isFinite(lo)) value = h.max ?? lo;
    else value = h.sum !== undefined && h.count > 0 ? h.sum / h.count : Number.NaN;
    addFinite(sketch, clamp(value), count);
  }
  return finish(sketch, h.count, h.sum, h.min, h.max);
}

/** An exponential histogram's values; undefined when it holds none. */
export function sketchExponential(h: ExponentialHistogram): SketchedPoint | undefined {
  const sketch = new DDSketch();
  const step = 2 ** -h.scale;
  const middle = (index: number) => 2 ** ((index + 0.5) * step);
  h.positive.counts.forEach((count, j) => {
    addFinite(sketch, middle(h.positive.offset + j), count);
  });
  h.negative.counts.forEach((count, j) => {
    addFinite(sketch, -middle(h.negative.offset + j), count);
  });
  if (h.zeroCount > 0) sketch.add(0, h.zeroCount);
  return finish(sketch, h.count, h.sum, h.min, h.max);
}

/** A summary's values: samples spread evenly over its quantiles; undefined when its count is 0. */
export function sketchSummary(s: SummaryValue): SketchedPoint | undefined {
  if (!(s.count > 0)) return undefined;
  const sketch = new DDSketch();
  const points = s.quantiles
    .filter(([q, v]) => q >= 0 && q <= 1 && Number.isFinite(v))
    .sort((a, b) => a[0] - b[0]);
  if (points.length === 0) {
    addFinite(sketch, s.sum / s.count, s.count);
    return finish(sketch, s.count, s.sum);
  }
  const samples = Math.min(MAX_SUMMARY_SAMPLES, Math.max(1, Math.ceil(s.count)));
  const weight = s.count / samples;
  for (let i = 0; i < samples; i++) addFinite(sketch, interpolate(points, (i + 0.5) / samples), weight);
  const first = points[0] as [number, number];
  const last = points[points.length - 1] as [number, number];
  return finish(
    sketch,
    s.count,
    s.sum,
    first[0] === 0 ? first[1] : undefined,
    last[0] === 1 ? last[1] : undefined,
  );
}

function interpolate(points: [number, number][], q: number): number {
  let previous = points[0] as [number, number];
  if (q <= previous[0]) return previous[1];
  for (const point of points) {
    if (q <= point[0]) {
      const span = point[0] - previous[0];
      return span === 0 ? point[1] : previous[1] + ((q - previous[0]) / span) * (point[1] - previous[1]);
    }
    previous = point;
  }
  return previous[1];
}
