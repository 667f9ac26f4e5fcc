/**
 * A cooked metric row: LakeRunner's metric columns, one row per (series, 10 s bucket), plus what bucketkit
 * keeps so gauges and counters are exact rather than sketch-approximated.
 */
import { type DDSketch, type ExactStats, encodeSketch, rollupOf } from '../sketch/index.js';

/** LakeRunner's `chq_metric_type`: OTLP sums are `count`; histograms, exponential histograms and summaries `histogram`. */
export type ChqMetricType = 'gauge' | 'count' | 'histogram';

/** The raw tier's width: `chq_timestamp` is truncated to 10 s. */
export const METRIC_BUCKET_MS = 10_000;

/** Resource attributes LakeRunner keeps on metric rows (after name normalisation, without `resource_`). */
export const METRIC_RESOURCE_KEYS: ReadonlySet<string> = new Set([
  'app',
  'container_image_name',
  'container_image_tag',
  'k8s_cluster_name',
  'k8s_daemonset_name',
  'k8s_deployment_name',
  'k8s_namespace_name',
  'k8s_pod_ip',
  'k8s_pod_name',
  'k8s_statefulset_name',
  'service_name',
  'service_version',
]);

/** The `chq_rollup_*` columns, in table order. */
export const ROLLUP_COLUMNS = [
  'chq_rollup_count',
  'chq_rollup_sum',
  'chq_rollup_avg',
  'chq_rollup_min',
  'chq_rollup_max',
  'chq_rollup_p25',
  'chq_rollup_p50',
  'chq_rollup_p75',
  'chq_rollup_p90',
  'chq_rollup_p95',
  'chq_rollup_p99',
] as const;

/** One of {@link ROLLUP_COLUMNS}. */
export type RollupColumn = (typeof ROLLUP_COLUMNS)[number];

/** The series-wide text columns after `chq_tsns`, in table order. */
export const METRIC_STRINGS = [
  'chq_metric_type',
  'chq_customer_id',
  'chq_telemetry_type',
  'chq_description',
  'chq_unit',
  'chq_scope_name',
  'chq_scope_url',
] as const;

/** The columns every row of one series shares, besides its `fields`. */
export const SERIES_COLUMNS = ['metric_name', 'chq_tid', ...METRIC_STRINGS, 'chq_temporality'] as const;

/** One of {@link SERIES_COLUMNS}. */
export type SeriesColumn = (typeof SERIES_COLUMNS)[number];

/** One row; its `chq_rollup_*` columns ({@link ROLLUP_COLUMNS}) are numbers. */
export interface MetricRow extends Record<RollupColumn, number> {
  metric_name: string;
  chq_tid: bigint;
  /** Bucket start, ms (a multiple of the row's frequency). */
  chq_timestamp: number;
  /** Time of the bucket's last sample, ns. */
  chq_tsns: bigint;
  chq_metric_type: ChqMetricType;
  chq_customer_id: string;
  chq_telemetry_type: 'metrics';
  chq_description: string;
  chq_unit: string;
  chq_scope_name: string;
  /** LakeRunner's name; it holds the scope's version. */
  chq_scope_url: string;
  /** The DDSketch of the bucket's values, sketches-go encoding. */
  chq_sketch: Uint8Array;
  /**
   * Exact value of gauges and sums (null for histograms): the last sample of the bucket, or for delta
   * sums the total of the bucket's deltas.
   */
  chq_value: number | null;
  /**
   * For monotonic cumulative sums: the values counters had before each reset the ingest saw whose first
   * post-reset sample is in this bucket (Prometheus adds them back when it computes rate/increase). 0 otherwise.
   */
  chq_reset_adjust: number;
  /** OTLP temporality of sums and histograms ('delta' | 'cumulative'), null for gauges and summaries. */
  chq_temporality: string | null;
  /** `resource_*` (allow-listed) and `attr_*` columns, as text. */
  fields: Record<string, string>;
}

/** The columns a row's sketch gives: the sketch itself and the `chq_rollup_*` statistics. */
export type SketchColumns = Pick<MetricRow, 'chq_sketch' | RollupColumn>;

/**
 * The sketch and rollup columns of a bucket, from its sketch and its exactly tracked statistics.
 *
 * @example
 * ```ts
 * const row = { ...identity, ...sketchColumns(sketch, { count: 3, sum: 117, min: 12, max: 90 }) };
 * ```
 */
export function sketchColumns(sketch: DDSketch, stats: ExactStats): SketchColumns {
  const r = rollupOf(sketch, stats);
  return {
    chq_sketch: encodeSketch(sketch),
    chq_rollup_count: r.count,
    chq_rollup_sum: r.sum,
    chq_rollup_avg: r.avg,
    chq_rollup_min: r.min,
    chq_rollup_max: r.max,
    chq_rollup_p25: r.p25,
    chq_rollup_p50: r.p50,
    chq_rollup_p75: r.p75,
    chq_rollup_p90: r.p90,
    chq_rollup_p95: r.p95,
    chq_rollup_p99: r.p99,
  };
}

/**
 * The order of metric tables: by `metric_name`, then `chq_tid`, then `chq_timestamp`.
 *
 * @example
 * ```ts
 * rows.sort(compareMetricRows);
 * ```
 */
export function compareMetricRows(a: MetricRow, b: MetricRow): number {
  return (
    (a.metric_name < b.metric_name ? -1 : a.metric_name > b.metric_name ? 1 : 0) ||
    (a.chq_tid < b.chq_tid ? -1 : a.chq_tid > b.chq_tid ? 1 : 0) ||
    a.chq_timestamp - b.chq_timestamp
  );
}
