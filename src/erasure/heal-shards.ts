/** heal()'s work on one object's shards: check every block of every shard, then rebuild the bad shards. */
import { createHash } from 'node:crypto';
import { BucketkitError } from '../errors.js';
import type { StoragePort } from '../storage/index.js';
import { type ShardChecksum, shardChecksum } from './checksum.js';
import type { ErasureCodec } from './codec.js';
import { CHECKSUM_BYTES, type Geometry, geometry, type Manifest, shardKey } from './layout.js';
import { readBlocks } from './read.js';
import { ShardStream } from './shard-stream.js';

/** Blocks read per request while checking and rebuilding: heal holds about this many blocks per port. */
const HEAL_BATCH = 4;

export interface ShardHealing {
  /** Shard indexes rewritten (they were missing, the wrong size, or had blocks failing their checksum). */
  rebuilt: number[];
  /** Blocks that failed their checksum, across all shards. */
  corruptBlocks: number;
  /** Why the object could not be repaired, if it could not. */
  unrepaired?: string;
}

const md5Of = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/**
 * Checks every block of every shard of `manifest`'s version (ranged reads of a few blocks, so memory
 * stays bounded) and the object's MD5 against its ETag, then rewrites the bad shards from the others.
 * A rebuild commits only if the rebuilt object's MD5 is its ETag, so wrong bytes are never written
 * under a good checksum.
 *
 * @example
 * ```ts
 * const { rebuilt, unrepaired } = await healShards(port.ports, port.codec, manifest);
 * ```
 */
export async function healShards(
  ports: StoragePort[],
  codec: ErasureCodec,
  manifest: Manifest,
  signal?: AbortSignal,
): Promise<ShardHealing> {
  const g = geometry(manifest.size, manifest.blockSize, manifest.dataShards);
  const checksumOf = await shardChecksum(manifest);
  const scan = await scanShards(ports, manifest, g, checksumOf, signal);
  const { bad, corruptBlocks } = scan;
  const result: ShardHealing = { rebuilt: [], corruptBlocks };
  if (scan.md5 !== undefined && scan.md5 !== manifest.etag) {
    result.unrepaired =
      manifest.checksum === 'xxh64-bound'
        ? `its bytes do not match its ETag ${manifest.etag} though every block passes its checksum: restore it`
        : `its bytes do not match its ETag ${manifest.etag} though every block passes its checksum (shards or blocks in the wrong place; written before checksums were bound to their place): restore it`;
    return result;
  }
  // a rebuild goes block by block: shards bad in different blocks still leave k intact for each
  if (bad.size === 0) return result;
  try {
    result.rebuilt = await rebuild(ports, codec, manifest, g, checksumOf, [...bad], signal);
  } catch (err) {
    if (BucketkitError.is(err, 'Aborted')) throw err;
    result.unrepaired = `its shards could not be rebuilt (${err instanceof Error ? err.message : String(err)})`;
  }
  return result;
}

interface Scan {
  bad: Set<number>;
  corruptBlocks: number;
  /** The object's MD5 when every data block was intact (undefined when the rebuild must check it). */
  md5: string | undefined;
}

async function scanShards(
  ports: StoragePort[],
  manifest: Manifest,
  g: Geometry,
  checksumOf: ShardChecksum,
  signal?: AbortSignal,
): Promise<Scan> {
  const k = manifest.dataShards;
  const bad = new Set<number>();
  const scan: Scan = { bad, corruptBlocks: 0, md5: undefined };
  const at = signal ? { signal } : {};
  if (g.blocks === 0) {
    // an empty object still has its (empty) shard objects
    await Promise.all(
      ports.map(async (p, i) => {
        const info = await p.head(shardKey(manifest.key, manifest.version, i), at).catch(() => undefined);
        if (info?.size !== 0) bad.add(i);
      }),
    );
    scan.md5 = md5Of(new Uint8Array(0));
    return scan;
  }
  const missing = new Set<number>();
  const md5 = createHash('md5');
  let hashing = true;
  for (let first = 0; first < g.blocks && missing.size < ports.length; first += HEAL_BATCH) {
    const last = Math.min(first + HEAL_BATCH, g.blocks) - 1;
    const start = g.shardOffset(first);
    const end = g.shardOffset(last) + g.shardLength(last) + CHECKSUM_BYTES - 1;
    const slices: (Uint8Array | undefined)[][] = ports.map(() => []);
    await Promise.all(
      ports.map(async (p, i) => {
        if (missing.has(i)) return;
        try {
          const got = await p.get(shardKey(manifest.key, manifest.version, i), {
            range: { start, end },
            ...at,
          });
          if (got.size !== g.shardObjectSize) throw new Error('wrong size');
          const bytes = await got.bytes();
          if (bytes.byteLength !== end - start + 1) throw new Error('short read');
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let b = first; b <= last; b++) {
            const offset = g.shardOffset(b) - start;
            const slice = bytes.subarray(offset, offset + g.shardLength(b));
            if (checksumOf(slice, i, b) === view.getUint32(offset + slice.byteLength)) slices[i]![b] = slice;
            else {
              scan.corruptBlocks++;
              bad.add(i);
            }
          }
        } catch (err) {
          if (BucketkitError.is(err, 'Aborted')) throw err;
          missing.add(i);
          bad.add(i);
        }
      }),
    );
    for (let b = first; b <= last && hashing; b++) {
      // the object's bytes straight from its data shards while they are all intact; else the rebuild checks the MD5
      if (slices.slice(0, k).some((s) => !s[b])) hashing = false;
      else {
        let left = g.blockLength(b);
        for (let i = 0; i < k && left > 0; i++) {
          const slice = slices[i]![b]!;
          md5.update(slice.subarray(0, Math.min(left, slice.byteLength)));
          left -= slice.byteLength;
        }
      }
    }
  }
  if (hashing) scan.md5 = md5.digest('hex');
  return scan;
}

/** Re-encodes every block from the intact shards and streams the `targets`' shards; returns those written. */
async function rebuild(
  ports: StoragePort[],
  codec: ErasureCodec,
  manifest: Manifest,
  g: Geometry,
  checksumOf: ShardChecksum,
  targets: number[],
  signal?: AbortSignal,
): Promise<number[]> {
  const k = manifest.dataShards;
  const sinks = targets.map(() => new ShardStream());
  const writes = targets.map((i, t) =>
    ports[i]!.put(shardKey(manifest.key, manifest.version, i), sinks[t]!.stream, {
      etag: 'any',
      ...(signal ? { signal } : {}),
    }),
  );
  const md5 = createHash('md5');
  try {
    const context = { ports, codec, hedgeAfterMs: 0, readTimeoutMs: 30_000 };
    for (let batch = 0; batch < g.blocks; batch += HEAL_BATCH) {
      const last = Math.min(batch + HEAL_BATCH, g.blocks) - 1;
      const data = await readBlocks(context, manifest, batch, last, signal);
      md5.update(data);
      for (let b = batch; b <= last; b++) {
        // re-encoding the block gives every shard, data and parity alike
        const length = g.shardLength(b);
        const padded = new Uint8Array(length * k);
        const from = (b - batch) * manifest.blockSize;
        padded.set(data.subarray(from, from + g.blockLength(b)));
        const dataShards = Array.from({ length: k }, (_, i) => padded.subarray(i * length, (i + 1) * length));
        const shards = [...dataShards, ...codec.encode(dataShards)];
        await Promise.all(
          targets.map((i, t) => {
            const out = new Uint8Array(length + CHECKSUM_BYTES);
            out.set(shards[i]!);
            new DataView(out.buffer).setUint32(length, checksumOf(shards[i]!, i, b));
            return sinks[t]!.push(out);
          }),
        );
      }
    }
    const digest = g.blocks === 0 ? md5Of(new Uint8Array(0)) : md5.digest('hex');
    if (digest !== manifest.etag) {
      throw new Error(`the rebuilt bytes do not match the ETag ${manifest.etag}`);
    }
  } catch (err) {
    // the sinks fail, so the ports' puts fail and their old shard objects stay as they were
    for (const sink of sinks) sink.fail(err);
    await Promise.allSettled(writes);
    throw err;
  } finally {
    for (const sink of sinks) sink.close();
  }
  const results = await Promise.allSettled(writes);
  return targets.filter((_, t) => results[t]!.status === 'fulfilled');
}
