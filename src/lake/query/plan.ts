/**
 * Query planning from the index: which days to read, which of their segments can hold matching rows
 * (time range, columns present, exact values of indexed fields), and the Parquet filter for the rest.
 */
import { bkError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { readDayIndex } from '../catalog/cas.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import { dateintsBetween } from '../names.js';
import { type CompiledMatch, segmentMayMatchAll } from './match.js';
import { pruneByMessageIndex, type TextRequirement } from './message-filter.js';
import type { ParquetFilter } from './read-parquet.js';
import type { QueryStats } from './stats.js';

/** Equality conditions: a column (or alias) → one value or any of several. */
export type Where = Readonly<Record<string, string | readonly string[]>>;

/** Short names LakeRunner's CLI uses for the common columns. */
export const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  level: 'log_level',
  service: 'resource_service_name',
  namespace: 'resource_k8s_namespace_name',
  cluster: 'resource_k8s_cluster_name',
  pod: 'resource_k8s_pod_name',
  fingerprint: 'chq_fingerprint',
};

/** A column name for a name or alias. */
export function columnOf(name: string): string {
  return COLUMN_ALIASES[name] ?? name;
}

/** `where` with aliases resolved and single values turned into lists. */
export function resolveWhere(where: Where | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(where ?? {})) {
    out.set(columnOf(name), typeof value === 'string' ? [value] : [...value]);
  }
  return out;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** Checks and converts a query's `from`/`to` (Date or ms; `to` exclusive). */
export function timeRange(from: Date | number, to: Date | number): TimeRange {
  const fromMs = typeof from === 'number' ? from : from.getTime();
  const toMs = typeof to === 'number' ? to : to.getTime();
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    throw bkError('InvalidArgument', 'a query needs from < to (Dates or epoch milliseconds)');
  }
  if (toMs - fromMs > 400 * 86_400_000) throw bkError('InvalidArgument', 'a query spans at most 400 days');
  return { fromMs, toMs };
}

/** Whether the index rules a segment out. */
export function segmentMayMatch(
  segment: IndexedSegment,
  range: TimeRange,
  where: Map<string, string[]>,
): boolean {
  if (!segment.published || segment.endMs <= range.fromMs || segment.startMs >= range.toMs) return false;
  for (const [column, values] of where) {
    if (!segment.columns.includes(column)) return false;
    const known = segment.exact[column];
    if (known && !values.some((v) => known.includes(v))) return false;
  }
  return true;
}

/**
 * The candidate segments of one day: one GET of that day's index.
 *
 * @example
 * ```ts
 * const segments = await daySegments(port, 'acme', 20260102, range, where, stats);
 * ```
 */
export async function daySegments(
  port: StoragePort,
  org: string,
  dateint: number,
  range: TimeRange,
  where: Map<string, string[]>,
  stats: QueryStats,
  signal?: AbortSignal,
  matches: readonly CompiledMatch[] = [],
  text: readonly TextRequirement[] = [],
  onIndex?: (dateint: number, segments: readonly IndexedSegment[]) => void,
): Promise<IndexedSegment[]> {
  const { index, bytes } = await readDayIndex(port, org, dateint, signal);
  onIndex?.(dateint, index.segments);
  stats.indexReads++;
  stats.requests++;
  stats.bytesRead += bytes;
  const live = index.segments.filter((s) => s.published && s.endMs > range.fromMs && s.startMs < range.toMs);
  const kept = live.filter((s) => segmentMayMatch(s, range, where) && segmentMayMatchAll(s, matches));
  stats.segmentsConsidered += live.length;
  stats.segmentsPruned += live.length - kept.length;
  return pruneByMessageIndex(port, kept, text, stats, signal);
}

/**
 * The candidate segments of every day a query touches, a day at a time in query order: one GET of each day's
 * index, pruned by time, `where`, label matchers and the message index.
 *
 * @example
 * ```ts
 * for await (const segments of querySegments(port, 'acme', range, where, stats, { backward: true })) {
 *   console.log(segments.length);
 * }
 * ```
 */
export async function* querySegments(
  port: StoragePort,
  org: string,
  range: TimeRange,
  where: Map<string, string[]>,
  stats: QueryStats,
  options: {
    backward?: boolean;
    signal?: AbortSignal | undefined;
    matches?: readonly CompiledMatch[];
    /** What the messages must hold (`textRequirements`): segments the message index rules out are dropped. */
    text?: readonly TextRequirement[];
    /** Called with each day's whole index (before pruning). */
    onIndex?: (dateint: number, segments: readonly IndexedSegment[]) => void;
  } = {},
): AsyncGenerator<IndexedSegment[]> {
  for (const dateint of queryDays(range, options.backward ?? false))
    yield await daySegments(
      port,
      org,
      dateint,
      range,
      where,
      stats,
      options.signal,
      options.matches,
      options.text,
      options.onIndex,
    );
}

/** The days a range touches, in query order. */
export function queryDays(range: TimeRange, backward: boolean): number[] {
  const days = dateintsBetween(range.fromMs, range.toMs);
  return backward ? days.reverse() : days;
}

/** The Parquet filter for a time range and equality conditions (operator form, so row groups prune). */
export function parquetFilter(range: TimeRange, where: Map<string, string[]>, timeColumn = 'chq_timestamp') {
  const parts: ParquetFilter[] = [{ [timeColumn]: { $gte: BigInt(range.fromMs), $lt: BigInt(range.toMs) } }];
  for (const [column, values] of where) {
    if (column === 'chq_fingerprint') parts.push({ [column]: { $in: values.map((v) => BigInt(v)) } });
    else parts.push({ [column]: values.length === 1 ? { $eq: values[0] } : { $in: values } });
  }
  return { $and: parts } as ParquetFilter;
}
