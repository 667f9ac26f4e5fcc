/**
 * A small LRU of decoded TAR indexes, keyed by datarange object key. Keys carry the upload counter
 * and are never reused, so an entry never goes stale: it only gets evicted.
 */
import type { IndexEntry } from './tar-index.js';
import { INDEX_ENTRY_BYTES } from './tar-index.js';

/** Bounds of an index cache. */
export interface IndexCacheOptions {
  /** Indexes kept at most (default 64). */
  maxEntries?: number;
  /** Encoded index bytes kept at most, 16 per datapoint (default 64 MiB). */
  maxBytes?: number;
}

/** An LRU of decoded indexes. */
export interface IndexCache {
  get(key: string): IndexEntry[] | undefined;
  set(key: string, index: IndexEntry[]): void;
  readonly size: number;
}

/**
 * Creates an index cache.
 *
 * @example
 * ```ts
 * const cache = indexCache({ maxEntries: 16 });
 * cache.set(range.key, decodeIndex(bytes));
 * ```
 */
export function indexCache(options: IndexCacheOptions = {}): IndexCache {
  const maxEntries = options.maxEntries ?? 64;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const map = new Map<string, IndexEntry[]>();
  let bytes = 0;
  return {
    get(key) {
      const index = map.get(key);
      if (index) {
        map.delete(key);
        map.set(key, index);
      }
      return index;
    },
    set(key, index) {
      const old = map.get(key);
      if (old) {
        bytes -= old.length * INDEX_ENTRY_BYTES;
        map.delete(key);
      }
      map.set(key, index);
      bytes += index.length * INDEX_ENTRY_BYTES;
      for (const [oldest, entries] of map) {
        if (map.size <= 1 || (map.size <= maxEntries && bytes <= maxBytes)) break;
        map.delete(oldest);
        bytes -= entries.length * INDEX_ENTRY_BYTES;
      }
    },
    get size() {
      return map.size;
    },
  };
}
