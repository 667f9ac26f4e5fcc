/**
 * Trace queries: a trace's spans by id (the day indexes, then only the segments whose trace-id filter may
 * hold it, and in those only the row groups whose `span_trace_id` statistics may), and span search by
 * time, service, span name, duration, status, kind and attributes (segments ruled out by the index's
 * exact values, columns and duration range; row groups by Parquet statistics).
 */
import { bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { dateintsBetween } from '../names.js';
import { loadZstd, type ZstdCodec } from '../parquet/zstd.js';
import type { ParquetFilter } from '../query/read-parquet.js';
import { newStats, type QueryStats } from '../query/stats.js';
import { readTraceDayIndex, type TraceSegment, traceDays } from './catalog.js';
import type { SpanRow } from './row.js';
import { readSpanTable } from './table.js';
import { mayHoldTrace } from './trace-ids.js';

export interface TraceQuery {
  org: string;
  /** 32 hex digits (any case). */
  traceId: string;
  /** Look only in `[from, to)` (ms or Date); without both, every day with a trace index (one listing). */
  from?: number | Date;
  to?: number | Date;
  zstd?: ZstdCodec;
  signal?: AbortSignal;
}

export interface SpanSearch {
  org: string;
  from: number | Date;
  to: number | Date;
  /** `resource_service_name` equal to one of these. */
  service?: string | readonly string[];
  /** `span_name` equal to one of these. */
  name?: string | readonly string[];
  /** `span_duration` (ms) at least / at most. */
  minDurationMs?: number;
  maxDurationMs?: number;
  /** `STATUS_CODE_ERROR`, … */
  status?: string;
  /** `SPAN_KIND_SERVER`, … */
  kind?: string;
  /** Other columns (`attr_http_route`, `resource_k8s_namespace_name`, …) equal to one of the values. */
  where?: Readonly<Record<string, string | readonly string[]>>;
  /** At most this many spans, newest first (default 1,000). */
  limit?: number;
  zstd?: ZstdCodec;
  signal?: AbortSignal;
}

export interface SpansResult {
  spans: SpanRow[];
  stats: QueryStats;
}

const ms = (t: number | Date) => (typeof t === 'number' ? t : t.getTime());
const list = (v: string | readonly string[]) => (typeof v === 'string' ? [v] : [...v]);

/**
 * The spans of one trace, in start order.
 *
 * @example
 * ```ts
 * const { spans, stats } = await traceSpans(port, { org: 'acme', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
 * ```
 */
export async function traceSpans(port: StoragePort, query: TraceQuery): Promise<SpansResult> {
  const traceId = query.traceId.toLowerCase();
  if (!/^[0-9a-f]{1,64}$/.test(traceId)) {
    throw bkError('InvalidArgument', `"${query.traceId}" is not a trace id (hex digits, 32 in OTLP)`);
  }
  const stats = newStats();
  const zstd = query.zstd ?? (await loadZstd());
  const ranged = query.from !== undefined && query.to !== undefined;
  const from = ranged ? ms(query.from!) : Number.NEGATIVE_INFINITY;
  const to = ranged ? ms(query.to!) : Number.POSITIVE_INFINITY;
  let days: number[];
  if (ranged) days = dateintsBetween(from, to);
  else {
    days = await traceDays(port, query.org, query.signal);
    stats.requests++;
  }
  const spans: SpanRow[] = [];
  for (const dateint of days) {
    const segments = await daySegments(port, query.org, dateint, stats, query.signal);
    for (const segment of segments) {
      if (segment.endMs <= from || segment.startMs >= to) continue;
      stats.segmentsConsidered++;
      if (!mayHoldTrace(segment.traceIds, traceId)) {
        stats.segmentsPruned++;
        continue;
      }
      const filter: ParquetFilter = { span_trace_id: { $eq: traceId } };
      if (ranged) filter.chq_timestamp = { $gte: BigInt(from), $lt: BigInt(to) };
      const opts = { zstd, stats, filter, ...(query.signal ? { signal: query.signal } : {}) };
      spans.push(...(await readSpanTable(port, segment.table, segment.bytes, opts)));
    }
  }
  spans.sort((a, b) => (a.chq_tsns < b.chq_tsns ? -1 : a.chq_tsns > b.chq_tsns ? 1 : 0));
  return { spans, stats };
}

/**
 * Spans matching a search, newest first.
 *
 * @example
 * ```ts
 * const { spans } = await searchSpans(port, { org: 'acme', from, to, service: 'checkout', minDurationMs: 500 });
 * ```
 */
export async function searchSpans(port: StoragePort, search: SpanSearch): Promise<SpansResult> {
  const from = ms(search.from);
  const to = ms(search.to);
  const limit = search.limit ?? 1000;
  if (!(to > from)) throw bkError('InvalidArgument', 'a span search needs from < to');
  const equal = new Map<string, string[]>();
  for (const [column, values] of Object.entries(search.where ?? {})) equal.set(column, list(values));
  if (search.service !== undefined) equal.set('resource_service_name', list(search.service));
  if (search.name !== undefined) equal.set('span_name', list(search.name));
  if (search.status !== undefined) equal.set('span_status_code', [search.status]);
  if (search.kind !== undefined) equal.set('span_kind', [search.kind]);
  const filter: ParquetFilter = { chq_timestamp: { $gte: BigInt(from), $lt: BigInt(to) } };
  for (const [column, values] of equal) filter[column] = { $in: values };
  const minD = search.minDurationMs ?? Number.NEGATIVE_INFINITY;
  const maxD = search.maxDurationMs ?? Number.POSITIVE_INFINITY;
  if (search.minDurationMs !== undefined || search.maxDurationMs !== undefined) {
    filter.span_duration = {
      ...(search.minDurationMs !== undefined ? { $gte: BigInt(Math.ceil(minD)) } : {}),
      ...(search.maxDurationMs !== undefined ? { $lte: BigInt(Math.floor(maxD)) } : {}),
    };
  }
  const stats = newStats();
  const zstd = search.zstd ?? (await loadZstd());
  const spans: SpanRow[] = [];
  for (const dateint of dateintsBetween(from, to)) {
    for (const segment of await daySegments(port, search.org, dateint, stats, search.signal)) {
      if (segment.endMs <= from || segment.startMs >= to) continue;
      stats.segmentsConsidered++;
      if (!segmentMayMatch(segment, equal, minD, maxD)) {
        stats.segmentsPruned++;
        continue;
      }
      const opts = { zstd, stats, filter, ...(search.signal ? { signal: search.signal } : {}) };
      spans.push(...(await readSpanTable(port, segment.table, segment.bytes, opts)));
    }
  }
  spans.sort((a, b) => (a.chq_tsns > b.chq_tsns ? -1 : a.chq_tsns < b.chq_tsns ? 1 : 0));
  return { spans: spans.slice(0, limit), stats };
}

async function daySegments(
  port: StoragePort,
  org: string,
  dateint: number,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<TraceSegment[]> {
  const { index, bytes } = await readTraceDayIndex(port, org, dateint, signal);
  stats.indexReads++;
  stats.requests++;
  stats.bytesRead += bytes;
  return index.segments.filter((s) => s.published);
}

const FIXED_COLUMNS = new Set(['span_name', 'span_status_code', 'span_kind']);

function segmentMayMatch(
  segment: TraceSegment,
  equal: Map<string, string[]>,
  minD: number,
  maxD: number,
): boolean {
  if (segment.maxDurationMs < minD || segment.minDurationMs > maxD) return false;
  for (const [column, values] of equal) {
    if (!FIXED_COLUMNS.has(column) && !segment.columns.includes(column)) return false;
    const listed =
      column === 'resource_service_name'
        ? segment.services
        : column === 'span_name'
          ? segment.spanNames
          : undefined;
    if (listed && !values.some((v) => listed.includes(v))) return false;
  }
  return true;
}
