/**
 * Span table files: cooked span rows as ZSTD Parquet sorted by `[span_trace_id, chq_tsns]` (LakeRunner's
 * order: a trace's spans are contiguous, so the trace id's row-group statistics find them), and reading
 * them back into rows.
 */
import type { ColumnSource } from 'hyparquet-writer';
import type { StoragePort } from '../../storage/index.js';
import { zstdParquetBuffer } from '../parquet/table-buffer.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { type ParquetFilter, readParquetRows } from '../query/read-parquet.js';
import type { QueryStats } from '../query/stats.js';
import { SPAN_INT_COLUMNS, SPAN_STRING_COLUMNS, type SpanRow } from './row.js';

const ROW_GROUP_ROWS = 10_000;

/** Sorts rows in table order (in place) and returns them. */
export function sortSpanRows(rows: SpanRow[]): SpanRow[] {
  return rows.sort((a, b) =>
    a.span_trace_id < b.span_trace_id
      ? -1
      : a.span_trace_id > b.span_trace_id
        ? 1
        : a.chq_tsns < b.chq_tsns
          ? -1
          : a.chq_tsns > b.chq_tsns
            ? 1
            : 0,
  );
}

/**
 * The table file of span rows already in table order.
 *
 * @example
 * ```ts
 * const bytes = writeSpanTable(sortSpanRows(rows), await loadZstd());
 * ```
 */
export function writeSpanTable(rows: readonly SpanRow[], zstd: ZstdCodec): Uint8Array {
  const dynamic = new Set<string>();
  for (const row of rows) for (const name in row.fields) dynamic.add(name);
  const columns: ColumnSource[] = [];
  for (const name of SPAN_INT_COLUMNS) {
    columns.push({ name, data: rows.map((r) => BigInt(r[name])), type: 'INT64', nullable: false });
  }
  for (const name of SPAN_STRING_COLUMNS) {
    columns.push({
      name,
      data: rows.map((r) => r[name]),
      type: 'STRING',
      nullable: false,
      ...(name === 'span_status_message' ? { statistics: false } : {}),
    });
  }
  for (const name of [...dynamic].sort()) {
    columns.push({ name, data: rows.map((r) => r.fields[name] ?? null), type: 'STRING' });
  }
  return zstdParquetBuffer(columns, zstd, ROW_GROUP_ROWS);
}

const FIXED = new Set<string>([...SPAN_INT_COLUMNS, ...SPAN_STRING_COLUMNS]);

/**
 * The rows of a span table that pass `filter` (hyparquet's operator form).
 *
 * @example
 * ```ts
 * const rows = await readSpanTable(port, seg.table, seg.bytes, { zstd, stats, filter: { span_trace_id: id } });
 * ```
 */
export async function readSpanTable(
  port: StoragePort,
  key: string,
  size: number,
  options: { zstd: ZstdCodec; stats: QueryStats; filter?: ParquetFilter; signal?: AbortSignal },
): Promise<SpanRow[]> {
  const raw = await readParquetRows(port, key, size, options);
  return raw.map((r) => {
    const fields: Record<string, string> = {};
    for (const name in r) {
      const value = r[name];
      if (!FIXED.has(name) && typeof value === 'string') fields[name] = value;
    }
    const text = (name: string) => String(r[name] ?? '');
    return {
      chq_timestamp: Number(r.chq_timestamp),
      chq_tsns: BigInt(r.chq_tsns as bigint),
      chq_fingerprint: BigInt(r.chq_fingerprint as bigint),
      chq_telemetry_type: 'traces',
      chq_customer_id: text('chq_customer_id'),
      span_trace_id: text('span_trace_id'),
      span_id: text('span_id'),
      span_parent_span_id: text('span_parent_span_id'),
      span_name: text('span_name'),
      span_kind: text('span_kind'),
      span_status_code: text('span_status_code'),
      span_status_message: text('span_status_message'),
      span_end_timestamp: Number(r.span_end_timestamp),
      span_duration: Number(r.span_duration),
      fields,
    };
  });
}
