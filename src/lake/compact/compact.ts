/**
 * `lake.compact(...)`: merges each day's small segments toward a target size, for logs and traces alike
 * (each signal's specifics are a `SegmentStore`, `store.ts`). Per day: read the index,
 * plan groups, write every merged segment, then publish them all in ONE compare-and-swap of the day's
 * index that also retires their inputs (kept, unpublished and marked with a time, until a sweep deletes
 * them after a grace period, so queries that read the index before the swap can still read them).
 * A crash or failed write before the swap publishes nothing (the objects written are garbage a sweep
 * removes); a group whose inputs another compaction took first is dropped and its objects deleted.
 */
import { bkError, throwIfAborted } from '../../errors.js';
import { requireSafeWrites } from '../catalog/cas.js';
import { indexedDays } from '../catalog/days.js';
import type { LakeContext } from '../context.js';
import { newSegmentId } from '../names.js';
import { type CompactionGroup, planCompaction } from './plan.js';
import type { SegmentStore, SweptSegment } from './store.js';
import { COMPACTED_SIGNALS, type CompactedSignal, compactedStore } from './stores.js';
import { type Replacement, type SwapOutcome, swapSegments } from './swap.js';

/**
 * Default table bytes a merged segment aims at: 2 MiB, LakeRunner's own target, chosen with
 * bench/lake-compact-target.ts (docs/benchmarks.md, lake): a needle query reads its matching segments'
 * message chunks whole, so its CPU and bytes roughly double with each doubling of the target above 1–2 MiB,
 * while its requests halve; 2 MiB halves 1 MiB's requests at about the same CPU, 4 MiB doubles the CPU again.
 */
export const DEFAULT_TARGET_BYTES = 2 * 1024 * 1024;
/** Default row cap of a merged segment: bounds the rows one merge holds in memory. */
export const DEFAULT_MAX_ROWS = 400_000;

export interface CompactOptions {
  org: string;
  /** One day (YYYYMMDD); default every day the org has an index for. */
  dateint?: number;
  /** Which signals' segments (default `['logs', 'traces']`: both). */
  signals?: readonly CompactedSignal[];
  /** Table bytes a merged segment aims at (default `DEFAULT_TARGET_BYTES`). */
  targetBytes?: number;
  /** Rows a merged segment holds at most (default `DEFAULT_MAX_ROWS`). */
  maxRows?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CompactProgress) => void;
}

export interface CompactProgress {
  /** (signal, day) pairs to look at, and done. */
  days: number;
  daysDone: number;
  /** Groups planned so far, and merged. */
  groups: number;
  groupsDone: number;
  bytesRead: number;
  bytesWritten: number;
}

export interface CompactResult {
  /** (signal, day) pairs looked at. */
  days: number;
  /** Segments replaced by merged ones. */
  segmentsReplaced: number;
  /** Merged segments published. */
  segmentsWritten: number;
  /** Merged segments dropped because a concurrent compaction took an input first. */
  groupsLost: number;
  bytesRead: number;
  bytesWritten: number;
}

/**
 * Compacts an org's days.
 *
 * @example
 * ```ts
 * const result = await compactLake(ctx, { org: 'acme', dateint: 20260102, signals: ['traces'] });
 * ```
 */
export async function compactLake(ctx: LakeContext, options: CompactOptions): Promise<CompactResult> {
  const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!(targetBytes >= 1024) || !Number.isInteger(maxRows) || maxRows < 2) {
    throw bkError('InvalidArgument', 'targetBytes must be ≥ 1024 and maxRows a whole number ≥ 2');
  }
  const stores = (options.signals ?? COMPACTED_SIGNALS).map(compactedStore);
  const { signal } = options;
  await requireSafeWrites(ctx.port, ctx.singleWriter);
  const work: { store: SegmentStore; dateint: number }[] = [];
  for (const store of stores) {
    const days =
      options.dateint === undefined
        ? await indexedDays(ctx.port, options.org, store.signal, signal)
        : [options.dateint];
    for (const dateint of days) work.push({ store, dateint });
  }
  const progress: CompactProgress = {
    days: work.length,
    daysDone: 0,
    groups: 0,
    groupsDone: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
  const result: CompactResult = {
    days: work.length,
    segmentsReplaced: 0,
    segmentsWritten: 0,
    groupsLost: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
  for (const { store, dateint } of work) {
    throwIfAborted(signal);
    const day = { ctx, store, org: options.org, dateint };
    const outcome = await compactDay(day, { bytes: targetBytes, maxRows }, progress, options);
    for (const { inputIds } of outcome.applied) result.segmentsReplaced += inputIds.length;
    result.segmentsWritten += outcome.applied.length;
    result.groupsLost += outcome.lost.length;
    progress.daysDone++;
    options.onProgress?.({ ...progress });
  }
  result.bytesRead = progress.bytesRead;
  result.bytesWritten = progress.bytesWritten;
  return result;
}

/** One signal's day of one org. */
interface Day<S extends SweptSegment> {
  ctx: LakeContext;
  store: SegmentStore<S>;
  org: string;
  dateint: number;
}

async function compactDay<S extends SweptSegment>(
  day: Day<S>,
  target: { bytes: number; maxRows: number },
  progress: CompactProgress,
  options: CompactOptions,
): Promise<Pick<SwapOutcome<S>, 'applied' | 'lost'>> {
  const { ctx, store, org, dateint } = day;
  const { signal } = options;
  const { index } = await store.read(ctx.port, org, dateint, signal);
  const groups = planCompaction(index, target, store);
  if (groups.length === 0) return { applied: [], lost: [] };
  progress.groups += groups.length;
  options.onProgress?.({ ...progress });
  const replacements: Replacement<S>[] = [];
  try {
    for (const group of groups) {
      throwIfAborted(signal);
      replacements.push(await writeMerged(day, group, progress, signal));
      progress.groupsDone++;
      options.onProgress?.({ ...progress });
    }
  } catch (err) {
    await discard(
      day,
      replacements.map((r) => r.output),
    );
    throw err;
  }
  let outcome: SwapOutcome<S> | undefined;
  try {
    await store.update(
      ctx.port,
      org,
      dateint,
      (current) => {
        outcome = swapSegments(current, replacements, new Date());
        return outcome.applied.length > 0 ? outcome.index : undefined;
      },
      { singleWriter: ctx.singleWriter, ...(signal ? { signal } : {}) },
    );
  } catch (err) {
    // whether the swap landed is unknown only if the write itself failed mid-way; a sweep settles it
    await discardIfUnpublished(day, replacements);
    throw err;
  }
  if (outcome && outcome.applied.length > 0) await store.afterSwap?.(ctx, org, dateint, signal);
  const lost = outcome?.lost ?? replacements;
  await discard(
    day,
    lost.map((r) => r.output),
  );
  return { applied: outcome?.applied ?? [], lost };
}

async function writeMerged<S extends SweptSegment>(
  day: Day<S>,
  group: CompactionGroup<S>,
  progress: CompactProgress,
  signal?: AbortSignal,
): Promise<Replacement<S>> {
  const { ctx, store, org, dateint } = day;
  const id = newSegmentId();
  const merged = await store.merge(ctx, group.inputs, { org, dateint, id }, signal);
  progress.bytesRead += merged.bytesRead;
  const output: S = {
    ...merged.segment,
    id,
    published: true,
    compacted: true,
    createdAt: new Date().toISOString(),
    sources: [...new Set(group.inputs.flatMap((s) => s.sources))],
    replaces: group.inputs.map((s) => s.id),
  };
  const type = 'application/vnd.apache.parquet';
  try {
    // an MD5 ETag (no `etag: 'any'`): ports that keep it check it on whole reads (DuckDB's in-place reads)
    for (const body of merged.bodies) await ctx.port.put(body.key, body.bytes, { contentType: type, signal });
  } catch (err) {
    await discard(day, [output]);
    throw err;
  }
  for (const body of merged.bodies) progress.bytesWritten += body.bytes.byteLength;
  return { output, inputIds: output.replaces ?? [] };
}

/** After a failed swap: delete the outputs unless the index shows them (the write may have landed). */
async function discardIfUnpublished<S extends SweptSegment>(
  day: Day<S>,
  replacements: readonly Replacement<S>[],
) {
  try {
    const { index } = await day.store.read(day.ctx.port, day.org, day.dateint);
    const listed = new Set(index.segments.map((s) => s.id));
    await discard(
      day,
      replacements.map((r) => r.output).filter((s) => !listed.has(s.id)),
    );
  } catch {
    // the port is failing: leave the objects to a sweep, which deletes only what no index lists
  }
}

/** Deletes segment objects that will never be published (best effort: a sweep finds the rest). */
async function discard<S extends SweptSegment>(day: Day<S>, segments: readonly S[]) {
  if (segments.length === 0) return;
  try {
    await day.ctx.port.deleteMany(segments.flatMap((s) => day.store.objects(s)));
  } catch {
    // best effort: unpublished objects are garbage a sweep removes; the caller's error is the one to report
  }
}
