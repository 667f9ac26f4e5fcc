/**
 * `lake.sweep(...)`: the lake's cleaner, for every signal (logs, traces, metrics; each signal's index and
 * objects through its store, `store.ts`). Per org, signal and day: drops days past the retention (index and
 * every segment object), removes segments a compaction replaced more than a grace period ago (index
 * entry by compare-and-swap, then the objects), and deletes segment objects no index lists that are
 * older than the grace period (left by crashes, failed writes or lost races). The grace period is what
 * keeps a query that read an index before a swap able to read what it listed, and an ingest or
 * compaction that has written segments but not yet swapped them in from losing them: make it longer
 * than your longest query, ingest and compaction.
 */
import { bkError, throwIfAborted } from '../../errors.js';
import type { ListedObject } from '../../storage/index.js';
import { requireSafeWrites } from '../catalog/cas.js';
import { indexedDays } from '../catalog/days.js';
import type { LakeContext } from '../context.js';
import { dayStartMs, indexKey } from '../names.js';
import type { SweptSegment, SweptStore } from './store.js';
import { SWEPT_SIGNALS, type SweptSignal, sweptStore } from './stores.js';

/** Default grace period: 6 hours. */
export const DEFAULT_GRACE_MS = 6 * 3_600_000;

export interface SweepOptions {
  /** One org (default: every org in the lake). */
  org?: string;
  /** Which signals (default `['logs', 'traces', 'metrics']`: all). */
  signals?: readonly SweptSignal[];
  /** Days whose UTC day ended more than this many days ago are dropped (default: none are). */
  retentionDays?: number;
  /** How old replaced and unreferenced objects must be before they are deleted (default 6 h). */
  graceMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
}

export interface SweepProgress {
  days: number;
  daysDone: number;
  objectsDeleted: number;
  bytesDeleted: number;
}

export interface SweepResult {
  /** (org, signal, day) triples looked at. */
  days: number;
  /** Days dropped by the retention. */
  daysDropped: number;
  /** Replaced segments removed from their index. */
  segmentsRetired: number;
  /** Objects no index listed, deleted. */
  orphansDeleted: number;
  /** Every object deleted (retention, retired and orphans), and their bytes. */
  objectsDeleted: number;
  bytesDeleted: number;
}

interface Day {
  org: string;
  store: SweptStore;
  dateint: number;
  objects: ListedObject[];
}

/** `db/{org}/{collector}/{dateint}/{signal}/{HH}/{tbl|agg}_{id}.parquet`. */
const SEGMENT_OBJECT = /^db\/[^/]+\/[^/]+\/(\d{8})\/([a-z]+)\/\d{2}\/(?:tbl|agg)_\d+\.parquet$/;

/**
 * Sweeps the lake.
 *
 * @example
 * ```ts
 * const result = await sweepLake(ctx, { retentionDays: 30, graceMs: 3_600_000 });
 * ```
 */
export async function sweepLake(ctx: LakeContext, options: SweepOptions = {}): Promise<SweepResult> {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const retention = options.retentionDays;
  if (!(graceMs >= 0) || (retention !== undefined && !(Number.isInteger(retention) && retention >= 0))) {
    throw bkError('InvalidArgument', 'graceMs must be ≥ 0 and retentionDays a whole number ≥ 0');
  }
  const stores = (options.signals ?? SWEPT_SIGNALS).map(sweptStore);
  const { signal } = options;
  await requireSafeWrites(ctx.port, ctx.singleWriter);
  const orgs = options.org === undefined ? await listOrgs(ctx, signal) : [options.org];
  const days: Day[] = [];
  for (const org of orgs) days.push(...(await listDays(ctx, org, stores, signal)));
  const now = Date.now();
  const result: SweepResult = {
    days: days.length,
    daysDropped: 0,
    segmentsRetired: 0,
    orphansDeleted: 0,
    objectsDeleted: 0,
    bytesDeleted: 0,
  };
  const progress: SweepProgress = { days: days.length, daysDone: 0, objectsDeleted: 0, bytesDeleted: 0 };
  const sizes = new Map<string, number>();
  const remove = async (keys: string[]) => {
    if (keys.length === 0) return;
    await ctx.port.deleteMany(keys, { signal });
    result.objectsDeleted += keys.length;
    for (const key of keys) result.bytesDeleted += sizes.get(key) ?? 0;
    progress.objectsDeleted = result.objectsDeleted;
    progress.bytesDeleted = result.bytesDeleted;
  };
  for (const day of days) {
    throwIfAborted(signal);
    for (const o of day.objects) sizes.set(o.key, o.size);
    const old = (o: ListedObject) => now - o.lastModified.getTime() >= graceMs;
    const expired =
      retention !== undefined && dayStartMs(day.dateint) + 86_400_000 <= now - retention * 86_400_000;
    if (expired) {
      const { index } = await day.store.read(ctx.port, day.org, day.dateint, signal);
      await ctx.port.delete(indexKey(day.org, day.dateint, day.store.signal), { signal });
      for (const key of day.store.dayObjects?.(day.org, day.dateint) ?? []) {
        await ctx.port.delete(key, { signal });
      }
      const listed = new Set(index.segments.flatMap((s) => day.store.objects(s)));
      await remove(day.objects.filter((o) => listed.has(o.key) || old(o)).map((o) => o.key));
      result.daysDropped++;
    } else {
      const retired: SweptSegment[] = [];
      const index = await day.store.update(
        ctx.port,
        day.org,
        day.dateint,
        (current) => {
          retired.length = 0;
          const keep = current.segments.filter((s) => {
            const due = s.replacedAt !== undefined && now - Date.parse(s.replacedAt) >= graceMs;
            if (due) retired.push(s);
            return !due;
          });
          return retired.length > 0 ? { ...current, segments: keep } : undefined;
        },
        { singleWriter: ctx.singleWriter, ...(signal ? { signal } : {}) },
      );
      const objectsOf = (segments: SweptSegment[]) => segments.flatMap((s) => day.store.objects(s));
      await remove(objectsOf(retired));
      result.segmentsRetired += retired.length;
      const listed = new Set(objectsOf([...index.segments, ...retired]));
      const orphans = day.objects.filter((o) => !listed.has(o.key) && old(o)).map((o) => o.key);
      await remove(orphans);
      result.orphansDeleted += orphans.length;
    }
    progress.daysDone++;
    options.onProgress?.({ ...progress });
  }
  return result;
}

/** Orgs with anything under `db/`. */
async function listOrgs(ctx: LakeContext, signal?: AbortSignal): Promise<string[]> {
  const orgs: string[] = [];
  for await (const entry of ctx.port.list({ prefix: 'db/', delimiter: '/', signal })) {
    if (entry.type !== 'prefix') continue;
    const org = entry.prefix.slice(3, -1);
    if (org !== '_ingested') orgs.push(org);
  }
  return orgs;
}

/**
 * Every (signal, day) of an org that has an index or segment objects, each with its segment objects.
 * Objects are listed before any index is read, so an object published meanwhile is seen as listed, not
 * orphaned.
 */
async function listDays(
  ctx: LakeContext,
  org: string,
  stores: readonly SweptStore[],
  signal?: AbortSignal,
): Promise<Day[]> {
  const byDay = new Map<string, Day>();
  const dayOf = (store: SweptStore, dateint: number) => {
    const id = `${store.signal}/${dateint}`;
    const known = byDay.get(id);
    if (known) return known;
    const day: Day = { org, store, dateint, objects: [] };
    byDay.set(id, day);
    return day;
  };
  const bySignal = new Map(stores.map((store) => [store.signal, store]));
  for await (const entry of ctx.port.list({ prefix: `db/${org}/`, signal })) {
    if (entry.type !== 'object') continue;
    const match = SEGMENT_OBJECT.exec(entry.key);
    const store = match && bySignal.get(match[2]!);
    if (store) dayOf(store, Number(match[1])).objects.push(entry);
  }
  for (const store of stores) {
    for (const dateint of await indexedDays(ctx.port, org, store.signal, signal)) dayOf(store, dateint);
  }
  return [...byDay.values()].sort(
    (a, b) => a.dateint - b.dateint || (a.store.signal < b.store.signal ? -1 : 1),
  );
}
