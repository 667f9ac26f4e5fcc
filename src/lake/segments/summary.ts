/**
 * What the segment index keeps about one segment's rows besides its keys: time range, streams and the
 * dimension facts queries prune with (LakeRunner's "exists" and "exact" index fingerprints, kept here as
 * column names and literal values, which are readable and as selective).
 */
import type { CookedLog } from '../ingest/normalise.js';
import { streamValue } from './sort.js';

/** Fields whose exact values are indexed (LakeRunner's exact and trigram dimensions). */
export const EXACT_FIELDS: readonly string[] = [
  'log_level',
  'resource_service_name',
  'resource_k8s_namespace_name',
  'resource_k8s_cluster_name',
  'resource_customer_domain',
  'resource_file',
];

/** More distinct values than this and a field's values are not listed (the field only "exists"). */
export const MAX_EXACT_VALUES = 256;

export interface SegmentSummary {
  rows: number;
  /** First row's time, ms. */
  startMs: number;
  /** One past the last row's time, ms (LakeRunner's `ts_range` upper bound is exclusive). */
  endMs: number;
  /** The stream field's distinct values. */
  streamIds: string[];
  /** Every column that has at least one non-null value. */
  columns: string[];
  /** For indexed fields: every distinct value, or null when there were too many to list. */
  exact: Record<string, string[] | null>;
}

/**
 * Summarises rows for the index.
 *
 * @example
 * ```ts
 * const summary = summariseRows(rows, 'resource_service_name');
 * ```
 */
export function summariseRows(rows: readonly CookedLog[], streamField: string): SegmentSummary {
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  const columns = new Set<string>([
    'chq_timestamp',
    'chq_tsns',
    'chq_customer_id',
    'chq_telemetry_type',
    'log_message',
  ]);
  const exactFields = [...new Set([...EXACT_FIELDS, streamField])];
  const values = new Map<string, Set<string> | null>(exactFields.map((f) => [f, new Set<string>()]));
  const streams = new Set<string>();
  for (const row of rows) {
    startMs = Math.min(startMs, row.chq_timestamp);
    endMs = Math.max(endMs, row.chq_timestamp + 1);
    if (row.chq_fingerprint !== null) columns.add('chq_fingerprint');
    if (row.log_level !== null) columns.add('log_level');
    for (const name in row.fields) columns.add(name);
    streams.add(streamValue(row, streamField));
    for (const field of exactFields) {
      const set = values.get(field);
      if (set === null || set === undefined) continue;
      const value = field === 'log_level' ? row.log_level : row.fields[field];
      if (value === null || value === undefined) continue;
      set.add(value);
      if (set.size > MAX_EXACT_VALUES) values.set(field, null);
    }
  }
  const exact: Record<string, string[] | null> = {};
  for (const [field, set] of values) if (set === null || set.size > 0) exact[field] = set && [...set].sort();
  return {
    rows: rows.length,
    startMs,
    endMs,
    streamIds: [...streams].sort(),
    columns: [...columns].sort(),
    exact,
  };
}
