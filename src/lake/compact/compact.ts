/**
 * `lake.compact(...)`: merges each day's small segments toward a target size. Per day: read the index,
 * plan groups, write every merged segment, then publish them all in ONE compare-and-swap of the day's
 * index that also retires their inputs (kept, unpublished and marked with a time, until a sweep deletes
 * them after a grace period, so queries that read the index before the swap can still read them).
 * A crash or failed write before the swap publishes nothing (the objects written are garbage a sweep
 * removes); a group whose inputs another compaction took first is dropped and its objects deleted.
 */
import { bkError, throwIfAborted } from '../../errors.js';
import { readDayIndex, requireSafeWrites, updateDayIndex } from '../catalog/cas.js';
import { keepDayCounts } from '../catalog/day-counts-store.js';
import type { IndexedSegment } from '../catalog/day-index.js';
import type { LakeContext } from '../context.js';
import { indexKey, newSegmentId, segmentKeys } from '../names.js';
import { mergeGroup } from './merge.js';
import { type CompactionGroup, planCompaction } from './plan.js';
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
  /** Table bytes a merged segment aims at (default `DEFAULT_TARGET_BYTES`). */
  targetBytes?: number;
  /** Rows a merged segment holds at most (default `DEFAULT_MAX_ROWS`). */
  maxRows?: number;
  signal?: AbortSignal;
  onProgress?: (progress: CompactProgress) => void;
}

export interface CompactProgress {
  days: number;
  daysDone: number;
  /** Groups planned so far, and merged. */
  groups: number;
  groupsDone: number;
  bytesRead: number;
  bytesWritten: number;
}

export interface CompactResult {
  /** Days looked at. */
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
 * const result = await compactLake(ctx, { org: 'acme', dateint: 20260102 });
 * ```
 */
export async function compactLake(ctx: LakeContext, options: CompactOptions): Promise<CompactResult> {
  const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!(targetBytes >= 1024) || !Number.isInteger(maxRows) || maxRows < 2) {
    throw bkError('InvalidArgument', 'targetBytes must be ≥ 1024 and maxRows a whole number ≥ 2');
  }
  const { signal } = options;
  await requireSafeWrites(ctx.port, ctx.singleWriter);
  const days =
    options.dateint === undefined ? await indexedDays(ctx, options.org, signal) : [options.dateint];
  const progress: CompactProgress = {
    days: days.length,
    daysDone: 0,
    groups: 0,
    groupsDone: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
  const result: CompactResult = {
    days: days.length,
    segmentsReplaced: 0,
    segmentsWritten: 0,
    groupsLost: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };
  for (const dateint of days) {
    throwIfAborted(signal);
    const outcome = await compactDay(
      ctx,
      options.org,
      dateint,
      { bytes: targetBytes, maxRows },
      progress,
      options,
    );
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

/** Every day an org has an index for, oldest first. */
export async function indexedDays(ctx: LakeContext, org: string, signal?: AbortSignal): Promise<number[]> {
  const prefix = indexKey(org, 0).replace(/0\.json$/, '');
  const days: number[] = [];
  for await (const entry of ctx.port.list({ prefix, signal })) {
    if (entry.type !== 'object') continue;
    const match = /^(\d{8})\.json$/.exec(entry.key.slice(prefix.length));
    if (match) days.push(Number(match[1]));
  }
  return days.sort((a, b) => a - b);
}

async function compactDay(
  ctx: LakeContext,
  org: string,
  dateint: number,
  target: { bytes: number; maxRows: number },
  progress: CompactProgress,
  options: CompactOptions,
): Promise<Pick<SwapOutcome, 'applied' | 'lost'>> {
  const { signal } = options;
  const { index } = await readDayIndex(ctx.port, org, dateint, signal);
  const groups = planCompaction(index, target);
  if (groups.length === 0) return { applied: [], lost: [] };
  progress.groups += groups.length;
  options.onProgress?.({ ...progress });
  const zstd = await ctx.zstd();
  const replacements: Replacement[] = [];
  try {
    for (const group of groups) {
      throwIfAborted(signal);
      replacements.push(await writeMerged(ctx, org, dateint, group, zstd, progress, signal));
      progress.groupsDone++;
      options.onProgress?.({ ...progress });
    }
  } catch (err) {
    await discard(
      ctx,
      replacements.map((r) => r.output),
    );
    throw err;
  }
  let outcome: SwapOutcome | undefined;
  try {
    await updateDayIndex(
      ctx.port,
      org,
      dateint,
      (current) => {
        outcome = swapSegments(current, replacements, new Date());
        return outcome.applied.length > 0 ? outcome.index : undefined;
      },
      { singleWriter: ctx.singleWriter, signal },
    );
  } catch (err) {
    // whether the swap landed is unknown only if the write itself failed mid-way; a sweep settles it
    await discardIfUnpublished(ctx, org, dateint, replacements);
    throw err;
  }
  if (outcome && outcome.applied.length > 0) await keepDayCounts(ctx, org, dateint, { signal });
  const lost = outcome?.lost ?? replacements;
  await discard(
    ctx,
    lost.map((r) => r.output),
  );
  return { applied: outcome?.applied ?? [], lost };
}

async function writeMerged(
  ctx: LakeContext,
  org: string,
  dateint: number,
  group: CompactionGroup,
  zstd: Awaited<ReturnType<LakeContext['zstd']>>,
  progress: CompactProgress,
  signal?: AbortSignal,
): Promise<Replacement> {
  const merged = await mergeGroup(ctx.port, group, zstd, signal);
  progress.bytesRead += merged.bytesRead;
  const id = newSegmentId();
  const keys = segmentKeys({ org, collector: group.collector, dateint, firstMs: merged.summary.startMs, id });
  const output: IndexedSegment = {
    ...merged.summary,
    id,
    collector: group.collector,
    table: keys.table,
    tableBytes: merged.table.byteLength,
    agg: keys.agg,
    aggBytes: merged.agg.byteLength,
    messageIndex: merged.messageIndex,
    streamField: group.streamField,
    published: true,
    compacted: true,
    createdAt: new Date().toISOString(),
    sources: [...new Set(group.inputs.flatMap((s) => s.sources))],
    replaces: group.inputs.map((s) => s.id),
  };
  const type = 'application/vnd.apache.parquet';
  try {
    // an MD5 ETag (no `etag: 'any'`): ports that keep it check it on whole reads (DuckDB's in-place reads)
    await ctx.port.put(keys.table, merged.table, { contentType: type, signal });
    await ctx.port.put(keys.agg, merged.agg, { contentType: type, signal });
  } catch (err) {
    await discard(ctx, [output]);
    throw err;
  }
  progress.bytesWritten += merged.table.byteLength + merged.agg.byteLength;
  return { output, inputIds: output.replaces ?? [] };
}

/** After a failed swap: delete the outputs unless the index shows them (the write may have landed). */
async function discardIfUnpublished(
  ctx: LakeContext,
  org: string,
  dateint: number,
  replacements: readonly Replacement[],
) {
  try {
    const { index } = await readDayIndex(ctx.port, org, dateint);
    const listed = new Set(index.segments.map((s) => s.id));
    await discard(
      ctx,
      replacements.map((r) => r.output).filter((s) => !listed.has(s.id)),
    );
  } catch {
    // the port is failing: leave the objects to a sweep, which deletes only what no index lists
  }
}

/** Deletes segment objects that will never be published (best effort: a sweep finds the rest). */
async function discard(ctx: LakeContext, segments: readonly IndexedSegment[]) {
  if (segments.length === 0) return;
  try {
    await ctx.port.deleteMany(segments.flatMap((s) => [s.table, s.agg]));
  } catch {
    // best effort: unpublished objects are garbage a sweep removes; the caller's error is the one to report
  }
}
