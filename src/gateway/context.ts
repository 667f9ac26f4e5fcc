import type { IncomingMessage, ServerResponse } from 'node:http';
import { BucketkitError } from '../errors.js';
import type { ObjectInfo, StoragePort } from '../storage/index.js';
import type { Authenticated } from './auth.js';
import type { BucketProvider } from './buckets.js';
import type { Acl, Directory, GatewayUser } from './identity/index.js';
import type { Notifier } from './notifier.js';
import type { Target } from './route.js';
import { s3Error } from './s3-errors.js';
import type { Keyring, SseScope } from './sse/index.js';

/**
 * Limits the gateway enforces; every one has a default.
 *
 * @example
 * ```ts
 * createGateway({ ...options, limits: { maxObjectSize: 100 * 1024 ** 2, idleTimeoutMs: 10_000 } });
 * ```
 */
export interface GatewayLimits {
  /** Largest object body a PutObject or UploadPart accepts (default 5 GiB, S3's single-PUT limit). */
  maxObjectSize?: number;
  /** Largest request head in bytes (node's `maxHeaderSize`; default 16 KiB). Larger → 431. */
  maxHeaderSize?: number;
  /** A socket idle this long is closed, mid-body or between requests (default 60 000 ms). */
  idleTimeoutMs?: number;
  /** Time allowed to receive the request head (default 30 000 ms). */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole request, 0 for none (default 0: large uploads take long). */
  requestTimeoutMs?: number;
  /** Smallest part a multipart upload may have, except the last (default 5 MiB, as S3). */
  minPartSize?: number;
  /** Largest XML request body (Delete, CompleteMultipartUpload; default 2 MiB). */
  maxXmlBody?: number;
}

export type ResolvedLimits = Required<GatewayLimits>;

/** Everything one request's handler needs. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: Target;
  auth: Authenticated;
  buckets: BucketProvider;
  limits: ResolvedLimits;
  region: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Shown as the owner of buckets and objects. */
  owner: string;
  /** ARN → HTTP endpoint of bucket notifications (empty when none are configured). */
  notificationTargets: Readonly<Record<string, string>>;
  /** Sends bucket notifications; undefined when the gateway has no notification targets. */
  notifier: Notifier | undefined;
  /** Master keys for SSE-S3 / SSE-KMS. */
  keyring: Keyring;
  /** This request's encryption parameters (set by the router). */
  sse?: SseScope | undefined;
  /** The gateway's users; undefined when it has only keys (one owner, no ACLs). */
  users?: Directory | undefined;
  /** Who made the request (undefined: anonymous, or a gateway without users). */
  caller?: GatewayUser | undefined;
  /** The ACL a write records on its object (set by authorization). */
  objectAcl?: Acl | undefined;
  /** DeleteObjects: throws AccessDenied for a key the caller may not delete (set by authorization). */
  authorizeKey?: ((key: string, versioned: boolean) => void) | undefined;
}

/** A bucket's port with what the gateway knows about it. */
export interface ServedBucket {
  name: string;
  /** The port this request reads and writes through (a per-request view when it uses encryption). */
  port: StoragePort;
  /** The bucket's own port, the same for every request: what is kept per bucket is keyed by it. */
  base: StoragePort;
  /** The port enforces ifMatch / ifNoneMatch itself; otherwise the gateway serialises writes per key. */
  conditional: boolean;
  /** The port has its own multipart API (`port.multipart`), which then holds the parts. */
  multipart: boolean;
  /** Runs `fn` holding this key's write lock when the gateway must enforce conditions itself. */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

// promises, not values: the first requests to a bucket may arrive together and must share one lock table
const served = new WeakMap<StoragePort, Promise<ServedBucket>>();

/**
 * The bucket a request names, or `NoSuchBucket`. Ports are wrapped once and remembered.
 *
 * @example
 * ```ts
 * const bucket = await servedBucket(ctx.buckets, 'photos');
 * ```
 */
export async function servedBucket(buckets: BucketProvider, name: string): Promise<ServedBucket> {
  const port = await buckets.get(name);
  if (!port) throw s3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { bucket: name });
  let bucket = served.get(port);
  if (!bucket) {
    bucket = wrap(name, port);
    served.set(port, bucket);
    bucket.catch(() => served.delete(port));
  }
  return bucket;
}

async function wrap(name: string, port: StoragePort): Promise<ServedBucket> {
  const caps = await port.capabilities();
  const locks = new Map<string, Promise<unknown>>();
  return {
    name,
    port,
    base: port,
    conditional: caps.conditionalWrites,
    multipart: caps.multipart && port.multipart !== undefined,
    async exclusive(key, fn) {
      if (caps.conditionalWrites) return fn();
      const before = locks.get(key) ?? Promise.resolve();
      const run = before.then(fn, fn);
      const settled = run.catch(() => {});
      locks.set(key, settled);
      try {
        return await run;
      } finally {
        if (locks.get(key) === settled) locks.delete(key);
      }
    },
  };
}

/** `head` that answers undefined for a missing key. */
export async function headOrUndefined(port: StoragePort, key: string, signal?: AbortSignal) {
  try {
    return await port.head(key, signal ? { signal } : {});
  } catch (err) {
    if (BucketkitError.is(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** Where multipart state lives inside a bucket's port; keys under it are hidden and reserved. */
export const RESERVED_PREFIX = '.bucketkit-gateway/';

/** Refuses keys a client may not use (the gateway's reserved prefix). */
export function assertClientKey(key: string | undefined): string {
  if (key === undefined) throw s3Error('InvalidRequest', 400, 'this operation needs an object key');
  if (key.startsWith(RESERVED_PREFIX)) {
    throw s3Error(
      'InvalidArgument',
      400,
      `keys under "${RESERVED_PREFIX}" are reserved by the gateway; use another key`,
      {
        key,
      },
    );
  }
  return key;
}

/** Info type re-exported for the handlers. */
export type { ObjectInfo };
