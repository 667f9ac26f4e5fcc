/**
 * The metric segment index: one JSON object per (org, UTC day) at `db/{org}/_index/metrics/{dateint}.json`,
 * LakeRunner's `metric_seg` rows without PostgreSQL (frequency, metric names, rolled-up flag), changed only
 * by compare-and-swap like the log index.
 */
import type { StoragePort } from '../../storage/index.js';
import { readJsonObject, type UpdateOptions, updateJsonObject } from '../catalog/cas.js';
import { decodeIndexJson } from '../catalog/day-index.js';
import { indexKey } from '../names.js';

export const METRIC_INDEX_FORMAT = 'bucketkit.lake.metric-index/1';

/** One metric segment (LakeRunner's `metric_seg` row). */
export interface MetricSegment {
  id: string;
  collector: string;
  /** Key of the table file. */
  table: string;
  bytes: number;
  /** The tier: 10 000, 60 000, 300 000, 1 200 000 or 3 600 000 ms. */
  frequencyMs: number;
  /** First bucket start, ms. */
  startMs: number;
  /** End of the last bucket, ms (exclusive). */
  endMs: number;
  rows: number;
  /** Distinct `metric_name`s (LakeRunner indexes them exactly). */
  metricNames: string[];
  /** Every column present. */
  columns: string[];
  published: boolean;
  /** True once a rollup to the next tier has read this segment. */
  rolledup: boolean;
  createdAt: string;
  /** Raw objects the rows came from (`key@etag`), for once-only ingest. */
  sources: string[];
  /** For a rollup output: the ids of the segments it read. */
  rolledFrom?: string[];
}

export interface MetricDayIndex {
  format: typeof METRIC_INDEX_FORMAT;
  org: string;
  signal: 'metrics';
  dateint: number;
  segments: MetricSegment[];
}

export function metricIndexKey(org: string, dateint: number): string {
  return indexKey(org, dateint, 'metrics');
}

/**
 * Reads a day's metric index (missing = empty) with its ETag.
 *
 * @example
 * ```ts
 * const { index } = await readMetricDayIndex(port, 'acme', 20260102);
 * ```
 */
export async function readMetricDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  signal?: AbortSignal,
): Promise<{ index: MetricDayIndex; etag: string | undefined; bytes: number }> {
  const empty = (): MetricDayIndex => ({
    format: METRIC_INDEX_FORMAT,
    org,
    signal: 'metrics',
    dateint,
    segments: [],
  });
  return readJsonObject(port, metricIndexKey(org, dateint), decode, empty, signal);
}

function decode(text: string, key: string): MetricDayIndex {
  return decodeIndexJson<MetricDayIndex>(text, key, METRIC_INDEX_FORMAT, 'metric');
}

/**
 * Changes a day's metric index by compare-and-swap; `change` may run once per lost race and returns the
 * new index, or undefined to leave it.
 *
 * @example
 * ```ts
 * await updateMetricDayIndex(port, 'acme', 20260102, (i) => ({ ...i, segments: [...i.segments, seg] }));
 * ```
 */
export async function updateMetricDayIndex(
  port: StoragePort,
  org: string,
  dateint: number,
  change: (index: MetricDayIndex) => MetricDayIndex | undefined,
  options: UpdateOptions = {},
): Promise<MetricDayIndex> {
  return updateJsonObject(
    port,
    metricIndexKey(org, dateint),
    () => readMetricDayIndex(port, org, dateint, options.signal),
    JSON.stringify,
    change,
    options,
  );
}
