/**
 * Turns decoded OTLP data points into metric rows: one row per (series, 10 s bucket), the bucket's values
 * merged into one DDSketch with exact rollup statistics, and for gauges and sums the exact value.
 */
import type { DecodedValue } from '../ingest/decoded.js';
import { normaliseName } from '../names.js';
import { DDSketch, type ExactStats } from '../sketch/index.js';
import type { DecodedMetricPoint } from './decoded.js';
import { type SketchedPoint, sketchExponential, sketchHistogram, sketchSummary } from './point-values.js';
import {
  type ChqMetricType,
  compareMetricRows,
  METRIC_BUCKET_MS,
  METRIC_RESOURCE_KEYS,
  type MetricRow,
  sketchColumns,
} from './row.js';
import { seriesTid } from './tid.js';

/** `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point marks a series as gone (Prometheus staleness). */
const NO_RECORDED_VALUE = 1;

interface Sample {
  timeNs: bigint;
  value?: number;
  sketched?: SketchedPoint;
}

interface Series {
  labels: Record<string, string>;
  fields: Record<string, string>;
  name: string;
  type: ChqMetricType;
  point: DecodedMetricPoint;
  samples: Sample[];
}

/**
 * Collects data points, then cooks them into rows ({@link MetricRowBuilder.rows}).
 *
 * @example
 * ```ts
 * const builder = new MetricRowBuilder('acme');
 * for await (const point of decodeOtlpMetricsProtobuf(chunks)) builder.add(point);
 * const rows = builder.rows();
 * ```
 */
export class MetricRowBuilder {
  private readonly series = new Map<string, Series>();
  /** Points dropped: NaN/Inf values, empty histograms, staleness markers, points without a time. */
  dropped = 0;
  points = 0;

  constructor(readonly org: string) {}

  add(point: DecodedMetricPoint): void {
    this.points++;
    const sample = toSample(point);
    if (sample === undefined) {
      this.dropped++;
      return;
    }
    const type = chqType(point);
    const name = normaliseName(point.name);
    const fields: Record<string, string> = {};
    for (const key in point.resource) {
      const normalised = normaliseName(key);
      const value = text(point.resource[key]);
      if (METRIC_RESOURCE_KEYS.has(normalised) && value !== '') fields[`resource_${normalised}`] = value;
    }
    for (const key in point.attributes) {
      if (key.startsWith('_')) continue;
      const value = text(point.attributes[key]);
      if (value !== '') fields[`attr_${normaliseName(key)}`] = value;
    }
    const labels = { ...fields, metric_name: name, chq_metric_type: type };
    // the series key also holds what LakeRunner leaves out of the tid, so such points never share a row
    const key = JSON.stringify([labels, point.kind, point.temporality, point.unit]);
    let series = this.series.get(key);
    if (!series) {
      series = { labels, fields, name, type, point, samples: [] };
      this.series.set(key, series);
    }
    series.samples.push(sample);
  }

  /** The rows of every point added, sorted by `[metric_name, chq_tid, chq_timestamp]`. */
  rows(): MetricRow[] {
    const rows: MetricRow[] = [];
    for (const series of this.series.values()) rows.push(...cookSeries(series, this.org));
    rows.sort(compareMetricRows);
    return rows;
  }
}

function chqType(point: DecodedMetricPoint): ChqMetricType {
  if (point.kind === 'gauge') return 'gauge';
  if (point.kind === 'sum') return 'count';
  return 'histogram';
}

function text(value: DecodedValue | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

function toSample(point: DecodedMetricPoint): Sample | undefined {
  if ((point.flags & NO_RECORDED_VALUE) !== 0 || point.timeUnixNano === 0n) return undefined;
  const timeNs = point.timeUnixNano;
  switch (point.kind) {
    case 'gauge':
    case 'sum':
      return point.value !== undefined && Number.isFinite(point.value)
        ? { timeNs, value: point.value }
        : undefined;
    case 'histogram': {
      const sketched = point.histogram && sketchHistogram(point.histogram);
      return sketched && { timeNs, sketched };
    }
    case 'exponential_histogram': {
      const sketched = point.exponential && sketchExponential(point.exponential);
      return sketched && { timeNs, sketched };
    }
    case 'summary': {
      const sketched = point.summary && sketchSummary(point.summary);
      return sketched && { timeNs, sketched };
    }
  }
}

function cookSeries(series: Series, org: string): MetricRow[] {
  const { point } = series;
  const samples = series.samples.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  const tid = seriesTid(series.labels);
  const isDelta = point.temporality === 'delta';
  const countsResets = point.kind === 'sum' && point.monotonic && !isDelta;
  const rows: MetricRow[] = [];
  let previous: number | undefined;
  for (let i = 0; i < samples.length; ) {
    const bucket = bucketOf(samples[i]!.timeNs);
    let j = i;
    while (j < samples.length && bucketOf(samples[j]!.timeNs) === bucket) j++;
    const inBucket = samples.slice(i, j);
    const last = inBucket[inBucket.length - 1]!;
    let sketch: DDSketch;
    let stats: ExactStats;
    let value: number | null = null;
    let resetAdjust = 0;
    if (point.kind === 'gauge' || point.kind === 'sum') {
      sketch = new DDSketch();
      stats = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      for (const s of inBucket) {
        const v = s.value!;
        if (Math.abs(v) <= sketch.mapping.maxIndexableValue) sketch.add(v);
        stats.count++;
        stats.sum += v;
        stats.min = Math.min(stats.min, v);
        stats.max = Math.max(stats.max, v);
        if (countsResets && previous !== undefined && v < previous) resetAdjust += previous;
        previous = v;
      }
      value = isDelta ? stats.sum : last.value!;
    } else if (isDelta) {
      sketch = new DDSketch();
      stats = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      for (const s of inBucket) {
        const p = s.sketched!;
        sketch.merge(p.sketch);
        stats.count += p.stats.count;
        stats.sum += p.stats.sum;
        stats.min = Math.min(stats.min, p.stats.min);
        stats.max = Math.max(stats.max, p.stats.max);
      }
    } else {
      // cumulative histograms and summaries: each point already holds everything before it
      ({ sketch, stats } = last.sketched!);
    }
    rows.push({
      metric_name: series.name,
      chq_tid: tid,
      chq_timestamp: bucket,
      chq_tsns: last.timeNs,
      chq_metric_type: series.type,
      chq_customer_id: org,
      chq_telemetry_type: 'metrics',
      chq_description: point.description,
      chq_unit: point.unit,
      chq_scope_name: point.scopeName,
      chq_scope_url: point.scopeVersion,
      ...sketchColumns(sketch, stats),
      chq_value: value,
      chq_reset_adjust: resetAdjust,
      chq_temporality: point.kind === 'gauge' || point.kind === 'summary' ? null : point.temporality,
      fields: series.fields,
    });
    i = j;
  }
  return rows;
}

function bucketOf(timeNs: bigint): number {
  const ms = Number(timeNs / 1_000_000n);
  return ms - (((ms % METRIC_BUCKET_MS) + METRIC_BUCKET_MS) % METRIC_BUCKET_MS);
}
