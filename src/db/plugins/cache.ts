/**
 * The cache plugin: results of `get`, `exists`, `query` and `count` kept in memory (LRU by bytes) or on a
 * storage port, each for `ttl` ms. Writes of this process (insert, update, replace, upsert, delete,
 * content) invalidate the resource's entries at once; writes of other processes show within `ttl`.
 * Resources created by plugins (the audit log) are not cached unless named in `include`.
 */
import type { StoragePort } from '../../storage/browser.js';
import type { Database } from '../database.js';
import type { MiddlewareContext, MiddlewareMethod } from '../hooks.js';
import type { Plugin } from '../plugin.js';
import { type CacheStore, memoryCacheStore, portCacheStore } from './cache-store.js';

export interface CacheOptions {
  /** How long an entry is served, in ms (default 60 000): the staleness other writers may see. */
  ttl?: number;
  /** Memory budget of the in-memory store, in bytes (default 64 MiB). */
  maxBytes?: number;
  /** Keep entries gzipped in memory too (smaller, slower hits; entries on a port always are). */
  compress?: boolean;
  /** Keep entries on this port (a folder: `fileStorage(dir)`) instead of in memory; processes may share it. */
  store?: StoragePort;
  /** Only these resources (default: all but those created by plugins). */
  resources?: readonly string[];
  /** Resources created by plugins to cache too. */
  include?: readonly string[];
  /** Resources never to cache. */
  exclude?: readonly string[];
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Writes of this process that cleared a resource's entries. */
  invalidations: number;
  entries: number;
  bytes: number;
}

export interface CachePlugin extends Plugin {
  stats(): CacheStats;
}

const MAX_FRESH_KEYS = 100_000;
const READS: readonly MiddlewareMethod[] = ['get', 'exists', 'query', 'count'];
const WRITES: readonly MiddlewareMethod[] = ['insert', 'update', 'replace', 'upsert', 'delete', 'setContent'];

/**
 * Creates the cache plugin.
 *
 * @example
 * ```ts
 * const db = await new Database({ connectionString: 's3://bucket/app', plugins: [cache({ ttl: 30_000 })] }).connect();
 * await users.get(id); // storage
 * await users.get(id); // memory, until a write of users or 30 s
 * ```
 */
export function cache(options: CacheOptions = {}): CachePlugin {
  const ttl = options.ttl ?? 60_000;
  const now = options.now ?? Date.now;
  const store: CacheStore = options.store
    ? portCacheStore(options.store)
    : memoryCacheStore({ maxBytes: options.maxBytes ?? 64 * 2 ** 20, compress: options.compress ?? false });
  /** Bumped by each write of a resource, so a read overtaken by a write does not cache what it read. */
  const generations = new Map<string, number>();
  /** When this process last wrote each resource: entries made by reads that began earlier are stale. */
  const writtenAt = new Map<string, number>();
  /** Keys this process cached since it last wrote the resource: fresh whatever the clock says. */
  const fresh = new Map<string, Set<string>>();
  const counts = { hits: 0, misses: 0, invalidations: 0 };
  const removers: (() => void)[] = [];
  let cached: (resource: string) => boolean = () => false;

  const invalidate = (resource: string) => {
    generations.set(resource, (generations.get(resource) ?? 0) + 1);
    writtenAt.set(resource, now());
    fresh.delete(resource);
  };

  const read = async (ctx: MiddlewareContext, next: () => Promise<unknown>) => {
    if (!cached(ctx.resource)) return next();
    const generation = generations.get(ctx.resource) ?? 0;
    const started = now();
    const key = `${ctx.resource}/${ctx.method}/${argumentsKey(ctx.args)}`;
    const hit = await store.get(key, started);
    const mine = fresh.get(ctx.resource);
    if (
      hit !== undefined &&
      (mine?.has(key) || hit.written > (writtenAt.get(ctx.resource) ?? Number.NEGATIVE_INFINITY))
    ) {
      counts.hits++;
      return JSON.parse(hit.text);
    }
    counts.misses++;
    const result = await next();
    // a write that ran meanwhile may have changed what was read: keep only what no write overtook
    if ((generations.get(ctx.resource) ?? 0) === generation) {
      await store.set(key, { text: JSON.stringify(result ?? null), written: started }, started + ttl);
      if ((generations.get(ctx.resource) ?? 0) === generation) {
        const keys = mine ?? new Set<string>();
        if (keys.size >= MAX_FRESH_KEYS) keys.clear(); // bounded: forgetting costs a miss, never a stale hit
        keys.add(key);
        fresh.set(ctx.resource, keys);
      }
    }
    return result;
  };

  return {
    name: 'cache',
    setup(db: Database) {
      const only = options.resources ? new Set(options.resources) : undefined;
      const include = new Set(options.include ?? []);
      const exclude = new Set(options.exclude ?? []);
      cached = (resource) =>
        !exclude.has(resource) &&
        (only ? only.has(resource) : db.createdBy(resource) === undefined || include.has(resource));
      for (const method of READS) removers.push(db.useMiddleware(method, read));
      for (const method of WRITES) {
        removers.push(
          db.useMiddleware(method, async (ctx, next) => {
            invalidate(ctx.resource);
            counts.invalidations++;
            try {
              return await next();
            } finally {
              invalidate(ctx.resource); // and after: a read that started during the write keeps nothing
            }
          }),
        );
      }
      // writes that reach storage without a wrapped method (insertMany, deleteMany, restore)
      for (const event of ['afterInsert', 'afterUpdate', 'afterDelete'] as const) {
        removers.push(
          db.addHook(event, (_doc, ctx) => {
            invalidate(ctx.resource);
            return undefined;
          }),
        );
      }
    },
    teardown() {
      for (const remove of removers.splice(0)) remove();
    },
    stats: () => ({ ...counts, ...store.size() }),
  };
}

/**
 * The arguments as a key: JSON, without the AbortSignal an options argument may carry. Only a signal
 * option is left out: a filter's field named `signal` is part of the key.
 */
function argumentsKey(args: readonly unknown[]): string {
  return JSON.stringify(args.map(withoutAbortSignal));
}

function withoutAbortSignal(arg: unknown): unknown {
  if (
    typeof arg !== 'object' ||
    arg === null ||
    !((arg as { signal?: unknown }).signal instanceof AbortSignal)
  )
    return arg;
  const { signal: _signal, ...rest } = arg as Record<string, unknown>;
  return rest;
}
