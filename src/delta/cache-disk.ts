/**
 * A reference cache on disk, encrypted with AES-256-GCM so a shared temporary directory never holds a
 * reference in plaintext. Files are content-addressed and written by rename, so several processes can
 * share the directory: a half-written, foreign-key or tampered file simply reads as a miss.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bkError } from '../errors.js';
import { checkMaxBytes, type ReferenceCache, sha256Hex } from './cache.js';

export interface DiskReferenceCacheOptions {
  /** The cache directory (created if missing). May be shared by several processes. */
  dir: string;
  /** Bound on the bytes kept in `dir`; least recently used files go first (default 1 GiB). */
  maxBytes?: number;
  /**
   * The 32-byte AES-256-GCM key. Default: random per process, so entries live as long as the process
   * (other processes read them as misses). Give the same key to share entries between processes.
   */
  key?: Uint8Array;
}

const IV_BYTES = 12;
const SUFFIX = '.bkref';

/**
 * An encrypted on-disk LRU reference cache.
 *
 * @example
 * ```ts
 * const cache = diskReferenceCache({ dir: join(tmpdir(), 'bucketkit-refs'), maxBytes: 4 * 2 ** 30 });
 * const port = delta(s3Storage({ bucket: 'artifacts' }), { cache });
 * ```
 */
export function diskReferenceCache(options: DiskReferenceCacheOptions): ReferenceCache {
  const maxBytes = checkMaxBytes(options.maxBytes ?? 1024 * 1024 * 1024);
  if (options.key !== undefined && options.key.length !== 32) {
    throw bkError('InvalidArgument', 'the reference cache key is 32 bytes (AES-256)', {
      details: { length: options.key.length },
    });
  }
  const rawKey = new Uint8Array(options.key ?? crypto.getRandomValues(new Uint8Array(32)));
  const cryptoKey = crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const ready = mkdir(options.dir, { recursive: true });
  const fileOf = (key: string, sha: string) =>
    join(options.dir, sha256Hex(new TextEncoder().encode(`${key}\n${sha}`)) + SUFFIX);

  return {
    async get(key, sha) {
      const digest = sha.toLowerCase();
      const file = fileOf(key, digest);
      let sealed: Uint8Array<ArrayBuffer>;
      try {
        await ready;
        sealed = new Uint8Array(await readFile(file));
      } catch {
        return undefined;
      }
      try {
        const plain = new Uint8Array(
          await crypto.subtle.decrypt(
            {
              name: 'AES-GCM',
              iv: sealed.subarray(0, IV_BYTES),
              additionalData: new TextEncoder().encode(file),
            },
            await cryptoKey,
            sealed.subarray(IV_BYTES),
          ),
        );
        if (sha256Hex(plain) !== digest) return undefined;
        const now = new Date();
        await utimes(file, now, now).catch(() => {});
        return plain;
      } catch {
        return undefined; // another process's key, or a damaged file
      }
    },
    async set(key, sha, bytes) {
      const digest = sha.toLowerCase();
      if (bytes.length > maxBytes) return;
      if (sha256Hex(bytes) !== digest) {
        throw bkError(
          'InvalidArgument',
          'the bytes given to the reference cache do not match their SHA-256',
          {
            details: { key, sha256: sha },
          },
        );
      }
      await ready;
      const file = fileOf(key, digest);
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(file) },
          await cryptoKey,
          bytes as Uint8Array<ArrayBuffer>,
        ),
      );
      const temp = `${file}.${randomUUID()}.tmp`;
      await writeFile(temp, [iv, sealed]);
      await rename(temp, file);
      await evict(options.dir, maxBytes);
    },
  };
}

/** Deletes the least recently used entries until `dir` holds at most `maxBytes`. */
async function evict(dir: string, maxBytes: number): Promise<void> {
  const files: Array<{ path: string; size: number; used: number }> = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(SUFFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info) files.push({ path, size: info.size, used: info.mtimeMs });
  }
  let total = files.reduce((sum, f) => sum + f.size, 0);
  files.sort((a, b) => a.used - b.used);
  for (const file of files) {
    if (total <= maxBytes) break;
    await rm(file.path, { force: true });
    total -= file.size;
  }
}
