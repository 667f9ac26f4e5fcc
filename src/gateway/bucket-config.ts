/**
 * Bucket configuration clients set (CORS, tagging, default encryption), kept as JSON under the
 * gateway's reserved prefix in the bucket's own port, so it survives restarts and every gateway over
 * the same storage sees it. Reads are cached for a few seconds per gateway; this gateway's own writes
 * show at once.
 */
import { BucketkitError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { RESERVED_PREFIX, type ServedBucket } from './context.js';

const CONFIG_PREFIX = `${RESERVED_PREFIX}config/`;
const TTL_MS = 5_000;

// by the bucket's own port: the same however a request's view of the bucket is wrapped
const cache = new WeakMap<StoragePort, Map<string, { value: unknown; at: number }>>();

function cached(bucket: ServedBucket): Map<string, { value: unknown; at: number }> {
  const map = cache.get(bucket.base) ?? new Map<string, { value: unknown; at: number }>();
  cache.set(bucket.base, map);
  return map;
}

/**
 * A bucket's configuration document `name` (e.g. `cors`), or undefined when none is set.
 *
 * @example
 * ```ts
 * const rules = await readBucketConfig<CorsRule[]>(bucket, 'cors');
 * ```
 */
export async function readBucketConfig<T>(
  bucket: ServedBucket,
  name: string,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const hit = cached(bucket).get(name);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as T | undefined;
  let value: T | undefined;
  try {
    const text = await (
      await bucket.base.get(`${CONFIG_PREFIX}${name}.json`, { ...(signal ? { signal } : {}) })
    ).text();
    value = JSON.parse(text) as T;
  } catch (err) {
    if (!BucketkitError.is(err, 'NotFound')) throw err;
  }
  cached(bucket).set(name, { value, at: Date.now() });
  return value;
}

/**
 * Sets (or with undefined removes) a bucket's configuration document `name`.
 *
 * @example
 * ```ts
 * await writeBucketConfig(bucket, 'tagging', [{ key: 'team', value: 'ml' }]);
 * ```
 */
export async function writeBucketConfig(
  bucket: ServedBucket,
  name: string,
  value: unknown,
  signal?: AbortSignal,
): Promise<void> {
  const key = `${CONFIG_PREFIX}${name}.json`;
  const abortable = signal ? { signal } : {};
  if (value === undefined) await bucket.base.delete(key, abortable);
  else await bucket.base.put(key, JSON.stringify(value), { ...abortable, contentType: 'application/json' });
  cached(bucket).set(name, { value, at: Date.now() });
}
