/**
 * The logs' segment store for compaction and the sweep: the log day index, a table and an agg file per
 * segment, groups by collector and stream field, and the day counts refreshed after a swap.
 */
import { readDayIndex, updateDayIndex } from '../catalog/cas.js';
import { keepDayCounts } from '../catalog/day-counts-store.js';
import type { DayIndex, IndexedSegment } from '../catalog/day-index.js';
import { dayCountsKey, segmentKeys } from '../names.js';
import { mergeGroup } from './merge.js';
import type { SegmentStore } from './store.js';

/** Log segments: `db/{org}/_index/logs/{dateint}.json`, `tbl_`/`agg_` objects under `logs/`. */
export const LOG_STORE: SegmentStore<IndexedSegment> = {
  signal: 'logs',
  read: readDayIndex,
  update: (port, org, dateint, change, options) =>
    updateDayIndex(port, org, dateint, (index) => change(index) as DayIndex | undefined, options),
  objects: (segment) => [segment.table, segment.agg],
  dayObjects: (org, dateint) => [dayCountsKey(org, dateint)],
  kind: (segment) => `${segment.collector}\u0000${segment.streamField}`,
  tableBytes: (segment) => segment.tableBytes,
  async merge(ctx, inputs, at, abort) {
    const first = inputs[0]!;
    const merged = await mergeGroup(ctx.port, inputs, first.streamField, await ctx.zstd(), abort);
    const keys = segmentKeys({ ...at, collector: first.collector, firstMs: merged.summary.startMs });
    const segment: IndexedSegment = {
      ...merged.summary,
      id: at.id,
      collector: first.collector,
      table: keys.table,
      tableBytes: merged.table.byteLength,
      agg: keys.agg,
      aggBytes: merged.agg.byteLength,
      messageIndex: merged.messageIndex,
      streamField: first.streamField,
      published: true,
      compacted: true,
      createdAt: new Date().toISOString(),
      sources: [],
    };
    const bodies = [
      { key: keys.table, bytes: merged.table },
      { key: keys.agg, bytes: merged.agg },
    ];
    return { segment, bodies, bytesRead: merged.bytesRead };
  },
  afterSwap: (ctx, org, dateint, abort) => keepDayCounts(ctx, org, dateint, abort ? { signal: abort } : {}),
};
