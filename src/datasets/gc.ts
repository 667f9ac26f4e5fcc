/**
 * Garbage collection of one dataset: reservations that no longer hold (past their deadline, or
 * abandoned: their writer stopped renewing them) are dropped from the manifest, their multipart uploads aborted and their objects deleted; datarange
 * objects that no manifest entry names (a crashed upload's, an aggregation's old sources) are
 * deleted once older than a grace period, which protects readers still holding an old manifest.
 */
import { BucketkitError } from '../errors.js';
import { requireConditionalWrites, updateManifest } from './catalog.js';
import { type Dataset, notFound } from './datasets.js';
import { indexKeyOf, type Reservation } from './manifest.js';
import { datarangeKeys, datarangePrefix, parseDatarangeKey } from './names.js';
import { holds, liveReservations, withPending } from './reserve.js';

/** Options of `gc()`. */
export interface GcOptions {
  /** Unreferenced objects younger than this are kept (default one hour). */
  graceMs?: number;
  /** Report what would be done without doing it. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** What `gc()` removed (or, in a dry run, would remove). */
export interface GcResult {
  /** Object keys deleted. */
  deleted: string[];
  /** Reservations dropped from the manifest: past their deadline, or abandoned by their writer. */
  expired: Reservation[];
  /** Multipart uploads aborted. */
  aborted: number;
}

/**
 * Cleans a dataset's leftovers. Safe to run at any time, concurrently with uploads, reads and
 * aggregations: live reservations and objects newer than the manifest it read are never touched.
 *
 * @example
 * ```ts
 * const { deleted, expired } = await gc(datasets(port).open('frames'), { graceMs: 10 * 60_000 });
 * ```
 */
export async function gc(dataset: Dataset, options: GcOptions = {}): Promise<GcResult> {
  const { port, name, cas } = dataset;
  const { signal } = options;
  await requireConditionalWrites(port);
  const graceMs = options.graceMs ?? 60 * 60 * 1000;
  const now = Date.now();
  let manifest = await dataset.manifest({ fresh: true, signal });
  const expired = (manifest.pending ?? []).filter((p) => !holds(p, now));
  const live = new Set(liveReservations(manifest, now).map((p) => p.counter));
  // Only reservations this run drops from the manifest have their objects deleted: a writer can no
  // longer commit those (its commit needs its reservation), while one whose commit won the race did.
  let dead = new Set<number>();
  const result: GcResult = { deleted: [], expired, aborted: 0 };

  if (!options.dryRun && expired.length > 0) {
    for (const p of expired) {
      if (!p.uploadId || !port.multipart) continue;
      const key = datarangeKeys(name, p.first, p.last, p.counter).data;
      try {
        await port.multipart.abort(key, p.uploadId, { signal });
        result.aborted++;
      } catch (err) {
        if (!BucketkitError.is(err, 'NotFound')) throw err;
      }
    }
    const stale = new Set(expired.map((p) => p.counter));
    const { state, result: dropped } = await updateManifest(
      port,
      name,
      (current) => {
        if (!current) throw notFound(name);
        // re-judged on the manifest being replaced: a late heartbeat may have renewed one meanwhile
        const drop = (p: Reservation) => stale.has(p.counter) && !holds(p, now);
        const pending = current.pending ?? [];
        return {
          manifest: withPending(
            current,
            pending.filter((p) => !drop(p)),
          ),
          result: new Set(pending.filter(drop).map((p) => p.counter)),
        };
      },
      { ...cas, signal: signal ?? cas.signal },
    );
    dataset.remember(state);
    manifest = state.manifest;
    dead = dropped;
    // work that reserved since our read is live too (the counters it took are below `next` now)
    for (const p of liveReservations(manifest, now)) live.add(p.counter);
  } else if (options.dryRun) {
    dead = new Set(expired.map((p) => p.counter));
  }

  const referenced = new Set(manifest.dataranges.flatMap((r) => [r.key, indexKeyOf(r)]));
  const victims: string[] = [];
  for await (const entry of port.list({ prefix: datarangePrefix(name), signal })) {
    if (entry.type !== 'object' || referenced.has(entry.key)) continue;
    const info = parseDatarangeKey(entry.key);
    // Not ours to judge: foreign keys, live work, and counters handed out after our manifest read.
    if (!info || info.dataset !== name || live.has(info.counter) || info.counter >= manifest.next) continue;
    if (dead.has(info.counter) || now - entry.lastModified.getTime() >= graceMs) victims.push(entry.key);
  }
  if (!options.dryRun && victims.length > 0) await port.deleteMany(victims, { signal });
  result.deleted = victims;
  return result;
}
