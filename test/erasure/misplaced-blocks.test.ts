/**
 * Issue #14, finding 2 (first half): a block checksum that covered the slice alone let a shard or block
 * moved to the wrong place pass its check, so reads returned wrong bytes under the original ETag and
 * heal() saw nothing. Checksums are now bound to the key, version, shard index and block number, and
 * full reads check the object's MD5.
 */
import { describe, expect, it } from 'vitest';
import { erasure, heal } from '../../src/erasure/index.js';
import { shardKey } from '../../src/erasure/layout.js';
import { BucketkitError, memoryStorage, type StoragePort } from '../../src/index.js';
import { pseudoRandomBytes } from '../../src/testing/index.js';
import { choose, corruptOrBytes, manifestOf, rewriteLegacy, sameBytes } from '../support/erasure-damage.js';

const BLOCK = 4096;
/** Shard bytes of one full block (4 data shards) and its 4-byte checksum. */
const SHARD_BLOCK = BLOCK / 4 + 4;

function cluster() {
  const disks = Array.from({ length: 6 }, () => memoryStorage());
  const port = erasure(disks, { parity: 2, blockSize: BLOCK, hedgeAfterMs: 20 });
  return { disks, port };
}

const bytesOf = async (port: StoragePort, key: string) => (await port.get(key)).bytes();

async function shardPath(disk: StoragePort, key: string, index: number): Promise<string> {
  return shardKey(key, (await manifestOf(disk, key)).version, index);
}

/** Every port's stored shard of `key`, to compare with after heal(). */
async function snapshot(disks: StoragePort[], key: string): Promise<Uint8Array[]> {
  return Promise.all(
    disks.map(async (d, i) => (await d.get(await shardPath(d, key, i))).bytes().then((b) => b.slice())),
  );
}

async function expectHealedBack(disks: StoragePort[], key: string, before: Uint8Array[]) {
  const after = await snapshot(disks, key);
  for (const [i, shard] of after.entries()) {
    expect(Buffer.from(shard).equals(Buffer.from(before[i]!)), `shard ${i}`).toBe(true);
  }
}

describe('misplaced shards and blocks', () => {
  it('two shards of one object swapped (every pair): reads are exact and heal() rebuilds both', async () => {
    for (const [a, b] of choose(6, 2) as [number, number][]) {
      const { disks, port } = cluster();
      const bytes = pseudoRandomBytes(7 * BLOCK + 99, a * 6 + b);
      await port.put('obj', bytes);
      const before = await snapshot(disks, 'obj');
      await disks[a]!.put(await shardPath(disks[a]!, 'obj', a), before[b]!);
      await disks[b]!.put(await shardPath(disks[b]!, 'obj', b), before[a]!);

      expect(sameBytes(await bytesOf(port, 'obj'), bytes), `shards ${a} and ${b} swapped`).toBe(true);
      const report = await heal(port, { orphanGraceMs: 0 });
      expect(report, `shards ${a} and ${b}`).toMatchObject({ shardsRebuilt: 2, unrecoverable: [] });
      expect(report.corruptBlocks).toBeGreaterThanOrEqual(2);
      await expectHealedBack(disks, 'obj', before);
    }
  });

  it('two blocks swapped inside a shard (every shard): reads are exact and heal() rebuilds it', async () => {
    for (let shard = 0; shard < 6; shard++) {
      const { disks, port } = cluster();
      const bytes = pseudoRandomBytes(6 * BLOCK, shard);
      await port.put('obj', bytes);
      const before = await snapshot(disks, 'obj');
      const moved = before[shard]!.slice();
      moved.set(before[shard]!.subarray(1 * SHARD_BLOCK, 2 * SHARD_BLOCK), 4 * SHARD_BLOCK);
      moved.set(before[shard]!.subarray(4 * SHARD_BLOCK, 5 * SHARD_BLOCK), 1 * SHARD_BLOCK);
      await disks[shard]!.put(await shardPath(disks[shard]!, 'obj', shard), moved);

      expect(sameBytes(await bytesOf(port, 'obj'), bytes)).toBe(true);
      const range = await port.get('obj', { range: { start: BLOCK - 10, end: 5 * BLOCK + 10 } });
      expect(sameBytes(await range.bytes(), bytes.subarray(BLOCK - 10, 5 * BLOCK + 11))).toBe(true);
      expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({
        shardsRebuilt: 1,
        corruptBlocks: 2,
        unrecoverable: [],
      });
      await expectHealedBack(disks, 'obj', before);
    }
  });

  it('a shard replaced by the same-index shard of another object of the same size is caught', async () => {
    for (let shard = 0; shard < 6; shard++) {
      const { disks, port } = cluster();
      const a = pseudoRandomBytes(3 * BLOCK + 5, 100 + shard);
      const b = pseudoRandomBytes(3 * BLOCK + 5, 200 + shard);
      await port.put('a', a);
      await port.put('b', b);
      const before = await snapshot(disks, 'a');
      const other = await (await disks[shard]!.get(await shardPath(disks[shard]!, 'b', shard))).bytes();
      await disks[shard]!.put(await shardPath(disks[shard]!, 'a', shard), other);
      expect(sameBytes(await bytesOf(port, 'a'), a)).toBe(true);
      expect(await heal(port, { orphanGraceMs: 0 })).toMatchObject({ shardsRebuilt: 1, unrecoverable: [] });
      await expectHealedBack(disks, 'a', before);
    }
  });

  it('the same shard of an older version of the same key is caught too', async () => {
    const { disks, port } = cluster();
    await port.put('k', pseudoRandomBytes(2 * BLOCK, 1));
    const old = await snapshot(disks, 'k');
    const now = pseudoRandomBytes(2 * BLOCK, 2);
    await port.put('k', now);
    await disks[0]!.put(await shardPath(disks[0]!, 'k', 0), old[0]!);
    await disks[3]!.put(await shardPath(disks[3]!, 'k', 3), old[3]!);
    expect(sameBytes(await bytesOf(port, 'k'), now)).toBe(true);
  });
});

describe('whole-object MD5 on full reads', () => {
  it('bytes that do not match the ETag every port agrees on are Corrupt, never returned', async () => {
    const { disks, port } = cluster();
    const bytes = pseudoRandomBytes(3 * BLOCK + 1, 5);
    await port.put('obj', bytes);
    for (const disk of disks) {
      const manifest = await manifestOf(disk, 'obj');
      await disk.put('m/obj', JSON.stringify({ ...manifest, etag: '0'.repeat(32) }));
    }
    const err = await bytesOf(port, 'obj').then(
      (got) => `${got.byteLength} bytes`,
      (e: unknown) => e,
    );
    expect(BucketkitError.is(err, 'Corrupt'), String(err)).toBe(true);
    expect((err as BucketkitError).details.key).toBe('obj');
    // a ranged read checks blocks only: its bytes are right
    const range = await port.get('obj', { range: { start: 10, end: 5000 } });
    expect(sameBytes(await range.bytes(), bytes.subarray(10, 5001))).toBe(true);
  });

  it('a size every port agrees on but that is wrong is Corrupt on a full read', async () => {
    for (const size of [0, 1, 3 * BLOCK, 3 * BLOCK + 2]) {
      const { disks, port } = cluster();
      await port.put('obj', pseudoRandomBytes(3 * BLOCK + 1, 5));
      for (const disk of disks) {
        const manifest = await manifestOf(disk, 'obj');
        await disk.put('m/obj', JSON.stringify({ ...manifest, size }));
      }
      const got = await corruptOrBytes(port, 'obj');
      expect(got, `size ${size}`).toBe('Corrupt');
    }
  });

  it('objects written before bound checksums still read, and swapped shards there are Corrupt, not wrong bytes', async () => {
    const { disks, port } = cluster();
    const bytes = pseudoRandomBytes(5 * BLOCK + 3, 8);
    await port.put('old', bytes);
    await rewriteLegacy(disks, 'old', BLOCK);
    expect(sameBytes(await bytesOf(port, 'old'), bytes)).toBe(true);
    expect(await heal(port)).toMatchObject({ corruptBlocks: 0, unrecoverable: [] });

    const before = await snapshot(disks, 'old');
    await disks[1]!.put(await shardPath(disks[1]!, 'old', 1), before[2]!);
    await disks[2]!.put(await shardPath(disks[2]!, 'old', 2), before[1]!);
    expect(await corruptOrBytes(port, 'old')).toBe('Corrupt');
    const report = await heal(port);
    expect(report.unrecoverable).toEqual(['old']);
    expect(report.unrepaired[0]).toMatchObject({ key: 'old' });
    expect(report.unrepaired[0]!.reason).toMatch(/ETag/);
  });
});
