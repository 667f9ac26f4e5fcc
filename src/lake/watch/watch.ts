/**
 * `lake.watch(prefix)`: polls the port's listing under a prefix and ingests raw objects that are new or
 * changed (a new ETag). Progress is kept in a checkpoint object in the bucket (`checkpoint.ts`), so a
 * restarted watcher resumes where it stopped, and several watchers share the work: each claims a few
 * objects at a time by compare-and-swap and only the claimant ingests them. A claim left by a watcher
 * that died expires after `leaseMs`. Correctness never rests on the checkpoint alone: ingest itself is
 * once-only per `key@etag`, so a lost checkpoint or an expired claim costs work, never duplicate rows.
 */
import { BucketkitError } from '../../errors.js';
import type { LakeContext } from '../context.js';
import { matchFormat } from '../ingest/formats.js';
import type { IngestResult } from '../ingest/ingest.js';
import { routeRawKey } from '../ingest/route.js';
import { type Checkpoint, readCheckpoint, updateCheckpoint } from './checkpoint.js';

export interface WatchOptions {
  /** Pause between passes over the listing (default 10,000 ms). */
  intervalMs?: number;
  /** Stops the watch; `watch` then resolves with its summary. */
  signal?: AbortSignal;
  /** One pass over the listing, then resolve (default false: until the signal aborts). */
  once?: boolean;
  /** Called after each object this watcher ingested (or found already ingested). */
  onIngest?: (event: { key: string; etag: string; result: IngestResult }) => void;
  /** Called when listing, the checkpoint or an ingest fails; the watch goes on (default: ignore). */
  onError?: (event: { key?: string; error: unknown; permanent: boolean }) => void;
  /** How long a claim holds before another watcher may take the object (default 600,000 ms). */
  leaseMs?: number;
  /** Objects claimed at once (default 4): smaller shares work better between watchers. */
  batch?: number;
  /** This watcher's name in claims (default random); a restarted watcher with the same name takes its claims back. */
  owner?: string;
}

/** What a watch did. */
export interface WatchSummary {
  passes: number;
  ingested: number;
  alreadyIngested: number;
  rows: number;
  failed: number;
}

const PERMANENT = new Set(['Corrupt', 'Unsupported', 'InvalidArgument', 'InvalidKey']);

interface Listed {
  key: string;
  etag: string;
}

/**
 * Watches a prefix of the lake's port and ingests what appears there.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const summary = await watchPrefix(ctx, lake.ingest, 'logs-raw/', { intervalMs: 5000, signal: stop.signal });
 * ```
 */
export async function watchPrefix(
  ctx: LakeContext,
  ingest: (key: string, options: { signal?: AbortSignal }) => Promise<IngestResult>,
  prefix: string,
  options: WatchOptions = {},
): Promise<WatchSummary> {
  const { port } = ctx;
  const signal = options.signal;
  const intervalMs = options.intervalMs ?? 10_000;
  const leaseMs = options.leaseMs ?? 600_000;
  const batch = Math.max(1, options.batch ?? 4);
  const owner = options.owner ?? `watch-${randomHex(12)}`;
  const cas = { singleWriter: ctx.singleWriter, ...(signal ? { signal } : {}) };
  const summary: WatchSummary = { passes: 0, ingested: 0, alreadyIngested: 0, rows: 0, failed: 0 };
  const report = (error: unknown, key?: string, permanent = false) => {
    if (!signal?.aborted) options.onError?.({ ...(key === undefined ? {} : { key }), error, permanent });
  };

  const ingestable = (key: string) => {
    if (key.startsWith('db/') || key.endsWith('/') || key.startsWith('.bucketkit-gateway/')) return false;
    try {
      routeRawKey(key, ctx.orgs);
      matchFormat(key, ctx.formats);
      return true;
    } catch {
      return false;
    }
  };

  const pending = (c: Checkpoint, { key, etag }: Listed, now: number) => {
    if (c.done[key] === etag || c.failed[key]?.etag === etag) return false;
    const claim = c.claims[key];
    return !claim || claim.owner === owner || claim.until < now || claim.etag !== etag;
  };

  async function list(): Promise<Listed[]> {
    const found: Listed[] = [];
    for await (const entry of port.list({ prefix, ...(signal ? { signal } : {}) })) {
      if (entry.type === 'object' && ingestable(entry.key)) found.push({ key: entry.key, etag: entry.etag });
    }
    return found;
  }

  /** Claims up to `batch` of `todo`; returns the claimed ones. Also drops entries of vanished keys. */
  async function claim(todo: Listed[], present: Set<string> | undefined): Promise<Listed[]> {
    let mine: Listed[] = [];
    await updateCheckpoint(
      port,
      prefix,
      (c) => {
        const now = Date.now();
        let changed = false;
        if (present) {
          for (const table of [c.done, c.failed, c.claims]) {
            for (const key of Object.keys(table)) {
              if (!present.has(key)) {
                delete table[key];
                changed = true;
              }
            }
          }
        }
        mine = todo.filter((item) => pending(c, item, now)).slice(0, batch);
        for (const { key, etag } of mine) c.claims[key] = { etag, owner, until: now + leaseMs };
        return changed || mine.length > 0;
      },
      cas,
    );
    return mine;
  }

  async function settle(
    item: Listed,
    outcome: { done: true } | { failed: { code: string; message: string } } | 'release',
  ) {
    await updateCheckpoint(
      port,
      prefix,
      (c) => {
        if (c.claims[item.key]?.owner === owner) delete c.claims[item.key];
        if (outcome === 'release') return true;
        if ('done' in outcome) {
          c.done[item.key] = item.etag;
          delete c.failed[item.key];
        } else {
          c.failed[item.key] = { etag: item.etag, ...outcome.failed };
        }
        return true;
      },
      cas,
    );
  }

  async function ingestOne(item: Listed): Promise<void> {
    try {
      const result = await ingest(item.key, signal ? { signal } : {});
      summary.rows += result.rows;
      if (result.alreadyIngested) summary.alreadyIngested++;
      else summary.ingested++;
      await settle(item, { done: true });
      options.onIngest?.({ key: item.key, etag: item.etag, result });
    } catch (error) {
      if (signal?.aborted) throw error;
      const code = BucketkitError.is(error) ? error.code : undefined;
      if (code === 'NotFound') return settle(item, 'release'); // deleted since listed
      const permanent = code !== undefined && PERMANENT.has(code);
      if (permanent) summary.failed++;
      report(error, item.key, permanent);
      const message = error instanceof Error ? error.message : String(error);
      await settle(item, permanent ? { failed: { code: code!, message: message.slice(0, 500) } } : 'release');
    }
  }

  async function pass(): Promise<void> {
    const listed = await list();
    const present = new Set(listed.map((item) => item.key));
    const { checkpoint } = await readCheckpoint(port, prefix, signal);
    const now = Date.now();
    let todo = listed.filter((item) => pending(checkpoint, item, now));
    const vanished = [checkpoint.done, checkpoint.failed, checkpoint.claims].some((table) =>
      Object.keys(table).some((key) => !present.has(key)),
    );
    let prune = vanished ? present : undefined;
    while (todo.length > 0 || prune) {
      const mine = await claim(todo, prune);
      prune = undefined;
      if (mine.length === 0) break;
      const claimed = new Set(mine.map((m) => m.key));
      todo = todo.filter((t) => !claimed.has(t.key));
      for (const item of mine) await ingestOne(item);
    }
  }

  while (!signal?.aborted) {
    try {
      await pass();
    } catch (error) {
      if (signal?.aborted) break;
      report(error);
    }
    summary.passes++;
    if (options.once) break;
    await sleep(intervalMs, signal);
  }
  if (signal?.aborted) await releaseAll().catch(() => {});
  return summary;

  /** A stopped watcher hands back its claims, so others need not wait for the lease. */
  async function releaseAll() {
    await updateCheckpoint(
      port,
      prefix,
      (c) => {
        const held = Object.keys(c.claims).filter((k) => c.claims[k]!.owner === owner);
        for (const key of held) delete c.claims[key];
        return held.length > 0;
      },
      { singleWriter: ctx.singleWriter },
    );
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Random hex digits (Web Crypto: the lake also runs in browsers). */
function randomHex(digits: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(digits / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, digits);
}
