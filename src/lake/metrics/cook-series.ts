/**
 * Cooking one series' samples into rows (appended to {@link MetricColumns}): one row per 10 s bucket, the
 * bucket's values merged into one DDSketch with exact rollup statistics, and for gauges and sums the exact
 * value. A bucket of one plain value (most raw rows) takes its shared one-value sketch and needs no sketch
 * object; every other bucket goes through `DDSketch`.
 */
import { DDSketch, type ExactStats, singleValueSketch } from '../sketch/index.js';
import { growMetricColumns, type MetricColumns } from './columns.js';
import type { OtlpMetricKind, Temporality } from './decoded.js';
import type { SketchedPoint } from './point-values.js';
import { METRIC_BUCKET_MS, ROLLUP_COLUMNS, type RollupColumn, sketchColumns } from './row.js';

/** The samples of one series: times as (ms, sub-ms ns) pairs, plain values or sketched points. */
export interface SeriesSamples {
  kind: OtlpMetricKind;
  temporality: Temporality;
  monotonic: boolean;
  ms: number[];
  sub: number[];
  /** Gauges and sums. */
  values: number[];
  /** Histograms, exponential histograms and summaries. */
  sketched: SketchedPoint[];
}

/**
 * Appends the rows of one series (as series `seriesIndex` of `c`) and returns the columns (grown if needed).
 *
 * @example
 * ```ts
 * columns = cookSeriesInto(columns, samples, 0);
 * ```
 */
export function cookSeriesInto(c: MetricColumns, s: SeriesSamples, seriesIndex: number): MetricColumns {
  const order = timeOrder(s);
  const at = (k: number) => order?.[k] ?? k;
  const n = s.ms.length;
  const plain = s.kind === 'gauge' || s.kind === 'sum';
  const isDelta = s.temporality === 'delta';
  const countsResets = s.kind === 'sum' && s.monotonic && !isDelta;
  const out = growMetricColumns(c, c.length + n);
  const r = out.rollups;
  let previous: number | undefined;
  for (let i = 0; i < n; ) {
    const bucket = bucketOf(s.ms[at(i)]!);
    let j = i + 1;
    while (j < n && bucketOf(s.ms[at(j)]!) === bucket) j++;
    const last = at(j - 1);
    const row = out.length++;
    out.seriesOf[row] = seriesIndex;
    out.timestampMs[row] = bucket;
    out.tsnsMs[row] = s.ms[last]!;
    out.tsnsSub[row] = s.sub[last]!;
    out.hasValue[row] = plain ? 1 : 0;
    out.value[row] = 0;
    out.resetAdjust[row] = 0;
    const one = plain && j === i + 1 ? singleValueSketch(s.values[last]!) : undefined;
    if (one !== undefined) {
      const v = s.values[last]!;
      if (countsResets && previous !== undefined && v < previous) out.resetAdjust[row] = 0 + previous;
      previous = v;
      const sum = 0 + v;
      out.sketch.push(one);
      r.chq_rollup_count[row] = 1;
      r.chq_rollup_sum[row] = sum;
      r.chq_rollup_avg[row] = sum / 1;
      for (const name of ONE_VALUE_COLUMNS) r[name][row] = v;
      out.value[row] = isDelta ? sum : v;
      i = j;
      continue;
    }
    let sketch: DDSketch;
    let stats: ExactStats;
    if (plain) {
      sketch = new DDSketch();
      stats = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      let resetAdjust = 0;
      for (let k = i; k < j; k++) {
        const v = s.values[at(k)]!;
        if (Math.abs(v) <= sketch.mapping.maxIndexableValue) sketch.add(v);
        stats.count++;
        stats.sum += v;
        stats.min = Math.min(stats.min, v);
        stats.max = Math.max(stats.max, v);
        if (countsResets && previous !== undefined && v < previous) resetAdjust += previous;
        previous = v;
      }
      out.resetAdjust[row] = resetAdjust;
      out.value[row] = isDelta ? stats.sum : s.values[last]!;
    } else if (isDelta) {
      sketch = new DDSketch();
      stats = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      for (let k = i; k < j; k++) {
        const p = s.sketched[at(k)]!;
        sketch.merge(p.sketch);
        stats.count += p.stats.count;
        stats.sum += p.stats.sum;
        stats.min = Math.min(stats.min, p.stats.min);
        stats.max = Math.max(stats.max, p.stats.max);
      }
    } else {
      // cumulative histograms and summaries: each point already holds everything before it
      ({ sketch, stats } = s.sketched[last]!);
    }
    const columns = sketchColumns(sketch, stats);
    out.sketch.push(columns.chq_sketch);
    for (const name of ROLLUP_COLUMNS) r[name][row] = columns[name];
    i = j;
  }
  return out;
}

/** The rollup columns that hold the value itself when a bin has one sample (all but count, sum, avg). */
const ONE_VALUE_COLUMNS = ROLLUP_COLUMNS.slice(3) as Exclude<
  RollupColumn,
  'chq_rollup_count' | 'chq_rollup_sum' | 'chq_rollup_avg'
>[];

/** Undefined when the samples already ascend in time (as scrapes and exports send them), else a stable order. */
function timeOrder(s: SeriesSamples): number[] | undefined {
  let sorted = true;
  for (let k = 1; k < s.ms.length && sorted; k++) {
    sorted = s.ms[k - 1]! < s.ms[k]! || (s.ms[k - 1] === s.ms[k] && s.sub[k - 1]! <= s.sub[k]!);
  }
  if (sorted) return undefined;
  return Array.from(s.ms.keys()).sort((a, b) => s.ms[a]! - s.ms[b]! || s.sub[a]! - s.sub[b]! || a - b);
}

function bucketOf(ms: number): number {
  return ms - (((ms % METRIC_BUCKET_MS) + METRIC_BUCKET_MS) % METRIC_BUCKET_MS);
}
