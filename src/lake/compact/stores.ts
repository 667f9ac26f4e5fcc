/** The signals compaction and the sweep know, and the store of each. */
import { bkError } from '../../errors.js';
import {
  type MetricDayIndex,
  type MetricSegment,
  readMetricDayIndex,
  updateMetricDayIndex,
} from '../metrics/catalog.js';
import { TRACE_STORE } from '../traces/compact-store.js';
import { LOG_STORE } from './log-store.js';
import type { SegmentStore, SweptStore } from './store.js';

/** Signals whose small segments compaction merges. */
export type CompactedSignal = 'logs' | 'traces';
/** Signals the sweep cleans (metrics have rollups instead of compaction, but expire and leave orphans too). */
export type SweptSignal = CompactedSignal | 'metrics';

export const COMPACTED_SIGNALS: readonly CompactedSignal[] = ['logs', 'traces'];
export const SWEPT_SIGNALS: readonly SweptSignal[] = ['logs', 'traces', 'metrics'];

/** Metric segments: one table each; rollups leave their sources published, so none is ever replaced. */
const METRICS: SweptStore<MetricSegment> = {
  signal: 'metrics',
  read: readMetricDayIndex,
  update: (port, org, dateint, change, options) =>
    updateMetricDayIndex(port, org, dateint, (index) => change(index) as MetricDayIndex | undefined, options),
  objects: (segment) => [segment.table],
};

const COMPACTED: Record<CompactedSignal, SegmentStore> = {
  logs: LOG_STORE as unknown as SegmentStore,
  traces: TRACE_STORE as unknown as SegmentStore,
};

/** The store of a signal compaction merges; `InvalidArgument` for any other name. */
export function compactedStore(signal: CompactedSignal): SegmentStore {
  const store = COMPACTED[signal];
  if (!store) throw invalid(signal, COMPACTED_SIGNALS);
  return store;
}

/** The store of a signal the sweep cleans; `InvalidArgument` for any other name. */
export function sweptStore(signal: SweptSignal): SweptStore {
  const store = signal === 'metrics' ? (METRICS as unknown as SweptStore) : COMPACTED[signal];
  if (!store) throw invalid(signal, SWEPT_SIGNALS);
  return store;
}

function invalid(signal: string, known: readonly string[]) {
  return bkError('InvalidArgument', `"${signal}" is not a signal here; use one of ${known.join(', ')}`);
}
