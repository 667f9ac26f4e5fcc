/**
 * What the segment index keeps about one segment's rows besides its keys: time range, streams and the
 * dimension facts queries prune with (LakeRunner's "exists" and "exact" index fingerprints, kept here as
 * column names and literal values, which are readable and as selective).
 */
import { encodeTrigrams, MAX_TRIGRAM_VALUES, TRIGRAM_FIELDS } from '../catalog/trigrams.js';
import type { CookedLog } from '../ingest/normalise.js';
import { LogBuffer } from './log-buffer.js';

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
  /** For trigram fields whose exact values overflowed: their values' trigrams (see `catalog/trigrams.ts`).
   * Absent in indexes written before trigrams existed. */
  trigrams?: Record<string, string>;
}

/**
 * Summarises rows for the index.
 *
 * @example
 * ```ts
 * const summary = summariseRows(rows, 'resource_service_name');
 * ```
 */
export function summariseRows(rows: readonly CookedLog[] | LogBuffer, streamField: string): SegmentSummary {
  const buffer = rows instanceof LogBuffer ? rows : LogBuffer.of(rows);
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
  const trigramFields = new Set([...TRIGRAM_FIELDS, streamField]);
  const cap = (field: string) => (trigramFields.has(field) ? MAX_TRIGRAM_VALUES : MAX_EXACT_VALUES);
  const streams = new Set<string>();
  // per exact field (in `exactFields` order): its value set, null once over its cap
  const sets: (Set<string> | null)[] = exactFields.map(() => new Set<string>());
  const caps = exactFields.map(cap);
  const columnsOf = exactFields.map((field) =>
    field === 'log_level' ? buffer.levels : buffer.fields.get(field),
  );
  for (const name of buffer.fieldNames()) columns.add(name);
  if (buffer.levels.present > 0) columns.add('log_level');
  const streamColumn = buffer.fields.get(streamField);
  for (let i = 0; i < buffer.length; i++) {
    const ms = buffer.ms[i]!;
    if (ms < startMs) startMs = ms;
    if (ms >= endMs) endMs = ms + 1;
    if (buffer.hasFingerprint[i]) columns.add('chq_fingerprint');
    streams.add(streamColumn?.get(i) ?? '');
    for (let f = 0; f < exactFields.length; f++) {
      const set = sets[f];
      if (set === null || set === undefined) continue;
      const value = columnsOf[f]?.get(i);
      if (value === null || value === undefined) continue;
      set.add(value);
      if (set.size > caps[f]!) sets[f] = null;
    }
  }
  const values = new Map(exactFields.map((field, f) => [field, sets[f] ?? null]));
  const exact: Record<string, string[] | null> = {};
  const trigrams: Record<string, string> = {};
  for (const [field, set] of values) {
    if (set === null || set.size > 0)
      exact[field] = set && set.size <= MAX_EXACT_VALUES ? [...set].sort() : null;
    const grams = set && set.size > MAX_EXACT_VALUES && trigramFields.has(field) ? encodeTrigrams(set) : null;
    if (grams !== null) trigrams[field] = grams;
  }
  return {
    rows: buffer.length,
    startMs,
    endMs,
    streamIds: [...streams].sort(),
    columns: [...columns].sort(),
    exact,
    ...(Object.keys(trigrams).length > 0 ? { trigrams } : {}),
  };
}
