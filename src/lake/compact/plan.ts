/**
 * Which of a day's segments compaction merges: live segments smaller than half the target, grouped by
 * collector and stream field (a merged segment lives under one collector's keys and is sorted by one
 * field), taken in time order so each merged segment covers a tight time range, and packed until the
 * next one would pass the target size or row cap. A group of one is left alone.
 */
import type { DayIndex, IndexedSegment } from '../catalog/day-index.js';

/** How big merged segments may grow. */
export interface CompactionTarget {
  /** Table bytes a merged segment aims at (it never passes this by packing). */
  bytes: number;
  /** Rows a merged segment may hold at most: merging holds one group's rows in memory. */
  maxRows: number;
}

/** Segments that become one. */
export interface CompactionGroup {
  collector: string;
  streamField: string;
  inputs: IndexedSegment[];
  /** Sum of the inputs' table bytes. */
  bytes: number;
  rows: number;
}

/** A segment queries read now: published and not replaced by a compaction. */
export function isLive(segment: IndexedSegment): boolean {
  return segment.published && segment.replacedAt === undefined;
}

/**
 * The groups to merge in a day's index.
 *
 * @example
 * ```ts
 * const groups = planCompaction(index, { bytes: 4 << 20, maxRows: 500_000 });
 * ```
 */
export function planCompaction(index: DayIndex, target: CompactionTarget): CompactionGroup[] {
  const small = index.segments.filter(
    (s) => isLive(s) && s.tableBytes < target.bytes / 2 && s.rows < target.maxRows,
  );
  const byKind = new Map<string, IndexedSegment[]>();
  for (const segment of small) {
    const kind = `${segment.collector}\u0000${segment.streamField}`;
    const list = byKind.get(kind);
    if (list) list.push(segment);
    else byKind.set(kind, [segment]);
  }
  const groups: CompactionGroup[] = [];
  for (const segments of byKind.values()) {
    segments.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || (a.id < b.id ? -1 : 1));
    let current: CompactionGroup | undefined;
    for (const segment of segments) {
      const fits =
        current !== undefined &&
        current.bytes + segment.tableBytes <= target.bytes &&
        current.rows + segment.rows <= target.maxRows;
      if (current && fits) {
        current.inputs.push(segment);
        current.bytes += segment.tableBytes;
        current.rows += segment.rows;
        continue;
      }
      if (current && current.inputs.length > 1) groups.push(current);
      current = {
        collector: segment.collector,
        streamField: segment.streamField,
        inputs: [segment],
        bytes: segment.tableBytes,
        rows: segment.rows,
      };
    }
    if (current && current.inputs.length > 1) groups.push(current);
  }
  return groups;
}
