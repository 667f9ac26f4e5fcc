/**
 * The segment index, kept in the bucket: one JSON object per (org, signal, UTC day) listing every segment
 * of that day, LakeRunner's `log_seg` rows without PostgreSQL. Finding a day's segments is one GET.
 */
import { bkError } from '../../errors.js';
import type { MessageIndexRef } from '../segments/message-index.js';
import type { SegmentSummary } from '../segments/summary.js';

export const INDEX_FORMAT = 'bucketkit.lake.index/1';

/** One segment as the index records it (LakeRunner's `log_seg` row). */
export interface IndexedSegment extends SegmentSummary {
  /** Segment id (decimal int64; creation time in the high bits). */
  id: string;
  collector: string;
  /** Key of the table file (`tbl_*.parquet`). */
  table: string;
  tableBytes: number;
  /** Key of the 10 s count file (`agg_*.parquet`). */
  agg: string;
  aggBytes: number;
  /** Where the bloom filter of the messages' grams sits in the table object (absent in older segments). */
  messageIndex?: MessageIndexRef;
  streamField: string;
  /** Queries see only published segments. */
  published: boolean;
  /** True for compaction outputs (and inputs it replaced). */
  compacted: boolean;
  createdAt: string;
  /** The raw objects the rows came from, as `key@etag`: how a repeated ingest is recognised. */
  sources: string[];
  /** When a compaction replaced this segment (then `published` is false); a sweep deletes it after a grace period. */
  replacedAt?: string;
  /** The id of the segment that holds this one's rows now. */
  replacedBy?: string;
  /** For a compaction output: the ids of the segments it merged. */
  replaces?: string[];
}

/** The index of one (org, signal, day). */
export interface DayIndex {
  format: typeof INDEX_FORMAT;
  org: string;
  signal: 'logs';
  dateint: number;
  segments: IndexedSegment[];
}

/** An empty index for a day. */
export function emptyDayIndex(org: string, dateint: number): DayIndex {
  return { format: INDEX_FORMAT, org, signal: 'logs', dateint, segments: [] };
}

/** The index as stored (stable key order is not needed: it is only ever replaced whole). */
export function encodeDayIndex(index: DayIndex): string {
  return JSON.stringify(index);
}

/**
 * Parses a stored index; `Corrupt` when it is not one.
 *
 * @example
 * ```ts
 * const index = decodeDayIndex(await got.text(), key);
 * ```
 */
export function decodeDayIndex(text: string, key: string): DayIndex {
  return decodeIndexJson<DayIndex>(text, key, INDEX_FORMAT, 'lake');
}

/**
 * Parses a stored day index of `format` (`what` names the kind in errors); `Corrupt` when it is not one.
 *
 * @example
 * ```ts
 * const index = decodeIndexJson<MetricDayIndex>(text, key, METRIC_INDEX_FORMAT, 'metric');
 * ```
 */
export function decodeIndexJson<T extends { format: string; segments: unknown[] }>(
  text: string,
  key: string,
  format: T['format'],
  what: string,
): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bkError('Corrupt', `the ${what} index ${key} is not JSON; restore it from a backup`, {
      cause: err,
      details: { key },
    });
  }
  const index = value as Partial<T> | null;
  if (index?.format !== format || !Array.isArray(index.segments)) {
    throw bkError('Corrupt', `${key} is not a ${format} index`, { details: { key } });
  }
  return index as T;
}
