/**
 * Metric table files: cooked metric rows as ZSTD Parquet (LakeRunner's columns, sorted by
 * `[metric_name, chq_tid, chq_timestamp]`), and reading them back into rows.
 */
import type { ColumnSource } from 'hyparquet-writer';
import type { StoragePort } from '../../storage/index.js';
import { zstdParquetBuffer } from '../parquet/table-buffer.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { type ParquetFilter, readParquetRows } from '../query/read-parquet.js';
import type { QueryStats } from '../query/stats.js';
import { type MetricColumns, type MetricSeriesValues, metricColumnsOfRows, tsnsColumn } from './columns.js';
import { type ChqMetricType, METRIC_STRINGS, type MetricRow, ROLLUP_COLUMNS } from './row.js';

export { METRIC_STRINGS, ROLLUP_COLUMNS };

/** Rows per row group of a metric table (both engines). */
export const METRIC_ROW_GROUP_ROWS = 20_000;

/**
 * The table file of sorted metric rows.
 *
 * @example
 * ```ts
 * const bytes = writeMetricTable(rows, await loadZstd());
 * ```
 */
export function writeMetricTable(rows: readonly MetricRow[], zstd: ZstdCodec): Uint8Array {
  return writeMetricColumns(metricColumnsOfRows(rows), zstd);
}

/**
 * The table file of rows in columns, in their order (the TypeScript engine's writer).
 *
 * @example
 * ```ts
 * const bytes = writeMetricColumns(builder.columns(), await loadZstd());
 * ```
 */
export function writeMetricColumns(c: MetricColumns, zstd: ZstdCodec): Uint8Array {
  const n = c.length;
  const perRow = <T>(of: (s: MetricSeriesValues) => T): T[] => {
    const values = c.series.map(of);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = values[c.seriesOf[i]!]!;
    return out;
  };
  const tids = c.series.map((s) => s.chq_tid);
  const tid = new BigInt64Array(n);
  for (let i = 0; i < n; i++) tid[i] = tids[c.seriesOf[i]!]!;
  const timestamp = new BigInt64Array(n);
  for (let i = 0; i < n; i++) timestamp[i] = BigInt(c.timestampMs[i]!);
  const columns: ColumnSource[] = [
    { name: 'metric_name', data: perRow((s) => s.metric_name), type: 'STRING', nullable: false },
    { name: 'chq_tid', data: tid, type: 'INT64', nullable: false },
    // sorted by series then time: times are near-constant steps, which DELTA_BINARY_PACKED stores in bits
    {
      name: 'chq_timestamp',
      data: timestamp,
      type: 'INT64',
      nullable: false,
      encoding: 'DELTA_BINARY_PACKED',
    },
    {
      name: 'chq_tsns',
      data: tsnsColumn(c),
      type: 'INT64',
      nullable: false,
      encoding: 'DELTA_BINARY_PACKED',
    },
  ];
  for (const name of METRIC_STRINGS) columns.push({ name, data: perRow((s) => s[name]), type: 'STRING' });
  columns.push({ name: 'chq_sketch', data: c.sketch.slice(0, n), type: 'BYTE_ARRAY', statistics: false });
  for (const name of ROLLUP_COLUMNS) columns.push(doubleColumn(name, c.rollups[name].subarray(0, n)));
  const value = new Array<number | null>(n);
  for (let i = 0; i < n; i++) value[i] = c.hasValue[i] ? c.value[i]! : null;
  columns.push(doubleColumn('chq_value', value));
  columns.push({ name: 'chq_reset_adjust', data: c.resetAdjust.subarray(0, n), type: 'DOUBLE' });
  columns.push({ name: 'chq_temporality', data: perRow((s) => s.chq_temporality), type: 'STRING' });
  for (const name of metricFieldNames(c)) {
    columns.push({ name, data: perRow((s) => s.fields[name] ?? null), type: 'STRING' });
  }
  return zstdParquetBuffer(columns, zstd, METRIC_ROW_GROUP_ROWS);
}

/** The `resource_*` and `attr_*` columns of a table, in their order (sorted). */
export function metricFieldNames(c: MetricColumns): string[] {
  const names = new Set<string>();
  for (const s of c.series) for (const name in s.fields) names.add(name);
  return [...names].sort();
}

/**
 * A DOUBLE column; whole numbers (counters, counts) as BYTE_STREAM_SPLIT, whose all-zero low mantissa
 * bytes ZSTD then drops (about 17% smaller), other values PLAIN (splitting a random walk's bytes makes
 * ZSTD's job harder: nearly twice the size).
 */
function doubleColumn(name: string, data: Float64Array | (number | null)[]): ColumnSource {
  let whole = true;
  for (let i = 0; i < data.length && whole; i++) {
    const v = data[i];
    whole = v === null || Number.isInteger(v);
  }
  return { name, data, type: 'DOUBLE', ...(whole ? { encoding: 'BYTE_STREAM_SPLIT' as const } : {}) };
}

/** What a lean read leaves out: the bulk of a raw row that gauges and counters do not need. */
const LEAN_OMITS: readonly string[] = [
  'chq_sketch',
  ...ROLLUP_COLUMNS.filter((c) => c !== 'chq_rollup_count'),
];
const NO_SKETCH = new Uint8Array(0);

const FIXED = new Set<string>([
  'metric_name',
  'chq_tid',
  'chq_timestamp',
  'chq_tsns',
  ...METRIC_STRINGS,
  'chq_sketch',
  ...ROLLUP_COLUMNS,
  'chq_value',
  'chq_reset_adjust',
  'chq_temporality',
]);

/**
 * The rows of a metric table that pass `filter` (hyparquet's operator form), as `MetricRow`s.
 *
 * @example
 * ```ts
 * const rows = await readMetricTable(port, seg.table, seg.bytes, { zstd, stats, filter: { metric_name: 'up' } });
 * ```
 */
export async function readMetricTable(
  port: StoragePort,
  key: string,
  size: number,
  options: {
    zstd: ZstdCodec;
    stats: QueryStats;
    filter?: ParquetFilter;
    signal?: AbortSignal;
    /** Skip `chq_sketch` and the rollup statistics but `chq_rollup_count` (they read as empty and NaN). */
    lean?: boolean;
  },
): Promise<MetricRow[]> {
  const omit = options.lean ? LEAN_OMITS : undefined;
  const raw = await readParquetRows(port, key, size, { ...options, omit, utf8: false });
  return raw.map((r) => {
    const fields: Record<string, string> = {};
    for (const name in r) {
      const value = r[name];
      if (!FIXED.has(name) && typeof value === 'string') fields[name] = value;
    }
    const num = (name: string) => Number(r[name]);
    return {
      metric_name: String(r.metric_name),
      chq_tid: BigInt(r.chq_tid as bigint),
      chq_timestamp: num('chq_timestamp'),
      chq_tsns: BigInt(r.chq_tsns as bigint),
      chq_metric_type: r.chq_metric_type as ChqMetricType,
      chq_customer_id: String(r.chq_customer_id ?? ''),
      chq_telemetry_type: 'metrics',
      chq_description: String(r.chq_description ?? ''),
      chq_unit: String(r.chq_unit ?? ''),
      chq_scope_name: String(r.chq_scope_name ?? ''),
      chq_scope_url: String(r.chq_scope_url ?? ''),
      chq_sketch: (r.chq_sketch as Uint8Array | undefined) ?? NO_SKETCH,
      chq_rollup_count: num('chq_rollup_count'),
      chq_rollup_sum: num('chq_rollup_sum'),
      chq_rollup_avg: num('chq_rollup_avg'),
      chq_rollup_min: num('chq_rollup_min'),
      chq_rollup_max: num('chq_rollup_max'),
      chq_rollup_p25: num('chq_rollup_p25'),
      chq_rollup_p50: num('chq_rollup_p50'),
      chq_rollup_p75: num('chq_rollup_p75'),
      chq_rollup_p90: num('chq_rollup_p90'),
      chq_rollup_p95: num('chq_rollup_p95'),
      chq_rollup_p99: num('chq_rollup_p99'),
      chq_value: r.chq_value === null || r.chq_value === undefined ? null : num('chq_value'),
      chq_reset_adjust: num('chq_reset_adjust'),
      chq_temporality: (r.chq_temporality as string | null | undefined) ?? null,
      fields,
    };
  });
}
