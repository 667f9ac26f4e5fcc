/**
 * The traces' segment store for compaction and the sweep: the trace day index, one table per segment,
 * groups by collector. A merge reads its inputs' spans back and writes them as one table whose index
 * entry (trace-id filter, services, span names, durations) is rebuilt from those spans, so `trace(id)`
 * still reads one index per day and only the segments whose filter may hold the trace.
 */

import { rowCountMismatch } from '../compact/merge.js';
import type { SegmentStore } from '../compact/store.js';
import { newStats } from '../query/stats.js';
import { readTraceDayIndex, type TraceDayIndex, type TraceSegment, updateTraceDayIndex } from './catalog.js';
import type { SpanRow } from './row.js';
import { buildTraceSegment } from './segment.js';
import { readSpanTable } from './table.js';

/** Trace segments: `db/{org}/_index/traces/{dateint}.json`, `tbl_` objects under `traces/`. */
export const TRACE_STORE: SegmentStore<TraceSegment> = {
  signal: 'traces',
  read: readTraceDayIndex,
  update: (port, org, dateint, change, options) =>
    updateTraceDayIndex(port, org, dateint, (index) => change(index) as TraceDayIndex | undefined, options),
  objects: (segment) => [segment.table],
  kind: (segment) => segment.collector,
  tableBytes: (segment) => segment.bytes,
  async merge(ctx, inputs, at, abort) {
    const zstd = await ctx.zstd();
    const stats = newStats();
    const rows: SpanRow[] = [];
    for (const input of inputs) {
      const options = { zstd, stats, ...(abort ? { signal: abort } : {}) };
      const read = await readSpanTable(ctx.port, input.table, input.bytes, options);
      if (read.length !== input.rows) throw rowCountMismatch(input, read.length);
      for (const row of read) rows.push(row);
    }
    const { segment, table } = buildTraceSegment(rows, { ...at, collector: inputs[0]!.collector }, zstd);
    return { segment, bodies: [{ key: segment.table, bytes: table }], bytesRead: stats.bytesRead };
  },
};
