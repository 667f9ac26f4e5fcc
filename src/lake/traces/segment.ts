/**
 * A trace segment's table and index entry: the rows sorted in table order (in place), the trace-id filter,
 * exact services and span names, duration range and columns, computed from the rows themselves, so a
 * merged segment's entry is exactly what one ingest of all its rows would have written.
 */
import { segmentKeys } from '../names.js';
import type { ZstdCodec } from '../parquet/zstd.js';
import { MAX_EXACT_VALUES, type TraceSegment } from './catalog.js';
import type { SpanRow } from './row.js';
import { sortSpanRows, writeSpanTable } from './table.js';
import { traceIdFilter } from './trace-ids.js';

/**
 * The table bytes and (not yet published, `sources` empty) index entry of one day's span rows.
 *
 * @example
 * ```ts
 * const { segment, table } = buildTraceSegment(rows, { org: 'acme', collector: 'c1', dateint, id }, zstd);
 * await port.put(segment.table, table);
 * ```
 */
export function buildTraceSegment(
  rows: SpanRow[],
  at: { org: string; collector: string; dateint: number; id: string },
  zstd: ZstdCodec,
): { segment: TraceSegment; table: Uint8Array } {
  sortSpanRows(rows);
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  let minDurationMs = Number.POSITIVE_INFINITY;
  let maxDurationMs = Number.NEGATIVE_INFINITY;
  const traceIds = new Set<string>();
  const services = new Set<string>();
  const names = new Set<string>();
  const columns = new Set<string>([
    'chq_timestamp',
    'span_trace_id',
    'span_id',
    'span_name',
    'span_duration',
  ]);
  for (const row of rows) {
    startMs = Math.min(startMs, row.chq_timestamp);
    endMs = Math.max(endMs, row.chq_timestamp + 1);
    minDurationMs = Math.min(minDurationMs, row.span_duration);
    maxDurationMs = Math.max(maxDurationMs, row.span_duration);
    traceIds.add(row.span_trace_id);
    if (services.size <= MAX_EXACT_VALUES) services.add(row.fields.resource_service_name ?? '');
    if (names.size <= MAX_EXACT_VALUES) names.add(row.span_name);
    for (const name in row.fields) columns.add(name);
  }
  const table = writeSpanTable(rows, zstd);
  const key = segmentKeys({ ...at, firstMs: startMs, signal: 'traces' }).table;
  const segment: TraceSegment = {
    id: at.id,
    collector: at.collector,
    table: key,
    bytes: table.byteLength,
    startMs,
    endMs,
    rows: rows.length,
    traces: traceIds.size,
    traceIds: traceIdFilter(traceIds),
    ...(services.size <= MAX_EXACT_VALUES ? { services: [...services].sort() } : {}),
    ...(names.size <= MAX_EXACT_VALUES ? { spanNames: [...names].sort() } : {}),
    minDurationMs,
    maxDurationMs,
    columns: [...columns].sort(),
    published: true,
    createdAt: new Date().toISOString(),
    sources: [],
  };
  return { segment, table };
}
