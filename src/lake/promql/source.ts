/**
 * Series for PromQL from the lake: a selector's rows of one tier read through `readMetricRows`, grouped by
 * series, labels named as Prometheus would see them (`metric_name` → `__name__`, `attr_x` → `x`,
 * `resource_x` kept as is), one sample per row at the time of its last sample (`chq_tsns`).
 */
import type { StoragePort } from '../../storage/index.js';
import { compileLabelRegex } from '../logql/regex.js';
import { METRIC_BUCKET_MS, type MetricRow, type MetricRowCache, readMetricRows } from '../metrics/index.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import type { QueryStats } from '../query/stats.js';
import type { Matcher } from './ast.js';
import { compareLabels, type Labels } from './labels.js';

/** One stored point of a series. */
export interface Sample {
  /** ms */
  t: number;
  v: number;
  /** Counter resets inside the row that its last value no longer shows (rolled-up rows). */
  hiddenResets: number;
  /**
   * The DDSketch of the row's values (sketches-go encoding): histogram and summary rows, and gauge or
   * counter rows of rolled-up tiers (one row then stands for many samples).
   */
  sketch?: Uint8Array;
  /** Rolled-up rows: the exact count, sum, min and max of the samples the row stands for. */
  stats?: { count: number; sum: number; min: number; max: number };
  /** The sketch holds everything before it (cumulative histograms): windows use the newest, not a merge. */
  cumulative?: boolean;
}

export interface Series {
  labels: Labels;
  samples: Sample[];
  /** `chq_metric_type`, `chq_description`, `chq_unit` of the rows (for /metadata). */
  type: string;
  help: string;
  unit: string;
}

export interface SeriesQuery {
  org: string;
  matchers: readonly Matcher[];
  /** Samples with `fromMs <= t <= toMs`. */
  fromMs: number;
  toMs: number;
  frequencyMs: number;
  zstd?: ZstdCodec;
  signal?: AbortSignal;
  stats?: QueryStats;
  /** Decoded raw-tier tables kept between queries. */
  cache?: MetricRowCache;
}

/**
 * The series matching `matchers` with their samples in `[fromMs, toMs]`.
 *
 * @example
 * ```ts
 * const series = await loadSeries(port, { org: 'acme', matchers, fromMs, toMs, frequencyMs: 10_000 });
 * ```
 */
export async function loadSeries(port: StoragePort, query: SeriesQuery): Promise<Series[]> {
  const nameMatcher = query.matchers.find((m) => m.name === '__name__' && m.op === '=');
  const f = query.frequencyMs;
  const { rows, stats } = await readMetricRows(port, {
    org: query.org,
    // rows are filed under their bucket's start; the last sample of a bucket is inside it
    fromMs: query.fromMs - (((query.fromMs % f) + f) % f),
    toMs: query.toMs + 1,
    metricName: nameMatcher?.value,
    frequencyMs: f,
    lean: true,
    cache: query.cache,
    zstd: query.zstd,
    signal: query.signal,
  });
  if (query.stats) addStats(query.stats, stats);
  const tests = query.matchers.map(matcherTest);
  const bySeries = new Map<string, Series>();
  const rejected = new Set<string>();
  let previous: MetricRow | undefined;
  let last: { row: MetricRow; series: Series | undefined } | undefined;
  for (const row of rows) {
    const t = Number(row.chq_tsns / 1_000_000n);
    if (t < query.fromMs || t > query.toMs) continue;
    // rows come sorted by series: most rows belong to the series of the row before
    if (last && last.row.chq_tid === row.chq_tid && last.row.metric_name === row.metric_name) {
      if (last.series) {
        last.series.samples.push(sampleOf(row, previous, f > METRIC_BUCKET_MS));
        previous = row;
      }
      continue;
    }
    const key = `${row.metric_name}\u0000${row.chq_tid}`;
    let series = bySeries.get(key);
    if (!series) {
      if (rejected.has(key)) continue;
      const labels = labelsOf(row);
      if (!tests.every((test) => test(labels))) {
        rejected.add(key);
        last = { row, series: undefined };
        continue;
      }
      series = {
        labels,
        samples: [],
        type: row.chq_metric_type,
        help: row.chq_description,
        unit: row.chq_unit,
      };
      bySeries.set(key, series);
      previous = undefined;
    }
    series.samples.push(sampleOf(row, previous, f > METRIC_BUCKET_MS));
    previous = row;
    last = { row, series };
  }
  // Prometheus's storage returns series sorted by labels; topk/bottomk keep the first of equal values
  return [...bySeries.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Prometheus labels of a row. */
export function labelsOf(row: MetricRow): Record<string, string> {
  const labels: Record<string, string> = { __name__: row.metric_name };
  for (const [column, value] of Object.entries(row.fields)) {
    if (value === '') continue;
    labels[column.startsWith('attr_') ? column.slice(5) : column] = value;
  }
  return labels;
}

function sampleOf(row: MetricRow, previous: MetricRow | undefined, rolledUp: boolean): Sample {
  const t = Number(row.chq_tsns / 1_000_000n);
  if (row.chq_metric_type === 'histogram') {
    const cumulative = row.chq_temporality !== 'delta';
    return { t, v: row.chq_rollup_count, hiddenResets: 0, sketch: row.chq_sketch, cumulative };
  }
  const v = row.chq_value ?? row.chq_rollup_sum;
  // a reset the values show (v below the previous row's) is found by rate itself; the rest is hidden
  const visible = previous?.chq_value != null && v < previous.chq_value ? previous.chq_value : 0;
  const sample: Sample = { t, v, hiddenResets: Math.max(0, row.chq_reset_adjust - visible) };
  if (rolledUp) {
    sample.sketch = row.chq_sketch;
    const { chq_rollup_count: count, chq_rollup_sum: sum, chq_rollup_min: min, chq_rollup_max: max } = row;
    sample.stats = { count, sum, min, max };
  }
  return sample;
}

/**
 * A matcher as a test of a label set (an absent label is the empty string, as in Prometheus).
 *
 * @example
 * ```ts
 * matcherTest({ name: 'job', op: '=~', value: 'api|web' })({ job: 'api' }); // true
 * ```
 */
export function matcherTest(m: Matcher): (labels: Labels) => boolean {
  if (m.op === '=') return (l) => (l[m.name] ?? '') === m.value;
  if (m.op === '!=') return (l) => (l[m.name] ?? '') !== m.value;
  const re = compileLabelRegex(m.value);
  return m.op === '=~' ? (l) => re.test(l[m.name] ?? '') : (l) => !re.test(l[m.name] ?? '');
}

/** Adds the counters of `from` to `into`. */
export function addStats(into: QueryStats, from: QueryStats): void {
  for (const k of Object.keys(from) as (keyof QueryStats)[])
    if (typeof from[k] === 'number') (into[k] as number) += from[k] as number;
}
