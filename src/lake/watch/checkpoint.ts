/**
 * A watcher's checkpoint: one JSON object in the bucket per watched prefix, holding which raw objects
 * (at which ETag) are ingested, which failed for good, and which are claimed by a running watcher until
 * when. It changes only by compare-and-swap, so any number of watchers on any number of machines share
 * it: a claim is won by one of them, and a restarted watcher starts from what is recorded.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { requireSafeWrites } from '../catalog/cas.js';

/** A watcher's hold on an object while it ingests it. */
export interface Claim {
  etag: string;
  owner: string;
  /** Epoch ms after which another watcher may take the object. */
  until: number;
}

export interface Checkpoint {
  version: 1;
  prefix: string;
  /** Ingested objects: key → ETag. */
  done: Record<string, string>;
  /** Objects that cannot be ingested at this ETag (corrupt, unsupported): tried again only when changed. */
  failed: Record<string, { etag: string; code: string; message: string }>;
  claims: Record<string, Claim>;
}

/**
 * Where the checkpoint of a watched prefix lives.
 *
 * @example
 * ```ts
 * checkpointKey('logs-raw/'); // 'db/_watch/logs-raw%2F.json'
 * ```
 */
export function checkpointKey(prefix: string): string {
  return `db/_watch/${encodeURIComponent(prefix) || '_all'}.json`;
}

const empty = (prefix: string): Checkpoint => ({ version: 1, prefix, done: {}, failed: {}, claims: {} });

function decode(text: string, prefix: string): Checkpoint {
  try {
    const value = JSON.parse(text) as Partial<Checkpoint>;
    if (value.version === 1 && typeof value.done === 'object' && typeof value.claims === 'object') {
      return { ...empty(prefix), ...value } as Checkpoint;
    }
  } catch {
    // unreadable: start over; ingest is idempotent, so this costs work, never rows
  }
  return empty(prefix);
}

/** Reads the checkpoint and its ETag (undefined when none exists yet). */
export async function readCheckpoint(
  port: StoragePort,
  prefix: string,
  signal?: AbortSignal,
): Promise<{ checkpoint: Checkpoint; etag: string | undefined }> {
  try {
    const got = await port.get(checkpointKey(prefix), { signal });
    return { checkpoint: decode(await got.text(), prefix), etag: got.etag };
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return { checkpoint: empty(prefix), etag: undefined };
    throw err;
  }
}

/**
 * Changes the checkpoint by compare-and-swap, re-reading and re-applying `change` after a lost race.
 * `change` returns false to leave it as it is. Returns the checkpoint as committed (or as read).
 *
 * @example
 * ```ts
 * await updateCheckpoint(port, 'logs-raw/', (c) => { c.done['logs-raw/a.json'] = etag; return true; });
 * ```
 */
export async function updateCheckpoint(
  port: StoragePort,
  prefix: string,
  change: (checkpoint: Checkpoint) => boolean,
  options: { singleWriter: boolean; signal?: AbortSignal },
): Promise<Checkpoint> {
  await requireSafeWrites(port, options.singleWriter);
  for (let attempt = 1; ; attempt++) {
    const { checkpoint, etag } = await readCheckpoint(port, prefix, options.signal);
    if (!change(checkpoint)) return checkpoint;
    const conditions = options.singleWriter
      ? {}
      : etag === undefined
        ? { ifNoneMatch: '*' as const }
        : { ifMatch: etag };
    try {
      await port.put(checkpointKey(prefix), JSON.stringify(checkpoint), {
        ...conditions,
        contentType: 'application/json',
        signal: options.signal,
      });
      return checkpoint;
    } catch (err) {
      if (!BucketkitError.is(err, 'PreconditionFailed') || attempt >= 100) throw err;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** Math.min(attempt, 6))),
      );
    }
  }
}
