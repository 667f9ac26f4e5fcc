/**
 * The trace segment index: one JSON object per (org, UTC day) at `db/{org}/_index/traces/{dateint}.json`,
 * LakeRunner's `trace_seg` rows without PostgreSQL, changed only by compare-and-swap like the log index.
 * Besides time range and columns, an entry keeps what lets a query skip a segment without reading it:
 * the trace-id filter, the exact services and span names (up to 256 each) and the duration range.
 */
import type { StoragePort } from '../../storage/index.js';
import { readJsonObject, type UpdateOptions, updateJsonObject } from '../catalog/cas.js';
import { decodeIndexJson } from '../catalog/day-index.js';
import { indexedDays } from '../catalog/days.js';
import type { SweptSegment } from '../compact/store.js';
import { indexKey } from '../names.js';
import type { TraceIdFilter } from './trace-ids.js';

export const TRACE_INDEX_FORMAT = 'bucketkit.lake.trace-index/1';

/** The most distinct values an entry lists for a field; with more, the field is not listed. */
export const MAX_EXACT_VALUES = 256;

/** One trace segment (LakeRunner's `trace_seg` row). */
export interface TraceSegment extends SweptSegment {
  /** Key of the table file. */
  table: string;
  bytes: number;
  /** First span start, ms. */
  startMs: number;
  /** Last span start + 1, ms (exclusive). */
  endMs: number;
  /** Distinct trace ids. */
  traces: number;
  traceIds: TraceIdFilter;
  /** Distinct `resource_service_name`s, absent when more than {@link MAX_EXACT_VALUES}. */
  services?: string[];
  /** Distinct `span_name`s, absent when more than {@link MAX_EXACT_VALUES}. */
  spanNames?: string[];
  minDurationMs: number;
  maxDurationMs: number;
  /** Every column present. */
  columns: string[];
}

export interface TraceDayIndex {
  format: typeof TRACE_INDEX_FORMAT;
  org: string;
  signal: 'traces';
  dateint: number;
  segments: TraceSegment[];
}

export function traceIndexKey(org: string, dateint: number): string {
  return indexKey(org, dateint, 'traces');
}

/**
 * Reads a day's trace index (missing = empty) with its ETag and size.
 *
 * @example
 * ```ts
 * const { index } = await readTraceDayIndex(port, 'acme', 20260102);
 * ```
 */
export async function readTraceDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  signal?: AbortSignal,
): Promise<{ index: TraceDayIndex; etag: string | undefined; bytes: number }> {
  const empty = (): TraceDayIndex => ({
    format: TRACE_INDEX_FORMAT,
    org,
    signal: 'traces',
    dateint,
    segments: [],
  });
  const decode = (text: string, key: string) =>
    decodeIndexJson<TraceDayIndex>(text, key, TRACE_INDEX_FORMAT, 'trace');
  return readJsonObject(port, traceIndexKey(org, dateint), decode, empty, signal);
}

/**
 * Changes a day's trace index by compare-and-swap; `change` may run once per lost race and returns the new
 * index, or undefined to leave it.
 *
 * @example
 * ```ts
 * await updateTraceDayIndex(port, 'acme', 20260102, (i) => ({ ...i, segments: [...i.segments, seg] }));
 * ```
 */
export async function updateTraceDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  change: (index: TraceDayIndex) => TraceDayIndex | undefined,
  options: UpdateOptions = {},
): Promise<TraceDayIndex> {
  return updateJsonObject(
    port,
    traceIndexKey(org, dateint),
    () => readTraceDayIndex(port, org, dateint, options.signal),
    JSON.stringify,
    change,
    options,
  );
}

/**
 * The days that have a trace index, oldest first (one listing).
 *
 * @example
 * ```ts
 * const days = await traceDays(port, 'acme'); // [20260101, 20260102]
 * ```
 */
export function traceDays(port: StoragePort, org: string, signal?: AbortSignal): Promise<number[]> {
  return indexedDays(port, org, 'traces', signal);
}
