/**
 * What compaction and the sweep need to know about one signal's segments: how its day index is read and
 * changed, which objects a segment owns, and (for compaction) which segments may be merged and how. The
 * planning, the swap, the crash handling and the sweep are written once over these hooks; logs and traces
 * each give one `SegmentStore` (`log-store.ts`, `../traces/compact-store.ts`), metrics a sweep-only one.
 */
import type { StoragePort } from '../../storage/index.js';
import type { UpdateOptions } from '../catalog/cas.js';
import type { LakeContext } from '../context.js';

/** The index fields every signal's segments share, and the ones compaction adds. */
export interface SweptSegment {
  id: string;
  collector: string;
  startMs: number;
  endMs: number;
  rows: number;
  /** Queries read only published segments. */
  published: boolean;
  createdAt: string;
  /** The raw objects the rows came from (`key@etag`). */
  sources: string[];
  /** True for compaction outputs and the inputs they replaced. */
  compacted?: boolean;
  /** When a compaction replaced this segment (then `published` is false); swept after a grace period. */
  replacedAt?: string;
  /** The id of the segment holding this one's rows now. */
  replacedBy?: string;
  /** For a compaction output: the ids of the segments it merged. */
  replaces?: string[];
}

/** A day index of any signal. */
export interface SegmentIndex<S> {
  segments: S[];
}

/** How the sweep reads and changes one signal's day indexes. */
export interface SweptStore<S extends SweptSegment = SweptSegment> {
  /** The signal, as in the keys: `db/{org}/{collector}/{dateint}/{signal}/…`, `db/{org}/_index/{signal}/`. */
  readonly signal: string;
  read(
    port: StoragePort,
    org: string,
    dateint: number,
    abort?: AbortSignal,
  ): Promise<{ index: SegmentIndex<S> }>;
  /** Compare-and-swap of a day's index; `change` may run once per lost race. */
  update(
    port: StoragePort,
    org: string,
    dateint: number,
    change: (index: SegmentIndex<S>) => SegmentIndex<S> | undefined,
    options: UpdateOptions,
  ): Promise<SegmentIndex<S>>;
  /** The objects a segment owns (its table, and agg file for logs). */
  objects(segment: S): string[];
  /** Other objects of a day deleted with it by the retention (the logs' day counts). */
  dayObjects?(org: string, dateint: number): string[];
}

/** A merged segment: its index entry (id and keys set) and the objects to store before the swap. */
export interface MergedOutput<S> {
  segment: S;
  bodies: { key: string; bytes: Uint8Array }[];
  /** Bytes read from the inputs. */
  bytesRead: number;
}

/** The hooks compaction adds to a sweepable signal. */
export interface SegmentStore<S extends SweptSegment = SweptSegment> extends SweptStore<S> {
  /** Segments may be merged only with segments of the same kind (collector, and the logs' stream field). */
  kind(segment: S): string;
  /** Table bytes: what the target size is measured in. */
  tableBytes(segment: S): number;
  /** Reads `inputs` and writes their rows as one segment (in memory; the caller stores `bodies`). */
  merge(
    ctx: LakeContext,
    inputs: readonly S[],
    at: { org: string; dateint: number; id: string },
    abort?: AbortSignal,
  ): Promise<MergedOutput<S>>;
  /** Runs after a swap published merged segments (the logs refresh their day counts). */
  afterSwap?(ctx: LakeContext, org: string, dateint: number, abort?: AbortSignal): Promise<void>;
}
