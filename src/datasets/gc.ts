/**
 * Garbage collection of one dataset: expired reservations (abandoned uploads and aggregations) are
 * dropped from the manifest, their multipart uploads aborted and their objects deleted; datarange
 * objects that no manifest entry names (a crashed upload's, an aggregation's old sources) are
 * deleted once older than a grace period, which protects readers still holding an old manifest.
 */
import { BucketkitError } from '../errors.js';
import { requireConditionalWrites, updateManifest } from './catalog.js';
import { type Dataset, notFound } from './datasets.js';
import { indexKeyOf, type Reservation } from './manifest.js';
import { datarangeKeys, datarangePrefix, parseDatarangeKey } from './names.js';
import { withPending } from './reserve.js';

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
  /** Expired reservations dropped from the manifest. */
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
  const manifest = await dataset.manifest({ fresh: true, signal });
  const expired = (manifest.pending ?? []).filter((p) => p.expires <= now);
  const live = new Set((manifest.pending ?? []).filter((p) => p.expires > now).map((p) => p.counter));
  const dead = new Set(expired.map((p) => p.counter));
  const result: GcResult = { deleted: [], expired, aborted: 0 };

  if (!options.dryRun) {
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
    if (expired.length > 0) {
      const { state } = await updateManifest(
        port,
        name,
        (current) => {
          if (!current) throw notFound(name);
          const pending = (current.pending ?? []).filter((p) => !dead.has(p.counter));
          return { manifest: withPending(current, pending), result: undefined };
        },
        { ...cas, signal: signal ?? cas.signal },
      );
      dataset.remember(state);
    }
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
