/**
 * Cooked metric rows in columns: what ingest builds and both engines' table writers take. A row's
 * series-wide values (name, tid, type, scope, labels...) are stored once per series; per row only the
 * times, the sketch and the numbers. No row objects, so a segment's rows cost no garbage collection.
 */
import {
  type MetricRow,
  ROLLUP_COLUMNS,
  type RollupColumn,
  SERIES_COLUMNS,
  type SeriesColumn,
} from './row.js';

/** What every row of one series shares: its {@link SERIES_COLUMNS} and its fields. */
export type MetricSeriesValues = Pick<MetricRow, SeriesColumn> & {
  /** `resource_*` and `attr_*` columns. */
  fields: Readonly<Record<string, string>>;
};

/** Rows in columns, in table order. `chq_tsns` is `tsnsMs · 10^6 + tsnsSub` (exact, no BigInt per row). */
export interface MetricColumns {
  length: number;
  series: MetricSeriesValues[];
  /** Row → index into `series`. */
  seriesOf: Int32Array;
  /** `chq_timestamp`, ms. */
  timestampMs: Float64Array;
  tsnsMs: Float64Array;
  tsnsSub: Float64Array;
  /** Encoded sketches; rows may share one array (one-value sketches), so never change them. */
  sketch: Uint8Array[];
  rollups: Record<RollupColumn, Float64Array>;
  /** `chq_value` where `hasValue` is 1, else null. */
  value: Float64Array;
  hasValue: Uint8Array;
  resetAdjust: Float64Array;
}

/**
 * Empty columns with room for `capacity` rows; {@link growMetricColumns} makes more room.
 *
 * @example
 * ```ts
 * let c = emptyMetricColumns(1024);
 * ```
 */
export function emptyMetricColumns(capacity: number): MetricColumns {
  const rollups = {} as Record<RollupColumn, Float64Array>;
  for (const name of ROLLUP_COLUMNS) rollups[name] = new Float64Array(capacity);
  return {
    length: 0,
    series: [],
    seriesOf: new Int32Array(capacity),
    timestampMs: new Float64Array(capacity),
    tsnsMs: new Float64Array(capacity),
    tsnsSub: new Float64Array(capacity),
    sketch: [],
    rollups,
    value: new Float64Array(capacity),
    hasValue: new Uint8Array(capacity),
    resetAdjust: new Float64Array(capacity),
  };
}

/** The same rows with room for at least `capacity`. */
export function growMetricColumns(c: MetricColumns, capacity: number): MetricColumns {
  if (capacity <= c.seriesOf.length) return c;
  const grown = emptyMetricColumns(Math.max(capacity, c.seriesOf.length * 2));
  grown.length = c.length;
  grown.series = c.series;
  grown.sketch = c.sketch;
  grown.seriesOf.set(c.seriesOf);
  grown.timestampMs.set(c.timestampMs);
  grown.tsnsMs.set(c.tsnsMs);
  grown.tsnsSub.set(c.tsnsSub);
  for (const name of ROLLUP_COLUMNS) grown.rollups[name].set(c.rollups[name]);
  grown.value.set(c.value);
  grown.hasValue.set(c.hasValue);
  grown.resetAdjust.set(c.resetAdjust);
  return grown;
}

/** A nanosecond time as the (ms, sub-ms ns) pair the columns hold. */
export function splitNs(ns: bigint): [ms: number, sub: number] {
  const ms = ns / 1_000_000n;
  return [Number(ms), Number(ns - ms * 1_000_000n)];
}

/** `chq_tsns` of row `i`. */
export function tsnsOf(c: MetricColumns, i: number): bigint {
  return BigInt(c.tsnsMs[i]!) * 1_000_000n + BigInt(c.tsnsSub[i]!);
}

/**
 * `chq_tsns` of every row as int64s, written through 32-bit halves (no BigInt per row for times after 1970).
 *
 * @example
 * ```ts
 * const tsns = tsnsColumn(columns); // BigInt64Array
 * ```
 */
export function tsnsColumn(c: MetricColumns): BigInt64Array {
  const out = new BigInt64Array(c.length);
  const halves = new Uint32Array(out.buffer);
  for (let i = 0; i < c.length; i++) {
    const ms = c.tsnsMs[i]!;
    const sub = c.tsnsSub[i]!;
    if (ms < 0 || ms >= 2 ** 42 || sub < 0) {
      out[i] = tsnsOf(c, i);
      continue;
    }
    // ms·10^6 + sub = high·10^6·2^32 + (low·10^6 + sub); the second part is below 2^53, so exact
    const high = Math.floor(ms / 2 ** 32);
    const rest = (ms - high * 2 ** 32) * 1_000_000 + sub;
    const restHigh = Math.floor(rest / 2 ** 32);
    halves[2 * i] = rest - restHigh * 2 ** 32;
    halves[2 * i + 1] = high * 1_000_000 + restHigh;
  }
  return out;
}

/**
 * The rows at `indices` (in that order), sharing the series table.
 *
 * @example
 * ```ts
 * const day = pickMetricRows(columns, indicesOfDay);
 * ```
 */
export function pickMetricRows(c: MetricColumns, indices: ArrayLike<number>): MetricColumns {
  const out = emptyMetricColumns(indices.length);
  out.length = indices.length;
  out.series = c.series;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.seriesOf[k] = c.seriesOf[i]!;
    out.timestampMs[k] = c.timestampMs[i]!;
    out.tsnsMs[k] = c.tsnsMs[i]!;
    out.tsnsSub[k] = c.tsnsSub[i]!;
    out.sketch.push(c.sketch[i]!);
    for (const name of ROLLUP_COLUMNS) out.rollups[name][k] = c.rollups[name][i]!;
    out.value[k] = c.value[i]!;
    out.hasValue[k] = c.hasValue[i]!;
    out.resetAdjust[k] = c.resetAdjust[i]!;
  }
  return out;
}

/**
 * Rows (read back, merged by a rollup) as columns, consecutive rows of one series sharing its entry.
 *
 * @example
 * ```ts
 * const bytes = writeMetricColumns(metricColumnsOfRows(merged), zstd);
 * ```
 */
export function metricColumnsOfRows(rows: readonly MetricRow[]): MetricColumns {
  const c = emptyMetricColumns(rows.length);
  c.length = rows.length;
  let last: MetricSeriesValues | undefined;
  for (const [i, row] of rows.entries()) {
    if (last === undefined || !sameSeries(last, row)) {
      last = seriesValuesOf(row);
      c.series.push(last);
    }
    c.seriesOf[i] = c.series.length - 1;
    c.timestampMs[i] = row.chq_timestamp;
    [c.tsnsMs[i], c.tsnsSub[i]] = splitNs(row.chq_tsns);
    c.sketch.push(row.chq_sketch);
    for (const name of ROLLUP_COLUMNS) c.rollups[name][i] = row[name];
    c.hasValue[i] = row.chq_value === null ? 0 : 1;
    c.value[i] = row.chq_value ?? 0;
    c.resetAdjust[i] = row.chq_reset_adjust;
  }
  return c;
}

/**
 * The columns as `MetricRow`s (for callers that merge or inspect rows).
 *
 * @example
 * ```ts
 * const rows = metricRowsOfColumns(builder.columns());
 * ```
 */
export function metricRowsOfColumns(c: MetricColumns): MetricRow[] {
  const rows: MetricRow[] = [];
  for (let i = 0; i < c.length; i++) {
    const s = c.series[c.seriesOf[i]!]!;
    const row = {
      ...s,
      fields: s.fields as Record<string, string>,
      chq_timestamp: c.timestampMs[i]!,
      chq_tsns: tsnsOf(c, i),
      chq_sketch: c.sketch[i]!,
    } as MetricRow;
    for (const name of ROLLUP_COLUMNS) row[name] = c.rollups[name][i]!;
    row.chq_value = c.hasValue[i] ? c.value[i]! : null;
    row.chq_reset_adjust = c.resetAdjust[i]!;
    rows.push(row);
  }
  return rows;
}

function seriesValuesOf(row: MetricRow): MetricSeriesValues {
  const values: Partial<Record<SeriesColumn, unknown>> = {};
  for (const name of SERIES_COLUMNS) values[name] = row[name];
  return { ...(values as Pick<MetricRow, SeriesColumn>), fields: row.fields };
}

function sameSeries(s: MetricSeriesValues, row: MetricRow): boolean {
  for (const name of SERIES_COLUMNS) if (s[name] !== row[name]) return false;
  if (s.fields === row.fields) return true;
  const keys = Object.keys(s.fields);
  if (keys.length !== Object.keys(row.fields).length) return false;
  return keys.every((k) => s.fields[k] === row.fields[k]);
}
