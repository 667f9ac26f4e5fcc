/**
 * Where the cache plugin keeps entries: in memory (LRU by bytes) or on a storage port (a folder, a
 * bucket), gzip-compressed, each with its expiry time.
 */
import { BucketkitError } from '../../errors.js';
import type { StoragePort } from '../../storage/browser.js';

/** A cached value: JSON text, and when (ms, the plugin's clock) the read that made it began. */
export interface CacheEntry {
  text: string;
  written: number;
}

/** One cache store; `expires` is a time in ms (the plugin's clock). */
export interface CacheStore {
  get(key: string, now: number): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, expires: number): Promise<void>;
  /** Entries and bytes held (in memory: the compressed size when compressing). */
  size(): { entries: number; bytes: number };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** gzip of `text` (CompressionStream: Node 18+ and browsers). */
export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([encoder.encode(text)]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The text `gzip` compressed. */
export async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return decoder.decode(await new Response(stream).arrayBuffer());
}

interface MemoryEntry {
  value: string | Uint8Array;
  written: number;
  bytes: number;
  expires: number;
}

/**
 * Entries in memory, least recently used evicted first once `maxBytes` would be exceeded; an entry larger
 * than `maxBytes` is not kept. With `compress`, values are held gzipped (smaller, slower to read).
 *
 * @example
 * ```ts
 * const store = memoryCacheStore({ maxBytes: 32 * 2 ** 20 });
 * ```
 */
export function memoryCacheStore(options: { maxBytes: number; compress?: boolean }): CacheStore {
  const entries = new Map<string, MemoryEntry>();
  let bytes = 0;
  const drop = (key: string, entry: MemoryEntry) => {
    entries.delete(key);
    bytes -= entry.bytes;
  };
  return {
    async get(key, now) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      drop(key, entry);
      if (entry.expires <= now) return undefined;
      entries.set(key, entry); // most recently used last
      bytes += entry.bytes;
      const text = typeof entry.value === 'string' ? entry.value : await gunzip(entry.value);
      return { text, written: entry.written };
    },
    async set(key, { text, written }, expires) {
      const old = entries.get(key);
      if (old) drop(key, old);
      const value = options.compress ? await gzip(text) : text;
      // UTF-16 in memory: two bytes a code unit
      const size = key.length * 2 + (typeof value === 'string' ? value.length * 2 : value.byteLength);
      if (size > options.maxBytes) return;
      for (const [oldest, entry] of entries) {
        if (bytes + size <= options.maxBytes) break;
        drop(oldest, entry);
      }
      entries.set(key, { value, written, bytes: size, expires });
      bytes += size;
    },
    size: () => ({ entries: entries.size, bytes }),
  };
}

/**
 * Entries as gzipped objects on a port, one per key, the expiry in metadata; several processes may
 * share one. Expired objects are overwritten when next cached, not swept.
 *
 * @example
 * ```ts
 * const store = portCacheStore(fileStorage('/var/cache/app-db'));
 * ```
 */
export function portCacheStore(port: StoragePort): CacheStore {
  const written = 0;
  let bytes = 0;
  return {
    async get(key, now) {
      try {
        const got = await port.get(await objectKey(key));
        if (
          Number(got.metadata.expires) <= now ||
          got.metadata.key !== encodeURIComponent(key).slice(0, 1000)
        ) {
          await got.body.cancel();
          return undefined;
        }
        return { text: await gunzip(await got.bytes()), written: Number(got.metadata.written) };
      } catch (err) {
        if (BucketkitError.is(err, 'NotFound')) return undefined;
        throw err;
      }
    },
    async set(key, { text, written }, expires) {
      const body = await gzip(text);
      await port.put(await objectKey(key), body, {
        metadata: {
          expires: String(expires),
          written: String(written),
          key: encodeURIComponent(key).slice(0, 1000),
        },
        contentType: 'application/gzip',
      });
      written++;
      bytes += body.byteLength;
    },
    size: () => ({ entries: written, bytes }),
  };
}

/** `cache/<sha-256 of the key>.json.gz`: fixed length whatever the filter or id. */
async function objectKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
  return `cache/${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}.json.gz`;
}
