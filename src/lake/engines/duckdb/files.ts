/**
 * Local files for DuckDB to read. A file port hands out the path of an object's data file, which
 * DuckDB reads in place (only the footer and the column chunks it needs). Any other port (S3, HTTP, a
 * wrapped port) is read whole, one GET per segment, into a temporary folder that serves later queries
 * too (least recently used first out, `maxBytes` in all): segments never change once written, so a
 * cached copy is never stale. Objects small enough to live inside a file-port record are copied the
 * same way.
 */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoragePort } from '../../../storage/index.js';
import type { QueryStats } from '../../query/stats.js';

interface Cached {
  path: string;
  bytes: number;
}

/** Where DuckDB finds segment files. */
export interface SegmentFileCache {
  /** A local path holding `key`'s bytes (`size` as the index says). */
  path(
    port: StoragePort,
    key: string,
    size: number,
    stats: QueryStats,
    signal?: AbortSignal,
  ): Promise<string>;
  /** Deletes every cached copy. */
  clear(): Promise<void>;
}

type LocalPorts = StoragePort & { localPath?: (key: string) => Promise<string | undefined> };

/**
 * A cache of segment copies in `dir`, at most `maxBytes` (default 1 GiB).
 *
 * @example
 * ```ts
 * const files = segmentFileCache(tempDir);
 * const path = await files.path(port, segment.table, segment.tableBytes, stats);
 * ```
 */
export function segmentFileCache(dir: string, maxBytes = 1024 ** 3): SegmentFileCache {
  const entries = new Map<string, Promise<Cached>>();
  let total = 0;
  const evict = async () => {
    for (const [key, pending] of entries) {
      if (total <= maxBytes) return;
      const entry = await pending.catch(() => undefined);
      if (!entry || entries.get(key) !== pending) continue;
      entries.delete(key);
      total -= entry.bytes;
      await rm(entry.path, { force: true });
    }
  };
  return {
    async path(port, key, size, stats, signal) {
      const local = (port as LocalPorts).localPath;
      if (typeof local === 'function') {
        const path = await local.call(port, key);
        if (path !== undefined) {
          stats.bytesRead += size;
          return path;
        }
      }
      const id = `${port.name}\u0000${key}`;
      let pending = entries.get(id);
      if (pending) {
        entries.delete(id); // most recently used goes last
        entries.set(id, pending);
        stats.bytesRead += size; // read again, from the local copy: no request
      } else {
        pending = fetchTo(port, key, join(dir, `${hash(id)}.parquet`), stats, signal);
        entries.set(id, pending);
        pending
          .then(
            (entry) => {
              total += entry.bytes;
              return evict();
            },
            () => entries.delete(id),
          )
          .catch(() => undefined); // a failed eviction leaves a temporary file for close() to remove
      }
      return (await pending).path;
    },
    async clear() {
      const all = await Promise.all([...entries.values()].map((p) => p.catch(() => undefined)));
      entries.clear();
      total = 0;
      await Promise.all(all.map((e) => e && rm(e.path, { force: true })));
    },
  };
}

async function fetchTo(
  port: StoragePort,
  key: string,
  path: string,
  stats: QueryStats,
  signal?: AbortSignal,
): Promise<Cached> {
  const bytes = await (await port.get(key, { signal })).bytes();
  stats.requests++;
  stats.bytesRead += bytes.byteLength;
  await writeFile(path, bytes);
  return { path, bytes: bytes.byteLength };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
