import { throwIfAborted } from '../errors.js';
import type { Abortable, StoragePort } from '../storage/index.js';
import { blockChecksum } from './checksum.js';
import {
  CHECKSUM_BYTES,
  DATA_PREFIX,
  geometry,
  MANIFEST_PREFIX,
  type Manifest,
  manifestKey,
  shardKey,
} from './layout.js';
import { mergeKeys } from './list.js';
import { newestManifest, readManifests, writeManifests } from './manifests.js';
import { readBlocks } from './read.js';
import { ShardStream } from './shard-stream.js';
import type { ErasurePort } from './storage.js';

/** Blocks read per request while checking and rebuilding: heal holds about this many blocks per port. */
const HEAL_BATCH = 4;

export interface HealOptions extends Abortable {
  /** Shard objects of no current version are removed only when older than this (ms, default 1 h), so writes in flight keep theirs. */
  orphanGraceMs?: number;
  /** Called after each object, for progress. */
  onObject?: (key: string, done: number) => void;
}

export interface HealReport {
  objects: number;
  /** Ports given the current manifest they lacked or had an older or damaged copy of. */
  manifestsRepaired: number;
  /** Shard objects rewritten because they were missing or had blocks failing their checksum. */
  shardsRebuilt: number;
  /** Blocks that failed their checksum, across all shards. */
  corruptBlocks: number;
  orphansRemoved: number;
  tombstonesCleared: number;
  /** Keys with fewer than k intact shards for some block: they need a backup. */
  unrecoverable: string[];
}

/**
 * Scans every object of an erasure port: repairs manifests, rebuilds missing or corrupt shards from
 * the others, clears tombstones every port has, and removes orphaned shards. Safe to run while the
 * port is in use; run it after replacing a disk or on a schedule.
 *
 * @example
 * ```ts
 * const report = await heal(port);
 * if (report.unrecoverable.length) alert(report.unrecoverable);
 * ```
 */
export async function heal(port: ErasurePort, options: HealOptions = {}): Promise<HealReport> {
  const { ports } = port;
  const report: HealReport = {
    objects: 0,
    manifestsRepaired: 0,
    shardsRebuilt: 0,
    corruptBlocks: 0,
    orphansRemoved: 0,
    tombstonesCleared: 0,
    unrecoverable: [],
  };
  const live = new Set<string>();
  const signal = options.signal ? { signal: options.signal } : {};
  for await (const { key } of mergeKeys(ports.map((p) => p.list({ prefix: MANIFEST_PREFIX, ...signal })))) {
    throwIfAborted(options.signal);
    const votes = await readManifests(ports, key, signal);
    const manifest = newestManifest(votes);
    if (!manifest) continue;
    report.objects++;
    const stale = votes.flatMap((vote, i) =>
      vote instanceof Error || vote?.version !== manifest.version ? [i] : [],
    );
    if (manifest.deleted) {
      if (stale.every((i) => votes[i] === undefined)) {
        await Promise.allSettled(ports.map((p) => p.delete(manifestKey(key))));
        report.tombstonesCleared++;
      } else {
        report.manifestsRepaired += await writeManifests(
          stale.map((i) => ports[i]!),
          manifest,
          signal,
        );
      }
      options.onObject?.(key, report.objects);
      continue;
    }
    live.add(shardKey(key, manifest.version, 0).slice(0, -2));
    const rebuilt = await healShards(port, manifest, report, options.signal);
    if (rebuilt.length > 0 || stale.length > 0) {
      const fixed: Manifest = {
        ...manifest,
        written: manifest.written.map((w, i) => w || rebuilt.includes(i)),
      };
      const targets = rebuilt.length > 0 ? ports : stale.map((i) => ports[i]!);
      report.manifestsRepaired += Math.min(stale.length, await writeManifests(targets, fixed, signal));
    }
    options.onObject?.(key, report.objects);
  }
  await removeOrphans(ports, live, options.orphanGraceMs ?? 3_600_000, report, options.signal);
  return report;
}

/** Finds shards with missing objects or bad blocks and rewrites them from the others; returns their indexes. */
async function healShards(
  port: ErasurePort,
  manifest: Manifest,
  report: HealReport,
  signal?: AbortSignal,
): Promise<number[]> {
  const { ports, codec } = port;
  const g = geometry(manifest.size, manifest.blockSize, manifest.dataShards);
  const checksumOf = await blockChecksum(manifest.checksum);
  const bad = new Set<number>();
  // Ranged reads of a few blocks at a time: memory stays bounded however large the object is.
  for (let first = 0; first < g.blocks && bad.size < ports.length; first += HEAL_BATCH) {
    const last = Math.min(first + HEAL_BATCH, g.blocks) - 1;
    const start = g.shardOffset(first);
    const end = g.shardOffset(last) + g.shardLength(last) + CHECKSUM_BYTES - 1;
    await Promise.all(
      ports.map(async (p, i) => {
        if (bad.has(i)) return;
        try {
          const got = await p.get(shardKey(manifest.key, manifest.version, i), {
            range: { start, end },
            ...(signal ? { signal } : {}),
          });
          if (got.size !== g.shardObjectSize) throw new Error('wrong size');
          const bytes = await got.bytes();
          if (bytes.byteLength !== end - start + 1) throw new Error('short read');
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let b = first; b <= last; b++) {
            const offset = g.shardOffset(b) - start;
            const length = g.shardLength(b);
            if (checksumOf(bytes.subarray(offset, offset + length)) !== view.getUint32(offset + length)) {
              report.corruptBlocks++;
              bad.add(i);
            }
          }
        } catch {
          bad.add(i);
        }
      }),
    );
  }
  if (g.blocks === 0) {
    // an empty object still has its (empty) shard objects
    await Promise.all(
      ports.map((p, i) =>
        p.head(shardKey(manifest.key, manifest.version, i), signal ? { signal } : {}).catch(() => bad.add(i)),
      ),
    );
  }
  if (bad.size === 0) return [];
  const targets = [...bad];
  const sinks = targets.map(() => new ShardStream());
  const writes = targets.map((i, t) =>
    ports[i]!.put(shardKey(manifest.key, manifest.version, i), sinks[t]!.stream, { etag: 'any' }),
  );
  try {
    const context = { ports, codec, hedgeAfterMs: 0, readTimeoutMs: 30_000 };
    for (let batch = 0; batch < g.blocks; batch += HEAL_BATCH) {
      const last = Math.min(batch + HEAL_BATCH, g.blocks) - 1;
      const data = await readBlocks(context, manifest, batch, last, signal);
      for (let b = batch; b <= last; b++) {
        // re-encoding the block gives every shard, data and parity alike
        const length = g.shardLength(b);
        const padded = new Uint8Array(length * codec.dataShards);
        const from = (b - batch) * manifest.blockSize;
        padded.set(data.subarray(from, from + g.blockLength(b)));
        const dataShards = Array.from({ length: codec.dataShards }, (_, i) =>
          padded.subarray(i * length, (i + 1) * length),
        );
        const shards = [...dataShards, ...codec.encode(dataShards)];
        await Promise.all(
          targets.map((i, t) => {
            const out = new Uint8Array(length + CHECKSUM_BYTES);
            out.set(shards[i]!);
            new DataView(out.buffer).setUint32(length, checksumOf(shards[i]!));
            return sinks[t]!.push(out);
          }),
        );
      }
    }
  } catch (err) {
    for (const sink of sinks) sink.fail(err);
    await Promise.allSettled(writes);
    report.unrecoverable.push(manifest.key);
    return [];
  } finally {
    for (const sink of sinks) sink.close();
  }
  const results = await Promise.allSettled(writes);
  const rebuilt = targets.filter((_, t) => results[t]!.status === 'fulfilled');
  report.shardsRebuilt += rebuilt.length;
  return rebuilt;
}

async function removeOrphans(
  ports: StoragePort[],
  live: Set<string>,
  graceMs: number,
  report: HealReport,
  signal?: AbortSignal,
): Promise<void> {
  const cutoff = Date.now() - graceMs;
  await Promise.all(
    ports.map(async (p) => {
      const doomed: string[] = [];
      try {
        for await (const entry of p.list({ prefix: DATA_PREFIX, ...(signal ? { signal } : {}) })) {
          if (entry.type !== 'object') continue;
          const version = entry.key.slice(0, entry.key.lastIndexOf('/'));
          if (!live.has(version) && entry.lastModified.getTime() <= cutoff) doomed.push(entry.key);
        }
        report.orphansRemoved += (await p.deleteMany(doomed)).deleted;
      } catch {
        // a port that cannot list now is healed next time
      }
    }),
  );
}
