/**
 * Reference caches. A reference never changes once written (a new one gets a new SHA-256), so an
 * entry is addressed by the reference's key and SHA-256 and never needs invalidating.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { bkError } from '../errors.js';

/** Where a DeltaSpace keeps references it has read or written, so the next delta skips the GET. */
export interface ReferenceCache {
  /** The bytes of reference `key` whose SHA-256 is `sha256`, or `undefined`. Never other bytes. */
  get(key: string, sha256: string): Promise<Uint8Array | undefined>;
  set(key: string, sha256: string, bytes: Uint8Array): Promise<void>;
}

export interface MemoryReferenceCacheOptions {
  /** Bound on the bytes held; least recently used references go first (default 256 MiB). */
  maxBytes?: number;
}

export function checkMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw bkError('InvalidArgument', 'a reference cache bound is a whole number of bytes ≥ 0', {
      details: { maxBytes },
    });
  }
  return maxBytes;
}

/** The hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/**
 * An in-process LRU reference cache bounded by bytes. A reference larger than the bound is not kept.
 *
 * @example
 * ```ts
 * const space = new DeltaSpace(port, { prefix: 'releases', cache: memoryReferenceCache({ maxBytes: 2 ** 30 }) });
 * ```
 */
export function memoryReferenceCache(options: MemoryReferenceCacheOptions = {}): ReferenceCache {
  const maxBytes = checkMaxBytes(options.maxBytes ?? 256 * 1024 * 1024);
  const entries = new Map<string, Uint8Array>();
  let held = 0;
  return {
    async get(key, sha) {
      const id = `${key}\n${sha.toLowerCase()}`;
      const bytes = entries.get(id);
      if (bytes === undefined) return undefined;
      entries.delete(id);
      entries.set(id, bytes);
      return bytes;
    },
    async set(key, sha, bytes) {
      const id = `${key}\n${sha.toLowerCase()}`;
      if (bytes.length > maxBytes || entries.has(id)) return;
      if (sha256Hex(bytes) !== sha.toLowerCase()) {
        throw bkError(
          'InvalidArgument',
          'the bytes given to the reference cache do not match their SHA-256',
          {
            details: { key, sha256: sha },
          },
        );
      }
      entries.set(id, bytes);
      held += bytes.length;
      for (const [oldest, old] of entries) {
        if (held <= maxBytes) break;
        entries.delete(oldest);
        held -= old.length;
      }
    },
  };
}
