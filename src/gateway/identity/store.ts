import type { ObjectInfo, StoragePort } from '../../storage/index.js';
import { headOrUndefined, RESERVED_PREFIX } from '../context.js';
import { HIDDEN_PREFIX } from '../http.js';
import { type Acl, cannedAcl, decodeAcl } from './acl.js';
import type { Directory } from './users.js';

/** Where a bucket's owner and ACL live, in the bucket's own port. */
const BUCKET_ACL = `${RESERVED_PREFIX}acl.json`;
/** Hidden metadata of an object: its owner's id and its ACL (`encodeAcl`). */
export const OWNER_META = `${HIDDEN_PREFIX}owner`;
export const ACL_META = `${HIDDEN_PREFIX}acl`;

// re-read at most every few seconds, so other gateways over the same storage see a change soon
const FRESH_MS = 5_000;
const cache = new WeakMap<StoragePort, { acl: Promise<Acl>; at: number }>();

/**
 * A bucket's ACL; a bucket without one (made before users were configured, or by hand) belongs to
 * the first user and is private.
 *
 * @example
 * ```ts
 * const acl = await bucketAcl(port, users);
 * ```
 */
export function bucketAcl(port: StoragePort, users: Directory): Promise<Acl> {
  const known = cache.get(port);
  if (known && Date.now() - known.at < FRESH_MS) return known.acl;
  const acl = readBucketAcl(port, users);
  cache.set(port, { acl, at: Date.now() });
  acl.catch(() => cache.delete(port));
  return acl;
}

async function readBucketAcl(port: StoragePort, users: Directory): Promise<Acl> {
  const info = await headOrUndefined(port, BUCKET_ACL);
  if (!info) return cannedAcl('private', users.admin.id);
  const text = await (await port.get(BUCKET_ACL)).text();
  try {
    const parsed = JSON.parse(text) as Acl;
    if (typeof parsed.owner === 'string' && Array.isArray(parsed.grants)) return parsed;
  } catch {
    // fall through: an unreadable ACL gives the bucket back to the first user, private
  }
  return cannedAcl('private', users.admin.id);
}

/** Records a bucket's owner and ACL. */
export async function writeBucketAcl(port: StoragePort, acl: Acl): Promise<void> {
  await port.put(BUCKET_ACL, JSON.stringify(acl), { contentType: 'application/json', etag: 'any' });
  cache.set(port, { acl: Promise.resolve(acl), at: Date.now() });
}

/** An object's ACL from its metadata; objects written without one belong to the bucket owner. */
export function objectAcl(info: ObjectInfo, bucketOwner: string): Acl {
  const owner = info.metadata[OWNER_META] ?? bucketOwner;
  return info.metadata[ACL_META] === undefined
    ? cannedAcl('private', owner)
    : decodeAcl(info.metadata[ACL_META], owner);
}
