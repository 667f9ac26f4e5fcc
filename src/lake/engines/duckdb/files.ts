/**
 * Local files for DuckDB to read. A file port hands out the path of an object's data file, which
 * DuckDB reads in place (only the footer and the column chunks it needs). DuckDB itself checks no
 * length or checksum, so a data file is first read whole through the port once, which checks its
 * recorded length and MD5 (bit rot is `Corrupt`, as on every other read of the port); it is read again
 * only when its inode, size or change time differ from the verified ones. Any other port (S3, HTTP, a
 * wrapped port) is read whole, one GET per segment, into a temporary folder that serves later queries
 * too (least recently used first out, `maxBytes` in all): segments never change once written, so a
 * cached copy is never stale. Objects small enough to live inside a file-port record are copied the
 * same way.
 */
import { createHash } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bkError } from '../../../errors.js';
import { chunksOf, type StoragePort } from '../../../storage/index.js';
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
  const verified = new Map<string, string>(); // data file path → its stat signature when it was checked
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
          await verifyInPlace(port, key, path, size, verified, signal);
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
      verified.clear();
      total = 0;
      await Promise.all(all.map((e) => e && rm(e.path, { force: true })));
    },
  };
}

const VERIFIED_MAX = 100_000;

/** Reads a data file whole through its port (length and MD5 checked) unless it is unchanged since. */
async function verifyInPlace(
  port: StoragePort,
  key: string,
  path: string,
  size: number,
  verified: Map<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const before = await statSignature(path);
  if (before !== undefined && verified.get(path) === before) return;
  let bytes = 0;
  for await (const chunk of chunksOf((await port.get(key, { signal })).body, { signal }))
    bytes += chunk.byteLength;
  if (bytes !== size) {
    throw bkError('Corrupt', `segment ${key} holds ${bytes} bytes where the lake's index says ${size}`, {
      details: { key },
    });
  }
  if (before === undefined || (await statSignature(path)) !== before) return; // changed meanwhile: check next time
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  verified.set(path, before);
}

/** What identifies a file's current bytes cheaply; undefined when it cannot be read (the port says why). */
async function statSignature(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.ctimeNs}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
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
