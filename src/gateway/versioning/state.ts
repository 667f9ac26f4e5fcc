/**
 * A bucket's versioning status and object lock configuration, kept as JSON under the gateway's reserved
 * prefix in the bucket's own port (`.bucketkit-gateway/versioning.json`), read at most once per 5 s per
 * bucket: other gateways over the same storage see a change within that time, and requests to an
 * unversioned bucket cost no request for it beyond that read.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/index.js';
import { RESERVED_PREFIX, type ServedBucket } from '../context.js';

export type VersioningStatus = 'Unversioned' | 'Enabled' | 'Suspended';
export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A bucket's default retention: versions written get it unless the request names its own. */
export interface DefaultRetention {
  mode: RetentionMode;
  days?: number;
  years?: number;
}

/** What the gateway keeps about a bucket's versions. */
export interface BucketState {
  versioning: VersioningStatus;
  /** Present once object lock is enabled (it can never be disabled). */
  objectLock?: { rule?: DefaultRetention };
  /**
   * True when the bucket held no object when versioning was first turned on: then every object at a
   * plain key was written by the version store and names its version, so a write need not look at the
   * key first for an older, unnamed object to keep as the null version.
   */
  allNamed?: boolean;
}

export const STATE_KEY = `${RESERVED_PREFIX}versioning.json`;
const TTL_MS = 5_000;
const UNVERSIONED: BucketState = { versioning: 'Unversioned' };

const cache = new WeakMap<StoragePort, { state: Promise<BucketState>; at: number }>();

async function readState(port: StoragePort): Promise<BucketState> {
  try {
    const got = await port.get(STATE_KEY);
    const stored = JSON.parse(await got.text()) as Partial<BucketState>;
    const versioning =
      stored.versioning === 'Enabled' || stored.versioning === 'Suspended'
        ? stored.versioning
        : 'Unversioned';
    return {
      versioning,
      ...(stored.objectLock ? { objectLock: stored.objectLock } : {}),
      ...(stored.allNamed === true && versioning !== 'Unversioned' ? { allNamed: true } : {}),
    };
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return UNVERSIONED;
    throw err;
  }
}

/**
 * The bucket's state, from memory when read in the last 5 s.
 *
 * @example
 * ```ts
 * if ((await bucketState(bucket)).versioning === 'Unversioned') return plainPut();
 * ```
 */
export function bucketState(bucket: Pick<ServedBucket, 'base'>): Promise<BucketState> {
  const cached = cache.get(bucket.base);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.state;
  const state = readState(bucket.base);
  cache.set(bucket.base, { state, at: Date.now() });
  state.catch(() => cache.delete(bucket.base));
  return state;
}

/** Stores a bucket's new state and remembers it. */
export async function saveState(
  bucket: Pick<ServedBucket, 'base'>,
  state: BucketState,
  signal?: AbortSignal,
): Promise<void> {
  await bucket.base.put(STATE_KEY, JSON.stringify(state), {
    contentType: 'application/json',
    ...(signal ? { signal } : {}),
  });
  cache.set(bucket.base, { state: Promise.resolve(state), at: Date.now() });
}

/**
 * Whether the bucket holds no object outside the gateway's reserved prefix (one listing page).
 *
 * @example
 * ```ts
 * const allNamed = await holdsNoObjects(bucket.base);
 * ```
 */
export async function holdsNoObjects(port: StoragePort, signal?: AbortSignal): Promise<boolean> {
  for await (const entry of port.list({ delimiter: '/', pageSize: 2, ...(signal ? { signal } : {}) })) {
    if (entry.type === 'prefix' ? entry.prefix !== RESERVED_PREFIX : true) return false;
  }
  return true;
}

/** Forgets what is remembered about a port (a bucket deleted and made again). */
export function forgetState(port: StoragePort): void {
  cache.delete(port);
}
