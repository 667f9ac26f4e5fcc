/**
 * Turns decoded OTLP data points into metric rows: one row per (series, 10 s bucket), the bucket's values
 * merged into one DDSketch with exact rollup statistics, and for gauges and sums the exact value. A
 * series' labels, key and tid are worked out once per series (consecutive points of one series, as
 * decoders yield them, skip even the key), and rows are built in columns (`columns.ts`).
 */
import type { DecodedValue } from '../ingest/decoded.js';
import { normaliseName } from '../names.js';
import {
  emptyMetricColumns,
  type MetricColumns,
  type MetricSeriesValues,
  metricRowsOfColumns,
  pickMetricRows,
  splitNs,
} from './columns.js';
import { cookSeriesInto, type SeriesSamples } from './cook-series.js';
import type { DecodedMetricPoint, SeriesContext } from './decoded.js';
import { type SketchedPoint, sketchExponential, sketchHistogram, sketchSummary } from './point-values.js';
import { type ChqMetricType, METRIC_RESOURCE_KEYS, type MetricRow } from './row.js';
import { seriesTid } from './tid.js';

/** `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point marks a series as gone (Prometheus staleness). */
const NO_RECORDED_VALUE = 1;

interface Series extends SeriesSamples {
  labels: Record<string, string>;
  shared: MetricSeriesValues;
}

/**
 * Collects data points, then cooks them into rows ({@link MetricRowBuilder.columns}, or as row objects
 * {@link MetricRowBuilder.rows}).
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
  private last: { context: SeriesContext; series: Series } | undefined;
  /** Points dropped: NaN/Inf values, empty histograms, staleness markers, points without a time. */
  dropped = 0;
  points = 0;

  constructor(readonly org: string) {}

  add(point: DecodedMetricPoint): void {
    this.points++;
    if ((point.flags & NO_RECORDED_VALUE) !== 0 || point.timeUnixNano === 0n) {
      this.dropped++;
      return;
    }
    let value = 0;
    let sketched: SketchedPoint | undefined;
    if (point.kind === 'gauge' || point.kind === 'sum') {
      if (point.value === undefined || !Number.isFinite(point.value)) {
        this.dropped++;
        return;
      }
      value = point.value;
    } else {
      sketched = sketchOf(point);
      if (sketched === undefined) {
        this.dropped++;
        return;
      }
    }
    const series = this.seriesOf(point);
    const [ms, sub] = splitNs(point.timeUnixNano);
    series.ms.push(ms);
    series.sub.push(sub);
    if (sketched) series.sketched.push(sketched);
    else series.values.push(value);
  }

  /**
   * Adds plain samples (`context.kind` gauge or sum) of one series at once: times in ms, as Prometheus's
   * remote write sends them. The same as adding each as a point.
   *
   * @example
   * ```ts
   * builder.addSamples(context, [1767744000000], [42]);
   * ```
   */
  addSamples(context: SeriesContext, timesMs: ArrayLike<number>, values: ArrayLike<number>): void {
    const series = this.seriesOf(context);
    for (let i = 0; i < timesMs.length; i++) {
      this.points++;
      const ms = timesMs[i]!;
      const value = values[i]!;
      if (ms === 0 || !Number.isFinite(value)) {
        this.dropped++;
        continue;
      }
      series.ms.push(ms);
      series.sub.push(0);
      series.values.push(value);
    }
  }

  /** The rows of every point added, in table order (`[metric_name, chq_tid, chq_timestamp]`). */
  columns(): MetricColumns {
    const all = [...this.series.values()];
    const order = all.map((_, i) => i);
    const byName = (a: number, b: number) => compareSeries(all[a]!.shared, all[b]!.shared);
    order.sort((a, b) => byName(a, b) || a - b);
    let columns = emptyMetricColumns(1024);
    let ties = false;
    for (const [rank, i] of order.entries()) {
      const series = all[i]!;
      columns.series.push(series.shared);
      columns = cookSeriesInto(columns, series, rank);
      if (rank > 0 && byName(order[rank - 1]!, i) === 0) ties = true;
    }
    // series sharing a name and tid (they differ in kind, temporality or unit) interleave by time
    if (ties) columns = pickMetricRows(columns, tableOrder(columns));
    return columns;
  }

  /** The rows of every point added as row objects, sorted by `[metric_name, chq_tid, chq_timestamp]`. */
  rows(): MetricRow[] {
    return metricRowsOfColumns(this.columns());
  }

  private seriesOf(context: SeriesContext): Series {
    const last = this.last;
    if (last !== undefined && sameSeriesContext(last.context, context)) return last.series;
    const type = chqType(context);
    const name = normaliseName(context.name);
    const fields: Record<string, string> = {};
    for (const key in context.resource) {
      const normalised = normaliseName(key);
      const value = text(context.resource[key]);
      if (METRIC_RESOURCE_KEYS.has(normalised) && value !== '') fields[`resource_${normalised}`] = value;
    }
    for (const key in context.attributes) {
      if (key.startsWith('_')) continue;
      const value = text(context.attributes[key]);
      if (value !== '') fields[`attr_${normaliseName(key)}`] = value;
    }
    const labels = { ...fields, metric_name: name, chq_metric_type: type };
    // the series key also holds what LakeRunner leaves out of the tid, so such points never share a row
    const key = JSON.stringify([labels, context.kind, context.temporality, context.unit]);
    let series = this.series.get(key);
    if (!series) {
      series = {
        labels,
        kind: context.kind,
        temporality: context.temporality,
        monotonic: context.monotonic,
        ms: [],
        sub: [],
        values: [],
        sketched: [],
        shared: {
          metric_name: name,
          chq_tid: seriesTid(labels),
          chq_metric_type: type,
          chq_customer_id: this.org,
          chq_telemetry_type: 'metrics',
          chq_description: context.description,
          chq_unit: context.unit,
          chq_scope_name: context.scopeName,
          chq_scope_url: context.scopeVersion,
          chq_temporality:
            context.kind === 'gauge' || context.kind === 'summary' ? null : context.temporality,
          fields,
        },
      };
      this.series.set(key, series);
    }
    this.last = { context, series };
    return series;
  }
}

/** Same key for sure: the same attribute and resource objects, name, kind, temporality and unit. */
function sameSeriesContext(a: SeriesContext, b: SeriesContext): boolean {
  return (
    a.attributes === b.attributes &&
    a.resource === b.resource &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.temporality === b.temporality &&
    a.unit === b.unit
  );
}

function compareSeries(a: MetricSeriesValues, b: MetricSeriesValues): number {
  return (
    (a.metric_name < b.metric_name ? -1 : a.metric_name > b.metric_name ? 1 : 0) ||
    (a.chq_tid < b.chq_tid ? -1 : a.chq_tid > b.chq_tid ? 1 : 0)
  );
}

function tableOrder(c: MetricColumns): number[] {
  const rows = Array.from({ length: c.length }, (_, i) => i);
  return rows.sort(
    (a, b) =>
      compareSeries(c.series[c.seriesOf[a]!]!, c.series[c.seriesOf[b]!]!) ||
      c.timestampMs[a]! - c.timestampMs[b]! ||
      a - b,
  );
}

function chqType(point: SeriesContext): ChqMetricType {
  if (point.kind === 'gauge') return 'gauge';
  if (point.kind === 'sum') return 'count';
  return 'histogram';
}

function text(value: DecodedValue | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

function sketchOf(point: DecodedMetricPoint): SketchedPoint | undefined {
  switch (point.kind) {
    case 'histogram':
      return point.histogram && sketchHistogram(point.histogram);
    case 'exponential_histogram':
      return point.exponential && sketchExponential(point.exponential);
    case 'summary':
      return point.summary && sketchSummary(point.summary);
    default:
      return undefined;
  }
}
