import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileStorage, type StoragePort } from '../storage/index.js';
import { s3Error } from './s3-errors.js';

/**
 * A bucket as ListBuckets shows it.
 *
 * @example
 * ```ts
 * const info: BucketInfo = { name: 'photos', created: new Date() };
 * ```
 */
export interface BucketInfo {
  name: string;
  created: Date;
}

/**
 * Where the gateway finds a `StoragePort` per bucket. `create` and `delete` may refuse with a
 * `BucketkitError` (e.g. `Unsupported` for a fixed set of buckets).
 *
 * @example
 * ```ts
 * const one: BucketProvider = {
 *   list: async () => [{ name: 'data', created: new Date(0) }],
 *   get: async (name) => (name === 'data' ? port : undefined),
 *   create: async () => { throw bkError('Unsupported', 'fixed buckets'); },
 *   delete: async () => { throw bkError('Unsupported', 'fixed buckets'); },
 * };
 * ```
 */
export interface BucketProvider {
  list(): Promise<BucketInfo[]>;
  /** The bucket's port, or undefined when there is no such bucket. */
  get(name: string): Promise<StoragePort | undefined>;
  create(name: string): Promise<void>;
  /** Removes the (already emptied) bucket. */
  delete(name: string): Promise<void>;
  /** Releases the ports it opened. */
  close?(): Promise<void>;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Checks a bucket name against S3's rules (3-63 characters: lowercase letters, digits, dots and
 * hyphens, no `..`, not an IP address), so that a name can never reach outside a folder.
 *
 * @example
 * ```ts
 * assertBucketName('my-bucket');
 * ```
 */
export function assertBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw s3Error(
      'InvalidBucketName',
      400,
      'bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
      { bucket: name.slice(0, 64) },
    );
  }
}

/**
 * The default provider: one folder per bucket under `root`, each served by the file adapter.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ buckets: folderBuckets('./data'), credentials });
 * ```
 */
export function folderBuckets(root: string, options: { durable?: boolean } = {}): BucketProvider {
  const base = resolve(root);
  const ports = new Map<string, StoragePort>();
  const exists = async (name: string) =>
    (await stat(join(base, name)).catch(() => undefined))?.isDirectory() === true;
  return {
    async list() {
      await mkdir(base, { recursive: true });
      const entries = await readdir(base, { withFileTypes: true });
      const buckets: BucketInfo[] = [];
      for (const entry of entries) {
        if (!entry.isDirectory() || !BUCKET_NAME.test(entry.name)) continue;
        const info = await stat(join(base, entry.name));
        buckets.push({ name: entry.name, created: info.birthtime.getTime() ? info.birthtime : info.mtime });
      }
      return buckets.sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async get(name) {
      // buckets seen once are remembered: a stat per request costs more than the request's own I/O
      const known = ports.get(name);
      if (known) return known;
      if (!BUCKET_NAME.test(name) || !(await exists(name))) return undefined;
      const port = fileStorage(join(base, name), options);
      ports.set(name, port);
      return port;
    },
    async create(name) {
      assertBucketName(name);
      await mkdir(base, { recursive: true });
      try {
        await mkdir(join(base, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw s3Error('BucketAlreadyOwnedByYou', 409, `you already own bucket "${name}"`, { bucket: name });
        }
        throw err;
      }
    },
    async delete(name) {
      ports.delete(name);
      await rm(join(base, name), { recursive: true, force: true });
    },
    async close() {
      await Promise.all([...ports.values()].map((p) => p.close?.()));
      ports.clear();
    },
  };
}

/**
 * A fixed set of buckets, each any port: serve an erasure set, a delta proxy or a prefix of real S3.
 * Creating or deleting buckets is refused.
 *
 * @example
 * ```ts
 * createGateway({ buckets: staticBuckets({ archive: erasure(ports, { parity: 2 }) }), credentials });
 * ```
 */
export function staticBuckets(buckets: Record<string, StoragePort>): BucketProvider {
  const created = new Date();
  const fixed = (name: string) =>
    s3Error(
      'AccessDenied',
      403,
      `bucket "${name}" is configured in the gateway and cannot be created or deleted`,
      {
        bucket: name,
      },
    );
  return {
    async list() {
      return Object.keys(buckets)
        .sort()
        .map((name) => ({ name, created }));
    },
    async get(name) {
      return Object.hasOwn(buckets, name) ? buckets[name] : undefined;
    },
    async create(name) {
      if (Object.hasOwn(buckets, name)) {
        throw s3Error('BucketAlreadyOwnedByYou', 409, `you already own bucket "${name}"`, { bucket: name });
      }
      throw fixed(name);
    },
    async delete(name) {
      throw fixed(name);
    },
  };
}
