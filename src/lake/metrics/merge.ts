/**
 * Merges metric rows of one series that fall into one bucket of a (coarser) tier: sketches merged,
 * count/sum/min/max combined exactly, quantiles recomputed, the exact value kept (last sample, or the
 * total for delta sums) and counter resets carried as Prometheus counts them. Used by rollups and by
 * queries (which merge rows a late rollup split across segments).
 */
import { decodeSketch } from '../sketch/index.js';
import { compareMetricRows, type MetricRow, sketchColumns } from './row.js';

/** Bucket start of `ms` for a frequency. */
export function truncateTo(ms: number, frequencyMs: number): number {
  return ms - (((ms % frequencyMs) + frequencyMs) % frequencyMs);
}

/**
 * Groups rows by (metric, tid, bucket of `frequencyMs`) and merges each group; the output is sorted by
 * `[metric_name, chq_tid, chq_timestamp]`.
 *
 * @example
 * ```ts
 * const minuteRows = mergeRows(tenSecondRows, 60_000);
 * ```
 */
export function mergeRows(rows: readonly MetricRow[], frequencyMs: number): MetricRow[] {
  const groups = new Map<string, MetricRow[]>();
  for (const row of rows) {
    const bucket = truncateTo(row.chq_timestamp, frequencyMs);
    const key = `${row.metric_name}\u0000${row.chq_tid}\u0000${row.chq_temporality}\u0000${bucket}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const out: MetricRow[] = [];
  for (const group of groups.values()) out.push(mergeGroup(group, frequencyMs));
  out.sort(compareMetricRows);
  return out;
}

function mergeGroup(group: MetricRow[], frequencyMs: number): MetricRow {
  group.sort((a, b) => (a.chq_tsns < b.chq_tsns ? -1 : a.chq_tsns > b.chq_tsns ? 1 : 0));
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const bucket = truncateTo(first.chq_timestamp, frequencyMs);
  if (group.length === 1) return first.chq_timestamp === bucket ? first : { ...first, chq_timestamp: bucket };
  const isDelta = first.chq_temporality === 'delta';
  // cumulative histograms and summaries: each row already holds everything before it
  if (first.chq_metric_type === 'histogram' && !isDelta) return { ...last, chq_timestamp: bucket };
  const sketch = decodeSketch(first.chq_sketch);
  let count = first.chq_rollup_count;
  let sum = first.chq_rollup_sum;
  let min = first.chq_rollup_min;
  let max = first.chq_rollup_max;
  let value = first.chq_value;
  let adjust = first.chq_reset_adjust;
  const countsResets = first.chq_metric_type === 'count' && first.chq_temporality === 'cumulative';
  for (let i = 1; i < group.length; i++) {
    const row = group[i]!;
    sketch.merge(decodeSketch(row.chq_sketch));
    count += row.chq_rollup_count;
    sum += row.chq_rollup_sum;
    min = Math.min(min, row.chq_rollup_min);
    max = Math.max(max, row.chq_rollup_max);
    adjust += row.chq_reset_adjust;
    const previous = group[i - 1]!.chq_value;
    if (
      countsResets &&
      previous !== null &&
      row.chq_value !== null &&
      row.chq_value + row.chq_reset_adjust < previous
    ) {
      adjust += previous; // a reset no ingest saw (its samples came in different objects)
    }
    if (row.chq_value !== null) value = isDelta && value !== null ? value + row.chq_value : row.chq_value;
  }
  return {
    ...last,
    chq_timestamp: bucket,
    ...sketchColumns(sketch, { count, sum, min, max }),
    chq_value: value,
    chq_reset_adjust: adjust,
  };
}
