/**
 * Which of a day's segments compaction merges: live segments smaller than half the target, grouped by
 * kind (a merged segment lives under one collector's keys and, for logs, is sorted by one stream field),
 * taken in time order so each merged segment covers a tight time range, and packed until the next one
 * would pass the target size or row cap. A group of one is left alone.
 */
import type { DayIndex, IndexedSegment } from '../catalog/day-index.js';
import { LOG_STORE } from './log-store.js';
import type { SegmentIndex, SegmentStore, SweptSegment } from './store.js';

/** How big merged segments may grow. */
export interface CompactionTarget {
  /** Table bytes a merged segment aims at (it never passes this by packing). */
  bytes: number;
  /** Rows a merged segment may hold at most: merging holds one group's rows in memory. */
  maxRows: number;
}

/** Segments that become one. */
export interface CompactionGroup<S extends SweptSegment = IndexedSegment> {
  collector: string;
  /** What the inputs share (`SegmentStore.kind`). */
  kind: string;
  inputs: S[];
  /** Sum of the inputs' table bytes. */
  bytes: number;
  rows: number;
}

/** A segment queries read now: published and not replaced by a compaction. */
export function isLive(segment: SweptSegment): boolean {
  return segment.published && segment.replacedAt === undefined;
}

/**
 * The groups to merge in a day's index (a log index unless another signal's `store` is given).
 *
 * @example
 * ```ts
 * const groups = planCompaction(index, { bytes: 4 << 20, maxRows: 500_000 });
 * ```
 */
export function planCompaction(index: DayIndex, target: CompactionTarget): CompactionGroup[];
export function planCompaction<S extends SweptSegment>(
  index: SegmentIndex<S>,
  target: CompactionTarget,
  store: Pick<SegmentStore<S>, 'kind' | 'tableBytes'>,
): CompactionGroup<S>[];
export function planCompaction<S extends SweptSegment>(
  index: SegmentIndex<S>,
  target: CompactionTarget,
  store = LOG_STORE as unknown as Pick<SegmentStore<S>, 'kind' | 'tableBytes'>,
): CompactionGroup<S>[] {
  const small = index.segments.filter(
    (s) => isLive(s) && store.tableBytes(s) < target.bytes / 2 && s.rows < target.maxRows,
  );
  const byKind = new Map<string, S[]>();
  for (const segment of small) {
    const kind = store.kind(segment);
    const list = byKind.get(kind);
    if (list) list.push(segment);
    else byKind.set(kind, [segment]);
  }
  const groups: CompactionGroup<S>[] = [];
  for (const [kind, segments] of byKind) {
    segments.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || (a.id < b.id ? -1 : 1));
    let current: CompactionGroup<S> | undefined;
    for (const segment of segments) {
      const bytes = store.tableBytes(segment);
      const fits =
        current !== undefined &&
        current.bytes + bytes <= target.bytes &&
        current.rows + segment.rows <= target.maxRows;
      if (current && fits) {
        current.inputs.push(segment);
        current.bytes += bytes;
        current.rows += segment.rows;
        continue;
      }
      if (current && current.inputs.length > 1) groups.push(current);
      current = { collector: segment.collector, kind, inputs: [segment], bytes, rows: segment.rows };
    }
    if (current && current.inputs.length > 1) groups.push(current);
  }
  return groups;
}
