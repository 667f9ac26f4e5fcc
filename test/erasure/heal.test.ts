import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { memoryStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';

const KIB = 1024;
const BLOCK = 64 * KIB;
/** Shard bytes of one block (4 data shards), with its CRC-32. */
const SHARD_BLOCK = BLOCK / 4 + 4;

/** A port that records the byte ranges of every shard read. */
function recorded(port: StoragePort, reads: { key: string; bytes: number | 'whole' }[]): StoragePort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return (key: string, options: Parameters<StoragePort['get']>[1] = {}) => {
          if (key.startsWith('d/')) {
            const r = options.range;
            reads.push({ key, bytes: r?.end === undefined ? 'whole' : r.end - r.start + 1 });
          }
          return target.get(key, options);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function shardOf(disk: StoragePort, key: string): Promise<string> {
  const hash = createHash('sha256').update(key).digest('hex');
  for await (const entry of disk.list({ prefix: `d/${hash}/` }))
    if (entry.type === 'object') return entry.key;
  throw new Error(`no shard of ${key}`);
}

describe('heal() on objects larger than a block', () => {
  it('rebuilds missing and corrupt shards block by block, never reading more than a few blocks at once', async () => {
    const disks = Array.from({ length: 6 }, () => memoryStorage());
    const reads: { key: string; bytes: number | 'whole' }[] = [];
    const port = erasure(
      disks.map((d) => recorded(d, reads)),
      { parity: 2, blockSize: BLOCK, hedgeAfterMs: 30 },
    );
    const objects = new Map([
      ['big', pseudoRandomBytes(21 * BLOCK + 1234, 1)],
      ['exact', pseudoRandomBytes(9 * BLOCK, 2)],
      ['empty', new Uint8Array(0)],
    ]);
    for (const [key, bytes] of objects) await port.put(key, bytes);

    // disk 1 loses the big object's shard; disk 4 gets a flipped bit in block 15 of it
    await disks[1]!.delete(await shardOf(disks[1]!, 'big'));
    const damaged = await shardOf(disks[4]!, 'big');
    const stored = (await (await disks[4]!.get(damaged)).bytes()).slice();
    stored[15 * SHARD_BLOCK + 100]! ^= 0x10;
    await disks[4]!.put(damaged, stored);

    reads.length = 0;
    const report = await heal(port, { orphanGraceMs: 0 });
    expect(report).toMatchObject({ objects: 3, shardsRebuilt: 2, corruptBlocks: 1, unrecoverable: [] });
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.bytes === 'whole')).toEqual([]);
    const largest = Math.max(...reads.map((r) => r.bytes as number));
    expect(largest).toBeLessThanOrEqual(4 * SHARD_BLOCK);

    // the rebuilt shards are right: with two other disks' shards gone, every object still reads exact
    for (const key of objects.keys()) {
      if (key === 'empty') continue;
      for (const d of [0, 2]) await disks[d]!.delete(await shardOf(disks[d]!, key));
    }
    for (const [key, bytes] of objects) {
      const got = await (await port.get(key)).bytes();
      expect(Buffer.from(got).equals(Buffer.from(bytes)), key).toBe(true);
    }
  });

  it('finds nothing to do on a healthy port, and marks a key with too few shards unrecoverable', async () => {
    const disks = Array.from({ length: 3 }, () => memoryStorage());
    const port = erasure(disks, { parity: 1, blockSize: BLOCK, hedgeAfterMs: 30 });
    await port.put('k', pseudoRandomBytes(5 * BLOCK + 7, 3));
    expect(await heal(port)).toMatchObject({ shardsRebuilt: 0, corruptBlocks: 0, unrecoverable: [] });
    for (const d of [0, 1]) await disks[d]!.delete(await shardOf(disks[d]!, 'k'));
    const report = await heal(port);
    expect(report.unrecoverable).toEqual(['k']);
  });
});
